"""Histograms: legacy HistogramProto and TF2 k x 3 (left, right, count) tensors as one canonical row."""

from __future__ import annotations

import math

import numpy as np

from loaders.proto import summary_pb2

# Own columns, in schema order: min, max, num, sum, sum_squares, bucket_limit, bucket.
HistogramRow = tuple[float, float, float, float, float, list[float], list[float]]


def from_proto(histo: summary_pb2.HistogramProto) -> HistogramRow:
    """Return a legacy histogram's columns unchanged (bucket_limit holds right edges).

    Args:
        histo: the Summary.Value.histo message.

    Returns:
        min, max, num, sum, sum_squares, bucket_limit, bucket.
    """
    return (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares,
            list(histo.bucket_limit), list(histo.bucket))


def from_tensor(array: np.ndarray) -> HistogramRow:
    """Return the columns of a TF2 histogram tensor (rows of left edge, right edge, count).

    bucket_limit gets the right edges and bucket the counts; min is the first left edge,
    max the last right edge and num the total count. The tensor does not carry sum or
    sum_squares, so both are NaN. An empty (0 x 3) tensor gives num 0 and NaN min/max.

    Args:
        array: the decoded tensor.

    Returns:
        min, max, num, sum, sum_squares, bucket_limit, bucket.

    Raises:
        ValueError: when the tensor is not a numeric k x 3 matrix.
    """
    if array.ndim != 2 or array.shape[1] != 3 or array.dtype.kind not in "fiub":
        raise ValueError(f"a histogram must be a numeric k x 3 tensor, got {array.dtype} of shape {list(array.shape)}")
    edges = array.astype(np.float64)
    if len(edges) == 0:
        return (math.nan, math.nan, 0.0, math.nan, math.nan, [], [])
    counts = edges[:, 2]
    return (float(edges[0, 0]), float(edges[-1, 1]), float(counts.sum()), math.nan, math.nan,
            edges[:, 1].tolist(), counts.tolist())
