"""Tests of the Histograms page on the grid template: contract, layout, cards, step control, URL, Flask routes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import numpy as np
import plotly.graph_objects as go
import pytest
from dash import Input, State, dcc, no_update

from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, histograms
from dashboard.pages._histogram import LOG_HINT
from dashboard.pages.histograms import PAGE, ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_histograms import STEPS, write_histogram_logdir

TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"
ALL_RUNS = ["alpha", "beta", "gamma"]
OPEN = {"open": True}
ROOT = _grid.ids.root(PAGE)


@pytest.fixture
def hist_app(make_app: Callable[..., dash.Dash], logdir: Path) -> dash.Dash:
    """An app serving write_histogram_logdir."""
    return make_app(logdir=str(write_histogram_logdir(logdir)))


@pytest.fixture
def in_app(hist_app: dash.Dash) -> Iterator[flask.Flask]:
    """Run the test inside a request of hist_app."""
    with hist_app.server.test_request_context("/_dash-update-component", method="POST"):
        yield hist_app.server


def _state(tags: list[str], group: str = "g") -> dict[str, Any]:
    return {"group": group, "tags": tags, **OPEN}


def _graphs(cards: list[Any]) -> list[tuple[dict[str, Any], go.Figure]]:
    return [(graph.id, graph.figure) for graph in find_all(cards, lambda c: isinstance(c, dcc.Graph))]


def _texts(tree: Any) -> str:
    strings = find_all(tree, lambda c: isinstance(getattr(c, "children", None), str))
    return " | ".join(c.children for c in strings)


def _view(mode: str = "offset", x_axis: str = "step", step: int | None = None, switches: list[str] | None = None,
          step_max: int | None = None) -> dict[str, Any]:
    """The page's view store as the collect callback fills it."""
    return {"mode": mode, "x": x_axis, "step": step, "toggles": switches or [], "step_max": step_max}


def _body(clicks: int, view: dict[str, Any], runs: list[str], state: dict[str, Any] | None) -> Any:
    """Call the template's section callback for this page, as Dash would."""
    return call(_grid.render_body, clicks, 0, view, runs, "v", state, [], tag_sections.ids.body(PAGE, "g"),
                triggered=tag_sections.ids.summary(PAGE, "g"))


def _render(mode: str = "offset", x_axis: str = "step", step: int | None = None, switches: list[str] | None = None,
            tags: list[str] | None = None, runs: list[str] | None = None) -> list[Any]:
    return _body(0, _view(mode, x_axis, step, switches), runs or ALL_RUNS, _state(tags or ["layer1/weight"]))


def _sync(mode: str, x_axis: str, step: Any, switches: list[str], run_regex: str, tag_regex: str,
          ticked: list[str], step_max: Any) -> str:
    return _grid.sync_query(_view(mode, x_axis, step, switches, step_max), {}, run_regex, tag_regex, ticked,
                            ALL_RUNS, ROOT)


# ----- contract ----------------------------------------------------------------------------------------


def test_page_module_follows_the_contract() -> None:
    assert histograms.__doc__ and not hasattr(histograms, "PATH") and not hasattr(histograms, "TITLE")
    public = {name for name in vars(histograms) if not name.startswith("_")}
    assert {"GRID", "layout", "collect_view", "update_step", "show_mode_controls", "ids"} <= public
    assert histograms.GRID.key == PAGE and histograms.GRID.plugin == "histograms"
    assert ids.step == "histograms-step" and ids.step_input == "histograms-step-input"  # the browser test's ids


def test_collect_view_gathers_the_controls_and_the_slider_max() -> None:
    declared = histograms.collect_view
    assert declared.args[0].component_id == _grid.ids.view(PAGE)
    sent = [(type(dep).__name__, dep.component_id, dep.component_property) for dep in declared.args[1:]]
    assert sent == [("Input", ids.mode, "value"), ("Input", ids.x_axis, "value"), ("Input", ids.step, "value"),
                    ("Input", ids.toggles, "value"), ("State", ids.step, "max")]
    assert '["mode", "x", "step", "toggles", "step_max"]' in declared.function
    assert isinstance(declared.args[-1], State) and isinstance(declared.args[1], Input)


# ----- layout --------------------------------------------------------------------------------------


