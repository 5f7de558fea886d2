"""events.plugins.tensors: any value kept losslessly with its plugin, dtype name and shape."""

from __future__ import annotations

from loaders.events.plugins.tensors import from_bytes, from_tensor
from loaders.proto import tensor_pb2
from loaders.tensors import decode_tensor

DT = tensor_pb2.DataType


def test_tensors_from_tensor_is_lossless():
    tensor = tensor_pb2.TensorProto(dtype=DT.DT_BFLOAT16, half_val=[0x3F80, 0x4000],
                                    tensor_shape=tensor_pb2.TensorShapeProto(dim=[tensor_pb2.TensorShapeProto.Dim(size=2)]))
    plugin, dtype, shape, data = from_tensor("mesh", tensor)
    assert (plugin, dtype, shape) == ("mesh", "bfloat16", [2])
    assert tensor_pb2.TensorProto.FromString(data) == tensor


def test_tensors_from_bytes_wraps_raw_bytes_as_a_string_tensor():
    plugin, dtype, shape, data = from_bytes("obsolete_old_style_histogram", b"\x00raw")
    assert (plugin, dtype, shape) == ("obsolete_old_style_histogram", "string", [])
    assert decode_tensor(tensor_pb2.TensorProto.FromString(data)).item() == b"\x00raw"
