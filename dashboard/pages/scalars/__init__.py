"""Scalars: one card per tag, one smoothed line per run, grouped by tag prefix; served at / and /scalars.

Smoothing (TensorBoard's debiased EMA) runs on the server over every point, then each line is
downsampled to about the chart's pixel width (first/last/min/max per bucket) and re-queried at
full resolution when the user zooms. The view lives in the URL query (see ScalarView).
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, ctx, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback, clientside
from dashboard.components import run_picker
from dashboard.components.controls import synced_smoothing
from dashboard.pages import _grid
from dashboard.pages._view import names
from dashboard.pages.scalars.view import (
    DEFAULT_MAX_POINTS,
    EMPTY,
    PAGE,
    ScalarView,
    card,
    controls,
    download,
    ids,
    kept_zoom,
    preload_plotly,
    zoomed_figure,
)

__all__ = ["GRID", "ids", "layout"]


def cards(request: _grid.CardRequest) -> list[Component]:
    """Return the cards of these tags (tags without data in the shown runs get none)."""
    source = request.source
    by_tag = source.scalar_series_by_tag(request.runs, request.tags)
    options = request.view.chart_options(source.settings.max_points("scalars", DEFAULT_MAX_POINTS))
    colors = source.run_colors()
    shown = [state for state in request.shown if isinstance(state, dict)]
    return [
        card(tag, by_tag[tag], colors, options, kept_zoom(tag, options, shown)) for tag in request.tags if tag in by_tag
    ]


# A group's first cards come in the section callback's answer, the rest in a second one, so the
# browser paints the first charts while the server builds the others.
GRID = _grid.GridPage(
    PAGE, "scalars", ScalarView, EMPTY, cards, sidebar=controls, first_cards=2, extra=lambda: [preload_plotly()]
)
_PLOTTED = run_picker.ids.plotted(PAGE)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see ScalarView)."""
    return _grid.layout(GRID, query)


collect_view = _grid.collect(
    PAGE,
    smoothing=Input(ids.smoothing, "value"),
    x=Input(ids.x_axis, "value"),
    toggles=Input(ids.toggles, "value"),
    ymin=Input(ids.y_min, "value"),
    ymax=Input(ids.y_max, "value"),
)


@callback(
    Output(ids.smoothing, "value"),
    Output(ids.smoothing_input, "value"),
    Input(ids.smoothing, "value"),
    Input(ids.smoothing_input, "value"),
    prevent_initial_call=True,
)
def sync_smoothing(slider: Any, box: Any) -> tuple[Any, Any]:
    """Keep the slider and the number box equal (the one the user moved wins; clamped to [0, 0.999])."""
    return synced_smoothing(slider, box, box_moved=ctx.triggered_id == ids.smoothing_input)


# While the slider is dragged the browser smooths the points it holds (assets/scalars.js); the
# release sets the slider's value and the server's exact lines replace them.
drag_smoothing = clientside(
    "function(weight) { return window.eventscopeScalars.dragSmoothing(weight); }",
    Output(ids.drag_smoothing, "data"),
    Input(ids.smoothing, "drag_value"),
    prevent_initial_call=True,
)


