"""Histograms: one card per (tag, run) in offset (ridgeline) or overlay mode, or one per tag comparing runs at a step.

Offset and overlay draw an evenly spaced subset of a tag's steps (first and last always in;
the card says how many of how many) re-binned onto shared bins, as TensorBoard does. Compare
mode (beyond TensorBoard, tensorflow/tensorboard#6206) overlays every selected run's histogram
at one step chosen in the sidebar; runs without that step show their nearest one. The view
lives in the URL query (see HistogramView).
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, ctx, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback, clientside
from dashboard.components import histogram_views as views
from dashboard.components import histogram_page, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.data import histograms as hist_data
from dashboard.urlstate import compile_filter

PATH = "/histograms"
TITLE = "Histograms"
ids = views.PageIds("histograms")


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see HistogramView)."""

    def sidebar(view: views.HistogramView, runs: list[str], plotted: list[str], tags: list[str]) -> html.Aside:
        """The sidebar, its compare-mode step slider over the steps the shown tags logged."""
        logged = hist_data.steps(data.current(), plotted, tags) if view.mode == "compare" else []
        return views.histogram_sidebar(ids, view, runs, views.step_range(logged, view.step))

    return histogram_page.layout(ids, query, sidebar)


render_sections = histogram_page.sections_callback(__name__, ids)


@callback(
    Output(tag_sections.ids.body(ids.page, MATCH), "children"),
    Input(tag_sections.ids.summary(ids.page, MATCH), "n_clicks"),
    Input(tag_sections.ids.pager(ids.page, MATCH), "value"),
    Input(ids.mode, "value"),
    Input(ids.x_axis, "value"),
    Input(ids.step, "value"),
    Input(ids.toggles, "value"),
    Input(ids.plotted, "data"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(ids.page, MATCH), "data"),
)
def render_section(clicks: int | None, page: int | None, mode: Any, x_axis: Any, step: Any,
                   switches: list[str] | None, plotted: list[str] | None, _version: str | None,
                   state: dict[str, Any] | None) -> list[Component]:
    """Build the cards of one open section's current page: (tag, run) cards, or one per tag in compare mode."""
    if not state or not tag_sections.is_open(state, clicks):
        return []
    source = data.current()
    view = views.HistogramView.from_controls(mode, x_axis, step, switches)
    pairs = hist_data.runs_by_tag(source, plotted or [], tag_sections.page_slice(state["tags"], page))
    if view.mode == "compare":
        return [views.compare_card(ids, source, tag, runs, view.step, view.normalize) for tag, runs in pairs.items()]
    limit = views.max_steps(source, "histograms")
    return [views.ridge_card(ids, source, tag, run, view, limit) for tag, runs in pairs.items() for run in runs]


@callback(
    Output(ids.step, "min"),
    Output(ids.step, "max"),
    Output(ids.step, "step"),
    Output(ids.step, "marks"),
    Output(ids.step, "disabled"),
    Output(ids.step, "value"),
    Output(ids.step_input, "value"),
    Input(ids.plotted, "data"),
    Input(ids.tag_regex, "value"),
    Input(shell_ids.version, "data"),
    Input(ids.mode, "value"),
    Input(ids.step, "value"),
    Input(ids.step_input, "value"),
    State(ids.step, "max"),
    prevent_initial_call=True,
)
def update_step(plotted: list[str] | None, tag_regex: str | None, _version: str | None, mode: Any, value: Any,
                typed: Any, old_max: Any) -> tuple[Any, ...]:
    """Keep the compare step on a logged step of the shown runs and tags, the slider and the box equal.

    A step typed in the box moves the slider (snapped to the nearest logged step); new data or
    another selection refits the range, and a slider at the last step follows new steps.
    """
    typing = ctx.triggered_id == ids.step_input
    if mode != "compare" or (typing and not views.is_finite_step(typed)):  # a box being edited may be empty
        return (no_update,) * 7
    source = data.current()
    tags = hist_data.histogram_tags(source, plotted or [], compile_filter(tag_regex)[0])
    if typing:
        wanted = typed
    elif ctx.triggered_id == ids.step:
        wanted = value
    else:
        wanted = views.follow_latest(value, old_max)
    slider = views.step_range(hist_data.steps(source, plotted or [], tags), wanted)
    chosen = slider["value"]
    return (slider["min"], slider["max"], slider["step"], slider["marks"], slider["disabled"],
            chosen if chosen != value else no_update, chosen if chosen != typed else no_update)


# Show the controls of the chosen mode (time axis for offset/overlay; step and normalize for compare).
show_mode_controls = clientside(
    """
    function(mode) { return "histogram-controls mode-" + (mode || "offset"); }
    """,
    Output(ids.controls, "className"),
    Input(ids.mode, "value"),
    prevent_initial_call=True,
)


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),
    Input(ids.mode, "value"),
    Input(ids.x_axis, "value"),
    Input(ids.step, "value"),
    Input(ids.toggles, "value"),
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    State(ids.step, "max"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(mode: Any, x_axis: Any, step: Any, switches: list[str] | None, run_regex: str | None,
             tag_regex: str | None, ticked: list[str] | None, step_max: Any) -> str:
    """Put the view in the address bar's query (a compare step at the last step is left out: it follows new data)."""
    at_end = step is None or step_max is None or step >= step_max
    view = views.HistogramView.from_controls(mode, x_axis, None if at_end else step, switches, run_regex, tag_regex,
                                             ticked)
    return view.to_query(data.current().runs())
