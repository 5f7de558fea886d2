"""Logdirs and run directories that break: link loops, dangling links, runs and logdirs removed between reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

import loaders


def _run(logdir: Path, run: str, value: float) -> None:
    with SummaryWriter(str(logdir / run)) as writer:
        writer.add_scalar("x", value, 1)


@pytest.mark.parametrize("target", ["loop", "nowhere"])
def test_damaged_dirs_logdir_that_is_a_link_that_does_not_resolve_says_so(tmp_path, target):
    link = tmp_path / "logs"
    link.symlink_to(link if target == "loop" else tmp_path / target)
    with pytest.raises(loaders.LogdirNotFound, match=r"logs' is a symbolic link to '.+', which does not resolve"):
        loaders.Logdir(link, cache_dir=tmp_path / "cache")


def test_damaged_dirs_run_removed_after_refresh_is_a_problem_until_the_next_refresh(tmp_path):
    logdir = tmp_path / "logs"
    _run(logdir, "a", 1.0)
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.scalars()["run"].tolist() == ["a"]
    _run(logdir, "b", 2.0)
    assert lg.refresh().runs() == ["a", "b"]
    shutil.rmtree(logdir / "b")  # discovered, never read
    assert lg.scalars()[["run", "value"]].values.tolist() == [["a", 1.0]]
    ((path, kind),) = lg.problems()[["path", "kind"]].values.tolist()
    assert Path(path).parent == logdir / "b" and kind == "unreadable_file"
    assert lg.refresh().runs() == ["a"]
    assert lg.problems()[["path", "kind"]].values.tolist() == [[str(logdir / "b"), "vanished"]]  # told once
    assert lg.refresh().runs() == ["a"] and lg.problems().empty  # gone for good: no stale problem


def test_damaged_dirs_logdir_removed_keeps_what_was_read_and_refresh_names_it(tmp_path):
    logdir = tmp_path / "logs"
    _run(logdir, "a", 1.0)
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.scalars()["value"].tolist() == [1.0]
    shutil.rmtree(logdir)
    with pytest.raises(loaders.LogdirNotFound, match=f"logdir '{logdir}' does not exist"):
        lg.refresh()
    assert lg.runs() == ["a"] and lg.scalars()["value"].tolist() == [1.0]
    _run(logdir, "b", 2.0)  # the logdir comes back
    assert lg.refresh().runs() == ["b"] and lg.scalars()["value"].tolist() == [2.0]
