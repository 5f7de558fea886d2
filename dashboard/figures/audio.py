"""Audio cards: a one-line description of a clip (sample rate, duration, channels)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["describe"]


def describe(row: Mapping[str, Any]) -> str:
    """Return e.g. "16000 Hz · 1.25 s · 2 channels" for an audio row.

    sample_rate, channels and frames come from the row (the loaders fill them from the clip's
    WAV header when the writer left them out); a part that is still unknown is left out.

    Args:
        row: one audio row (sample_rate, channels, frames).

    Returns:
        The description; "unknown format" when nothing is known.
    """
    rate, channels, frames = _number(row.get("sample_rate")), _number(row.get("channels")), _number(row.get("frames"))
    parts = []
    if rate:
        parts.append(f"{rate:.0f} Hz" if rate == int(rate) else f"{rate:g} Hz")
    if rate and frames:
        parts.append(f"{_seconds(frames / rate)} s")
    if channels:
        parts.append("1 channel" if channels == 1 else f"{channels:.0f} channels")
    return " · ".join(parts) or "unknown format"


def _seconds(duration: float) -> str:
    """Return a duration with 2 decimals (3 significant digits under a second), trailing zeros cut."""
    text = f"{duration:.2f}" if duration >= 1 else f"{duration:.3g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Any) -> float:
    """Return value as a positive float, or 0.0 for None, NaN, non-numbers and values <= 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0
