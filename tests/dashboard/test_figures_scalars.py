"""Tests of dashboard.figures.scalars: lines, traces, axes, y ranges and zoom parsing."""

from __future__ import annotations

import base64
import datetime
import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from dash._utils import to_json

from dashboard.figures.scalars import (
    ChartOptions,
    line_budget,
    line_data,
    nice_domain,
    nonfinite_counts,
    scalar_figure,
    smooth,
    y_range,
    zoom_range,
)

COLORS = {"a": "#ff0000", "b": "#0000ff"}


def _frame(points: int = 5, runs: tuple[str, ...] = ("a", "b")) -> pd.DataFrame:
    rows = []
    for offset, run in enumerate(runs):
        for step in range(points):
            rows.append((run, "loss", step * 10, 1_700_000_000.0 + 3600.0 * step, float(step + offset)))
    return pd.DataFrame(rows, columns=["run", "tag", "step", "wall_time", "value"])


def _traces(figure: go.Figure, role: str) -> dict[str, go.Scatter]:
    return {trace.meta["run"]: trace for trace in figure.data if trace.meta["role"] == role}


def test_scalar_figure_draws_raw_and_smoothed_line_per_run_in_run_colour() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(smoothing=0.5))
    assert len(figure.data) == 4
    smoothed, raw = _traces(figure, "smoothed"), _traces(figure, "raw")
    assert set(smoothed) == set(raw) == {"a", "b"}
    assert smoothed["b"].line.color == raw["b"].line.color == "#0000ff"
    assert raw["a"].opacity < 1 and raw["a"].hoverinfo == "skip"
    assert list(smoothed["a"].y) == pytest.approx(smooth([0.0, 1, 2, 3, 4], 0.5).tolist())
    assert list(raw["b"].y) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(smoothed["a"].x) == [0, 10, 20, 30, 40]


def test_scalar_figure_hover_names_run_step_value_smoothed_and_wall_time() -> None:
    trace = _traces(scalar_figure(_frame(), COLORS, ChartOptions()), "smoothed")["a"]
    template = trace.hovertemplate
    for part in ("%{fullData.name}", "step %{customdata[0]}", "value %{customdata[1]", "smoothed %{y", "%{text}"):
        assert part in template
    step, value, relative = trace.customdata[1]
    assert (step, value, relative) == (10, 1.0, 3600.0) and trace.meta["t0"] == 1_700_000_000.0
    assert trace.text[1] == datetime.datetime.fromtimestamp(1_700_003_600.0).strftime("%Y-%m-%d %H:%M:%S")


def test_line_budget_shrinks_with_many_runs() -> None:
    assert line_budget(2000, 1) == 2000 and line_budget(2000, 20) == 400
    assert line_budget(2000, 1000) == 200 and line_budget(0, 50) == 0


def test_scalar_figure_relative_axis_is_hours_since_first_point() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(x_axis="relative"))
    assert list(_traces(figure, "raw")["b"].x) == pytest.approx([0.0, 1.0, 2.0, 3.0, 4.0])
    assert figure.layout.xaxis.ticksuffix == " h" and figure.layout.xaxis.title.text == "relative time (h)"


@pytest.mark.parametrize(
    ("seconds_apart", "unit", "last"),
    [(1.0, "s", 4.0), (30.0, "min", 2.0), (30_000.0, "h", 120_000 / 3600), (1e5, "d", 4e5 / 86400)],
)
def test_scalar_figure_relative_axis_unit_is_chosen_by_the_span(seconds_apart: float, unit: str, last: float) -> None:
    frame = _frame().assign(wall_time=lambda f: 1_700_000_000.0 + f["step"] / 10 * seconds_apart)
    figure = scalar_figure(frame, COLORS, ChartOptions(x_axis="relative"))
    assert figure.layout.xaxis.ticksuffix == f" {unit}"
    assert list(_traces(figure, "raw")["a"].x)[-1] == pytest.approx(last)


def test_scalar_figure_zoomed_relative_axis_keeps_the_full_span_unit() -> None:
    frame = _frame().assign(wall_time=lambda f: 1_700_000_000.0 + f["step"] * 3.0)  # 2 min in all: minutes
    figure = scalar_figure(frame, COLORS, ChartOptions(x_axis="relative", x_range=(0.0, 0.6)))
    assert figure.layout.xaxis.ticksuffix == " min" and max(_traces(figure, "raw")["a"].x) <= 1.0


