"""TensorProto -> numpy: every value encoding and dtype that real TensorFlow writers use."""

from __future__ import annotations

import math

import numpy as np

from loaders.proto import tensor_pb2

DT = tensor_pb2.DataType
# The most elements decode_tensor expands a tensor to. TensorFlow drops trailing repeats, so a
# few bytes can declare any shape; beyond this a damaged or hostile shape would exhaust memory.
MAX_ELEMENTS = 1 << 27

# dtype enum -> (name used in tables, numpy dtype of the decoded array, repeated field, raw item type).
# The raw item type is how tensor_content stores one element (little-endian); None: not allowed.
_SPECS: dict[int, tuple[str, str, str, str | None]] = {
    DT.DT_FLOAT: ("float32", "float32", "float_val", "<f4"),
    DT.DT_DOUBLE: ("float64", "float64", "double_val", "<f8"),
    DT.DT_INT32: ("int32", "int32", "int_val", "<i4"),
    DT.DT_UINT8: ("uint8", "uint8", "int_val", "u1"),
    DT.DT_INT16: ("int16", "int16", "int_val", "<i2"),
    DT.DT_INT8: ("int8", "int8", "int_val", "i1"),
    DT.DT_STRING: ("string", "object", "string_val", None),
    DT.DT_COMPLEX64: ("complex64", "complex64", "scomplex_val", "<c8"),
    DT.DT_INT64: ("int64", "int64", "int64_val", "<i8"),
    DT.DT_BOOL: ("bool", "bool", "bool_val", "u1"),
    DT.DT_QINT8: ("qint8", "int8", "int_val", "i1"),
    DT.DT_QUINT8: ("quint8", "uint8", "int_val", "u1"),
    DT.DT_QINT32: ("qint32", "int32", "int_val", "<i4"),
    DT.DT_BFLOAT16: ("bfloat16", "float32", "half_val", "<u2"),
    DT.DT_QINT16: ("qint16", "int16", "int_val", "<i2"),
    DT.DT_QUINT16: ("quint16", "uint16", "int_val", "<u2"),
    DT.DT_UINT16: ("uint16", "uint16", "int_val", "<u2"),
    DT.DT_COMPLEX128: ("complex128", "complex128", "dcomplex_val", "<c16"),
    DT.DT_HALF: ("float16", "float16", "half_val", "<u2"),
    DT.DT_UINT32: ("uint32", "uint32", "uint32_val", "<u4"),
    DT.DT_UINT64: ("uint64", "uint64", "uint64_val", "<u8"),
    DT.DT_FLOAT8_E5M2: ("float8_e5m2", "float32", "float8_val", "u1"),
    DT.DT_FLOAT8_E4M3FN: ("float8_e4m3fn", "float32", "float8_val", "u1"),
    # TF keeps int4/uint4 one element per byte in memory and in tensor_content.
    DT.DT_INT4: ("int4", "int8", "int_val", "i1"),
    DT.DT_UINT4: ("uint4", "uint8", "int_val", "u1"),
}
_OTHER_NAMES = {DT.DT_INVALID: "invalid", DT.DT_RESOURCE: "resource", DT.DT_VARIANT: "variant"}


def _e4m3fn_table() -> np.ndarray:
    """Return the float32 value of every float8 e4m3fn bit pattern (no infinities; S.1111.111 is NaN)."""
    bits = np.arange(256, dtype=np.uint32)
    sign = np.where(bits & 0x80, -1.0, 1.0)
    exponent = ((bits >> 3) & 0xF).astype(np.int32)
    mantissa = (bits & 0x7).astype(np.float64)
    normal = (1.0 + mantissa / 8.0) * np.exp2(exponent - 7.0)
    subnormal = (mantissa / 8.0) * np.exp2(-6.0)
    values = sign * np.where(exponent == 0, subnormal, normal)
    values[(bits & 0x7F) == 0x7F] = np.nan
    return values.astype(np.float32)


_E4M3FN = _e4m3fn_table()
# e5m2 is the upper byte of an IEEE float16, so shifting it back up gives the exact value.
_E5M2 = (np.arange(256, dtype=np.uint16) << 8).view(np.float16).astype(np.float32)


def dtype_name(dtype: int) -> str:
    """Return the table name of a TensorProto dtype ("float32", "bfloat16", "string", ...).

    Args:
        dtype: a DataType enum value.

    Returns:
        The name; "dtype_<n>" for a value this reader does not know.
    """
    spec = _SPECS.get(dtype)
    if spec is not None:
        return spec[0]
    return _OTHER_NAMES.get(dtype, f"dtype_{dtype}")


def tensor_shape(tensor: tensor_pb2.TensorProto) -> list[int]:
    """Return the dimensions of tensor as a list of ints ([] for a scalar)."""
    return [dim.size for dim in tensor.tensor_shape.dim]


