"""The measured side: `python -m benchmarks.child TASK JSON` does one task in a fresh interpreter.

Each task imports only what it needs (import time is part of what a user waits for), prints
``mark NAME SECONDS`` at the moments worth timing (seconds since the parent spawned it),
``progress FRACTION`` as it goes, one ``result {json}`` line at the end, then ``peak KIB``
(its VmHWM). It imports nothing of the parent's harness, so its own start-up stays lean.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    import loaders

T0_ENV = "EVENTSCOPE_BENCH_T0"


def since_t0() -> float:
    """Return seconds since the parent spawned this process (it passes its clock in T0_ENV)."""
    return time.monotonic() - float(os.environ[T0_ENV])


def self_peak_kib() -> int:
    """Return this process's VmHWM in KiB: its peak resident memory since exec."""
    with open("/proc/self/status") as handle:
        return next((int(line.split()[1]) for line in handle if line.startswith("VmHWM:")), 0)


def event_files(logdir: str) -> list[str]:
    """Return every file under logdir whose name contains "tfevents", sorted."""
    found = [os.path.join(root, name) for root, _, names in os.walk(logdir) for name in names if "tfevents" in name]
    return sorted(found)


def _say(word: str, text: str) -> None:
    print(f"{word} {text}", flush=True)


def _mark(name: str) -> None:
    _say("mark", f"{name} {since_t0():.6f}")


def _wait(name: str) -> None:
    """Let the parent run its hook `name`, and block until it says go."""
    _say("wait", name)
    sys.stdin.readline()


def _read(logdir: loaders.Logdir, kind: str, **selection: object) -> pd.DataFrame:
    """Return the reader DataFrame of kind (scalars, histograms, ...)."""
    return getattr(logdir, kind)(**selection)


# ----- ours -----------------------------------------------------------------------------------


def ours_import(args: dict) -> dict:
    """Import one module (loaders, or dashboard.app): the start-up floor of the rows that use it."""
    import importlib

    importlib.import_module(args["module"])
    _mark("imported")
    return {"modules": len(sys.modules)}


def ours_cold(args: dict) -> dict:
    """Logdir(logdir, cache_dir=<empty>).<kind>(): every point, decoded and written to the cache."""
    import loaders

    start = time.perf_counter()
    frame = _read(loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"]), args["kind"])
    _mark("all")
    return {"rows": len(frame), "work": time.perf_counter() - start}


def ours_warm(args: dict) -> dict:
    """Cache present, new process: the first chart's data, then everything, then the DataFrame's memory."""
    import loaders

    lg = loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"])
    first = _read(lg, args["kind"], runs=[args["first_run"]], tags=[args["first_tag"]])
    _mark("first")
    frame = _read(lg, args["kind"])
    _mark("all")
    return {"first_rows": len(first), "rows": len(frame),
            "frame_mib": float(frame.memory_usage(deep=True).sum()) / 2**20}


def ours_card(args: dict) -> dict:
    """Cache present, new process: one tag for every run (what one chart card of the page needs)."""
    import loaders

    card = _read(loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"]), args["kind"], tags=[args["first_tag"]])
    _mark("card")
    return {"rows": len(card)}


def ours_tags(args: dict) -> dict:
    """Cache present, new process: lg.tags() (the run/tag listing a page needs first)."""
    import loaders

    tags = loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"]).tags()
    _mark("tags")
    return {"rows": len(tags)}


def ours_series(args: dict) -> dict:
    """Every (run, tag) series downsampled (the dashboard's downsample) and encoded as a server would send it.

    Arrays are sent the way Plotly 6+ serializes numpy arrays (base64 typed arrays), about
    args["points"] points per line like TensorBoard's 1,000.
    """
    import base64

    import loaders
    import numpy as np

    from dashboard.figures.smoothing import downsample

    start = time.perf_counter()
    lg = loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"])
    tables = {run: lg.scalars_table(runs=[run]) for run in lg.runs()}
    loaded = time.perf_counter()
    groups = [(run, *series) for run, table in tables.items() for series in _by_tag(table)]
    grouped = time.perf_counter()
    points = sent = 0
    spent = {"downsample": 0.0, "encode": 0.0}
    for run, tag, step, value in groups:
        tick = time.perf_counter()
        keep = downsample(step.astype(np.float64), value, max(1, args["points"] // 4))
        tock = time.perf_counter()
        body = json.dumps({"run": run, "tag": tag,
                           "x": {"dtype": "i8", "bdata": base64.b64encode(step[keep].tobytes()).decode()},
                           "y": {"dtype": "f8", "bdata": base64.b64encode(value[keep].tobytes()).decode()}})
        spent["downsample"] += tock - tick
        spent["encode"] += time.perf_counter() - tock
        points, sent = points + len(keep), sent + len(body)
    _mark("all")
    return {"series": len(groups), "points": points, "sent_bytes": sent, "load_s": loaded - start,
            "group_s": grouped - loaded, "downsample_s": spent["downsample"], "encode_s": spent["encode"]}


def _by_tag(table) -> list:
    """Return (tag, steps, values) per tag of one run's Arrow scalars table, file order kept in each."""
    import numpy as np
    import pyarrow.compute as pc

    if not table.num_rows:
        return []
    tags = pc.dictionary_encode(table["tag"].combine_chunks())
    names, codes = tags.dictionary.to_pylist(), tags.indices.to_numpy()
    order = np.argsort(codes.astype(np.int16) if len(names) < 2**15 else codes, kind="stable")  # 16 bits: radix
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(names)))])
    steps, values = table["step"].to_numpy()[order], table["value"].to_numpy()[order]
    return [(names[i], steps[lo:hi], values[lo:hi]) for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:]))]


