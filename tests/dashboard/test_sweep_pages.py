"""The Histograms, Distributions, Images, Audio and Text pages on the zoo logdir, through Flask and their callbacks.

Every page is routed with odd queries the way the browser asks for it; every section is opened
and its callbacks fired as the renderer would; every card expected from the loaders' tables is
there; every image and audio sample's blob address answers with its bytes; a selection of runs
with odd names survives the trip through the URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dash
import pandas as pd
import pytest
from dash import dcc, html

from dashboard import blobs, data
from dashboard.app import create_app
from dashboard.components import tag_sections
from dashboard.pages import _grid, audio, distributions, histograms, images, text
from dashboard.settings import Settings
from tests.dashboard.dashtest import call, dash_post, find, find_all, route
from tests.dashboard.test_sweep_zoo import ODD_RUNS, zoo  # noqa: F401 - module-scoped fixture

PAGES = ("/scalars", "/histograms", "/distributions", "/images", "/audio", "/text", "/graphs", "/hparams",
         "/pr-curves", "/custom-scalars", "/profile", "/runs", "/")
QUERIES = ("", "?runs=(", "?tags=(", "?runs=%25", "?tags=%25&runs=%5B", "?unknown=1&mode=nope&step=x",
           "?run=hash%23mark&run=amp%26er%3Deq%2Bplus", "?hide=%E2%9C%93&smoothing=2", "?run=%ZZ")


@pytest.fixture(scope="module")
def app(zoo: Path, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:  # noqa: F811
    """An app serving the zoo (load once)."""
    cache = tmp_path_factory.mktemp("sweep-cache")
    return create_app(Settings(logdir=str(zoo), cache_dir=str(cache), reload_interval=0.0))


@pytest.fixture
def in_request(app: dash.Dash) -> Iterator[Any]:
    """Run the test inside a request of `app`, as callbacks and layouts are."""
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def open_states(page: Any) -> list[dict[str, Any]]:
    """Return every tag section's stored state of a page, marked open."""
    stores = find_all(page, lambda c: isinstance(c, dcc.Store) and isinstance(c.id, dict)
                      and c.id.get("type") == tag_sections.ids.state("", "")["type"])
    return [{**store.data, "open": True} for store in stores]


def card_keys(cards: list[Any]) -> list[tuple[str, str]]:
    """Return (run, tag) of every card, read from its heading (run name, card title)."""
    found = []
    for card in cards:
        title = find_all(card, lambda c: getattr(c, "className", None) == "card-title")[0]
        runs = find_all(card, lambda c: getattr(c, "className", None) in ("run-name", "text-card-run"))
        found.append((runs[0].children if runs else "", title.children))
    return found


def pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Return the sorted (run, tag) pairs of a loader frame."""
    return sorted(set(map(tuple, frame[["run", "tag"]].drop_duplicates().to_numpy().tolist())))


def section_request(dependency: dict[str, Any], page: Any, state: dict[str, Any], runs: list[str],
                    name: str) -> tuple[Any, ...]:
    """Return (outputs, inputs, states) of a section-body request for one section, controls as the layout has them."""
    def matched(key: dict[str, Any]) -> dict[str, Any]:  # a grid template id: MATCH on the page (and group)
        return {part: {"page": name}.get(part, value) if value == ["MATCH"] else value for part, value in key.items()}

    def filled(item: dict[str, Any]) -> dict[str, Any] | list[Any]:
        key = json.loads(item["id"]) if item["id"].startswith("{") else item["id"]
        if isinstance(key, dict) and ["ALL"] in key.values():
            return []
        if isinstance(key, dict):
            key = matched(key)
        if isinstance(key, dict) and "group" in key:
            key = {**key, "group": state["group"]}
        values = {"tag-section-state": state, "run-picker-plotted": runs, "tag-section-summary": 0}
        value = values.get(key.get("type")) if isinstance(key, dict) else None
        if value is None:
            component = find(page, key)
            value = getattr(component, item["property"], None) if component is not None else "v"
        return {"id": key, "property": item["property"], "value": value}

    body = {"id": {**matched(json.loads(dependency["output"].rsplit(".", 1)[0])), "group": state["group"]},
            "property": "children"}
    return body, [filled(item) for item in dependency["inputs"]], [filled(item) for item in dependency["state"]]


def grid_cards(page: _grid.GridPage, view: dict[str, Any], runs: list[str], state: dict[str, Any]) -> list[Any]:
    """Return the cards the grid template's section callback builds for one open section of a grid page."""
    return call(_grid.section_cards, page, 0, 0, view, runs, state, [], slice(None))


@pytest.mark.parametrize("page", [histograms, distributions, images, audio, text],
                         ids=["histograms", "distributions", "images", "audio", "text"])
def test_sweep_pages_every_section_renders_over_http(app: dash.Dash, page: Any) -> None:
    client = app.server.test_client()
    name = page.__name__.rsplit(".", 1)[1]
    bodies = [item for item in client.get("/_dash-dependencies").json if "tag-section-body" in item["output"]]
    (dependency,) = ([item for item in bodies if f'"page":"{name}"' in item["output"]]
                     or [item for item in bodies if '"page":["MATCH"]' in item["output"]])  # a grid page
    with app.server.test_request_context("/"):
        layout, runs = page.layout(), data.current().runs()
    for state in open_states(layout):
        body, inputs, states = section_request(dependency, layout, state, runs, name)
        response = dash_post(client, dependency["output"], body, inputs, states)
        assert response.status_code == 200, (name, state["group"], response.get_data(as_text=True)[-500:])
        cards = json.dumps(response.get_json()["response"])
        assert cards.count('"card ') + cards.count('"card"') >= len(state["tags"]), (name, state["group"])


