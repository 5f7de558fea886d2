"""Tests of the Distributions page on the grid template: contract, layout, basis-point bands, subsets, caching, URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Input, dcc, no_update

from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, distributions, histograms
from dashboard.pages._histogram import LOG_HINT
from dashboard.pages.distributions import PAGE, ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_histograms import STEPS, WALL0, write_histogram_logdir

ALL_RUNS = ["alpha", "beta", "gamma", "raw"]
# add_histogram_raw: min 0, max 4, buckets (-inf, 1] (1, 2] (2, 3] (3, 4] holding 1, 2, 3, 4 values.
# Cumulative counts scaled to 10000: 1000, 3000, 6000, 10000. Each basis point interpolates in the
# bucket whose cumulative count first exceeds it, e.g. 1587 -> 1 + (1587 - 1000) / 2000 = 1.2935.
RAW_EXPECTED = [0.0, 0.668, 1.2935, 2 + 85 / 3000, 2 + 2000 / 3000, 3.22875, 3.60325, 3.833, 4.0]
ROOT = _grid.ids.root(PAGE)


def write_logdir(logdir: Path) -> Path:
    """write_histogram_logdir plus run "raw": one hand-made legacy histogram at steps 0 and 1."""
    from tensorboardX import SummaryWriter

    write_histogram_logdir(logdir)
    with SummaryWriter(str(logdir / "raw")) as writer:
        for step in (0, 1):
            writer.add_histogram_raw("hand/made", 0.0, 4.0, 10, 25.0, 75.0, [1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4],
                                     step, walltime=WALL0 + step)
    return logdir


@pytest.fixture
def dist_app(make_app: Callable[..., dash.Dash], logdir: Path) -> dash.Dash:
    """An app serving write_logdir."""
    return make_app(logdir=str(write_logdir(logdir)))


@pytest.fixture
def in_app(dist_app: dash.Dash) -> Iterator[flask.Flask]:
    """Run the test inside a request of dist_app."""
    with dist_app.server.test_request_context("/_dash-update-component", method="POST"):
        yield dist_app.server


def _graphs(cards: list[Any]) -> list[tuple[dict[str, Any], go.Figure]]:
    return [(graph.id, graph.figure) for graph in find_all(cards, lambda c: isinstance(c, dcc.Graph))]


def _texts(tree: Any) -> str:
    return " | ".join(c.children for c in find_all(tree, lambda c: isinstance(getattr(c, "children", None), str)))


def _body(clicks: int, x_axis: str, runs: list[str], state: dict[str, Any] | None) -> Any:
    """Call the template's section callback for this page, as Dash would (the view store holds {"x": ...})."""
    return call(_grid.render_body, clicks, 0, {"x": x_axis}, runs, "v", state, [], tag_sections.ids.body(PAGE, "g"),
                triggered=tag_sections.ids.summary(PAGE, "g"))


def _render(tags: list[str], runs: list[str], x_axis: str = "step") -> list[Any]:
    return _body(0, x_axis, runs, {"group": "g", "tags": tags, "open": True})


def _median(figure: go.Figure) -> Any:
    return next(trace for trace in figure.data if trace.meta["band"] == "median")


def test_page_module_follows_the_contract() -> None:
    assert distributions.__doc__ and not hasattr(distributions, "PATH") and not hasattr(distributions, "TITLE")
    public = {name for name in vars(distributions) if not name.startswith("_")}
    assert {"GRID", "layout", "collect_view", "ids"} <= public
    assert distributions.GRID.key == PAGE and distributions.GRID.plugin == "histograms"


def test_collect_view_gathers_the_time_axis() -> None:
    declared = distributions.collect_view
    assert declared.args[0].component_id == _grid.ids.view(PAGE)
    assert [(type(dep), dep.component_id, dep.component_property) for dep in declared.args[1:]] == [
        (Input, ids.x_axis, "value")]
    assert '["x"]' in declared.function


def test_layout_shows_sections_and_the_time_axis(dist_app: dash.Dash, in_app: object) -> None:
    page = distributions.layout(x="relative", tags="^(hand|layer1/)")
    assert find(page, _grid.ids.summary(PAGE)).children == "2 tags in 2 sections"
    assert find(page, tag_sections.ids.state("distributions", "hand")).data["tags"] == ["hand/made"]
    assert find(page, ids.x_axis).value == "relative" and find(page, run_picker.ids.runs(PAGE)).value == ALL_RUNS
    assert find(page, histograms.ids.mode) is None and page.className == "page page-grid page-distributions"


