"""Histogram data for the charts: TensorBoard's bucket rules, shared re-binning, step subsets and time axes."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from dateutil import tz

__all__ = [
    "DEFAULT_BINS",
    "TIME_AXES",
    "Buckets",
    "bucket_edges",
    "check_axis",
    "pick_steps",
    "rebin",
    "shared_edges",
    "time_values",
]

TIME_AXES: dict[str, str] = {"step": "step", "relative": "relative (hours)", "wall": "wall time"}
DEFAULT_BINS = 30  # TensorBoard re-bins every step onto 30 shared bins
DBL_MAX = sys.float_info.max
_EMPTY = np.empty(0, dtype=np.float64)
Buckets = tuple[np.ndarray, np.ndarray, np.ndarray]


def bucket_edges(row: Mapping[str, Any]) -> Buckets:
    """Return a histogram's buckets as (left, right, count), by TensorBoard's data_compat rules.

    Bucket i counts values in (bucket_limit[i-1], bucket_limit[i]]; the first starts at min.
    Empty buckets at both ends are dropped and every edge is clamped to [min, max], so legacy
    -DBL_MAX / DBL_MAX limits become min and max (for legacy rows this is exactly
    data_compat's result; a TF2 row keeps the real edges of its outer non-empty buckets).
    A constant histogram gives one zero-width bucket at its value.

    Args:
        row: one histograms row (min, max, bucket_limit, bucket; run, tag, step name errors).

    Returns:
        Three float64 arrays of equal length; all empty when no bucket has a positive count, or
        when min, max and every limit are NaN or infinite.

    Raises:
        ValueError: when bucket_limit and bucket differ in length.
    """
    limits = _floats(row.get("bucket_limit"))
    counts = np.nan_to_num(_floats(row.get("bucket")), nan=0.0, posinf=0.0, neginf=0.0)
    if limits.size != counts.size:
        raise ValueError(
            f"histogram {_where(row)}: {limits.size} bucket limits but {counts.size} bucket "
            f"counts; the writer produced a malformed histogram, re-log it"
        )
    filled = np.flatnonzero(counts > 0)
    if filled.size == 0:
        return _EMPTY, _EMPTY, _EMPTY
    start, end = int(filled[0]), int(filled[-1])
    bounds = _bounds(row, limits, start, end)
    if bounds is None:  # NaN min, max and limits (a diverged run): no place to draw the counts
        return _EMPTY, _EMPTY, _EMPTY
    low, high = bounds
    limits = np.nan_to_num(limits, nan=high, posinf=high, neginf=low)
    first = limits[start - 1] if start > 0 else low
    left = np.clip(np.concatenate([[first], limits[start:end]]), low, high)
    right = np.clip(limits[start : end + 1], low, high)
    return left, np.maximum(left, right), np.maximum(counts[start : end + 1], 0.0)


def _floats(values: Any) -> np.ndarray:
    if values is None:
        return _EMPTY
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _where(row: Mapping[str, Any]) -> str:
    return f"{row.get('run', '?')}/{row.get('tag', '?')} at step {row.get('step', '?')}"


def _usable(value: Any) -> bool:
    return value is not None and bool(np.isfinite(value)) and abs(float(value)) < DBL_MAX


def _bounds(row: Mapping[str, Any], limits: np.ndarray, start: int, end: int) -> tuple[float, float] | None:
    """Return (min, max) of the histogram, falling back to finite limits where min/max are unusable (None: none is)."""
    near = limits[max(start - 1, 0) : end + 1]
    near = near[np.isfinite(near) & (np.abs(near) < DBL_MAX)]
    if not (near.size or _usable(row.get("min")) or _usable(row.get("max"))):
        return None
    low = float(row["min"]) if _usable(row.get("min")) else (float(near.min()) if near.size else 0.0)
    high = float(row["max"]) if _usable(row.get("max")) else (float(near.max()) if near.size else low)
    return (low, high) if low <= high else (high, low)


def rebin(left: np.ndarray, right: np.ndarray, count: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Spread bucket counts onto new bins, assuming values are uniform inside each bucket.

    A bucket's count is split between the new bins in proportion to their overlap with it;
    a zero-width bucket puts its whole count in the bin holding its value (the last bin
    includes its right edge). Mass outside [edges[0], edges[-1]] is dropped, so with edges
    that cover every bucket the total is preserved.

    Args:
        left: bucket left edges.
        right: bucket right edges.
        count: bucket counts.
        edges: the new bin edges, strictly increasing, at least 2.

    Returns:
        The count of each new bin (len(edges) - 1 values).

    Raises:
        ValueError: when edges are not strictly increasing or fewer than 2.
    """
    edges = np.asarray(edges, dtype=np.float64)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be at least 2 strictly increasing values, got {edges.tolist()[:5]}...")
    left, right, count = (np.asarray(a, dtype=np.float64) for a in (left, right, count))
    width = right - left
    wide = width > 0
    overlap = np.minimum(right[wide, None], edges[None, 1:]) - np.maximum(left[wide, None], edges[None, :-1])
    out = (np.clip(overlap, 0.0, None) / width[wide, None] * count[wide, None]).sum(axis=0)
    points, mass = left[~wide], count[~wide]
    index = np.searchsorted(edges, points, side="right") - 1
    index[points == edges[-1]] = edges.size - 2
    inside = (index >= 0) & (index < edges.size - 1)
    np.add.at(out, index[inside], mass[inside])
    return out


def shared_edges(buckets: Sequence[Buckets], bins: int = DEFAULT_BINS) -> np.ndarray:
    """Return bins+1 evenly spaced edges spanning every histogram (±0.5 around a single value).

    Args:
        buckets: (left, right, count) of each histogram; empty ones are ignored.
        bins: how many bins.

    Returns:
        The edges; [-0.5, 0.5] split into bins when every histogram is empty.
    """
    lows = [b[0][0] for b in buckets if b[0].size]
    highs = [b[1][-1] for b in buckets if b[1].size]
    low, high = (min(lows), max(highs)) if lows else (0.0, 0.0)
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, max(int(bins), 1) + 1)


