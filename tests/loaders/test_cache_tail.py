"""Incomplete tails of files that stopped changing are damage, reported (and read past); vanished runs are told."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd

from loaders.api import Logdir
from loaders.records import next_record, settled_tail_problem
from loaders.writer import EventWriter
from tests.eventfiles import huge_length, records, truncate


def _scalar_file(logdir: Path, steps: int, run: str = "run") -> str:
    with EventWriter(logdir / run, wall_time=1.0) as writer:
        for step in range(steps):
            writer.add_scalar("loss", float(step), step)
    (path,) = (logdir / run).iterdir()
    return str(path)


def _age(path: str, seconds: float = 3600) -> None:
    """Make path look unchanged for seconds (its writer long gone)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def _problems(lg: Logdir) -> list[list[object]]:
    return lg.problems()[["path", "offset", "kind"]].values.tolist()


def test_cache_tail_cut_file_is_not_yet_written_then_ends_mid_record_once_quiet(tmp_path: Path) -> None:
    path = _scalar_file(tmp_path / "logs", 4)
    offset = records(path)[-1][0]
    truncate(path, 5)
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["step"].tolist() == [0, 1, 2] and _problems(lg) == [[path, offset, "truncated"]]
    _age(path)
    assert lg.refresh().scalars()["step"].tolist() == [0, 1, 2]
    assert _problems(lg) == [[path, offset, "ends_mid_record"]]
    (message,) = lg.problems()["message"]
    assert message.startswith(f"{path}: the file ends mid-record at byte {offset} (")
    assert "has not changed for at least 30 s" in message
    again = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")  # stored in meta.json: no event file read again
    assert len(again.scalars()) == 3 and _problems(again) == _problems(lg) and again._cache.decoded_bytes == 0


def test_cache_tail_settle_time_is_a_parameter(tmp_path: Path) -> None:
    path = _scalar_file(tmp_path / "logs", 4)
    truncate(path, 5)
    _age(path, 10)
    assert Logdir(tmp_path / "logs", cache_dir=tmp_path / "a").problems().empty  # nothing loaded yet
    default = Logdir(tmp_path / "logs", cache_dir=tmp_path / "a")
    default.scalars()
    quick = Logdir(tmp_path / "logs", cache_dir=tmp_path / "b", settle_s=5)
    quick.scalars()
    assert default.problems()["kind"].tolist() == ["truncated"] and quick.problems()["kind"].tolist() == [
        "ends_mid_record"]


def test_cache_tail_damaged_length_mid_file_is_reported_and_the_records_after_read(tmp_path: Path) -> None:
    path = _scalar_file(tmp_path / "logs", 100)  # record 0 is the file_version event, record k step k-1
    offsets = [offset for offset, _ in records(path)]
    bad = huge_length(path, 4, length=3 << 29)  # 1.5 GiB: plausible, valid checksum, past the end of the file
    live = Logdir(tmp_path / "logs", cache_dir=tmp_path / "live")
    assert live.scalars()["step"].tolist() == [0, 1, 2]  # a live writer's record in progress, maybe
    assert _problems(live) == [[path, bad, "truncated"]]
    _age(path)
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["step"].tolist() == [0, 1, 2, *range(4, 100)]
    assert _problems(lg) == [[path, bad, "bad_length"]]
    (message,) = lg.problems()["message"]
    assert message == (f"{path}: record length {3 << 29} at byte {bad} runs past the end of the file "
                       f"({os.path.getsize(path)} bytes), but a valid record starts at byte {offsets[5]}: the length "
                       f"is damaged; skipped the {offsets[5] - bad} bytes up to there")
    assert _problems(live.refresh()) == _problems(lg) and len(live.scalars()) == 99
    pd.testing.assert_frame_equal(Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars(), lg.scalars())


def test_cache_tail_settled_problem_tells_a_cut_record_from_a_damaged_length(tmp_path: Path) -> None:
    path = _scalar_file(tmp_path / "logs", 10)
    (*_, (before_last, _), (last, _)) = records(path)
    truncate(path, 3)
    problem, resume = settled_tail_problem(path, last, 60)
    assert (problem.kind, problem.offset, resume) == ("ends_mid_record", last, None)
    assert f"({os.path.getsize(path) - last} of the record's" in problem.message
    huge_length(path, -1, length=1 << 20)
    problem, resume = settled_tail_problem(path, before_last, 60)
    assert (problem.kind, resume) == ("ends_mid_record", None)  # what follows is the cut record: not valid
    short = tmp_path / "short"
    short.write_bytes(open(path, "rb").read()[: last + 5])
    assert settled_tail_problem(str(short), last, 60)[0].message.endswith(
        f"at byte {last} (5 bytes of a record header are there) and has not changed for at least 60 s: its writer "
        f"stopped mid-write; that record is not read")
    with open(path, "rb") as handle:
        assert next_record(handle.fileno(), 1, os.path.getsize(path)) == records(path)[1][0]


def test_cache_tail_vanished_run_is_reported_by_the_refresh_that_finds_it_gone(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    _scalar_file(logdir, 2, "a")
    _scalar_file(logdir, 2, "b")
    _scalar_file(logdir, 2, "c")
    lg = Logdir(logdir, cache_dir=tmp_path / "cache")
    assert len(lg.scalars(runs=["a", "b"])) == 4  # c is discovered but never loaded
    shutil.rmtree(logdir / "b")
    shutil.rmtree(logdir / "c")
    assert lg.refresh().runs() == ["a"]
    assert _problems(lg) == [[str(logdir / "b"), -1, "vanished"], [str(logdir / "c"), -1, "vanished"]]
    assert lg.problems()["message"][0] == (f"{logdir / 'b'}: run 'b' is gone (its event files were deleted or "
                                           f"moved); its data is no longer shown")
    assert lg.refresh().problems().empty  # told once
