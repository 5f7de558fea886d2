"""Audio cards: a one-line description of a clip (sample rate, duration, channels), read from its WAV header if needed."""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["WavInfo", "describe", "wav_info"]


@dataclass(frozen=True)
class WavInfo:
    """What a WAV header says about a clip.

    Attributes:
        sample_rate: frames per second.
        channels: interleaved channels per frame.
        frames: frames in the clip.
    """

    sample_rate: float
    channels: int
    frames: int


def wav_info(data: bytes | None) -> WavInfo | None:
    """Read sample rate, channels and frame count from a PCM WAV file.

    The loaders already fill these fields from the header; this is the fallback for rows
    where they are missing. Compressed or float WAV files, and anything else, give None.

    Args:
        data: the encoded clip.

    Returns:
        The header values, or None when data is not a readable PCM WAV file.
    """
    if not data:
        return None
    try:
        with wave.open(io.BytesIO(data), "rb") as clip:
            return WavInfo(float(clip.getframerate()), clip.getnchannels(), clip.getnframes())
    except (wave.Error, EOFError, ValueError):
        return None


def describe(row: Mapping[str, Any]) -> str:
    """Return e.g. "16000 Hz · 1.25 s · 2 channels" for an audio row.

    sample_rate, channels and frames come from the row; any that is missing (NaN or 0) is
    read from the clip's WAV header, and a part that is still unknown is left out.

    Args:
        row: one audio row (sample_rate, channels, frames, data).

    Returns:
        The description; "unknown format" when nothing is known.
    """
    rate, channels, frames = _number(row.get("sample_rate")), _number(row.get("channels")), _number(row.get("frames"))
    if not (rate and channels and frames):
        header = wav_info(row.get("data"))
        if header is not None:
            rate, channels, frames = rate or header.sample_rate, channels or header.channels, frames or header.frames
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