def pick_steps(steps: Sequence[int] | np.ndarray, limit: int) -> tuple[list[int], int]:
    """Choose an evenly spaced subset of the distinct steps, always with the first and last.

    Args:
        steps: the logged steps, in any order, duplicates allowed.
        limit: the most steps to return (at least 2).

    Returns:
        (chosen steps ascending, number of distinct steps).

    Raises:
        ValueError: when limit is below 2.
    """
    if limit < 2:
        raise ValueError(f"limit must be at least 2 (the first and last step), got {limit}")
    unique = np.unique(np.asarray(steps, dtype=np.int64))
    if unique.size <= limit:
        return unique.tolist(), int(unique.size)
    index = np.round(np.linspace(0, unique.size - 1, limit)).astype(np.int64)
    return unique[index].tolist(), int(unique.size)


def time_values(steps: np.ndarray, walls: np.ndarray, time_axis: str, *, origin: float | None = None) -> np.ndarray:
    """Return numeric positions on a time axis.

    Args:
        steps: the steps.
        walls: the wall times (epoch seconds).
        time_axis: "step" (the step), "relative" (hours since origin) or "wall" (local time as
            epoch milliseconds, which Plotly's date axes read directly).
        origin: the wall time "relative" counts from (default: the earliest in walls).

    Returns:
        float64 positions.

    Raises:
        ValueError: for an unknown time_axis.
    """
    check_axis(time_axis)
    walls = np.asarray(walls, dtype=np.float64)
    if time_axis == "step":
        return np.asarray(steps, dtype=np.float64)
    if time_axis == "relative":
        start = origin if origin is not None else (float(walls.min()) if walls.size else 0.0)
        return (walls - start) / 3600.0
    local = pd.to_datetime(walls, unit="s", utc=True).tz_convert(tz.tzlocal()).tz_localize(None)
    return local.as_unit("ns").asi8 / 1e6


def check_axis(time_axis: str) -> None:
    """Raise ValueError unless time_axis is one of TIME_AXES."""
    if time_axis not in TIME_AXES:
        raise ValueError(f"time_axis must be one of {', '.join(TIME_AXES)}, got {time_axis!r}")
