"""Profile figures: step-time breakdown bars, the WebGL trace lanes, top kernels, the memory curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

CATEGORY_COLORS = {
    "kernel": "#4285f4",
    "memcpy": "#fbbc04",
    "memset": "#f29900",
    "communication": "#a142f4",
    "runtime": "#ea4335",
    "dataloader": "#34a853",
    "cpu_exec": "#9aa0a6",
    "other": "#dadce0",
}
CATEGORY_LABELS = {
    "kernel": "Kernel",
    "memcpy": "Memcpy",
    "memset": "Memset",
    "communication": "Communication",
    "runtime": "Runtime",
    "dataloader": "DataLoader",
    "cpu_exec": "CPU Exec",
    "other": "Other",
}
KIND_COLORS = {
    "kernel": "#4285f4",
    "memcpy": "#fbbc04",
    "memset": "#f29900",
    "communication": "#a142f4",
    "runtime": "#ea4335",
    "op": "#5f6368",
    "annotation": "#80868b",
    "python": "#b0bec5",
    "step": "#1e8e3e",
    "dataloader": "#34a853",
}
LANE_PX = 18
_MARGIN = {"l": 10, "r": 10, "t": 30, "b": 40}


def step_breakdown(breakdown: pd.DataFrame, steps: pd.DataFrame) -> go.Figure:
    """Return stacked bars of step time per step (ms) by category, plus an "Average" bar."""
    figure = go.Figure()
    labels = [str(step) for step in steps["step"]] + ["Average"]
    for category, color in CATEGORY_COLORS.items():
        part = breakdown[breakdown["category"] == category].set_index("step")["dur_ns"]
        values = part.reindex(steps["step"]).fillna(0).to_numpy() / 1e6
        values = np.append(values, values.mean() if len(values) else 0.0)
        figure.add_bar(
            x=labels,
            y=values,
            name=CATEGORY_LABELS[category],
            marker_color=color,
            hovertemplate=f"{CATEGORY_LABELS[category]}: %{{y:.3f}} ms<extra>step %{{x}}</extra>",
        )
    figure.update_layout(
        barmode="stack",
        margin=_MARGIN,
        height=340,
        legend={"orientation": "h", "y": -0.2},
        xaxis={"title": "step", "type": "category"},
        yaxis={"title": "step time (ms)"},
        template="plotly_white",
    )
    return figure


def trace(segments: pd.DataFrame, tracks: pd.DataFrame, rows: int, window: tuple[float, float]) -> go.Figure:
    """Return the trace viewer: one WebGL line trace per event kind, each event a thick horizontal segment.

    Args:
        segments: from dashboard.data.profile.trace_window (row, lane, start_ns, end_ns, name, kind, count).
        tracks: track, first_row, rows (drawing order).
        rows: the number of lanes.
        window: the visible x range in µs.

    Returns:
        The figure; x is µs from the capture start, y the lanes (top to bottom); each segment's
        midpoint carries its event row as customdata for clicks.
    """
    figure = go.Figure()
    for kind, group in segments.groupby("kind", sort=True):
        x = np.empty(len(group) * 3)
        y = np.empty(len(group) * 3)
        x[0::3], x[1::3], x[2::3] = group["start_ns"] / 1000, group["end_ns"] / 1000, np.nan
        y[0::3] = y[1::3] = group["lane"]
        y[2::3] = np.nan
        figure.add_trace(
            go.Scattergl(
                x=x,
                y=y,
                mode="lines",
                line={"width": LANE_PX * 0.7, "color": KIND_COLORS.get(str(kind), "#9aa0a6")},
                name=str(kind),
                hoverinfo="skip",
                legendgroup=str(kind),
            )
        )
    if len(segments):
        mid = (segments["start_ns"] + segments["end_ns"]) / 2000
        dur = (segments["end_ns"] - segments["start_ns"]) / 1000
        figure.add_trace(
            go.Scattergl(
                x=mid,
                y=segments["lane"],
                mode="markers",
                marker={"size": LANE_PX * 0.7, "opacity": 0.01, "color": "#000"},
                customdata=segments["row"],
                hovertext=[f"{n}<br>{d:.2f} µs" for n, d in zip(segments["name"], dur)],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
                name="events",
            )
        )
    shapes = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": first - 0.5,
            "y1": first + count - 0.5,
            "fillcolor": "#f1f3f4" if i % 2 else "#ffffff",
            "line": {"width": 0},
            "layer": "below",
        }
        for i, (first, count) in enumerate(zip(tracks["first_row"], tracks["rows"]))
    ]
    figure.update_layout(
        margin={"l": 260, "r": 10, "t": 10, "b": 40},
        height=max(200, min(rows, 60) * LANE_PX + 60),
        showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        xaxis={"title": "time (µs)", "range": list(window), "showgrid": True, "zeroline": False},
        yaxis={
            "range": [min(rows, 60) - 0.5, -0.5],
            "tickvals": list(tracks["first_row"]),
            "ticktext": [_short(track) for track in tracks["track"]],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": False,
        },
        dragmode="zoom",
        uirevision="trace",
        template="plotly_white",
        shapes=shapes,
        hovermode="closest",
    )
    return figure


def step_bands(figure: go.Figure, steps: pd.DataFrame) -> go.Figure:
    """Add a labelled band per step (alternate steps shaded) on top of the trace."""
    for i, (step, start, end) in enumerate(steps[["step", "start_ns", "end_ns"]].itertuples(index=False)):
        figure.add_vrect(
            x0=start / 1000,
            x1=end / 1000,
            fillcolor="#1e8e3e",
            opacity=0.06 if i % 2 == 0 else 0.12,
            line_width=0,
            annotation_text=f"step {step}",
            annotation_position="top left",
            annotation_font_size=10,
        )
    return figure


def _short(track: str, limit: int = 38) -> str:
    return track if len(track) <= limit else "…" + track[-(limit - 1) :]


def top_kernels(kernels: pd.DataFrame, n: int = 10) -> go.Figure:
    """Return horizontal bars of the n kernels with the most total time (ms), tensor-core kernels marked."""
    by_name = kernels.groupby("name", sort=False).agg(total_ns=("total_ns", "sum"), tc=("tensor_cores", "any"))
    top = by_name.nlargest(n, "total_ns").iloc[::-1]
    figure = go.Figure(
        go.Bar(
            x=top["total_ns"] / 1e6,
            y=list(range(len(top))),
            orientation="h",
            marker_color=["#1e8e3e" if tc else "#4285f4" for tc in top["tc"]],
            hovertext=list(top.index),
            hovertemplate="%{hovertext}<br>%{x:.3f} ms<extra></extra>",
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        height=60 + 28 * len(top),
        xaxis={"title": "total time (ms)"},
        yaxis={"automargin": True, "tickvals": list(range(len(top))), "ticktext": [_short(n, 60) for n in top.index]},
        template="plotly_white",
        title={"text": "Top kernels (green: uses Tensor Cores)", "font": {"size": 13}},
    )
    return figure


def memory_curve(memory: pd.DataFrame) -> go.Figure:
    """Return allocated and reserved memory (MB) over time (ms) per device, as steps."""
    figure = go.Figure()
    for device, group in memory.groupby("device", sort=True):
        for column, dash in (("allocated", "solid"), ("reserved", "dot")):
            values = group[column]
            if values.notna().any():
                figure.add_trace(
                    go.Scattergl(
                        x=group["start_ns"] / 1e6,
                        y=values / 2**20,
                        mode="lines",
                        line={"shape": "hv", "dash": dash},
                        name=f"{device} {column}",
                    )
                )
    figure.update_layout(
        margin=_MARGIN,
        height=360,
        xaxis={"title": "time (ms)"},
        yaxis={"title": "memory (MB)"},
        dragmode="select",
        template="plotly_white",
        legend={"orientation": "h", "y": -0.25},
        uirevision="memory",
    )
    return figure
