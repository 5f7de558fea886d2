"""Histogram charts: offset, overlay and compare-runs figures (the bucket rules are in figures.buckets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.figures.buckets import (
    DEFAULT_BINS,
    TIME_AXES,
    bucket_edges,
    check_axis,
    pick_steps,
    rebin,
    shared_edges,
    time_values,
)
from dashboard.figures.plotly_text import escape

__all__ = [
    "DEFAULT_COLOR",
    "DEFAULT_MAX_STEPS",
    "blend",
    "compare_figure",
    "offset_figure",
    "overlay_figure",
    "relative_labels",
]

DEFAULT_MAX_STEPS = 50
DEFAULT_COLOR = "#ff7043"
RIDGE_HEIGHT = 0.3  # the tallest ridge spans this fraction of the time axis
TICKS = 5  # labelled steps on the offset time axis
_HOVER = (
    "step %{customdata[0]}<br>[%{customdata[1]:.4g}, %{customdata[2]:.4g}]<br>count %{customdata[3]:.4g}<extra></extra>"
)


def blend(color: str, other: str, weight: float) -> str:
    """Mix two colours ("#rrggbb" or "rgb(r, g, b)"): weight 0 gives color, 1 gives other.

    Args:
        color: the base colour.
        other: the colour to move towards.
        weight: how far to move, clamped to [0, 1].

    Returns:
        An "rgb(r, g, b)" string with integer channels.
    """
    return sample_colorscale([[0.0, color], [1.0, other]], [min(max(float(weight), 0.0), 1.0)])[0]


@dataclass(frozen=True)
class _Stack:
    """The chosen steps of one (run, tag), re-binned onto shared bins."""

    steps: np.ndarray
    walls: np.ndarray
    edges: np.ndarray
    counts: np.ndarray  # one row per chosen step
    total: int
    origin: float


def _stack(frame: pd.DataFrame, max_steps: int, bins: int) -> _Stack:
    rows = frame.sort_values("step", kind="stable").drop_duplicates("step", keep="last")
    chosen, total = pick_steps(rows["step"].to_numpy(), max_steps)
    rows = rows[rows["step"].isin(chosen)]
    buckets = [bucket_edges(row) for row in rows.to_dict("records")]
    edges = shared_edges(buckets, bins)
    counts = np.array([rebin(*b, edges) for b in buckets]).reshape(len(buckets), edges.size - 1)
    origin = float(frame["wall_time"].min()) if len(frame) else 0.0
    return _Stack(rows["step"].to_numpy(np.int64), rows["wall_time"].to_numpy(np.float64), edges, counts, total, origin)


def _outline(edges: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and height of a curve through bin centres, closed to zero at the outer edges."""
    centers = (edges[:-1] + edges[1:]) / 2
    return np.r_[edges[0], centers, edges[-1]], np.r_[0.0, counts, 0.0]


def _hover(step: int, edges: np.ndarray, counts: np.ndarray) -> np.ndarray:
    lows = np.r_[edges[0], edges[:-1], edges[-1]]
    highs = np.r_[edges[0], edges[1:], edges[-1]]
    return np.column_stack([np.full(lows.size, step), lows, highs, np.r_[0.0, counts, 0.0]])


