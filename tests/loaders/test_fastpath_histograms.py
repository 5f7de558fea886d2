"""The kernel's histogram rows (legacy HistogramProto and TF2 k x 3 tensors) equal the Python decoder's."""

from __future__ import annotations

import glob
import os
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import loaders._fastscan as _fastscan
import numpy as np
import pytest
from tensorboardX import SummaryWriter

from loaders import fastpath
from loaders.proto import event_pb2, summary_pb2, tensor_pb2
from loaders.records import HEADER_BYTES, frame
from loaders.writer import EventWriter
from tests.loaders.test_fastpath import _assert_same, _assert_tables_equal, _only_file

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "tf2")
VERSION = frame(event_pb2.Event(file_version="brain.Event:2").SerializeToString())


def _kernel_histogram_rows(path: str) -> int:
    """Return how many histogram rows the kernel itself extracted from path (before the keep rules)."""
    with open(path, "rb") as handle:
        found = _fastscan.scan(handle.read())
    return len(found[-2][0]) // 4  # int32 tag ids of the histogram rows


def _tbx_histograms(tmp_path: Path) -> str:
    rng = np.random.default_rng(1)
    with SummaryWriter(str(tmp_path / "tbx")) as writer:
        for step in range(12):
            writer.add_histogram("weights", rng.normal(size=200), step)
            writer.add_histogram("constant", np.full(50, 3.0), step)
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_histogram_raw("raw", min=-1.0, max=2.0, num=4, sum=1.5, sum_squares=6.25,
                                 bucket_limits=[0.0, 1.0, 2.0], bucket_counts=[1, 2, 1], global_step=3)
        writer.add_histogram_raw("raw_empty", min=0.0, max=0.0, num=0, sum=0.0, sum_squares=0.0,
                                 bucket_limits=[], bucket_counts=[], global_step=4)
    return _only_file(tmp_path / "tbx")


def test_fastpath_histograms_tensorboardx_legacy_rows_come_from_the_kernel(tmp_path: Path) -> None:
    path = _tbx_histograms(tmp_path)
    _assert_same(path)
    assert _kernel_histogram_rows(path) == 26
    table = fastpath.read_chunk(path).tables["histograms"].to_pandas()
    raw = table[table.tag == "raw"].iloc[0]
    assert (raw["min"], raw["max"], raw["num"], raw["sum"], raw["sum_squares"]) == (-1.0, 2.0, 4.0, 1.5, 6.25)
    assert raw["bucket_limit"].tolist() == [0.0, 1.0, 2.0] and raw["bucket"].tolist() == [1.0, 2.0, 1.0]
    empty = table[table.tag == "raw_empty"].iloc[0]
    assert len(empty["bucket_limit"]) == 0 and len(empty["bucket"]) == 0
    assert table[table.tag == "constant"]["max"].tolist() == [3.0] * 12


def test_fastpath_histograms_torch_rows_match(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    rng = np.random.default_rng(2)
    with TorchWriter(str(tmp_path / "torch")) as writer:
        for step in range(8):
            writer.add_histogram("w", rng.normal(size=300), step)
            writer.add_histogram("ints", rng.integers(0, 5, size=40), step, bins="auto")
    path = _only_file(tmp_path / "torch")
    _assert_same(path)
    assert _kernel_histogram_rows(path) == 16
    assert fastpath.read_chunk(path).tables["histograms"].num_rows == 16


@pytest.mark.parametrize("name", ["keras/train", "tf_summary"])
def test_fastpath_histograms_tf2_tensor_rows_match(name: str) -> None:
    (path,) = glob.glob(os.path.join(FIXTURES, name, "*tfevents*"))
    _assert_same(path)
    assert _kernel_histogram_rows(path) > 0  # k x 3 tensors with metadata on every value


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(FIXTURES, "**", "*tfevents*"), recursive=True)),
                         ids=lambda path: os.path.relpath(path, FIXTURES))
def test_fastpath_histograms_every_tf2_fixture_matches(path: str) -> None:
    # TF2 writes metadata on every value: the kernel takes those values now, scalars included.
    _assert_same(path)


def test_fastpath_histograms_tf2_scalars_with_metadata_come_from_the_kernel() -> None:
    (path,) = glob.glob(os.path.join(FIXTURES, "keras", "validation", "*tfevents*"))
    with open(path, "rb") as handle:
        found = _fastscan.scan(handle.read())
    # 8 scalar tensor rows, each with metadata
    assert len(found[4]) // 4 == 8 and set(found[9]) == {_fastscan.KIND_SCALAR_TENSOR | _fastscan.KIND_META}


def test_fastpath_histograms_own_writer_tensor_and_edge_cases(tmp_path: Path) -> None:
    with EventWriter(tmp_path / "own") as writer:
        for step in range(5):
            writer.add_histogram("tensor", np.arange(step * 10, dtype=float), step, bins=7)
            writer.add_histogram("constant", np.full(9, -2.5), step)
            writer.add_histogram("legacy", np.linspace(-1, 1, 30), step, style="legacy")
            writer.add_scalar("s", float(step), step)
    path = _only_file(tmp_path / "own")
    _assert_same(path)
    table = fastpath.read_chunk(path).tables["histograms"].to_pandas()
    assert len(table) == 15 and table[table.tag == "constant"]["num"].tolist() == [9.0] * 5


