"""GraphDef attribute values rendered as readable JSON: dtype names, shapes, summarized tensors."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import numpy as np

from loaders.proto import graph_pb2, tensor_pb2

# TensorFlow's own short names where they differ from the enum name without "DT_".
_DTYPE_ALIASES = {"DT_FLOAT": "float32", "DT_DOUBLE": "float64", "DT_HALF": "float16"}
_REF_OFFSET = 100  # DT_FLOAT_REF == 101: TF1 reference types are the base type + 100.
_NUMPY_DTYPES = {
    1: np.float32,
    2: np.float64,
    3: np.int32,
    4: np.uint8,
    5: np.int16,
    6: np.int8,
    8: np.complex64,
    9: np.int64,
    10: np.bool_,
    17: np.uint16,
    18: np.complex128,
    19: np.float16,
    22: np.uint32,
    23: np.uint64,
}
_TYPED_FIELDS = (
    "float_val",
    "double_val",
    "int_val",
    "int64_val",
    "bool_val",
    "uint32_val",
    "uint64_val",
    "scomplex_val",
    "dcomplex_val",
)
MAX_VALUES = 10  # values shown per tensor
MAX_TEXT = 1000  # characters shown per string attribute


def dtype_name(value: int) -> str:
    """Return TensorFlow's name for a DataType enum value ("float32", "int64", "float32_ref").

    Args:
        value: the DataType number (unknown numbers are kept, never rejected).

    Returns:
        The dtype name, or "dtype_<n>" for a number our protos don't know.
    """
    if value > _REF_OFFSET:
        return dtype_name(value - _REF_OFFSET) + "_ref"
    try:
        enum_name = tensor_pb2.DataType.Name(value)
    except ValueError:
        return f"dtype_{value}"
    return _DTYPE_ALIASES.get(enum_name, enum_name[3:].lower())


def shape_text(shape: tensor_pb2.TensorShapeProto) -> str:
    """Return a shape as "[-1,784]" ("[]" for a scalar, "<unknown>" for unknown rank)."""
    if shape.unknown_rank:
        return "<unknown>"
    return "[" + ",".join(str(dim.size) for dim in shape.dim) + "]"


def render_attrs(attrs: Mapping[str, graph_pb2.AttrValue]) -> str:
    """Return a node's attributes as a JSON object string, keys sorted.

    Args:
        attrs: NodeDef.attr (or any name -> AttrValue mapping).

    Returns:
        Strict JSON; an attribute that cannot be rendered becomes {"unreadable": reason}.
    """
    if not attrs:
        return "{}"
    return json.dumps({name: render_attr_safe(attrs[name]) for name in sorted(attrs)}, ensure_ascii=False)


def render_attr_safe(value: graph_pb2.AttrValue) -> object:
    """Return render_attr(value), or {"unreadable": reason} instead of raising."""
    try:
        return render_attr(value)
    except Exception as exc:  # noqa: BLE001 - one odd attribute must never lose the graph
        return {"unreadable": f"{type(exc).__name__}: {exc}"}


def render_attr(value: graph_pb2.AttrValue) -> object:
    """Return one AttrValue as a JSON-ready Python value.

    Args:
        value: the attribute.

    Returns:
        str, int, float (non-finite as "nan"/"inf"/"-inf"), bool, None (unset or an unknown
        kind), a list for list values, or a dict for tensors and functions.
    """
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "list":
        return _render_list(value.list)
    if kind == "func":
        return _render_func(value.func)
    if kind == "placeholder":
        return {"placeholder": value.placeholder}
    return _render_scalar(kind, getattr(value, kind))


def _render_scalar(kind: str, raw: object) -> object:
    if kind == "s":
        return text(raw)  # type: ignore[arg-type]
    if kind == "f":
        return _number(raw)  # type: ignore[arg-type]
    if kind == "type":
        return dtype_name(raw)  # type: ignore[arg-type]
    if kind == "shape":
        return shape_text(raw)
    if kind == "tensor":
        return tensor_summary(raw)
    return raw  # i (int) and b (bool)


def _render_list(values: graph_pb2.AttrValue.ListValue) -> list[object]:
    for kind in ("s", "i", "f", "b", "type", "shape", "tensor"):
        items = getattr(values, kind)
        if len(items):
            return [_render_scalar(kind, item) for item in items]
    return [_render_func(func) for func in values.func]


def _render_func(func: graph_pb2.NameAttrList) -> dict[str, object]:
    rendered: dict[str, object] = {"func": func.name}
    if func.attr:
        rendered["attr"] = {name: render_attr_safe(func.attr[name]) for name in sorted(func.attr)}
    return rendered


def text(raw: bytes | str) -> str:
    """Return bytes decoded as UTF-8 (undecodable bytes escaped), cut to MAX_TEXT characters."""
    value = raw.decode("utf-8", errors="backslashreplace") if isinstance(raw, bytes) else raw
    if len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"... ({len(value)} characters)"
    return value


def _number(value: float) -> float | str:
    """Return a float for JSON; non-finite floats become "nan", "inf", "-inf"."""
    return float(value) if math.isfinite(value) else str(value)


def _json_value(value: object) -> object:
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    return value


def tensor_summary(tensor: tensor_pb2.TensorProto) -> dict[str, object]:
    """Return a short description of a tensor: dtype, shape and its first MAX_VALUES values.

    Args:
        tensor: the TensorProto (values in tensor_content or in the typed *_val fields).

    Returns:
        {"dtype", "shape", "values", and "truncated": True when more values exist}; values of
        dtypes numpy cannot read (bfloat16, float8, quantized) are left out.
    """
    summary: dict[str, object] = {"dtype": dtype_name(tensor.dtype), "shape": shape_text(tensor.tensor_shape)}
    values = _tensor_values(tensor)
    if values is not None:
        summary["values"] = [_json_value(v) for v in values[:MAX_VALUES]]
        if len(values) > MAX_VALUES:
            summary["truncated"] = True
    return summary


def _tensor_values(tensor: tensor_pb2.TensorProto) -> Sequence[object] | None:
    if tensor.string_val:
        return [text(item) for item in tensor.string_val[: MAX_VALUES + 1]]
    numpy_dtype = _NUMPY_DTYPES.get(tensor.dtype)
    if tensor.tensor_content:
        if numpy_dtype is None:
            return None
        width = np.dtype(numpy_dtype).itemsize
        head = tensor.tensor_content[: (MAX_VALUES + 1) * width]
        return np.frombuffer(head[: len(head) // width * width], dtype=numpy_dtype).tolist()
    if tensor.half_val:
        return np.asarray(tensor.half_val[: MAX_VALUES + 1], dtype=np.uint16).view(np.float16).tolist()
    for field in _TYPED_FIELDS:
        items = getattr(tensor, field)
        if len(items):
            head = list(items[: 2 * (MAX_VALUES + 1)])
            return _complex_pairs(head) if field in ("scomplex_val", "dcomplex_val") else head
    return []


def _complex_pairs(items: list[float]) -> list[complex]:
    """Return the complex values of a *complex_val field, stored as interleaved (real, imag) pairs."""
    return [complex(re, im) for re, im in zip(items[::2], items[1::2])]
