"""events.plugins.histograms: legacy protos kept as written; TF2 k x 3 tensors to the same columns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from loaders.events.plugins.histograms import from_proto, from_tensor
from loaders.proto import summary_pb2


def test_histograms_from_proto_keeps_every_field():
    histo = summary_pb2.HistogramProto(min=-1, max=3, num=4, sum=2, sum_squares=11,
                                       bucket_limit=[0, 1.7976931348623157e308], bucket=[1, 3])
    *scalars, limits, counts = from_proto(histo)
    assert (*scalars, list(limits), list(counts)) == (-1.0, 3.0, 4.0, 2.0, 11.0, [0.0, 1.7976931348623157e308],
                                                      [1.0, 3.0])


def test_histograms_from_proto_reads_unpacked_bucket_encodings_too():
    import struct

    # bucket_limit and bucket written unpacked (one tagged double each), as some old writers did.
    unpacked = b"".join(struct.pack("<Bd", (field << 3) | 1, value)
                        for field, value in [(1, -1.0), (6, 0.5), (6, 2.0), (7, 3.0), (7, 4.0)])
    histo = summary_pb2.HistogramProto.FromString(unpacked)
    *_, limits, counts = from_proto(histo)
    assert list(limits) == [0.5, 2.0] and list(counts) == [3.0, 4.0]


def test_histograms_from_tensor_uses_right_edges_and_counts():
    array = np.array([[-2.0, -1.0, 4], [-1.0, 0.5, 0], [0.5, 2.0, 6]], dtype=np.float32)
    low, high, num, total, squares, limits, counts = from_tensor(array)
    assert (low, high, num, limits, counts) == (-2.0, 2.0, 10.0, [-1.0, 0.5, 2.0], [4.0, 0.0, 6.0])
    assert math.isnan(total) and math.isnan(squares)


def test_histograms_from_tensor_integer_counts_and_empty():
    assert from_tensor(np.array([[0, 1, 7]], dtype=np.int64))[2] == 7.0
    low, high, num, _, _, limits, counts = from_tensor(np.zeros((0, 3)))
    assert num == 0.0 and limits == [] and counts == [] and math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize("array", [np.zeros((2, 2)), np.zeros(3), np.array([[b"a", b"b", b"c"]], dtype=object)])
def test_histograms_from_tensor_refuses_other_shapes(array):
    with pytest.raises(ValueError, match="k x 3"):
        from_tensor(array)
