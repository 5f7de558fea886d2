"""Building blocks of the Images and Audio pages: ids, URL-borne view, sidebar, sections and sample cards.

A card shows one (run, tag, sample index). Its slider runs over the POSITIONS 0..n-1 of every
logged step (Dash 4 allows at most 500 marks, and steps are rarely evenly spaced); the server
turns a position into a step, and the bytes come from the blob route (dashboard.blobs), never
inlined into the layout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import blobs, urlstate
from dashboard.components import run_picker, tag_sections
from dashboard.components.controls import field
from dashboard.components.empty_state import empty_state
from dashboard.figures.audio import describe
from dashboard.figures.images import FILTER_RANGE, css_filter, is_small, nearest_index, step_caption, step_marks

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


# ----- cards --------------------------------------------------------------------------------


def cards(ids: MediaIds, frame: pd.DataFrame, colors: Mapping[str, str], prefix: str) -> list[html.Div]:
    """Return one card per (tag, run, sample index) of a samples frame, each at its newest step.

    Args:
        ids: the page's ids (ids.page is the kind).
        frame: dashboard.data.media.samples() rows (sorted by tag, run, index, step).
        colors: run -> colour.
        prefix: the app's path prefix (for blob addresses).

    Returns:
        The cards, in the frame's order.
    """
    counts = frame.groupby(["run", "tag"], sort=False)["index"].max() + 1 if len(frame) else {}
    built = []
    for (tag, run, index), rows in frame.groupby(["tag", "run", "index"], sort=False):
        rows = rows.reset_index(drop=True)
        built.append(_card(ids, rows, colors.get(run, "#757575"), int(counts[(run, tag)]), prefix))
    return built


def card_keys(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    """Return the (run, tag, index) of every card a samples frame makes."""
    unique = frame[["run", "tag", "index"]].drop_duplicates()
    return {(str(run), str(tag), int(index)) for run, tag, index in unique.itertuples(index=False)}


def shown_keys(shown: Sequence[Mapping[str, Any]] | None, tags: Sequence[str]) -> set[tuple[str, str, int]]:
    """Return the (run, tag, index) of the cards on screen whose tag is one of tags (from ALL slider ids)."""
    wanted = set(tags)
    return {(item["run"], item["tag"], int(item["index"])) for item in shown or () if item.get("tag") in wanted}


def _card(ids: MediaIds, rows: pd.DataFrame, color: str, samples: int, prefix: str) -> html.Div:
    """Return one sample's card at its newest step: title, run, image or player, caption, step box, slider."""
    run, tag, index = str(rows["run"].iloc[0]), str(rows["tag"].iloc[0]), int(rows["index"].iloc[0])
    key = (run, tag, index)
    shown = card_update(ids.page, rows, len(rows) - 1, prefix)
    sample = f" · sample {index + 1} of {samples}" if samples > 1 else ""
    header = html.Div(html.Div([
        html.Span(tag, className="card-title", title=tag),
        html.Span([html.Span(className="swatch", style={"backgroundColor": color}),
                   html.Span(run + sample, title=run)], className="card-subtitle media-run"),
    ], className="card-heading"), className="card-header")
    return html.Div([
        header,
        html.Div(_media_element(ids, key, shown), className="media-frame"),
        html.Div(shown.info, id=ids.info(*key), className="media-info"),
        html.Div([
            html.Div(shown.caption, id=ids.caption(*key), className="media-caption"),
            html.Label(["Step", dcc.Input(id=ids.step_input(*key), type="number", value=shown.step, debounce=True,
                                          className="number-input media-step-input")],
                       title="Type a step and press Enter: shows the logged step nearest to it",
                       className="media-step-field"),
        ], className="media-step-row"),
        dcc.Slider(id=ids.slider(*key), min=0, max=shown.last, step=1, value=shown.position, marks=shown.marks,
                   updatemode="drag", included=False, allow_direct_input=False, className=shown.slider_class),
    ], className=f"card media-card media-card-{ids.page}")


