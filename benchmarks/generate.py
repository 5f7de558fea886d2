"""Deterministic benchmark logdirs written with tensorboardX's own summary and record writers.

`SummaryWriter.add_scalar` costs ~35 us an event (its queue thread); the same bytes come out of
tensorboardX's `summary.scalar` + `Event` + `RecordWriter` at ~6 us, so the 12.5 M-event logdir
takes about a minute on two cores. Each logdir is written once and reused (a marker file records
the spec it was made from).
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
_BASE_WALL_TIME = 1_700_000_000.0


@dataclass(frozen=True)
class Spec:
    """One benchmark logdir: runs x tags x steps of one kind ("scalars" or "histograms")."""

    name: str
    runs: int
    tags: int
    steps: int
    kind: str = "scalars"
    buckets: int = 600

    @property
    def events(self) -> int:
        """Number of summary events the logdir holds."""
        return self.runs * self.tags * self.steps


SPECS = {
    "small": Spec("small", runs=5, tags=10, steps=1_000),
    "large": Spec("large", runs=50, tags=50, steps=5_000),
    "hist": Spec("hist", runs=10, tags=5, steps=1_000, kind="histograms"),
}


def logdir(spec: Spec, *, jobs: int | None = None, data_dir: str = DATA_DIR) -> str:
    """Return the path of spec's logdir, writing it first if it is missing or stale.

    Args:
        spec: what to write.
        jobs: writer processes (default: all cores).
        data_dir: where logdirs live (default benchmarks/data/); the logdir is data_dir/spec.name.

    Returns:
        The logdir path.
    """
    path = os.path.join(data_dir, spec.name)
    marker = os.path.join(path, ".spec.json")
    if os.path.exists(marker):
        with open(marker) as handle:
            if json.load(handle) == asdict(spec):
                return path
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    with ProcessPoolExecutor(jobs or os.cpu_count()) as pool:
        list(pool.map(_write_run, [spec] * spec.runs, range(spec.runs), [path] * spec.runs))
    with open(marker, "w") as handle:
        json.dump(asdict(spec), handle)
    return path


def run_dir(spec: Spec, index: int, root: str | None = None) -> str:
    """Return the directory of run number index (under root, default spec's logdir in DATA_DIR)."""
    return os.path.join(root or os.path.join(DATA_DIR, spec.name), run_name(index))


def run_name(index: int) -> str:
    """Return the name of run number index."""
    return f"run_{index:03d}"


def tag_names(spec: Spec) -> list[str]:
    """Return the tags every run of spec holds, in the order they are written."""
    if spec.kind == "scalars":
        return [f"group{t % 5}/metric_{t:02d}" for t in range(spec.tags)]
    return [f"layer{t}/weights" for t in range(spec.tags)]


def append_events(spec: Spec, fraction: float, root: str | None = None) -> int:
    """Append about fraction x the logdir's events (new steps) to every run; return how many.

    Args:
        spec: the spec the logdir was written from.
        fraction: how many more steps, as a fraction of spec.steps (at least one step).
        root: the logdir to append to (default spec's logdir in DATA_DIR; pass a copy to keep that one intact).

    Returns:
        The number of events appended.
    """
    added = 0
    extra = max(1, int(spec.steps * fraction))
    for index in range(spec.runs):
        added += _write_events(spec, index, range(spec.steps, spec.steps + extra), mode="ab", root=root)
    return added


def _write_run(spec: Spec, index: int, root: str) -> None:
    _write_events(spec, index, range(spec.steps), mode="wb", root=root)


def _write_events(spec: Spec, index: int, steps: range, *, mode: str, root: str | None = None) -> int:
    from tensorboardX.proto import event_pb2
    from tensorboardX.record_writer import RecordWriter

    os.makedirs(run_dir(spec, index, root), exist_ok=True)
    path = os.path.join(run_dir(spec, index, root), "events.out.tfevents.1700000000.bench")
    writer = RecordWriter(path) if mode == "wb" else _Appender(path)
    if mode == "wb":
        writer.write(event_pb2.Event(wall_time=_BASE_WALL_TIME, file_version="brain.Event:2").SerializeToString())
    rng = np.random.default_rng([index, steps.start])
    make = _scalar_events if spec.kind == "scalars" else _histogram_events
    count = 0
    for payload in make(spec, index, steps, rng):
        writer.write(payload)
        count += 1
    writer.close()
    return count


class _Appender:
    """tensorboardX's RecordWriter framing, appending to an existing file."""

    def __init__(self, path: str) -> None:
        from tensorboardX.record_writer import RecordWriter

        self._writer = RecordWriter.__new__(RecordWriter)
        self._writer._name_to_tf_name = {}
        self._writer._tf_names = set()
        self._writer.path = path
        self._writer._writer = open(path, "ab")

    def write(self, payload: bytes) -> None:
        self._writer.write(payload)

    def close(self) -> None:
        self._writer._writer.close()


def _scalar_events(spec: Spec, index: int, steps: range, rng: np.random.Generator):
    from tensorboardX.proto import event_pb2
    from tensorboardX.summary import scalar

    tags = tag_names(spec)
    noise = rng.normal(scale=0.05, size=(len(steps), spec.tags))
    for row, step in enumerate(steps):
        base = 1.0 / (1.0 + step / 500.0)
        for t, tag in enumerate(tags):
            event = event_pb2.Event(wall_time=_BASE_WALL_TIME + step * 0.1, step=step,
                                    summary=scalar(tag, base * (1 + t / 10) + noise[row, t]))
            yield event.SerializeToString()


def _histogram_events(spec: Spec, index: int, steps: range, rng: np.random.Generator):
    from tensorboardX.proto import event_pb2
    from tensorboardX.summary import histogram_raw

    limits = np.linspace(-3, 3, spec.buckets).tolist()
    tags = tag_names(spec)
    for step in steps:
        for t in range(spec.tags):
            counts = rng.poisson(50, size=spec.buckets).astype(float)
            summary = histogram_raw(tags[t], min=-3.0, max=3.0, num=float(counts.sum()),
                                    sum=0.0, sum_squares=float(counts.sum()), bucket_limits=limits,
                                    bucket_counts=counts.tolist())
            yield event_pb2.Event(wall_time=_BASE_WALL_TIME + step, step=step, summary=summary).SerializeToString()
