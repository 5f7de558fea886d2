"""Distribution charts: histograms compressed to TensorBoard's basis points, drawn as nested bands over time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.buckets import TIME_AXES, bucket_edges, time_values
from dashboard.figures.histograms import DEFAULT_COLOR, blend

__all__ = [
    "BANDS",
    "BASIS_POINTS",
    "BP_COLUMNS",
    "compress",
    "compress_buckets",
    "distribution_figure",
    "distribution_frame",
]

# The normal CDF at -inf, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, +inf standard deviations, in 1/100 %.
BASIS_POINTS: tuple[int, ...] = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)
BP_COLUMNS: list[str] = [f"bp{i}" for i in range(len(BASIS_POINTS))]
# (name, lower column, upper column, how far the fill is blended towards white), outermost first.
BANDS: tuple[tuple[str, str, str, float], ...] = (
    ("min–max", "bp0", "bp8", 0.8),
    ("±1.5σ", "bp1", "bp7", 0.62),
    ("±1σ", "bp2", "bp6", 0.44),
    ("±0.5σ", "bp3", "bp5", 0.26),
)
# Below this many steps between the first and last, the step axis ticks every whole step.
STEP_TICKS_SPAN = 10
# A wall-time axis over a single instant shows this much on either side of it.
SINGLE_INSTANT_MARGIN = pd.Timedelta(minutes=1)
_LABELS = ("min", "6.7%", "15.9%", "30.9%", "median", "69.1%", "84.1%", "93.3%", "max")
_HOVER = (
    "step %{customdata[0]}<br>"
    + "<br>".join(f"{label} %{{customdata[{i + 1}]:.4g}}" for i, label in reversed(list(enumerate(_LABELS))))
    + "<extra></extra>"
)


def compress_buckets(left: np.ndarray, right: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Return the value at each basis point of a histogram given as buckets.

    The counts are accumulated and scaled to 10000; for each basis point the bucket where
    the cumulative count first exceeds it is found, and the value is interpolated linearly
    from that bucket's left edge (at the cumulative count before it) to its right edge (at
    the cumulative count after it). A basis point the cumulative count never exceeds (the
    top one) gets the last right edge. Results are clamped to [min, max], the outer edges.

    Args:
        left: bucket left edges, ascending.
        right: bucket right edges.
        count: bucket counts.

    Returns:
        Nine float64 values; all zeros when the histogram is empty (TensorBoard's rule).
    """
    count = np.asarray(count, dtype=np.float64)
    total = float(count.sum()) if count.size else 0.0
    if not total > 0:
        return np.zeros(len(BASIS_POINTS))
    low, high = float(left[0]), float(right[-1])
    cumulative = np.cumsum(count * BASIS_POINTS[-1] / total)  # this order of float operations matches TensorBoard
    cumulative[-1] = BASIS_POINTS[-1]  # exact, so the top basis point is always the max
    points = np.asarray(BASIS_POINTS, dtype=np.float64)
    found = np.searchsorted(cumulative, points, side="right")  # first bucket whose cumulative count exceeds it
    i = np.minimum(found, cumulative.size - 1)
    before = np.where(i > 0, cumulative[i - 1], 0.0)
    lhs, rhs = (np.clip(np.asarray(edges, dtype=np.float64)[i], low, high) for edges in (left, right))
    step = np.divide(points - before, cumulative[i] - before, out=np.zeros_like(points), where=cumulative[i] > before)
    out = np.where(found < cumulative.size, lhs + step * (rhs - lhs), high)
    return np.clip(out, low, high)


def compress(row: Mapping[str, Any]) -> np.ndarray:
    """Return a histograms row compressed to the nine basis points (see compress_buckets).

    The row's buckets are first put through bucket_edges, so legacy ±DBL_MAX limits become
    the histogram's min and max and empty end buckets are dropped.

    Args:
        row: one histograms row (min, max, bucket_limit, bucket).

    Returns:
        Nine float64 values, bottom (min) to top (max).

    Raises:
        ValueError: when bucket_limit and bucket differ in length.
    """
    return compress_buckets(*bucket_edges(row))


