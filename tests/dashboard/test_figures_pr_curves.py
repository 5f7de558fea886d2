"""Tests of the PR-curve figure: precision against recall per run at a chosen step, with the counts for the tooltip."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.figures.pr_curves import curve_at, pr_figure


def _frame(run: str, steps: list[int], n: int = 3) -> pd.DataFrame:
    rows = []
    for step in steps:
        base = np.linspace(0, 1, n)
        rows.append(
            {
                "run": run,
                "tag": "pr",
                "step": step,
                "wall_time": 1e9 + step,
                "threshold": base,
                "tp": base * 10 + step,
                "fp": base * 2,
                "tn": base * 3,
                "fn": base * 4,
                "precision": np.full(n, step / 100),
                "recall": 1 - base,
            }
        )
    return pd.DataFrame(rows)


def test_curve_at_defaults_to_the_newest_step_and_clamps_positions() -> None:
    frame = _frame("a", [0, 10, 20])

    assert curve_at(frame, None).step == 20
    assert curve_at(frame, 1).step == 10
    assert curve_at(frame, -4).step == 0 and curve_at(frame, 99).step == 20
    assert curve_at(frame.iloc[:0], None) is None


def test_pr_figure_draws_precision_against_recall_per_run() -> None:
    curves = [curve_at(_frame("a", [0, 10]), 0), curve_at(_frame("b", [5]), None)]

    figure = pr_figure(curves, {"a": "#111111"}, uirevision="pr")

    assert [trace.meta for trace in figure.data] == [{"run": "a", "step": 0}, {"run": "b", "step": 5}]
    first = figure.data[0]
    np.testing.assert_allclose(first.x, [1.0, 0.5, 0.0])  # recall
    np.testing.assert_allclose(first.y, [0.0, 0.0, 0.0])  # precision at step 0
    assert first.line.color == "#111111" and figure.data[1].line.color  # unknown run: a fallback colour
    assert figure.layout.xaxis.title.text == "recall" and figure.layout.yaxis.title.text == "precision"
    assert figure.layout.uirevision == "pr"


def test_pr_figure_tooltip_has_threshold_and_counts() -> None:
    figure = pr_figure([curve_at(_frame("a", [7]), None)], {})
    trace = figure.data[0]

    np.testing.assert_allclose(np.asarray(trace.customdata)[:, 0], [0.0, 0.5, 1.0])  # thresholds
    np.testing.assert_allclose(np.asarray(trace.customdata)[:, 1], [7.0, 12.0, 17.0])  # TP
    for word in ("threshold", "precision", "recall", "TP", "FP", "TN", "FN", "step"):
        assert word in trace.hovertemplate


def test_pr_figure_single_threshold_draws_a_marker() -> None:
    figure = pr_figure([curve_at(_frame("a", [1], n=1), None)], {})

    assert figure.data[0].mode == "lines+markers"


def test_pr_figure_without_curves_keeps_unit_axes() -> None:
    figure = pr_figure([], {})

    assert figure.data == () and figure.layout.xaxis.range == (-0.02, 1.02)
