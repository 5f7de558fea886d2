"""Every measurement of one benchmark logdir, run in order with repetitions, as table rows."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks import generate, servers
from benchmarks.harness import Sample, event_files, run_child, warm_page_cache
from benchmarks.report import Row

GROUPS = ("ours", "refresh", "rust", "tensorboard", "multiplexer", "tbparse", "floor", "dashboard")
SLOW = ("tensorboard", "multiplexer", "tbparse")
SERIES_POINTS = 1000  # points per drawn line (TensorBoard serves 1,000)
APPEND_FRACTION = 0.01

Extract = Callable[[Sample], "float | None"]


@dataclass(frozen=True)
class Options:
    """How to run: repetitions, the slow competitors' timeout, groups to skip, progress output."""

    reps: int = 3
    timeout: float = 120.0
    skip: frozenset[str] = frozenset()
    verbose: bool = True


@dataclass
class Measure:
    """One runner (one process per repetition) and the rows its Sample feeds."""

    group: str
    runner: Callable[[], Sample]
    rows: Sequence[tuple[str, str, Extract]]
    once: bool = False  # a deterministic or expensive measure: one repetition is enough
    skipped: str = ""


def mark(name: str) -> Extract:
    """Return an extractor of the child's mark `name` (seconds since spawn; None when not reached)."""
    return lambda sample: sample.marks.get(name)


def result(name: str) -> Extract:
    """Return an extractor of the child's result number `name`."""
    return lambda sample: sample.result.get(name)


def wall(sample: Sample) -> float | None:
    """The parent's wall time of the sample (None when it timed out)."""
    return None if sample.timed_out else sample.seconds


