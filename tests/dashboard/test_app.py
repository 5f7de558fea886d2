"""In-process HTTP tests of every route with Flask's test client (plain and under a path prefix)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from werkzeug.test import TestResponse

from dashboard.app import assets_folder
from dashboard.pages.registry import REGISTRY
from tests.dashboard.dashtest import dash_post, route

PAGE_PATHS = ["/", *(page.path for page in REGISTRY)]


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "status"), [*((path, 200) for path in PAGE_PATHS), ("/no-such-page", 404)])
def test_every_page_url_serves_the_app(app: dash.Dash, path: str, status: int) -> None:
    response = app.server.test_client().get(path)
    assert response.status_code == status  # an unknown path is a 404 (issue 16), still drawn by the app's shell
    html = _text(response)
    assert "<title>Eventscope</title>" in html and "Traceback" not in html
    assert "_dash-renderer" in html or "dash_renderer" in html


def test_index_serves_everything_locally(app: dash.Dash) -> None:
    html = _text(app.server.test_client().get("/scalars"))
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    assert any("eventscope.css" in source for source in sources)
    assert any("favicon.ico" in source for source in sources)


@pytest.mark.parametrize("asset", ["eventscope.css", "favicon.ico", "logo.svg"])
def test_assets_are_served(app: dash.Dash, asset: str) -> None:
    response = app.server.test_client().get(f"/assets/{asset}")
    assert response.status_code == 200 and len(response.data) > 100


def test_layout_and_dependencies_endpoints(app: dash.Dash) -> None:
    client = app.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = _text(layout)
    assert "shell-nav" in text and "_pages_content" in text and "Last loaded" in text
    outputs = [item["output"] for item in client.get("/_dash-dependencies").json]
    assert any("tag-section-body" in output for output in outputs)
    assert any("tag-section-rest" in output for output in outputs)
    assert any("scalars-graph" in output for output in outputs)
    assert "shell-nav.children" in outputs


@pytest.mark.parametrize(("path", "expected"), [
    ("/scalars", "grid-sections"), ("/", "grid-sections"), ("/custom-scalars", "grid-sections"),
    ("/pr-curves", "grid-sections"), *[(page.path, f"{page.title}: coming soon") for page in REGISTRY if page.module is None][:1],
    ("/profile", "No profiler captures were found"), ("/no-such-page", "Page not found"),
])
def test_router_returns_each_page(app: dash.Dash, path: str, expected: str) -> None:
    response = route(app.server.test_client(), path)
    assert response.status_code == 200 and expected in _text(response)


@pytest.mark.parametrize("search", ["?smoothing=abc&x=nope&logy=7&ymin=zz", "?runs=(&tags=[", "?run=&hide=x",
                                    "?smoothing=1e309&ymax=-inf", "?%ff=%fe"])
def test_router_handles_bad_query_values(app: dash.Dash, search: str) -> None:
    response = route(app.server.test_client(), "/scalars", search)
    assert response.status_code == 200 and "grid-sections" in _text(response)


def test_callback_request_renders_a_section(app: dash.Dash) -> None:
    body = {"id": {"group": "loss", "page": "scalars", "type": "tag-section-body"}, "property": "children"}
    state = [{"id": {"group": "loss", "page": "scalars", "type": "tag-section-state"}, "property": "data",
              "value": {"group": "loss", "tags": ["loss"], "open": True}},
             [],  # the cards on screen (ALL)
             {"id": {"group": "loss", "page": "scalars", "type": "tag-section-body"}, "property": "id",
              "value": {"group": "loss", "page": "scalars", "type": "tag-section-body"}}]
    inputs = [
        {"id": {"group": "loss", "page": "scalars", "type": "tag-section-summary"}, "property": "n_clicks", "value": 0},
        {"id": {"group": "loss", "page": "scalars", "type": "tag-section-pager"}, "property": "value", "value": 0},
        {"id": {"page": "scalars", "type": "grid-view"}, "property": "data",
         "value": {"smoothing": 0.6, "x": "step", "toggles": [], "ymin": None, "ymax": None}},
        {"id": {"page": "scalars", "type": "run-picker-plotted"}, "property": "data", "value": ["alpha", "beta"]},
        {"id": "shell-data-version", "property": "data", "value": "v"},
    ]
    client = app.server.test_client()
    output = next(item["output"] for item in client.get("/_dash-dependencies").json if "tag-section-body" in item["output"])
    assert output == json.dumps({"group": ["MATCH"], "page": ["MATCH"], "type": "tag-section-body"},
                                separators=(",", ":")) + ".children"
    response = dash_post(client, output, body, inputs, state)
    assert response.status_code == 200
    assert _text(response).count('"type":"scalars-graph"') == 1 and "Traceback" not in _text(response)


def test_app_under_path_prefix(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir), path_prefix="/tb")
    client = app.server.test_client()
    response = client.get("/tb/scalars")
    assert response.status_code == 200
    assert '"requests_pathname_prefix":"/tb/"' in _text(response).replace("\\u002f", "/")
    assert client.get("/tb/_dash-layout").status_code == 200
    assert client.get("/tb/assets/eventscope.css").status_code == 200
    assert client.get("/scalars").status_code == 404
    response = route(client, "/tb/scalars", prefix="/tb/")
    assert response.status_code == 200 and "grid-sections" in _text(response)
    nav = dash_post(client, "shell-nav.children", {"id": "shell-nav", "property": "children"},
                    [{"id": "shell-data-version", "property": "data", "value": "v"},
                     {"id": "_pages_location", "property": "pathname", "value": "/tb/scalars"},
                     [],
                     [{"id": {"page": "scalars", "type": "template-query"}, "property": "data", "value": "?tags=x"}]],
                    prefix="/tb/")
    assert '"href":"/tb/scalars?tags=x"' in _text(nav).replace("\\u002f", "/")


def test_two_apps_in_one_process_both_have_callbacks(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    first, second = make_app(logdir=str(scalar_logdir)), make_app(logdir=str(scalar_logdir))
    for app in (first, second):
        outputs = [item["output"] for item in app.server.test_client().get("/_dash-dependencies").json]
        assert any("scalars-graph" in output for output in outputs)


def test_demo_app_shows_the_banner(make_app: Callable[..., dash.Dash]) -> None:
    app = make_app(demo=True)
    text = _text(app.server.test_client().get("/_dash-layout"))
    assert "demo-banner" in text and "demo data" in text


def test_pages_are_registered_in_registry_order(app: dash.Dash) -> None:
    registered = [page for page in dash.page_registry.values() if page["path"] in PAGE_PATHS]
    ordered = [page["path"] for page in sorted(registered, key=lambda page: page["order"])]
    assert ordered == [page.path for page in REGISTRY] + ["/"]
    built = {page.path: page.load() for page in REGISTRY if page.module}
    assert built and all(module.__doc__ and callable(module.layout) for module in built.values())


def test_assets_folder_is_the_project_assets() -> None:
    assert (Path(assets_folder()) / "eventscope.css").is_file()


def _output_ids(app: dash.Dash) -> list[tuple[object, str]]:
    """Every (component id, property) a server or clientside callback writes, as Dash declares them."""
    found = []
    for item in app.server.test_client().get("/_dash-dependencies").json:
        for output in item["output"].removeprefix("..").removesuffix("..").split("..."):
            component, prop = output.rsplit(".", 1)
            found.append((json.loads(component) if component.startswith("{") else component, prop.split("@")[0]))
    return found


def _may_match(one: object, other: object) -> bool:
    """Whether two output ids can name the same component (a wildcard value matches any value of its key)."""
    if not (isinstance(one, dict) and isinstance(other, dict)):
        return one == other
    if one.keys() != other.keys():
        return False
    return all(a == b or isinstance(a, list) or isinstance(b, list) for a, b in zip(one.values(), other.values()))


def test_no_two_callback_outputs_overlap(app: dash.Dash) -> None:
    """Dash's dev tools refuse overlapping wildcard outputs (--debug stops loading), and a component property
    written by two callbacks has no single owner; allow_duplicate outputs are declared on purpose."""
    outputs = _output_ids(app)
    clashes = [(a, b) for i, a in enumerate(outputs) for b in outputs[i + 1:]
               if a[1] == b[1] and _may_match(a[0], b[0]) and (isinstance(a[0], dict) or a[0] == b[0])]
    assert clashes == []
