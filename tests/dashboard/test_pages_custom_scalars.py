"""Tests of the Custom scalars page: its spec (own sections), layout as data, cards, controls and callbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest
from dash import dcc, no_update

from dashboard.components import run_picker, tag_sections
from dashboard.pages import _grid, custom_scalars
from dashboard.pages.custom_scalars import ids
from dashboard.pages.registry import REGISTRY
from dashboard.pages.scalars.view import ScalarView
from tests.dashboard.dashtest import call, find, find_all
from tests.dashboard.test_data_custom_scalars import write_custom_logdir

PAGE = "custom_scalars"
PLOTTED = run_picker.ids.plotted(PAGE)
ROOT = _grid.ids.root(PAGE)


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], logdir: Path) -> dash.Dash:
    return make_app(logdir=str(write_custom_logdir(logdir)))


@pytest.fixture
def in_request(app: dash.Dash) -> Iterator[flask.Flask]:
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def _states(tree: Any) -> list[dict[str, Any]]:
    kind = tag_sections.ids.state(PAGE, "x")["type"]
    found = find_all(tree, lambda c: isinstance(c, dcc.Store) and isinstance(c.id, dict) and c.id.get("type") == kind)
    return [store.data for store in found]


def _section(state: dict[str, Any], plotted: list[str], view: dict[str, Any] | None = None) -> Any:
    body = tag_sections.ids.body(PAGE, state["group"])
    return call(_grid.render_body, 0, 0, view or {}, plotted, "v", state, [], body, triggered=PLOTTED, prop="data")


def _graphs(children: Any) -> dict[str, Any]:
    graphs = find_all(children, lambda c: isinstance(c, dcc.Graph))
    return {graph.id["key"]: graph for graph in graphs}


def test_custom_scalars_page_is_registered_on_the_grid_template() -> None:
    (entry,) = [page for page in REGISTRY if page.module == "dashboard.pages.custom_scalars"]
    assert (entry.title, entry.path, entry.plugins) == ("Custom scalars", "/custom-scalars", ("custom_scalars",))
    assert (custom_scalars.GRID.key, custom_scalars.GRID.view) == (PAGE, ScalarView)
    assert custom_scalars.GRID.sections is not None and custom_scalars.__doc__


def test_custom_scalars_layout_one_section_per_category_in_layout_order(in_request: flask.Flask) -> None:
    page = custom_scalars.layout(smoothing="0.3")

    assert [(s["group"], s["tags"]) for s in _states(page)] == [
        ("Losses", ["Losses/all", "Losses/val"]),
        ("A/B", ["A/B/band"]),  # a "/" in a category title stays one section
    ]
    assert find(page, ids.smoothing).value == 0.3 and find(page, ids.smoothing_input).value == 0.3


def test_custom_scalars_tag_filter_keeps_matching_chart_titles(in_request: flask.Flask) -> None:
    page = custom_scalars.layout(tags="band")

    assert [(s["group"], s["tags"]) for s in _states(page)] == [("A/B", ["A/B/band"])]


def test_custom_scalars_render_sections_keeps_sections_that_did_not_change(in_request: flask.Flask) -> None:
    states = _states(custom_scalars.layout())

    kept = call(_grid.render_sections, ["alpha"], "", "v", states, [0, 0], ROOT, triggered=PLOTTED, prop="data")
    redrawn = call(_grid.render_sections, ["alpha"], "band", "v", states, [0, 0], ROOT, triggered=PLOTTED, prop="data")

    assert kept == (no_update,) * 3
    assert [s["group"] for s in _states(redrawn[0])] == ["A/B"]


def test_custom_scalars_cards_plot_the_regex_matched_tags(in_request: flask.Flask) -> None:
    state = {"group": "Losses", "tags": ["Losses/all", "Losses/val"], "open": True}

    graphs = _graphs(_section(state, ["alpha", "beta"], {"smoothing": 0}))

    names = {t.meta["run"] for t in graphs["Losses/all"].figure.data if t.meta["role"] == "smoothed"}
    assert names == {"loss/train · alpha", "loss/train · beta", "loss/val · alpha"}
    assert {t.meta["run"] for t in graphs["Losses/val"].figure.data} == {"loss/val · alpha"}


def test_custom_scalars_card_says_what_matched_and_which_regex_is_invalid(in_request: flask.Flask) -> None:
    state = {"group": "Losses", "tags": ["Losses/all", "Losses/val"], "open": True}

    cards = _section(state, ["beta"])
    texts = [c.children for c in find_all(cards, lambda c: isinstance(getattr(c, "children", None), str))]

    assert "1 tag: loss/train" in texts and " · invalid regex bad(" in texts
    assert "no data for /loss/val$/ in the shown runs" in texts


def test_custom_scalars_margin_card_draws_bands(in_request: flask.Flask) -> None:
    graphs = _graphs(_section({"group": "A/B", "tags": ["A/B/band"], "open": True}, ["alpha"]))

    roles = [t.meta["role"] for t in graphs["A/B/band"].figure.data]
    assert roles == ["lower", "upper", "value"]


def test_custom_scalars_sync_smoothing_clamps_and_mirrors(in_request: flask.Flask) -> None:
    assert call(custom_scalars.sync_smoothing, 0.6, 5, triggered=ids.smoothing_input, prop="value") == (0.999, 0.999)
    assert call(custom_scalars.sync_smoothing, 0.4, 0.6, triggered=ids.smoothing, prop="value") == (no_update, 0.4)
    assert call(custom_scalars.sync_smoothing, None, None, triggered=ids.smoothing, prop="value") == (
        no_update,
        no_update,
    )


def test_custom_scalars_empty_state_shows_add_custom_scalars(
    make_app: Callable[..., dash.Dash], scalar_logdir: Path
) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = custom_scalars.layout()

    assert "page-empty" in page.className
    assert find_all(page, lambda c: "add_custom_scalars" in str(getattr(c, "children", "")))
