"""Sidebar controls shared by chart pages: labelled fields, smoothing slider + box, toggles, ranges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html, no_update
from dash.development.base_component import Component

SMOOTHING_MAX = 0.999
DEFAULT_SMOOTHING = 0.6  # TensorBoard's default weight
# The time axes every chart page offers, with their labels.
TIME_AXIS_LABELS = {"step": "Step", "relative": "Relative (hours)", "wall": "Wall time"}


def field(label: str, *controls: Component, help_text: str = "") -> html.Div:
    """Return a labelled group of controls for the sidebar."""
    children: list[Component] = [html.Div(label, className="field-label", title=help_text or None), *controls]
    return html.Div(children, className="field")


def smoothing_control(slider_id: Any, input_id: Any, value: float) -> html.Div:
    """Return TensorBoard's smoothing control: a 0–0.999 slider and a number box kept in sync.

    Args:
        slider_id: the slider's id.
        input_id: the number box's id.
        value: the weight shown at first.

    Returns:
        The field.
    """
    slider = dcc.Slider(
        id=slider_id,
        min=0,
        max=SMOOTHING_MAX,
        step=0.001,
        value=value,
        updatemode="mouseup",
        marks={0: "0", 0.5: "0.5", SMOOTHING_MAX: "0.999"},
        className="smoothing-slider",
    )
    box = dcc.Input(
        id=input_id,
        type="number",
        min=0,
        max=SMOOTHING_MAX,
        step=0.001,
        value=value,
        debounce=0.4,
        className="number-input smoothing-input",
    )
    return field(
        "Smoothing",
        html.Div([html.Div(slider, className="smoothing-slider-wrap"), box], className="smoothing-row"),
        help_text="Debiased exponential moving average, as in TensorBoard, on every point",
    )


def radio_control(label: str, control_id: Any, options: Mapping[str, str], value: str) -> html.Div:
    """Return a labelled vertical radio group (value -> label options)."""
    return field(
        label,
        dcc.RadioItems(
            id=control_id,
            value=value,
            className="radio-list",
            options=[{"label": text, "value": key} for key, text in options.items()],
        ),
    )


def toggles(control_id: Any, options: Mapping[str, str], value: Sequence[str]) -> dcc.Checklist:
    """Return a list of on/off switches as one checklist (value: the keys that are on)."""
    return dcc.Checklist(
        id=control_id,
        value=list(value),
        className="toggle-list",
        options=[{"label": text, "value": key} for key, text in options.items()],
    )


def range_inputs(label: str, low_id: Any, high_id: Any, low: float | None, high: float | None) -> html.Div:
    """Return a labelled pair of number boxes (empty means "from the data")."""
    return field(
        label,
        html.Div(
            [
                dcc.Input(
                    id=low_id, type="number", value=low, placeholder="min", debounce=0.6, className="number-input"
                ),
                html.Span("–", className="range-dash"),
                dcc.Input(
                    id=high_id, type="number", value=high, placeholder="max", debounce=0.6, className="number-input"
                ),
            ],
            className="range-row",
        ),
    )


def clamp_smoothing(value: Any, default: float) -> float:
    """Return value as a smoothing weight in [0, 0.999] (not a number: default).

    Args:
        value: what a control sent (number, string or None).
        default: the weight to use when value is not a finite number.

    Returns:
        The weight.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    if number != number or number in (float("inf"), float("-inf")):
        return default
    return round(min(max(number, 0.0), SMOOTHING_MAX), 6)


def synced_smoothing(slider: Any, box: Any, *, box_moved: bool) -> tuple[Any, Any]:
    """Return the (slider, box) values that keep a smoothing control's two parts equal.

    Args:
        slider: the slider's value.
        box: the number box's value.
        box_moved: whether the box (not the slider) changed; the part the user moved wins.

    Returns:
        The new slider and box values, clamped to [0, 0.999]; no_update for a part already equal (or
        for both when the moved part is empty).
    """
    moved = box if box_moved else slider
    if moved is None:
        return no_update, no_update
    value = clamp_smoothing(moved, DEFAULT_SMOOTHING)
    return (value if value != slider else no_update), (value if value != box else no_update)
