"""Tests of the Scalars page: its contract, layout as data, and every callback called directly."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import dash
import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import dcc, no_update

from dashboard.components import run_picker, tag_sections
from dashboard.figures.scalars import smooth
from dashboard.pages import _grid, scalars
from dashboard.pages.scalars import ids
from tests.dashboard.dashtest import call, find, find_all

ALL_RUNS = ["alpha", "beta", "gamma"]
ROOT = _grid.ids.root("scalars")
SUMMARY = _grid.ids.summary("scalars")
RUNS = run_picker.ids.runs("scalars")
TAG_REGEX = run_picker.ids.tag_regex("scalars")


def _view(
    smoothing: object = 0.6,
    x: object = "step",
    toggles: object = ("outliers",),
    ymin: object = None,
    ymax: object = None,
) -> dict:
    """The view store as the page's collect callback fills it."""
    return {"smoothing": smoothing, "x": x, "toggles": list(toggles), "ymin": ymin, "ymax": ymax}


def _body(clicks: int, pager: int, view: dict, plotted: list[str], state: dict) -> list:
    return call(
        _grid.render_body,
        clicks,
        pager,
        view,
        plotted,
        "v",
        state,
        [],
        tag_sections.ids.body("scalars", "g"),
        triggered=tag_sections.ids.summary("scalars", "g"),
    )


def _rest(clicks: int, pager: int, view: dict, plotted: list[str], state: dict) -> list:
    return call(
        _grid.render_rest,
        clicks,
        pager,
        view,
        plotted,
        "v",
        state,
        [],
        tag_sections.ids.rest("scalars", "g"),
        triggered=tag_sections.ids.summary("scalars", "g"),
    )


def _section(page: object, group: str) -> dict:
    return find(page, tag_sections.ids.state("scalars", group)).data


def _graphs(cards: list) -> dict[str, go.Figure]:
    return {graph.id["key"]: graph.figure for graph in find_all(cards, lambda c: isinstance(c, dcc.Graph))}


def _smoothed(figure: go.Figure) -> dict[str, list[float]]:
    return {trace.meta["run"]: list(trace.y) for trace in figure.data if trace.meta["role"] == "smoothed"}


def test_page_module_follows_the_contract() -> None:
    assert scalars.__doc__ and scalars.GRID.key == "scalars" and scalars.GRID.plugin == "scalars"
    public = {name for name in vars(scalars) if not name.startswith("_")}
    callbacks = {
        "sync_smoothing",
        "collect_view",
        "forward_zoom",
        "zoom",
        "download_card",
        "export_selection",
        "layout",
        "GRID",
    }
    assert callbacks <= public


def test_layout_shows_sections_for_tags_with_data(app: dash.Dash, in_request: object) -> None:
    page = scalars.layout()
    assert find(page, SUMMARY).children == "4 tags in 3 sections"
    assert _section(page, "train")["tags"] == ["train/acc", "train/lr"]
    assert find(page, ids.smoothing).value == 0.6 and find(page, ids.x_axis).value == "step"
    assert find(page, RUNS).value == ALL_RUNS


def test_layout_ends_with_a_hidden_empty_chart_that_loads_plotly_early(app: dash.Dash, in_request: object) -> None:
    page = scalars.layout()
    preload = page.children[-1]
    assert find(page, _grid.ids.view("scalars")).data == _view(toggles=["outliers"])
    assert isinstance(preload, dcc.Graph) and preload.id == ids.preload
    assert preload.figure == {"data": [], "layout": {}} and preload.style == {"display": "none"}
    graphs = find_all(page, lambda c: isinstance(c, dcc.Graph))
    assert graphs == [preload]  # cards come later from the section callbacks, before it in the page


def test_layout_hides_tags_without_data_in_selected_runs(app: dash.Dash, in_request: object) -> None:
    page = scalars.layout(run=["alpha", "beta"], tags="^(?!train/lr)")
    assert find(page, SUMMARY).children == "2 tags in 2 sections"
    assert find(page, tag_sections.ids.state("scalars", "extra")) is None
    assert find(page, TAG_REGEX).value == "^(?!train/lr)"


