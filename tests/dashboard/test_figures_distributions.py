"""Tests of dashboard.figures.distributions: basis-point compression (hand-computed) and the band chart."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tensorboard import data_compat
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.distribution.compressor import compress_histogram
from tensorboard.util import tensor_util

import loaders
from dashboard.figures.distributions import (
    BANDS,
    BASIS_POINTS,
    BP_COLUMNS,
    compress,
    compress_buckets,
    distribution_figure,
    distribution_frame,
)
from dashboard.figures.histograms import blend

DBL_MAX = sys.float_info.max
TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"


def _row(bucket_limit: list[float], bucket: list[float], low: float, high: float, step: int = 0) -> dict:
    return {"run": "r", "tag": "t", "step": step, "wall_time": 1_700_000_000.0 + 3600 * step, "min": low,
            "max": high, "num": float(sum(bucket)), "sum": np.nan, "sum_squares": np.nan,
            "bucket_limit": bucket_limit, "bucket": bucket}


def _read(logdir: Path, tmp_path: Path, runs: list[str] | None = None) -> pd.DataFrame:
    return loaders.Logdir(logdir, cache_dir=tmp_path / "cache").histograms(runs=runs)


def test_compress_hand_computed_four_buckets() -> None:
    # Buckets (0,1] (1,2] (2,3] (3,4] with counts 1, 2, 3, 4 (total 10). Cumulative counts scaled to
    # 10000: 1000, 3000, 6000, 10000. Each basis point is interpolated inside the first bucket whose
    # cumulative count exceeds it: left + (bp - cum_before) / (cum_after - cum_before) * width.
    expected = [
        0.0,                              # bp 0:     bucket 0, 0 + 0/1000
        0.0 + 668 / 1000,                 # bp 668:   0.668
        1.0 + (1587 - 1000) / 2000,       # bp 1587:  1.2935
        2.0 + (3085 - 3000) / 3000,       # bp 3085:  2.028333...
        2.0 + (5000 - 3000) / 3000,       # bp 5000:  2.666666... (the median)
        3.0 + (6915 - 6000) / 4000,       # bp 6915:  3.22875
        3.0 + (8413 - 6000) / 4000,       # bp 8413:  3.60325
        3.0 + (9332 - 6000) / 4000,       # bp 9332:  3.833
        4.0,                              # bp 10000: never exceeded -> max
    ]
    row = _row([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], 0.0, 4.0)
    assert compress(row).tolist() == pytest.approx(expected, abs=1e-12)


def test_compress_hand_computed_legacy_dbl_max_edges() -> None:
    # Legacy limits -DBL_MAX... become min/max: buckets (-2,0] (0,DBL_MAX -> 6], counts 5 and 5.
    # Cumulative 5000, 10000. bp 668 -> -2 + 668/5000 * 2 = -1.7328; bp 5000 is not exceeded by
    # bucket 0 (5000 is not > 5000) so it lands at the start of bucket 1: 0 + 0/5000 * 6 = 0;
    # bp 8413 -> 0 + 3413/5000 * 6 = 4.0956.
    row = _row([-DBL_MAX, 0.0, DBL_MAX], [0.0, 5.0, 5.0], -2.0, 6.0)
    values = compress(row)
    assert values[0] == -2.0 and values[-1] == 6.0
    assert values[1] == pytest.approx(-2 + 668 / 5000 * 2)
    assert values[4] == pytest.approx(0.0)
    assert values[6] == pytest.approx(3413 / 5000 * 6)


def test_compress_one_bucket_is_linear_from_min_to_max() -> None:
    # One bucket (0, 10] holding everything: value = bp / 10000 * 10.
    values = compress(_row([10.0], [4.0], 0.0, 10.0))
    assert values.tolist() == pytest.approx([bp / 1000 for bp in BASIS_POINTS])


def test_compress_empty_histogram_is_all_zeros() -> None:
    assert compress(_row([0.0] * 30, [0.0] * 30, 0.0, 0.0)).tolist() == [0.0] * 9
    assert compress(_row([], [], np.nan, np.nan)).tolist() == [0.0] * 9
    assert compress_buckets(np.empty(0), np.empty(0), np.empty(0)).tolist() == [0.0] * 9


def test_compress_constant_histogram_is_its_value(tmp_path: Path) -> None:
    frame = _read(TF2_FIXTURES, tmp_path, ["tf_summary"]).set_index("tag")
    assert compress(frame.loc["hist/constant"]).tolist() == [3.0] * 9  # TF2: ten 3.0s
    assert compress(frame.loc["hist/empty"]).tolist() == [0.0] * 9


def test_compress_matches_tensorboard_on_tf2_fixture(tmp_path: Path) -> None:
    frame = _read(TF2_FIXTURES, tmp_path, ["tf_summary", "keras/train"])
    rows = frame[frame["num"] > 0]
    assert len(rows) >= 6
    for _, row in rows.iterrows():
        rights = np.asarray(row["bucket_limit"])
        buckets = np.column_stack([np.r_[row["min"], rights[:-1]], rights, row["bucket"]])  # the k x 3 tensor
        expected = [value for _, value in compress_histogram(buckets)]
        assert compress(row).tolist() == pytest.approx(expected, rel=1e-9, abs=1e-12), row["tag"]


def test_compress_matches_tensorboard_on_tensorboardx_legacy_histograms(tbx_writer, logdir: Path,
                                                                        tmp_path: Path) -> None:
    writer = tbx_writer()
    rng = np.random.default_rng(1)
    for step in range(3):
        writer.add_histogram("tensorflow_bins", rng.normal(step, 1.0, 400), step, bins="tensorflow")
        writer.add_histogram("fd_bins", rng.exponential(1.0, 400), step, bins="fd")
    writer.close()
    for _, row in _read(logdir, tmp_path).iterrows():
        histo = summary_pb2.HistogramProto(min=row["min"], max=row["max"], num=row["num"],
                                           bucket_limit=list(row["bucket_limit"]), bucket=list(row["bucket"]))
        migrated = data_compat.migrate_value(summary_pb2.Summary.Value(tag=row["tag"], histo=histo))
        expected = [v for _, v in compress_histogram(tensor_util.make_ndarray(migrated.tensor).astype(np.float64))]
        assert compress(row).tolist() == pytest.approx(expected, rel=1e-5, abs=1e-6), row["tag"]  # TB goes via float32


def test_compress_tracks_the_data_percentiles(tbx_writer, logdir: Path, tmp_path: Path) -> None:
    values = np.random.default_rng(2).normal(5.0, 2.0, 5000)
    writer = tbx_writer()
    writer.add_histogram("normal", values, 0, bins="tensorflow")
    writer.close()
    row = _read(logdir, tmp_path).iloc[0]
    percentiles = np.percentile(values, [bp / 100 for bp in BASIS_POINTS])
    assert compress(row).tolist() == pytest.approx(percentiles.tolist(), abs=0.1)


def test_distribution_frame_has_step_wall_time_and_nine_columns_sorted() -> None:
    frame = pd.DataFrame([_row([10.0], [1.0], 0.0, 10.0, step=2), _row([1.0], [1.0], 0.0, 1.0, step=1)])
    out = distribution_frame(frame)
    assert list(out.columns) == ["step", "wall_time", *BP_COLUMNS]
    assert out["step"].tolist() == [1, 2]
    assert out["bp8"].tolist() == [1.0, 10.0] and out["bp4"].tolist() == [0.5, 5.0]
    assert distribution_frame(frame.iloc[:0]).shape == (0, 11)


def test_distribution_figure_nested_bands_around_the_median() -> None:
    frame = pd.DataFrame([_row([10.0 * (s + 1)], [4.0], 0.0, 10.0 * (s + 1), step=s) for s in range(3)])
    figure = distribution_figure(frame, color="#0077bb")
    assert [trace.meta["band"] for trace in figure.data] == ["min–max", "±1.5σ", "±1σ", "±0.5σ", "median"]
    fills = [trace.fillcolor for trace in figure.data[:4]]
    assert fills == [blend("#0077bb", "#ffffff", weight) for *_, weight in BANDS]
    brightness = [sum(int(c) for c in fill[4:-1].split(",")) for fill in fills]
    assert brightness == sorted(brightness, reverse=True)  # outermost palest
    outer = figure.data[0]
    assert list(outer.x) == [0.0, 1.0, 2.0, 2.0, 1.0, 0.0]
    assert list(outer.y) == pytest.approx([10.0, 20.0, 30.0, 0.0, 0.0, 0.0])  # max forward, min back
    median = figure.data[-1]
    assert list(median.y) == pytest.approx([5.0, 10.0, 15.0])
    assert "median" in median.hovertemplate and median.customdata[1, 0] == 1
    assert figure.layout.xaxis.title.text == "step"


def test_distribution_figure_time_axes() -> None:
    frame = pd.DataFrame([_row([1.0], [1.0], 0.0, 1.0, step=s) for s in (0, 1, 2)])  # one hour apart
    relative = distribution_figure(frame, time_axis="relative")
    assert list(relative.data[-1].x) == [0.0, 1.0, 2.0]
    assert relative.layout.xaxis.title.text == "relative (hours)"
    wall = distribution_figure(distribution_frame(frame), time_axis="wall")
    assert wall.layout.xaxis.type == "date" and wall.layout.xaxis.title.text == "wall time"
    stamps = pd.to_datetime(list(wall.data[-1].x))
    assert (stamps[1] - stamps[0]) == pd.Timedelta(hours=1)
    with pytest.raises(ValueError, match="time_axis must be one of"):
        distribution_figure(frame, time_axis="epoch")
