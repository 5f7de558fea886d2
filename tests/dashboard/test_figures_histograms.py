"""Tests of dashboard.figures.histograms: bucket rules, re-binning, step picking and the three figures."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tensorboard import data_compat
from tensorboard.compat.proto import summary_pb2
from tensorboard.util import tensor_util

import loaders
from dashboard.figures.histograms import (
    blend, bucket_edges, compare_figure, offset_figure, overlay_figure, pick_steps, rebin, shared_edges, time_values,
)

DBL_MAX = sys.float_info.max
TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"


def _row(bucket_limit: list[float], bucket: list[float], low: float, high: float, step: int = 0) -> dict:
    return {"run": "r", "tag": "t", "step": step, "wall_time": 1_700_000_000.0 + 60 * step, "min": low, "max": high,
            "num": float(sum(bucket)), "sum": np.nan, "sum_squares": np.nan, "bucket_limit": bucket_limit,
            "bucket": bucket}


def _frame(steps: range, *, shift: float = 0.0) -> pd.DataFrame:
    """One histogram per step: 4 unit buckets from step/10 + shift, counts 1, 2, 3, 4."""
    rows = []
    for step in steps:
        low = step / 10 + shift
        rows.append(_row([low + 1, low + 2, low + 3, low + 4], [1.0, 2.0, 3.0, 4.0], low, low + 4, step))
    return pd.DataFrame(rows)


def _tf2_histograms(tmp_path: Path) -> pd.DataFrame:
    return loaders.Logdir(TF2_FIXTURES, cache_dir=tmp_path / "cache").histograms(runs=["tf_summary"])


def _legacy_proto(row: pd.Series) -> np.ndarray:
    """TensorBoard's own data_compat conversion of a legacy histogram row to k x 3 (left, right, count)."""
    histo = summary_pb2.HistogramProto(min=row["min"], max=row["max"], num=row["num"],
                                       bucket_limit=list(row["bucket_limit"]), bucket=list(row["bucket"]))
    migrated = data_compat.migrate_value(summary_pb2.Summary.Value(tag=row["tag"], histo=histo))
    return tensor_util.make_ndarray(migrated.tensor).astype(np.float64).reshape(-1, 3)


def test_bucket_edges_replaces_dbl_max_limits_with_min_and_max() -> None:
    # TF C++ style: buckets (-inf,-1] (-1,0] (0,1] (1,2] (2,DBL_MAX]; the empty first one is dropped,
    # the first kept bucket starts at min=-0.5 and the last ends at max=2.5 instead of DBL_MAX.
    left, right, count = bucket_edges(_row([-1.0, 0.0, 1.0, 2.0, DBL_MAX], [0, 1, 0, 2, 1], -0.5, 2.5))
    assert left.tolist() == [-0.5, 0.0, 1.0, 2.0]
    assert right.tolist() == [0.0, 1.0, 2.0, 2.5]
    assert count.tolist() == [1.0, 0.0, 2.0, 1.0]


def test_bucket_edges_clamps_every_edge_to_min_max() -> None:
    left, right, count = bucket_edges(_row([-DBL_MAX, 0.0, DBL_MAX], [1, 0, 1], -3.0, 4.0))
    assert left.tolist() == [-3.0, -3.0, 0.0]
    assert right.tolist() == [-3.0, 0.0, 4.0]
    assert count.tolist() == [1.0, 0.0, 1.0]


def test_bucket_edges_tf2_row_keeps_real_edges_of_outer_buckets() -> None:
    # TF2 k x 3 rows store right edges; min is the first left edge. Buckets (0,1] (1,2] (2,3] (3,4]
    # with the first and last empty keep their own edges 1 and 3, not min 0 and max 4.
    left, right, count = bucket_edges(_row([1.0, 2.0, 3.0, 4.0], [0, 5, 5, 0], 0.0, 4.0))
    assert (left.tolist(), right.tolist(), count.tolist()) == ([1.0, 2.0], [2.0, 3.0], [5.0, 5.0])


@pytest.mark.parametrize(("limits", "counts", "low", "high"), [
    ([0.0] * 30, [0.0] * 30, 0.0, 0.0),  # TF2 tf.summary.histogram of an empty tensor
    ([], [], np.nan, np.nan),  # a 0 x 3 tensor
    ([1.0, DBL_MAX], [0.0, 0.0], 0.0, 0.0),  # legacy histogram with num 0
])
def test_bucket_edges_empty_histogram_has_no_buckets(limits: list, counts: list, low: float, high: float) -> None:
    left, right, count = bucket_edges(_row(limits, counts, low, high))
    assert left.size == right.size == count.size == 0


def test_bucket_edges_tf2_constant_and_empty_fixtures(tmp_path: Path) -> None:
    frame = _tf2_histograms(tmp_path).set_index("tag")
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
        expected = _legacy_proto(row)  # data_compat works in float32
        assert np.column_stack(bucket_edges(row)) == pytest.approx(expected, rel=1e-6), row["tag"]
        assert bucket_edges(row)[2].sum() == row["num"]


def test_bucket_edges_mismatched_lengths_name_the_histogram() -> None:
    with pytest.raises(ValueError, match=r"r/t at step 7: 3 bucket limits but 2 bucket counts"):
        bucket_edges(_row([1.0, 2.0, 3.0], [1.0, 1.0], 0.0, 3.0, step=7))


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


