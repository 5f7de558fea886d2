"""Images: one card per (run, tag, sample index) with a slider over every logged step, grouped by tag prefix.

Each card shows its newest step first; the slider, or a typed step, picks another. The bytes
come from the blob route (dashboard.blobs) by validated ids, so layouts stay small. Brightness,
contrast and actual size apply to every image at once (a CSS variable and a class on the main
area); the view lives in the URL query (see MediaView).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, html, no_update

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import media_page, media_views
from dashboard.components.media_views import MediaIds, MediaView
from dashboard.components.shell import ids as shell_ids

PATH = "/images"
TITLE = "Images"
KIND = "images"
ids = MediaIds(KIND)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see MediaView)."""
    return media_page.layout(KIND, ids, query)


render_sections = media_page.sections_callback(__name__, KIND, ids)
render_section = media_page.section_callback(__name__, KIND, ids)
show_step = media_page.step_callback(__name__, KIND, ids)


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

