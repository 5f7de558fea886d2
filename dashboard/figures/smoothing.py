"""Line reduction for charts: TensorBoard's debiased EMA and min/max/first/last downsampling."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

# Largest power magnitude allowed inside one vectorized block (float64 tops out near 1e308).
_MAX_EXPONENT10 = 250.0
_MAX_BLOCK = 1024


def smooth(values: ArrayLike, weight: float) -> np.ndarray:
    """Smooth a series with TensorBoard's debiased exponential moving average, exactly.

    last = 0, k = 0; for each finite y: last = w·last + (1−w)·y, k += 1, out = last / (1 − w^k)
    (the divisor is 1 when w == 1). Non-finite values (NaN, ±inf) are output unchanged and do not
    update last or k. A series whose values are all equal is returned unchanged (TensorBoard #786).
    The order of the values is the order of the points, as in TensorBoard; spacing is ignored.

    Args:
        values: the raw values in point order.
        weight: the smoothing weight w in [0, 1]; 0 returns the values unchanged.

    Returns:
        A new float64 array of the same length.

    Raises:
        ValueError: weight is not a number in [0, 1].
    """
    if not isinstance(weight, (int, float)) or not 0.0 <= weight <= 1.0:
        raise ValueError(f"smoothing weight must be a number in [0, 1], got {weight!r}")
    y = np.array(values, dtype=np.float64)
    if y.size == 0 or weight == 0.0 or bool(np.all(y == y[0])):
        return y
    finite = np.isfinite(y)
    ema = _ema(y[finite], float(weight))
    if weight != 1.0:
        ema /= -np.expm1(np.arange(1, ema.size + 1) * math.log(weight))
    y[finite] = ema
    return y


def _ema(y: np.ndarray, weight: float) -> np.ndarray:
    """Return last_k = w·last_{k−1} + (1−w)·y_k with last_0 = 0, vectorized in blocks.

    Within a block of length B the recursion unrolls to
    last_{t+i} = w^(i+1)·last_{t−1} + (1−w)·w^i·Σ_{j≤i} w^(−j)·y_{t+j}; the block length keeps
    w^(−B) finite, so the sum only loses the usual float64 rounding.
    """
    if weight == 1.0:
        return np.zeros_like(y)
    block = _block_length(weight)
    out = np.empty_like(y)
    powers = weight ** np.arange(block + 1, dtype=np.float64)
    inverse = 1.0 / powers[:block]
    last = 0.0
    for start in range(0, y.size, block):
        chunk = y[start : start + block]
        n = chunk.size
        acc = np.cumsum(chunk * inverse[:n]) * powers[:n] * (1.0 - weight)
        out[start : start + n] = acc + powers[1 : n + 1] * last
        last = out[start + n - 1]
    return out


def _block_length(weight: float) -> int:
    exponent10 = -math.log10(weight)
    return max(1, min(_MAX_BLOCK, int(_MAX_EXPONENT10 / exponent10)))


def downsample(x: ArrayLike, y: ArrayLike, n_buckets: int) -> np.ndarray:
    """Choose the points to draw: per x bucket its first, last, lowest and highest point.

    The x range is cut into n_buckets equal-width buckets (about one per pixel). Every bucket
    keeps the indices of its first and last point, its minimum and maximum finite y, and its first
    non-finite y (so NaN/inf gaps survive). Series short enough already are returned whole.

    Args:
        x: numeric x positions (steps, hours or epoch seconds), one per point.
        y: the values, one per point.
        n_buckets: how many buckets; 0 or less keeps every point.

    Returns:
        Sorted int64 indices into x and y.

    Raises:
        ValueError: x and y differ in length.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape:
        raise ValueError(f"downsample: x has {xs.size} points but y has {ys.size}")
    if n_buckets <= 0 or xs.size <= 4 * n_buckets:
        return np.arange(xs.size, dtype=np.int64)
    buckets = _bucket_ids(xs, n_buckets)
    order = None if bool(np.all(buckets[1:] >= buckets[:-1])) else np.argsort(buckets, kind="stable")
    if order is not None:
        buckets, ys = buckets[order], ys[order]
    keep = _bucket_extremes(buckets, ys)
    if order is not None:
        keep = order[keep]
    return np.unique(keep).astype(np.int64)


def _bucket_extremes(buckets: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Per run of equal bucket ids: first, last, lowest and highest finite y, first non-finite y.

    Ties keep the earliest point; buckets must be grouped (non-decreasing), which keeps this one
    pass of reduceat over the bucket boundaries instead of a sort per key.
    """
    starts = np.flatnonzero(np.r_[True, buckets[1:] != buckets[:-1]])
    ends = np.r_[starts[1:], buckets.size]
    segment = np.repeat(np.arange(starts.size), ends - starts)
    finite = np.isfinite(ys)
    lows = np.where(finite, ys, np.inf)
    highs = np.where(finite, ys, -np.inf)
    at_low = lows == np.minimum.reduceat(lows, starts)[segment]
    at_high = highs == np.maximum.reduceat(highs, starts)[segment]
    return np.concatenate(
        [
            starts,
            ends - 1,
            _first_per_segment(at_low, segment),
            _first_per_segment(at_high, segment),
            _first_per_segment(~finite, segment),
        ]
    )


def _first_per_segment(mask: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Return the first index where mask holds in each segment that has one."""
    hits = np.flatnonzero(mask)
    owners = segment[hits]
    return hits[np.r_[True, owners[1:] != owners[:-1]]] if hits.size else hits


def _bucket_ids(xs: np.ndarray, n_buckets: int) -> np.ndarray:
    finite_x = xs[np.isfinite(xs)]
    if finite_x.size == 0:
        return np.zeros(xs.size, dtype=np.int64)
    lo, hi = float(finite_x.min()), float(finite_x.max())
    span = hi - lo if hi > lo else 1.0
    scaled = np.nan_to_num((xs - lo) / span * n_buckets, nan=0.0, posinf=n_buckets - 1, neginf=0.0)
    return np.clip(scaled.astype(np.int64), 0, n_buckets - 1)
