"""Tests of the custom scalars figures: multiline through the Scalars builder, margin bands."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.figures.custom_scalars import margin_figure, multiline_figure, series_name
from dashboard.figures.scalars import ChartOptions


def _lines() -> pd.DataFrame:
    rows = [
        (run, tag, step, 1e9 + step, float(step % 3)) for run in ("a", "b") for tag in ("x", "y") for step in range(6)
    ]
    return pd.DataFrame(rows, columns=["run", "tag", "step", "wall_time", "value"])


def test_multiline_figure_one_smoothed_line_per_tag_and_run() -> None:
    figure = multiline_figure(_lines(), {series_name("x", "a"): "#123456"}, ChartOptions(smoothing=0.5))

    smoothed = [t for t in figure.data if t.meta["role"] == "smoothed"]
    assert [t.meta["run"] for t in smoothed] == ["x · a", "x · b", "y · a", "y · b"]
    assert smoothed[0].line.color == "#123456"
    raw = [t for t in figure.data if t.meta["role"] == "raw"][0]
    assert not np.allclose(np.asarray(smoothed[0].y), np.asarray(raw.y))  # the smoothing applied


def test_margin_figure_fills_between_lower_and_upper() -> None:
    frame = pd.DataFrame(
        {
            "run": ["a"] * 3,
            "tag": ["m"] * 3,
            "step": [0, 1, 2],
            "wall_time": [1e9, 1e9 + 1, 1e9 + 2],
            "value": [1.0, 2.0, 3.0],
            "lower": [0.5, 1.5, 2.5],
            "upper": [1.5, 2.5, 3.5],
        }
    )

    figure = margin_figure(frame, {"m · a": "#ff0000"}, ChartOptions(x_axis="relative"))

    assert [(t.meta["role"], t.fill) for t in figure.data] == [("lower", None), ("upper", "tonexty"), ("value", None)]
    assert figure.data[1].fillcolor == "rgba(255, 0, 0, 0.25)"
    np.testing.assert_allclose(figure.data[2].y, [1, 2, 3])
    np.testing.assert_allclose(figure.data[2].x, [0, 1 / 3600, 2 / 3600])  # hours since the first point
    assert "lower" in figure.data[2].hovertemplate and "upper" in figure.data[2].hovertemplate


def test_margin_figure_empty_frame_has_no_traces() -> None:
    frame = pd.DataFrame(columns=["run", "tag", "step", "wall_time", "value", "lower", "upper"])

    assert margin_figure(frame, {}, ChartOptions(log_y=True)).layout.yaxis.type == "log"
    assert margin_figure(frame, {}, ChartOptions()).data == ()
