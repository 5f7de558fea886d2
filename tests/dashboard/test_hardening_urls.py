"""Hardening: nothing a browser or script sends gets a 5xx; bodies are capped; pages do not name the Python build."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash
import pytest

from dashboard import guards
from tests.dashboard.dashtest import route

PAGES = ("/scalars", "/histograms", "/distributions", "/images", "/audio", "/text")
BLOB = "/_eventscope/blob/images/YWxwaGE/bG9zcw"
BAD_URLS = [
    "/" + "a" * 10000,
    "/scalars/" + "x/" * 2000,
    "/%", "/%zz", "/%ff%fe", "/%00", "/scalars%00", "/_dash-layout%00", "/assets/%00", "/%c0%ae%c0%ae/",
    "/scalars?%ff=%fe&runs=%&tags=%zz", "/scalars?smoothing=1e999999&x=%00", "/scalars?" + "a=b&" * 5000,
    "/assets/../pyproject.toml", "/assets/..%2f..%2fpyproject.toml", "/../", "/%2e%2e/%2e%2e/etc/passwd",
    "/_eventscope/../etc/passwd", "/assets/" + "x" * 3000 + ".css",
    "/_dash-component-suites/nope/x.js",
    "/_dash-component-suites/dash/nope.js",
    "/_dash-component-suites/dash/../../../etc/passwd",
    "/_dash-component-suites/dash/deps/%00.js",
    "/_dash-component-suites/" + "p" * 3000 + "/x.js",
    "/_dash-component-suites/dash/dcc/dash_core_components.v9_9_9m99999999999999999999.js",
    f"{BLOB}/9999999999999999999/0", f"{BLOB}/0/99999999999999999999", f"{BLOB}/-9999999999999999999/0",
    "/_eventscope/blob/" + "A" * 5000 + "/x/1/2/3", "/_eventscope/blob/images/%00/%ff/1/2",
    "/_favicon.ico?v=" + "9" * 100, "/_dash-layout?%00=%00", "/_dash-dependencies?x=%ff",
]
ROUTER_QUERIES = [
    "?tags=a{99999999999}", "?runs=" + "(" * 1000 + ")" * 1000, "?tags=" + "(" * 1000, "?runs=(.*.*)*%21",
    "?tags=(?=x)", "?runs=%5C", "?run=%00&hide=%00", "?smoothing=1e999&ymin=nan&ymax=-inf&x=wall",
    "?tags=" + "x" * 5000, "?step=99999999999999999999&sample=-99999999999999999999",
]


def test_hardening_bad_urls_never_answer_5xx(app: dash.Dash) -> None:
    client = app.server.test_client()
    answers = {url[:80]: client.get(url).status_code for url in BAD_URLS}
    assert {url: status for url, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize("path", PAGES)
def test_hardening_bad_queries_render_every_page(app: dash.Dash, path: str) -> None:
    client = app.server.test_client()
    answers = {query[:60]: route(client, path, query).status_code for query in ROUTER_QUERIES}
    assert answers == {query[:60]: 200 for query in ROUTER_QUERIES}


def test_hardening_bad_filters_are_explained_on_the_page(app: dash.Dash) -> None:
    page = route(app.server.test_client(), "/scalars", "?tags=a{99999999999}").get_data(as_text=True)
    assert "the repetition number is too large" in page
    page = route(app.server.test_client(), "/scalars", "?runs=(?%3Cn%3Ex)").get_data(as_text=True)
    assert "unknown extension ?<n" in page.replace("\\u003c", "<")


@pytest.mark.timeout(120, method="thread")  # a backtracking engine would never return: end the run, not hang
def test_hardening_catastrophic_run_filter_over_long_run_names_renders(make_app: Callable[..., dash.Dash],
                                                                        tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    runs = [f"sweep/lr0.001_batch256_dropout0.1_seed{seed}" for seed in range(3)]
    for run in runs:
        with SummaryWriter(str(tmp_path / "logs" / run)) as writer:
            writer.add_scalar("loss", 1.0, 0)
    client = make_app(logdir=str(tmp_path / "logs")).server.test_client()
    for query in ("?runs=(.*.*)*%21", "?tags=(.*.*)*%21", "?runs=(a%7Ca)*b&tags=(x%2B%2B)%2By"):
        response = route(client, "/scalars", query)
        assert response.status_code == 200 and "grid-sections" in response.get_data(as_text=True)


def test_hardening_unknown_component_suite_files_are_404(app: dash.Dash) -> None:
    response = app.server.test_client().get("/_dash-component-suites/dash/nope.js")
    assert response.status_code == 404 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "404 not found: no such component file\n"
    assert app.server.test_client().get("/_dash-component-suites/dash/dcc/dash_core_components.js").status_code == 200


ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
ROUTER_OUTPUTS = [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}]


def _router_body(pathname: Any = "/scalars", search: Any = "") -> dict[str, Any]:
    return {"output": ROUTER_OUTPUT, "outputs": ROUTER_OUTPUTS,
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"]}


@pytest.mark.parametrize(("body", "problem"), [
    (b"not json", "expected a JSON object"),
    (b"[]", "expected a JSON object"),
    (b"{}", "no server callback has this output"),
    (b'{"output": 5}', "no server callback has this output"),
    (b'{"output": "nope.children"}', "no server callback has this output"),
    (json.dumps({**_router_body(), "inputs": []}).encode(), "'inputs' must list 2"),
    (json.dumps({**_router_body(), "inputs": "x"}).encode(), "'inputs' must list 2"),
    (json.dumps({**_router_body(), "inputs": [1, 2]}).encode(), "'inputs' must list 2"),
    (json.dumps({**_router_body(), "state": [{"id": "x", "property": "y"}]}).encode(), "'state' must list 0"),
    (json.dumps({**_router_body(), "outputs": {"id": "_pages_content"}}).encode(), "'outputs' must list 2"),
    (json.dumps({**_router_body(), "changedPropIds": [1]}).encode(), "'changedPropIds' must be a list of strings"),
    (json.dumps(_router_body(pathname=5)).encode(), "the page location (pathname, search) must be text"),
    (json.dumps(_router_body(search=["?x"])).encode(), "the page location (pathname, search) must be text"),
    (b"[" * 100000 + b"]" * 100000, "JSON nested too deep"),
])
def test_hardening_malformed_callback_requests_get_400(app: dash.Dash, body: bytes, problem: str) -> None:
    response = app.server.test_client().post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.startswith(f"400 bad request: bad callback request: {problem}") and text.endswith("\n")


def test_hardening_well_formed_callback_requests_still_run(app: dash.Dash) -> None:
    response = app.server.test_client().post("/_dash-update-component", json=_router_body(search="?smoothing=0.5"))
    assert response.status_code == 200 and "grid-sections" in response.get_data(as_text=True)


def test_hardening_request_bodies_over_the_limit_get_413(app: dash.Dash) -> None:
    client = app.server.test_client()
    body = b'{"output": "' + b"x" * guards.MAX_BODY_BYTES + b'"}'
    response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 413
    assert app.server.config["MAX_CONTENT_LENGTH"] == guards.MAX_BODY_BYTES == 16 * 1024 * 1024


def test_hardening_pages_do_not_name_the_python_version(app: dash.Dash) -> None:
    page = app.server.test_client().get("/scalars").get_data(as_text=True)
    config = json.loads(page.split('<script id="_dash-config" type="application/json">')[1].split("</script>")[0])
    assert config["python_version"] is None and config["dash_version"] == dash.__version__
    assert platform.python_version() not in page and sys.version.split()[0] not in page
