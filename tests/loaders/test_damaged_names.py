"""File and directory names that are not valid UTF-8: runs, tables, problems and `inspect` still work.

Linux allows any bytes in a name; Python hands such a name over with surrogate escapes, which
Arrow and pandas cannot store. Every frame shows the name with \\xNN for the bytes that are not
UTF-8, and the files behind it are still read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

import loaders
from loaders.cli import main as cli_main
from loaders.discovery import printable

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"),
                                reason="the filesystem refuses names that are not valid UTF-8")

RUN = os.fsdecode(b"run-\xff\xfe")  # Latin-1 bytes: not UTF-8
SHOWN = "run-\\xff\\xfe"


def _write(run_dir: Path, value: float) -> Path:
    with SummaryWriter(str(run_dir)) as writer:
        writer.add_scalar("loss", value, 1)
    (path,) = run_dir.glob("*tfevents*")
    return path


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    """Runs "good" and RUN; RUN also holds a damaged file whose own name is not UTF-8 either."""
    root = tmp_path / "logs"
    _write(root / "good", 1.0)
    path = _write(root / RUN, 2.0)
    path.rename(path.with_name(os.fsdecode(b"events.out.tfevents.1.\xe9")))
    (root / RUN / os.fsdecode(b"events.out.tfevents.2.\xe9")).write_bytes(b"no event file")
    return root


def test_damaged_names_printable_keeps_utf8_and_escapes_other_bytes():
    assert printable("ünï 損失/run") == "ünï 損失/run"
    assert printable(os.fsdecode(b"a\xffb/\xc3\xa9")) == "a\\xffb/é"
    assert printable("lone \ud800 surrogate") == "lone \\ud800 surrogate"


def test_damaged_names_runs_and_rows_show_escaped_names(logdir, tmp_path):
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.runs() == ["good", SHOWN]
    assert lg.scalars()[["run", "value"]].values.tolist() == [["good", 1.0], [SHOWN, 2.0]]
    assert lg.scalars(runs=[SHOWN])["value"].tolist() == [2.0]
    assert lg.tags()["run"].tolist() == ["good", SHOWN]


def test_damaged_names_metadata_frames_and_problems_hold_printable_paths(logdir, tmp_path):
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    shown_dir = f"{logdir}/{SHOWN}/"
    assert lg.files()["path"].tolist()[1:] == [shown_dir + "events.out.tfevents.1.\\xe9",
                                              shown_dir + "events.out.tfevents.2.\\xe9"]
    assert lg.tag_metadata()["path"].tolist()[1] == shown_dir + "events.out.tfevents.1.\\xe9"
    ((path, offset, message),) = lg.problems()[["path", "offset", "message"]].values.tolist()
    assert (path, offset) == (shown_dir + "events.out.tfevents.2.\\xe9", 0) and message.startswith(path)


def test_damaged_names_inspect_prints_them(logdir, tmp_path, capsys):
    assert cli_main(["inspect", str(logdir), "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert f"run {SHOWN!r}: 2 files, 2 records" in out
    assert f"  ! {logdir}/{SHOWN}/events.out.tfevents.2.\\xe9: does not start with a TFRecord header" in out


def test_damaged_names_export_writes_the_escaped_run_name(logdir, tmp_path):
    out = tmp_path / "scalars.csv"
    assert cli_main(["export", str(logdir), "--kind", "scalars", "--format", "csv", "-o", str(out),
                     "--cache-dir", str(tmp_path / "cache")]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[2].startswith(f'"{SHOWN}","loss",1,')
