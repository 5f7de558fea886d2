"""Bad input through the public API: odd run names and links, bad arguments, cache abuse, inspect on damage.

The other half, test_bad_input.py, covers damaged, changing and vanishing event files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import loaders
from loaders.cli import main as cli_main
from loaders.writer import EventWriter
from tests.eventfiles import corrupt_length_crc, corrupt_payload_crc, tbx_scalar_run


def _by_run(frame_):
    return {run: group["value"].tolist() for run, group in frame_.groupby("run")}


# ----- odd run names and symbolic links -------------------------------------------------------

ODD_NAMES = ["ünï cödé", "with space", "100%", "a#b", "what?", "..x", "-dash", "--runs", "[x]", "*", "日本語",
             "a/b/c/d/e/f/g/h/i/j"]


def test_bad_input_odd_run_names_are_listed_and_selectable(tmp_path):
    for index, name in enumerate(ODD_NAMES):
        with EventWriter(tmp_path / "logs" / name) as writer:
            writer.add_scalar("x", float(index), 0)
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.runs() == sorted(ODD_NAMES)
    for index, name in enumerate(ODD_NAMES):
        assert lg.scalars(runs=name)["value"].tolist() == [float(index)]
        assert lg.scalars(runs=[name])["run"].tolist() == [name]
    assert lg.scalars(runs=re.compile(re.escape("[x]")))["run"].tolist() == ["[x]"]
    assert lg.problems().empty


def test_bad_input_inspect_prints_odd_run_names(tmp_path, capsys):
    for name in ("-dash", "with space", "100%"):
        with EventWriter(tmp_path / "logs" / name) as writer:
            writer.add_scalar("x", 1.0, 0)
    assert cli_main(["inspect", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert all(f"run {name!r}: 1 files" in out for name in ("-dash", "with space", "100%"))


def test_bad_input_logdir_reached_through_a_symlink(tmp_path):
    tbx_scalar_run(tmp_path / "real", "run", [1.0])
    os.symlink(tmp_path / "real", tmp_path / "link")
    lg = loaders.Logdir(tmp_path / "link", cache_dir=tmp_path / "cache")
    assert lg.path == str(tmp_path / "link") and lg.runs() == ["run"]
    assert lg.scalars()["value"].tolist() == [1.0]


def test_bad_input_run_reachable_twice_is_listed_once_by_its_real_path(tmp_path):
    logdir = tmp_path / "logs"
    tbx_scalar_run(logdir, "real", [1.0])
    os.symlink(logdir / "real", logdir / "alias")  # sorts before "real"
    os.symlink(logdir, logdir / "real" / "loop")
    tbx_scalar_run(tmp_path / "outside", "elsewhere", [2.0])
    os.symlink(tmp_path / "outside" / "elsewhere", logdir / "b-link")
    os.symlink(tmp_path / "outside" / "elsewhere", logdir / "c-link")
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.runs() == ["b-link", "real"]
    assert _by_run(lg.scalars()) == {"b-link": [2.0], "real": [1.0]}


# ----- bad arguments -------------------------------------------------------------------------


@pytest.fixture
def two_runs(tmp_path) -> loaders.Logdir:
    tbx_scalar_run(tmp_path / "logs", "train", [1.0, 2.0])
    tbx_scalar_run(tmp_path / "logs", "eval", [3.0])
    return loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")


def test_bad_input_regex_looking_strings_are_names_not_patterns(two_runs):
    with pytest.raises(ValueError, match=r"unknown runs \['\(bad'\]; valid runs: 'eval', 'train'"):
        two_runs.scalars(runs="(bad")
    with pytest.raises(ValueError, match=r"unknown runs \['tr.\*'\]"):
        two_runs.scalars(runs=["tr.*"])
    with pytest.raises(ValueError, match=r"unknown tags \['x\|y'\]; valid scalars tags in the selected runs: 'x'"):
        two_runs.scalars(tags="x|y")
    assert two_runs.scalars(runs=re.compile("tr.*"))["run"].tolist() == ["train", "train"]


@pytest.mark.parametrize("bad", [1, b"train", ["train", 2], {"train": 1}, np.array(["train"])])
def test_bad_input_wrong_selector_types_raise_type_error(two_runs, bad):
    with pytest.raises(TypeError, match="runs must be None"):
        two_runs.scalars(runs=bad)
    with pytest.raises(TypeError, match="tags must be None"):
        two_runs.histograms(tags=bad)


@pytest.mark.parametrize("logdir, error, message", [
    ("", loaders.LogdirNotFound, "logdir is an empty string"),
    (None, TypeError, "logdir must be a path .* got NoneType"),
    (5, TypeError, "logdir must be a path .* got int"),
])
def test_bad_input_logdir_argument_that_is_no_path(tmp_path, monkeypatch, logdir, error, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        loaders.Logdir(logdir, cache_dir=tmp_path / "cache")


def test_bad_input_logdir_that_is_a_file_or_bytes(tmp_path):
    path = tbx_scalar_run(tmp_path / "logs", "run", [1.0])
    with pytest.raises(loaders.LogdirNotFound, match="is not a directory"):
        loaders.Logdir(path, cache_dir=tmp_path / "cache")
    assert loaders.Logdir(os.fsencode(tmp_path / "logs"), cache_dir=tmp_path / "cache").runs() == ["run"]


def test_bad_input_pivot_with_a_duplicate_step_keeps_the_last_value(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        for step, value in ((0, 1.0), (1, 2.0), (1, 3.0), (0, 4.0)):
            writer.add_scalar("x", value, step)
    wide = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars(pivot=True)
    assert wide.index.tolist() == [("run", 0), ("run", 1)] and wide["x"].tolist() == [4.0, 3.0]


# ----- cache abuse ---------------------------------------------------------------------------


def test_bad_input_cache_dir_deleted_between_calls(tmp_path):
    path = tbx_scalar_run(tmp_path / "logs", "run", [1.0, 2.0])
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    lg.files()
    shutil.rmtree(tmp_path / "cache")
    assert lg.scalars()["value"].tolist() == [1.0, 2.0]
    assert lg.problems()["kind"].tolist() == ["cache_rebuilt"]
    fresh = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert fresh.scalars()["value"].tolist() == [1.0, 2.0] and fresh._cache.decoded_bytes == 0
    assert fresh.problems().empty and os.path.getsize(path) > 0


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_bad_input_cache_files_damaged_are_rebuilt(tmp_path, damage):
    tbx_scalar_run(tmp_path / "logs", "run", [1.0, 2.0])
    loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars()
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file() and path.name != ".lock":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 3] if damage == "truncate" else bytes(len(data)))
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["value"].tolist() == [1.0, 2.0]
    assert set(lg.problems()["kind"]) == {"cache_rebuilt"}


def test_bad_input_newer_cache_entry_from_another_logdir_that_is_damaged_is_rebuilt(tmp_path):
    writer = EventWriter(tmp_path / "logs" / "run")
    writer.add_scalar("x", 0.0, 0)
    writer.flush()
    stale = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    stale.files()  # holds the entry of the first chunk file
    other = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    for step in range(1, 11):  # more chunks than MAX_CHUNKS: compacted into one file, the first one removed
        writer.add_scalar("x", float(step), step)
        writer.flush()
        other.refresh().scalars()
    writer.close()
    chunks = list((tmp_path / "cache").rglob("*.arrow"))
    for chunk in chunks:  # the newer entry's files: there, but damaged
        chunk.write_bytes(b"\0" * chunk.stat().st_size)
    assert stale.scalars()["step"].tolist() == list(range(11))  # the file's rows, not an empty run
    assert stale.problems()["kind"].tolist() == ["cache_rebuilt"]


def test_bad_input_cache_dir_that_cannot_be_written_falls_back_to_memory(tmp_path):
    tbx_scalar_run(tmp_path / "logs", "run", [1.0])
    (tmp_path / "not-a-dir").write_text("a file where the cache dir should be")
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "not-a-dir")
    assert lg.scalars()["value"].tolist() == [1.0]
    ((path, kind),) = lg.problems()[["path", "kind"]].values.tolist()
    assert kind == "cache_unwritable" and path.startswith(str(tmp_path / "not-a-dir"))


@pytest.mark.parametrize("where", ["logs", "logs/run"])
def test_bad_input_cache_dir_that_is_the_logdir_or_a_run_hides_no_run(tmp_path, where):
    tbx_scalar_run(tmp_path / "logs", "run", [1.0])
    tbx_scalar_run(tmp_path / "logs", "other", [2.0])
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / where)
    assert lg.runs() == ["other", "run"] and _by_run(lg.scalars()) == {"other": [2.0], "run": [1.0]}
    assert (tmp_path / where / f"v{loaders.SCHEMA_VERSION}").is_dir()
    assert lg.refresh().runs() == ["other", "run"] and lg.problems().empty


def test_bad_input_logdirs_sharing_a_cache_while_a_writer_appends(tmp_path):
    writer = EventWriter(tmp_path / "logs" / "run")
    writer.add_scalar("x", 0.0, 0)
    writer.flush()
    stop = threading.Event()
    failures: list[str] = []
    readers = [loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache") for _ in range(4)]

    def poll(lg: loaders.Logdir) -> None:
        while not stop.is_set():
            steps = lg.refresh().scalars()["step"].tolist()
            if steps != list(range(len(steps))):
                failures.append(f"steps out of order: {steps[-5:]}")

    threads = [threading.Thread(target=poll, args=(lg,)) for lg in readers]
    for thread in threads:
        thread.start()
    for step in range(1, 2000):
        writer.add_scalar("x", float(step), step)
        if step % 5 == 0:
            writer.flush()
        if step % 40 == 0:
            time.sleep(0.005)  # let the readers refresh (and compact) many times while it grows
    writer.close()
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    for lg in readers:
        assert lg.refresh().scalars()["step"].tolist() == list(range(2000))
        assert lg.problems().empty  # no spurious "cache entry was damaged" from another writer's compaction


def test_bad_input_schema_version_bump_rebuilds_in_a_new_cache_folder(tmp_path, monkeypatch):
    import loaders.cache.entry
    import loaders.cache.store

    tbx_scalar_run(tmp_path / "logs", "run", [1.0])
    old = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert old.scalars()["value"].tolist() == [1.0]
    version = loaders.SCHEMA_VERSION + 1
    monkeypatch.setattr(loaders.cache.store, "SCHEMA_VERSION", version)
    monkeypatch.setattr(loaders.cache.entry, "SCHEMA_VERSION", version)
    new = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert new.scalars()["value"].tolist() == [1.0] and new._cache.decoded_bytes > 0
    assert sorted(os.listdir(tmp_path / "cache")) == [f"v{version - 1}", f"v{version}"]
    assert new.problems().empty


# ----- inspect on a damaged logdir -----------------------------------------------------------


def test_bad_input_inspect_prints_every_problem_with_file_and_offset(tmp_path, capsys):
    logdir = tmp_path / "logs"
    tbx_scalar_run(logdir, "good", [1.0])
    payload_offset = corrupt_payload_crc(tbx_scalar_run(logdir, "payload", [1.0, 2.0, 3.0]), 2)
    length_offset = corrupt_length_crc(tbx_scalar_run(logdir, "length", [1.0, 2.0]), 1)
    os.mkfifo(logdir / "good" / "events.out.tfevents.fifo")
    code = cli_main(["inspect", str(logdir), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 0
    sections = dict(re.findall(r"\nrun '([^']+)'[^\n]*\n((?:  [^\n]*\n?)*)", out))
    assert f"bad payload checksum at byte {payload_offset}" in sections["payload"]
    assert f"bad length checksum at byte {length_offset}" in sections["length"]
    assert "events.out.tfevents.fifo: cannot read this event file (not a regular file)" in sections["good"]
    assert "logdir and cache:" not in out


def test_bad_input_inspect_exit_codes(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert cli_main(["inspect", str(tmp_path / "empty"), *cache]) == 1
    assert cli_main(["inspect", str(tmp_path / "missing"), *cache]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_bad_input_inspect_into_a_closed_pipe_exits_quietly(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        for index in range(3000):
            writer.add_scalar(f"a/rather/long/tag/name/number/{index:05d}", 1.0, 0)
    command = [sys.executable, "-m", "loaders", "inspect", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "c")]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    assert child.stdout.read(10)
    child.stdout.close()  # like `| head -c 10`
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0 and "Traceback" not in err and "BrokenPipeError" not in err