def test_layout_shows_sections_of_histogram_tags(hist_app: dash.Dash, in_app: object) -> None:
    page = histograms.layout()
    assert find(page, _grid.ids.summary(PAGE)).children == "4 tags in 4 sections"
    state = find(page, tag_sections.ids.state("histograms", "layer10")).data
    assert state == {"group": "layer10", "tags": ["layer10/w"], "open": True}
    assert [find(page, tag_sections.ids.state("histograms", g)).data["tags"] for g in ("const", "layer1", "layer2")] \
        == [["const/value"], ["layer1/weight"], ["layer2/bias"]]
    assert find(page, ids.mode).value == "offset" and find(page, ids.x_axis).value == "step"
    assert find(page, ids.controls).className == "histogram-controls mode-offset"
    assert find(page, ids.step).value is None  # not compare mode: no steps read; compare starts at the latest
    assert find(page, run_picker.ids.runs(PAGE)).value == ALL_RUNS
    assert page.className == "page page-grid page-histograms"


def test_layout_reproduces_a_compare_link(hist_app: dash.Dash, in_app: object) -> None:
    page = histograms.layout(mode="compare", step="37", norm="1", x="wall", tags="^layer1/", run=["alpha", "beta"])
    assert find(page, ids.mode).value == "compare" and find(page, ids.x_axis).value == "wall"
    slider, box = find(page, ids.step), find(page, ids.step_input)
    # alpha logs 0..90, beta 5..95 (both every 10): slider moves by 5, 37 snaps to 35.
    assert (slider.min, slider.max, slider.step, slider.value, box.value) == (0, 95, 5, 35, 35)
    assert find(page, ids.toggles).value == ["normalize"]
    assert find(page, ids.controls).className == "histogram-controls mode-compare"
    assert find(page, _grid.ids.summary(PAGE)).children == "1 tag in 1 section"
    # The cards and the link start from the snapped step (the slider's max comes along: 35 is not the end).
    assert find(page, _grid.ids.view(PAGE)).data == _view("compare", "wall", 35, ["normalize"], 95)
    assert find(page, shell_ids.template_query(PAGE)).data == \
        "?tags=%5Elayer1%2F&mode=compare&x=wall&step=35&norm=1&hide=gamma"


def test_layout_of_a_compare_link_without_a_step_follows_the_latest(hist_app: dash.Dash, in_app: object) -> None:
    page = histograms.layout(mode="compare", tags="^layer1/")
    assert find(page, ids.step).value == 95 and find(page, ids.step_input).value == 95
    assert find(page, _grid.ids.view(PAGE)).data == _view("compare", step=95, step_max=95)
    assert find(page, shell_ids.template_query(PAGE)).data == "?tags=%5Elayer1%2F&mode=compare"  # the end: no step


def test_layout_survives_bad_query_values(hist_app: dash.Dash, in_app: object) -> None:
    page = histograms.layout(mode="x", x="y", step="z", tags="[", runs="(", run="nobody")
    assert find(page, ids.mode).value == "offset" and find(page, run_picker.ids.runs(PAGE)).value == []
    assert find(page, _grid.ids.summary(PAGE)).children == "0 tags" and "Nothing to show" in _texts(page)


