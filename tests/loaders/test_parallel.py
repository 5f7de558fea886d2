"""Parallel cold ingest, the per-file tag index, tag-filtered reads and the DataFrame form they give."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

from loaders.api import Logdir
from loaders.cache import Cache, parallel
from loaders.cache.entry import FileEntry
from loaders.chunk import FileChunk, TagInfo
from loaders.writer import EventWriter


@pytest.fixture
def mixed_logdir(tmp_path: Path) -> Path:
    """Four tensorboardX runs with scalars, histograms and text; run d also has a restart."""
    rng = np.random.default_rng(0)
    for index, run in enumerate(("a", "b", "c", "d")):
        with SummaryWriter(str(tmp_path / "logs" / run)) as writer:
            for step in range(30):
                writer.add_scalar("loss", 1.0 / (step + 1) + index, step)
                writer.add_scalar(f"only_{run}", float(step), step)
                if step % 10 == 0:
                    writer.add_histogram("weights", rng.normal(size=50), step)
                    writer.add_text("note", f"{run} at {step}", step)
    with EventWriter(tmp_path / "logs" / "d") as writer:  # a restart at step 5 purges d's later rows
        writer.add_session_start(step=5)
        writer.add_scalar("loss", 9.0, 5)
    return tmp_path / "logs"


def _paths(lg: Logdir) -> list[str]:
    return [path for run in lg.runs() for path in lg._discovery.runs[run]]


def _everything(lg: Logdir) -> dict[str, pd.DataFrame]:
    return {"scalars": lg.scalars(), "histograms": lg.histograms(), "text": lg.text(), "tags": lg.tags(),
            "files": lg.files().drop(columns=["path"]), "problems": lg.problems(),
            "one_tag": lg.scalars(tags=["only_b"]), "regex": lg.histograms(tags=re.compile("wei"))}


def test_parallel_ingest_matches_in_process(mixed_logdir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    calls: list[tuple[int, int, int, int]] = []
    fast = Logdir(mixed_logdir, cache_dir=tmp_path / "par", progress=lambda *args: calls.append(args))
    fast_frames = _everything(fast)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 1 << 60)
    slow_frames = _everything(Logdir(mixed_logdir, cache_dir=tmp_path / "serial"))
    for name, frame in fast_frames.items():
        pd.testing.assert_frame_equal(frame, slow_frames[name], obj=name)
    paths = _paths(fast)
    total = sum(os.path.getsize(path) for path in paths)
    assert len(paths) == 5 and fast._cache.decoded_bytes == total
    assert [call[0] for call in calls] == [1, 2, 3, 4, 5] and calls[-1] == (5, 5, total, total)


def test_parallel_prepare_stores_entries_the_parent_reads_without_decoding(mixed_logdir: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    paths = _paths(Logdir(mixed_logdir, cache_dir=tmp_path / "cache"))
    cache = Cache(tmp_path / "cache")
    assert cache.prepare(paths) == set(paths)
    decoded = cache.decoded_bytes
    assert decoded == sum(os.path.getsize(path) for path in paths)
    assert [cache.entry(path).num_records > 0 for path in paths] == [True] * 5
    assert cache.decoded_bytes == decoded and cache.prepare(paths) == set()  # all fresh now


def test_parallel_workers_capped_by_environment(mixed_logdir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setenv("EVENTSCOPE_WORKERS", "1")
    assert parallel.worker_count(5) == 1
    paths = _paths(Logdir(mixed_logdir, cache_dir=tmp_path / "cache"))
    assert Cache(tmp_path / "cache").prepare(paths) == set()


def test_parallel_refresh_extends_grown_files_in_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    writers = [EventWriter(tmp_path / "logs" / run, wall_time=1.0) for run in ("a", "b")]
    for writer in writers:
        writer.add_scalar("loss", 1.0, 0)
        writer.flush()
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert len(lg.scalars()) == 2
    before = lg._cache.decoded_bytes
    for writer in writers:
        for step in range(1, 4):
            writer.add_scalar("loss", float(step), step)
        writer.close()
    assert lg._cache.prepare(_paths(lg)) == set(_paths(lg))  # only the appended bytes, by the workers
    frame = lg.refresh().scalars()
    assert frame.groupby("run")["step"].apply(list).to_dict() == {"a": [0, 1, 2, 3], "b": [0, 1, 2, 3]}
    assert lg._cache.decoded_bytes - before == sum(os.path.getsize(path) for path in _paths(lg)) - before
    assert lg.tags()["count"].tolist() == [4, 4]


def test_parallel_small_jobs_stay_in_process(mixed_logdir: Path, tmp_path: Path) -> None:
    paths = _paths(Logdir(mixed_logdir, cache_dir=tmp_path / "cache"))
    cache = Cache(tmp_path / "cache")
    assert cache.prepare(paths) == set()  # a few KB: below MIN_PARALLEL_BYTES
    assert cache.decoded_bytes == 0 and parallel.worker_count(5, cpus=2) == 2 and parallel.worker_count(1, cpus=8) == 1


def test_parallel_worker_failure_falls_back_to_in_process(mixed_logdir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    parent = os.getpid()
    from loaders.cache import default_decoder

    def decoder(path: str, start: int, known: Mapping[str, TagInfo]) -> FileChunk:
        if os.getpid() != parent:
            raise RuntimeError("worker decoder broke")
        return default_decoder(path, start, known)

    paths = _paths(Logdir(mixed_logdir, cache_dir=tmp_path / "cache"))
    cache = Cache(tmp_path / "cache", decoder=decoder)
    assert cache.prepare(paths) == set()
    assert cache.decoded_bytes == 0 and [cache.entry(path).num_records > 0 for path in paths] == [True] * 5


def test_parallel_dead_worker_falls_back_to_in_process(mixed_logdir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    parent = os.getpid()
    from loaders.cache import default_decoder

    def decoder(path: str, start: int, known: Mapping[str, TagInfo]) -> FileChunk:
        if os.getpid() != parent:
            os._exit(3)  # the worker process dies: the pool breaks
        return default_decoder(path, start, known)

    lg = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    lg._cache = Cache(tmp_path / "cache", decoder=decoder)
    assert lg._cache.prepare(_paths(lg)) == set()
    assert len(lg.scalars()) == 3 * 60 + 2 * 5 + 1 and lg._cache.decoded_bytes > 0  # d keeps steps 0-4, then 5


def test_parallel_tag_index_stored_and_grown_on_refresh(tmp_path: Path) -> None:
    with EventWriter(tmp_path / "logs" / "r") as writer:
        for step in (3, 4, 5):
            writer.add_scalar("loss", 1.0, step)
        writer.flush()
        lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
        (entry,) = lg._run_entries("r")
        assert entry.index == {"scalars": {"loss": (3, 3, 5)}}
        writer.add_scalar("loss", 2.0, 1)
        writer.add_scalar("acc", 0.5, 9)
    lg.refresh()
    (entry,) = lg._run_entries("r")
    assert entry.index == {"scalars": {"loss": (4, 1, 5), "acc": (1, 9, 9)}}
    folder = lg._cache.entry_dir(entry.path)
    assert folder is not None
    with open(os.path.join(folder, "meta.json"), encoding="utf-8") as handle:
        assert json.load(handle)["index"] == {"scalars": {"loss": [4, 1, 5], "acc": [1, 9, 9]}}


def test_parallel_tags_from_index_match_tags_from_tables(mixed_logdir: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lg = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    from_index = lg.tags()
    assert lg._index("a") is not None and lg._index("d") is None  # d's restart is purged: tables are read
    monkeypatch.setattr(lg, "_index", lambda run: None)
    from_tables = lg.tags()
    pd.testing.assert_frame_equal(from_index, from_tables)
    a = from_index[from_index["run"] == "a"].set_index("tag")
    assert a.loc["loss", ["plugin", "count", "first_step", "last_step"]].tolist() == ["scalars", 30, 0, 29]
    assert a.loc["weights", "plugin"] == "histograms" and a.loc["note/text_summary", "count"] == 3
    assert from_index[from_index["run"] == "d"].set_index("tag").loc["loss", "count"] == 6  # steps 0-4, then 5


def test_parallel_meta_without_index_still_reads_and_lists_tags(mixed_logdir: Path, tmp_path: Path) -> None:
    first = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    expected = first.tags()
    for path in _paths(first):
        folder = first._cache.entry_dir(path)
        assert folder is not None
        meta_path = os.path.join(folder, "meta.json")
        with open(meta_path, encoding="utf-8") as handle:
            meta = json.load(handle)
        del meta["index"]  # as an entry stored before the index existed
        with open(meta_path, "w", encoding="utf-8") as handle:
            json.dump(meta, handle)
    again = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    pd.testing.assert_frame_equal(again.tags(), expected)
    assert again._index("a") is None and again._cache.decoded_bytes == 0 and again.problems().empty
    assert FileEntry.from_meta(dict(meta, index=None)).index is None


def test_parallel_tag_filter_per_run_matches_filtering_everything(mixed_logdir: Path, tmp_path: Path) -> None:
    lg = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    picked = lg.scalars(tags=["loss", "only_c"])
    assert set(lg._memo) == {("d", "scalars")}  # only d (restart purged: no exact index) was assembled whole
    everything = lg.scalars()
    expected = everything[everything["tag"].isin(["loss", "only_c"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(picked, expected)
    pd.testing.assert_frame_equal(lg.scalars(tags=["loss", "only_c"]), expected)  # now from the assembled tables
    assert picked[picked["run"] == "d"]["step"].tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="only_a"):
        lg.scalars(runs=["a"], tags=["only_c"])


def test_parallel_frames_keep_str_run_and_tag_columns(mixed_logdir: Path, tmp_path: Path) -> None:
    frame = Logdir(mixed_logdir, cache_dir=tmp_path / "cache").scalars(runs=["a"])
    assert [str(frame[column].dtype) for column in frame.columns] == ["str", "str", "int64", "float64", "float64"]
    assert frame["run"].unique().tolist() == ["a"] and sorted(frame["tag"].unique()) == ["loss", "only_a"]


STUCK_INGEST = """
import os, sys, time
from loaders.cache import Cache, default_decoder, parallel

