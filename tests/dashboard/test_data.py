"""Tests of dashboard.data: the DataSource over a real tensorboardX logdir, refresh and status."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import flask
import pandas as pd
import pytest

from dashboard import data
from dashboard.settings import Settings

PACKAGE = Path(data.__file__).parent.parent  # the dashboard package (data is a package inside it)


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _source(logdir: Path, tmp_path: Path, interval: float = 10.0, clock: Clock | None = None) -> data.DataSource:
    settings = Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=interval)
    return data.DataSource(settings, clock=clock or Clock())


def test_data_source_lists_runs_tags_and_series(scalar_logdir: Path, tmp_path: Path) -> None:
    source = _source(scalar_logdir, tmp_path)
    assert source.status() == data.Status("ok", str(scalar_logdir))
    assert source.runs() == ["alpha", "beta", "gamma"]
    assert set(source.run_colors()) == {"alpha", "beta", "gamma"}
    tags = source.tags("scalars")
    assert len(tags) == 7 and set(tags["plugin"]) == {"scalars"}
    assert source.scalar_tags(["alpha"]) == ["loss", "train/acc", "train/lr"]
    assert source.scalar_tags(["alpha", "gamma"], re.compile("only|lr")) == ["extra/only_gamma", "train/lr"]
    assert source.has_scalars() and source.plugins_with_data() == {"scalars"}


def test_scalar_series_returns_points_in_order_and_ignores_unknown_names(scalar_logdir: Path, tmp_path: Path) -> None:
    source = _source(scalar_logdir, tmp_path)
    frame = source.scalar_series(["beta", "no-such-run"], ["loss", "no-such-tag"])
    assert list(frame.columns) == data.SCALAR_COLUMNS
    assert frame["step"].tolist() == list(range(20)) and set(frame["run"]) == {"beta"}
    assert frame["value"].iloc[0] == pytest.approx(2.0) and frame["value"].iloc[-1] == pytest.approx(1.05)
    empty = source.scalar_series(["gamma"], ["loss"])
    assert empty.empty and list(empty.columns) == data.SCALAR_COLUMNS


def test_scalar_series_by_tag_equals_scalar_series_split_by_tag(scalar_logdir: Path, tmp_path: Path) -> None:
    source = _source(scalar_logdir, tmp_path)
    runs, tags = ["gamma", "alpha", "beta", "no-such-run"], ["train/lr", "loss", "extra/only_gamma", "no-such-tag"]
    frames = source.scalar_series_by_tag(runs, tags)
    assert list(frames) == ["train/lr", "loss", "extra/only_gamma"]
    whole = source.scalar_series(runs, tags)
    for tag, frame in frames.items():
        assert list(frame.columns) == data.SCALAR_COLUMNS
        # the logdir's run order (the loaders' per-tag read), known runs only
        assert list(frame["run"].cat.categories) == ["alpha", "beta", "gamma"]
        order = {"alpha": 0, "beta": 1, "gamma": 2}
        expected = whole[whole["tag"] == tag].sort_values("run", kind="stable", key=lambda runs: runs.map(order))
        expected = expected.reset_index(drop=True)
        got = frame.astype({"run": "str", "tag": "str"})
        pd.testing.assert_frame_equal(got, expected)
    assert set(frames["extra/only_gamma"]["run"]) == {"gamma"} and len(frames["loss"]) == 40
    assert source.scalar_series_by_tag(["gamma"], ["loss"]) == {}


def test_warm_scalars_indexes_every_scalar_run_in_the_background(scalar_logdir: Path, tmp_path: Path) -> None:
    source = _source(scalar_logdir, tmp_path)
    thread = source.warm_scalars()
    thread.join(timeout=30)
    assert not thread.is_alive() and thread.daemon
    assert sorted(source.loader._tag_index) == ["alpha", "beta", "gamma"]  # the loaders' per-run tag index
    warmed = source.scalar_series_by_tag(["alpha", "beta"], ["loss"])["loss"]
    cold = _source(scalar_logdir, tmp_path).scalar_series_by_tag(["alpha", "beta"], ["loss"])["loss"]
    pd.testing.assert_frame_equal(warmed, cold)


def test_scalar_series_by_tag_sees_points_appended_after_a_refresh(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "run"), filename_suffix=".a") as writer:
        writer.add_scalar("loss", 1.0, 0)
    source = _source(logdir, tmp_path, interval=0.0)
    assert source.scalar_series_by_tag(["run"], ["loss"])["loss"]["value"].tolist() == [1.0]
    with SummaryWriter(str(logdir / "run"), filename_suffix=".b") as writer:
        writer.add_scalar("loss", 2.0, 1)
        writer.add_scalar("acc", 0.5, 1)
    assert source.refresh(force=True) is True
    frames = source.scalar_series_by_tag(["run"], ["loss", "acc"])
    assert frames["loss"]["value"].tolist() == [1.0, 2.0] and frames["acc"]["step"].tolist() == [1]


def test_refresh_reindexes_only_the_runs_whose_files_changed(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    for run in ("live", "done"):
        with SummaryWriter(str(logdir / run), filename_suffix=".a") as writer:
            writer.add_scalar("loss", 1.0, 0)
    source = _source(logdir, tmp_path, interval=0.0)
    source.scalar_series_by_tag(["live", "done"], ["loss"])
    before = {run: rows for run, (_, rows) in source.loader._tag_index.items()}
    with SummaryWriter(str(logdir / "live"), filename_suffix=".b") as writer:
        writer.add_scalar("loss", 2.0, 1)
    assert source.refresh(force=True) is True
    frames = source.scalar_series_by_tag(["live", "done"], ["loss"])
    assert frames["loss"].groupby("run", observed=True)["value"].apply(list).to_dict() == {
        "live": [1.0, 2.0], "done": [1.0]}
    after = {run: rows for run, (_, rows) in source.loader._tag_index.items()}
    assert after["done"] is before["done"] and after["live"] is not before["live"]


def test_run_colors_follow_the_runs_after_a_refresh(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    from dashboard.colors import run_colors

    with SummaryWriter(str(logdir / "first")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    source = _source(logdir, tmp_path, interval=0.0)
    assert source.run_colors() == run_colors(["first"])
    with SummaryWriter(str(logdir / "second")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    assert source.refresh(force=True) is True
    assert source.run_colors() == run_colors(["first", "second"])


def test_runs_leaves_out_runs_without_data_and_keeps_their_problems(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "good")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    with SummaryWriter(str(logdir / "header_only")):
        pass  # only the file_version event: nothing to show yet
    (logdir / "zero").mkdir()
    (logdir / "zero" / "events.out.tfevents.1.host").write_bytes(b"")
    (logdir / "junk").mkdir()
    junk = logdir / "junk" / "events.out.tfevents.1.host"
    junk.write_bytes(b"not a tfrecord file at all" * 8)
    source = _source(logdir, tmp_path, interval=0.0)
    assert source.loader is not None and {"zero", "junk", "header_only"} <= set(source.loader.runs())
    assert source.runs() == ["good"] and set(source.run_colors()) == {"good"}
    assert str(junk) in set(source.problems()["path"])
    with SummaryWriter(str(logdir / "zero")) as writer:  # the run gets data: it is listed from the next refresh
        writer.add_scalar("loss", 2.0, 0)
    assert source.refresh(force=True) is True
    assert source.runs() == ["good", "zero"]


def test_run_colors_never_change_when_runs_appear_and_agree_across_workers(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    for run in ("beta", "delta", "gamma"):
        with SummaryWriter(str(logdir / run), filename_suffix=".a") as writer:
            writer.add_scalar("loss", 1.0, 0)
    source = _source(logdir, tmp_path, interval=0.0)
    before = source.run_colors()
    time.sleep(1.05)  # file names carry whole seconds: runs written within one second order by name
    from dashboard.colors import run_color

    clash = next(name for name in (f"a{index}" for index in range(1000)) if run_color(name) == run_color("beta"))
    for run in (clash, "charlie", "epsilon"):  # sorting before (wanting beta's colour), between, after the old runs
        (logdir / run).mkdir()
        with SummaryWriter(str(logdir / run), filename_suffix=".b") as writer:
            writer.add_scalar("loss", 2.0, 0)
    assert source.refresh(force=True) is True
    after = source.run_colors()
    assert {run: after[run] for run in before} == before
    assert len(set(after.values())) == 6
    later_worker = data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache2"), reload_interval=0))
    assert later_worker.run_colors() == after


def test_refresh_waits_for_the_interval_then_reads_appended_points(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(logdir / "run"), max_queue=1, flush_secs=1)
    writer.add_scalar("loss", 1.0, 0)
    writer.flush()
    clock = Clock()
    source = _source(logdir, tmp_path, interval=10.0, clock=clock)
    before = source.version()
    writer.add_scalar("loss", 2.0, 1)
    writer.close()
    clock.now = 5.0
    assert source.refresh() is False and source.version() == before
    clock.now = 10.0
    assert source.refresh() is True and source.version() != before
    assert source.scalar_series(["run"], ["loss"])["value"].tolist() == [1.0, 2.0]
    clock.now = 30.0
    assert source.refresh() is False  # nothing new


def test_reload_interval_zero_loads_once_but_force_still_reads(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(logdir / "run"))
    writer.add_scalar("loss", 1.0, 0)
    writer.flush()
    clock = Clock()
    source = _source(logdir, tmp_path, interval=0.0, clock=clock)
    writer.add_scalar("loss", 2.0, 1)
    writer.close()
    clock.now = 1e6
    assert source.refresh() is False
    assert source.refresh(force=True) is True
    assert len(source.scalar_series(["run"], ["loss"])) == 2


def test_missing_logdir_is_reported_and_picked_up_once_created(tmp_path: Path) -> None:
    logdir = tmp_path / "later"
    source = _source(logdir, tmp_path)
    status = source.status()
    assert status.state == "missing" and f"logdir '{logdir}' does not exist" in status.message
    assert source.runs() == [] and source.tags().empty and source.problems().empty
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "run")) as writer:
        writer.add_scalar("x", 1.0, 0)
    assert source.refresh(force=True) is True
    assert source.status().state == "ok" and source.runs() == ["run"]


def test_unreadable_logdir_during_refresh_is_reported_not_raised(scalar_logdir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import loaders

    source = _source(scalar_logdir, tmp_path)

    def denied(self: loaders.Logdir) -> loaders.Logdir:
        raise PermissionError(13, "Permission denied", str(scalar_logdir))

    monkeypatch.setattr(loaders.Logdir, "refresh", denied)
    assert source.refresh(force=True) is True
    assert source.status().state == "missing" and "Permission denied" in source.status().message
    assert source.runs() == [] and source.scalar_series(["alpha"], ["loss"]).empty


def test_empty_logdir_status_says_what_a_run_is(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    status = _source(tmp_path / "empty", tmp_path).status()
    assert status.state == "empty" and "*tfevents*" in status.message and "--logdir" in status.message


def test_last_loaded_is_a_clock_time(scalar_logdir: Path, tmp_path: Path) -> None:
    assert re.fullmatch(r"\d\d:\d\d:\d\d", _source(scalar_logdir, tmp_path).last_loaded())


def test_current_finds_the_source_of_the_app(scalar_logdir: Path, tmp_path: Path) -> None:
    server = flask.Flask("t")
    source = _source(scalar_logdir, tmp_path)
    data.install(server, source)
    with server.app_context():
        assert data.current() is source
    with flask.Flask("other").app_context(), pytest.raises(RuntimeError, match="create_app"):
        data.current()


def test_demo_logdir_is_written_under_the_cache_dir(tmp_path: Path) -> None:
    source = data.DataSource(Settings(cache_dir=str(tmp_path / "c"), demo=True, reload_interval=0))
    assert source.logdir == str(tmp_path / "c" / "demo")
    assert source.status().state == "ok" and len(source.runs()) >= 3 and source.has_scalars()


def test_data_package_is_the_only_dashboard_code_importing_loaders() -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "loaders" or name.startswith("loaders.") for name in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert importers and all(name.startswith("data/") for name in importers), importers


def test_a_cut_tail_is_damage_only_after_twice_the_reload_interval(scalar_logdir: Path, tmp_path: Path) -> None:
    from loaders.cache import SETTLE_S

    assert _source(scalar_logdir, tmp_path, interval=5.0).loader._cache.settle_s == SETTLE_S
    assert _source(scalar_logdir, tmp_path, interval=60.0).loader._cache.settle_s == 120.0
