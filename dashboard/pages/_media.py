"""What the Images and Audio pages share: their cards for the grid template and the body of a card's step callback."""

from __future__ import annotations

from functools import partial
from typing import Any

from dash import MATCH, ctx, no_update

from dashboard import blobs, data
from dashboard.data import media
from dashboard.pages import _grid
from dashboard.render import media_cards
from dashboard.render.media_cards import Address


def address(kind: str, prefix: str) -> Address:
    """Return the blob address of a sample of this kind, under the app's path prefix (see blobs.url)."""
    return partial(blobs.url, prefix, kind)


def cards(kind: str, request: _grid.CardRequest) -> Any:
    """Return the cards of a section page's tags: one per (run, tag, sample index), at its newest step.

    New data alone leaves the cards on screen when it made no card appear or go: each card's step
    callback follows the new steps itself, keeping the step the user picked.

    Args:
        kind: "images" or "audio" (also the page's key).
        request: what the template asks for.

    Returns:
        The cards, or no_update (the cards on screen stay).
    """
    source = request.source
    frame = media.samples(source, kind, request.runs, request.tags)
    if request.data_only and media_cards.card_keys(frame) == media_cards.shown_keys(request.shown):
        return no_update
    return media_cards.cards(
        kind, frame, source.run_colors(), address(kind, source.settings.path_prefix), partial(_grid.ids.card, kind)
    )


def show_step(kind: str, position: Any, typed: Any, old_last: Any, card_id: Any) -> tuple[Any, ...]:
    """Return what a card shows after its slider or step box moved, or new data came (ctx.triggered_id says which).

    Args:
        kind: "images" or "audio".
        position: the slider's value.
        typed: the step box's value.
        old_last: the slider's max before (to tell whether it sat at the newest step).
        card_id: the slider's id ({"run", "tag", "index", ...}).

    Returns:
        The values of media_cards.step_outputs(kind, ...); no_update for each when the card's sample is gone.
    """
    source = data.current()
    keys = media_cards.shown_keys([card_id])  # the card's run, tag and index, if the id has them
    rows = media.sample_steps(source, kind, *keys.pop()) if keys else None
    if rows is None or rows.empty:
        return (no_update,) * len(media_cards.step_outputs(kind, MATCH, MATCH, MATCH))
    trigger = media_cards.trigger_of(ctx.triggered_id)
    chosen = media_cards.choose_position(rows["step"].tolist(), trigger, position, typed, old_last)
    return media_cards.card_update(kind, rows, chosen, address(kind, source.settings.path_prefix)).values(kind)
