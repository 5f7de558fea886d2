"""HParams figures: parallel coordinates, the metrics-vs-hparams scatter matrix and parameter importance bars."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.plotly_text import escape

COLORSCALE = "Viridis"
MAX_MATRIX_HPARAMS = 8
MAX_MATRIX_METRICS = 6
_FONT = {"size": 11}


@dataclass(frozen=True)
class Axis:
    """One axis of the parallel coordinates plot.

    Attributes:
        name: the column.
        categories: the value labels of a categorical axis, in order (empty: numeric).
        log: logarithmic scale (numeric axes; values <= 0 are left off the axis).
        kept: for a numeric axis, the (min, max) a filter keeps (either None: open); for a
            categorical one, the labels it keeps. None: no filter (nothing is brushed).
    """

    name: str
    categories: tuple[str, ...] = ()
    log: bool = False
    kept: tuple[float | None, float | None] | tuple[str, ...] | None = None


def parallel_coordinates(frame: pd.DataFrame, axes: Sequence[Axis], color_by: str | None) -> go.Figure:
    """Build the parallel coordinates plot: one line per session, one axis per hparam and metric.

    Args:
        frame: sessions; categorical columns hold value labels (strings), numeric ones numbers.
        axes: the axes, left to right; their filters are drawn as brushed ranges.
        color_by: the metric colouring the lines (None or a missing column: one colour).

    Returns:
        The figure; layout.meta = {"axes": [{"name", "categories", "log"}]} lets a brush be read back.
    """
    dimensions = [_dimension(frame, axis) for axis in axes]
    line: dict[str, Any] = {"color": "#1f77b4"}
    if color_by and color_by in frame and len(frame) and pd.to_numeric(frame[color_by], errors="coerce").notna().any():
        values = pd.to_numeric(frame[color_by], errors="coerce").to_numpy(dtype="float64")
        line = {
            "color": np.nan_to_num(values, nan=float(np.nanmin(values))).tolist(),
            "colorscale": COLORSCALE,
            "showscale": True,
            "colorbar": {"title": {"text": escape(color_by), "side": "right"}, "thickness": 12},
        }
    figure = go.Figure(go.Parcoords(dimensions=dimensions, line=line, labelangle=-15, labelside="top"))
    figure.update_layout(
        margin={"l": 60, "r": 40, "t": 70, "b": 30},
        height=380,
        font=_FONT,
        meta={"axes": [{"name": a.name, "categories": list(a.categories), "log": a.log} for a in axes]},
        uirevision="hparams-parcoords",
    )
    return figure


def _dimension(frame: pd.DataFrame, axis: Axis) -> dict[str, Any]:
    title = escape(axis.name) + (" (log)" if axis.log else "")
    if axis.categories:
        codes = {text: i for i, text in enumerate(axis.categories)}
        values = [codes.get(str(v), math.nan) for v in frame[axis.name]] if axis.name in frame else []
        dimension: dict[str, Any] = {
            "label": title,
            "values": values,
            "tickvals": list(range(len(axis.categories))),
            "ticktext": [escape(c) for c in axis.categories],
            "range": [-0.5, max(len(axis.categories) - 0.5, 0.5)],
        }
        if isinstance(axis.kept, tuple) and axis.kept and all(isinstance(k, str) for k in axis.kept):
            ranges = [[codes[k] - 0.4, codes[k] + 0.4] for k in axis.kept if k in codes]
            if ranges:
                dimension["constraintrange"] = ranges if len(ranges) > 1 else ranges[0]
        return dimension
    numbers = pd.to_numeric(frame[axis.name], errors="coerce") if axis.name in frame else pd.Series(dtype="float64")
    raw = numbers.to_numpy(dtype="float64")
    if axis.log:
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where(raw > 0, np.log10(raw), np.nan)
    dimension = {"label": title, "values": [None if math.isnan(v) else float(v) for v in raw]}
    finite = raw[np.isfinite(raw)]
    if finite.size:
        low, high = float(np.min(finite)), float(np.max(finite))
        pad = (high - low) * 0.05 or 0.5
        dimension["range"] = [low - pad, high + pad]
        if axis.log:
            ticks = np.arange(math.floor(low - pad), math.ceil(high + pad) + 1)
            dimension["tickvals"] = ticks.tolist()
            dimension["ticktext"] = [f"{10.0**t:g}" for t in ticks]
        constraint = _numeric_constraint(axis, (low - pad, high + pad))
        if constraint is not None:
            dimension["constraintrange"] = constraint
    return dimension


def _numeric_constraint(axis: Axis, bounds: tuple[float, float]) -> list[float] | None:
    if not isinstance(axis.kept, tuple) or len(axis.kept) != 2 or any(isinstance(k, str) for k in axis.kept):
        return None
    low, high = (k if isinstance(k, (int, float)) else None for k in axis.kept)
    if low is None and high is None:
        return None

    def scaled(value: float | None, default: float) -> float:
        if value is None or (axis.log and value <= 0):
            return default
        return math.log10(value) if axis.log else float(value)

    return [scaled(low, bounds[0]), scaled(high, bounds[1])]


def scatter_matrix(
    frame: pd.DataFrame, hparams: Sequence[str], metrics: Sequence[str], color_by: str | None, selected: str = ""
) -> go.Figure:
    """Build the scatter plot matrix: one row per metric, one column per hparam, a point per session.

    Args:
        frame: sessions (with a "session" column).
        hparams: hparam columns (the first MAX_MATRIX_HPARAMS are drawn).
        metrics: metric columns (the first MAX_MATRIX_METRICS are drawn).
        color_by: the metric colouring the points (None: one colour).
        selected: a session drawn larger and outlined.

    Returns:
        The figure; each point's customdata is its session (a click selects it).
    """
    cols, rows = list(hparams)[:MAX_MATRIX_HPARAMS], list(metrics)[:MAX_MATRIX_METRICS]
    if not cols or not rows:
        return _note("Scatter plot matrix needs at least one hparam and one metric")
    figure = make_subplots(
        rows=len(rows), cols=len(cols), shared_xaxes=True, shared_yaxes=True, horizontal_spacing=0.02,
        vertical_spacing=0.03,
    )  # fmt: skip
    colors = _colors(frame, color_by)
    sizes = [12 if s == selected else 7 for s in frame["session"]] if "session" in frame else 7
    for r, metric in enumerate(rows, start=1):
        for c, hparam in enumerate(cols, start=1):
            figure.add_trace(
                go.Scatter(
                    x=_axis_values(frame[hparam]),
                    y=frame[metric],
                    mode="markers",
                    marker={
                        "color": colors,
                        "colorscale": COLORSCALE,
                        "size": sizes,
                        "line": {"width": 0.5, "color": "#333"},
                    },
                    customdata=frame["session"] if "session" in frame else None,
                    hovertemplate=(
                        f"<b>%{{customdata}}</b><br>{escape(hparam)} %{{x}}"
                        f"<br>{escape(metric)} %{{y:.6g}}<extra></extra>"
                    ),
                    showlegend=False,
                ),
                row=r,
                col=c,
            )
            if r == len(rows):
                figure.update_xaxes(title_text=escape(hparam), row=r, col=c)
            if c == 1:
                figure.update_yaxes(title_text=escape(metric), row=r, col=c)
    figure.update_layout(
        height=max(260, 200 * len(rows) + 60), margin={"l": 70, "r": 20, "t": 20, "b": 60}, font=_FONT,
        uirevision="hparams-matrix",
    )  # fmt: skip
    return figure


def _axis_values(values: pd.Series) -> list[Any]:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return [None if pd.isna(v) else float(v) for v in values]
    return [str(v).lower() if isinstance(v, (bool, np.bool_)) else str(v) for v in values]


def _colors(frame: pd.DataFrame, color_by: str | None) -> Any:
    if not color_by or color_by not in frame:
        return "#1f77b4"
    values = pd.to_numeric(frame[color_by], errors="coerce")
    if values.notna().sum() == 0:
        return "#1f77b4"
    return values.fillna(values.min()).tolist()


def importance_figure(table: pd.DataFrame, metrics: Sequence[str]) -> go.Figure:
    """Build one horizontal bar chart per metric: |Spearman rho| of each hparam with that metric.

    Args:
        table: dashboard.data.hparams.importance's frame (metric, hparam, importance, rho, sessions).
        metrics: the metrics, in the order of the panels.

    Returns:
        The figure (a note when no pair could be scored).
    """
    shown = [m for m in metrics if (table["metric"] == m).any()] if not table.empty else []
    if not shown:
        return _note("Parameter importance needs at least 3 sessions with varying hparams and metric values")
    figure = make_subplots(rows=1, cols=len(shown), subplot_titles=[escape(m) for m in shown], horizontal_spacing=0.08)
    for c, metric in enumerate(shown, start=1):
        part = table[table["metric"] == metric].sort_values("importance")
        figure.add_trace(
            go.Bar(
                x=part["importance"],
                y=[escape(h) for h in part["hparam"]],
                orientation="h",
                marker={"color": ["#2e7d32" if rho >= 0 else "#c62828" for rho in part["rho"]]},
                customdata=np.stack([part["rho"], part["sessions"]], axis=-1),
                hovertemplate="%{y}<br>|ρ| %{x:.3f} (ρ %{customdata[0]:.3f}, %{customdata[1]} sessions)<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=c,
        )
        figure.update_xaxes(range=[0, 1], title_text="|Spearman ρ|", row=1, col=c)
    height = max(220, 28 * int(table.groupby("metric").size().max()) + 100)
    figure.update_layout(height=height, margin={"l": 110, "r": 20, "t": 40, "b": 50}, font=_FONT)
    return figure


def _note(text: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        height=160,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": escape(text), "showarrow": False, "font": {"size": 13, "color": "#666"}}],
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def brushed(restyle: Any, figure: Any) -> dict[str, tuple[float | None, float | None, tuple[str, ...]]]:
    """Read a parallel-coordinates brush back into filter values.

    Args:
        restyle: the graph's restyleData, e.g. [{"dimensions[2].constraintrange": [[0.1, 0.4]]}, [0]].
        figure: the figure drawn (its layout.meta names each axis, see parallel_coordinates).

    Returns:
        column -> (min, max, ()) for a numeric axis (in data units; both None when the brush was
        cleared), or (None, None, kept labels) for a categorical axis (every label when cleared).
        Anything unreadable gives {}.
    """
    if not isinstance(restyle, list) or not restyle or not isinstance(restyle[0], dict) or not isinstance(figure, dict):
        return {}
    meta = (figure.get("layout") or {}).get("meta") if isinstance(figure.get("layout"), dict) else None
    axes = meta.get("axes") if isinstance(meta, dict) else None
    if not isinstance(axes, list):
        return {}
    found: dict[str, tuple[float | None, float | None, tuple[str, ...]]] = {}
    for key, value in restyle[0].items():
        index = _dimension_index(key)
        if index is None or not 0 <= index < len(axes) or not isinstance(axes[index], dict):
            continue
        axis = axes[index]
        ranges = _ranges(value)
        categories = [str(c) for c in axis.get("categories") or []]
        if categories:
            kept = [c for i, c in enumerate(categories) if not ranges or any(lo <= i <= hi for lo, hi in ranges)]
            found[str(axis.get("name"))] = (None, None, tuple(kept) or ("",))
        elif ranges:
            low, high = min(lo for lo, _ in ranges), max(hi for _, hi in ranges)
            if axis.get("log"):
                low, high = 10.0**low, 10.0**high
            found[str(axis.get("name"))] = (float(f"{low:.4g}"), float(f"{high:.4g}"), ())
        else:
            found[str(axis.get("name"))] = (None, None, ())
    return found


def _dimension_index(key: Any) -> int | None:
    if not isinstance(key, str) or not key.startswith("dimensions[") or not key.endswith("].constraintrange"):
        return None
    inner = key[len("dimensions[") : -len("].constraintrange")]
    return int(inner) if inner.isdigit() else None


def _ranges(value: Any) -> list[tuple[float, float]]:
    """Return the [lo, hi] pairs of a constraintrange value (one pair, a list of pairs, or a list holding them)."""
    while isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    pairs = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    found = []
    for pair in pairs:
        if (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pair)
        ):
            found.append((float(min(pair)), float(max(pair))))
    return found