def _media_element(ids: MediaIds, key: tuple[str, str, int], shown: CardUpdate) -> Component:
    """Return the card's <img> or <audio controls> pointing at the blob route."""
    if ids.page == "images":
        return html.Img(id=ids.media(*key), src=shown.src, alt=shown.alt, className=shown.media_class)
    return html.Audio(id=ids.media(*key), src=shown.src, controls=True, preload="metadata", className="media-audio")


@dataclass(frozen=True)
class CardUpdate:
    """What a card shows for one step; the card callbacks return these fields.

    Attributes:
        position: the slider position (index into the card's steps).
        last: the last position (slider max).
        marks: slider labels (see figures.images.step_marks).
        slider_class: the slider's class (hidden when there is only one step).
        step: the shown step.
        src: the blob address of the shown sample.
        alt: the image's alt text.
        media_class: the <img> class (pixelated when small).
        caption: "step N · wall time".
        info: image size, or the audio's rate/duration/channels and label.
    """

    position: int
    last: int
    marks: dict[int, str]
    slider_class: str
    step: int
    src: str
    alt: str
    media_class: str
    caption: str
    info: list[Component]


def card_update(kind: str, rows: pd.DataFrame, position: int, prefix: str) -> CardUpdate:
    """Return what a card shows at one slider position.

    Args:
        kind: "images" or "audio".
        rows: the sample's rows, one per step, ascending (not empty).
        position: the slider position (clamped to the rows).
        prefix: the app's path prefix.

    Returns:
        The card's new state.
    """
    last = len(rows) - 1
    position = min(max(int(position), 0), last)
    row = rows.iloc[position]
    run, tag, step, index = str(row["run"]), str(row["tag"]), int(row["step"]), int(row["index"])
    src = blobs.url(prefix, kind, run, tag, step, index, float(row["wall_time"]))
    if kind == "images":
        width, height = int(row["width"]), int(row["height"])
        info = [html.Span(f"{width} × {height} px" if width and height else "", className="media-dims")]
        media_class = "media-image pixelated" if is_small(width, height) else "media-image"
    else:
        label = str(row["label"] or "")
        info = [html.Span(describe(row.to_dict()), className="media-format"),
                *([html.Span(label, className="media-label", title=label)] if label else [])]
        media_class = "media-audio"
    return CardUpdate(position, last, step_marks(rows["step"].to_numpy()),
                      "media-slider" + (" media-slider-single" if last == 0 else ""), step, src,
                      f"{tag} · {run} · step {step}", media_class, step_caption(step, float(row["wall_time"])), info)


def choose_position(steps: Sequence[int], trigger: str, position: Any, typed: Any, old_last: Any) -> int:
    """Return the slider position a card should show after an input changed.

    Args:
        steps: the card's logged steps now, ascending (not empty).
        trigger: "slider" (moved), "step" (a step was typed) or "data" (new data arrived).
        position: the slider's value.
        typed: the exact-step box's value (it shows the current step unless the user typed one).
        old_last: the slider's max before the new data (to tell whether it sat at the newest step).

    Returns:
        A position in 0..len(steps)-1: the typed step's nearest logged step; after new data the
        newest step if the slider was at the newest (like TensorBoard), else the same step as before.
    """
    last = len(steps) - 1
    current = _int_or_none(position)
    if trigger == "step" and _number_or_none(typed) is not None:
        return nearest_index(steps, float(typed))
    if trigger == "data":
        if current is None or _int_or_none(old_last) is None or current >= int(old_last):
            return last
        anchor = _number_or_none(typed)
        return nearest_index(steps, anchor) if anchor is not None else min(max(current, 0), last)
    return last if current is None else min(max(current, 0), last)


def trigger_of(triggered_id: Any) -> str:
    """Return "slider", "step" or "data" for the input that fired a card callback (ctx.triggered_id)."""
    if isinstance(triggered_id, dict):
        return "step" if triggered_id.get("type") == "media-step-input" else "slider"
    return "data"


def _int_or_none(value: Any) -> int | None:
    number = _number_or_none(value)
    return None if number is None else int(number)


def _number_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
