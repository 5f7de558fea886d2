"""events.plugins.scalars: one float from any 0-d or one-element numeric tensor, and clear refusals."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from loaders.events.plugins.scalars import value_from_tensor
from loaders.proto import tensor_pb2

DT = tensor_pb2.DataType


def _tensor(dtype: int, shape: list[int], **values: object) -> tensor_pb2.TensorProto:
    dims = [tensor_pb2.TensorShapeProto.Dim(size=size) for size in shape]
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=tensor_pb2.TensorShapeProto(dim=dims), **values)


@pytest.mark.parametrize(("tensor", "expected"), [
    (_tensor(DT.DT_FLOAT, [], float_val=[0.1]), float(np.float32(0.1))),
    (_tensor(DT.DT_FLOAT, [], tensor_content=struct.pack("<f", -4.5)), -4.5),
    (_tensor(DT.DT_DOUBLE, [], tensor_content=struct.pack("<d", 0.1)), 0.1),
    (_tensor(DT.DT_FLOAT, [1], float_val=[2.0]), 2.0),
    (_tensor(DT.DT_INT8, [1, 1], int_val=[-3]), -3.0),
    (_tensor(DT.DT_UINT64, [], uint64_val=[2**63]), float(2**63)),
    (_tensor(DT.DT_BOOL, [], bool_val=[False]), 0.0),
    (_tensor(DT.DT_HALF, [], half_val=[0x3C00]), 1.0),
    (_tensor(DT.DT_BFLOAT16, [], half_val=[0x4049]), 3.140625),
    (_tensor(DT.DT_FLOAT, []), 0.0),  # no value at all: TF's zero-fill
])
def test_scalars_value_from_tensor(tensor, expected):
    assert value_from_tensor(tensor) == expected


def test_scalars_value_from_tensor_keeps_nan_and_inf():
    assert math.isnan(value_from_tensor(_tensor(DT.DT_DOUBLE, [], double_val=[math.nan])))
    assert value_from_tensor(_tensor(DT.DT_FLOAT, [], tensor_content=struct.pack("<f", math.inf))) == math.inf


@pytest.mark.parametrize(("tensor", "message"), [
    (_tensor(DT.DT_FLOAT, [2], float_val=[1, 2]), r"float32 tensor of shape \[2\]"),
    (_tensor(DT.DT_STRING, [], string_val=[b"1.0"]), "string tensor"),
    (_tensor(DT.DT_COMPLEX64, [], scomplex_val=[1, 2]), "complex64 tensor"),
    (_tensor(DT.DT_FLOAT, [0]), r"shape \[0\]"),
])
def test_scalars_value_from_tensor_refuses_non_scalars(tensor, message):
    with pytest.raises(ValueError, match=message):
        value_from_tensor(tensor)
