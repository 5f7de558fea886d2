"""The Scalars page's ids, URL-borne view, sidebar controls, cards and downloads."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.components.chart_card import GRAPH_CONFIG, chart_card
from dashboard.components.controls import (
    DEFAULT_SMOOTHING,
    TIME_AXIS_LABELS,
    clamp_smoothing,
    radio_control,
    range_inputs,
    smoothing_control,
    toggles,
)
from dashboard.figures.scalars import X_AXES, ChartOptions, nonfinite_counts, scalar_figure, zoom_range
from dashboard.pages._grid import EmptyText
from dashboard.pages._view import View, number, switched

PAGE = "scalars"
DEFAULT_MAX_POINTS = 2000
TOGGLES = {"log_y": "Log-scale y axis", "outliers": "Ignore outliers in y range"}
EMPTY = EmptyText(
    "No scalar data was found",
    hint="Log a scalar with TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary); "
    "new points show up here while training runs.",
    code='writer.add_scalar("train/loss", loss, step)',
)
# The relative axis picks s, min, h or d by the runs' span, so its label names no unit.
X_AXIS_LABELS = {**TIME_AXIS_LABELS, "relative": "Relative"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class ids:  # noqa: N801 - a namespace
    """Ids of the Scalars page (plain strings for singletons, dicts for per-tag and per-section parts)."""

    smoothing = "scalars-smoothing"
    smoothing_input = "scalars-smoothing-input"
    x_axis = "scalars-x-axis"
    toggles = "scalars-toggles"
    y_min = "scalars-y-min"
    y_max = "scalars-y-max"
    export_csv = "scalars-export-csv"
    export_parquet = "scalars-export-parquet"
    export_download = "scalars-export-download"
    preload = "scalars-preload-plotly"
    tooltip_sort = "scalars-tooltip-sort"  # read by assets/scalars.js
    drag_smoothing = "scalars-drag-smoothing"

    @staticmethod
    def graph(tag: Any) -> dict[str, Any]:
        """The chart of one tag (keyed like the grid's card store, so MATCH pairs the two)."""
        return {"type": "scalars-graph", "key": tag}

    @staticmethod
    def zoom(tag: Any) -> dict[str, Any]:
        """Store of the chart's last x zoom or reset: the grid's card store, so a rebuilt card (new
        points, other smoothing) reads it back and stays zoomed. Data: see zoom_state."""
        return {"type": "grid-card", "page": PAGE, "key": tag}

    @staticmethod
    def download_csv(tag: Any) -> dict[str, Any]:
        """The card's CSV button."""
        return {"type": "scalars-download-csv", "tag": tag}

    @staticmethod
    def download_json(tag: Any) -> dict[str, Any]:
        """The card's JSON button."""
        return {"type": "scalars-download-json", "tag": tag}

    @staticmethod
    def download_tb_json(tag: Any) -> dict[str, Any]:
        """The card's "TB JSON" button (TensorBoard's [[wall_time, step, value], ...] per run)."""
        return {"type": "scalars-download-tb-json", "tag": tag}

    @staticmethod
    def download(tag: Any) -> dict[str, Any]:
        """The card's dcc.Download."""
        return {"type": "scalars-download", "tag": tag}


@dataclass(frozen=True)
class ScalarView(View):
    """Everything a Scalars link reproduces (the URL query), parsed tolerantly.

    Attributes:
        smoothing: EMA weight (query "smoothing", default 0.6).
        x_axis: "step" | "relative" | "wall" (query "x").
        log_y: log-scale y (query "logy").
        ignore_outliers: y range from the 5th–95th percentile (query "outliers"; on by default, as in
            TensorBoard, so one spike does not flatten the curve).
        y_min: manual lower y bound (query "ymin").
        y_max: manual upper y bound (query "ymax").
    """

    smoothing: float = DEFAULT_SMOOTHING
    x_axis: str = "step"
    log_y: bool = False
    ignore_outliers: bool = True
    y_min: float | None = None
    y_max: float | None = None

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return smoothing, axes and ranges from a URL query."""
        return {
            "smoothing": clamp_smoothing(urlstate.first(query.get("smoothing")), DEFAULT_SMOOTHING),
            "x_axis": urlstate.as_choice(query.get("x"), tuple(X_AXES), "step"),
            "log_y": urlstate.as_bool(query.get("logy"), False),
            "ignore_outliers": urlstate.as_bool(query.get("outliers"), True),
            "y_min": urlstate.as_optional_float(query.get("ymin")),
            "y_max": urlstate.as_optional_float(query.get("ymax")),
        }

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return smoothing, axes and ranges from the sidebar's controls (see controls)."""
        on = switched(values.get("toggles", ["outliers"]))
        x_axis = values.get("x")
        return {
            "smoothing": clamp_smoothing(values.get("smoothing"), DEFAULT_SMOOTHING),
            "x_axis": x_axis if isinstance(x_axis, str) and x_axis in X_AXES else "step",
            "log_y": "log_y" in on,
            "ignore_outliers": "outliers" in on,
            "y_min": number(values.get("ymin")),
            "y_max": number(values.get("ymax")),
        }

    def controls(self) -> dict[str, Any]:
        """Return the sidebar controls' values for this view."""
        return {
            "smoothing": self.smoothing,
            "x": self.x_axis,
            "toggles": self.switches(),
            "ymin": self.y_min,
            "ymax": self.y_max,
        }

    def options_query(self) -> dict[str, object]:
        """Return the query parameters of the options that differ from the defaults."""
        return {
            "smoothing": None if self.smoothing == DEFAULT_SMOOTHING else f"{self.smoothing:g}",
            "x": None if self.x_axis == "step" else self.x_axis,
            "logy": True if self.log_y else None,
            "outliers": None if self.ignore_outliers else False,
            "ymin": None if self.y_min is None else f"{self.y_min:g}",
            "ymax": None if self.y_max is None else f"{self.y_max:g}",
        }

    def chart_options(self, max_points: int = DEFAULT_MAX_POINTS) -> ChartOptions:
        """Return the figure options this view asks for."""
        return ChartOptions(
            smoothing=self.smoothing,
            x_axis=self.x_axis,
            log_y=self.log_y,
            ignore_outliers=self.ignore_outliers,
            y_min=self.y_min,
            y_max=self.y_max,
            max_points=max_points,
        )

    def switches(self) -> list[str]:
        """Return the toggle checklist's value."""
        return [key for key, on in (("log_y", self.log_y), ("outliers", self.ignore_outliers)) if on]


def controls(view: ScalarView, _context: object = None) -> list[Component]:
    """Return the sidebar's chart settings and export buttons (the template adds the filters and run picker)."""
    return [
        smoothing_control(ids.smoothing, ids.smoothing_input, view.smoothing),
        radio_control("Horizontal axis", ids.x_axis, X_AXIS_LABELS, view.x_axis),
        toggles(ids.toggles, TOGGLES, view.switches()),
        range_inputs("Y range", ids.y_min, ids.y_max, view.y_min, view.y_max),
        tooltip_sort_control(),
        dcc.Store(id=ids.drag_smoothing),
        html.Div(
            [
                html.Div("Export selection", className="field-label"),
                html.Div(
                    [
                        html.Button("CSV", id=ids.export_csv, n_clicks=0, className="small-button"),
                        html.Button("Parquet", id=ids.export_parquet, n_clicks=0, className="small-button"),
                    ],
                    className="button-row",
                ),
                dcc.Download(id=ids.export_download),
            ],
            className="field",
        ),
    ]


TOOLTIP_SORTS = {"default": "Default", "ascending": "Ascending", "descending": "Descending", "nearest": "Nearest"}


def tooltip_sort_control() -> html.Div:
    """Return the tooltip table's row order (TensorBoard's choices; nearest first, its default since 2.21).

    Only the browser reads it (assets/scalars.js); it persists in the browser's storage, not the URL."""
    return html.Div(
        [
            html.Div("Tooltip sorting", className="field-label"),
            dcc.RadioItems(
                id=ids.tooltip_sort,
                value="nearest",
                options=[{"label": text, "value": key} for key, text in TOOLTIP_SORTS.items()],
                className="radio-list",
                persistence=True,
                persistence_type="local",
            ),
        ],
        className="field",
    )


def preload_plotly() -> dcc.Graph:
    """Return a hidden, empty chart: it makes the browser fetch and start Plotly.js while the first
    cards are still computed on the server (dcc.Graph loads Plotly only when a chart mounts)."""
    return dcc.Graph(
        id=ids.preload,
        figure={"data": [], "layout": {}},
        config={"staticPlot": True},
        style={"display": "none"},
        className="preload-graph",
    )


def uirevision(tag: str, options: ChartOptions) -> str:
    """Return a chart's Plotly uirevision: the user's zoom lasts until the tag's axes change kind."""
    return f"{tag}|{options.x_axis}|{'log' if options.log_y else 'linear'}"


def zoom_state(tag: str, options: ChartOptions, zoom: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a card store's data: the tag, the axes, and the user's ranges (as Plotly gave them, or None)."""
    zoom = zoom or {}
    return {
        "tag": tag,
        "x": options.x_axis,
        "log": options.log_y,
        "x_range": _pair(zoom.get("x_range")),
        "y_range": _pair(zoom.get("y_range")),
    }


def _pair(value: Any) -> list[Any] | None:
    return list(value) if isinstance(value, (list, tuple)) and len(value) == 2 else None


def kept_zoom(tag: str, options: ChartOptions, shown: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the zoom (a card store's data) a card of this tag had on these axes (None: not zoomed)."""
    for state in shown:
        if state.get("tag") == tag and state.get("x") == options.x_axis and state.get("log") == options.log_y:
            if _pair(state.get("x_range")) or _pair(state.get("y_range")):
                return state
    return None


def zoomed_figure(
    tag: str, frame: pd.DataFrame, colors: Mapping[str, str], options: ChartOptions, zoom: Mapping[str, Any] | None
) -> go.Figure:
    """Return the chart of a tag drawn for the user's zoom (zoom_state data; None: everything).

    The points in the x range are drawn at full resolution, and the figure carries the user's own
    x and y ranges back, so a redraw (new points, another smoothing) keeps them until a double-click.
    """
    x_view = _pair((zoom or {}).get("x_range"))
    y_view = _pair((zoom or {}).get("y_range"))
    if x_view is not None:
        action, x_range = zoom_range({"xaxis.range": x_view}, options.x_axis)
        if action == "zoom":
            options = options.zoomed(x_range)
    figure = scalar_figure(frame, colors, options, uirevision=uirevision(tag, options))
    if x_view is not None:
        figure.update_layout(xaxis_range=x_view, xaxis_autorange=False)
    if y_view is not None:
        figure.update_layout(yaxis_range=y_view, yaxis_autorange=False)
    return figure


def card(
    tag: str,
    frame: pd.DataFrame,
    colors: Mapping[str, str],
    options: ChartOptions,
    zoom: Mapping[str, Any] | None = None,
) -> html.Div:
    """Return one tag's card: chart plus CSV/JSON download buttons.

    Args:
        tag: the tag.
        frame: its rows in the shown runs.
        colors: run -> colour.
        options: how to draw.
        zoom: the user's zoom on these axes (kept_zoom): the card draws it (zoomed_figure) and keeps it
            for the next rebuild.
    """
    runs = frame["run"].nunique()
    actions = [
        html.Button("CSV", id=ids.download_csv(tag), n_clicks=0, className="link-button", title="Download CSV"),
        html.Button("JSON", id=ids.download_json(tag), n_clicks=0, className="link-button", title="Download JSON"),
        html.Button(
            "TB JSON",
            id=ids.download_tb_json(tag),
            n_clicks=0,
            className="link-button",
            title="Download JSON in TensorBoard's format: {run: [[wall_time, step, value], ...]}",
        ),
        dcc.Download(id=ids.download(tag)),
        dcc.Store(id=ids.zoom(tag), data=zoom_state(tag, options, zoom)),
    ]
    subtitle = f"{runs} run{'s' if runs != 1 else ''} · {len(frame):,} points"
    for kind, count in nonfinite_counts(frame["value"].to_numpy(dtype=np.float64)).items():
        subtitle += f" · {count:,} {kind}"
    figure = zoomed_figure(tag, frame, colors, options, zoom)
    result = chart_card(tag, ids.graph(tag), figure, actions=actions, subtitle=subtitle)
    # A double-click autoscales (Plotly's "reset" would return to the ranges the last figure carried,
    # which are the user's zoom itself): TensorBoard's reset.
    graph = result.children[-1]
    if isinstance(graph, dcc.Graph):
        graph.config = {**GRAPH_CONFIG, "doubleClick": "autosize"}  # type: ignore[attr-defined]  # Dash prop, no stub
    return result


def download(frame: pd.DataFrame, name: str, fmt: str) -> dict[str, Any]:
    """Return a dcc.Download payload of a scalars frame.

    Args:
        frame: run, tag, step, wall_time, value rows.
        name: the file name without extension (made safe here).
        fmt: "csv", "json" (records; NaN and inf become null), "tb-json" (TensorBoard's multi-run
            format {run: [[wall_time, step, value], ...]}, NaN and inf as "NaN", "Infinity",
            "-Infinity" as TensorBoard writes them) or "parquet". JSON values are never rounded.

    Returns:
        The payload for dcc.Download's data.

    Raises:
        ValueError: fmt is not one of the four.
    """
    stem = _UNSAFE_FILENAME.sub("_", name).strip("_") or "scalars"
    if fmt == "csv":
        return dcc.send_data_frame(frame.to_csv, f"{stem}.csv", index=False)
    if fmt == "json":
        return _json_payload(_records(frame), f"{stem}.json")
    if fmt == "tb-json":
        return _json_payload(_tensorboard_json(frame), f"{stem}.tensorboard.json")
    if fmt == "parquet":
        return dcc.send_data_frame(frame.to_parquet, f"{stem}.parquet", index=False)
    raise ValueError(f"download format must be csv, json, tb-json or parquet, got {fmt!r}")


def _json_payload(content: Any, filename: str) -> dict[str, Any]:
    """Return a dcc.Download payload of JSON; floats are written at full (round-trip) precision."""
    text = json.dumps(content, allow_nan=False, separators=(",", ":"))
    return {"content": text, "filename": filename, "type": "application/json", "base64": False}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the frame's rows as dicts (NaN and inf values as None)."""
    columns = list(frame.columns)
    values = [_finite_or_none(frame[column].tolist()) for column in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _finite_or_none(values: list[Any]) -> list[Any]:
    return [None if isinstance(v, float) and not math.isfinite(v) else v for v in values]


_TB_NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _tensorboard_json(frame: pd.DataFrame) -> dict[str, list[list[Any]]]:
    """Return {run: [[wall_time, step, value], ...]}, as TensorBoard's scalars_multirun route answers."""
    out: dict[str, list[list[Any]]] = {}
    for run, group in frame.groupby("run", sort=True, observed=True):
        walls, steps = group["wall_time"].tolist(), group["step"].astype("int64").tolist()
        values = [
            v if math.isfinite(v) else ("NaN" if math.isnan(v) else _TB_NONFINITE[v]) for v in group["value"].tolist()
        ]
        out[str(run)] = [list(point) for point in zip(walls, steps, values)]
    return out
