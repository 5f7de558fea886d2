"""Smoke test of the benchmark harness on a tiny tensorboardX logdir, slow competitors left out."""

from __future__ import annotations

import pytest

from benchmarks import generate
from benchmarks.__main__ import parse_args
from benchmarks.harness import Sample, run_child
from benchmarks.report import SCALAR_TARGETS, Row, table
from benchmarks.suite import SLOW, Options, Suite

TINY = generate.Spec("tiny", runs=2, tags=3, steps=40)
OURS = ["ours.import", "ours.cold", "ours.warm.first", "ours.warm.all", "ours.warm.card", "ours.tags",
        "ours.series.cold", "ours.series.warm", "ours.refresh", "ours.refresh.read", "ours.refresh.noop"]
FLOOR = ["floor.read", "floor.framing", "floor.protobuf", "floor.kernel"]


@pytest.fixture(scope="module")
def tiny_rows(tmp_path_factory: pytest.TempPathFactory) -> list[Row]:
    options = Options(reps=1, timeout=60, skip=frozenset({*SLOW, "dashboard"}), verbose=False)
    return Suite(TINY, options, data_dir=str(tmp_path_factory.mktemp("bench-data"))).run()


def test_bench_smoke_measures_ours_and_the_floor_with_positive_numbers(tiny_rows: list[Row]) -> None:
    rows = {row.key: row for row in tiny_rows}
    for key in OURS + FLOOR:
        assert not rows[key].skipped, (key, rows[key].skipped)
        assert len(rows[key].values) == 1 and rows[key].median > 0, key
        assert not rows[key].timed_out
    assert rows["ours.cold"].extra["rows"] == TINY.events
    assert rows["ours.warm.all"].extra["rows"] == TINY.events
    assert rows["ours.warm.first"].extra["first_rows"] == TINY.steps
    assert rows["ours.warm.card"].extra["rows"] == TINY.runs * TINY.steps
    assert rows["ours.series.warm"].extra["series"] == TINY.runs * TINY.tags
    assert 0 < rows["ours.series.warm"].extra["points"] <= TINY.events
    assert rows["floor.framing"].extra["records"] == TINY.events + TINY.runs  # + one file_version event per file
    assert rows["floor.kernel"].extra["scalar_rows"] == TINY.events
    assert rows["ours.cold"].rss > 20 and rows["ours.warm.all"].extra["frame_mib"] > 0


def test_bench_smoke_times_the_rust_data_server(tiny_rows: list[Row]) -> None:
    rows = {row.key: row for row in tiny_rows}
    for key in ("tb.rust", "tb.rust.all"):
        assert rows[key].median > 0 and not rows[key].timed_out, key
        assert 0 < rows[key].extra["reported"] < rows[key].median  # its own log line vs our wall clock


def test_bench_smoke_refresh_reads_the_appended_steps(tiny_rows: list[Row]) -> None:
    refresh = {row.key: row for row in tiny_rows}["ours.refresh"]
    appended_steps = max(1, int(TINY.steps * 0.01))
    assert refresh.extra["rows"] - refresh.extra["rows_before"] == TINY.runs * TINY.tags * appended_steps
    assert 0 < refresh.extra["appended_bytes"] < refresh.extra["logdir_bytes"]


def test_bench_smoke_skipped_groups_say_so(tiny_rows: list[Row]) -> None:
    rows = {row.key: row for row in tiny_rows}
    for key in ("tb.whole.all", "tb.multiplexer", "tbparse", "dash.paint.cold"):
        assert rows[key].skipped.startswith("skipped (--skip") and not rows[key].values


def test_bench_smoke_table_has_a_line_per_row_and_every_target(tiny_rows: list[Row]) -> None:
    text = table("== tiny ==", tiny_rows, SCALAR_TARGETS)
    lines = text.splitlines()
    for row in tiny_rows:
        assert sum(line.startswith(row.name) for line in lines) == 1, row.name
    cold_line = next(line for line in lines if line.startswith("ours: cold ingest"))
    assert f"{rows_median(tiny_rows, 'ours.cold'):.3f}" in cold_line
    verdicts = [line.split()[0] for line in lines[lines.index("targets:") + 1 :]]
    assert len(verdicts) == len(SCALAR_TARGETS) and set(verdicts) <= {"PASS", "FAIL", "n/a"}
    assert "PASS" in verdicts or "FAIL" in verdicts


def rows_median(rows: list[Row], key: str) -> float:
    return next(row.median for row in rows if row.key == key)


def test_bench_smoke_timeout_is_reported_not_raised(tmp_path) -> None:
    logdir = generate.logdir(TINY, data_dir=str(tmp_path))
    sample = run_child("tbparse", {"logdir": logdir, "kind": "scalars"}, timeout=0.05)
    assert sample.timed_out and sample.seconds == 0.05 and not sample.error
    row = Row("tbparse", "tbparse")
    row.add(sample, None)
    text = table("t", [row], ())
    assert "> 0.05" in text.splitlines()[2]


def test_bench_smoke_failed_child_names_the_task() -> None:
    sample = run_child("ours_cold", {"logdir": "/nonexistent/logdir", "kind": "scalars", "cache_dir": None})
    assert sample.error.startswith("ours_cold exited with status 1") and "nonexistent" in sample.error


def test_bench_smoke_skip_accepts_groups_and_slow_only() -> None:
    assert parse_args(["--skip", "slow,floor"]).skip == frozenset({*SLOW, "floor"})
    with pytest.raises(SystemExit):
        parse_args(["--skip", "tensorbord"])
    assert isinstance(Sample(), Sample)