def _histo_event(step: int, tag: str, histo: summary_pb2.HistogramProto | None = None, *,
                 tensor: tensor_pb2.TensorProto | None = None, meta: bool = False) -> bytes:
    value = summary_pb2.Summary.Value(tag=tag)
    if histo is not None:
        value.histo.CopyFrom(histo)
    if tensor is not None:
        value.tensor.CopyFrom(tensor)
    if meta:
        value.metadata.plugin_data.plugin_name = "histograms"
    event = event_pb2.Event(step=step, wall_time=1.5, summary=summary_pb2.Summary(value=[value]))
    return frame(event.SerializeToString())


def _k3(rows: list[list[float]], dtype: int = tensor_pb2.DT_DOUBLE,
        shape: list[int] | None = None) -> tensor_pb2.TensorProto:
    """Return a histogram tensor of the given (left, right, count) rows as tensor_content."""
    array = np.array(rows, dtype=np.float32 if dtype == tensor_pb2.DT_FLOAT else np.float64).reshape(-1)
    tensor = tensor_pb2.TensorProto(dtype=dtype, tensor_content=array.tobytes())
    for size in shape or [len(rows), 3]:
        tensor.tensor_shape.dim.add(size=size)
    return tensor


def _varint(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def _raw_histo_event(step: int, tag: bytes, histo: bytes) -> bytes:
    """Frame an Event whose one value holds histo exactly as given (the runtime would re-encode it)."""
    value = b"\x0a" + _varint(len(tag)) + tag + b"\x2a" + _varint(len(histo)) + histo
    summary = b"\x0a" + _varint(len(value)) + value
    return frame(b"\x10" + _varint(step) + b"\x2a" + _varint(len(summary)) + summary)


_MIN = b"\x09" + struct.pack("<d", 1.0)
ODD = {
    "unpacked_bucket_limit": [_raw_histo_event(0, b"h", _MIN + (b"\x31" + struct.pack("<d", 2.0)) * 2)],
    "repeated_min": [_raw_histo_event(0, b"h", _MIN + b"\x09" + struct.pack("<d", 5.0))],
    "two_packed_runs": [_raw_histo_event(0, b"h", b"\x32\x08" + struct.pack("<d", 1.0) + b"\x32\x08" +
                                         struct.pack("<d", 3.0))],
    "unknown_histo_field": [_raw_histo_event(0, b"h", _MIN + b"\x40\x01")],
    "ragged_packed_bytes": [_raw_histo_event(0, b"h", b"\x3a\x03abc")],
    "fractional_counts": [_histo_event(0, "t", tensor=_k3([[0, 1, 0.5], [1, 2, 0.25]]), meta=True)],
    "float32_tensor": [_histo_event(0, "t", tensor=_k3([[0, 1, 2], [1, 2, 3]], tensor_pb2.DT_FLOAT), meta=True)],
    "negative_zero_count": [_histo_event(0, "t", tensor=_k3([[0, 1, -0.0]]), meta=True)],
    "huge_counts": [_histo_event(0, "t", tensor=_k3([[0, 1, 2.0**60], [1, 2, 2.0**60]]), meta=True)],
    "nan_edges": [_histo_event(0, "t", tensor=_k3([[float("nan"), 1, 2], [1, float("inf"), 3]]), meta=True)],
    "empty_tensor": [_histo_event(0, "t", tensor=_k3([], shape=[0, 3]), meta=True)],
    "wrong_width": [_histo_event(0, "t", tensor=_k3([[0, 1, 2, 3]], shape=[1, 4]), meta=True)],
    "tensor_before_metadata": [_histo_event(0, "t", tensor=_k3([[0, 1, 2]])),
                               _histo_event(1, "t", tensor=_k3([[0, 1, 2]]), meta=True)],
    "tensor_without_any_metadata": [_histo_event(0, "t", tensor=_k3([[0, 1, 2]]))],
    "legacy_then_tensor": [_histo_event(0, "h", summary_pb2.HistogramProto(max=1.0)),
                           _histo_event(1, "h", tensor=_k3([[0, 1, 2]]))],
    "scalar_tag_gets_histogram": [frame(event_pb2.Event(step=0, summary=summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(tag="s", simple_value=1.0)])).SerializeToString()),
        _histo_event(1, "s", summary_pb2.HistogramProto(max=1.0)), _histo_event(2, "s", tensor=_k3([[0, 1, 2]]))],
}


@pytest.mark.parametrize("name", list(ODD))
def test_fastpath_histograms_odd_payloads_match(tmp_path: Path, name: str) -> None:
    path = tmp_path / "events.out.tfevents.odd"
    path.write_bytes(VERSION + b"".join(ODD[name]))
    _assert_same(str(path))