def test_scalar_figure_wall_axis_uses_dates() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(x_axis="wall"))
    trace = _traces(figure, "raw")["a"]
    assert np.issubdtype(np.asarray(trace.x).dtype, np.datetime64)
    assert figure.layout.xaxis.title.text == "wall time"


def test_scalar_figure_log_axis_and_manual_range() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(log_y=True, y_min=1.0, y_max=100.0))
    assert figure.layout.yaxis.type == "log"
    assert list(figure.layout.yaxis.range) == pytest.approx([0.0, 2.0])


def test_scalar_figure_autoranges_by_default() -> None:
    assert scalar_figure(_frame(), COLORS, ChartOptions()).layout.yaxis.range is None


def test_y_range_ignores_outliers_as_tensorboard_does() -> None:
    frame = _frame(points=200, runs=("a",))
    frame.loc[100, "value"] = 1e6
    line = line_data(frame, "a", ChartOptions(smoothing=0.0))
    low, high = y_range([line], ChartOptions(smoothing=0.0, ignore_outliers=True))
    ordered = np.sort(line.raw)  # TensorBoard: sorted values, index ceil(0.05(n-1)) .. floor(0.95(n-1))
    assert (ordered[10], ordered[189]) == (10.0, 190.0)
    assert (low, high) == (0.0, 200.0)  # padded 5 % to [1, 199], then d3's nice() to ticks of 20


def test_y_range_keeps_the_early_steps_of_an_accuracy_curve() -> None:
    """Issue 14 item 5: accuracy 0.10-0.165 in the first steps of a [0.1, 1.008] curve stays on the chart."""
    accuracy = np.r_[np.linspace(0.10, 0.165, 20), np.linspace(0.177, 1.008, 380)]
    steps = np.arange(accuracy.size)
    frame = pd.DataFrame({"run": "a", "tag": "acc", "step": steps, "wall_time": steps * 1.0, "value": accuracy})
    options = ChartOptions(smoothing=0.0, ignore_outliers=True, max_points=0)
    line = line_data(frame, "a", options)
    low, high = y_range([line], options)
    assert low <= 0.1 and high >= 1.008 - 1e-3  # every point of the curve is inside
    assert (low, high) == pytest.approx((0.1, 1.1))


def test_y_range_uses_the_smoothed_lines_when_smoothing() -> None:
    frame = _frame(points=50, runs=("a",))
    frame.loc[::2, "value"] += 1000.0  # raw zigzag far outside the smoothed line's range
    options = ChartOptions(smoothing=0.9, ignore_outliers=True, max_points=0)
    line = line_data(frame, "a", options)
    low, high = y_range([line], options)
    assert high < line.raw.max() and low <= np.sort(line.smoothed)[3]


def test_nice_domain_matches_d3() -> None:
    assert nice_domain(0.177, 1.008) == pytest.approx((0.1, 1.1))
    assert nice_domain(3.0, 3.0) == (0.0, 6.0) and nice_domain(0.0, 0.0) == (-1.0, 1.0)
    assert nice_domain(-2.0, -2.0) == (-4.0, 0.0)
    assert nice_domain(12.0, 987.0) == pytest.approx((-100.0, 1100.0))


def test_y_range_one_manual_bound_takes_the_other_from_data() -> None:
    line = line_data(_frame(runs=("a",)), "a", ChartOptions(smoothing=0.0))
    assert y_range([line], ChartOptions(smoothing=0.0, y_min=-1.0)) == pytest.approx((-1.0, 4.5))  # [-0.5, 4.5] nice


