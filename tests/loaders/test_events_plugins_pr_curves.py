"""events.plugins.pr_curves: 6 x n tensors to list columns, thresholds i / (n - 1), metadata agreement."""

from __future__ import annotations

import numpy as np
import pytest

from loaders.events.plugins.pr_curves import from_tensor, threshold_mismatch
from loaders.proto import plugins_pb2


def test_pr_curves_from_tensor_rows_and_thresholds():
    array = np.arange(30, dtype=np.float32).reshape(6, 5)
    threshold, tp, fp, tn, fn, precision, recall = from_tensor(array)
    assert threshold == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tp == [0.0, 1.0, 2.0, 3.0, 4.0] and recall == [25.0, 26.0, 27.0, 28.0, 29.0]
    assert (fp[0], tn[0], fn[0], precision[0]) == (5.0, 10.0, 15.0, 20.0)


def test_pr_curves_from_tensor_single_threshold():
    assert from_tensor(np.ones((6, 1)))[0] == [0.0]


def test_pr_curves_from_tensor_refuses_other_shapes():
    with pytest.raises(ValueError, match="6 x n"):
        from_tensor(np.zeros((5, 3)))


def test_pr_curves_threshold_mismatch():
    array = np.zeros((6, 4))
    assert threshold_mismatch(array, b"") is None
    assert threshold_mismatch(array, plugins_pb2.PrCurvePluginData(num_thresholds=4).SerializeToString()) is None
    why = threshold_mismatch(array, plugins_pb2.PrCurvePluginData(num_thresholds=9).SerializeToString())
    assert why is not None and "declares 9 thresholds" in why and "4 columns" in why
    assert "could not be parsed" in (threshold_mismatch(array, b"\x08") or "")