@dataclass
class Suite:
    """The measurements of one spec's logdir; call run() for the rows."""

    spec: generate.Spec
    options: Options
    data_dir: str = generate.DATA_DIR
    logdir: str = ""
    scratch: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="eventscope-bench-"))
    _warm_cache: str = ""

    def __post_init__(self) -> None:
        self.logdir = generate.logdir(self.spec, data_dir=self.data_dir)
        self.files = event_files(self.logdir)
        self.bytes = sum(os.path.getsize(path) for path in self.files)

    # ----- driving ---------------------------------------------------------------------------

    def run(self) -> list[Row]:
        """Run every measure not skipped, options.reps times each (a timed-out one only once)."""
        rows: list[Row] = []
        try:
            for measure in self.measures():
                rows.extend(self._run_measure(measure))
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)
        return rows

    def _run_measure(self, measure: Measure) -> list[Row]:
        rows = [Row(key, name) for key, name, _ in measure.rows]
        if measure.skipped:
            for row in rows:
                row.skipped = measure.skipped
            return rows
        for rep in range(1 if measure.once else self.options.reps):
            warm_page_cache(self.files)
            sample = measure.runner()
            for row, (_, _, extract) in zip(rows, measure.rows):
                row.add(sample, extract(sample))
            self._log(rows[0], rep, sample)
            if sample.timed_out or sample.error:
                break
        return rows

    def _log(self, row: Row, rep: int, sample: Sample) -> None:
        if self.options.verbose:
            value = f"{row.values[-1]:.3f} s" if row.values else "no value"
            state = "timed out" if sample.timed_out else (sample.error or value)
            print(f"  [{self.spec.name}] {row.name} #{rep + 1}: {state}", file=sys.stderr, flush=True)

    # ----- what is measured ------------------------------------------------------------------

    def measures(self) -> list[Measure]:
        """Return the measures of this spec, skipped groups marked as such."""
        found = [*self._ours(), *self._competitors(), *self._floor(), *self._dashboard()]
        for measure in found:
            if measure.group in self.options.skip:
                measure.skipped = f"skipped (--skip {measure.group})"
        return found

    def _args(self, **more: object) -> dict[str, object]:
        tags = generate.tag_names(self.spec)
        return {"logdir": self.logdir, "kind": self.spec.kind, "first_run": generate.run_name(0),
                "first_tag": tags[0], "points": SERIES_POINTS, **more}

    def _ours(self) -> list[Measure]:
        kind = self.spec.kind
        found = [
            Measure("ours", lambda: run_child("ours_import", {"module": "loaders"}),
                    [("ours.import", "ours: import loaders", mark("imported"))]),
            Measure("ours", lambda: self._cold("ours_cold"),
                    [("ours.cold", f"ours: cold ingest, every point ({kind}())", mark("all"))]),
            Measure("ours", lambda: run_child("ours_warm", self._args(cache_dir=self.warm_cache())), [
                ("ours.warm.first", "ours: warm start, first chart's data", mark("first")),
                ("ours.warm.all", f"ours: warm start, whole-logdir {kind}() DataFrame", mark("all"))]),
            Measure("ours", lambda: run_child("ours_card", self._args(cache_dir=self.warm_cache())),
                    [("ours.warm.card", "ours: warm start, one tag x every run (a card)", mark("card"))]),
            Measure("ours", lambda: run_child("ours_tags", self._args(cache_dir=self.warm_cache())),
                    [("ours.tags", "ours: warm start, tags() listing", mark("tags"))]),
        ]
        if kind == "scalars":
            found += [
                Measure("ours", lambda: self._cold("ours_series"),
                        [("ours.series.cold", "ours: every series downsampled+encoded, cold", mark("all"))]),
                Measure("ours", lambda: run_child("ours_series", self._args(cache_dir=self.warm_cache())),
                        [("ours.series.warm", "ours: every series downsampled+encoded, warm", mark("all"))]),
            ]
        found.append(Measure("refresh", self._refresh, [
            ("ours.refresh", f"ours: refresh() after +{APPEND_FRACTION:.0%} events", result("refresh")),
            ("ours.refresh.read", f"ours: refresh() + {kind}() after +{APPEND_FRACTION:.0%}",
             result("refresh_and_read")),
            ("ours.refresh.noop", "ours: refresh() with nothing new", result("noop_refresh"))]))
        return found

    def _competitors(self) -> list[Measure]:
        timeout, kind = self.options.timeout, self.spec.kind
        expected = servers.Expected(kind, tuple(generate.run_name(i) for i in range(self.spec.runs)),
                                    tuple(generate.tag_names(self.spec)), self.spec.steps - 1)
        rust = lambda samples: (  # noqa: E731
            lambda: servers.rust_server(self.logdir, samples=samples, timeout=timeout))
        whole = lambda samples: (lambda: servers.whole_tensorboard(self.logdir, expected, samples=samples,  # noqa: E731
                                                                   timeout=timeout))
        found = [
            Measure("rust", rust(None), [("tb.rust", "TB Rust data server, default sampling", wall)]),
            Measure("rust", rust(f"{kind}=all"), [("tb.rust.all", f"TB Rust data server, {kind}=all", wall)]),
            Measure("tensorboard", whole(None), [
                ("tb.whole.first", "TB whole server: first chart's data served", mark("first")),
                ("tb.whole.all", "TB whole server: every series served", wall)]),
            Measure("tensorboard", whole(f"{kind}={2 * self.spec.steps}"), [  # TensorBoard reads 0 as "none served"
                ("tb.whole.everypoint", "TB whole server, every point kept: every series", wall)], once=True),
            Measure("multiplexer", lambda: run_child("multiplexer", self._args(), timeout=timeout),
                    [("tb.multiplexer", "TB EventMultiplexer (keep all)", mark("all"))], once=True),
            Measure("tbparse", lambda: run_child("tbparse", self._args(), timeout=timeout),
                    [("tbparse", f"tbparse SummaryReader(...).{kind}", mark("all"))], once=True),
        ]
        unavailable = servers.tensorboard_available()
        for measure in found:
            if measure.group in ("rust", "tensorboard") and unavailable:
                measure.skipped = unavailable
        return found

    def _floor(self) -> list[Measure]:
        floor = lambda task: (lambda: run_child(task, self._args()))  # noqa: E731
        return [
            Measure("floor", floor("floor_read"), [("floor.read", "floor: read every byte", result("work"))]),
            Measure("floor", floor("floor_framing"),
                    [("floor.framing", "floor: framing-only Python walk", result("work"))]),
            Measure("floor", floor("floor_protobuf"), [("floor.protobuf", "floor: framing + Event.FromString",
                                                        result("work"))]),
            Measure("floor", floor("floor_kernel"), [("floor.kernel", "floor: our C kernel alone (_fastscan)",
                                                      result("work"))]),
        ]

    def _dashboard(self) -> list[Measure]:
        from benchmarks import browser

        return browser.measures(self) if self.spec.kind == "scalars" else []

    # ----- runners needing set-up ------------------------------------------------------------

    def fresh_cache(self) -> str:
        """Return a new empty cache directory under the scratch directory."""
        return tempfile.mkdtemp(prefix="cache-", dir=self.scratch)

    def _cold(self, task: str) -> Sample:
        """Run task with an empty cache directory, removed afterwards."""
        cache = self.fresh_cache()
        try:
            return run_child(task, self._args(cache_dir=cache))
        finally:
            shutil.rmtree(cache, ignore_errors=True)

    def warm_cache(self) -> str:
        """Return a cache directory holding this logdir's decoded tables (filled once, untimed)."""
        if not self._warm_cache:
            self._warm_cache = os.path.join(self.scratch, "warm-cache")
            sample = run_child("ours_cold", self._args(cache_dir=self._warm_cache))
            if sample.error:
                raise RuntimeError(f"could not fill the warm cache: {sample.error}")
        return self._warm_cache

    def _refresh(self) -> Sample:
        copy = os.path.join(self.scratch, "refresh-logdir")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(self.logdir, copy)
        appended: dict[str, int] = {}

        def append() -> None:
            before = _tree_bytes(copy)
            generate.append_events(self.spec, APPEND_FRACTION, root=copy)
            appended["bytes"] = _tree_bytes(copy) - before

        cache = self.fresh_cache()
        try:
            sample = run_child("ours_refresh", self._args(logdir=copy, cache_dir=cache), hooks={"append": append})
        finally:
            shutil.rmtree(copy, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
        sample.result.update(appended_bytes=appended.get("bytes", 0), logdir_bytes=self.bytes)
        return sample


def _tree_bytes(root: str) -> int:
    return sum(os.path.getsize(path) for path in event_files(root))
