"""Scalars: one float64 per (tag, step); TF2 scalar tensors of any numeric dtype become that float."""

from __future__ import annotations

import struct

import numpy as np

from loaders.proto import tensor_pb2
from loaders.tensors import decode_tensor, dtype_name

_FLOAT = tensor_pb2.DataType.DT_FLOAT
_DOUBLE = tensor_pb2.DataType.DT_DOUBLE
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


def value_from_tensor(tensor: tensor_pb2.TensorProto) -> float:
    """Return the single value of a 0-d or one-element numeric tensor as a float.

    The float32/float64 encodings TF2 and PyTorch write (one float_val/double_val, or four or
    eight bytes of tensor_content, 0-d) are read without building an array; anything else goes
    through decode_tensor. NaN and infinities are kept.

    Args:
        tensor: the summary value's TensorProto.

    Returns:
        The value as a Python float.

    Raises:
        ValueError: when the tensor does not hold exactly one number.
    """
    # An empty TensorShapeProto (0-d); ByteSize() is much cheaper than building the .dim container.
    if not tensor.tensor_shape.ByteSize():
        content = tensor.tensor_content
        if tensor.dtype == _FLOAT:
            if len(content) == 4:
                return _F32.unpack(content)[0]
            if not content and len(tensor.float_val) == 1:
                return tensor.float_val[0]
        elif tensor.dtype == _DOUBLE:
            if len(content) == 8:
                return _F64.unpack(content)[0]
            if not content and len(tensor.double_val) == 1:
                return tensor.double_val[0]
    array = decode_tensor(tensor)
    if array.size != 1 or array.dtype.kind not in "fiub":
        raise ValueError(
            f"a scalar must be one number, got a {dtype_name(tensor.dtype)} tensor of shape {list(array.shape)}"
        )
    return float(array.reshape(-1)[0].astype(np.float64))