def test_line_data_smooths_all_points_before_downsampling() -> None:
    frame = _frame(points=20_000, runs=("a",))
    frame["value"] = np.random.default_rng(1).normal(size=20_000)
    line = line_data(frame, "a", ChartOptions(smoothing=0.9, max_points=400))
    full = smooth(frame["value"].to_numpy(), 0.9)
    assert line.x.size <= 400 and line.total == 20_000
    assert line.smoothed == pytest.approx(full[(line.step // 10).astype(int)])


def test_line_data_zoom_returns_full_resolution_inside_range() -> None:
    frame = _frame(points=20_000, runs=("a",))
    line = line_data(frame, "a", ChartOptions(max_points=400, x_range=(1000.0, 2000.0)))
    assert line.step.tolist() == list(range(990, 2011, 10))


def test_scalar_figure_uses_webgl_for_long_lines() -> None:
    long = scalar_figure(_frame(points=3000, runs=("a",)), COLORS, ChartOptions(max_points=0))
    short = scalar_figure(_frame(points=3000, runs=("a",)), COLORS, ChartOptions(max_points=2000))
    assert all(isinstance(trace, go.Scattergl) for trace in long.data)
    assert all(isinstance(trace, go.Scatter) for trace in short.data)


def test_scalar_figure_keeps_nan_points_as_gaps() -> None:
    frame = _frame(runs=("a",))
    frame.loc[2, "value"] = math.nan
    trace = _traces(scalar_figure(frame, COLORS, ChartOptions(smoothing=0.6)), "smoothed")["a"]
    assert math.isnan(trace.y[2]) and not math.isnan(trace.y[3])


def test_chart_options_reject_bad_values() -> None:
    with pytest.raises(ValueError, match="x_axis must be one of step, relative, wall"):
        ChartOptions(x_axis="epoch")
    with pytest.raises(ValueError, match="smoothing"):
        ChartOptions(smoothing=1.0)


@pytest.mark.parametrize(
    ("relayout", "expected"),
    [
        ({"xaxis.range[0]": 10, "xaxis.range[1]": 90.5}, ("zoom", (10.0, 90.5))),
        ({"xaxis.range": [90, 10]}, ("zoom", (10.0, 90.0))),
        ({"xaxis.autorange": True, "yaxis.autorange": True}, ("reset", None)),
        ({"autosize": True}, ("none", None)),
        ({"yaxis.range[0]": 1, "yaxis.range[1]": 2}, ("none", None)),
        ({"xaxis.range[0]": "abc", "xaxis.range[1]": 3}, ("none", None)),
        (None, ("none", None)),
    ],
)
def test_zoom_range_reads_relayout_data(relayout: dict | None, expected: tuple) -> None:
    assert zoom_range(relayout, "step") == expected


def test_zoom_range_wall_axis_parses_local_dates_round_trip() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(x_axis="wall"))
    first, last = (str(value) for value in (figure.data[0].x[1], figure.data[0].x[3]))
    action, (low, high) = zoom_range({"xaxis.range[0]": first, "xaxis.range[1]": last}, "wall")
    assert action == "zoom"
    assert (low, high) == pytest.approx((1_700_003_600.0, 1_700_010_800.0))


@pytest.mark.parametrize(
    "options",
    [
        ChartOptions(),
        ChartOptions(x_axis="wall", log_y=True, ignore_outliers=True),
        ChartOptions(max_points=0, x_axis="relative", y_min=0.0),
    ],
)
def test_scalar_figure_passes_plotly_validation(options: ChartOptions) -> None:
    figure = scalar_figure(_frame(points=3000), COLORS, options)
    validated = go.Figure(figure.to_dict())  # the validating constructor raises on any bad property
    assert len(validated.data) == 4


def _decoded(value: object) -> object:
    """A typed array spec as a plain list (shape applied); anything else unchanged."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(size) for size in value["shape"].split(",")])
        return array.tolist()
    return value


@pytest.mark.parametrize("x_axis", ["step", "relative", "wall"])
def test_scalar_figure_json_sends_what_plotly_would(x_axis: str) -> None:
    frame = _frame(points=300)
    frame.loc[7, "value"] = math.nan
    fast = json.loads(to_json(scalar_figure(frame, COLORS, ChartOptions(x_axis=x_axis, max_points=40))))
    figure = scalar_figure(frame, COLORS, ChartOptions(x_axis=x_axis, max_points=40))
    # raw + smoothed per run and a NaN mark for a; touching the traces switches to Plotly's serialization
    assert len(figure.data) == 5
    slow = json.loads(to_json(figure))
    assert fast["layout"] == slow["layout"] and len(fast["data"]) == len(slow["data"]) == 5
    for ours, plotly in zip(fast["data"], slow["data"]):
        assert ours.keys() == plotly.keys()
        for key in ours:
            if x_axis == "wall" and key == "x":
                assert pd.to_datetime(ours[key]).equals(pd.to_datetime(plotly[key]))
            elif isinstance(_decoded(ours[key]), list):
                np.testing.assert_array_equal(np.array(_decoded(ours[key])), np.array(_decoded(plotly[key])))
            else:
                assert ours[key] == plotly[key], key


def test_scalar_figure_sends_changes_made_to_its_traces_and_layout() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions())
    figure.update_traces(line_width=3)
    figure.update_layout(height=400)
    sent = json.loads(to_json(figure))
    assert sent["layout"]["height"] == 400 and {trace["line"]["width"] for trace in sent["data"]} == {3}
    untouched = scalar_figure(_frame(), COLORS, ChartOptions())
    untouched.add_trace(go.Scatter(x=[1, 2], y=[3, 4], name="extra"))
    names = [trace["name"] for trace in json.loads(to_json(untouched))["data"]]
    assert names == ["a", "a", "b", "b", "extra"]


def test_scalar_figure_orders_runs_by_name_for_categorical_and_string_runs() -> None:
    frame = _frame(runs=("b", "a"))
    as_category = frame.astype({"run": pd.CategoricalDtype(["b", "unused", "a"])})
    for given in (frame, as_category):
        figure = scalar_figure(given, COLORS, ChartOptions(smoothing=0.0))
        assert [trace.meta["run"] for trace in figure.data] == ["a", "a", "b", "b"]
        assert list(_traces(figure, "raw")["a"].y) == [1.0, 2.0, 3.0, 4.0, 5.0]  # "a" was written second


def test_scalar_figure_json_sends_logged_float32_values_in_half_the_bytes() -> None:
    frame = _frame(points=50, runs=("a",))
    frame["value"] = np.float32(np.random.default_rng(2).normal(size=50)).astype(np.float64)  # as writers log them
    raw, smoothed = json.loads(to_json(scalar_figure(frame, COLORS, ChartOptions(smoothing=0.6))))["data"]
    assert raw["meta"]["role"] == "raw" and raw["y"]["dtype"] == "f4" and raw["x"]["dtype"] == "i4"
    assert np.array_equal(np.array(_decoded(raw["y"])), frame["value"].to_numpy())
    assert smoothed["y"]["dtype"] == "f8"  # the EMA is not float32-exact: sent whole
    assert smoothed["customdata"]["dtype"] == "f4" and _decoded(smoothed["customdata"])[3] == [
        30.0,
        frame["value"][3],
        3 * 3600.0,
    ]


@pytest.mark.parametrize("walls", [[1_700_000_000.0, 1_700_003_600.5], [1_700_000_000.0, math.nan], [-1e12, 4e11], []])
def test_wall_labels_read_like_the_local_clock(walls: list[float]) -> None:
    from dashboard.figures.scalars import _local_seconds, _wall_labels

    values = np.array(walls, dtype=np.float64)
    stamps = np.datetime_as_string(_local_seconds(values).astype("datetime64[s]"), unit="s")
    expected = np.char.replace(stamps, "T", " ").tolist() if walls else []
    assert _wall_labels(values).tolist() == expected
    if walls and not math.isnan(walls[-1]) and walls[0] > 0:
        assert _wall_labels(values)[0] == datetime.datetime.fromtimestamp(walls[0]).strftime("%Y-%m-%d %H:%M:%S")


def test_scalar_figure_zoomed_beside_the_data_draws_empty_lines() -> None:
    figure = scalar_figure(_frame(), COLORS, ChartOptions(x_range=(1000.0, 2000.0)))
    assert [len(trace.x) for trace in figure.data] == [0, 0, 0, 0]
    assert figure.layout.xaxis.range is None  # the range on screen is the user's: never resent


def test_scalar_figure_draws_a_dot_for_a_run_with_one_point() -> None:
    frame = pd.concat([_frame(1, ("a",)), _frame(5, ("b",))])
    smoothed = _traces(scalar_figure(frame, COLORS, ChartOptions()), "smoothed")
    assert smoothed["a"].mode == "lines+markers" and smoothed["a"].marker.color == "#ff0000"
    assert smoothed["b"].mode == "lines"


@pytest.mark.parametrize(
    ("points", "x_range", "dtick"), [(1, None, 1), (2, None, 1), (50, None, None), (50, (10.0, 13.0), 1)]
)
def test_scalar_figure_ticks_whole_steps_on_a_short_step_axis(
    points: int, x_range: tuple | None, dtick: int | None
) -> None:
    frame = _frame(points, ("a",)).assign(step=lambda f: f["step"] // 10)  # steps 0, 1, 2, ...
    figure = scalar_figure(frame, COLORS, ChartOptions(x_range=x_range))
    assert figure.layout.xaxis.dtick == dtick
    assert scalar_figure(frame, COLORS, ChartOptions(x_axis="relative")).layout.xaxis.dtick is None


EVIL_RUN = '<b>x</b><a href="javascript:alert(1)">y</a> & co'


def rendered_json(figure: go.Figure) -> str:
    """The figure's JSON without `meta` (Plotly never draws meta; callbacks read raw names there), "<" unescaped."""
    sent = json.loads(to_json(figure))
    for part in (*sent["data"], sent["layout"]):
        part.pop("meta", None)
    return json.dumps(sent)


def test_scalar_figure_escapes_run_names_plotly_would_read_as_markup() -> None:
    figure = scalar_figure(_frame(runs=(EVIL_RUN, "b")), {EVIL_RUN: "#ff0000"}, ChartOptions())
    sent = rendered_json(figure)
    assert "<a" not in sent and "<b>x" not in sent and "</a>" not in sent and "& co" not in sent
    names = {trace["name"] for trace in json.loads(sent)["data"]}
    assert names == {'&lt;b&gt;x&lt;/b&gt;&lt;a href="javascript:alert(1)"&gt;y&lt;/a&gt; &amp; co', "b"}
    assert [trace.meta["run"] for trace in figure.data] == [EVIL_RUN, EVIL_RUN, "b", "b"]  # callbacks get the name


def test_scalar_figure_hover_numbers_have_four_significant_digits_without_trailing_zeros() -> None:
    template = _traces(scalar_figure(_frame(), COLORS, ChartOptions()), "smoothed")["a"].hovertemplate
    assert "%{customdata[1]:.4~r}" in template and "%{y:.4~r}" in template
    assert ".6g" not in template


def test_scalar_figure_marks_nan_and_infinities_at_the_last_finite_smoothed_value() -> None:
    frame = _frame(6, ("a",))
    frame.loc[[2, 4, 5], "value"] = [np.nan, np.inf, -np.inf]
    figure = scalar_figure(frame, COLORS, ChartOptions(smoothing=0.0))
    marks = _traces(figure, "nonfinite")["a"]
    assert list(marks.x) == [20, 40, 50] and list(marks.y) == [1.0, 3.0, 3.0]
    assert list(marks.text) == ["NaN", "+inf", "-inf"] and len(set(marks.marker.symbol)) == 3
    assert marks.marker.color == "#ff0000" and "%{text}" in marks.hovertemplate
    assert "nonfinite" not in {trace.meta["role"] for trace in scalar_figure(_frame(), COLORS, ChartOptions()).data}


def test_scalar_figure_marks_leading_nan_at_the_first_finite_value() -> None:
    frame = _frame(3, ("a",))
    frame.loc[0, "value"] = np.nan
    marks = _traces(scalar_figure(frame, COLORS, ChartOptions(smoothing=0.0)), "nonfinite")["a"]
    assert list(marks.y) == [1.0]


def test_nonfinite_counts_counts_each_kind() -> None:
    assert nonfinite_counts(np.array([1.0, np.nan, np.nan, np.inf, 2.0])) == {"NaN": 2, "+inf": 1}
    assert nonfinite_counts(np.array([1.0])) == {}


def test_scalar_figure_sends_outlier_bounds_as_autorange_bounds_not_a_range() -> None:
    """A redraw with other bounds must not replace the user's y zoom (uirevision keeps GUI edits only
    while the sent range is unchanged); a log axis keeps the plain range."""
    yaxis = scalar_figure(_frame(), COLORS, ChartOptions(smoothing=0.0, ignore_outliers=True)).layout.yaxis
    assert yaxis.range is None and yaxis.autorange is True
    assert (yaxis.autorangeoptions.minallowed, yaxis.autorangeoptions.maxallowed) == pytest.approx((0.5, 4.5))
    assert scalar_figure(_frame(), COLORS, ChartOptions(log_y=True, y_min=1.0, y_max=10.0)).layout.yaxis.range == (0, 1)
