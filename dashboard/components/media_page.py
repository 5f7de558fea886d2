"""Shared layout, section and card-step callbacks of the Images and Audio pages, made per page by factories.

A factory returns a plain function marked with @callback whose __module__ is the page's, so
dashboard.callbacks.register binds it for that page (and only that page).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from dash import ALL, MATCH, Input, Output, State, ctx, html, no_update

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import media_cards, media_views, run_picker, section_list, tag_sections
from dashboard.components.media_views import MediaIds, MediaView
from dashboard.components.shell import ids as shell_ids
from dashboard.data import media
from dashboard.urlstate import compile_filter


def layout(kind: str, ids: MediaIds, query: dict[str, Any]) -> html.Div:
    """Return a media page for a URL query (bad values fall back to defaults; see MediaView).

    Args:
        kind: "images" or "audio".
        ids: the page's id namespace.
        query: the URL query.

    Returns:
        The page's root component.
    """
    source = data.current()
    runs = source.runs()
    view = MediaView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = media.tags(source, kind, plotted, compile_filter(view.tag_regex)[0])
    has_data = media.has_data(source, kind)
    content, summary = media_views.sections_view(kind, status.state, status.message, has_data, tags, {})
    return media_views.page(ids, view, runs, content, summary, media_views.page_class(kind, status.state, has_data))


def section_deps(kind: str, ids: MediaIds) -> tuple[Any, ...]:
    """Return the Output/Input/State objects of a page's render_section callback."""
    return (
        Output(tag_sections.ids.body(kind, MATCH), "children"),
        Input(tag_sections.ids.summary(kind, MATCH), "n_clicks"),
        Input(tag_sections.ids.pager(kind, MATCH), "value"),
        Input(ids.plotted, "data"),
        Input(shell_ids.version, "data"),
        State(tag_sections.ids.state(kind, MATCH), "data"),
        State(ids.slider(ALL, ALL, ALL), "id"),
    )


def section_cards(kind: str, ids: MediaIds, clicks: int | None, page: int | None, plotted: list[str] | None,
                   state: dict[str, Any] | None, shown: list[dict[str, Any]]) -> Any:
    """Build the cards of one open section's current page; new data alone leaves existing cards to update.

    Args:
        kind: "images" or "audio".
        ids: the page's id namespace.
        clicks: the section summary's click count.
        page: the section's pager value.
        plotted: the runs shown.
        state: the section's stored state.
        shown: the ids of the cards already shown.

    Returns:
        The section's cards, [] when closed, or no_update when new data changed no card.
    """
    if not state or not tag_sections.is_open(state, clicks):
        return []
    source = data.current()
    tags = tag_sections.page_slice(state["tags"], page)
    frame = media.samples(source, kind, plotted or [], tags)
    if ctx.triggered_id == shell_ids.version and media_cards.card_keys(frame) == media_cards.shown_keys(shown, tags):
        return no_update
    return media_cards.cards(ids, frame, source.run_colors(), source.settings.path_prefix)


def sections_callback(page: str, kind: str, ids: MediaIds) -> Callable[..., tuple[Any, Any, Any]]:
    """Return the page's render_sections callback (plotted, tag_regex, version, states, clicks).

    Args:
        page: the page module's __name__ (the callback is bound with that page).
        kind: "images" or "audio".
        ids: the page's id namespace.

    Returns:
        The marked callback function.
    """
    return section_list.sections_callback(page, section_list.SectionList(
        kind, ids.root, ids.sections, ids.summary, ids.plotted, ids.tag_regex,
        lambda source, runs, pattern: media.tags(source, kind, runs, pattern),
        lambda source: media.has_data(source, kind),
        partial(media_views.sections_view, kind), partial(media_views.page_class, kind)))


def section_callback(page: str, kind: str, ids: MediaIds) -> Callable[..., Any]:
    """Return the page's render_section callback (clicks, pager, plotted, version, state, shown card ids).

    Args:
        page: the page module's __name__ (the callback is bound with that page).
        kind: "images" or "audio".
        ids: the page's id namespace.

    Returns:
        The marked callback function.
    """

    @callback(*section_deps(kind, ids))
    def render_section(clicks: int | None, pager: int | None, plotted: list[str] | None, _version: str | None,
                        state: dict[str, Any] | None, shown: list[dict[str, Any]]) -> Any:
        """Build the cards of one open section's current page; new data alone leaves existing cards to update."""
        return section_cards(kind, ids, clicks, pager, plotted, state, shown)

    render_section.__module__ = page
    return render_section


def step_callback(page: str, kind: str, ids: MediaIds) -> Callable[..., tuple[Any, ...]]:
    """Return the page's show_step callback: a card's slider, step box or new data picks the step it shows.

    Args:
        page: the page module's __name__ (the callback is bound with that page).
        kind: "images" or "audio" (images also set the <img> alt text and class).
        ids: the page's id namespace.

    Returns:
        The marked callback function (position, typed step, version, old slider max, card id).
    """
    card = (MATCH, MATCH, MATCH)
    image_only = [Output(ids.media(*card), "alt"), Output(ids.media(*card), "className")] if kind == "images" else []
    outputs = [Output(ids.slider(*card), "max"), Output(ids.slider(*card), "marks"), Output(ids.slider(*card), "value"),
               Output(ids.slider(*card), "className"), Output(ids.step_input(*card), "value"),
               Output(ids.media(*card), "src"), *image_only, Output(ids.caption(*card), "children"),
               Output(ids.info(*card), "children")]

    @callback(*outputs, Input(ids.slider(*card), "value"), Input(ids.step_input(*card), "value"),
              Input(shell_ids.version, "data"), State(ids.slider(*card), "max"), State(ids.slider(*card), "id"),
              prevent_initial_call=True)
    def show_step(position: int | None, typed: float | None, _version: str | None, old_last: int | None,
                  card_id: dict[str, Any]) -> tuple[Any, ...]:
        """Show the step the slider or the step box picked, or follow new data (stays on the newest step)."""
        source = data.current()
        rows = media.sample_steps(source, kind, card_id["run"], card_id["tag"], int(card_id["index"]))
        if rows.empty:
            return (no_update,) * len(outputs)
        trigger = media_cards.trigger_of(ctx.triggered_id)
        chosen = media_cards.choose_position(rows["step"].tolist(), trigger, position, typed, old_last)
        shown = media_cards.card_update(kind, rows, chosen, source.settings.path_prefix)
        image = (shown.alt, shown.media_class) if image_only else ()
        return (shown.last, shown.marks, shown.position, shown.slider_class, shown.step, shown.src, *image,
                shown.caption, shown.info)

    show_step.__module__ = page
    return show_step
