"""Tests of dashboard.figures.buckets: bucket rules, re-binning, step picking and time axes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import loaders
from dashboard.figures.buckets import bucket_edges, pick_steps, rebin, shared_edges, time_values
from tests.dashboard.histogram_rows import hist_row, legacy_proto, tf2_histograms

DBL_MAX = sys.float_info.max


def test_bucket_edges_replaces_dbl_max_limits_with_min_and_max() -> None:
    # TF C++ style: buckets (-inf,-1] (-1,0] (0,1] (1,2] (2,DBL_MAX]; the empty first one is dropped,
    # the first kept bucket starts at min=-0.5 and the last ends at max=2.5 instead of DBL_MAX.
    left, right, count = bucket_edges(hist_row([-1.0, 0.0, 1.0, 2.0, DBL_MAX], [0, 1, 0, 2, 1], -0.5, 2.5))
    assert left.tolist() == [-0.5, 0.0, 1.0, 2.0]
    assert right.tolist() == [0.0, 1.0, 2.0, 2.5]
    assert count.tolist() == [1.0, 0.0, 2.0, 1.0]


def test_bucket_edges_clamps_every_edge_to_min_max() -> None:
    left, right, count = bucket_edges(hist_row([-DBL_MAX, 0.0, DBL_MAX], [1, 0, 1], -3.0, 4.0))
    assert left.tolist() == [-3.0, -3.0, 0.0]
    assert right.tolist() == [-3.0, 0.0, 4.0]
    assert count.tolist() == [1.0, 0.0, 1.0]


def test_bucket_edges_tf2_row_keeps_real_edges_of_outer_buckets() -> None:
    # TF2 k x 3 rows store right edges; min is the first left edge. Buckets (0,1] (1,2] (2,3] (3,4]
    # with the first and last empty keep their own edges 1 and 3, not min 0 and max 4.
    left, right, count = bucket_edges(hist_row([1.0, 2.0, 3.0, 4.0], [0, 5, 5, 0], 0.0, 4.0))
    assert (left.tolist(), right.tolist(), count.tolist()) == ([1.0, 2.0], [2.0, 3.0], [5.0, 5.0])


@pytest.mark.parametrize(("limits", "counts", "low", "high"), [
    ([0.0] * 30, [0.0] * 30, 0.0, 0.0),  # TF2 tf.summary.histogram of an empty tensor
    ([], [], np.nan, np.nan),  # a 0 x 3 tensor
    ([1.0, DBL_MAX], [0.0, 0.0], 0.0, 0.0),  # legacy histogram with num 0
])
def test_bucket_edges_empty_histogram_has_no_buckets(limits: list, counts: list, low: float, high: float) -> None:
    left, right, count = bucket_edges(hist_row(limits, counts, low, high))
    assert left.size == right.size == count.size == 0


def test_bucket_edges_tf2_constant_and_empty_fixtures(tmp_path: Path) -> None:
    frame = tf2_histograms(tmp_path).set_index("tag")
    left, right, count = bucket_edges(frame.loc["hist/constant"])  # ten 3.0s: zero-width buckets, all in the last
    assert (left.tolist(), right.tolist(), count.tolist()) == ([3.0], [3.0], [10.0])
    assert bucket_edges(frame.loc["hist/empty"])[2].size == 0


def test_bucket_edges_matches_tensorboard_data_compat_on_tensorboardx_logs(tbx_writer, logdir: Path,
                                                                            tmp_path: Path) -> None:
    writer = tbx_writer()
    values = np.random.default_rng(0).normal(2.0, 1.0, 500)
    writer.add_histogram("tensorflow_bins", values, 0, bins="tensorflow")
    writer.add_histogram("auto_bins", values, 0, bins="auto")
    writer.add_histogram("constant", np.full(10, 3.0), 0)
    writer.add_histogram_raw("raw", min=-1, max=3, num=6, sum=5, sum_squares=15, bucket_limits=[0, 1, 2, 3],
                             bucket_counts=[1, 2, 0, 3], global_step=0)
    writer.close()
    frame = loaders.Logdir(logdir, cache_dir=tmp_path / "cache").histograms()
    assert sorted(frame["tag"]) == ["auto_bins", "constant", "raw", "tensorflow_bins"]
    for _, row in frame.iterrows():
        expected = legacy_proto(row)  # data_compat works in float32
        assert np.column_stack(bucket_edges(row)) == pytest.approx(expected, rel=1e-6), row["tag"]
        assert bucket_edges(row)[2].sum() == row["num"]


def test_bucket_edges_mismatched_lengths_name_the_histogram() -> None:
    with pytest.raises(ValueError, match=r"r/t at step 7: 3 bucket limits but 2 bucket counts"):
        bucket_edges(hist_row([1.0, 2.0, 3.0], [1.0, 1.0], 0.0, 3.0, step=7))


def test_rebin_splits_counts_by_overlap() -> None:
    # (0,2] holds 4 and (2,4] holds 2. New bins [0,1) [1,3) [3,4]:
    # 4*1/2 = 2;  4*1/2 + 2*1/2 = 3;  2*1/2 = 1.
    out = rebin(np.array([0.0, 2.0]), np.array([2.0, 4.0]), np.array([4.0, 2.0]), np.array([0.0, 1.0, 3.0, 4.0]))
    assert out.tolist() == [2.0, 3.0, 1.0]


def test_rebin_zero_width_bucket_goes_to_the_bin_holding_it() -> None:
    edges = np.array([2.5, 3.0, 3.5])
    assert rebin(np.array([3.0]), np.array([3.0]), np.array([10.0]), edges).tolist() == [0.0, 10.0]
    assert rebin(np.array([3.5]), np.array([3.5]), np.array([4.0]), edges).tolist() == [0.0, 4.0]  # last edge: last bin


def test_rebin_drops_mass_outside_the_edges() -> None:
    out = rebin(np.array([0.0, 9.0]), np.array([2.0, 9.0]), np.array([4.0, 5.0]), np.array([1.0, 2.0]))
    assert out.tolist() == [2.0]


@pytest.mark.parametrize("edges", [[1.0], [0.0, 0.0], [2.0, 1.0]])
def test_rebin_rejects_bad_edges(edges: list[float]) -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        rebin(np.array([0.0]), np.array([1.0]), np.array([1.0]), np.array(edges))


def test_shared_edges_span_every_histogram_and_pad_a_single_value() -> None:
    first = (np.array([-1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    second = (np.array([2.0]), np.array([5.0]), np.array([3.0]))
    assert shared_edges([first, second], bins=6).tolist() == [-1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    constant = (np.array([3.0]), np.array([3.0]), np.array([10.0]))
    assert shared_edges([constant], bins=2).tolist() == [2.5, 3.0, 3.5]
    assert shared_edges([], bins=2).tolist() == [-0.5, 0.0, 0.5]


def test_pick_steps_is_evenly_spaced_with_first_and_last() -> None:
    # 100 steps 0, 10, ..., 990; indices round(linspace(0, 99, 5)) = 0, 25 (24.75), 50 (49.5), 74 (74.25), 99.
    chosen, total = pick_steps(list(range(0, 1000, 10)), 5)
    assert (chosen, total) == ([0, 250, 500, 740, 990], 100)


def test_pick_steps_keeps_all_distinct_steps_under_the_limit() -> None:
    assert pick_steps([5, 1, 5, 3], 10) == ([1, 3, 5], 3)
    with pytest.raises(ValueError, match="limit must be at least 2"):
        pick_steps([1, 2, 3], 1)


def test_time_values_for_each_axis() -> None:
    steps, walls = np.array([0, 5]), np.array([1_700_000_000.0, 1_700_007_200.0])
    assert time_values(steps, walls, "step").tolist() == [0.0, 5.0]
    assert time_values(steps, walls, "relative").tolist() == [0.0, 2.0]
    wall = time_values(steps, walls, "wall")
    assert wall[1] - wall[0] == 7_200_000.0  # epoch milliseconds
    with pytest.raises(ValueError, match="time_axis must be one of step, relative, wall"):
        time_values(steps, walls, "epoch")
