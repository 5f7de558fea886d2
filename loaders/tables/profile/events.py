"""The events table of one capture: the schema, a row accumulator, and the finishing pass (nesting, steps, links)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

EVENT_SCHEMA = pa.schema(
    [
        ("device", pa.string()),  # /host:CPU, /device:GPU:0, ...
        ("track", pa.string()),  # a lane: "<process> / <thread or stream>"
        ("track_order", pa.int64()),  # sort key of the lane (devices after hosts)
        ("name", pa.string()),
        ("category", pa.string()),  # as written (Chrome "cat", or the XPlane line kind)
        ("kind", pa.string()),  # normalized: see KINDS
        ("start_ns", pa.int64()),  # from the capture's first event
        ("dur_ns", pa.int64()),
        ("depth", pa.int32()),  # nesting level on its track (0 = outermost)
        ("parent", pa.int64()),  # row of the enclosing event on its track, -1 for none
        ("step", pa.int64()),  # training step it belongs to, -1 for none
        ("correlation", pa.int64()),  # launch <-> kernel link (CUDA correlation id), -1 for none
        ("external_id", pa.int64()),  # PyTorch's op <-> runtime link, -1 for none
        ("shape", pa.string()),  # input shapes of an op, "" if not recorded
        ("args", pa.string()),  # the remaining attributes as a JSON object
    ]
)
KINDS = (
    "kernel",
    "memcpy",
    "memset",
    "communication",
    "runtime",
    "op",
    "annotation",
    "python",
    "step",
    "dataloader",
    "memory",
    "counter",
    "instant",
)
DEVICE_KINDS = ("kernel", "memcpy", "memset", "communication")
HOST_WORK_KINDS = ("op", "annotation", "python", "dataloader")
_STEP_NAME = re.compile(r"^ProfilerStep#(\d+)$")
MAX_SPAN_NS = 24 * 3600 * 10**9  # an event further than this from the rest is a bogus timestamp


@dataclass
class Rows:
    """Events as they are read, column by column (absolute start times in ns).

    Attributes:
        problems: messages about what could not be read (the rest is kept).
        meta: capture-level facts (source, device properties, ...), JSON-serializable.
    """

    device: list[str] = field(default_factory=list)
    track: list[str] = field(default_factory=list)
    track_order: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    start_ns: list[int] = field(default_factory=list)
    dur_ns: list[int] = field(default_factory=list)
    step: list[int] = field(default_factory=list)
    correlation: list[int] = field(default_factory=list)
    external_id: list[int] = field(default_factory=list)
    shape: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)

    def add(
        self,
        device: str,
        track: str,
        order: int,
        name: str,
        category: str,
        kind: str,
        start_ns: int,
        dur_ns: int,
        *,
        step: int = -1,
        correlation: int = -1,
        external_id: int = -1,
        shape: str = "",
        args: str = "{}",
    ) -> None:
        """Append one event."""
        self.device.append(device)
        self.track.append(track)
        self.track_order.append(order)
        self.name.append(name)
        self.category.append(category)
        self.kind.append(kind)
        self.start_ns.append(start_ns)
        self.dur_ns.append(max(dur_ns, 0))
        self.step.append(step)
        self.correlation.append(correlation)
        self.external_id.append(external_id)
        self.shape.append(shape)
        self.args.append(args)

    def __len__(self) -> int:
        return len(self.name)


def finish(rows: Rows) -> pa.Table:
    """Return the events table: times relative to the first event, sorted, nested, stepped.

    Rows are sorted by (track_order, track, start, longest first); depth and parent come from a
    stack sweep per track; steps from step markers (ProfilerStep#N, XPlane step_num) by time
    containment, device work by its launch's step. Events far (> 24 h) from the rest are dropped
    with a problem (PyTorch's bogus "Record Window End").
    """
    start = np.asarray(rows.start_ns, dtype=np.int64)
    keep = _sane_times(start, rows)
    columns = {name: getattr(rows, name) for name in EVENT_SCHEMA.names if hasattr(rows, name)}
    table = pa.table(
        {name: pa.array(values, EVENT_SCHEMA.field(name).type) for name, values in columns.items()}
    ).filter(pa.array(keep))
    if table.num_rows:
        origin = int(np.min(table["start_ns"].to_numpy()))
        table = table.set_column(
            table.schema.get_field_index("start_ns"), "start_ns", pa.array(table["start_ns"].to_numpy() - origin)
        )
        rows.meta["origin_ns"] = origin
    table = table.sort_by([("track_order", "ascending"), ("track", "ascending"), ("start_ns", "ascending")])
    order = _stable_longest_first(table)
    table = table.take(pa.array(order))
    depth, parent, overlaps = nest(
        table["track"].to_numpy(zero_copy_only=False),
        table["start_ns"].to_numpy(),
        table["dur_ns"].to_numpy(),
        table["kind"].to_numpy(zero_copy_only=False),
    )
    if overlaps:
        rows.problems.append(
            f"{overlaps} event(s) overlap a sibling on the same thread instead of nesting in it; "
            f"they were placed beside it (best effort)"
        )
    step = assign_steps(table)
    table = table.append_column("depth", pa.array(depth, pa.int32())).append_column("parent", pa.array(parent))
    table = table.set_column(table.schema.get_field_index("step"), "step", pa.array(step, pa.int64()))
    return table.select(EVENT_SCHEMA.names).cast(EVENT_SCHEMA)


def _sane_times(start: np.ndarray, rows: Rows) -> np.ndarray:
    """Return a mask dropping events whose start is more than MAX_SPAN_NS from the median."""
    if not len(start):
        return np.ones(0, dtype=bool)
    median = int(np.median(start))
    keep = np.abs(start - median) <= MAX_SPAN_NS
    dropped = int((~keep).sum())
    if dropped:
        names = sorted({rows.name[i] for i in np.flatnonzero(~keep)[:5]})
        rows.problems.append(f"dropped {dropped} event(s) with a timestamp more than 24 h from the rest: {names}")
    return keep


def _stable_longest_first(table: pa.Table) -> np.ndarray:
    """Return row order: by track then start, and among equal starts the longest first."""
    n = table.num_rows
    if not n:
        return np.zeros(0, dtype=np.int64)
    track_codes = np.unique(table["track"].to_numpy(zero_copy_only=False), return_inverse=True)[1]
    order_key = table["track_order"].to_numpy()
    return np.lexsort((-table["dur_ns"].to_numpy(), table["start_ns"].to_numpy(), track_codes, order_key))


def nest(track: np.ndarray, start: np.ndarray, dur: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (depth, parent, overlaps) by a stack sweep over rows sorted by (track, start, -dur).

    An event that starts inside the open event but ends after it (a partial overlap) is placed
    beside it, not inside, and counted in overlaps. Instants, counters and memory records get the
    depth of the event open at their time but never become parents.
    """
    n = len(start)
    depth = np.zeros(n, dtype=np.int32)
    parent = np.full(n, -1, dtype=np.int64)
    end = start + dur
    overlaps = 0
    stack: list[int] = []
    previous = None
    for i in range(n):
        if track[i] != previous:
            stack, previous = [], track[i]
        s = start[i]
        while stack and s >= end[stack[-1]]:
            stack.pop()
        while stack and end[i] > end[stack[-1]]:
            overlaps += 1
            stack.pop()
        if stack:
            parent[i] = stack[-1]
            depth[i] = depth[stack[-1]] + 1
        if dur[i] > 0 and kind[i] not in ("counter", "memory", "instant"):
            stack.append(i)
    return depth, parent, overlaps


def step_number(name: str) -> int | None:
    """Return N of a "ProfilerStep#N" name, else None."""
    match = _STEP_NAME.match(name)
    return int(match.group(1)) if match else None


def assign_steps(table: pa.Table) -> np.ndarray:
    """Return the step of every row: markers' own steps, host rows by time, device rows by launch.

    A marker row (kind "step") carries its number in the step column. Host rows inside a marker's
    time take its step; device rows take the step of their launching runtime call (same
    correlation id), else the step whose [start, end) contains their start.
    """
    step = table["step"].to_numpy().copy()
    kind = table["kind"].to_numpy(zero_copy_only=False)
    start = table["start_ns"].to_numpy()
    end = start + table["dur_ns"].to_numpy()
    markers = np.flatnonzero(kind == "step")
    if not len(markers):
        return step
    marker_order = markers[np.argsort(start[markers], kind="stable")]
    m_start, m_end, m_step = start[marker_order], end[marker_order], step[marker_order]
    others = np.flatnonzero(kind != "step")
    index = np.searchsorted(m_start, start[others], side="right") - 1
    inside = (index >= 0) & (start[others] < m_end[np.clip(index, 0, None)])
    step[others] = np.where(inside, m_step[np.clip(index, 0, None)], -1)
    device = np.isin(kind, DEVICE_KINDS)
    correlation = table["correlation"].to_numpy()
    launches = np.flatnonzero((kind == "runtime") & (correlation >= 0) & (step >= 0))
    launch_step = dict(zip(correlation[launches].tolist(), step[launches].tolist()))
    for i in np.flatnonzero(device & (correlation >= 0)).tolist():
        found = launch_step.get(int(correlation[i]))
        if found is not None:
            step[i] = found
    return step
