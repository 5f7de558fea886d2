"""Histogram rows for the figure tests: hand-made rows and frames, TF2 fixture rows, TensorBoard's conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from tensorboard import data_compat
from tensorboard.compat.proto import summary_pb2
from tensorboard.util import tensor_util

import loaders

TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"


def hist_row(bucket_limit: list[float], bucket: list[float], low: float, high: float, step: int = 0) -> dict:
    return {"run": "r", "tag": "t", "step": step, "wall_time": 1_700_000_000.0 + 60 * step, "min": low, "max": high,
            "num": float(sum(bucket)), "sum": np.nan, "sum_squares": np.nan, "bucket_limit": bucket_limit,
            "bucket": bucket}


def hist_frame(steps: range, *, shift: float = 0.0) -> pd.DataFrame:
    """One histogram per step: 4 unit buckets from step/10 + shift, counts 1, 2, 3, 4."""
    rows = []
    for step in steps:
        low = step / 10 + shift
        rows.append(hist_row([low + 1, low + 2, low + 3, low + 4], [1.0, 2.0, 3.0, 4.0], low, low + 4, step))
    return pd.DataFrame(rows)


def tf2_histograms(tmp_path: Path) -> pd.DataFrame:
    return loaders.Logdir(TF2_FIXTURES, cache_dir=tmp_path / "cache").histograms(runs=["tf_summary"])


def legacy_proto(row: pd.Series) -> np.ndarray:
    """TensorBoard's own data_compat conversion of a legacy histogram row to k x 3 (left, right, count)."""
    histo = summary_pb2.HistogramProto(min=row["min"], max=row["max"], num=row["num"],
                                       bucket_limit=list(row["bucket_limit"]), bucket=list(row["bucket"]))
    migrated = data_compat.migrate_value(summary_pb2.Summary.Value(tag=row["tag"], histo=histo))
    return tensor_util.make_ndarray(migrated.tensor).astype(np.float64).reshape(-1, 3)
