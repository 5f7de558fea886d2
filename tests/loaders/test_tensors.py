"""decode_tensor: every value encoding and dtype real writers use, TF's fill rules, clear errors."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from tensorboard.util import tensor_util

from loaders.proto import tensor_pb2
from loaders.tensors import decode_tensor, dtype_name, tensor_shape

DT = tensor_pb2.DataType


def _proto(dtype: int, shape: list[int], **values: object) -> tensor_pb2.TensorProto:
    dims = [tensor_pb2.TensorShapeProto.Dim(size=size) for size in shape]
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=tensor_pb2.TensorShapeProto(dim=dims), **values)


def _reparse(foreign: object) -> tensor_pb2.TensorProto:
    """Move a TensorProto made by another library onto our own proto through the wire format."""
    return tensor_pb2.TensorProto.FromString(foreign.SerializeToString())  # type: ignore[attr-defined]


@pytest.mark.parametrize("array", [
    np.float32(1.5),
    np.array([[1.0, -2.5, np.inf], [np.nan, 0.0, 3.25]], dtype=np.float32),
    np.arange(6, dtype=np.float64).reshape(3, 2) / 7,
    np.arange(-3, 3, dtype=np.float16).reshape(2, 3),
    np.array([-128, 0, 127], dtype=np.int8),
    np.array([0, 200, 255], dtype=np.uint8),
    np.array([-30000, 5, 30000], dtype=np.int16),
    np.array([0, 1, 65535], dtype=np.uint16),
    np.array([[-(2**31), 7], [2**31 - 1, 0]], dtype=np.int32),
    np.array([-(2**63), 2**63 - 1], dtype=np.int64),
    np.array([0, 2**32 - 1], dtype=np.uint32),
    np.array([0, 2**64 - 1], dtype=np.uint64),
    np.array([True, False, True]),
    np.array([1 + 2j, -3.5j], dtype=np.complex64),
    np.array([[1 + 2j], [-3.5j]], dtype=np.complex128),
    np.full((2, 2), 7, dtype=np.int32),
])
def test_decode_tensor_round_trips_tensorboard_make_tensor_proto(array):
    proto = _reparse(tensor_util.make_tensor_proto(array))
    decoded = decode_tensor(proto)
    assert decoded.dtype == array.dtype
    assert decoded.shape == np.shape(array)
    np.testing.assert_array_equal(decoded, array)


def test_decode_tensor_strings_give_object_array_of_bytes():
    proto = _reparse(tensor_util.make_tensor_proto(np.array([[b"a", b"bc"], [b"", "\u00e9".encode()]])))
    decoded = decode_tensor(proto)
    assert decoded.dtype == object and decoded.shape == (2, 2)
    assert decoded.tolist() == [[b"a", b"bc"], [b"", b"\xc3\xa9"]]


def test_decode_tensor_float_val_and_tensor_content_agree():
    values = [1.5, -2.0, 3.25, 1e-3]
    by_list = decode_tensor(_proto(DT.DT_FLOAT, [2, 2], float_val=values))
    by_bytes = decode_tensor(_proto(DT.DT_FLOAT, [2, 2], tensor_content=struct.pack("<4f", *values)))
    np.testing.assert_array_equal(by_list, np.array(values, dtype=np.float32).reshape(2, 2))
    np.testing.assert_array_equal(by_bytes, by_list)


def test_decode_tensor_half_from_half_val_bits_and_content():
    values = np.array([1.0, -0.5, 65504.0, np.inf], dtype=np.float16)
    bits = values.view(np.uint16).astype(np.int32).tolist()
    from_bits = decode_tensor(_proto(DT.DT_HALF, [4], half_val=bits))
    from_content = decode_tensor(_proto(DT.DT_HALF, [4], tensor_content=values.tobytes()))
    assert from_bits.dtype == np.float16
    np.testing.assert_array_equal(from_bits, values)
    np.testing.assert_array_equal(from_content, values)


def test_decode_tensor_bfloat16_from_upper_16_bits():
    # bfloat16 is the upper half of a float32: 1.0 -> 0x3F80, -2.5 -> 0xC020, 3.140625 -> 0x4049.
    expected = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    bits = (expected.view(np.uint32) >> 16).astype(np.uint16)
    from_half_val = decode_tensor(_proto(DT.DT_BFLOAT16, [3], half_val=bits.astype(np.int32).tolist()))
    from_content = decode_tensor(_proto(DT.DT_BFLOAT16, [3], tensor_content=bits.tobytes()))
    assert from_half_val.dtype == np.float32
    assert from_half_val.tolist() == [1.0, -2.5, 3.140625]
    np.testing.assert_array_equal(from_content, expected)


def test_decode_tensor_float8_formats():
    e4m3 = decode_tensor(_proto(DT.DT_FLOAT8_E4M3FN, [5], float8_val=bytes([0x38, 0xB8, 0x7E, 0x01, 0x7F])))
    assert e4m3[:4].tolist() == [1.0, -1.0, 448.0, 2.0**-9]
    assert math.isnan(e4m3[4])
    e5m2 = decode_tensor(_proto(DT.DT_FLOAT8_E5M2, [3], tensor_content=bytes([0x3C, 0xC0, 0x7C])))
    assert e5m2.tolist() == [1.0, -2.0, math.inf]


def test_decode_tensor_bool_and_small_ints_from_tensor_content():
    assert decode_tensor(_proto(DT.DT_BOOL, [3], tensor_content=b"\x01\x00\x01")).tolist() == [True, False, True]
    assert decode_tensor(_proto(DT.DT_INT16, [2], tensor_content=struct.pack("<2h", -7, 300))).tolist() == [-7, 300]
    assert decode_tensor(_proto(DT.DT_UINT8, [2], int_val=[250, 3])).dtype == np.uint8


def test_decode_tensor_single_value_fills_the_shape():
    decoded = decode_tensor(_reparse(tensor_util.make_tensor_proto(5.0, shape=[2, 3])))
    assert decoded.shape == (2, 3) and decoded.dtype == np.float32
    assert (decoded == 5.0).all()


def test_decode_tensor_short_list_is_padded_with_its_last_value():
    decoded = decode_tensor(_proto(DT.DT_INT64, [5], int64_val=[1, 2, 9]))
    assert decoded.tolist() == [1, 2, 9, 9, 9]


def test_decode_tensor_empty_values_with_nonzero_shape_are_zeros():
    assert decode_tensor(_proto(DT.DT_DOUBLE, [2, 2])).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert decode_tensor(_proto(DT.DT_STRING, [2])).tolist() == [b"", b""]
    assert decode_tensor(_proto(DT.DT_HALF, [1])).dtype == np.float16


def test_decode_tensor_zero_sized_shape():
    decoded = decode_tensor(_proto(DT.DT_DOUBLE, [0, 3]))
    assert decoded.shape == (0, 3) and decoded.dtype == np.float64


def test_decode_tensor_too_many_values_names_dtype_and_shape():
    with pytest.raises(ValueError, match=r"float32 tensor of shape \[2\] holds 2 values, got 3"):
        decode_tensor(_proto(DT.DT_FLOAT, [2], float_val=[1, 2, 3]))


def test_decode_tensor_bad_content_length_names_dtype_and_shape():
    with pytest.raises(ValueError, match=r"float64 tensor of shape \[3\] needs 24 bytes"):
        decode_tensor(_proto(DT.DT_DOUBLE, [3], tensor_content=b"\x00" * 16))


def test_decode_tensor_rejects_unsupported_dtype_and_unknown_shape():
    with pytest.raises(ValueError, match="dtype resource"):
        decode_tensor(_proto(DT.DT_RESOURCE, []))
    with pytest.raises(ValueError, match="unknown shape"):
        decode_tensor(_proto(DT.DT_FLOAT, [-1], float_val=[1.0]))


def test_dtype_name_and_tensor_shape():
    assert [dtype_name(d) for d in (DT.DT_FLOAT, DT.DT_BFLOAT16, DT.DT_HALF, DT.DT_STRING, DT.DT_VARIANT)] == [
        "float32", "bfloat16", "float16", "string", "variant"]
    assert dtype_name(99) == "dtype_99"
    assert tensor_shape(_proto(DT.DT_FLOAT, [4, 1, 2])) == [4, 1, 2]
