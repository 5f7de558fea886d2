"""The sample cards of the Images and Audio pages: one (run, tag, sample index) each, with a step slider.

A card's slider runs over the POSITIONS 0..n-1 of every logged step (Dash 4 allows at most 500
marks, and steps are rarely evenly spaced); the server turns a position into a step, and the
bytes come from the blob route (dashboard.blobs), never inlined into the layout. The page hands
in the blob addresses (an Address function) and the id of each card's store, so this module
needs neither the data nor the pages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import Output, dcc, html
from dash.development.base_component import Component

from dashboard.figures.audio import describe
from dashboard.figures.images import is_small, nearest_index, step_caption, step_marks

__all__ = [
    "Address",
    "CardUpdate",
    "card_key",
    "card_keys",
    "card_update",
    "cards",
    "choose_position",
    "ids",
    "shown_keys",
    "step_outputs",
    "trigger_of",
]

# The blob address of one logged sample: (run, tag, step, index, wall_time) -> URL (see dashboard.blobs.url).
Address = Callable[[str, str, int, int, float], str]


class ids:  # noqa: N801 - a namespace
    """Dict ids of a card's parts; `page` ("images" or "audio") tells the two pages apart, and run, tag and
    index tell the cards apart (MATCH or ALL work for each part)."""

    @staticmethod
    def slider(page: Any, run: Any, tag: Any, index: Any) -> dict[str, Any]:
        """A card's step slider (value: the position of the shown step)."""
        return {"type": "media-slider", "page": page, "run": run, "tag": tag, "index": index}

    @staticmethod
    def step_input(page: Any, run: Any, tag: Any, index: Any) -> dict[str, Any]:
        """A card's exact-step box (the current step; a typed one jumps to the nearest logged step)."""
        return {"type": "media-step-input", "page": page, "run": run, "tag": tag, "index": index}

    @staticmethod
    def caption(page: Any, run: Any, tag: Any, index: Any) -> dict[str, Any]:
        """A card's "step N · wall time" line."""
        return {"type": "media-caption", "page": page, "run": run, "tag": tag, "index": index}

    @staticmethod
    def media(page: Any, run: Any, tag: Any, index: Any) -> dict[str, Any]:
        """A card's <img> or <audio>."""
        return {"type": "media-element", "page": page, "run": run, "tag": tag, "index": index}

    @staticmethod
    def info(page: Any, run: Any, tag: Any, index: Any) -> dict[str, Any]:
        """A card's details (image size; audio rate, duration, channels and label)."""
        return {"type": "media-info", "page": page, "run": run, "tag": tag, "index": index}


def cards(
    page: str,
    frame: pd.DataFrame,
    colors: Mapping[str, str],
    address: Address,
    store_id: Callable[[str], dict[str, Any]],
) -> list[html.Div]:
    """Return one card per (tag, run, sample index) of a samples frame, each at its newest step.

    Args:
        page: "images" or "audio" (the kind of the samples, part of every id).
        frame: dashboard.data.media.samples() rows (sorted by tag, run, index, step).
        colors: run -> colour.
        address: the blob address of a sample.
        store_id: card key (see card_key) -> the id of the card's store, which holds {"tag", "run", "index"}
            (a page reads the stores back to tell whether new data changed its cards; see shown_keys).

    Returns:
        The cards, in the frame's order.
    """
    last = frame.groupby(["run", "tag"], sort=False)["index"].max().reset_index()
    counts = {(str(run), str(tag)): int(index) + 1 for run, tag, index in zip(last["run"], last["tag"], last["index"])}
    built = []
    for (tag, run, _index), rows in frame.groupby(["tag", "run", "index"], sort=False):
        color = colors.get(str(run), "#757575")
        built.append(_card(page, rows.reset_index(drop=True), color, counts[(str(run), str(tag))], address, store_id))
    return built


def card_key(run: str, tag: str, index: int) -> str:
    """Return the key of a card's store id: its run, tag and index as one JSON text."""
    return json.dumps([run, tag, int(index)])


