"""The compiled bulk path and the pure-Python decoder produce identical chunks on real files."""

from __future__ import annotations

import math
import os
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tensorboardX import SummaryWriter

from loaders import fastpath
from loaders.cache.entry import tag_index
from loaders.chunk import FileChunk
from loaders.records import HEADER_BYTES, masked_crc, scan_records


def _only_file(directory: str | os.PathLike[str]) -> str:
    (name,) = [n for n in os.listdir(directory) if "tfevents" in n]
    return os.path.join(directory, name)


def _assert_same(path: str, start: int = 0) -> None:
    fast = fastpath.read_chunk(path, start, fast=True)
    slow = fastpath.read_chunk(path, start, fast=False)
    assert fast.end_offset == slow.end_offset
    assert (fast.truncated, fast.stopped, fast.num_records) == (slow.truncated, slow.stopped, slow.num_records)
    assert fast.problems == slow.problems
    assert fast.tags == slow.tags
    assert fast.restarts == slow.restarts and fast.file_version == slow.file_version
    assert sorted(fast.tables) == sorted(slow.tables)
    for kind in slow.tables:
        _assert_tables_equal(fast.tables[kind], slow.tables[kind], kind)
    _assert_index_exact(fast)


def _assert_index_exact(chunk: FileChunk) -> None:
    """The kernel's tag index equals the one the cache computes from the tables, tag order included."""
    assert set(chunk.index) <= set(chunk.tables)
    for kind, tags in chunk.index.items():
        assert list(tags.items()) == list(tag_index({kind: chunk.tables[kind]})[kind].items()), kind


def _assert_tables_equal(a: pa.Table, b: pa.Table, kind: str) -> None:
    """Equal schemas and values, NaN equal to NaN (Arrow's Table.equals says NaN != NaN)."""
    assert a.schema == b.schema and a.num_rows == b.num_rows, kind
    for name in a.column_names:
        x, y = a.column(name).combine_chunks(), b.column(name).combine_chunks()
        if pa.types.is_list(x.type) and pa.types.is_floating(x.type.value_type):  # histogram buckets
            assert np.array_equal(x.offsets, y.offsets) and x.is_valid().equals(y.is_valid()), (kind, name)
            x, y = x.flatten(), y.flatten()
        if pa.types.is_floating(x.type):
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True), (kind, name)
        else:
            assert x.equals(y), (kind, name)


def _mixed_tbx_log(tmp_path: Path) -> str:
    rng = np.random.default_rng(0)
    with SummaryWriter(str(tmp_path / "mixed")) as writer:
        for step in range(40):
            writer.add_scalar("train/loss", float(rng.normal()), step)
            writer.add_scalar("train/acc", [math.nan, math.inf, -math.inf, 0.5][step % 4], step)
            if step % 10 == 0:
                writer.add_histogram("weights", rng.normal(size=100), step)
                writer.add_text("note", f"step {step}", step)
                writer.add_image("img", rng.random((3, 4, 4)), step)
            writer.add_scalar("big_step", 1.0, step * 10**12)
    return _only_file(tmp_path / "mixed")


def test_fastpath_extension_is_built() -> None:
    # The package works without it, but CI and development installs must build it (gcc is there).
    assert fastpath._fastscan is not None, "loaders._fastscan was not built: pip install -e . with a C compiler"


def test_fastpath_masked_crc_matches_python() -> None:
    data = random.Random(3).randbytes(1000)
    for n in (0, 1, 7, 8, 9, 63, 1000):
        assert fastpath._kernel().masked_crc(data[:n]) == masked_crc(data[:n])


def test_fastpath_matches_python_decoder_on_tensorboardx_log(tmp_path: Path) -> None:
    path = _mixed_tbx_log(tmp_path)
    _assert_same(path)
    chunk = fastpath.read_chunk(path)
    loss = chunk.tables["scalars"].filter(chunk.tables["scalars"]["tag"].to_numpy(zero_copy_only=False) == "train/loss")
    assert loss.num_rows == 40


def test_fastpath_matches_python_decoder_on_torch_new_style_scalars(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    with TorchWriter(str(tmp_path / "torch")) as writer:
        for step in range(25):
            writer.add_scalar("loss", 1.0 / (step + 1), step, new_style=True)
            writer.add_scalar("legacy", float(step), step)
            writer.add_scalar("double", 1.0 / 3.0, step, new_style=True, double_precision=True)
    path = _only_file(tmp_path / "torch")
    _assert_same(path)
    scalars = fastpath.read_chunk(path).tables["scalars"].to_pandas()
    assert len(scalars[scalars.tag == "loss"]) == 25
    assert scalars[scalars.tag == "double"].value.iloc[0] == pytest.approx(1.0 / 3.0, abs=1e-15)


def test_fastpath_matches_python_decoder_on_damaged_files(tmp_path: Path) -> None:
    path = _mixed_tbx_log(tmp_path)
    data = bytearray(open(path, "rb").read())
    scan = scan_records(path)
    cases = {}
    payload_bad = bytearray(data)
    payload_bad[scan.record_offset(5) + HEADER_BYTES + 2] ^= 0x40
    cases["payload_crc"] = payload_bad
    length_bad = bytearray(data)
    length_bad[scan.record_offset(30) + 9] ^= 0x01
    cases["length_crc"] = length_bad
    cases["truncated"] = data[: scan.record_offset(len(scan) - 1) + 7]
    for name, content in cases.items():
        target = tmp_path / f"events.out.tfevents.{name}"
        target.write_bytes(bytes(content))
        _assert_same(str(target))
        assert name in {p.kind for p in fastpath.read_chunk(str(target)).problems}


def test_fastpath_matches_python_decoder_from_a_middle_offset(tmp_path: Path) -> None:
    path = _mixed_tbx_log(tmp_path)
    scan = scan_records(path)
    _assert_same(path, scan.record_offset(17))


def test_fastpath_tag_index_comes_from_the_kernel(tmp_path: Path) -> None:
    path = _mixed_tbx_log(tmp_path)
    chunk = fastpath.read_chunk(path)
    assert sorted(chunk.index) == ["histograms", "scalars"]
    assert chunk.index["scalars"] == {"train/loss": (40, 0, 39), "train/acc": (40, 0, 39),
                                      "big_step": (40, 0, 39 * 10**12)}
    assert chunk.index["histograms"] == {"weights": (4, 0, 30)}
    assert fastpath.read_chunk(path, fast=False).index == {}  # the Python path leaves it to the cache