def ours_refresh(args: dict) -> dict:
    """Load everything, let the parent append events, then time lg.refresh() and lg.<kind>()."""
    import loaders

    lg = loaders.Logdir(args["logdir"], cache_dir=args["cache_dir"])
    before = len(_read(lg, args["kind"]))
    start = time.perf_counter()
    lg.refresh()
    noop = time.perf_counter() - start
    _wait("append")
    start = time.perf_counter()
    lg.refresh()
    refresh = time.perf_counter() - start
    frame = _read(lg, args["kind"])
    total = time.perf_counter() - start
    return {"rows_before": before, "rows": len(frame), "noop_refresh": noop, "refresh": refresh,
            "refresh_and_read": total}


# ----- competitors -------------------------------------------------------------------------------


def _run_dirs(logdir: str) -> list[str]:
    return sorted({os.path.dirname(path) for path in event_files(logdir)})


def multiplexer(args: dict) -> dict:
    """TensorBoard's Python loader: plugin EventMultiplexer keeping every point, run by run."""
    from tensorboard.backend.event_processing import plugin_event_accumulator as acc
    from tensorboard.backend.event_processing import plugin_event_multiplexer as mux_module

    start = time.perf_counter()
    mux = mux_module.EventMultiplexer(size_guidance=acc.STORE_EVERYTHING_SIZE_GUIDANCE,
                                      tensor_size_guidance={args["kind"]: 0})
    runs = _run_dirs(args["logdir"])
    for done, path in enumerate(runs, 1):
        name = os.path.relpath(path, args["logdir"])
        mux.AddRun(path, name)
        mux.GetAccumulator(name).Reload()
        _say("progress", f"{done / len(runs):.6f}")
    points = sum(len(mux.Tensors(run, tag)) for run, tags in mux.PluginRunToTagToContent(args["kind"]).items()
                 for tag in tags)
    _mark("all")
    return {"rows": points, "work": time.perf_counter() - start}


def tbparse(args: dict) -> dict:
    """tbparse SummaryReader(logdir, extra_columns={"dir_name"}).<kind> (progress patched in per file)."""
    import tbparse as tbparse_module
    from tbparse import summary_reader

    total = sum(os.path.getsize(path) for path in event_files(args["logdir"]))
    done = [0]
    base = summary_reader.EventAccumulator

    class Counting(base):  # reports progress after each file, otherwise tbparse's own accumulator
        def Reload(self):  # noqa: N802 (TensorBoard's name)
            result = super().Reload()
            done[0] += os.path.getsize(self.path)
            _say("progress", f"{done[0] / total:.6f}")
            return result

    summary_reader.EventAccumulator = Counting
    start = time.perf_counter()
    reader = tbparse_module.SummaryReader(args["logdir"], extra_columns={"dir_name"},
                                          event_types={args["kind"]})
    frame = getattr(reader, args["kind"])
    _mark("all")
    return {"rows": len(frame), "work": time.perf_counter() - start}


# ----- the floor ---------------------------------------------------------------------------------


def floor_read(args: dict) -> dict:
    """Read every byte of every event file."""
    start = time.perf_counter()
    total = 0
    for path in event_files(args["logdir"]):
        with open(path, "rb") as handle:
            total += len(handle.read())
    return {"bytes": total, "work": time.perf_counter() - start}


def floor_framing(args: dict) -> dict:
    """Framing only: unpack each 12-byte header, seek past payload and footer."""
    import struct

    header = struct.Struct("<QI")
    start = time.perf_counter()
    records = 0
    for path in event_files(args["logdir"]):
        with open(path, "rb") as handle:
            while len(head := handle.read(12)) == 12:
                length, _ = header.unpack(head)
                handle.seek(length + 4, os.SEEK_CUR)
                records += 1
    return {"records": records, "work": time.perf_counter() - start}


def floor_protobuf(args: dict) -> dict:
    """Framing plus Event.FromString (our upb-generated proto) of every payload; values not extracted."""
    import struct

    from loaders.proto.event_pb2 import Event

    header = struct.Struct("<QI")
    parse = Event.FromString
    start = time.perf_counter()
    records = 0
    for path in event_files(args["logdir"]):
        with open(path, "rb") as handle:
            data = memoryview(handle.read())
        pos, size = 0, len(data)
        while pos + 12 <= size:
            length, _ = header.unpack_from(data, pos)
            parse(data[pos + 12 : pos + 12 + length])
            pos += 16 + length
            records += 1
    return {"records": records, "work": time.perf_counter() - start}


def floor_kernel(args: dict) -> dict:
    """Our C kernel alone (loaders._fastscan.scan: framing, both CRCs, scalar and histogram extraction) over each file."""
    from loaders import _fastscan

    start = time.perf_counter()
    scalars = others = 0
    for path in event_files(args["logdir"]):
        with open(path, "rb") as handle:
            data = handle.read()
        found = _fastscan.scan(data)
        scalars += len(found[5]) // 8  # int64 steps of the scalar rows it extracted
        others += len(found[-1]) // 16  # (start, length) pairs of the records left to protobuf
    return {"scalar_rows": scalars, "other_records": others, "work": time.perf_counter() - start}


TASKS: dict[str, Callable[[dict], dict]] = {
    task.__name__: task
    for task in (ours_import, ours_cold, ours_warm, ours_card, ours_tags, ours_series, ours_refresh, multiplexer,
                 tbparse, floor_read, floor_framing, floor_protobuf, floor_kernel)
}


def main(argv: list[str]) -> int:
    """Run TASKS[argv[0]] with the JSON arguments argv[1]; print its result line."""
    task, args = argv[0], json.loads(argv[1])
    result = TASKS[task](args)
    _say("result", json.dumps(result))
    _say("peak", str(self_peak_kib()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