def card_keys(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    """Return the (run, tag, index) of every card a samples frame makes."""
    unique = frame[["run", "tag", "index"]].drop_duplicates()
    return {(str(run), str(tag), int(index)) for run, tag, index in unique.itertuples(index=False)}


def shown_keys(shown: Sequence[Any] | None) -> set[tuple[str, str, int]]:
    """Return the (run, tag, index) of the cards on screen, from their stores' data (anything malformed is left out)."""
    keys = set()
    for item in shown or ():
        if (
            isinstance(item, Mapping)
            and isinstance(item.get("run"), str)
            and isinstance(item.get("tag"), str)
            and isinstance(item.get("index"), int)
            and not isinstance(item.get("index"), bool)
        ):
            keys.add((item["run"], item["tag"], item["index"]))
    return keys


def _card(
    page: str, rows: pd.DataFrame, color: str, samples: int, address: Address, store_id: Callable[[str], dict[str, Any]]
) -> html.Div:
    """Return one sample's card at its newest step: title, run, image or player, caption, step box, slider."""
    run, tag, index = str(rows["run"].iloc[0]), str(rows["tag"].iloc[0]), int(rows["index"].iloc[0])
    key = (page, run, tag, index)
    shown = card_update(page, rows, len(rows) - 1, address)
    sample = [html.Span(f"· sample {index + 1} of {samples}", className="media-sample")] if samples > 1 else []
    header = html.Div(
        html.Div(
            [
                html.Span(tag, className="card-title", title=tag),
                html.Span(
                    [
                        html.Span(className="swatch", style={"backgroundColor": color}),
                        html.Span(run, title=run, className="media-run-name"),
                        *sample,
                    ],
                    className="card-subtitle media-run",
                ),
            ],
            className="card-heading",
        ),
        className="card-header",
    )
    return html.Div(
        [
            header,
            html.Div(_media_element(key, shown), className="media-frame"),
            html.Div(shown.info, id=ids.info(*key), className="media-info"),
            html.Div(
                [
                    html.Div(shown.caption, id=ids.caption(*key), className="media-caption"),
                    html.Label(
                        [
                            "Step",
                            dcc.Input(
                                id=ids.step_input(*key),
                                type="number",
                                value=shown.step,
                                debounce=True,
                                className="number-input media-step-input",
                            ),
                        ],
                        title="Type a step and press Enter: shows the logged step nearest to it",
                        className="media-step-field",
                    ),
                ],
                className="media-step-row",
            ),
            dcc.Slider(
                id=ids.slider(*key),
                min=0,
                max=shown.last,
                step=1,
                value=shown.position,
                marks=shown.marks,
                updatemode="drag",
                included=False,
                allow_direct_input=False,
                className=shown.slider_class,
            ),
            dcc.Store(id=store_id(card_key(run, tag, index)), data={"tag": tag, "run": run, "index": index}),
        ],
        className=f"card media-card media-card-{page}",
    )


def _media_element(key: tuple[str, str, str, int], shown: CardUpdate) -> Component:
    """Return the card's <img> or <audio controls> pointing at the blob route."""
    if key[0] == "images":
        return html.Img(id=ids.media(*key), src=shown.src, alt=shown.alt, className=shown.media_class)
    return html.Audio(id=ids.media(*key), src=shown.src, controls=True, preload="metadata", className="media-audio")


def step_outputs(page: str, run: Any, tag: Any, index: Any) -> list[Output]:
    """Return the Outputs of a card's step callback, in the order of CardUpdate.values (MATCH works for each part).

    Args:
        page: "images" (the <img> alt text and class are outputs too) or "audio".
        run: the card's run (or MATCH).
        tag: its tag (or MATCH).
        index: its sample index (or MATCH).

    Returns:
        The Outputs.
    """
    key = (page, run, tag, index)
    image = [Output(ids.media(*key), "alt"), Output(ids.media(*key), "className")] if page == "images" else []
    return [
        Output(ids.slider(*key), "max"),
        Output(ids.slider(*key), "marks"),
        Output(ids.slider(*key), "value"),
        Output(ids.slider(*key), "className"),
        Output(ids.step_input(*key), "value"),
        Output(ids.media(*key), "src"),
        *image,
        Output(ids.caption(*key), "children"),
        Output(ids.info(*key), "children"),
    ]


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

    def values(self, page: str) -> tuple[Any, ...]:
        """Return the values of a card's step callback, in the order of step_outputs(page, ...)."""
        image = (self.alt, self.media_class) if page == "images" else ()
        return (
            self.last,
            self.marks,
            self.position,
            self.slider_class,
            self.step,
            self.src,
            *image,
            self.caption,
            self.info,
        )


def card_update(kind: str, rows: pd.DataFrame, position: int, address: Address) -> CardUpdate:
    """Return what a card shows at one slider position.

    Args:
        kind: "images" or "audio".
        rows: the sample's rows, one per step, ascending (not empty).
        position: the slider position (clamped to the rows).
        address: the blob address of a sample.

    Returns:
        The card's new state.
    """
    last = len(rows) - 1
    position = min(max(int(position), 0), last)
    row = rows.iloc[position]
    run, tag, step, index = str(row["run"]), str(row["tag"]), int(row["step"]), int(row["index"])
    src = address(run, tag, step, index, float(row["wall_time"]))
    if kind == "images":
        width, height = int(row["width"]), int(row["height"])
        size = f"{width} × {height} px" if width and height else ""
        info: list[Component] = [html.Span(size, className="media-dims")]
        media_class = "media-image pixelated" if is_small(width, height) else "media-image"
    else:
        label = str(row["label"] or "")
        info = [
            html.Span(describe({str(name): value for name, value in row.items()}), className="media-format"),
            *([html.Span(label, className="media-label", title=label)] if label else []),
        ]
        media_class = "media-audio"
    return CardUpdate(
        position,
        last,
        step_marks(rows["step"].to_numpy()),
        "media-slider" + (" media-slider-single" if last == 0 else ""),
        step,
        src,
        f"{tag} · {run} · step {step}",
        media_class,
        step_caption(step, float(row["wall_time"])),
        info,
    )


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