parent = os.getpid()

def decoder(path, start, known):
    if os.getpid() != parent:
        time.sleep(600)  # a worker stuck mid-decode, as in a futex after its parent died
    return default_decoder(path, start, known)

parallel.MIN_PARALLEL_BYTES = 0
Cache(sys.argv[1], decoder=decoder).prepare(sys.argv[2:])
"""


def _children(pid: int) -> list[int]:
    """Return the pids of the live (not zombie) processes whose parent is pid."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            state, ppid = _stat(int(name))
            if ppid == pid and state != "Z":
                found.append(int(name))
    return found


def _stat(pid: int) -> tuple[str, int]:
    """Return (state, parent pid) of pid from /proc, ("", 0) when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return "", 0
    return fields[0], int(fields[1])


def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc to find the worker processes")
def test_parallel_workers_die_when_the_ingesting_process_is_killed(mixed_logdir: Path, tmp_path: Path) -> None:
    paths = [str(path) for path in sorted(mixed_logdir.rglob("events.out.tfevents.*"))]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ingest = subprocess.Popen([sys.executable, "-c", STUCK_INGEST, str(tmp_path / "cache"), *paths], cwd=root)
    workers: list[int] = []
    try:
        assert _wait_for(lambda: len(_children(ingest.pid)) >= 2, timeout=60), "no worker processes started"
        time.sleep(0.3)  # let every worker start its (stuck) decode
        workers = _children(ingest.pid)
        ingest.kill()
        ingest.wait()
        assert _wait_for(lambda: all(_stat(pid)[0] in ("", "Z") for pid in workers), timeout=5), (
            f"worker processes {workers} outlived the killed ingest")
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
        for pid in workers:
            if _stat(pid)[0] not in ("", "Z"):
                os.kill(pid, signal.SIGKILL)


def test_parallel_hung_worker_is_killed_reported_and_its_file_decoded_in_process(
        mixed_logdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "TIMEOUT_S", 1.0)
    parent = os.getpid()
    from loaders.cache import default_decoder

    def decoder(path: str, start: int, known: Mapping[str, TagInfo]) -> FileChunk:
        if os.getpid() != parent and path == paths[0]:
            time.sleep(600)
        return default_decoder(path, start, known)

    lg = Logdir(mixed_logdir, cache_dir=tmp_path / "cache")
    paths = _paths(lg)
    lg._cache = Cache(tmp_path / "cache", decoder=decoder)
    before = set(_children(parent)) if os.path.isdir("/proc/self") else set()  # e.g. a browser of other tests
    started = time.monotonic()
    done = lg._cache.prepare(paths)
    assert time.monotonic() - started < 30 and paths[0] not in done
    assert set(_children(parent)) - before == set() if os.path.isdir("/proc/self") else True
    assert [(p.path, p.kind) for p in lg._cache.problems] == [(paths[0], "cache_worker_timeout")]
    assert "did not decode this file within" in lg._cache.problems[0].message
    assert len(lg.scalars()) == 3 * 60 + 2 * 5 + 1  # the hung file is read in this process
