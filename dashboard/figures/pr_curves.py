"""PR-curve charts: precision against recall, one line per run at its chosen step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

DEFAULT_COLOR = "#607d8b"
HEIGHT = 300
PADDING = 0.02
_HOVER = (
    "<b>%{fullData.name}</b> · step %{meta.step}<br>threshold %{customdata[0]:.4f}"
    "<br>precision %{y:.4f}<br>recall %{x:.4f}"
    "<br>TP %{customdata[1]:,.6~g} · FP %{customdata[2]:,.6~g}<br>TN %{customdata[3]:,.6~g} · FN %{customdata[4]:,.6~g}"
    "<extra></extra>"
)


@dataclass(frozen=True)
class CurveAt:
    """One run's curve at one step, as drawn.

    Attributes:
        run: the run name.
        step: the step drawn.
        row: the curve's row (threshold, tp, fp, tn, fn, precision, recall lists).
    """

    run: str
    step: int
    row: pd.Series


def curve_at(frame: pd.DataFrame, position: int | None) -> CurveAt | None:
    """Return one (run, tag)'s curve at a position of its steps (None or out of range: the nearest end).

    Args:
        frame: the pair's rows sorted by step (data.pr_curves.curves).
        position: an index into the steps; None means the newest.

    Returns:
        The curve, or None for an empty frame.
    """
    if frame.empty:
        return None
    last = len(frame) - 1
    index = last if position is None else min(max(int(position), 0), last)
    row = frame.iloc[index]
    return CurveAt(str(row["run"]), int(row["step"]), row)


def pr_figure(curves: list[CurveAt], colors: Mapping[str, str], *, uirevision: str = "") -> go.Figure:
    """Build one tag's chart: per run its precision (y) against recall (x) at the run's chosen step.

    Args:
        curves: the runs' curves, in display order.
        colors: run -> CSS colour.
        uirevision: Plotly's uirevision (keeps the user's zoom when a slider moves).

    Returns:
        The figure; each trace carries meta {"run", "step"} and per point the threshold, TP, FP, TN
        and FN as customdata (the tooltip shows them with precision and recall).
    """
    traces = [_trace(curve, colors.get(curve.run, DEFAULT_COLOR)) for curve in curves]
    axis = {"range": [-PADDING, 1 + PADDING], "zeroline": False, "automargin": False, "dtick": 0.2}
    layout = {
        "template": "plotly_white",
        "margin": {"l": 52, "r": 14, "t": 8, "b": 40},
        "height": HEIGHT,
        "font": {"size": 11},
        "hovermode": "closest",
        "showlegend": False,
        "xaxis": {**axis, "title": {"text": "recall", "standoff": 2}},
        "yaxis": {**axis, "title": {"text": "precision", "standoff": 2}},
        "uirevision": uirevision,
    }
    return go.Figure(data=traces, layout=layout)


def _trace(curve: CurveAt, color: str) -> go.Scatter:
    row = curve.row
    columns = [np.asarray(row[name], dtype=np.float64) for name in ("threshold", "tp", "fp", "tn", "fn")]
    precision = np.asarray(row["precision"], dtype=np.float64)
    recall = np.asarray(row["recall"], dtype=np.float64)
    return go.Scatter(
        x=recall,
        y=precision,
        name=curve.run,
        mode="lines+markers" if recall.size == 1 else "lines",
        line={"color": color, "width": 1.8},
        marker={"color": color, "size": 6},
        customdata=np.column_stack(columns) if recall.size else None,
        hovertemplate=_HOVER,
        meta={"run": curve.run, "step": curve.step},
    )