@pytest.mark.parametrize("path", PAGES)
def test_sweep_pages_route_every_page_with_odd_queries(app: dash.Dash, path: str) -> None:
    client = app.server.test_client()
    for query in QUERIES:
        response = route(client, path, query)
        assert response.status_code == 200, (path, query, response.data[-400:])
        assert "_pages_content" in response.get_json()["response"], (path, query)


def test_sweep_pages_histogram_cards_cover_every_run_and_tag(app: dash.Dash, in_request: Any) -> None:
    source = data.current()
    expected = pairs(source.loader.histograms())
    runs = source.runs()
    for mode in ("offset", "overlay"):
        cards = [card for state in open_states(histograms.layout())
                 for card in grid_cards(histograms.GRID, {"mode": mode, "x": "step"}, runs, state)]
        assert sorted(card_keys(cards)) == expected, mode
        assert all(find_all(card, lambda c: isinstance(c, dcc.Graph) and c.figure.data) for card in cards)
    compare = [card for state in open_states(histograms.layout(mode="compare"))
               for card in grid_cards(histograms.GRID, {"mode": "compare", "x": "step", "step": 1}, runs, state)]
    assert sorted(find_all(card, lambda c: getattr(c, "className", None) == "card-title")[0].children
                  for card in compare) == sorted({tag for _, tag in expected})


def test_sweep_pages_distribution_cards_cover_every_run_and_tag(app: dash.Dash, in_request: Any) -> None:
    source = data.current()
    runs = source.runs()
    for axis in ("step", "relative", "wall"):
        cards = [card for state in open_states(distributions.layout())
                 for card in grid_cards(distributions.GRID, {"x": axis}, runs, state)]
        assert sorted(card_keys(cards)) == pairs(source.loader.histograms()), axis


@pytest.mark.parametrize("page", [images, audio], ids=["images", "audio"])
def test_sweep_pages_media_cards_and_their_blobs(app: dash.Dash, in_request: Any, page: Any) -> None:
    source = data.current()
    runs = source.runs()
    frame = getattr(source.loader, page.PAGE)()
    cards = [card for state in open_states(page.layout())
             for card in call(_grid.render_body, 0, 0, {}, runs, None, state, [],
                              tag_sections.ids.body(page.PAGE, state["group"]))]
    sliders = [slider.id for card in cards for slider in find_all(card, lambda c: isinstance(c, dcc.Slider))]
    assert sorted({(key["run"], key["tag"]) for key in sliders}) == pairs(frame)
    assert len(sliders) == len(frame[["run", "tag", "index"]].drop_duplicates())
    client = app.server.test_client()
    for key in sliders:
        shown = call(page.show_step, 0, None, None, None, key, triggered=key, prop="value")
        response = client.get(shown[5])
        (row,) = frame[(frame["run"] == key["run"]) & (frame["tag"] == key["tag"]) & (frame["index"] == key["index"])
                       & (frame["step"] == shown[4])].itertuples()  # the first step (slider position 0)
        assert response.status_code == 200, (key, shown[5])
        assert (response.content_type, response.data) == (row.content_type, row.data), key
    for row in frame.itertuples():  # every step of every sample
        address = blobs.url("/", page.PAGE, row.run, row.tag, row.step, row.index, row.wall_time)
        response = client.get(address)
        assert (response.status_code, response.content_type) == (200, row.content_type), address
        assert response.data == row.data, address


def test_sweep_pages_text_cards_render_every_summary(app: dash.Dash, in_request: Any) -> None:
    source = data.current()
    runs = source.runs()
    for markdown in (["markdown"], []):
        cards = [card for state in open_states(text.layout())
                 for card in call(_grid.render_body, 0, 0, {"toggles": markdown}, runs, None, state, [],
                                  tag_sections.ids.body("text", state["group"]))]
        assert sorted(card_keys(cards)) == pairs(source.loader.text())
    (script,) = [card for card in cards if card.__dict__.get("data-tag") == "text/script/text_summary"
                 and card.__dict__.get("data-run") == "torch"]
    assert not find_all(script, lambda c: isinstance(c, html.Script))  # raw HTML stays text


@pytest.mark.parametrize("page", [histograms, distributions, images, audio, text],
                         ids=["histograms", "distributions", "images", "audio", "text"])
def test_sweep_pages_odd_run_names_round_trip_through_the_url(app: dash.Dash, in_request: Any, page: Any) -> None:
    runs = data.current().runs()
    picked = [".", "hash#mark", "amp&er=eq+plus"]
    query = _grid.sync_query({}, {}, "", "", picked, runs, _grid.ids.root(page.GRID.key))  # default controls
    parsed = {key: value if len(value) > 1 else value[0] for key, value in parse_qs(urlsplit(query).query).items()}
    layout = page.layout(**parsed)
    ticked = find_all(layout, lambda c: isinstance(c, dcc.Checklist) and isinstance(c.id, dict)
                      and c.id.get("type", "").endswith("runs"))
    assert ticked[0].value == [run for run in runs if run in picked], query
    assert set(ODD_RUNS) <= {option["value"] for option in ticked[0].options}
