"""Tests of dashboard.figures.plotly_json: the typed arrays ScalarFigure sends to Plotly.js."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest
from dash._utils import to_json

from dashboard.figures.plotly_json import ScalarFigure


def _sent(values: np.ndarray) -> dict | list:
    """Return what the browser receives for a trace's y array."""
    figure = ScalarFigure([{"type": "scatter", "y": values}], {"height": 250})
    return json.loads(to_json(figure))["data"][0]["y"]


def _decoded(spec: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))


def test_plotly_json_sends_float32_exact_values_as_float32() -> None:
    values = np.array([0.5, np.float32(0.1), math.nan, math.inf, -math.inf, -2.0], dtype=np.float64)
    spec = _sent(values)
    assert spec["dtype"] == "f4" and len(base64.b64decode(spec["bdata"])) == 4 * values.size
    np.testing.assert_array_equal(_decoded(spec).astype(np.float64), values)  # NaN and ±inf survive too


@pytest.mark.parametrize("value", [0.1, 1e300, 1.0 + 2**-40])
def test_plotly_json_keeps_float64_when_float32_would_round(value: float) -> None:
    spec = _sent(np.array([1.0, value]))
    assert spec["dtype"] == "f8"
    assert _decoded(spec).tolist() == [1.0, value]


def test_plotly_json_narrows_int64_only_when_it_fits() -> None:
    assert _sent(np.array([0, 2**31 - 1], dtype=np.int64))["dtype"] == "i4"
    assert _sent(np.array([0, 2**31], dtype=np.int64)) == [0, 2**31]  # Plotly.js has no int64 typed array


def test_plotly_json_sends_labels_as_a_list_and_2d_arrays_with_shape() -> None:
    labels = np.array(["2023-11-14 22:13:20", "2023-11-14 23:13:20"])
    figure = ScalarFigure([{"type": "scatter", "y": [1, 2], "text": labels,
                            "customdata": np.array([[1.0, 0.5], [2.0, 0.25]])}], {})
    trace = json.loads(to_json(figure))["data"][0]
    assert trace["text"] == ["2023-11-14 22:13:20", "2023-11-14 23:13:20"]
    assert trace["customdata"]["dtype"] == "f4" and trace["customdata"]["shape"] == "2,2"
    assert _decoded(trace["customdata"]).reshape(2, 2).tolist() == [[1.0, 0.5], [2.0, 0.25]]
