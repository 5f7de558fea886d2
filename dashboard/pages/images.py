"""Images: one card per (run, tag, sample index) with a slider over every logged step, grouped by tag prefix.

Each card shows its newest step first; the slider, or a typed step, picks another. The bytes
come from the blob route (dashboard.blobs) by validated ids, so layouts stay small. Brightness,
contrast and actual size apply to every image at once (a CSS variable and a class on the main
area, never a rebuilt card); the view lives in the URL query (see ImageView).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dash import MATCH, Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.callbacks import callback
from dashboard.components.controls import field
from dashboard.components.shell import ids as shell_ids
from dashboard.figures.images import FILTER_RANGE, css_filter
from dashboard.pages import _grid, _media
from dashboard.pages._view import View, switched
from dashboard.render.media_cards import ids as card_ids
from dashboard.render.media_cards import step_outputs

__all__ = ["GRID", "ImageView", "ids", "layout"]

PAGE = "images"
FILTER_STEP = 0.05
EMPTY = _grid.EmptyText(
    "No image data was found",
    hint="Log an image with TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary); "
    "new steps show up here while training runs.",
    code='writer.add_image("inputs/sample", img_tensor, step)  # CHW float in [0, 1] or uint8',
)


class ids:  # noqa: N801 - a namespace
    """Ids of the Images page's own controls (the cards' parts are render.media_cards.ids with page "images")."""

    brightness = "images-brightness"
    contrast = "images-contrast"
    reset = "images-reset"
    actual = "images-actual"


@dataclass(frozen=True)
class ImageView(View):
    """Everything an Images link reproduces (the URL query), parsed tolerantly.

    Attributes:
        brightness: image brightness multiplier, 0-5 (query "brightness").
        contrast: image contrast multiplier, 0-5 (query "contrast").
        actual_size: images at their own pixel size instead of fitted to the card (query "actual").
    """

    brightness: float = 1.0
    contrast: float = 1.0
    actual_size: bool = False

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return brightness, contrast and actual size from a URL query."""
        low, high = FILTER_RANGE
        return {
            "brightness": urlstate.as_float(query.get("brightness"), 1.0, low=low, high=high),
            "contrast": urlstate.as_float(query.get("contrast"), 1.0, low=low, high=high),
            "actual_size": urlstate.as_bool(query.get("actual"), False),
        }

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return brightness, contrast and actual size from the sidebar's controls (see display)."""
        return {
            "brightness": _multiplier(values.get("brightness")),
            "contrast": _multiplier(values.get("contrast")),
            "actual_size": "actual" in switched(values.get("actual")),
        }

    def display(self) -> dict[str, Any]:
        """Return the sidebar controls' values for this view (only the URL and the CSS depend on them)."""
        return {
            "brightness": self.brightness,
            "contrast": self.contrast,
            "actual": ["actual"] if self.actual_size else [],
        }

    def options_query(self) -> dict[str, object]:
        """Return the query parameters of the options that differ from the defaults."""
        return {
            "brightness": None if self.brightness == 1.0 else f"{self.brightness:g}",
            "contrast": None if self.contrast == 1.0 else f"{self.contrast:g}",
            "actual": True if self.actual_size else None,
        }


def _multiplier(value: Any) -> float:
    number = urlstate.as_optional_float(None if value is None else str(value))
    return 1.0 if number is None else round(min(max(number, FILTER_RANGE[0]), FILTER_RANGE[1]), 3)


def view_style(view: ImageView) -> dict[str, Any]:
    """Return the main area's style (the image filter as a CSS variable) and class (actual size or fitted)."""
    return {
        "style": {"--media-filter": css_filter(view.brightness, view.contrast)},
        "className": "main media-main" + (" media-actual" if view.actual_size else ""),
    }


def controls(view: ImageView, _context: object = None) -> list[Component]:
    """Return the brightness and contrast sliders with their reset button, and the actual-size toggle."""
    marks = {0: "0", 1: "1×", 5: "5×"}

    def slider(control_id: str, value: float) -> dcc.Slider:
        return dcc.Slider(
            id=control_id,
            min=FILTER_RANGE[0],
            max=FILTER_RANGE[1],
            step=FILTER_STEP,
            value=value,
            marks=marks,
            updatemode="drag",
            className="media-filter-slider",
        )

    return [
        field("Brightness", slider(ids.brightness, view.brightness)),
        field("Contrast", slider(ids.contrast, view.contrast)),
        html.Div(
            html.Button("Reset brightness and contrast", id=ids.reset, n_clicks=0, className="small-button"),
            className="button-row media-reset-row",
        ),
        dcc.Checklist(
            id=ids.actual,
            value=view.display()["actual"],
            className="toggle-list",
            options=[{"label": "Show actual image size", "value": "actual"}],
        ),
    ]


def cards(request: _grid.CardRequest) -> Any:
    """Return the image cards of a section page (see _media.cards)."""
    return _media.cards(PAGE, request)


GRID = _grid.GridPage(
    PAGE, "images", ImageView, EMPTY, cards, sidebar=controls, main=view_style, display=ImageView.display
)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see ImageView)."""
    return _grid.layout(GRID, query)


collect_display = _grid.collect_display(
    PAGE,
    brightness=Input(ids.brightness, "value"),
    contrast=Input(ids.contrast, "value"),
    actual=Input(ids.actual, "value"),
)


@callback(
    Output(_grid.ids.main(PAGE), "style"),
    Output(_grid.ids.main(PAGE), "className"),
    Input(_grid.ids.display(PAGE), "data"),
    prevent_initial_call=True,
)
def apply_view(display: Any) -> tuple[Any, Any]:
    """Apply brightness, contrast and actual size to every image at once (no card is rebuilt)."""
    style = view_style(ImageView.from_controls(display))
    return style["style"], style["className"]


@callback(
    Output(ids.brightness, "value"),
    Output(ids.contrast, "value"),
    Input(ids.reset, "n_clicks"),
    prevent_initial_call=True,
)
def reset_filters(clicks: int | None) -> tuple[Any, Any]:
    """Put brightness and contrast back to 1× (TensorBoard's reset button)."""
    return (1.0, 1.0) if clicks else (no_update, no_update)


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
    """Show the step the slider or the step box picked, or follow new data (stays on the newest step); also the
    image's alt text and class."""
    return _media.show_step(PAGE, position, typed, old_last, card_id)
