"""Tests of dashboard.pages.scalars.view: URL view state, empty state, cards, downloads."""

from __future__ import annotations

import base64
import io
import json
import math

import pandas as pd
import pytest
from dash import html

from dashboard.components import tag_sections
from dashboard.figures.scalars import ChartOptions
from dashboard.pages import _grid
from dashboard.pages.scalars import GRID
from dashboard.pages.scalars import view as scalar_views
from dashboard.pages.scalars.view import ScalarView, ids
from tests.dashboard.dashtest import find

RUNS = ["a", "b", "c"]


def test_view_from_query_parses_every_field() -> None:
    query = {
        "smoothing": "0.25",
        "x": "wall",
        "logy": "1",
        "outliers": "true",
        "ymin": "-1",
        "ymax": "3.5",
        "runs": "^a",
        "tags": "loss",
        "run": ["a", "c"],
    }
    assert ScalarView.from_query(query, RUNS) == ScalarView(
        "^a", "loss", ("a", "c"), 0.25, "wall", True, True, -1.0, 3.5
    )
    assert (
        ScalarView.from_query({}, RUNS).ignore_outliers
        and not ScalarView.from_query({"outliers": "0"}, RUNS).ignore_outliers
    )


def test_view_from_query_falls_back_on_bad_values() -> None:
    query = {"smoothing": "lots", "x": "epoch", "logy": "maybe", "ymin": "inf", "ymax": "", "run": "zzz"}
    view = ScalarView.from_query(query, RUNS)
    assert view == ScalarView(ticked=())
    assert ScalarView.from_query({"smoothing": "5"}, RUNS).smoothing == 0.999
    assert ScalarView.from_query({"smoothing": ["0.1", "0.2"]}, RUNS).smoothing == 0.1


def test_view_query_round_trips_and_defaults_are_empty() -> None:
    assert ScalarView(ticked=tuple(RUNS)).to_query(RUNS) == ""
    view = ScalarView("a|b", "", ("a", "b"), 0.9, "relative", True, False, None, 2.0)
    query = view.to_query(RUNS)
    assert query == "?runs=a%7Cb&smoothing=0.9&x=relative&logy=1&outliers=0&ymax=2&hide=c"
    parsed = dict(pair.split("=") for pair in query[1:].split("&"))
    parsed["runs"] = "a|b"
    assert ScalarView.from_query(parsed, RUNS) == view


def test_view_from_controls_is_tolerant() -> None:
    controls = {"smoothing": "0.95", "x": "nope", "toggles": ["outliers"], "ymin": "abc", "ymax": 4}
    view = ScalarView.from_controls(controls, None, None, None)
    assert view == ScalarView(smoothing=0.95, ignore_outliers=True, y_max=4.0)
    assert view.switches() == ["outliers"]
    assert not ScalarView.from_controls({"smoothing": 0.6, "x": "step", "toggles": []}).ignore_outliers
    assert view.chart_options(100) == ChartOptions(smoothing=0.95, ignore_outliers=True, y_max=4.0, max_points=100)


@pytest.mark.parametrize(
    "bad", [None, [], "x", 7, {"smoothing": [], "x": {}, "toggles": "log_y", "ymin": True, "ymax": [1]}]
)
def test_view_from_controls_survives_values_of_the_wrong_type(bad: object) -> None:
    view = ScalarView.from_controls(bad, ["("], {"a": 1}, "alpha")
    assert view == ScalarView(ignore_outliers=view.ignore_outliers)


def test_view_controls_round_trip() -> None:
    view = ScalarView("^a", "loss", ("a",), 0.25, "wall", True, False, -1.0, None)
    assert ScalarView.from_controls(view.controls(), "^a", "loss", ["a"]) == view


@pytest.mark.parametrize(("state", "title"), [("missing", "Logdir not found"), ("empty", "No runs yet")])
def test_sections_view_explains_missing_or_empty_logdir(state: str, title: str) -> None:
    children, summary = _grid._main_view(GRID, _grid.data.Status(state, "", "what to do"), False, [], {})
    assert summary == "" and children[0].children[0].children == title
    assert children[0].children[1].children == "what to do"


