"""A go.Figure that sends its numeric arrays to Plotly.js as typed binary specs, skipping Plotly's copies."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go

_TYPED = {
    np.dtype(name): code
    for name, code in (
        ("int8", "i1"),
        ("uint8", "u1"),
        ("int16", "i2"),
        ("uint16", "u2"),
        ("int32", "i4"),
        ("uint32", "u4"),
        ("float32", "f4"),
        ("float64", "f8"),
    )
}
_INT64 = (np.dtype(np.int64), np.dtype(np.uint64))
_FLOAT64 = np.dtype(np.float64)


class ScalarFigure(go.Figure):
    """A go.Figure that serializes its traces straight from the dicts it was built from.

    Plotly's own path builds a trace object per line, deep-copies every trace and base64-encodes
    each array through a generic converter: most of a 50-run card's server time. Here the trace
    objects are built only when Python code asks for them (data, ["data"], to_dict), and the
    browser gets the same typed arrays from to_plotly_json.
    """

    def __init__(self, traces: list[dict[str, Any]], layout: dict[str, Any]) -> None:
        """Build the figure without validation; the traces become trace objects on first use."""
        super().__init__(layout=layout, _validate=False)
        self._scalar_traces: list[dict[str, Any]] | None = traces

    def _scalar_fill(self) -> None:
        """Turn the pending trace dicts into trace objects (once), as go.Figure's constructor does."""
        traces = getattr(self, "_scalar_traces", None)
        if traces is not None:
            self._scalar_traces = None
            if traces:
                super().add_traces(self._data_validator.validate_coerce(traces, _validate=False))

    @property
    def data(self) -> tuple[Any, ...]:
        """The figure's trace objects (built on first access)."""
        self._scalar_fill()
        return go.Figure.data.fget(self)

    @data.setter
    def data(self, new_data: Any) -> None:
        self._scalar_fill()
        go.Figure.data.fset(self, new_data)

    def __getitem__(self, prop: Any) -> Any:
        """Figure item access, with the traces built first when they are asked for."""
        if isinstance(prop, str) and prop.split(".", 1)[0].split("[", 1)[0] == "data" or isinstance(prop, tuple):
            self._scalar_fill()
        return super().__getitem__(prop)

    def add_traces(self, *args: Any, **kwargs: Any) -> go.Figure:
        """go.Figure.add_traces (add_trace uses it), after the pending traces."""
        self._scalar_fill()
        return super().add_traces(*args, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plotly's dict form, with the traces built first."""
        self._scalar_fill()
        return super().to_dict()

    def to_plotly_json(self) -> dict[str, Any]:
        """Return {"data", "layout"} with numeric arrays as Plotly.js typed array specs (Plotly's own
        path once Python code has touched the traces, so any change made to them is sent)."""
        traces = getattr(self, "_scalar_traces", None)
        if traces is None:
            return super().to_plotly_json()
        return {
            "data": [{key: _typed(value) for key, value in trace.items()} for trace in traces],
            "layout": self.layout.to_plotly_json(),
        }


def _typed(value: Any) -> Any:
    """Return a numeric ndarray as Plotly.js's {"dtype", "bdata"[, "shape"]} spec, a string array as a list.

    Narrowing is lossless only: int64 to int32 when every value fits, float64 to float32 when every
    value (NaN and ±inf included) survives the round trip, as the float32 values most writers log do.
    """
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype.kind == "U":  # labels: a list is what Plotly's encoder would make of them, only slower
        return value.tolist()
    if value.size == 0 or value.dtype.kind not in "iuf":
        return value
    value = _narrowed(value)
    code = _TYPED.get(value.dtype)
    if code is None:
        return value
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")}
    if value.ndim > 1:
        spec["shape"] = ",".join(str(size) for size in value.shape)
    return spec


def _narrowed(value: np.ndarray) -> np.ndarray:
    """Return value as int32 or float32 when that loses nothing, else value itself."""
    if value.dtype in _INT64:
        return value.astype(np.int32) if value.min() >= -(2**31) and value.max() < 2**31 else value
    if value.dtype == _FLOAT64:
        with np.errstate(over="ignore", invalid="ignore"):
            narrow = value.astype(np.float32)
            same = narrow == value
        if bool(same.all()) or bool((same | (np.isnan(narrow) & np.isnan(value))).all()):
            return narrow
    return value
