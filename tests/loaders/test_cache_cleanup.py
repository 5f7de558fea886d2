"""Cache hygiene: temp files left by killed writers are collected; cache problems have kinds of their own."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loaders.api import Logdir
from loaders.cache import CACHE_PROBLEM_KINDS, Cache, files, parallel
from loaders.writer import EventWriter


def _run(logdir: Path, steps: range) -> EventWriter:
    writer = EventWriter(logdir / "run", wall_time=1.0)
    for step in steps:
        writer.add_scalar("loss", float(step), step)
    writer.flush()
    return writer


def _dead_pid() -> int:
    """Return the pid of a process that has ended."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)


def test_cache_temp_files_of_dead_or_old_writers_are_removed_on_refresh(tmp_path: Path) -> None:
    writer = _run(tmp_path / "logs", range(3))
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert len(lg.scalars()) == 3
    (path,) = lg._discovery.runs["run"]
    folder = lg._cache.entry_dir(path)
    assert folder is not None
    dead, host = _dead_pid(), files._HOST
    names = {"dead": f".tmp-{dead}.{host}.k2j4x9", "old": ".tmp-abc123xy", "live": f"{files.temp_prefix()}q8w7e6",
             "elsewhere": f".tmp-{dead}.{host}x.z1z1z1", "young": ".tmp-zz9yy8xx"}
    for key, name in names.items():
        with open(os.path.join(folder, name), "wb") as handle:
            handle.write(b"\x00" * (1 << 20))  # a chunk file a writer was killed while writing
        if key == "old":
            hour_ago = time.time() - 3600
            os.utime(os.path.join(folder, name), (hour_ago, hour_ago))
    writer.add_scalar("loss", 3.0, 3)  # the file grows: the refresh writes the entry, under its lock
    writer.close()
    assert len(lg.refresh().scalars()) == 4
    left = {name for name in os.listdir(folder) if name.startswith(".tmp-")}
    assert left == {names["live"], names["elsewhere"], names["young"]}  # the writer may still be alive


def test_cache_own_temp_files_name_the_writer_pid_and_host(tmp_path: Path) -> None:
    assert files.temp_prefix() == f".tmp-{os.getpid()}.{files._HOST}."
    assert not files._writer_is_dead(f"{files.temp_prefix()}abc")
    assert files._writer_is_dead(f".tmp-{_dead_pid()}.{files._HOST}.abc")
    assert not files._writer_is_dead(".tmp-abc") and not files._writer_is_dead(f".tmp-{_dead_pid()}.other.abc")


def test_cache_problem_kinds_are_all_cache_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(tmp_path / "logs", range(3)).close()
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir should be")
    unwritable = Logdir(tmp_path / "logs", cache_dir=blocker / "cache")
    assert len(unwritable.scalars()) == 3

    def no_space(path: str, table: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    with monkeypatch.context() as patch:
        patch.setattr("loaders.cache.store.write_chunk", no_space)
        full = Logdir(tmp_path / "logs", cache_dir=tmp_path / "full")
        assert len(full.scalars()) == 3
    damaged = Logdir(tmp_path / "logs", cache_dir=tmp_path / "damaged")
    damaged.scalars()
    (path,) = damaged._discovery.runs["run"]
    folder = damaged._cache.entry_dir(path)
    assert folder is not None
    with open(os.path.join(folder, "meta.json"), "w", encoding="utf-8") as handle:
        handle.write('{"path": ')
    rebuilt = Logdir(tmp_path / "logs", cache_dir=tmp_path / "damaged")
    assert len(rebuilt.scalars()) == 3
    kinds = {name: lg.problems()["kind"].tolist() for name, lg in
             (("unwritable", unwritable), ("full", full), ("rebuilt", rebuilt))}
    assert kinds == {"unwritable": ["cache_unwritable"], "full": ["cache_full"], "rebuilt": ["cache_rebuilt"]}
    (message,) = full.problems()["message"]
    assert "cache directory full (No space left on device)" in message and "in memory" in message
    assert parallel._timeout_problem(path, 5.0).kind in CACHE_PROBLEM_KINDS
    assert {kind for found in kinds.values() for kind in found} < set(CACHE_PROBLEM_KINDS)
    assert all(kind.startswith("cache_") for kind in CACHE_PROBLEM_KINDS)
    assert Cache(tmp_path / "cache").problems == []
