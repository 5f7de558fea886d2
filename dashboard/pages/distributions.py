"""Distributions: one card per (tag, run), the histograms compressed to TensorBoard's basis points over time.

Each step's histogram becomes nine values (min, the ±1.5σ, ±1σ, ±0.5σ normal-equivalent
percentiles, the median and max) drawn as nested bands around the median line over step,
relative or wall time. Compression runs once per (run, tag) and data version (cached); charts
of tags with more steps than --samples-per-plugin distributions=N (default 500) show an evenly
spaced subset and say so. The view lives in the URL query (see HistogramView).
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import histogram_views as views
from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.data import histograms as hist_data
from dashboard.urlstate import compile_filter

PATH = "/distributions"
TITLE = "Distributions"
ids = views.PageIds("distributions")


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see HistogramView)."""
    source = data.current()
    runs = source.runs()
    view = views.HistogramView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = hist_data.histogram_tags(source, plotted, compile_filter(view.tag_regex)[0])
    has_data = hist_data.has_histograms(source)
    children, summary = views.sections_view(ids.page, status.state, status.message, has_data, tags, {})
    return html.Div([
        views.distribution_sidebar(ids, view, runs),
        html.Main([
            html.Div(summary, id=ids.summary, className="summary-line"),
            dcc.Loading(html.Div(children, id=ids.sections), delay_show=400, type="circle"),
        ], className="main"),
    ], id=ids.root, className=views.page_class(ids.page, status.state, has_data))


@callback(
    Output(ids.sections, "children"),
    Output(ids.summary, "children"),
    Output(ids.root, "className"),
    Input(ids.plotted, "data"),
    Input(ids.tag_regex, "value"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(ids.page, ALL), "data"),
    State(tag_sections.ids.summary(ids.page, ALL), "n_clicks"),
    prevent_initial_call=True,
)
def render_sections(plotted: list[str] | None, tag_regex: str | None, _version: str | None,
                    states: list[dict[str, Any]], clicks: list[int | None]) -> tuple[Any, Any, Any]:
    """Rebuild the sections when the runs, the tag filter or the data change (kept if the tags did not)."""
    source = data.current()
    status = source.status()
    tags = hist_data.histogram_tags(source, plotted or [], compile_filter(tag_regex)[0])
    groups = tag_sections.group_by_prefix(tags)
    if status.state == "ok" and tags and [(s["group"], s["tags"]) for s in states] == list(groups.items()):
        return no_update, no_update, no_update
    has_data = hist_data.has_histograms(source)
    children, summary = views.sections_view(ids.page, status.state, status.message, has_data, tags,
                                            tag_sections.open_groups(states, clicks))
    return children, summary, views.page_class(ids.page, status.state, has_data)


@callback(
    Output(tag_sections.ids.body(ids.page, MATCH), "children"),
    Input(tag_sections.ids.summary(ids.page, MATCH), "n_clicks"),
    Input(tag_sections.ids.pager(ids.page, MATCH), "value"),
    Input(ids.x_axis, "value"),
    Input(ids.plotted, "data"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(ids.page, MATCH), "data"),
)
def render_section(clicks: int | None, page: int | None, x_axis: Any, plotted: list[str] | None,
                   _version: str | None, state: dict[str, Any] | None) -> list[Component]:
    """Build the (tag, run) cards of one open section's current page."""
    if not state or not tag_sections.is_open(state, clicks):
        return []
    source = data.current()
    time_axis = views.HistogramView.from_controls(time_axis=x_axis).time_axis
    pairs = hist_data.runs_by_tag(source, plotted or [], tag_sections.page_slice(state["tags"], page))
    limit = views.max_steps(source, "distributions")
    return [views.distribution_card(ids, source, tag, run, time_axis, limit)
            for tag, runs in pairs.items() for run in runs]


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),
    Input(ids.x_axis, "value"),
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(x_axis: Any, run_regex: str | None, tag_regex: str | None, ticked: list[str] | None) -> str:
    """Put the view in the address bar's query so the link reproduces it."""
    view = views.HistogramView.from_controls(time_axis=x_axis, run_regex=run_regex, tag_regex=tag_regex,
                                             ticked=ticked)
    return view.to_query(data.current().runs())
