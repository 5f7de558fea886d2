"""Damaged event files through Logdir: cut at every byte, a bit flipped in every byte, files that are no event files.

The damaged file is a small tensorboardX file holding every common kind (scalars, histograms,
images, text, PR curves) at two steps. Whatever the damage, nothing raises, every row read is a
row of the undamaged file (in order), and every problem names the file and a byte offset in it.
"""

from __future__ import annotations

import builtins
import errno
import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tensorboardX import SummaryWriter

import loaders
from loaders import fastpath
from loaders.errors import Problem
from tests.eventfiles import records

KINDS = ("scalars", "histograms", "images", "text", "pr_curves")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of one small multi-kind event file (about 1 KB)."""
    run = tmp_path_factory.mktemp("damaged_source")
    with SummaryWriter(str(run)) as writer:
        for step in range(2):
            writer.add_scalar("loss", 0.5 + step, step)
            writer.add_histogram("hist", np.array([1.0, 2.0, 4.0]), step, bins=2)
            writer.add_image("img", np.full((1, 1, 1), step, dtype=np.uint8), step)
            writer.add_text("text", f"step {step}", step)
            writer.add_pr_curve("pr", np.array([1, 0]), np.array([0.8, 0.3]), step, num_thresholds=2)
    (path,) = run.glob("*tfevents*")
    return path.read_bytes()


def _rows(lg: loaders.Logdir) -> dict[str, list[str]]:
    """kind -> every row (repr, without run and wall_time), in table (file) order."""
    return {kind: [repr(row) for row in getattr(lg, f"{kind}_table")().drop_columns(["run", "wall_time"]).to_pylist()]
            for kind in KINDS}


def _prefix(part: dict[str, list[str]], whole: dict[str, list[str]]) -> bool:
    return all(part[kind] == whole[kind][: len(part[kind])] for kind in KINDS)


def _subsequence(part: dict[str, list[str]], whole: dict[str, list[str]]) -> bool:
    remaining = {kind: iter(rows) for kind, rows in whole.items()}
    return all(row in remaining[kind] for kind in KINDS for row in part[kind])


def _damaged(tmp_path: Path, variants: list[bytes]):
    """Yield (path, Logdir after refresh) for each variant, each written as a new event file of one run."""
    run = tmp_path / "logs"
    run.mkdir()
    lg = loaders.Logdir(run, cache_dir=tmp_path / "cache")
    for index, data in enumerate(variants):
        for old in run.iterdir():
            old.unlink()
        path = run / f"events.out.tfevents.{index}.host"  # a new name: no cache entry can be reused
        path.write_bytes(data)
        yield path, lg.refresh()


def _decoded(path: Path, data: bytes) -> list[tuple[dict[str, list[str]], list[Problem]]]:
    """Write data to path and decode it with the compiled and the Python path: [(kind -> rows, problems)] x 2."""
    path.write_bytes(data)
    results = []
    for fast in (True, False):
        chunk = fastpath.read_chunk(str(path), 0, {}, fast=fast)
        rows = {kind: [repr(row) for row in chunk.tables[kind].drop_columns(["wall_time"]).to_pylist()]
                if kind in chunk.tables else [] for kind in KINDS}
        results.append((rows, chunk.problems))
    return results


def _edges(tmp_path: Path, source: bytes) -> list[int]:
    """Byte offsets around every record's start and header end, and the file's end."""
    starts = [offset for offset, _ in records(_write(tmp_path / "edges", source))]
    return sorted({max(0, edge + delta) for start in starts for edge in (start, start + 12) for delta in (-1, 0, 1)}
                  | {len(source)})


def _flipped(source: bytes, offset: int) -> bytes:
    return source[:offset] + bytes([source[offset] ^ (1 << (offset % 8))]) + source[offset + 1 :]


def test_damaged_files_cut_at_every_byte_decodes_a_prefix_of_the_rows(tmp_path, source):
    path = tmp_path / "events.out.tfevents.1.host"
    (full, _), _ = _decoded(path, source)
    for size in range(len(source) + 1):
        for rows, problems in _decoded(path, source[:size]):
            assert _prefix(rows, full), size
            assert all(p.kind == "truncated" and p.path == str(path) and 0 <= p.offset < size for p in problems), size


def test_damaged_files_cut_at_record_edges_loads_a_prefix_through_logdir(tmp_path, source):
    full = _rows(loaders.Logdir(_write(tmp_path / "full", source).parent, cache_dir=tmp_path / "cache_full"))
    seen = set()
    for path, lg in _damaged(tmp_path, [source[:size] for size in _edges(tmp_path, source)]):
        rows, problems = _rows(lg), lg.problems()
        assert _prefix(rows, full), path
        assert set(problems["kind"]) <= {"truncated"} and (problems["path"] == str(path)).all()
        seen.add(sum(map(len, rows.values())))
    assert seen == set(range(11))  # every record boundary was crossed


def test_damaged_files_a_flipped_bit_in_every_byte_is_reported_where_it_is(tmp_path, source):
    path = tmp_path / "events.out.tfevents.1.host"
    (full, _), _ = _decoded(path, source)
    for offset in range(len(source)):
        for rows, problems in _decoded(path, _flipped(source, offset)):
            assert _subsequence(rows, full) and problems, offset
            assert all(p.path == str(path) and 0 <= p.offset <= offset and str(path) in p.message
                       and p.kind in ("payload_crc", "length_crc", "bad_length", "truncated") for p in problems), offset


def test_damaged_files_flipped_bits_at_record_edges_through_logdir(tmp_path, source):
    full = _rows(loaders.Logdir(_write(tmp_path / "full", source).parent, cache_dir=tmp_path / "cache_full"))
    offsets = [offset for offset in _edges(tmp_path, source) if offset < len(source)]
    for (path, lg), offset in zip(_damaged(tmp_path, [_flipped(source, offset) for offset in offsets]), offsets):
        rows, problems = _rows(lg), lg.problems()
        assert _subsequence(rows, full) and len(problems) >= 1, offset
        assert (problems["path"] == str(path)).all() and problems["offset"].between(0, offset).all(), offset
        assert problems["message"].str.contains(str(path), regex=False).all(), offset


def _write(path: Path, data: bytes) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    target = path / "events.out.tfevents.1.host"
    target.write_bytes(data)
    return target


def _one_problem(logdir: Path, cache: Path) -> tuple[pd.DataFrame, pd.Series]:
    lg = loaders.Logdir(logdir, cache_dir=cache)
    scalars = lg.scalars()
    problems = lg.problems()
    assert len(problems) == 1, problems
    return scalars, problems.iloc[0]


def test_damaged_files_gzip_named_like_an_event_file_says_it_is_gzip(tmp_path, source):
    bad = _write(tmp_path / "logs" / "run", gzip.compress(source))
    _write(tmp_path / "logs" / "good", source)
    scalars, problem = _one_problem(tmp_path / "logs", tmp_path / "cache")
    assert scalars["run"].tolist() == ["good", "good"]
    assert (problem["path"], problem["offset"], problem["kind"]) == (str(bad), 0, "length_crc")
    assert "gzip-compressed" in problem["message"] and "gunzip" in problem["message"]


@pytest.mark.parametrize("content", [os.urandom(300), b"step,loss\n1,0.5\n2,0.25\n" * 4], ids=["random", "csv"])
def test_damaged_files_that_are_no_event_files_say_so(tmp_path, content):
    bad = _write(tmp_path / "logs", content)
    scalars, problem = _one_problem(tmp_path / "logs", tmp_path / "cache")
    assert scalars.empty and (problem["path"], problem["offset"]) == (str(bad), 0)
    assert "does not start with a TFRecord header" in problem["message"] and "not an event file" in problem["message"]


def test_damaged_files_unreadable_file_is_a_problem_and_its_run_stays(tmp_path, source, monkeypatch):
    bad = _write(tmp_path / "logs" / "locked", source)
    _write(tmp_path / "logs" / "good", source)
    bad.chmod(0)
    try:
        if os.access(bad, os.R_OK):  # root reads mode 000 files: refuse the open the way the kernel would
            real_open = builtins.open

            def refusing_open(file, *args, **kwargs):
                if os.fspath(file) == str(bad):
                    raise PermissionError(errno.EACCES, "Permission denied", str(bad))
                return real_open(file, *args, **kwargs)

            monkeypatch.setattr(builtins, "open", refusing_open)
        lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
        assert lg.runs() == ["good", "locked"] and lg.scalars()["run"].tolist() == ["good", "good"]
        ((path, kind, message),) = lg.problems()[["path", "kind", "message"]].values.tolist()
        assert (path, kind) == (str(bad), "unreadable_file") and "Permission denied" in message
    finally:
        bad.chmod(0o644)


def test_damaged_files_dangling_symlink_named_like_an_event_file(tmp_path, source):
    _write(tmp_path / "logs", source)
    link = tmp_path / "logs" / "events.out.tfevents.2.host"
    link.symlink_to(tmp_path / "nowhere")
    scalars, problem = _one_problem(tmp_path / "logs", tmp_path / "cache")
    assert scalars["value"].tolist() == [0.5, 1.5]
    assert (problem["path"], problem["kind"]) == (str(link), "unreadable_file")
    assert "No such file" in problem["message"]


def test_damaged_files_file_cut_then_completed_reads_every_row_once(tmp_path, source):
    path = _write(tmp_path / "logs", source[: len(source) // 2])
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    half = _rows(lg)
    with open(path, "ab") as handle:
        handle.write(source[len(source) // 2 :])
    full = _rows(lg.refresh())
    assert 0 < sum(map(len, half.values())) < sum(map(len, full.values())) == 10
    assert _prefix(half, full) and lg.problems().empty
    shutil.rmtree(tmp_path / "cache")
    assert _rows(loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")) == full
