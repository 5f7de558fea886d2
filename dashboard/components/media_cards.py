"""The sample cards of the Images and Audio pages: one (run, tag, sample index) each, with a step slider.

A card's slider runs over the POSITIONS 0..n-1 of every logged step (Dash 4 allows at most 500
marks, and steps are rarely evenly spaced); the server turns a position into a step, and the
bytes come from the blob route (dashboard.blobs), never inlined into the layout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import blobs
from dashboard.components.media_views import MediaIds
from dashboard.figures.audio import describe
from dashboard.figures.images import is_small, nearest_index, step_caption, step_marks

__all__ = ["CardUpdate", "card_keys", "card_update", "cards", "choose_position", "shown_keys", "trigger_of"]


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
    sample = [html.Span(f"· sample {index + 1} of {samples}", className="media-sample")] if samples > 1 else []
    header = html.Div(html.Div([
        html.Span(tag, className="card-title", title=tag),
        html.Span([html.Span(className="swatch", style={"backgroundColor": color}),
                   html.Span(run, title=run, className="media-run-name"), *sample], className="card-subtitle media-run"),
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