def test_offset_figure_one_ridge_per_step_newest_in_front_and_darkest() -> None:
    figure = offset_figure(_frame(range(0, 50, 10)), color="#0077bb", bins=4)
    assert [trace.meta["step"] for trace in figure.data] == [0, 10, 20, 30, 40]  # newest drawn last, in front
    assert all(trace.fill == "toself" for trace in figure.data)
    assert figure.data[-1].fillcolor == blend("#0077bb", "#ffffff", 0.15)
    assert figure.data[0].fillcolor == blend("#0077bb", "#ffffff", 0.9)
    assert figure.layout.yaxis.title.text == "step" and figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.meta == {"shown": 5, "total": 5, "steps": [0, 10, 20, 30, 40]}
    assert "count" in figure.data[0].hovertemplate and figure.layout.title.text is None


def test_offset_figure_ridge_heights_scale_with_counts() -> None:
    figure = offset_figure(_frame(range(0, 50, 10)), bins=4)
    newest = figure.data[-1]
    # Each step re-binned onto 4 shared bins over [0, 8]: step 40 spans (4, 8] -> counts 0, 0, 3, 7
    # (bin (4,6] holds 1 + 2; bin (6,8] holds 3 + 4). The tallest count in the chart (7) rises
    # 0.3 x the 40-step span = 12 above the baseline y=40 (up is smaller y on the reversed axis).
    assert list(newest.y) == pytest.approx([40, 40, 40, 40 - 12 * 3 / 7, 40 - 12, 40])
    assert list(newest.x) == [0.0, 1.0, 3.0, 5.0, 7.0, 8.0]


def test_offset_figure_thins_steps_and_reports_shown_of_total() -> None:
    figure = offset_figure(_frame(range(100)), max_steps=4)
    assert figure.layout.meta["shown"] == 4 and figure.layout.meta["total"] == 100
    assert [trace.meta["step"] for trace in figure.data] == [0, 33, 66, 99]


@pytest.mark.parametrize(("time_axis", "title"), [("relative", "relative (hours)"), ("wall", "wall time")])
def test_offset_figure_time_axes_label_ticks(time_axis: str, title: str) -> None:
    frame = _frame(range(0, 121, 60))  # wall times one hour apart
    figure = offset_figure(frame, time_axis=time_axis)
    assert figure.layout.yaxis.title.text == title
    if time_axis == "relative":
        assert list(figure.layout.yaxis.ticktext) == ["0 h", "1 h", "2 h"]
    else:
        assert len(figure.layout.yaxis.ticktext) == 3 and figure.layout.yaxis.tickvals[1] - figure.layout.yaxis.tickvals[0] == 3_600_000


def test_overlay_figure_colours_steps_along_a_scale_with_colorbar() -> None:
    figure = overlay_figure(_frame(range(0, 50, 10)), color="#0077bb")
    lines, bar = figure.data[:-1], figure.data[-1]
    assert len(lines) == 5 and bar.meta == {"role": "colorbar"}
    assert bar.marker.showscale and bar.marker.colorbar.title.text == "step"
    assert list(bar.marker.colorbar.ticktext) == ["0", "40"]
    brightness = [sum(int(c) for c in line.line.color[4:-1].split(",")) for line in lines]
    assert brightness == sorted(brightness, reverse=True)  # oldest palest, newest darkest
    assert figure.layout.yaxis.title.text == "count"


def test_offset_and_overlay_figures_draw_tf2_constant_and_empty_histograms(tmp_path: Path) -> None:
    frame = _tf2_histograms(tmp_path)
    constant = overlay_figure(frame[frame["tag"] == "hist/constant"], bins=2)
    assert list(constant.data[0].y) == [0.0, 0.0, 10.0, 0.0]  # bins [2.5,3) [3,3.5]: all ten 3.0s in the second
    empty = offset_figure(frame[frame["tag"] == "hist/empty"])
    assert len(empty.data) == 1 and max(empty.data[0].y) == 0.0
    normal = offset_figure(frame[frame["tag"] == "hist/normal"])
    assert len(normal.data) == 3 and sum(normal.data[-1].customdata[:, 3]) == pytest.approx(200.0)


def test_offset_figure_pytorch_histograms(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "logs" / "torch"))
    for step in range(3):
        writer.add_histogram("weights", np.random.default_rng(step).normal(step, 1.0, 300), step)
    writer.close()
    frame = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").histograms()
    figure = offset_figure(frame, bins=30)
    assert [trace.meta["step"] for trace in figure.data] == [0, 1, 2]
    assert [trace.customdata[:, 3].sum() for trace in figure.data] == pytest.approx([300.0] * 3)


def test_compare_figure_one_line_per_run_at_nearest_step() -> None:
    frames = {"a": _frame(range(0, 50, 10)), "b": _frame(range(1, 50, 10), shift=1.0), "empty": _frame(range(0))}
    figure = compare_figure(frames, 25, {"a": "#ff0000", "b": "#0000ff"}, bins=8)
    assert [(t.meta["run"], t.meta["step"], t.line.color) for t in figure.data] == [("a", 20, "#ff0000"), ("b", 21, "#0000ff")]
    assert figure.layout.meta == {"steps": {"a": 20, "b": 21}}
    assert figure.data[0].x.tolist() == figure.data[1].x.tolist()  # shared bins
    assert [t.customdata[:, 3].sum() for t in figure.data] == pytest.approx([10.0, 10.0])
    normalized = compare_figure(frames, 25, {}, bins=8, normalize=True)
    assert [sum(t.y) for t in normalized.data] == pytest.approx([1.0, 1.0])
    assert normalized.layout.yaxis.title.text == "fraction"