def offset_figure(
    frame: pd.DataFrame,
    *,
    time_axis: str = "step",
    max_steps: int = DEFAULT_MAX_STEPS,
    bins: int = DEFAULT_BINS,
    color: str = DEFAULT_COLOR,
    uirevision: str = "",
) -> go.Figure:
    """Build TensorBoard's offset view: one filled ridge per step, stacked in depth by time.

    Time runs down the y axis (oldest at the back, on top); the newest step is drawn last,
    in front, in the full colour, and older ones fade towards white.

    Args:
        frame: the rows of one (run, tag) of the histograms table.
        time_axis: "step", "relative" or "wall".
        max_steps: at most this many steps, evenly spaced, first and last included.
        bins: shared bins every step is re-binned onto.
        color: the run colour.
        uirevision: Plotly's uirevision.

    Returns:
        The figure, one trace per drawn step (meta {"step": s}); layout.meta holds
        {"shown": n, "total": distinct steps, "steps": [...]}.
    """
    check_axis(time_axis)
    stack = _stack(frame, max_steps, bins)
    base = time_values(stack.steps, stack.walls, time_axis, origin=stack.origin)
    span = float(np.ptp(base)) if base.size > 1 else 0.0
    height = RIDGE_HEIGHT * span if span > 0 else 1.0
    scale = height / (stack.counts.max() if stack.counts.size and stack.counts.max() > 0 else 1.0)
    figure = go.Figure()
    for i, (step, y0, counts) in enumerate(zip(stack.steps.tolist(), base, stack.counts)):
        age = 1.0 - (i / (len(base) - 1) if len(base) > 1 else 1.0)
        x, h = _outline(stack.edges, counts)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y0 - h * scale,
                mode="lines",
                fill="toself",
                hoveron="points",
                fillcolor=blend(color, "#ffffff", 0.15 + 0.75 * age),
                line={"color": blend(color, "#ffffff", 0.6 * age), "width": 1},
                customdata=_hover(step, stack.edges, counts),
                hovertemplate=_HOVER,
                name=f"step {step}",
                meta={"step": step},
            )
        )
    ticks: Any = np.round(np.linspace(0, base.size - 1, min(base.size, TICKS))).astype(np.int64) if base.size else []
    yaxis = {
        "title": {"text": TIME_AXES[time_axis], "standoff": 4},
        "autorange": "reversed",
        "side": "right",
        "zeroline": False,
        "tickvals": base[ticks].tolist(),
        "ticktext": _time_labels(stack.steps[ticks], base[ticks], time_axis),
    }
    figure.update_layout(_layout(uirevision, stack, yaxis=yaxis, height=300))
    return figure


def overlay_figure(
    frame: pd.DataFrame,
    *,
    time_axis: str = "step",
    max_steps: int = DEFAULT_MAX_STEPS,
    bins: int = DEFAULT_BINS,
    color: str = DEFAULT_COLOR,
    uirevision: str = "",
) -> go.Figure:
    """Build TensorBoard's overlay view: every step on one axis, coloured by time, with a colour bar.

    Args:
        frame: the rows of one (run, tag) of the histograms table.
        time_axis: what the colour encodes: "step", "relative" or "wall".
        max_steps: at most this many steps, evenly spaced, first and last included.
        bins: shared bins every step is re-binned onto.
        color: the run colour; the scale runs from a pale tint (oldest) to a dark shade (newest).
        uirevision: Plotly's uirevision.

    Returns:
        The figure: one line per drawn step (meta {"step": s}), oldest first, then one
        invisible marker trace that carries the colour bar; layout.meta as for offset_figure.
    """
    check_axis(time_axis)
    stack = _stack(frame, max_steps, bins)
    when = time_values(stack.steps, stack.walls, time_axis, origin=stack.origin)
    low, high = (float(when.min()), float(when.max())) if when.size else (0.0, 1.0)
    scale = [
        [0.0, blend(color, "#ffffff", 0.75)],
        [0.5, blend(color, "#000000", 0.0)],
        [1.0, blend(color, "#000000", 0.45)],
    ]
    figure = go.Figure()
    for step, t, counts in zip(stack.steps.tolist(), when, stack.counts):
        x, y = _outline(stack.edges, counts)
        shade = sample_colorscale(scale, [(t - low) / (high - low) if high > low else 1.0])[0]
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"color": shade, "width": 1.2},
                customdata=_hover(step, stack.edges, counts),
                hovertemplate=_HOVER,
                name=f"step {step}",
                meta={"step": step},
            )
        )
    figure.add_trace(_colorbar(scale, low, high, stack, time_axis))
    yaxis = {"title": {"text": "count", "standoff": 4}, "zeroline": False}
    figure.update_layout(_layout(uirevision, stack, yaxis=yaxis))
    return figure


def _time_labels(steps: np.ndarray, positions: np.ndarray, time_axis: str) -> list[str]:
    """Return tick labels for time positions (from time_values) of the given steps."""
    if time_axis == "step":
        return [str(int(s)) for s in steps]
    if time_axis == "relative":
        return relative_labels(positions)
    return [pd.Timestamp(float(ms), unit="ms").strftime("%m-%d %H:%M") for ms in positions]


def relative_labels(hours: np.ndarray | Sequence[float]) -> list[str]:
    """Return labels for relative times given in hours, all in one unit chosen by the largest.

    Hours when the largest is at least two hours, else minutes when at least two minutes, else
    seconds: a 90-minute run reads "0 min ... 90 min", not "0 h ... 1.5 h" with "0.333 h" between.

    Args:
        hours: the times, in hours.

    Returns:
        One label per time, e.g. "1.5 h", "12 min", "30 s".
    """
    values = np.asarray(hours, dtype=np.float64)
    largest = float(np.abs(values).max()) if values.size else 0.0
    scale, unit = (1.0, "h") if largest >= 2.0 else (60.0, "min") if largest >= 2 / 60 else (3600.0, "s")
    return [f"{value * scale:.3g} {unit}" for value in values]


