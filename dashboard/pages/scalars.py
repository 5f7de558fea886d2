"""Scalars: one card per tag, one smoothed line per run, grouped by tag prefix; served at / and /scalars.

Smoothing (TensorBoard's debiased EMA) runs on the server over every point, then each line is
downsampled to about the chart's pixel width (first/last/min/max per bucket) and re-queried at
full resolution when the user zooms. The view lives in the URL query (see ScalarView).
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback, clientside
from dashboard.components import run_picker, section_list, tag_sections
from dashboard.components.scalar_views import (
    DEFAULT_MAX_POINTS,
    PAGE,
    ScalarView,
    card,
    download,
    page_class,
    preload_plotly,
    sections_view,
    sidebar,
)
from dashboard.components.scalar_views import ids as ids
from dashboard.components.shell import ids as shell_ids
from dashboard.figures.scalars import scalar_figure, zoom_range
from dashboard.urlstate import compile_filter

PATH = "/scalars"
TITLE = "Scalars"

_VIEW = [Input(ids.smoothing, "value"), Input(ids.x_axis, "value"), Input(ids.toggles, "value"),
         Input(ids.y_min, "value"), Input(ids.y_max, "value")]
_VIEW_STATE = [State(dependency.component_id, dependency.component_property) for dependency in _VIEW]
# A group's first cards come in the section callback's answer, the rest in a second one, so the
# browser paints the first charts while the server builds the others.
FIRST_CARDS = 2


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see ScalarView)."""
    source = data.current()
    runs = source.runs()
    view = ScalarView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = source.scalar_tags(plotted, compile_filter(view.tag_regex)[0])
    has_scalars = source.has_scalars()
    children, summary = sections_view(status.state, status.message, has_scalars, tags, {})
    return html.Div([
        sidebar(view, runs),
        html.Main([
            html.Div(summary, id=ids.summary, className="summary-line"),
            dcc.Loading(html.Div(children, id=ids.sections), delay_show=400, type="circle"),
        ], className="main"),
        preload_plotly(),
    ], id=ids.page, className=page_class(status.state, has_scalars))


@callback(
    Output(ids.smoothing, "value"),
    Output(ids.smoothing_input, "value"),
    Input(ids.smoothing, "value"),
    Input(ids.smoothing_input, "value"),
    prevent_initial_call=True,
)
def sync_smoothing(slider: float | None, box: float | None) -> tuple[Any, Any]:
    """Keep the slider and the number box equal (the one the user moved wins; clamped to [0, 0.999])."""
    moved = box if ctx.triggered_id == ids.smoothing_input else slider
    if moved is None:
        return no_update, no_update
    value = ScalarView.from_controls(moved, None, None, None, None).smoothing
    return (value if value != slider else no_update), (value if value != box else no_update)


render_sections = section_list.sections_callback(__name__, section_list.SectionList(
    PAGE, ids.page, ids.sections, ids.summary, ids.plotted, ids.tag_regex,
    lambda source, runs, pattern: source.scalar_tags(runs, pattern), lambda source: source.has_scalars(),
    sections_view, page_class))


# What a section's cards depend on (render_section and render_rest take the same arguments).
_SECTION = [Input(tag_sections.ids.summary(PAGE, MATCH), "n_clicks"),
            Input(tag_sections.ids.pager(PAGE, MATCH), "value"), *_VIEW, Input(ids.plotted, "data"),
            Input(shell_ids.version, "data"), State(tag_sections.ids.state(PAGE, MATCH), "data")]


@callback(Output(tag_sections.ids.body(PAGE, MATCH), "children"), *_SECTION)
def render_section(clicks: int | None, page: int | None, smoothing: Any, x_axis: Any, switches: list[str] | None,
                   y_min: Any, y_max: Any, plotted: list[str] | None, _version: str | None,
                   state: dict[str, Any] | None) -> list[Component]:
    """Build the first FIRST_CARDS cards of one open section's current page (a closed section builds nothing)."""
    return _section_cards(clicks, page, state, ScalarView.from_controls(smoothing, x_axis, switches, y_min, y_max),
                          plotted, slice(0, FIRST_CARDS))


@callback(Output(tag_sections.ids.rest(PAGE, MATCH), "children"), *_SECTION)
def render_rest(clicks: int | None, page: int | None, smoothing: Any, x_axis: Any, switches: list[str] | None,
                y_min: Any, y_max: Any, plotted: list[str] | None, _version: str | None,
                state: dict[str, Any] | None) -> list[Component]:
    """Build the other cards of that page, in a request of its own: the browser paints the first
    cards while the server still builds these."""
    return _section_cards(clicks, page, state, ScalarView.from_controls(smoothing, x_axis, switches, y_min, y_max),
                          plotted, slice(FIRST_CARDS, None))


