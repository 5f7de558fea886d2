"""Audio: one card per (run, tag, sample index) with an audio player and a slider over every logged step.

Each card plays its newest step first; the slider, or a typed step, picks another. The card says
the sample rate, duration and channels, and the clip's label when the writer gave one. Clips
come from the blob route (dashboard.blobs) by validated ids; the view lives in the URL query.
"""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, State, ctx, html, no_update

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import media_cards, media_page
from dashboard.components.media_views import MediaIds, MediaView
from dashboard.components.shell import ids as shell_ids
from dashboard.data import media

PATH = "/audio"
TITLE = "Audio"
KIND = "audio"
ids = MediaIds(KIND)

_CARD = (MATCH, MATCH, MATCH)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see MediaView)."""
    return media_page.layout(KIND, ids, query)


render_sections = media_page.sections_callback(__name__, KIND, ids)
render_section = media_page.section_callback(__name__, KIND, ids)


@callback(
    Output(ids.slider(*_CARD), "max"),
    Output(ids.slider(*_CARD), "marks"),
    Output(ids.slider(*_CARD), "value"),
    Output(ids.slider(*_CARD), "className"),
    Output(ids.step_input(*_CARD), "value"),
    Output(ids.media(*_CARD), "src"),
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
    """Load the clip of the step the slider or the step box picked, or follow new data (stays on the newest)."""
    source = data.current()
    rows = media.sample_steps(source, KIND, card["run"], card["tag"], int(card["index"]))
    if rows.empty:
        return (no_update,) * 8
    trigger = media_cards.trigger_of(ctx.triggered_id)
    chosen = media_cards.choose_position(rows["step"].tolist(), trigger, position, typed, old_last)
    shown = media_cards.card_update(KIND, rows, chosen, source.settings.path_prefix)
    return (shown.last, shown.marks, shown.position, shown.slider_class, shown.step, shown.src, shown.caption,
            shown.info)


@callback(
    Output(shell_ids.query, "data", allow_duplicate=True),
    Input(ids.run_regex, "value"),
    Input(ids.tag_regex, "value"),
    Input(ids.runs, "value"),
    prevent_initial_call="initial_duplicate",
)
def sync_url(run_regex: str | None, tag_regex: str | None, ticked: list[str] | None) -> str:
    """Put the view in the address bar's query so the link reproduces it."""
    return MediaView.from_controls(run_regex, tag_regex, ticked).to_query(data.current().runs())
