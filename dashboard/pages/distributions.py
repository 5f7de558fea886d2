"""Distributions: one card per (tag, run), the histograms compressed to TensorBoard's basis points over time.

Each step's histogram becomes nine values (min, the ±1.5σ, ±1σ, ±0.5σ normal-equivalent
percentiles, the median and max) drawn as nested bands around the median line over step,
relative or wall time. Compression runs once per (run, tag) and data version (cached); charts
of tags with more steps than --samples-per-plugin distributions=N (default 500) show an evenly
spaced subset and say so. The view lives in the URL query (see HistogramView).
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, html
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import histogram_views as views
from dashboard.components import histogram_page, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.data import histograms as hist_data

PATH = "/distributions"
TITLE = "Distributions"
ids = views.PageIds("distributions")


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see HistogramView)."""
    return histogram_page.layout(ids, query,
                                 lambda view, runs, _plotted, _tags: views.distribution_sidebar(ids, view, runs))


render_sections = histogram_page.sections_callback(__name__, ids)


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