def test_sections_view_without_scalars_shows_the_line_of_code() -> None:
    children, _ = _grid._main_view(GRID, _grid.data.Status("ok", ""), False, [], {})
    code = children[0].children[2]
    assert code.children.children == 'writer.add_scalar("train/loss", loss, step)'


def test_sections_view_groups_tags() -> None:
    children, summary = _grid._main_view(
        GRID, _grid.data.Status("ok", ""), True, ["train/b", "loss", "train/a"], {"loss": False}
    )
    assert summary == "3 tags in 2 sections"
    assert [section.open for section in children] == [False, True]
    assert find(children, tag_sections.ids.state("scalars", "train")).data["tags"] == ["train/a", "train/b"]


def test_sections_view_with_no_matching_tags() -> None:
    children, summary = _grid._main_view(GRID, _grid.data.Status("ok", ""), True, [], {})
    assert summary == "0 tags" and children[0].children[0].children == "Nothing to show"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run": ["a", "a", "b"],
            "tag": ["loss"] * 3,
            "step": [0, 1, 0],
            "wall_time": [1.0, 2.0, 3.0],
            "value": [1.0, math.nan, 3.0],
        }
    )


def test_card_has_title_chart_and_download_buttons() -> None:
    card = scalar_views.card("loss", _frame(), {"a": "#111111", "b": "#222222"}, ChartOptions())
    assert find(card, ids.graph("loss")).figure.layout.uirevision == "loss|step|linear"
    assert find(card, ids.graph("loss")).config["doubleClick"] == "autosize"  # a reset autoscales, never to the zoom
    assert find(card, ids.download_csv("loss")).children == "CSV"
    assert find(card, ids.download("loss")) is not None
    heading = card.children[0].children[0]
    assert isinstance(heading, html.Div) and [span.children for span in heading.children] == [
        "loss",
        "2 runs · 3 points · 1 NaN",
    ]  # the NaN is counted


def test_download_payloads_hold_the_frame() -> None:
    frame = _frame()
    csv = scalar_views.download(frame, "scalars_train/loss", "csv")
    assert csv["filename"] == "scalars_train_loss.csv"
    assert pd.read_csv(io.StringIO(csv["content"]))["value"].tolist()[::2] == [1.0, 3.0]
    as_json = scalar_views.download(frame, "x", "json")
    assert json.loads(as_json["content"])[1] == {"run": "a", "tag": "loss", "step": 1, "wall_time": 2.0, "value": None}
    parquet = scalar_views.download(frame, "sel", "parquet")
    back = pd.read_parquet(io.BytesIO(base64.b64decode(parquet["content"])))
    pd.testing.assert_frame_equal(back, frame)
    with pytest.raises(ValueError, match="csv, json, tb-json or parquet"):
        scalar_views.download(frame, "x", "xlsx")


def test_json_downloads_never_round_and_tensorboard_format_is_wall_step_value_per_run() -> None:
    value = 0.1234567890123456789  # 17 significant digits survive only without rounding
    frame = pd.DataFrame(
        {
            "run": ["b", "a", "a", "a"],
            "tag": ["loss"] * 4,
            "step": [0, 0, 1, 2],
            "wall_time": [1.5, 1_700_000_000.123456, 2.0, 3.0],
            "value": [value, math.nan, math.inf, -math.inf],
        }
    )
    records = json.loads(scalar_views.download(frame, "x", "json")["content"])
    assert records[0]["value"] == value and records[1]["wall_time"] == 1_700_000_000.123456
    tb = scalar_views.download(frame, "x", "tb-json")
    assert tb["filename"] == "x.tensorboard.json"
    assert json.loads(tb["content"]) == {
        "a": [[1_700_000_000.123456, 0, "NaN"], [2.0, 1, "Infinity"], [3.0, 2, "-Infinity"]],
        "b": [[1.5, 0, value]],
    }