def distribution_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Compress every row of a histograms frame.

    Args:
        frame: rows of one (run, tag) of the histograms table.

    Returns:
        Columns step, wall_time, bp0..bp8, one row per input row, sorted by step (stable).

    Raises:
        ValueError: when a row's bucket_limit and bucket differ in length.
    """
    rows = frame.sort_values("step", kind="stable")
    values = np.array([compress(row) for row in rows.to_dict("records")]).reshape(len(rows), len(BASIS_POINTS))
    out = pd.DataFrame(values, columns=BP_COLUMNS)
    out.insert(0, "wall_time", rows["wall_time"].to_numpy(np.float64))
    out.insert(0, "step", rows["step"].to_numpy(np.int64))
    return out


def distribution_figure(
    frame: pd.DataFrame, *, time_axis: str = "step", color: str = DEFAULT_COLOR, uirevision: str = ""
) -> go.Figure:
    """Build TensorBoard's distribution chart: nested bands around the median over time.

    Args:
        frame: rows of one (run, tag), either of the histograms table or of distribution_frame.
        time_axis: "step", "relative" (hours since the first row) or "wall" (local time).
        color: the run colour; bands are graded tints of it, outermost palest.
        uirevision: Plotly's uirevision.

    Returns:
        The figure: one filled trace per band in BANDS order (meta {"band": name}), then
        the median line (meta {"band": "median"}) whose hover lists all nine values.

    Raises:
        ValueError: for an unknown time_axis.
    """
    points = frame if "bp0" in frame.columns else distribution_frame(frame)
    position = time_values(points["step"].to_numpy(), points["wall_time"].to_numpy(), time_axis)
    x: Any = pd.to_datetime(position, unit="ms") if time_axis == "wall" else position
    figure = go.Figure()
    for name, lower, upper, weight in BANDS:
        shade = blend(color, "#ffffff", weight)
        figure.add_trace(
            go.Scatter(  # a single step has no area: draw its bands as thick vertical bars
                x=np.r_[x, x[::-1]],
                y=np.r_[points[upper].to_numpy(), points[lower].to_numpy()[::-1]],
                mode="lines",
                fill="toself",
                fillcolor=shade,
                line={"width": 0 if len(points) > 1 else 10, "color": shade},
                hoverinfo="skip",
                name=name,
                meta={"band": name},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=points["bp4"].to_numpy(),
            mode="lines+markers" if len(points) == 1 else "lines",
            name="median",
            line={"color": blend(color, "#000000", 0.25), "width": 1.4},
            meta={"band": "median"},
            customdata=np.column_stack([points["step"].to_numpy(), points[BP_COLUMNS].to_numpy()]),
            hovertemplate=_HOVER,
        )
    )
    figure.update_layout(_layout(time_axis, uirevision))
    figure.update_xaxes(_short_span_axis(time_axis, points["step"].to_numpy(), x))
    return figure


def _short_span_axis(time_axis: str, steps: np.ndarray, x: Any) -> dict[str, Any]:
    """Return x-axis settings for charts over few steps: whole-step ticks, a readable range for one instant."""
    if time_axis == "step" and steps.size and np.ptp(steps) < STEP_TICKS_SPAN:
        return {"tick0": 0, "dtick": 1}  # no ticks at 0.5, 1.5, ... (steps are whole numbers)
    if time_axis == "wall" and len(x) and x.min() == x.max():  # Plotly would zoom to ±1 ms around it
        return {"range": [x[0] - SINGLE_INSTANT_MARGIN, x[0] + SINGLE_INSTANT_MARGIN]}
    return {}


def _layout(time_axis: str, uirevision: str) -> dict[str, Any]:
    return {
        "template": "plotly_white",
        "margin": {"l": 8, "r": 12, "t": 8, "b": 8},
        "height": 250,
        "font": {"size": 11},
        "hovermode": "closest",
        "showlegend": False,
        "xaxis": {
            "title": {"text": TIME_AXES[time_axis], "standoff": 4},
            "zeroline": False,
            "type": "date" if time_axis == "wall" else "linear",
        },
        "yaxis": {"zeroline": False, "automargin": True},
        "uirevision": uirevision,
    }
