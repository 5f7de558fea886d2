"""Images: one card per (run, tag, sample index) with a slider over every logged step, grouped by tag prefix.

Each card shows its newest step first; the slider, or a typed step, picks another. The bytes
come from the blob route (dashboard.blobs) by validated ids, so layouts stay small. Brightness,
contrast and actual size apply to every image at once (a CSS variable and a class on the main
area); the view lives in the URL query (see MediaView).
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Input, Output, State, ctx, html, no_update

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import media_views, run_picker, tag_sections
from dashboard.components.media_views import MediaIds, MediaView
from dashboard.components.shell import ids as shell_ids
from dashboard.data import media
from dashboard.urlstate import compile_filter

PATH = "/images"
TITLE = "Images"
KIND = "images"
ids = MediaIds(KIND)

_CARD = (MATCH, MATCH, MATCH)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see MediaView)."""
    source = data.current()
    runs = source.runs()
    view = MediaView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = media.tags(source, KIND, plotted, compile_filter(view.tag_regex)[0])
    has_data = media.has_data(source, KIND)
    content, summary = media_views.sections_view(KIND, status.state, status.message, has_data, tags, {})
    return media_views.page(ids, view, runs, content, summary, media_views.page_class(KIND, status.state, has_data))


@callback(
    Output(ids.sections, "children"),
    Output(ids.summary, "children"),
    Output(ids.root, "className"),
    Input(ids.plotted, "data"),
    Input(ids.tag_regex, "value"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(KIND, ALL), "data"),
    State(tag_sections.ids.summary(KIND, ALL), "n_clicks"),
    prevent_initial_call=True,
)
def render_sections(plotted: list[str] | None, tag_regex: str | None, _version: str | None,
                    states: list[dict[str, Any]], clicks: list[int | None]) -> tuple[Any, Any, Any]:
    """Rebuild the sections when the runs, the tag filter or the data change (kept if the tags did not)."""
    source = data.current()
    status = source.status()
    tags = media.tags(source, KIND, plotted or [], compile_filter(tag_regex)[0])
    groups = tag_sections.group_by_prefix(tags)
    if status.state == "ok" and tags and [(s["group"], s["tags"]) for s in states] == list(groups.items()):
        return no_update, no_update, no_update
    has_data = media.has_data(source, KIND)
    content, summary = media_views.sections_view(KIND, status.state, status.message, has_data, tags,
                                                 tag_sections.open_groups(states, clicks))
    return content, summary, media_views.page_class(KIND, status.state, has_data)


@callback(
    Output(tag_sections.ids.body(KIND, MATCH), "children"),
    Input(tag_sections.ids.summary(KIND, MATCH), "n_clicks"),
    Input(tag_sections.ids.pager(KIND, MATCH), "value"),
    Input(ids.plotted, "data"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(KIND, MATCH), "data"),
    State(ids.slider(ALL, ALL, ALL), "id"),
)
def render_section(clicks: int | None, page: int | None, plotted: list[str] | None, _version: str | None,
                   state: dict[str, Any] | None, shown: list[dict[str, Any]]) -> Any:
    """Build the cards of one open section's current page; new data alone leaves existing cards to update."""
    if not state or not tag_sections.is_open(state, clicks):
        return []
    source = data.current()
    tags = tag_sections.page_slice(state["tags"], page)
    frame = media.samples(source, KIND, plotted or [], tags)
    if ctx.triggered_id == shell_ids.version and media_views.card_keys(frame) == media_views.shown_keys(shown, tags):
        return no_update
    return media_views.cards(ids, frame, source.run_colors(), source.settings.path_prefix)


@callback(
    Output(ids.slider(*_CARD), "max"),
    Output(ids.slider(*_CARD), "marks"),
    Output(ids.slider(*_CARD), "value"),
    Output(ids.slider(*_CARD), "className"),
    Output(ids.step_input(*_CARD), "value"),
    Output(ids.media(*_CARD), "src"),
    Output(ids.media(*_CARD), "alt"),
    Output(ids.media(*_CARD), "className"),
    Output(ids.caption(*_CARD), "children"),
    Output(ids.info(*_CARD), "children"),
    Input(ids.slider(*_CARD), "value"),
    Input(ids.step_input(*_CARD), "value"),
    Input(shell_ids.version, "data"),
    State(ids.slider(*_CARD), "max"),
    State(ids.slider(*_CARD), "id"),
    prevent_initial_call=True,
)
def show_step(position: int | None, typed: float | None, _version: str | None, old_last: int | None,
              card: dict[str, Any]) -> tuple[Any, ...]:
    """Show the step the slider or the step box picked, or follow new data (stays on the newest step)."""
    source = data.current()
    rows = media.sample_steps(source, KIND, card["run"], card["tag"], int(card["index"]))
    if rows.empty:
        return (no_update,) * 10
    trigger = media_views.trigger_of(ctx.triggered_id)
    chosen = media_views.choose_position(rows["step"].tolist(), trigger, position, typed, old_last)
    shown = media_views.card_update(KIND, rows, chosen, source.settings.path_prefix)
    return (shown.last, shown.marks, shown.position, shown.slider_class, shown.step, shown.src, shown.alt,
            shown.media_class, shown.caption, shown.info)


@callback(
    Output(ids.main, "style"),
    Output(ids.main, "className"),
    Input(ids.brightness, "value"),
    Input(ids.contrast, "value"),
    Input(ids.actual, "value"),
    prevent_initial_call=True,
)
def apply_view(brightness: float | None, contrast: float | None, actual: list[str] | None) -> tuple[Any, str]:
    """Apply brightness, contrast and actual size to every image at once (no card is rebuilt)."""
    return media_views.view_style(MediaView.from_controls("", "", (), brightness, contrast, actual))


@callback(
    Output(ids.brightness, "value"),
    Output(ids.contrast, "value"),
    Input(ids.reset, "n_clicks"),
    prevent_initial_call=True,
)
def reset_filters(clicks: int | None) -> tuple[Any, Any]:
    """Put brightness and contrast back to 1× (TensorBoard's reset button)."""
    return (1.0, 1.0) if clicks else (no_update, no_update)


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    Input(ids.brightness, "value"),
    Input(ids.contrast, "value"),
    Input(ids.actual, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(run_regex: str | None, tag_regex: str | None, ticked: list[str] | None, brightness: float | None,
             contrast: float | None, actual: list[str] | None) -> str:
    """Put the view in the address bar's query so the link reproduces it."""
    view = MediaView.from_controls(run_regex, tag_regex, ticked, brightness, contrast, actual)
    return view.to_query(data.current().runs())

