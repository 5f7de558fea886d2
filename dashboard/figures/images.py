"""Image cards: step-slider marks, the exact-step lookup, and CSS for brightness, contrast and pixelated rendering."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from dateutil import tz

from dashboard.figures.buckets import pick_steps

__all__ = [
    "LABELS",
    "SMALL_SIDE",
    "css_filter",
    "image_style",
    "is_small",
    "nearest_index",
    "step_caption",
    "step_marks",
]

LABELS = 10  # about how many steps the slider labels
SMALL_SIDE = 128  # images whose longer side is below this many pixels are drawn pixelated
FILTER_RANGE = (0.0, 5.0)  # TensorBoard's brightness and contrast sliders run 0-5x


def step_marks(steps: Sequence[int] | np.ndarray, *, labels: int = LABELS) -> dict[int, str]:
    """Return labels for a dcc.Slider over the INDEX of every step (value i means steps[i]).

    The slider runs min=0, max=len(steps)-1, step=1, so every logged step is reachable
    whatever its spacing, and Dash 4's 500-mark limit is never hit; only about `labels`
    evenly spaced positions, always the first and last, are labelled, with the step number.

    Args:
        steps: the logged steps, ascending.
        labels: about how many positions to label (at least 2).

    Returns:
        {index: label}; large steps are abbreviated ("12k", "1.5M"); {} when there are none.
    """
    if len(steps) == 0:
        return {}
    chosen, _ = pick_steps(np.arange(len(steps)), max(labels, 2))
    return {int(i): _compact(int(steps[i])) for i in chosen}


def _compact(step: int) -> str:
    if abs(step) < 10_000:
        return str(step)
    value = float(step)
    for suffix in ("k", "M", "G", "T"):  # noqa: B007 - the unit the loop stops at is the one shown
        value /= 1000
        if abs(round(value, 1)) < 1000:
            break
    return f"{value:.1f}".rstrip("0").rstrip(".") + suffix


def nearest_index(steps: Sequence[int] | np.ndarray, step: int | float | None) -> int:
    """Return the slider index of the logged step nearest to a typed step (ties: the earlier).

    Args:
        steps: the logged steps, ascending.
        step: the step the user asked for; None or NaN gives the newest.

    Returns:
        An index into steps.

    Raises:
        ValueError: when steps is empty.
    """
    if len(steps) == 0:
        raise ValueError("no steps to choose from: this sample has no images")
    values = np.asarray(steps, dtype=np.float64)
    if step is None or not math.isfinite(step):
        return len(values) - 1
    return int(np.argmin(np.abs(values - float(step))))


def step_caption(step: int, wall_time: float) -> str:
    """Return "step 120 · 2024-05-01 13:45:12" with the wall time in local time.

    Args:
        step: the step.
        wall_time: epoch seconds.

    Returns:
        The caption; the time part is left out when wall_time is not finite.
    """
    if not math.isfinite(wall_time):
        return f"step {step}"
    stamp = pd.Timestamp(wall_time, unit="s", tz="UTC").tz_convert(tz.tzlocal())
    return f"step {step} · {stamp:%Y-%m-%d %H:%M:%S}"


def css_filter(brightness: float | None, contrast: float | None) -> str:
    """Return a CSS filter for brightness and contrast multipliers.

    Args:
        brightness: 0-5 (1 leaves the image as it is); None or NaN counts as 1, others are clamped.
        contrast: the same for contrast.

    Returns:
        "none" when both are 1, else e.g. "brightness(1.5) contrast(0.8)".
    """
    values = [_clamp(brightness), _clamp(contrast)]
    if values == [1.0, 1.0]:
        return "none"
    return f"brightness({values[0]:g}) contrast({values[1]:g})"


def _clamp(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return 1.0
    return round(min(max(float(value), FILTER_RANGE[0]), FILTER_RANGE[1]), 3)


def is_small(width: int | None, height: int | None) -> bool:
    """Say whether an image is small enough to scale up with pixelated (nearest-neighbour) rendering.

    Args:
        width: pixels (0 or None when the writer did not record it).
        height: pixels.

    Returns:
        True when both sides are known and the longer is below SMALL_SIDE.
    """
    if not width or not height:
        return False
    return 0 < max(width, height) < SMALL_SIDE


def image_style(
    width: int | None,
    height: int | None,
    *,
    actual_size: bool = False,
    brightness: float | None = 1.0,
    contrast: float | None = 1.0,
) -> dict[str, str]:
    """Return the inline style of an image card's <img>.

    Args:
        width: the image width in pixels (0 or None if unknown).
        height: the image height in pixels.
        actual_size: show it at its own pixel size (scrolling if wider than the card) instead
            of fitting the card's width.
        brightness: 0-5 multiplier.
        contrast: 0-5 multiplier.

    Returns:
        A React style dict: filter, imageRendering (pixelated for small images) and sizing.
    """
    style = {"filter": css_filter(brightness, contrast), "display": "block"}
    if is_small(width, height):
        style["imageRendering"] = "pixelated"
    if actual_size:
        style.update(maxWidth="none", width=f"{width}px" if width else "auto", height="auto")
    else:
        style.update(maxWidth="100%", width="100%" if is_small(width, height) else "auto", height="auto")
    return style
