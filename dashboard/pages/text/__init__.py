"""Text: one card per (run, tag) listing its text summaries newest first, ten steps a page; served at /text.

Markdown is rendered without raw HTML (a `<script>` in a summary shows as text), or shown raw
with the sidebar's switch; 1-D and 2-D string tensors are tables, higher ranks show a 2-D slice.
Cards keep their page across live reloads and are redrawn only when their own text changed.
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.colors import FALLBACK
from dashboard.data.text import PLUGIN, text_cards, text_page, text_pages
from dashboard.pages import _grid
from dashboard.pages.text.view import (
    EMPTY,
    NO_MATCH,
    PAGE,
    TextView,
    card_state,
    controls,
    drawn_cards,
    ids,
    next_page,
    shown_page,
)
from dashboard.render.text_cards import PAGER_BUTTONS, card, card_key, pager_disabled, position_text, steps_view
from dashboard.render.text_cards import ids as card_ids

__all__ = ["GRID", "ids", "layout"]


def cards(request: _grid.CardRequest) -> list[Component] | Any:
    """Return one card per (run, tag) with text, tag by tag; no_update when every card on screen is as it would be.

    A card keeps the page it shows; it is redrawn when its step count, newest step or the Markdown
    switch changed (a live reload that only added other data leaves the cards alone).
    """
    source, markdown = request.source, request.view.markdown
    shown = drawn_cards(request.shown)
    wanted = {
        item.key: card_state(item, shown_page(shown.get(item.key)), markdown)
        for item in text_cards(source, request.runs, request.tags)
    }
    if wanted and wanted == shown:
        return no_update
    pages = text_pages(source, {key: state["page"] for key, state in wanted.items()})
    colors = source.run_colors()
    return [
        card(
            pages[key],
            colors.get(key[0], FALLBACK),
            markdown,
            dcc.Store(id=_grid.ids.card(PAGE, card_key(*key)), data={**state, "page": pages[key].page}),
        )
        for key, state in wanted.items()
        if key in pages
    ]


GRID = _grid.GridPage(PAGE, PLUGIN, TextView, EMPTY, cards, sidebar=controls, no_match=NO_MATCH)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see TextView)."""
    return _grid.layout(GRID, query)


collect_view = _grid.collect(PAGE, toggles=Input(ids.toggles, "value"))


@callback(
    Output(_grid.ids.card(PAGE, MATCH), "data"),
    Output(card_ids.steps(MATCH), "children"),
    Output(card_ids.position(MATCH), "children"),
    *(Output(card_ids.pager_button(action, MATCH), "disabled") for action in PAGER_BUTTONS),
    *(Input(card_ids.pager_button(action, MATCH), "n_clicks") for action in PAGER_BUTTONS),
    State(_grid.ids.card(PAGE, MATCH), "data"),
    prevent_initial_call=True,
)
def turn_page(_newest: Any, _newer: Any, _older: Any, _oldest: Any, state: Any) -> tuple[Any, ...]:
    """Show a card's newest, newer, older or oldest page of steps."""
    unchanged = (no_update,) * (3 + len(PAGER_BUTTONS))
    run, tag = (state.get("run"), state.get("tag")) if isinstance(state, dict) else (None, None)
    if not isinstance(run, str) or not isinstance(tag, str) or not isinstance(ctx.triggered_id, dict):
        return unchanged
    action = str(ctx.triggered_id.get("type", "")).removeprefix("text-card-")
    page = text_page(data.current(), run, tag, next_page(action, shown_page(state)))
    if page is None:
        return unchanged
    disabled = pager_disabled(page)
    return (
        {**state, "page": page.page},
        steps_view(page, bool(state.get("markdown", True))),
        position_text(page),
        *(disabled[action] for action in PAGER_BUTTONS),
    )
