"""Custom scalars charts: multiline charts through the Scalars builder, margin charts as a value in a filled band."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.scalars import X_AXES, ChartOptions, scalar_figure

DEFAULT_COLOR = "#607d8b"
BAND_OPACITY = 0.25
_MARGIN_HOVER = (
    "<b>%{fullData.name}</b><br>step %{customdata[0]}<br>value %{y:.6g}"
    "<br>lower %{customdata[1]:.6g}<br>upper %{customdata[2]:.6g}<extra></extra>"
)


def series_name(tag: str, run: str) -> str:
    """Return the name of one line of a custom chart: its tag and its run."""
    return f"{tag} · {run}"


def multiline_figure(
    frame: pd.DataFrame, colors: Mapping[str, str], options: ChartOptions, *, uirevision: str = ""
) -> go.Figure:
    """Build a multiline chart: one smoothed line per (tag, run), drawn by the Scalars builder.

    Args:
        frame: run, tag, step, wall_time, value rows of the matched tags (each line in point order).
        colors: series_name(tag, run) -> CSS colour.
        options: the Scalars options (smoothing, x axis, log y, outliers, y range, point budget).
        uirevision: Plotly's uirevision.

    Returns:
        scalar_figure's figure, its lines named and coloured by series; meta["run"] is the series name.
    """
    series = [series_name(tag, run) for tag, run in zip(frame["tag"].astype(str), frame["run"].astype(str))]
    lines = frame.assign(run=pd.Series(series, index=frame.index, dtype=object))
    return scalar_figure(lines, colors, options, uirevision=uirevision)


def margin_figure(
    frame: pd.DataFrame, colors: Mapping[str, str], options: ChartOptions, *, uirevision: str = ""
) -> go.Figure:
    """Build a margin chart: per (value tag, run) a line of the values in a filled lower–upper band.

    Smoothing does not apply (a smoothed band would no longer be the logged bounds); the x axis,
    log y and manual y range options do.

    Args:
        frame: run, tag (value tag), step, wall_time, value, lower, upper rows.
        colors: series_name(tag, run) -> CSS colour.
        options: the Scalars options (x_axis, log_y, y_min, y_max are used).
        uirevision: Plotly's uirevision.

    Returns:
        The figure; each trace carries meta {"run": series name, "role": "lower" | "upper" | "value"}.
    """
    traces: list[go.Scatter] = []
    for (tag, run), group in frame.groupby(["tag", "run"], sort=True):
        name = series_name(str(tag), str(run))
        traces.extend(_margin_traces(group, name, colors.get(name, DEFAULT_COLOR), options.x_axis))
    yaxis: dict[str, Any] = {"type": "log" if options.log_y else "linear", "zeroline": False, "automargin": False}
    if options.y_min is not None and options.y_max is not None and not options.log_y:
        yaxis["range"] = sorted([options.y_min, options.y_max])
    layout = {
        "template": "plotly_white",
        "margin": {"l": 52, "r": 14, "t": 8, "b": 40},
        "height": 250,
        "font": {"size": 11},
        "hovermode": "closest",
        "showlegend": False,
        "xaxis": {"title": {"text": X_AXES[options.x_axis], "standoff": 2}, "zeroline": False, "automargin": False},
        "yaxis": yaxis,
        "uirevision": uirevision,
    }
    return go.Figure(data=traces, layout=layout)


def _margin_traces(group: pd.DataFrame, name: str, color: str, x_axis: str) -> list[go.Scatter]:
    steps = group["step"].to_numpy(dtype=np.int64)
    x = _x(steps, group["wall_time"].to_numpy(dtype=np.float64), x_axis)
    lower, upper = (group[column].to_numpy(dtype=np.float64) for column in ("lower", "upper"))
    common = {"x": x, "name": name, "mode": "lines", "showlegend": False}
    edge = {**common, "line": {"width": 0, "color": color}, "hoverinfo": "skip"}
    return [
        go.Scatter(**edge, y=lower, meta={"run": name, "role": "lower"}),
        go.Scatter(**edge, y=upper, fill="tonexty", fillcolor=_transparent(color), meta={"run": name, "role": "upper"}),
        go.Scatter(
            **{**common, "mode": "lines+markers" if steps.size == 1 else "lines"},
            y=group["value"].to_numpy(dtype=np.float64),
            line={"color": color, "width": 1.6},
            marker={"color": color, "size": 6},
            customdata=np.column_stack([steps, lower, upper]),
            hovertemplate=_MARGIN_HOVER,
            meta={"run": name, "role": "value"},
        ),
    ]


def _x(steps: np.ndarray, walls: np.ndarray, x_axis: str) -> Any:
    if x_axis == "step":
        return steps
    if x_axis == "relative":
        return (walls - walls[0]) / 3600.0 if walls.size else walls
    offset = time.localtime(float(walls[0])).tm_gmtoff if walls.size else 0  # Plotly shows dates as given
    return pd.to_datetime(walls + offset, unit="s")


def _transparent(color: str) -> str:
    """Return a #rrggbb colour as rgba with the band's opacity (other colour forms are returned unchanged)."""
    if len(color) != 7 or not color.startswith("#"):
        return color
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {BAND_OPACITY})"
