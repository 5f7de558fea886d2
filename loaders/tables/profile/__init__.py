"""Profiler captures (XSpace .xplane.pb, Chrome / PyTorch trace JSON) as an events table and derived tables.

read_capture(path, format) parses one capture file into a Capture (events table, meta, problems);
CaptureStore keeps captures and their derived tables cached on disk as Arrow IPC files keyed by
the file's size and mtime, and in memory. derived.py computes steps, the step-time breakdown,
operator, kernel and memory tables from the events.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field

import pyarrow as pa

from loaders.tables.profile.chrome import TraceFormatError, read_chrome
from loaders.tables.profile.derived import (
    BREAKDOWN,
    BREAKDOWN_COLUMNS,
    KERNEL_COLUMNS,
    MEMORY_COLUMNS,
    OP_COLUMNS,
    STEP_COLUMNS,
    breakdown,
    kernels,
    launch_op,
    memory,
    ops,
    priority_sweep,
    steps,
)
from loaders.tables.profile.events import EVENT_SCHEMA, KINDS, Rows, finish
from loaders.tables.profile.store import CaptureStore
from loaders.tables.profile.xspace import XSpaceError, read_xspace

__all__ = [
    "BREAKDOWN",
    "BREAKDOWN_COLUMNS",
    "Capture",
    "CaptureStore",
    "EVENT_SCHEMA",
    "KERNEL_COLUMNS",
    "KINDS",
    "MEMORY_COLUMNS",
    "OP_COLUMNS",
    "PROFILE_TABLES",
    "STEP_COLUMNS",
    "breakdown",
    "derive",
    "kernels",
    "launch_op",
    "memory",
    "ops",
    "priority_sweep",
    "read_capture",
    "steps",
]

PROFILE_TABLES = ("events", "steps", "breakdown", "ops", "ops_by_shape", "kernels", "memory")
"""The table kinds of a capture (Logdir.profile_table's kind argument)."""
FORMATS = ("xplane", "trace_json", "pytorch_trace", "perfetto_json")


@dataclass(frozen=True)
class Capture:
    """One capture read.

    Attributes:
        events: the events table (EVENT_SCHEMA).
        meta: capture facts: source ("pytorch", "chrome", "xspace"), devices / deviceProperties,
            origin_ns (absolute ns of start_ns 0), ...
        problems: messages about what could not be read (the rest is in events).
    """

    events: pa.Table
    meta: dict[str, object] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def read_capture(path: str, fmt: str) -> Capture:
    """Read one capture file; damage is reported in problems, never raised.

    Args:
        path: the capture file.
        fmt: "xplane" for XSpace, anything else for Chrome trace JSON (see FORMATS).

    Returns:
        The Capture; an unreadable file gives an empty events table and a problem naming it.
    """
    try:
        rows = read_xspace(path) if fmt == "xplane" else read_chrome(path)
    except (XSpaceError, TraceFormatError, OSError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeError) as error:
        rows = Rows()
        message = str(error) if str(error).startswith(path) else f"{path}: cannot be read ({error})"
        rows.problems.append(message)
    table = finish(rows)
    meta = json.loads(json.dumps(rows.meta, default=str))
    problems = [message if message.startswith(path) else f"{path}: {message}" for message in rows.problems]
    return Capture(table, meta, tuple(problems))


def derive(capture: Capture, kind: str) -> pa.Table:
    """Return one derived table of a capture as Arrow.

    Args:
        capture: the capture.
        kind: one of PROFILE_TABLES other than "events".

    Returns:
        The table (pandas index dropped).

    Raises:
        ValueError: kind is not a derived table kind.
    """
    events = capture.events.to_pandas()
    if kind == "steps":
        frame = steps(events)
    elif kind == "breakdown":
        frame = breakdown(events, steps(events))
    elif kind == "ops":
        frame = ops(events)
    elif kind == "ops_by_shape":
        frame = ops(events, by_shape=True)
    elif kind == "kernels":
        frame = kernels(events)
    elif kind == "memory":
        frame = memory(events)
    else:
        raise ValueError(f"kind={kind!r} is not a profile table; use one of {list(PROFILE_TABLES)}")
    return pa.Table.from_pandas(frame, preserve_index=False)
