"""Tensors: any value no other table covers, kept losslessly as its serialized TensorProto."""

from __future__ import annotations

from loaders.proto import tensor_pb2
from loaders.tensors import dtype_name, tensor_shape

# Own columns, in schema order: plugin, dtype, shape, data.
TensorRow = tuple[str, str, list[int], bytes]


def from_tensor(plugin: str, tensor: tensor_pb2.TensorProto) -> TensorRow:
    """Return the columns of a tensors-table row.

    Args:
        plugin: the tag's plugin name ("" when no metadata has been seen for it).
        tensor: the value's TensorProto.

    Returns:
        plugin, dtype name ("float32", "string", ...), shape, serialized TensorProto.
    """
    return plugin, dtype_name(tensor.dtype), tensor_shape(tensor), tensor.SerializeToString()


def from_bytes(plugin: str, data: bytes) -> TensorRow:
    """Return a row for raw bytes that are not a tensor (e.g. obsolete_old_style_histogram).

    The bytes are wrapped in a 0-d DT_STRING TensorProto so every row decodes the same way.

    Args:
        plugin: the name to file the row under.
        data: the raw bytes.

    Returns:
        plugin, "string", [], serialized TensorProto.
    """
    tensor = tensor_pb2.TensorProto(dtype=tensor_pb2.DataType.DT_STRING, string_val=[data])
    return from_tensor(plugin, tensor)