def _colorbar(scale: list[list[Any]], low: float, high: float, stack: _Stack, time_axis: str) -> go.Scatter:
    ends = [0, -1] if stack.steps.size else []
    labels = _time_labels(stack.steps[ends], np.array([low, high])[: len(ends)], time_axis)
    x0 = stack.edges[0] if stack.edges.size else 0.0
    return go.Scatter(
        x=[x0],
        y=[0.0],
        mode="markers",
        hoverinfo="skip",
        showlegend=False,
        meta={"role": "colorbar"},
        marker={
            "size": 0.1,
            "opacity": 0,
            "color": [high],
            "cmin": low,
            "cmax": high if high > low else low + 1,
            "colorscale": scale,
            "showscale": True,
            "colorbar": {
                "title": {"text": TIME_AXES[time_axis], "side": "right"},
                "thickness": 10,
                "tickvals": [low, high],
                "ticktext": labels,
                "outlinewidth": 0,
            },
        },
    )


def compare_figure(
    frames_by_run: Mapping[str, pd.DataFrame],
    step: int,
    colors: Mapping[str, str],
    *,
    bins: int = DEFAULT_BINS,
    normalize: bool = False,
    uirevision: str = "",
) -> go.Figure:
    """Overlay one tag's histogram at one step for every run (tensorflow/tensorboard#6206).

    A run without that exact step contributes its nearest logged step (ties: the earlier);
    the step used is in each trace's meta and hover.

    Args:
        frames_by_run: run -> that run's rows of the tag.
        step: the step to compare at.
        colors: run -> CSS colour.
        bins: shared bins all runs are re-binned onto.
        normalize: plot each run's fraction of its total count instead of the count.
        uirevision: Plotly's uirevision.

    Returns:
        The figure: one line per run with data (meta {"run": r, "step": s}), in the order
        given; layout.meta {"steps": {run: step used}}.
    """
    picked = {run: _nearest(frame, step) for run, frame in frames_by_run.items() if len(frame)}
    buckets = {run: bucket_edges(row) for run, row in picked.items()}
    edges = shared_edges(list(buckets.values()), bins)
    figure = go.Figure()
    for run, row in picked.items():
        counts = rebin(*buckets[run], edges)
        if normalize and counts.sum() > 0:
            counts = counts / counts.sum()
        x, y = _outline(edges, counts)
        used = int(row["step"])
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                name=escape(run),
                line={"color": colors.get(run, DEFAULT_COLOR), "width": 1.6},
                customdata=_hover(used, edges, counts),
                meta={"run": run, "step": used},
                hovertemplate="<b>%{fullData.name}</b><br>"
                + _HOVER.replace("count", "fraction" if normalize else "count", 1),
            )
        )
    layout = _layout(uirevision, None, yaxis={"title": {"text": "fraction" if normalize else "count", "standoff": 4}})
    layout.update(
        showlegend=True,
        legend={"orientation": "h", "y": -0.2, "font": {"size": 10}},
        meta={"steps": {run: int(row["step"]) for run, row in picked.items()}},
    )
    figure.update_layout(layout)
    return figure


def _nearest(frame: pd.DataFrame, step: int) -> dict[str, Any]:
    steps = frame["step"].to_numpy(np.int64)
    distance = np.abs(steps - step)
    candidates = np.flatnonzero(distance == distance.min())
    best = max(candidates, key=lambda i: (-steps[i], i))  # earliest step; last row logged for it
    return {str(key): value for key, value in frame.iloc[int(best)].to_dict().items()}


def _layout(uirevision: str, stack: _Stack | None, *, yaxis: dict[str, Any], height: int = 250) -> dict[str, Any]:
    meta = (
        {} if stack is None else {"shown": int(stack.steps.size), "total": stack.total, "steps": stack.steps.tolist()}
    )
    return {
        "template": "plotly_white",
        "margin": {"l": 8, "r": 12, "t": 8, "b": 8},
        "height": height,
        "font": {"size": 11},
        "hovermode": "closest",
        "showlegend": False,
        "xaxis": {"zeroline": False, "automargin": True},
        "yaxis": {"automargin": True, **yaxis},
        "uirevision": uirevision,
        "meta": meta,
    }