def _section_cards(clicks: int | None, page: int | None, state: dict[str, Any] | None, view: ScalarView,
                   plotted: list[str] | None, part: slice) -> list[Component]:
    """Return the cards of one part of an open section's current page ([] for a closed section)."""
    if not state or not tag_sections.is_open(state, clicks):
        return []
    return _cards(tag_sections.page_slice(state["tags"], page)[part], view, plotted)


def _cards(tags: list[str], view: ScalarView, plotted: list[str] | None) -> list[Component]:
    """Return the cards of these tags (tags without data in the plotted runs get none)."""
    if not tags:
        return []
    source = data.current()
    by_tag = source.scalar_series_by_tag(plotted or [], tags)
    options = view.chart_options(source.settings.max_points("scalars", DEFAULT_MAX_POINTS))
    colors = source.run_colors()
    return [card(tag, by_tag[tag], colors, options) for tag in tags if tag in by_tag]


# Only x zooms and resets go to the server; Plotly's other relayout events (autosize, y-only
# zoom, drag mode) would cost a round trip each and could race with the zoom's own answer.
forward_zoom = clientside(
    """
    function(relayout) {
        if (relayout && (relayout["xaxis.autorange"] || relayout["xaxis.range"]
                         || relayout["xaxis.range[0]"] !== undefined)) {
            return Object.assign({}, relayout, {"_at": Date.now()});
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(ids.zoom(MATCH), "data"),
    Input(ids.graph(MATCH), "relayoutData"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.graph(MATCH), "figure"),
    Input(ids.zoom(MATCH), "data"),
    *_VIEW_STATE,
    State(ids.plotted, "data"),
    prevent_initial_call=True,
)
def zoom(relayout: dict[str, Any] | None, smoothing: Any, x_axis: Any, switches: list[str] | None, y_min: Any,
         y_max: Any, plotted: list[str] | None) -> Any:
    """Redraw a chart at full resolution for the zoomed x range; a double-click redraws everything."""
    view = ScalarView.from_controls(smoothing, x_axis, switches, y_min, y_max)
    action, x_range = zoom_range(relayout, view.x_axis)
    if action == "none":
        return no_update
    source = data.current()
    tag = ctx.triggered_id["tag"]
    options = view.chart_options(source.settings.max_points("scalars", DEFAULT_MAX_POINTS)).zoomed(x_range)
    frame = source.scalar_series(plotted or [], [tag])
    return scalar_figure(frame, source.run_colors(), options, uirevision=tag)


@callback(
    Output(ids.download(MATCH), "data"),
    Input(ids.download_csv(MATCH), "n_clicks"),
    Input(ids.download_json(MATCH), "n_clicks"),
    State(ids.plotted, "data"),
    prevent_initial_call=True,
)
def download_card(csv_clicks: int | None, json_clicks: int | None, plotted: list[str] | None) -> Any:
    """Send one tag's points of every plotted run as CSV or JSON."""
    if not (csv_clicks or json_clicks):
        return no_update
    tag = ctx.triggered_id["tag"]
    fmt = "csv" if ctx.triggered_id["type"] == ids.download_csv(tag)["type"] else "json"
    return download(data.current().scalar_series(plotted or [], [tag]), f"scalars_{tag}", fmt)


@callback(
    Output(ids.export_download, "data"),
    Input(ids.export_csv, "n_clicks"),
    Input(ids.export_parquet, "n_clicks"),
    State(ids.plotted, "data"),
    State(ids.tag_regex, "value"),
    prevent_initial_call=True,
)
def export_selection(csv_clicks: int | None, parquet_clicks: int | None, plotted: list[str] | None,
                     tag_regex: str | None) -> Any:
    """Send every plotted run × shown tag as one CSV or Parquet file."""
    if not (csv_clicks or parquet_clicks):
        return no_update
    source = data.current()
    tags = source.scalar_tags(plotted or [], compile_filter(tag_regex)[0])
    fmt = "csv" if ctx.triggered_id == ids.export_csv else "parquet"
    return download(source.scalar_series(plotted or [], tags), "scalars_selection", fmt)


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),  # every page writes the query store
    *_VIEW,
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(smoothing: Any, x_axis: Any, switches: list[str] | None, y_min: Any, y_max: Any,
             run_regex: str | None, tag_regex: str | None, ticked: list[str] | None) -> str:
    """Put the view in the address bar's query so the link reproduces it."""
    view = ScalarView.from_controls(smoothing, x_axis, switches, y_min, y_max, run_regex, tag_regex, ticked)
    return view.to_query(data.current().runs())
