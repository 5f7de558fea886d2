"""Tables derived from a capture's events: steps, step-time breakdown, operator, kernel and memory stats."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from loaders.tables.profile.events import DEVICE_KINDS, HOST_WORK_KINDS

BREAKDOWN = ("kernel", "memcpy", "memset", "communication", "runtime", "dataloader", "cpu_exec", "other")
"""Step-time categories in priority order: overlapping time goes to the first one that covers it."""
_SWEPT = BREAKDOWN[:-1]
_TENSOR_CORE = re.compile(
    r"884|1688|16816|hmma|xmma_.*(f16|bf16|tf32|i8)|wgmma|gmma|tensorop|cutlass.*(f16|bf16)", re.I
)

STEP_COLUMNS = ["step", "name", "start_ns", "end_ns", "dur_ns", "host_end_ns"]
BREAKDOWN_COLUMNS = ["step", "category", "dur_ns"]
OP_COLUMNS = [
    "name",
    "shape",
    "calls",
    "host_total_ns",
    "host_self_ns",
    "device_total_ns",
    "device_self_ns",
    "tensor_core_ns",
]
KERNEL_COLUMNS = [
    "name",
    "op",
    "calls",
    "total_ns",
    "mean_ns",
    "min_ns",
    "max_ns",
    "grid",
    "block",
    "registers",
    "blocks_per_sm",
    "occupancy",
    "tensor_cores",
]
MEMORY_COLUMNS = ["start_ns", "device", "bytes", "allocated", "reserved", "addr", "op"]


def steps(events: pd.DataFrame) -> pd.DataFrame:
    """Return one row per step: host marker span extended to the end of the device work it launched.

    Steps come from step markers (ProfilerStep#N, XPlane step_num events); without markers the
    whole capture is one step numbered 0. end_ns = max(marker end, end of the step's device rows).

    Args:
        events: the events table of one capture.

    Returns:
        Columns STEP_COLUMNS, sorted by start.
    """
    if events.empty:
        return pd.DataFrame({column: pd.Series(dtype="int64") for column in STEP_COLUMNS}).astype({"name": object})
    markers = events[events["kind"] == "step"]
    if markers.empty:
        start = int(events["start_ns"].min())
        end = int((events["start_ns"] + events["dur_ns"]).max())
        return pd.DataFrame([[0, "(whole capture)", start, end, end - start, end]], columns=STEP_COLUMNS)
    markers = markers.sort_values("start_ns").drop_duplicates("step", keep="first")
    device = events[events["kind"].isin(DEVICE_KINDS) & (events["step"] >= 0)]
    device_end = (device["start_ns"] + device["dur_ns"]).groupby(device["step"]).max()
    host_end = markers["start_ns"] + markers["dur_ns"]
    end = np.maximum(host_end.to_numpy(), markers["step"].map(device_end).fillna(0).to_numpy(dtype=np.int64))
    frame = pd.DataFrame(
        {
            "step": markers["step"].to_numpy(dtype=np.int64),
            "name": markers["name"].to_numpy(),
            "start_ns": markers["start_ns"].to_numpy(dtype=np.int64),
            "end_ns": end.astype(np.int64),
            "host_end_ns": host_end.to_numpy(dtype=np.int64),
        }
    )
    return frame.assign(dur_ns=frame["end_ns"] - frame["start_ns"])[STEP_COLUMNS].reset_index(drop=True)


def breakdown_category(events: pd.DataFrame) -> np.ndarray:
    """Return each row's breakdown category ("" for rows that take no step time)."""
    kind = events["kind"].to_numpy(dtype=object)
    out = np.full(len(kind), "", dtype=object)
    for category in ("kernel", "memcpy", "memset", "communication", "runtime", "dataloader"):
        out[kind == category] = category
    host = events["device"].to_numpy(dtype=object) == "/host:CPU"
    out[~host & (out == "dataloader")] = ""
    out[host & np.isin(kind, [k for k in HOST_WORK_KINDS if k != "dataloader"])] = "cpu_exec"
    return out


def breakdown(events: pd.DataFrame, step_table: pd.DataFrame) -> pd.DataFrame:
    """Return the step-time breakdown: for each step, the time of each category; parts sum to the step.

    Every instant of a step's [start, end) goes to the highest-priority category (BREAKDOWN order)
    with an interval covering it; time no interval covers is "other".

    Args:
        events: the events table of one capture.
        step_table: the table from steps().

    Returns:
        Columns BREAKDOWN_COLUMNS, one row per (step, category) in BREAKDOWN order (zeros kept).
    """
    category = breakdown_category(events)
    used = category != ""
    starts = events["start_ns"].to_numpy(dtype=np.int64)[used]
    ends = starts + events["dur_ns"].to_numpy(dtype=np.int64)[used]
    codes = np.array([_SWEPT.index(c) for c in category[used]], dtype=np.int64)
    out: list[tuple[int, str, int]] = []
    for step, lo, hi in step_table[["step", "start_ns", "end_ns"]].itertuples(index=False):
        parts = priority_sweep(starts, ends, codes, int(lo), int(hi), len(_SWEPT))
        out += [(int(step), name, int(value)) for name, value in zip(BREAKDOWN, parts)]
    return pd.DataFrame(out, columns=BREAKDOWN_COLUMNS).astype({"step": "int64", "dur_ns": "int64"})


def priority_sweep(
    starts: np.ndarray, ends: np.ndarray, codes: np.ndarray, lo: int, hi: int, n_codes: int
) -> list[int]:
    """Return the time in [lo, hi) of each code (lowest code wins overlaps) plus the uncovered rest.

    Args:
        starts: interval starts.
        ends: interval ends.
        codes: each interval's priority (0 = highest), in [0, n_codes).
        lo: window start.
        hi: window end.
        n_codes: the number of codes.

    Returns:
        n_codes + 1 durations summing to hi - lo.
    """
    if hi <= lo:
        return [0] * (n_codes + 1)
    inside = (ends > lo) & (starts < hi) & (ends > starts)
    s, e, c = np.clip(starts[inside], lo, hi), np.clip(ends[inside], lo, hi), codes[inside]
    bounds = np.unique(np.concatenate([[lo, hi], s, e]))
    lengths = np.diff(bounds)
    winner = np.full(len(lengths), n_codes, dtype=np.int64)
    for code in range(n_codes - 1, -1, -1):  # lowest code last, so it wins
        mine = c == code
        if not mine.any():
            continue
        delta = np.zeros(len(bounds), dtype=np.int64)
        np.add.at(delta, np.searchsorted(bounds, s[mine]), 1)
        np.add.at(delta, np.searchsorted(bounds, e[mine]), -1)
        covered = np.cumsum(delta)[:-1] > 0
        winner[covered] = code
    totals = np.bincount(winner, weights=lengths, minlength=n_codes + 1)
    return [int(round(value)) for value in totals]


def launch_op(events: pd.DataFrame) -> np.ndarray:
    """Return, for each row, the row of the op that launched it (device rows only; else -1).

    A device row's runtime call has the same correlation id; the launching op is that call's
    parent on its thread (or the call itself when it has no parent).
    """
    n = len(events)
    out = np.full(n, -1, dtype=np.int64)
    kind = events["kind"].to_numpy(dtype=object)
    correlation = events["correlation"].to_numpy(dtype=np.int64)
    parent = events["parent"].to_numpy(dtype=np.int64)
    runtime = np.flatnonzero((kind == "runtime") & (correlation >= 0))
    if not len(runtime):
        return out
    launcher = pd.Series(np.where(parent[runtime] >= 0, parent[runtime], runtime), index=correlation[runtime])
    launcher = launcher[~launcher.index.duplicated(keep="first")]
    device = np.flatnonzero(np.isin(kind, DEVICE_KINDS) & (correlation >= 0))
    found = launcher.reindex(correlation[device]).to_numpy()
    ok = ~np.isnan(found)
    out[device[ok]] = found[ok].astype(np.int64)
    return out


def ops(events: pd.DataFrame, *, by_shape: bool = False) -> pd.DataFrame:
    """Return operator stats: calls, host total/self, device total/self (kernels they launched).

    Host self = duration minus the duration of direct children. Device self = device time of
    kernels launched directly by the op; device total also counts kernels of ops nested in it.

    Args:
        events: the events table of one capture.
        by_shape: group by (name, input shape) instead of name.

    Returns:
        Columns OP_COLUMNS sorted by device total then host total, descending.
    """
    kind = events["kind"].to_numpy(dtype=object)
    dur = events["dur_ns"].to_numpy(dtype=np.int64)
    parent = events["parent"].to_numpy(dtype=np.int64)
    n = len(events)
    child_time = np.bincount(parent[parent >= 0], weights=dur[parent >= 0], minlength=n)[:n]
    device_self = np.zeros(n)
    device_total = np.zeros(n)
    tensor = np.zeros(n)
    op_of = launch_op(events)
    names = events["name"].to_numpy(dtype=object)
    for row in np.flatnonzero(op_of >= 0).tolist():
        owner = int(op_of[row])
        device_self[owner] += dur[row]
        uses_tc = bool(_TENSOR_CORE.search(names[row]))
        while owner >= 0:
            device_total[owner] += dur[row]
            tensor[owner] += dur[row] if uses_tc else 0
            owner = int(parent[owner])
    is_op = np.isin(kind, ("op", "dataloader")) | ((kind == "annotation") & events["device"].eq("/host:CPU").to_numpy())
    frame = pd.DataFrame(
        {
            "name": names[is_op],
            "shape": events["shape"].to_numpy(dtype=object)[is_op] if by_shape else "",
            "host_total_ns": dur[is_op],
            "host_self_ns": np.maximum(dur[is_op] - child_time[is_op], 0),
            "device_total_ns": device_total[is_op],
            "device_self_ns": device_self[is_op],
            "tensor_core_ns": tensor[is_op],
        }
    )
    grouped = frame.groupby(["name", "shape"], sort=False)
    out = grouped.sum().assign(calls=grouped.size()).reset_index()
    for column in OP_COLUMNS[3:]:
        out[column] = out[column].astype("int64")
    return out[OP_COLUMNS].sort_values(["device_total_ns", "host_total_ns"], ascending=False).reset_index(drop=True)


def kernels(events: pd.DataFrame) -> pd.DataFrame:
    """Return kernel stats per (kernel name, launching op): calls, total/mean/min/max, launch shape.

    Grid, block and registers are those of the first call; blocks per SM and achieved occupancy
    are duration-weighted means (NaN when not recorded); tensor_cores by kernel-name heuristic.

    Args:
        events: the events table of one capture.

    Returns:
        Columns KERNEL_COLUMNS sorted by total time, descending.
    """
    mask = events["kind"].isin(("kernel", "communication")).to_numpy()
    op_of = launch_op(events)[mask]
    names = events["name"].to_numpy(dtype=object)
    rows = events[mask]
    parsed = [_kernel_args(text) for text in rows["args"]]
    frame = pd.DataFrame(
        {
            "name": rows["name"].to_numpy(),
            "op": [names[i] if i >= 0 else "" for i in op_of],
            "dur": rows["dur_ns"].to_numpy(dtype=np.int64),
            "grid": [p[0] for p in parsed],
            "block": [p[1] for p in parsed],
            "registers": [p[2] for p in parsed],
            "blocks_per_sm": [p[3] for p in parsed],
            "occupancy": [p[4] for p in parsed],
        }
    )
    if frame.empty:
        return pd.DataFrame(columns=KERNEL_COLUMNS)
    grouped = frame.groupby(["name", "op"], sort=False)
    out = grouped["dur"].agg(calls="size", total_ns="sum", mean_ns="mean", min_ns="min", max_ns="max")
    out[["grid", "block", "registers"]] = grouped[["grid", "block", "registers"]].first()
    for column in ("blocks_per_sm", "occupancy"):
        weighted = (frame[column] * frame["dur"]).groupby([frame["name"], frame["op"]], sort=False).sum(min_count=1)
        weight = frame["dur"].where(frame[column].notna()).groupby([frame["name"], frame["op"]], sort=False).sum()
        out[column] = weighted / weight.replace(0, np.nan)
    out = out.reset_index()
    out["tensor_cores"] = out["name"].map(lambda name: bool(_TENSOR_CORE.search(name)))
    return out[KERNEL_COLUMNS].sort_values("total_ns", ascending=False).reset_index(drop=True)


def _kernel_args(text: str) -> tuple[str, str, float, float, float]:
    args = json.loads(text) if text and text != "{}" else {}
    occupancy = args.get("est. achieved occupancy %", args.get("theoretical_occupancy_pct"))
    return (
        _dims(args.get("grid")),
        _dims(args.get("block")),
        _number(args.get("registers per thread")),
        _number(args.get("blocks per SM")),
        _number(occupancy),
    )


def _dims(value: object) -> str:
    return "x".join(str(part) for part in value) if isinstance(value, list) else ""


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan


def memory(events: pd.DataFrame) -> pd.DataFrame:
    """Return the memory timeline: one row per allocation or free, with the totals after it.

    PyTorch [memory] records (Bytes, Total Allocated, Total Reserved, Device Type/Id, Addr) and
    XPlane MemoryAllocation / MemoryDeallocation events (bytes_allocated, bytes_reserved,
    allocator_name, allocation_bytes, addr). op is the innermost event enclosing the record.

    Args:
        events: the events table of one capture.

    Returns:
        Columns MEMORY_COLUMNS sorted by time.
    """
    rows = events[events["kind"] == "memory"]
    names = events["name"].to_numpy(dtype=object)
    records = []
    for start, name, parent, text in zip(rows["start_ns"], rows["name"], rows["parent"], rows["args"]):
        args = json.loads(text) if text else {}
        op = names[parent] if parent >= 0 else ""
        if name == "[memory]":
            kind, index = args.get("Device Type", 0), args.get("Device Id", -1)
            device = "CPU" if kind == 0 or index == -1 else f"GPU:{index}"
            records.append(
                (
                    start,
                    device,
                    args.get("Bytes", 0),
                    args.get("Total Allocated"),
                    args.get("Total Reserved"),
                    args.get("Addr", 0),
                    op,
                )
            )
        else:
            size = args.get("allocation_bytes", args.get("requested_bytes", 0)) or 0
            sign = -1 if name == "MemoryDeallocation" else 1
            device = str(args.get("allocator_name", "device"))
            records.append(
                (
                    start,
                    device,
                    sign * size,
                    args.get("bytes_allocated"),
                    args.get("bytes_reserved"),
                    args.get("addr", 0),
                    op,
                )
            )
    frame = pd.DataFrame(records, columns=MEMORY_COLUMNS)
    frame = frame.astype(
        {"start_ns": "int64", "bytes": "int64", "addr": "int64", "allocated": "float64", "reserved": "float64"}
    )
    return frame.sort_values("start_ns", kind="stable").reset_index(drop=True)