def test_layout_without_histograms_says_what_to_log(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = histograms.layout()
    text = _texts(page)
    assert "No histogram data was found" in text and LOG_HINT in text
    assert page.className == "page page-grid page-histograms page-empty"


def test_layout_of_missing_logdir_says_what_to_do(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    with app.server.test_request_context("/"):
        page = histograms.layout()
    assert "Logdir not found" in _texts(page) and page.className.endswith("page-empty")


# ----- cards ---------------------------------------------------------------------------------------


def test_render_section_offset_one_card_per_run_one_ridge_per_step(hist_app: dash.Dash, in_app: object) -> None:
    cards = _render()
    graphs = _graphs(cards)
    assert [graph_id for graph_id, _ in graphs] == [ids.graph("layer1/weight", "alpha"),
                                                    ids.graph("layer1/weight", "beta")]
    alpha = graphs[0][1]
    assert [trace.meta["step"] for trace in alpha.data] == list(STEPS)
    assert all(trace.fill == "toself" for trace in alpha.data)
    assert [trace.customdata[:, 3].sum() for trace in alpha.data] == pytest.approx([500.0] * 10)
    assert alpha.layout.yaxis.autorange == "reversed"
    assert _texts(cards[0]) == "layer1/weight | alpha |  · 10 steps" and "beta |  · 10 steps" in _texts(cards[1])


def test_render_section_overlay_colours_steps_with_a_colorbar(hist_app: dash.Dash, in_app: object) -> None:
    (_, figure), _beta = _graphs(_render(mode="overlay"))
    assert [trace.meta["step"] for trace in figure.data[:-1]] == list(STEPS)
    assert figure.data[-1].meta == {"role": "colorbar"} and figure.layout.yaxis.title.text == "count"


def test_render_section_relative_axis_in_minutes(hist_app: dash.Dash, in_app: object) -> None:
    (_, figure), _beta = _graphs(_render(x_axis="relative"))
    assert figure.layout.yaxis.title.text == "relative (hours)"
    assert list(figure.layout.yaxis.ticktext) == ["0 min", "20 min", "40 min", "70 min", "90 min"]


def test_render_section_draws_a_subset_and_says_so(make_app: Callable[..., dash.Dash], logdir: Path) -> None:
    app = make_app(logdir=str(write_histogram_logdir(logdir)), samples_per_plugin={"histograms": 4})
    with app.server.test_request_context("/"):
        cards = _render(runs=["alpha"])
    (_, figure), = _graphs(cards)
    assert [trace.meta["step"] for trace in figure.data] == [0, 30, 60, 90]
    assert "4 of 10 steps shown" in _texts(cards)


def test_render_section_constant_histogram(hist_app: dash.Dash, in_app: object) -> None:
    (_, figure), = _graphs(_render(tags=["const/value"]))
    assert [trace.meta["step"] for trace in figure.data] == [0, 50]
    peak = figure.data[-1]
    assert peak.customdata[:, 3].sum() == 50.0 and min(peak.x) < 3.0 < max(peak.x)


def test_render_section_tf2_and_empty_histograms(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    shutil.copytree(TF2_FIXTURES / "tf_summary", tmp_path / "tf2" / "tf_summary")
    app = make_app(logdir=str(tmp_path / "tf2"))
    with app.server.test_request_context("/"):
        tags = ["hist/constant", "hist/empty", "hist/normal"]
        graphs = dict((graph_id["tag"], figure) for graph_id, figure in
                      _graphs(_render(tags=tags, runs=["tf_summary"])))
    assert sorted(graphs) == tags
    assert max(graphs["hist/empty"].data[0].y) == 0.0
    assert graphs["hist/normal"].data[-1].customdata[:, 3].sum() == pytest.approx(200.0)
    assert graphs["hist/constant"].data[-1].customdata[:, 3].sum() == pytest.approx(10.0)


def test_render_section_pytorch_tensorflow_and_numpy_bins(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "torch" / "run"))
    for step in range(3):
        values = np.random.default_rng(step).normal(step, 1.0, 300)
        writer.add_histogram("bins/tensorflow", values, step)
        writer.add_histogram("bins/auto", values, step, bins="auto")
    writer.close()
    app = make_app(logdir=str(tmp_path / "torch"))
    with app.server.test_request_context("/"):
        graphs = {graph_id["tag"]: figure for graph_id, figure in
                  _graphs(_render(tags=["bins/auto", "bins/tensorflow"], runs=["run"]))}
    for figure in graphs.values():
        assert [trace.meta["step"] for trace in figure.data] == [0, 1, 2]
        assert [trace.customdata[:, 3].sum() for trace in figure.data] == pytest.approx([300.0] * 3)


def test_render_section_compare_one_card_per_tag_at_the_chosen_step(hist_app: dash.Dash, in_app: object) -> None:
    cards = _render(mode="compare", step=40)
    (graph_id, figure), = _graphs(cards)
    assert graph_id == ids.compare_graph("layer1/weight")
    assert [(trace.meta["run"], trace.meta["step"]) for trace in figure.data] == [("alpha", 40), ("beta", 35)]
    assert [trace.customdata[:, 3].sum() for trace in figure.data] == pytest.approx([500.0, 400.0])
    assert "2 runs at step 40 (nearest: beta at 35)" in _texts(cards)
    normalized = _graphs(_render(mode="compare", step=40, switches=["normalize"]))[0][1]
    assert [sum(trace.y) for trace in normalized.data] == pytest.approx([1.0, 1.0])


def test_render_section_compare_without_a_step_uses_the_latest(hist_app: dash.Dash, in_app: object) -> None:
    (_, figure), = _graphs(_render(mode="compare", step=None))
    assert {trace.meta["run"]: trace.meta["step"] for trace in figure.data} == {"alpha": 90, "beta": 95}


def test_render_section_closed_or_missing_builds_nothing(hist_app: dash.Dash, in_app: object) -> None:
    assert _body(1, _view(), ALL_RUNS, _state(["layer1/weight"])) == []
    assert _body(0, _view(), ALL_RUNS, None) == []
    assert _render(runs=["gamma"]) == []


def test_render_section_shows_new_steps_after_a_refresh(make_app: Callable[..., dash.Dash], logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    app = make_app(logdir=str(write_histogram_logdir(logdir)))
    with app.server.test_request_context("/"):
        assert len(_graphs(_render(runs=["alpha"]))[0][1].data) == 10
        with SummaryWriter(str(logdir / "alpha"), filename_suffix=".more") as writer:
            writer.add_histogram("layer1/weight", np.arange(20.0), 100)
        app.server.config["EVENTSCOPE_DATA"].refresh(force=True)
        figure = _graphs(_render(runs=["alpha"]))[0][1]
    assert [trace.meta["step"] for trace in figure.data][-2:] == [90, 100]


# ----- sections, step control, URL -----------------------------------------------------------------


def test_render_sections_rebuilds_only_when_tags_change(hist_app: dash.Dash, in_app: object) -> None:
    states = [{"group": "layer1", "tags": ["layer1/weight"], "open": True},
              {"group": "layer10", "tags": ["layer10/w"], "open": True}]
    assert _grid.render_sections(["beta"], "", "v", states, [0, 0], ROOT) == (no_update, no_update, no_update)
    children, summary, page_class = _grid.render_sections(["alpha"], "layer", "v", states, [1, 0], ROOT)
    assert summary == "2 tags in 2 sections" and page_class == "page page-grid page-histograms"
    assert [section.open for section in children] == [False, True]  # layer1 (clicked shut), layer2 (new)


def test_update_step_refits_follows_new_steps_and_syncs_the_box(hist_app: dash.Dash, in_app: object) -> None:
    def update(trigger: str, value: Any, typed: Any, old_max: Any, mode: str = "compare",
               runs: list[str] | None = None) -> Any:
        return call(histograms.update_step, runs or ["alpha"], "^layer1/", "v", mode, value, typed, old_max,
                    triggered=trigger, prop="value")

    assert update(ids.mode, 40, 40, 90, mode="offset") == (no_update,) * 7
    assert update(ids.mode, 0, 0, 0) == (0, 90, 10, {0: "0", 90: "90"}, False, 90, 90)  # first fit: the latest
    assert update(ids.step_input, 40, 57, 90)[5:] == (60, 60)  # typed 57: nearest logged step 60
    assert update(ids.step_input, 40, None, 90) == (no_update,) * 7  # a box being edited may be empty
    assert update(ids.step, 30, 40, 90)[5:] == (no_update, 30)
    assert update(ids.step, "x", 40, 90)[5:] == (90, 90)  # not a step (a forged request): the latest
    assert update(shell_ids.version, 90, 90, 80, runs=["alpha", "beta"])[1] == 95  # at the end: follows to 95
    assert update(shell_ids.version, 40, 40, 90, runs=["alpha", "beta"])[5:] == (no_update, no_update)  # stays


def test_sync_query_writes_the_view(hist_app: dash.Dash, in_app: object) -> None:
    assert _sync("offset", "step", 0, [], "", "", ALL_RUNS, 0) == ""
    assert _sync("overlay", "relative", 40, ["normalize"], "", "w", ["alpha"], 90) == \
        "?tags=w&mode=overlay&x=relative&run=alpha"
    assert _sync("compare", "step", 40, ["normalize"], "", "", ALL_RUNS, 90) == "?mode=compare&step=40&norm=1"
    assert _sync("compare", "step", 90, [], "", "", ALL_RUNS, 90) == "?mode=compare"  # the last step follows new data
    assert _sync("compare", "step", None, [], "", "", ALL_RUNS, 0) == "?mode=compare"  # no steps yet


# ----- through Flask -------------------------------------------------------------------------------


def test_flask_serves_the_page_and_its_callbacks(hist_app: dash.Dash) -> None:
    client = hist_app.server.test_client()
    assert client.get("/histograms").status_code == 200
    response = route(client, "/histograms", "?mode=compare&tags=weight")
    assert response.status_code == 200
    body = json.dumps(response.get_json())
    assert '"histograms-step"' in body and '"Compare runs"' in body and "1 tag in 1 section" in body
    deps = client.get("/_dash-dependencies").get_json()
    outputs = " ".join(dep["output"] for dep in deps)
    assert "histograms-step.value" in outputs and "histograms-controls.className" in outputs
