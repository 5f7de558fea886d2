"""Figure fixes found by the sweep: whole-step ticks, NaN histograms, blank text."""

from __future__ import annotations

import math

import pandas as pd
from dash import html

from dashboard.figures.distributions import compress, distribution_figure
from dashboard.figures.buckets import bucket_edges
from dashboard.render.text import render_text

ROW = {"run": "r", "tag": "t", "wall_time": 1.0, "min": 0.0, "max": 1.0, "num": 1.0, "sum": 0.5,
       "sum_squares": 0.25, "bucket_limit": [1.0], "bucket": [1.0]}
NAN = math.nan


def test_sweep_figures_distribution_of_few_steps_ticks_whole_steps() -> None:
    one = distribution_figure(pd.DataFrame([{**ROW, "step": 1}]))
    assert (one.layout.xaxis.tick0, one.layout.xaxis.dtick) == (0, 1)  # not 0.5, 1.5
    many = distribution_figure(pd.DataFrame([{**ROW, "step": 0}, {**ROW, "step": 500}]))
    assert many.layout.xaxis.dtick is None
    relative = distribution_figure(pd.DataFrame([{**ROW, "step": 1}]), time_axis="relative")
    assert relative.layout.xaxis.dtick is None


def test_sweep_figures_distribution_at_one_instant_spans_two_minutes_of_wall_time() -> None:
    figure = distribution_figure(pd.DataFrame([{**ROW, "step": 1, "wall_time": 1_700_000_000.0}]), time_axis="wall")
    low, high = (pd.Timestamp(value) for value in figure.layout.xaxis.range)
    shown = pd.Timestamp(figure.data[-1].x[0])  # the instant, in local time
    assert (shown - low, high - shown) == (pd.Timedelta(minutes=1), pd.Timedelta(minutes=1))
    two = pd.DataFrame([{**ROW, "step": s, "wall_time": 1_700_000_000.0 + s} for s in (1, 2)])
    assert distribution_figure(two, time_axis="wall").layout.xaxis.range is None


def test_sweep_figures_nan_histogram_is_empty_not_a_spike_at_zero() -> None:
    diverged = {**ROW, "step": 1, "min": NAN, "max": NAN, "num": 3.0, "bucket_limit": [NAN], "bucket": [3.0]}
    assert [edges.size for edges in bucket_edges(diverged)] == [0, 0, 0]
    assert compress(diverged).tolist() == [0.0] * 9  # TensorBoard's rule for an empty histogram
    limits_only = {**diverged, "bucket_limit": [NAN, 2.0], "bucket": [1.0, 2.0]}  # a finite limit still places it
    left, right, count = bucket_edges(limits_only)
    assert (left.tolist(), right.tolist(), count.tolist()) == ([2.0, 2.0], [2.0, 2.0], [1.0, 2.0])


def test_sweep_figures_blank_text_says_so_in_both_modes() -> None:
    for markdown in (True, False):
        (empty,) = render_text("", [1], [""], markdown=markdown)
        assert isinstance(empty, html.P) and empty.children == "empty text"
        (blank,) = render_text("  \n ", [], None, markdown=markdown)
        assert blank.children == "only whitespace (4 characters)"
    assert "es-text-note" not in str(render_text("hi", [1], ["hi"]))
