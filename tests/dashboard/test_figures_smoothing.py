"""Tests of dashboard.figures.smoothing: TensorBoard's debiased EMA and extreme-keeping downsampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dashboard.figures.smoothing import downsample, smooth


def _reference(values: list[float], weight: float) -> list[float]:
    """TensorBoard's classicSmoothing, transcribed line by line (data_transformer.ts)."""
    constant = all(v == values[0] for v in values)
    last, count, out = 0.0, 0, []
    for value in values:
        if constant or not math.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count) if weight != 1 else last)
    return out


def test_smooth_matches_hand_computed_values() -> None:
    assert smooth([1.0, 2.0, 3.0], 0.5) == pytest.approx([1.0, 1.25 / 0.75, 2.125 / 0.875])


def test_smooth_passes_nan_and_inf_through_without_updating() -> None:
    out = smooth([1.0, math.nan, 3.0, math.inf, 5.0, -math.inf], 0.5)
    assert out[0] == pytest.approx(1.0)
    assert math.isnan(out[1])
    assert out[2] == pytest.approx(1.75 / 0.75)
    assert out[3] == math.inf
    assert out[4] == pytest.approx(3.375 / 0.875)
    assert out[5] == -math.inf


def test_smooth_returns_constant_series_unchanged() -> None:
    assert smooth([2.5, 2.5, 2.5], 0.9).tolist() == [2.5, 2.5, 2.5]
    assert smooth([math.inf, math.inf], 0.6).tolist() == [math.inf, math.inf]


def test_smooth_weight_zero_is_identity() -> None:
    values = [3.0, -1.0, math.nan, 7.5]
    out = smooth(values, 0.0)
    assert out[[0, 1, 3]].tolist() == [3.0, -1.0, 7.5] and math.isnan(out[2])


def test_smooth_weight_0999_debiases_from_the_first_point() -> None:
    out = smooth([0.0, 10.0], 0.999)
    assert out[0] == pytest.approx(0.0)
    assert out[1] == pytest.approx(0.01 / (1 - 0.999**2))


@pytest.mark.parametrize("weight", [1e-9, 0.001, 0.3, 0.6, 0.95, 0.999, 1.0])
def test_smooth_equals_tensorboard_loop_on_long_noisy_series(weight: float) -> None:
    rng = np.random.default_rng(7)
    values = (rng.normal(size=3000) * 50 + 10).tolist()
    values[5], values[1200], values[2999] = math.nan, math.inf, -math.inf
    out, expected = smooth(values, weight), np.array(_reference(values, weight))
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(out), finite)
    assert out[finite] == pytest.approx(expected[finite], rel=1e-9, abs=1e-9)


def test_smooth_handles_empty_and_rejects_bad_weights() -> None:
    assert smooth([], 0.6).size == 0
    with pytest.raises(ValueError, match="smoothing weight"):
        smooth([1.0], 1.5)
    with pytest.raises(ValueError, match="smoothing weight"):
        smooth([1.0], math.nan)


def test_downsample_keeps_spikes_and_first_last() -> None:
    x = np.arange(10_000)
    y = np.sin(x / 500.0)
    y[4321], y[8765] = 50.0, -50.0
    keep = downsample(x, y, 100)
    assert keep.size <= 400
    assert {0, 9999, 4321, 8765} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)
    assert y[keep].max() == 50.0 and y[keep].min() == -50.0


def test_downsample_keeps_a_nan_gap() -> None:
    y = np.ones(5000)
    y[2500] = math.nan
    keep = downsample(np.arange(5000), y, 50)
    assert 2500 in keep.tolist()


def test_downsample_short_series_or_no_buckets_keeps_everything() -> None:
    assert downsample([1, 2, 3], [1.0, 2.0, 3.0], 10).tolist() == [0, 1, 2]
    assert downsample(np.arange(100), np.zeros(100), 0).tolist() == list(range(100))


def test_downsample_buckets_by_x_not_by_index() -> None:
    # 1000 points crowded at x in [0, 1) and one far away at x = 1000: the far one is its own bucket.
    x = np.r_[np.linspace(0, 1, 1000, endpoint=False), 1000.0]
    keep = downsample(x, np.arange(1001.0), 10)
    assert keep.tolist() == [0, 999, 1000]


def test_downsample_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="x has 3 points but y has 2"):
        downsample([1, 2, 3], [1.0, 2.0], 1)


def _reference_keep(x: np.ndarray, y: np.ndarray, n_buckets: int) -> list[int]:
    """The downsampling rule point by point: per bucket its first and last point, its lowest and
    highest finite y (earliest on ties) and its first non-finite y."""
    finite_x = x[np.isfinite(x)]
    lo, hi = (finite_x.min(), finite_x.max()) if finite_x.size else (0.0, 0.0)
    span = hi - lo if hi > lo else 1.0
    buckets: dict[int, list[int]] = {}
    for i, value in enumerate(x):
        if math.isnan(value):
            bucket = 0
        elif math.isinf(value):
            bucket = n_buckets - 1 if value > 0 else 0
        else:
            bucket = min(max(int((value - lo) / span * n_buckets), 0), n_buckets - 1)
        buckets.setdefault(bucket, []).append(i)
    keep: set[int] = set()
    for members in buckets.values():
        keep |= {members[0], members[-1]}
        finite = [i for i in members if math.isfinite(y[i])]
        if finite:
            keep |= {min(finite, key=lambda i: (y[i], i)), min(finite, key=lambda i: (-y[i], i))}
        keep |= set([i for i in members if not math.isfinite(y[i])][:1])
    return sorted(keep)


@pytest.mark.parametrize("seed", range(40))
def test_downsample_matches_the_rule_on_sorted_unsorted_and_non_finite_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(20, 400))
    x = np.sort(rng.integers(0, 60, size)).astype(float) if seed % 2 else rng.normal(size=size)
    if seed % 5 == 0:
        x[rng.integers(0, size, 3)] = [math.nan, math.inf, -math.inf]
    y = rng.integers(0, 4, size).astype(float)  # few distinct values: many ties
    y[rng.random(size) < 0.1] = rng.choice([math.nan, math.inf, -math.inf])
    n_buckets = int(rng.integers(1, 20))
    if size <= 4 * n_buckets:
        n_buckets = size // 5
    assert downsample(x, y, n_buckets).tolist() == _reference_keep(x, y, n_buckets)
