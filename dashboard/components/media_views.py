"""Building blocks of the Images and Audio pages: ids, URL-borne view, sidebar and sections.

The sample cards themselves are in dashboard.components.media_cards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.components import run_picker, tag_sections
from dashboard.components.controls import field
from dashboard.components.empty_state import empty_state
from dashboard.figures.images import FILTER_RANGE, css_filter

FILTER_STEP = 0.05
LOG_HINTS = {
    "images": 'writer.add_image("inputs/sample", img_tensor, step)  # CHW float in [0, 1] or uint8',
    "audio": 'writer.add_audio("samples/speech", waveform, step, sample_rate=16000)',
}
WHAT = {"images": "image", "audio": "audio"}


class _PageId:
    """Descriptor: a page-wide id, {"type": kind, "page": ids.page} (a run-picker id when made by `picker`)."""

    def __init__(self, kind: str, doc: str, picker: Callable[[str], dict[str, Any]] | None = None) -> None:
        self.kind, self.picker, self.__doc__ = kind, picker, doc

    def __get__(self, ids: MediaIds | None, owner: type) -> Any:
        if ids is None:
            return self
        return self.picker(ids.page) if self.picker else {"type": self.kind, "page": ids.page}


class _CardId:
    """Descriptor: ids.x(run, tag, index) gives one card's id of this kind (MATCH/ALL work for each part)."""

    def __init__(self, kind: str, doc: str) -> None:
        self.kind, self.__doc__ = kind, doc

    def __get__(self, ids: MediaIds | None, owner: type) -> Any:
        if ids is None:
            return self
        return lambda run, tag, index: {"type": self.kind, "page": ids.page, "run": run, "tag": tag, "index": index}


@dataclass(frozen=True)
class MediaIds:
    """Ids of one media page; `page` ("images" or "audio") is part of every id, so the two pages never clash."""

    page: str

    root = _PageId("media-page", "The page's outer Div (its class hides the sidebar when there is no data).")
    main = _PageId("media-main", "The main area (style: the brightness/contrast filter; class: actual size).")
    sections = _PageId("media-sections", "The Div holding the tag sections.")
    summary = _PageId("media-summary", 'The "n tags in m sections" line.')
    brightness = _PageId("media-brightness", "Brightness slider (0-5x).")
    contrast = _PageId("media-contrast", "Contrast slider (0-5x).")
    reset = _PageId("media-reset", "Button that puts brightness and contrast back to 1x.")
    actual = _PageId("media-actual", 'The "actual size" toggle (a one-item checklist).')
    runs = _PageId("", "The run picker's checklist.", run_picker.ids.runs)
    plotted = _PageId("", "The run picker's store of the runs to show.", run_picker.ids.plotted)
    run_regex = _PageId("", "The run filter box.", run_picker.ids.run_regex)
    tag_regex = _PageId("", "The tag filter box.", run_picker.ids.tag_regex)
    slider = _CardId("media-slider", "A card's step slider (value: the position of the shown step).")
    step_input = _CardId("media-step-input", "A card's exact-step box (the current step; a typed one jumps to "
                                             "the nearest logged step).")
    caption = _CardId("media-caption", 'A card\'s "step N · wall time" line.')
    media = _CardId("media-element", "A card's <img> or <audio>.")
    info = _CardId("media-info", "A card's details (image size; audio rate, duration, channels and label).")


@dataclass(frozen=True)
class MediaView:
    """Everything a media page's link reproduces (the URL query), parsed tolerantly.

    Attributes:
        run_regex: run filter (query "runs").
        tag_regex: tag filter (query "tags").
        ticked: ticked runs (query "run" lists them, or "hide" lists the unticked ones).
        brightness: image brightness multiplier, 0-5 (query "brightness").
        contrast: image contrast multiplier, 0-5 (query "contrast").
        actual_size: images at their own pixel size instead of fitted to the card (query "actual").
    """

    run_regex: str = ""
    tag_regex: str = ""
    ticked: tuple[str, ...] = ()
    brightness: float = 1.0
    contrast: float = 1.0
    actual_size: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, urlstate.QueryValue], runs: Sequence[str]) -> MediaView:
        """Parse a URL query; anything unusable falls back to its default (never raises)."""
        return cls(
            run_regex=urlstate.as_text(query.get("runs")),
            tag_regex=urlstate.as_text(query.get("tags")),
            ticked=tuple(urlstate.decode_runs(query, runs)),
            brightness=urlstate.as_float(query.get("brightness"), 1.0, low=FILTER_RANGE[0], high=FILTER_RANGE[1]),
            contrast=urlstate.as_float(query.get("contrast"), 1.0, low=FILTER_RANGE[0], high=FILTER_RANGE[1]),
            actual_size=urlstate.as_bool(query.get("actual"), False),
        )

    @classmethod
    def from_controls(cls, run_regex: str | None, tag_regex: str | None, ticked: Sequence[str] | None,
                      brightness: Any = 1.0, contrast: Any = 1.0, actual: Sequence[str] | None = ()) -> MediaView:
        """Build the view from the sidebar controls' values (tolerant, like from_query)."""
        return cls(run_regex=run_regex or "", tag_regex=tag_regex or "", ticked=tuple(ticked or ()),
                   brightness=_multiplier(brightness), contrast=_multiplier(contrast),
                   actual_size="actual" in (actual or ()))

    def to_query(self, runs: Sequence[str]) -> str:
        """Return the shortest query string that reproduces this view ("" for all defaults)."""
        return urlstate.encode({
            "runs": self.run_regex,
            "tags": self.tag_regex,
            "brightness": None if self.brightness == 1.0 else f"{self.brightness:g}",
            "contrast": None if self.contrast == 1.0 else f"{self.contrast:g}",
            "actual": True if self.actual_size else None,
            **urlstate.encode_runs(self.ticked, runs),
        })


