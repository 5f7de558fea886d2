"""PR curves: the 6 x n tensor (TP, FP, TN, FN, precision, recall) as list columns plus thresholds."""

from __future__ import annotations

import numpy as np
from google.protobuf.message import DecodeError

from loaders.proto import plugins_pb2

# Own columns, in schema order: threshold, tp, fp, tn, fn, precision, recall.
PrCurveRow = tuple[list[float], list[float], list[float], list[float], list[float], list[float], list[float]]


def from_tensor(array: np.ndarray) -> PrCurveRow:
    """Return the columns of a PR-curve tensor; threshold i is i / (n - 1).

    Args:
        array: the decoded tensor of shape [6, n].

    Returns:
        threshold, tp, fp, tn, fn, precision, recall, each a list of n floats.

    Raises:
        ValueError: when the tensor is not a numeric 6 x n matrix.
    """
    if array.ndim != 2 or array.shape[0] != 6 or array.dtype.kind not in "fiu":
        raise ValueError(f"a PR curve must be a numeric 6 x n tensor, got {array.dtype} of shape {list(array.shape)}")
    n = array.shape[1]
    thresholds = (np.arange(n, dtype=np.float64) / max(n - 1, 1)).tolist()
    tp, fp, tn, fn, precision, recall = array.astype(np.float64).tolist()
    return thresholds, tp, fp, tn, fn, precision, recall


def threshold_mismatch(array: np.ndarray, content: bytes) -> str | None:
    """Say why PrCurvePluginData.num_thresholds disagrees with the tensor, if it does.

    Args:
        array: the decoded [6, n] tensor.
        content: the tag's plugin_data.content (a PrCurvePluginData; may be empty).

    Returns:
        None when they agree or num_thresholds is absent, else a sentence for a Problem.
    """
    try:
        declared = plugins_pb2.PrCurvePluginData.FromString(content).num_thresholds
    except DecodeError:
        return "its PrCurvePluginData metadata could not be parsed"
    n = array.shape[1]
    if declared and declared != n:
        return (
            f"its metadata declares {declared} thresholds but the tensor has {n} columns; "
            f"thresholds were computed from the tensor"
        )
    return None