def test_layout_without_histograms_says_what_to_log(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = distributions.layout()
    assert "No distribution data was found" in _texts(page) and LOG_HINT in _texts(page)
    assert page.className == "page page-grid page-distributions page-empty"


def test_render_section_bands_are_the_hand_computed_basis_points(dist_app: dash.Dash, in_app: object) -> None:
    cards = _render(["hand/made"], ALL_RUNS)
    (graph_id, figure), = _graphs(cards)
    assert graph_id == ids.graph("hand/made", "raw") and "raw |  · 2 steps" in _texts(cards)
    assert [trace.meta["band"] for trace in figure.data] == ["min–max", "±1.5σ", "±1σ", "±0.5σ", "median"]
    median = _median(figure)
    assert list(median.x) == [0.0, 1.0] and list(median.y) == pytest.approx([RAW_EXPECTED[4]] * 2)
    assert median.customdata[0, 1:].tolist() == pytest.approx(RAW_EXPECTED)
    outer = figure.data[0]  # upper edge forwards, lower edge backwards
    assert list(outer.y) == pytest.approx([4.0, 4.0, 0.0, 0.0])
    inner = figure.data[3]
    assert list(inner.y) == pytest.approx([3.22875, 3.22875, 2 + 85 / 3000, 2 + 85 / 3000])


def test_render_section_one_card_per_run_with_the_tag(dist_app: dash.Dash, in_app: object) -> None:
    graphs = _graphs(_render(["layer1/weight", "const/value"], ["beta", "alpha", "gamma"]))
    assert [graph_id for graph_id, _ in graphs] == [ids.graph("layer1/weight", "beta"),
                                                    ids.graph("layer1/weight", "alpha"),
                                                    ids.graph("const/value", "alpha")]
    constant = _median(graphs[2][1])
    assert list(constant.x) == [0.0, 50.0] and constant.customdata[:, 1:].tolist() == [[3.0] * 9] * 2
    beta = _median(graphs[0][1])
    assert list(beta.x) == [step + 5 for step in STEPS]
    assert all(-1.0 < value < 3.0 for value in beta.y)  # normal(1, 2) samples: medians near 1


def test_render_section_wall_and_relative_axes(dist_app: dash.Dash, in_app: object) -> None:
    (_, wall), = _graphs(_render(["layer10/w"], ["beta"], "wall"))
    assert wall.layout.xaxis.type == "date" and wall.layout.xaxis.title.text == "wall time"
    (_, relative), = _graphs(_render(["layer2/bias"], ["alpha"], "relative"))
    assert list(_median(relative).x) == pytest.approx([step / 60 for step in STEPS])  # a minute per step, in hours


def test_render_section_draws_a_subset_and_says_so(make_app: Callable[..., dash.Dash], logdir: Path) -> None:
    app = make_app(logdir=str(write_logdir(logdir)), samples_per_plugin={"distributions": 3})
    with app.server.test_request_context("/"):
        cards = _render(["layer2/bias"], ["alpha"])
    (_, figure), = _graphs(cards)
    assert list(_median(figure).x) == [0.0, 40.0, 90.0] and "3 of 10 steps shown" in _texts(cards)


def test_render_section_reuses_figures_until_the_data_changes(make_app: Callable[..., dash.Dash], logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    app = make_app(logdir=str(write_logdir(logdir)))
    with app.server.test_request_context("/"):
        first = _graphs(_render(["hand/made"], ["raw"]))[0][1]
        assert _graphs(_render(["hand/made"], ["raw"]))[0][1] is first
        with SummaryWriter(str(logdir / "raw"), filename_suffix=".more") as writer:
            writer.add_histogram("hand/made", np.full(5, 7.0), 2, walltime=WALL0 + 2)
        app.server.config["EVENTSCOPE_DATA"].refresh(force=True)
        figure = _graphs(_render(["hand/made"], ["raw"]))[0][1]
    assert figure is not first and list(_median(figure).x) == [0.0, 1.0, 2.0] and _median(figure).y[-1] == 7.0


def test_render_section_closed_builds_nothing(dist_app: dash.Dash, in_app: object) -> None:
    state = {"group": "hand", "tags": ["hand/made"], "open": True}
    assert _body(1, "step", ALL_RUNS, state) == []
    assert _body(0, "step", ALL_RUNS, None) == []


def test_render_sections_rebuilds_only_when_tags_change(dist_app: dash.Dash, in_app: object) -> None:
    states = [{"group": "hand", "tags": ["hand/made"], "open": True}]
    assert _grid.render_sections(["raw"], "", "v", states, [0], ROOT) == (no_update, no_update, no_update)
    children, summary, page_class = _grid.render_sections(["raw"], "nothing-matches", "v", states, [0], ROOT)
    assert summary == "0 tags" and "Nothing to show" in _texts(children)
    assert page_class == "page page-grid page-distributions"


def test_sync_query_writes_the_view(dist_app: dash.Dash, in_app: object) -> None:
    def sync(x_axis: str, run_regex: str, tag_regex: str, ticked: list[str]) -> str:
        return _grid.sync_query({"x": x_axis}, {}, run_regex, tag_regex, ticked, ALL_RUNS, ROOT)

    assert sync("step", "", "", ALL_RUNS) == ""
    assert sync("wall", "ra", "hand", ["raw"]) == "?runs=ra&tags=hand&x=wall&run=raw"


def test_layout_link_keeps_only_what_the_page_shows(dist_app: dash.Dash, in_app: object) -> None:
    page = distributions.layout(x="wall", mode="compare", step="40", norm="1")
    assert find(page, _grid.ids.view(PAGE)).data == {"x": "wall"}
    assert find(page, shell_ids.template_query(PAGE)).data == "?x=wall"  # Histograms' options are not carried


def test_flask_serves_the_page(dist_app: dash.Dash) -> None:
    client = dist_app.server.test_client()
    assert client.get("/distributions").status_code == 200
    body = route(client, "/distributions", "?x=wall").get_data(as_text=True)
    assert '"distributions-x-axis"' in body and '"value": "wall"' in body.replace('":"', '": "')