# Zooms, pans and resets go to the server; Plotly's other relayout events (autosize, drag mode)
# would cost a round trip each. The store (the grid's card store) keeps the user's x and y ranges
# with the tag and axes they were made on, so a rebuilt card (new points, other smoothing) draws
# them again: Plotly's uirevision alone does not keep them through dcc.Graph's redraws.
forward_zoom = clientside(
    """
    function(relayout, view, state) {
        if (!relayout) { return window.dash_clientside.no_update; }
        var toggles = (view && Array.isArray(view.toggles)) ? view.toggles : [];
        var x = (view && view.x) || "step", log = toggles.indexOf("log_y") >= 0;
        var same = state && state.x === x && state.log === log;
        var next = {"tag": state && state.tag, "x": x, "log": log,
                    "x_range": same ? state.x_range : null, "y_range": same ? state.y_range : null};
        var changed = false;
        ["x", "y"].forEach(function (axis) {
            var name = axis + "axis", key = axis + "_range";
            if (relayout[name + ".autorange"]) {
                next[key] = null; changed = true;
            } else if (Array.isArray(relayout[name + ".range"])) {
                next[key] = relayout[name + ".range"].slice(0, 2); changed = true;
            } else if (relayout[name + ".range[0]"] !== undefined && relayout[name + ".range[1]"] !== undefined) {
                next[key] = [relayout[name + ".range[0]"], relayout[name + ".range[1]"]]; changed = true;
            }
        });
        if (!changed) { return window.dash_clientside.no_update; }
        next["_at"] = Date.now();
        return next;
    }
    """,
    Output(ids.zoom(MATCH), "data"),
    Input(ids.graph(MATCH), "relayoutData"),
    State(_grid.ids.view(PAGE), "data"),
    State(ids.zoom(MATCH), "data"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.graph(MATCH), "figure"),
    Input(ids.zoom(MATCH), "data"),
    State(_grid.ids.view(PAGE), "data"),
    State(_PLOTTED, "data"),
    prevent_initial_call=True,
)
def zoom(state: Any, view: Any, plotted: Any) -> Any:
    """Redraw a chart for the user's zoom: the x range at full resolution, with the user's ranges;
    a double-click (both ranges reset) redraws everything."""
    if not isinstance(state, dict) or not {"x_range", "y_range"} & state.keys():
        return no_update
    options = ScalarView.from_controls(view)
    source = data.current()
    tag = ctx.triggered_id["key"]
    chart = options.chart_options(source.settings.max_points("scalars", DEFAULT_MAX_POINTS))
    zoom_on = state if state.get("x") == chart.x_axis and state.get("log") == chart.log_y else None
    frame = source.scalar_series(names(plotted), [tag])
    return zoomed_figure(tag, frame, source.run_colors(), chart, zoom_on)


@callback(
    Output(ids.download(MATCH), "data"),
    Input(ids.download_csv(MATCH), "n_clicks"),
    Input(ids.download_json(MATCH), "n_clicks"),
    Input(ids.download_tb_json(MATCH), "n_clicks"),
    State(_PLOTTED, "data"),
    prevent_initial_call=True,
)
def download_card(csv_clicks: Any, json_clicks: Any, tb_json_clicks: Any, plotted: Any) -> Any:
    """Send one tag's points of every plotted run as CSV, JSON records or TensorBoard's JSON."""
    if not (csv_clicks or json_clicks or tb_json_clicks):
        return no_update
    tag = ctx.triggered_id["tag"]
    kind = ctx.triggered_id["type"]
    fmt = {ids.download_csv(tag)["type"]: "csv", ids.download_tb_json(tag)["type"]: "tb-json"}.get(kind, "json")
    return download(data.current().scalar_series(names(plotted), [tag]), f"scalars_{tag}", fmt)


@callback(
    Output(ids.export_download, "data"),
    Input(ids.export_csv, "n_clicks"),
    Input(ids.export_parquet, "n_clicks"),
    State(_PLOTTED, "data"),
    State(run_picker.ids.tag_regex(PAGE), "value"),
    prevent_initial_call=True,
)
def export_selection(csv_clicks: Any, parquet_clicks: Any, plotted: Any, tag_regex: Any) -> Any:
    """Send every plotted run × shown tag as one CSV or Parquet file."""
    if not (csv_clicks or parquet_clicks):
        return no_update
    source = data.current()
    runs = names(plotted)
    tags = GRID.tags_of(source, runs, tag_regex)
    fmt = "csv" if ctx.triggered_id == ids.export_csv else "parquet"
    return download(source.scalar_series(runs, tags), "scalars_selection", fmt)