def decode_tensor(tensor: tensor_pb2.TensorProto) -> np.ndarray:
    """Decode a TensorProto into a numpy array of its shape.

    Handles tensor_content (raw little-endian bytes) and every typed value list. TensorFlow
    drops trailing repeats of the last value, so a shorter list is padded with its last
    value (a single value fills the whole shape); an empty list means zeros. DT_HALF gives
    float16; DT_BFLOAT16 and the float8 types give float32; strings give an object array of bytes.
    half_val holds float16/bfloat16 bits, or float32 bits as PyTorch's add_tensor writes them.

    Args:
        tensor: the TensorProto.

    Returns:
        The values as a numpy array with the tensor's shape.

    Raises:
        ValueError: for an unsupported dtype, a negative or unknown dimension, a shape of more
            than MAX_ELEMENTS elements, or a value count or byte length that does not fit the
            shape (the message names both).
    """
    spec = _SPECS.get(tensor.dtype)
    if spec is None:
        raise ValueError(f"cannot decode a tensor of dtype {dtype_name(tensor.dtype)}")
    name, _, field, raw = spec
    shape = tensor_shape(tensor)
    if any(size < 0 for size in shape) or tensor.tensor_shape.unknown_rank:
        raise ValueError(f"cannot decode a {name} tensor of unknown shape {shape}")
    size = math.prod(shape)  # Python ints: a damaged shape cannot wrap around
    if size > MAX_ELEMENTS:
        raise ValueError(
            f"{name} tensor of shape {shape} has {size} elements, more than the {MAX_ELEMENTS} this reader expands"
        )
    if raw is not None and tensor.tensor_content:
        flat = _from_content(tensor.tensor_content, raw, name, shape, size)
    else:
        flat = _fill(_from_values(tensor, field, name), name, shape, size)
    return _finish(flat, tensor.dtype).reshape(shape)


def _from_content(content: bytes, raw: str, name: str, shape: list[int], size: int) -> np.ndarray:
    item = np.dtype(raw).itemsize
    if len(content) != size * item:
        raise ValueError(
            f"{name} tensor of shape {shape} needs {size * item} bytes of tensor_content, got {len(content)}"
        )
    return np.frombuffer(content, dtype=raw)


def _from_values(tensor: tensor_pb2.TensorProto, field: str, name: str) -> np.ndarray:
    if field == "string_val":
        values = np.empty(len(tensor.string_val), dtype=object)
        values[:] = list(tensor.string_val)
        return values
    if field == "float8_val":
        return np.frombuffer(tensor.float8_val, dtype=np.uint8)
    if field == "half_val":
        return _half_bits(np.asarray(tensor.half_val, dtype=np.int64))
    if field in ("scomplex_val", "dcomplex_val"):
        parts = np.asarray(getattr(tensor, field), dtype=np.float32 if field == "scomplex_val" else np.float64)
        if len(parts) % 2:
            raise ValueError(f"{name} tensor has an odd number ({len(parts)}) of real/imaginary parts")
        return parts[0::2] + 1j * parts[1::2]
    return np.asarray(getattr(tensor, field))


def _half_bits(values: np.ndarray) -> np.ndarray:
    """Return half_val entries as uint16 bit patterns, or as float32 when a writer put float32 bits there.

    TF stores float16 (and bfloat16) bits, 0..65535. PyTorch's writer stores each value's
    float32 bit pattern as a signed int32 instead; any entry outside 0..65535 can only be that.
    """
    if values.size and (values.min() < 0 or values.max() > 0xFFFF):
        return values.astype(np.int32).view(np.float32)
    return values.astype(np.uint16)


def _fill(values: np.ndarray, name: str, shape: list[int], size: int) -> np.ndarray:
    """Apply TF's compression rules: pad with the last value, or zeros when there are none."""
    if len(values) == size:
        return values
    if len(values) > size:
        raise ValueError(f"{name} tensor of shape {shape} holds {size} values, got {len(values)}")
    if len(values) == 0:
        return np.full(size, b"", dtype=object) if values.dtype == object else np.zeros(size, dtype=values.dtype)
    pad = np.full(size - len(values), values[-1], dtype=values.dtype)
    return np.concatenate([values, pad])


def _finish(flat: np.ndarray, dtype: int) -> np.ndarray:
    """Turn raw elements (bit patterns for half/bfloat16/float8) into the final numpy dtype."""
    if dtype in (DT.DT_HALF, DT.DT_BFLOAT16) and flat.dtype == np.float32:
        return flat.astype(np.float16) if dtype == DT.DT_HALF else flat
    if dtype == DT.DT_HALF:
        return flat.astype(np.uint16).view(np.float16)
    if dtype == DT.DT_BFLOAT16:
        return (flat.astype(np.uint32) << 16).view(np.float32)
    if dtype == DT.DT_FLOAT8_E5M2:
        return _E5M2[flat.astype(np.uint8)]
    if dtype == DT.DT_FLOAT8_E4M3FN:
        return _E4M3FN[flat.astype(np.uint8)]
    if flat.dtype == object:
        return flat
    return flat.astype(_SPECS[dtype][1], copy=False)
