"""Run and profile-capture discovery: names, nesting, sub-runs, links, unreadable dirs, bad logdirs."""

from __future__ import annotations

import os

import pytest
from tensorboardX import SummaryWriter

from loaders.discovery import ProfileCapture, check_logdir, discover
from loaders.errors import LoaderError, LogdirNotFound


def _touch(path) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb"):
        pass
    return str(path)


def test_discovery_names_runs_by_relative_path_with_root_as_dot(tmp_path):
    _touch(tmp_path / "events.out.tfevents.1.host")
    _touch(tmp_path / "a" / "b" / "events.out.tfevents.2.host")
    _touch(tmp_path / "a" / "notes.txt")
    found = discover(tmp_path)
    assert list(found.runs) == [".", "a/b"]
    assert found.runs["."] == [str(tmp_path / "events.out.tfevents.1.host")]


def test_discovery_nested_runs_each_hold_their_own_files(tmp_path):
    _touch(tmp_path / "exp" / "events.out.tfevents.1.h")
    _touch(tmp_path / "exp" / "train" / "events.out.tfevents.1.h")
    found = discover(tmp_path)
    assert list(found.runs) == ["exp", "exp/train"]
    assert [os.path.basename(p) for p in found.runs["exp/train"]] == ["events.out.tfevents.1.h"]


def test_discovery_unicode_and_space_run_names_from_real_writer(tmp_path):
    for name in ("lr 0.1", "données/β=2"):
        with SummaryWriter(str(tmp_path / name)) as writer:
            writer.add_scalar("loss", 1.0, 0)
    assert list(discover(tmp_path).runs) == ["données/β=2", "lr 0.1"]


def test_discovery_add_scalars_sub_runs_are_ordinary_runs(tmp_path):
    with SummaryWriter(str(tmp_path / "run")) as writer:
        writer.add_scalars("loss", {"train": 1.0, "val": 2.0}, 0)
    # tensorboardX 2.6 names them <main_tag>/<subtag> (PyTorch uses <main_tag>_<subtag>)
    assert list(discover(tmp_path).runs) == ["run", "run/loss/train", "run/loss/val"]


def test_discovery_sorts_event_files_by_name_and_skips_profile_empty(tmp_path):
    for name in ("events.out.tfevents.200.h", "events.out.tfevents.100.h", "events.out.tfevents.150.h.profile-empty"):
        _touch(tmp_path / "run" / name)
    files = discover(tmp_path).runs["run"]
    assert [os.path.basename(p) for p in files] == ["events.out.tfevents.100.h", "events.out.tfevents.200.h"]


def test_discovery_profile_empty_alone_still_marks_a_run_without_summary_files(tmp_path):
    _touch(tmp_path / "events.out.tfevents.1.h.profile-empty")
    assert discover(tmp_path).runs == {".": []}


def test_discovery_finishes_on_symlink_loop(tmp_path):
    _touch(tmp_path / "run" / "events.out.tfevents.1.h")
    os.symlink(tmp_path, tmp_path / "run" / "loop")
    os.symlink(tmp_path / "run", tmp_path / "run" / "self")
    assert list(discover(tmp_path).runs) == ["run"]


def test_discovery_follows_symlinked_run_directories(tmp_path):
    _touch(tmp_path / "elsewhere" / "real" / "events.out.tfevents.1.h")
    (tmp_path / "logs").mkdir()
    os.symlink(tmp_path / "elsewhere" / "real", tmp_path / "logs" / "linked")
    found = discover(tmp_path / "logs")
    assert list(found.runs) == ["linked"]
    assert found.runs["linked"] == [str(tmp_path / "logs" / "linked" / "events.out.tfevents.1.h")]


def test_discovery_reports_unreadable_directory_as_problem(tmp_path, monkeypatch):
    _touch(tmp_path / "ok" / "events.out.tfevents.1.h")
    _touch(tmp_path / "locked" / "events.out.tfevents.1.h")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover(tmp_path)
    assert list(found.runs) == ["ok"]
    (problem,) = found.problems
    assert problem.kind == "unreadable_dir"
    assert problem.path == str(tmp_path / "locked")
    assert "Permission denied" in problem.message


def test_discovery_skips_the_cache_dir_inside_logdir(tmp_path):
    _touch(tmp_path / "run" / "events.out.tfevents.1.h")
    _touch(tmp_path / ".cache" / "copy" / "events.out.tfevents.1.h")
    assert list(discover(tmp_path, skip=tmp_path / ".cache").runs) == ["run"]
    assert list(discover(tmp_path).runs) == [".cache/copy", "run"]


def test_discovery_finds_xprof_captures_per_run_session_and_host(tmp_path):
    session = tmp_path / "train" / "plugins" / "profile" / "2026_01_02_03_04_05"
    xplane = _touch(session / "worker-0.xplane.pb")
    legacy = _touch(session / "worker-0.trace.json.gz")
    root_capture = _touch(tmp_path / "plugins" / "profile" / "s1" / "vm.xplane.pb")
    _touch(session / "worker-0.overview_page.pb")  # legacy tool output: not a capture we read
    found = discover(tmp_path)
    assert found.profiles == [
        ProfileCapture(".", "s1", "vm", "xplane", root_capture),
        ProfileCapture("train", "2026_01_02_03_04_05", "worker-0", "trace_json", legacy),
        ProfileCapture("train", "2026_01_02_03_04_05", "worker-0", "xplane", xplane),
    ]
    assert found.runs == {}


def test_discovery_finds_pytorch_traces_anywhere_with_worker_and_span(tmp_path):
    spanned = _touch(tmp_path / "tb" / "gpuworker.1795685073928612123.pt.trace.json")
    gzipped = _touch(tmp_path / "tb" / "deep" / "host_42.pt.trace.json.gz")
    _touch(tmp_path / "tb" / "other.json")
    found = discover(tmp_path)
    assert found.profiles == [
        ProfileCapture("tb", "gpuworker.1795685073928612123", "gpuworker", "pytorch_trace", spanned),
        ProfileCapture("tb/deep", "host_42", "host_42", "pytorch_trace", gzipped),
    ]


def test_check_logdir_missing_path_raises_logdir_not_found_naming_it(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(LogdirNotFound, match="nope.*does not exist"):
        check_logdir(missing)
    with pytest.raises(FileNotFoundError):  # LogdirNotFound is also a FileNotFoundError
        discover(missing)


def test_check_logdir_file_instead_of_directory_is_not_found(tmp_path):
    path = _touch(tmp_path / "events.out.tfevents.1.h")
    with pytest.raises(LogdirNotFound, match="is not a directory"):
        check_logdir(path)


def test_check_logdir_url_gives_a_clear_error(tmp_path):
    with pytest.raises(LoaderError, match="remote logdirs .* not supported yet"):
        check_logdir("gs://bucket/runs")


def test_discovery_orders_event_files_numerically_by_writer_counter(tmp_path):
    from loaders.discovery import discover

    run = tmp_path / "run"
    run.mkdir()
    names = ["events.out.tfevents.1700000000.host.42.10.2", "events.out.tfevents.1700000000.host.42.9.1",
             "events.out.tfevents.1699999999.host.42.11"]
    for name in names:
        (run / name).write_bytes(b"")
    found = discover(str(tmp_path))
    assert [p.rsplit("/", 1)[1] for p in found.runs["run"]] == [names[2], names[1], names[0]]
