"""Text: one card per (run, tag) listing its text summaries newest first, ten steps a page; served at /text.

Markdown is rendered without raw HTML (a `<script>` in a summary shows as text), or shown raw
with the sidebar's switch; 1-D and 2-D string tensors are tables, higher ranks show a 2-D slice.
Cards keep their page across live reloads and are redrawn only when their own text changed.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import run_picker, section_list, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.components.text_views import (
    PAGE,
    PAGER_BUTTONS,
    TextView,
    card_state,
    cards_view,
    drawn_cards,
    next_page,
    page_class,
    pager_disabled,
    position_text,
    sections_view,
    sidebar,
    steps_view,
)
from dashboard.components.text_views import ids as ids
from dashboard.data.text import has_text, text_cards, text_page, text_pages, text_tags
from dashboard.urlstate import compile_filter

PATH = "/text"
TITLE = "Text"


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see TextView)."""
    source = data.current()
    runs = source.runs()
    view = TextView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = text_tags(source, plotted, compile_filter(view.tag_regex)[0])
    found = has_text(source)
    children, summary = sections_view(status.state, status.message, found, tags, {})
    return html.Div([
        sidebar(view, runs),
        html.Main([
            html.Div(summary, id=ids.summary, className="summary-line"),
            dcc.Loading(html.Div(children, id=ids.sections), delay_show=400, type="circle"),
        ], className="main"),
    ], id=ids.page, className=page_class(status.state, found))


render_sections = section_list.sections_callback(__name__, section_list.SectionList(
    PAGE, ids.page, ids.sections, ids.summary, ids.plotted, ids.tag_regex, text_tags, has_text, sections_view,
    page_class))


@callback(
    Output(tag_sections.ids.body(PAGE, MATCH), "children"),
    Input(tag_sections.ids.summary(PAGE, MATCH), "n_clicks"),
    Input(tag_sections.ids.pager(PAGE, MATCH), "value"),
    Input(ids.toggles, "value"),
    Input(ids.plotted, "data"),
    Input(shell_ids.version, "data"),
    State(tag_sections.ids.state(PAGE, MATCH), "data"),
    State(ids.card_state(ALL, ALL), "data"),
)
def render_section(clicks: int | None, page: int | None, switches: list[str] | None, plotted: list[str] | None,
                   _version: str | None, state: dict[str, Any] | None,
                   drawn: list[dict[str, Any] | None]) -> list[Component] | Any:
    """Build the cards of one open section's current page; cards whose text did not change are kept."""
    if not state or not tag_sections.is_open(state, clicks):
        return []
    source = data.current()
    markdown = TextView.from_controls(switches).markdown
    cards = text_cards(source, plotted or [], tag_sections.page_slice(state["tags"], page))
    shown = drawn_cards(drawn, state["tags"])
    wanted = {item.key: card_state(item, shown.get(item.key, {}).get("page", 0), markdown) for item in cards}
    if wanted and wanted == shown:
        return no_update
    pages = text_pages(source, {key: value["page"] for key, value in wanted.items()})
    return cards_view(cards, pages, source.run_colors(), markdown)


@callback(
    Output(ids.card_state(MATCH, MATCH), "data"),
    Output(ids.steps(MATCH, MATCH), "children"),
    Output(ids.position(MATCH, MATCH), "children"),
    *(Output(ids.pager_button(action, MATCH, MATCH), "disabled") for action in PAGER_BUTTONS),
    *(Input(ids.pager_button(action, MATCH, MATCH), "n_clicks") for action in PAGER_BUTTONS),
    State(ids.card_state(MATCH, MATCH), "data"),
    prevent_initial_call=True,
)
def turn_page(_newest: int | None, _newer: int | None, _older: int | None, _oldest: int | None,
              state: dict[str, Any] | None) -> tuple[Any, ...]:
    """Show a card's newest, newer, older or oldest page of steps."""
    if not state or not isinstance(ctx.triggered_id, dict):
        return (no_update,) * (3 + len(PAGER_BUTTONS))
    action = ctx.triggered_id["type"].removeprefix("text-card-")
    page = text_page(data.current(), state["run"], state["tag"], next_page(action, int(state.get("page", 0))))
    if page is None:
        return (no_update,) * (3 + len(PAGER_BUTTONS))
    disabled = pager_disabled(page)
    return ({**state, "page": page.page}, steps_view(page, bool(state.get("markdown", True))), position_text(page),
            *(disabled[action] for action in PAGER_BUTTONS))


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),
    Input(ids.toggles, "value"),
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(switches: list[str] | None, run_regex: str | None, tag_regex: str | None,
             ticked: list[str] | None) -> str:
    """Put the view in the address bar's query so the link reproduces it."""
    view = TextView.from_controls(switches, run_regex, tag_regex, ticked)
    return view.to_query(data.current().runs())