def test_layout_survives_bad_query_values(app: dash.Dash, in_request: object) -> None:
    page = scalars.layout(
        smoothing="NaN", x="bogus", logy="2", ymin="x", runs="(", tags="[", run="nobody", extra="ignored"
    )
    assert find(page, ids.smoothing).value == 0.6 and find(page, ids.x_axis).value == "step"
    assert find(page, RUNS).value == []
    assert find(page, SUMMARY).children == "0 tags"


def test_layout_of_missing_logdir_says_what_to_do(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    with app.server.test_request_context("/"):
        page = scalars.layout()
    texts = [c.children for c in find_all(page, lambda c: isinstance(getattr(c, "children", None), str))]
    assert "Logdir not found" in texts and any("does not exist" in text for text in texts)
    assert page.className == "page page-grid page-scalars page-empty"


def test_page_fills_in_when_a_missing_logdir_appears(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    app = make_app(logdir=str(tmp_path / "later"))
    with app.server.test_request_context("/"):
        assert scalars.layout().className.endswith("page-empty")
        with SummaryWriter(str(tmp_path / "later" / "run")) as writer:
            writer.add_scalar("train/loss", 1.0, 0)
        app.server.config["EVENTSCOPE_DATA"].refresh(force=True)
        children, summary, page_class = _grid.render_sections(["run"], "", "v2", [], [], ROOT)
    assert page_class == "page page-grid page-scalars" and summary == "1 tag in 1 section"
    assert children[0].children[1].data == {"group": "train", "tags": ["train/loss"], "open": True}


def test_sync_smoothing_keeps_slider_and_box_equal() -> None:
    assert call(scalars.sync_smoothing, 0.6, 0.9, triggered=ids.smoothing_input, prop="value") == (0.9, no_update)
    assert call(scalars.sync_smoothing, 0.3, 0.9, triggered=ids.smoothing, prop="value") == (no_update, 0.3)
    assert call(scalars.sync_smoothing, 0.6, 5, triggered=ids.smoothing_input, prop="value") == (0.999, 0.999)
    assert call(scalars.sync_smoothing, 0.6, None, triggered=ids.smoothing_input, prop="value") == (
        no_update,
        no_update,
    )


def test_render_sections_rebuilds_only_when_tags_change(app: dash.Dash, in_request: object) -> None:
    states = [
        {"group": "loss", "tags": ["loss"], "open": True},
        {"group": "train", "tags": ["train/acc", "train/lr"], "open": True},
    ]
    assert _grid.render_sections(["alpha"], "", "v", states, [0, 0], ROOT) == (no_update, no_update, no_update)
    children, summary, page_class = _grid.render_sections(["alpha", "gamma"], "", "v", states, [0, 1], ROOT)
    assert summary == "4 tags in 3 sections" and page_class == "page page-grid page-scalars"
    assert [section.open for section in children] == [True, True, False]  # extra (new), loss (kept), train (clicked)


def test_render_section_builds_cards_with_smoothed_lines(app: dash.Dash, in_request: object) -> None:
    state = {"group": "train", "tags": ["train/acc", "train/lr"], "open": True}
    cards = _body(0, 0, _view(0.5, toggles=[]), ["alpha", "beta"], state) + _rest(
        0, 0, _view(0.5, toggles=[]), ["alpha", "beta"], state
    )
    figures = _graphs(cards)
    assert list(figures) == ["train/acc", "train/lr"]
    smoothed = _smoothed(figures["train/acc"])
    assert set(smoothed) == {"alpha", "beta"}
    assert smoothed["alpha"] == pytest.approx(smooth([step / 20 for step in range(20)], 0.5).tolist())


def test_render_section_closed_builds_nothing(app: dash.Dash, in_request: object) -> None:
    state = {"group": "train", "tags": ["train/acc"], "open": True}
    assert _body(1, 0, _view(), ALL_RUNS, state) == []
    assert _rest(1, 0, _view(), ALL_RUNS, state) == []


def test_render_section_sends_the_first_cards_and_render_rest_the_others(
    app: dash.Dash, in_request: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.server.config[_grid.SPECS_KEY], "scalars", dataclasses.replace(scalars.GRID, first_cards=1))
    state = {"group": "train", "tags": ["train/acc", "train/lr"], "open": True}
    first = _body(0, 0, _view(0.5), ["alpha", "beta"], state)
    rest = _rest(0, 0, _view(0.5), ["alpha", "beta"], state)
    assert list(_graphs(first)) == ["train/acc"] and list(_graphs(rest)) == ["train/lr"]
    lines = _smoothed(_graphs(rest)["train/lr"])
    assert set(lines) == {"alpha", "beta"} and lines["beta"] == pytest.approx([0.1] * 20)
    assert _rest(0, 0, _view(0.5), ["alpha"], {**state, "tags": ["train/acc"]}) == []  # nothing left after the first


def test_render_section_applies_view_options(app: dash.Dash, in_request: object) -> None:
    state = {"group": "loss", "tags": ["loss"], "open": False}
    cards = _body(1, 0, _view(0.0, "relative", ["log_y"], "0.5", 10), ["beta"], state)
    figure = _graphs(cards)["loss"]
    assert figure.layout.yaxis.type == "log"
    assert list(figure.layout.yaxis.range) == pytest.approx([-0.30103, 1.0], abs=1e-5)
    assert figure.layout.xaxis.title.text.startswith("relative time (")


def _zoom_state(x_range: object = None, y_range: object = None) -> dict:
    return {"tag": "loss", "x": "step", "log": False, "x_range": x_range, "y_range": y_range, "_at": 1}


def test_zoom_requeries_at_full_resolution_and_sends_the_users_ranges(app: dash.Dash, in_request: object) -> None:
    state = _zoom_state([4.2, 9.5], [0.0, 0.5])
    figure = call(scalars.zoom, state, _view(toggles=[]), ["alpha"], triggered=ids.zoom("loss"), prop="data")
    raw = next(trace for trace in figure.data if trace.meta["role"] == "raw")
    assert list(raw.x) == [4, 5, 6, 7, 8, 9, 10]
    assert list(figure.layout.xaxis.range) == [4.2, 9.5] and list(figure.layout.yaxis.range) == [0.0, 0.5]
    reset = call(scalars.zoom, _zoom_state(), _view(toggles=[]), ["alpha"], triggered=ids.zoom("loss"), prop="data")
    assert len(reset.data[0].x) == 20 and reset.layout.xaxis.range is None and reset.layout.yaxis.range is None
    for bad in (None, [1], {"relayout": "x"}):
        assert (
            call(scalars.zoom, bad, _view(toggles=[]), ["alpha"], triggered=ids.zoom("loss"), prop="data") is no_update
        )
    other_axis = call(
        scalars.zoom, state, _view(0.6, "relative", []), ["alpha"], triggered=ids.zoom("loss"), prop="data"
    )
    assert len(other_axis.data[0].x) == 20 and other_axis.layout.xaxis.range is None  # a zoom of another axis


def test_rebuilt_card_keeps_the_zoom_of_its_axes(app: dash.Dash, in_request: object) -> None:
    """Issue 14 item 2: new points or another smoothing rebuild the card; it stays zoomed, at full resolution."""
    state = {"group": "loss", "tags": ["loss"], "open": True}
    zoomed = _zoom_state([4.2, 9.5], [0.0, 0.5])
    body = tag_sections.ids.body("scalars", "g")
    cards = call(
        _grid.render_body,
        0,
        0,
        _view(0.9, toggles=[]),
        ["alpha"],
        "v",
        state,
        [zoomed],
        body,
        triggered=_grid.ids.view("scalars"),
    )
    figure = _graphs(cards)["loss"]
    assert list(next(t for t in figure.data if t.meta["role"] == "raw").x) == [4, 5, 6, 7, 8, 9, 10]
    assert list(figure.layout.xaxis.range) == [4.2, 9.5] and list(figure.layout.yaxis.range) == [0.0, 0.5]
    kept = find(cards, ids.zoom("loss")).data
    assert (kept["x_range"], kept["y_range"]) == ([4.2, 9.5], [0.0, 0.5])  # kept for the next rebuild
    relative = call(
        _grid.render_body,
        0,
        0,
        _view(0.9, "relative", []),
        ["alpha"],
        "v",
        state,
        [zoomed],
        body,
        triggered=_grid.ids.view("scalars"),
    )
    assert len(next(t for t in _graphs(relative)["loss"].data if t.meta["role"] == "raw").x) == 20  # other axis


def test_download_card_sends_visible_runs_as_csv_or_json(app: dash.Dash, in_request: object) -> None:
    csv = call(scalars.download_card, 1, 0, 0, ["alpha", "beta"], triggered=ids.download_csv("train/lr"))
    frame = pd.read_csv(io.StringIO(csv["content"]))
    assert csv["filename"] == "scalars_train_lr.csv" and len(frame) == 40 and set(frame["run"]) == {"alpha", "beta"}
    as_json = call(scalars.download_card, 1, 1, 0, ["beta"], triggered=ids.download_json("loss"))
    assert as_json["filename"] == "scalars_loss.json" and as_json["content"].count('"run":"beta"') == 20
    assert call(scalars.download_card, 0, 0, 0, ["beta"], triggered=ids.download_json("loss")) is no_update
    tb = call(scalars.download_card, 0, 0, 1, ["alpha", "beta"], triggered=ids.download_tb_json("loss"))
    points = json.loads(tb["content"])
    assert tb["filename"] == "scalars_loss.tensorboard.json" and sorted(points) == ["alpha", "beta"]
    assert len(points["beta"]) == 20 and all(len(point) == 3 for point in points["beta"])
    assert [point[1] for point in points["beta"]] == sorted(point[1] for point in points["beta"])


def test_export_selection_writes_every_run_and_tag(app: dash.Dash, in_request: object) -> None:
    payload = call(scalars.export_selection, 0, 1, ["alpha", "gamma"], "only|acc", triggered=ids.export_parquet)
    frame = pd.read_parquet(io.BytesIO(base64.b64decode(payload["content"])))
    assert payload["filename"] == "scalars_selection.parquet"
    assert sorted(frame.groupby(["run", "tag"]).size().to_dict().items()) == [
        (("alpha", "train/acc"), 20),
        (("gamma", "extra/only_gamma"), 20),
    ]
    csv = call(scalars.export_selection, 1, 1, ["beta"], "", triggered=ids.export_csv)
    assert len(pd.read_csv(io.StringIO(csv["content"]))) == 60


def test_sync_query_encodes_the_view(app: dash.Dash, in_request: object) -> None:
    query = _grid.sync_query(_view(0.8, "wall", []), {}, "", "loss", ["alpha", "beta"], ALL_RUNS, ROOT)
    assert query == "?tags=loss&smoothing=0.8&x=wall&outliers=0&hide=gamma"
    assert _grid.sync_query(_view(), {}, "", "", ALL_RUNS, ALL_RUNS, ROOT) == ""
    assert re.fullmatch(r"\?run=alpha", _grid.sync_query(_view(), {}, "", "", ["alpha"], ALL_RUNS, ROOT))


@pytest.mark.parametrize("bad", [None, [], "x", {"smoothing": {}}])
def test_section_callbacks_survive_inputs_of_the_wrong_type(app: dash.Dash, in_request: object, bad: object) -> None:
    assert call(_grid.render_body, bad, bad, bad, bad, "v", bad, bad, tag_sections.ids.body("scalars", "g")) == []
    children, summary, _ = _grid.render_sections(bad, bad, "v", bad, bad, ROOT)
    assert summary == "0 tags"
    assert isinstance(_grid.sync_query(bad, bad, bad, bad, bad, bad, ROOT), str)