def _multiplier(value: Any) -> float:
    number = urlstate.as_optional_float(None if value is None else str(value))
    return 1.0 if number is None else round(min(max(number, FILTER_RANGE[0]), FILTER_RANGE[1]), 3)


# ----- page layout ----------------------------------------------------------------------------


def page(ids: MediaIds, view: MediaView, runs: Sequence[str], content: list[Component], summary: str,
         class_name: str) -> html.Div:
    """Return a media page: sidebar, summary line and sections (filled per section by the page's callback).

    Args:
        ids: the page's ids.
        view: the view from the URL.
        runs: every run.
        content: the main area's content (see sections_view).
        summary: the summary line.
        class_name: the page's class (see page_class).

    Returns:
        The page.
    """
    style, main_class = view_style(view)
    return html.Div([
        sidebar(ids, view, runs),
        html.Main([
            html.Div(summary, id=ids.summary, className="summary-line"),
            dcc.Loading(html.Div(content, id=ids.sections), delay_show=400, type="circle"),
        ], id=ids.main, className=main_class, style=style),
    ], id=ids.root, className=class_name)


def view_style(view: MediaView) -> tuple[dict[str, str], str]:
    """Return the main area's style (the image filter as a CSS variable) and class (actual size or fitted)."""
    return ({"--media-filter": css_filter(view.brightness, view.contrast)},
            "main media-main" + (" media-actual" if view.actual_size else ""))


def sidebar(ids: MediaIds, view: MediaView, runs: Sequence[str]) -> html.Aside:
    """Return the left sidebar: tag filter, image controls (Images only), run picker."""
    controls = _image_controls(ids, view) if ids.page == "images" else []
    return html.Aside([
        run_picker.tag_filter_input(ids.page, view.tag_regex),
        *controls,
        run_picker.run_picker(ids.page, runs, view.ticked, view.run_regex),
    ], className="sidebar")


def _image_controls(ids: MediaIds, view: MediaView) -> list[Component]:
    """Return the brightness and contrast sliders with their reset button, and the actual-size toggle."""
    marks = {0: "0", 1: "1×", 5: "5×"}

    def slider(control_id: dict[str, Any], value: float) -> dcc.Slider:
        return dcc.Slider(id=control_id, min=FILTER_RANGE[0], max=FILTER_RANGE[1], step=FILTER_STEP, value=value,
                          marks=marks, updatemode="drag", className="media-filter-slider")

    return [
        field("Brightness", slider(ids.brightness, view.brightness)),
        field("Contrast", slider(ids.contrast, view.contrast)),
        html.Div(html.Button("Reset brightness and contrast", id=ids.reset, n_clicks=0, className="small-button"),
                 className="button-row media-reset-row"),
        dcc.Checklist(id=ids.actual, value=["actual"] if view.actual_size else [], className="toggle-list",
                      options=[{"label": "Show actual image size", "value": "actual"}]),
    ]


def sections_view(kind: str, state: str, message: str, has_data: bool, tags: Sequence[str],
                  previous: Mapping[str, bool]) -> tuple[list[Component], str]:
    """Return the main area's content and its summary line.

    Args:
        kind: "images" or "audio" (also the page key of the sections).
        state: the data status ("ok", "missing", "empty").
        message: what to do when state is not "ok".
        has_data: whether any run logged this kind at all.
        tags: the tags to show (data in the shown runs, matching the tag filter).
        previous: group -> open, for sections on screen.

    Returns:
        (children, summary text).
    """
    return tag_sections.main_view(kind, state, message, has_data, lambda: _no_data(kind), tags, previous)


def _no_data(kind: str) -> html.Div:
    """Return the empty state of a logdir without this kind: what to log to see it."""
    return empty_state(
        f"No {WHAT[kind]} data was found",
        hint=f"Log {'an image' if kind == 'images' else 'an audio clip'} with TensorBoard's SummaryWriter "
             f"(torch.utils.tensorboard, tensorboardX or tf.summary); new steps show up here while training runs.",
        code=LOG_HINTS[kind],
    )


def page_class(kind: str, state: str, has_data: bool) -> str:
    """Return the page's CSS class: without data there is nothing to filter, so the sidebar hides."""
    return f"page page-media page-{kind}" + ("" if state == "ok" and has_data else " page-empty")
