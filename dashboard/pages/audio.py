"""Audio: one card per (run, tag, sample index) with an audio player and a slider over every logged step.

Each card plays its newest step first; the slider, or a typed step, picks another. The card says
the sample rate, duration and channels, and the clip's label when the writer gave one. Clips
come from the blob route (dashboard.blobs) by validated ids; the view (runs and tags) lives in
the URL query.
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, State, html

from dashboard.callbacks import callback
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, _media
from dashboard.pages._view import View
from dashboard.render.media_cards import ids as card_ids
from dashboard.render.media_cards import step_outputs

__all__ = ["GRID", "layout"]

PAGE = "audio"
EMPTY = _grid.EmptyText(
    "No audio data was found",
    hint="Log an audio clip with TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary); "
    "new steps show up here while training runs.",
    code='writer.add_audio("samples/speech", waveform, step, sample_rate=16000)',
)


def cards(request: _grid.CardRequest) -> Any:
    """Return the audio cards of a section page (see _media.cards)."""
    return _media.cards(PAGE, request)


GRID = _grid.GridPage(PAGE, "audio", View, EMPTY, cards)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see View)."""
    return _grid.layout(GRID, query)


_CARD = (PAGE, MATCH, MATCH, MATCH)


@callback(
    *step_outputs(*_CARD),
    Input(card_ids.slider(*_CARD), "value"),
    Input(card_ids.step_input(*_CARD), "value"),
    Input(shell_ids.version, "data"),
    State(card_ids.slider(*_CARD), "max"),
    State(card_ids.slider(*_CARD), "id"),
    prevent_initial_call=True,
)
def show_step(position: Any, typed: Any, _version: Any, old_last: Any, card_id: Any) -> tuple[Any, ...]:
    """Show the step the slider or the step box picked, or follow new data (stays on the newest step)."""
    return _media.show_step(PAGE, position, typed, old_last, card_id)