def test_fastpath_histograms_fuzzed_records_match(tmp_path: Path) -> None:
    # Random byte edits inside histogram and scalar payloads (checksums fixed up so the records are
    # read): whatever each decoder makes of them, both must make the same.
    target = tmp_path / "events.out.tfevents.fuzz"
    for data in _byte_fuzz_files(tmp_path):
        target.write_bytes(data)
        _assert_same(str(target))


def _byte_fuzz_files(directory: Path) -> Iterator[bytes]:
    """Yield 150 files of histogram and scalar records, each with 1-3 random byte edits in one payload.

    The checksums are fixed up, so both decoders read the edited record (also the sanitizer corpus).
    """
    source = _tbx_histograms(directory)
    with EventWriter(directory / "own") as writer:
        for step in range(3):
            writer.add_histogram("tensor", np.arange(6.0), step, bins=3)
    data = open(source, "rb").read() + open(_only_file(directory / "own"), "rb").read()[len(VERSION):]
    rng = random.Random(5)
    for _ in range(150):
        payloads = _payloads(data)
        index = rng.randrange(1, len(payloads))
        payload = bytearray(payloads[index])
        for _ in range(rng.randint(1, 3)):
            payload[rng.randrange(len(payload))] = rng.randrange(256)
        payloads[index] = bytes(payload)
        yield b"".join(frame(p) for p in payloads)


def _payloads(data: bytes) -> list[bytes]:
    """Return the payload of every record of framed data."""
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append(data[pos + HEADER_BYTES : pos + HEADER_BYTES + length])
        pos += HEADER_BYTES + length + 4
    return out


def _meta_value(tag: bytes, metadata: bytes) -> bytes:
    """A Summary.Value of tag with a k x 3 histogram tensor and the given raw metadata bytes."""
    tensor = _k3([[0, 1, 2]]).SerializeToString()
    return b"\x0a" + _varint(len(tag)) + tag + b"\x42" + _varint(len(tensor)) + tensor + b"\x4a" + _varint(
        len(metadata)) + metadata


def _raw_values_event(step: int, *values: bytes) -> bytes:
    summary = b"".join(b"\x0a" + _varint(len(value)) + value for value in values)
    return frame(b"\x10" + _varint(step) + b"\x2a" + _varint(len(summary)) + summary)


_HISTOGRAMS_META = b"\x0a\x0c\x0a\x0ahistograms"  # plugin_data {plugin_name: "histograms"}
ODD_METADATA = {
    "display_name_not_utf8": _HISTOGRAMS_META + b"\x12\x02\xff\xfe",
    "display_name_utf8": _HISTOGRAMS_META + b"\x12\x04" + "é✓".encode()[:4],
    "unknown_metadata_field": _HISTOGRAMS_META + b"\x28\x01",
    "two_plugin_data": _HISTOGRAMS_META + b"\x0a\x08\x0a\x06images",
    "data_class_and_description": _HISTOGRAMS_META + b"\x1a\x03abc\x20\x02",
    "plugin_content": b"\x0a\x10\x0a\x0ahistograms\x12\x02\x08\x01",
}


@pytest.mark.parametrize("name", list(ODD_METADATA))
def test_fastpath_histograms_metadata_encodings_match(tmp_path: Path, name: str) -> None:
    metadata = ODD_METADATA[name]
    records = [_raw_values_event(step, _meta_value(b"t", metadata), _meta_value(b"u", _HISTOGRAMS_META))
               for step in range(3)]
    path = tmp_path / "events.out.tfevents.meta"
    path.write_bytes(VERSION + b"".join(records))
    _assert_same(str(path))


@pytest.mark.parametrize("source", ["tbx", "keras/train", "tf_summary"])
def test_fastpath_histograms_incremental_reads_match(tmp_path: Path, source: str) -> None:
    # A refresh decodes from where the last read stopped, with the tags that read registered.
    if source == "tbx":
        path = _tbx_histograms(tmp_path)
    else:
        (path,) = glob.glob(os.path.join(FIXTURES, source, "*tfevents*"))
    with open(path, "rb") as handle:
        data = handle.read()
    offsets = np.cumsum([0] + [HEADER_BYTES + len(p) + 4 for p in _payloads(data)]).tolist()
    prefix = tmp_path / "events.out.tfevents.prefix"
    for cut in sorted({1, len(offsets) // 3, len(offsets) // 2, len(offsets) - 2}):
        prefix.write_bytes(data[: offsets[cut]])
        known = fastpath.read_chunk(str(prefix), fast=False).tags  # what the earlier read registered
        fast = fastpath.read_chunk(path, offsets[cut], known, fast=True)
        slow = fastpath.read_chunk(path, offsets[cut], known, fast=False)
        assert (fast.tags, fast.problems, fast.num_records) == (slow.tags, slow.problems, slow.num_records), cut
        assert sorted(fast.tables) == sorted(slow.tables), cut
        for kind, table in slow.tables.items():
            _assert_tables_equal(fast.tables[kind], table, kind)
