"""Audio: one card per (run, tag, sample index) with an audio player and a slider over every logged step.

Each card plays its newest step first; the slider, or a typed step, picks another. The card says
the sample rate, duration and channels, and the clip's label when the writer gave one. Clips
come from the blob route (dashboard.blobs) by validated ids; the view lives in the URL query.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, html

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import media_page
from dashboard.components.media_views import MediaIds, MediaView
from dashboard.components.shell import ids as shell_ids

PATH = "/audio"
TITLE = "Audio"
KIND = "audio"
ids = MediaIds(KIND)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see MediaView)."""
    return media_page.layout(KIND, ids, query)


render_sections = media_page.sections_callback(__name__, KIND, ids)
render_section = media_page.section_callback(__name__, KIND, ids)
show_step = media_page.step_callback(__name__, KIND, ids)


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
