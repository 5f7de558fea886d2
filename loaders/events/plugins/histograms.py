"""Histograms: legacy HistogramProto and TF2 k x 3 (left, right, count) tensors as one canonical row."""

from __future__ import annotations

import math

import numpy as np

from loaders.proto import summary_pb2

# Own columns, in schema order: min, max, num, sum, sum_squares, bucket_limit, bucket.
HistogramRow = tuple[float, float, float, float, float, "np.ndarray | list[float]", "np.ndarray | list[float]"]
# Wire tags of HistogramProto's packed repeated doubles: bucket_limit (field 6) and bucket (field 7).
_PACKED_FIELDS = {(6 << 3) | 2: 5, (7 << 3) | 2: 6}


def from_proto(histo: summary_pb2.HistogramProto) -> HistogramRow:
    """Return a legacy histogram's columns unchanged (bucket_limit holds right edges).

    The bucket lists are read straight from the packed wire bytes into float64 arrays: a
    600-bucket histogram would otherwise become 1,200 Python floats.

    Args:
        histo: the Summary.Value.histo message.

    Returns:
        min, max, num, sum, sum_squares, bucket_limit, bucket.
    """
    packed = _packed_doubles(histo.SerializeToString())
    limits: np.ndarray | list[float]
    counts: np.ndarray | list[float]
    if packed is None:  # unpacked or unusual encoding: the protobuf runtime's view
        limits, counts = list(histo.bucket_limit), list(histo.bucket)
    else:
        limits, counts = packed
    return histo.min, histo.max, histo.num, histo.sum, histo.sum_squares, limits, counts


def _packed_doubles(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (bucket_limit, bucket) from a serialized HistogramProto, or None if not packed."""
    found = [np.zeros(0), np.zeros(0)]
    pos, size = 0, len(data)
    while pos < size:
        key, pos = _varint(data, pos)
        wire = key & 7
        if key in _PACKED_FIELDS:
            length, pos = _varint(data, pos)
            if length % 8:
                return None
            found[_PACKED_FIELDS[key] - 5] = np.frombuffer(data, dtype="<f8", count=length // 8, offset=pos)
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 0:
            _, pos = _varint(data, pos)
        else:  # an unpacked repeated double (wire 1 handled above) or an unknown length-delimited field
            return None
    return found[0], found[1]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """Return the varint at pos and the position after it."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def from_tensor(array: np.ndarray) -> HistogramRow:
    """Return the columns of a TF2 histogram tensor (rows of left edge, right edge, count).

    bucket_limit gets the right edges and bucket the counts; min is the first left edge,
    max the last right edge and num the total count. The tensor does not carry sum or
    sum_squares, so both are NaN. An empty (0 x 3) tensor gives num 0 and NaN min/max.

    Args:
        array: the decoded tensor.

    Returns:
        min, max, num, sum, sum_squares, bucket_limit, bucket.

    Raises:
        ValueError: when the tensor is not a numeric k x 3 matrix.
    """
    if array.ndim != 2 or array.shape[1] != 3 or array.dtype.kind not in "fiub":
        raise ValueError(f"a histogram must be a numeric k x 3 tensor, got {array.dtype} of shape {list(array.shape)}")
    edges = array.astype(np.float64)
    if len(edges) == 0:
        return (math.nan, math.nan, 0.0, math.nan, math.nan, [], [])
    counts = edges[:, 2]
    return (
        float(edges[0, 0]),
        float(edges[-1, 1]),
        float(counts.sum()),
        math.nan,
        math.nan,
        edges[:, 1].tolist(),
        counts.tolist(),
    )
