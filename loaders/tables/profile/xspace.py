"""XSpace (.xplane.pb, written by TensorFlow and JAX) read into Rows: planes to devices, lines to lanes."""

from __future__ import annotations

import json
import re
from typing import Any

from google.protobuf.message import DecodeError

from loaders.proto import xplane_pb2
from loaders.tables.profile.events import Rows

_HOST = "/host:CPU"
_DEVICE_PLANE = re.compile(r"^/device:([A-Z]+):(\d+)")
_DERIVED_LINES = ("Steps", "XLA Modules", "XLA Ops", "Framework Ops", "Framework Name Scope", "Source code")
_RUNTIME = re.compile(r"^(cu[A-Z]\w*|cuda[A-Z]\w*|hip[A-Z]\w*)")
_DATALOADER = re.compile(r"IteratorGetNext|^Iterator::|tf_data")
_COMMUNICATION = re.compile(r"^nccl|all-reduce|all-gather|reduce-scatter|collective-permute|all-to-all", re.I)
_STEP_NAMES = re.compile(r"^(train|test|TraceContext)")
_KERNEL_DETAIL = re.compile(r"(\w+):([^\s]+)")
_HIDDEN_STATS = ("_pt", "_p", "_ct", "_c", "_src")


class XSpaceError(ValueError):
    """The file is not a readable XSpace."""


def read_xspace(path: str) -> Rows:
    """Read an XSpace file into Rows.

    Event start (ps) = line.timestamp_ns * 1000 + event.offset_ps; names and stat names come from
    each plane's own metadata maps; a ref_value stat is the name of the stat metadata it points
    at. /host:CPU lines are host threads; /device:GPU:N lines are streams. Pre-aggregated events
    (num_occurrences, no time) are skipped. Stats go to args; correlation_id to correlation.

    Args:
        path: the .xplane.pb file.

    Returns:
        The Rows; meta holds "devices" (plane name -> plane stats) and "hostnames".

    Raises:
        XSpaceError: the file does not decode as an XSpace (the message names the file).
        OSError: the file cannot be read.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    space = xplane_pb2.XSpace()
    try:
        space.ParseFromString(data)
    except DecodeError as error:
        raise XSpaceError(f"{path}: not a readable XSpace ({error}); is the file complete?") from error
    rows = Rows()
    rows.meta["source"] = "xspace"
    rows.meta["hostnames"] = list(space.hostnames)
    devices: dict[str, dict[str, Any]] = {}
    host_info: dict[str, Any] = {}
    for message in list(space.errors) + list(space.warnings):
        rows.problems.append(f"{path}: the profiler reported: {message}")
    for order, plane in enumerate(space.planes):
        stats = _stats(plane, plane.stats)
        device = _device_name(plane.name)
        if device is None:
            if plane.name.startswith("/host:metadata") or plane.name == "Task Environment":
                host_info.update(_jsonable(stats))
            continue
        devices[device] = _jsonable(stats)
        read_plane(plane, device, order, rows)
    rows.meta["devices"] = devices
    rows.meta["host_info"] = host_info
    if not any(name.startswith("/device:") for name in devices):
        rows.problems.append(f"{path}: no device plane (no GPU/TPU activity was captured); showing host activity only")
    return rows


def _device_name(plane: str) -> str | None:
    if plane == _HOST or plane.startswith("/host:CPU"):
        return _HOST
    match = _DEVICE_PLANE.match(plane)
    return f"/device:{match.group(1)}:{match.group(2)}" if match else None


def read_plane(plane: Any, device: str, order: int, rows: Rows) -> None:
    """Append the timed events of one plane to rows."""
    on_device = device != _HOST
    metadata = plane.event_metadata
    cached: dict[int, tuple[str, dict[str, Any]]] = {}
    for line in plane.lines:
        lane = f"{plane.name} / {line.display_name or line.name or line.id}"
        line_ps = line.timestamp_ns * 1000
        derived = line.name in _DERIVED_LINES
        for event in line.events:
            if event.WhichOneof("data") == "num_occurrences":
                continue
            info = cached.get(event.metadata_id)
            if info is None:
                meta = metadata.get(event.metadata_id)
                name = (meta.display_name or meta.name) if meta is not None else f"<event {event.metadata_id}>"
                info = (name, _stats(plane, meta.stats) if meta is not None else {})
                cached[event.metadata_id] = info
            name, shared = info
            stats = {**shared, **_stats(plane, event.stats)} if event.stats else dict(shared)
            kind = _kind(name, line.name, on_device, derived, stats)
            start_ps = line_ps + event.offset_ps
            _add(rows, device, lane, order, name, line.name, kind, start_ps, event.duration_ps, stats)


def _add(
    rows: Rows,
    device: str,
    lane: str,
    order: int,
    name: str,
    line: str,
    kind: str,
    start_ps: int,
    dur_ps: int,
    stats: dict[str, Any],
) -> None:
    correlation = stats.pop("correlation_id", -1)
    step = stats.get("step_num", stats.get("iter_num", -1)) if kind == "step" else -1
    details = stats.pop("kernel_details", None)
    if isinstance(details, str):
        stats.update(_kernel_details(details))
    shape = str(stats.pop("shape", "") or "")
    for key in _HIDDEN_STATS:
        stats.pop(key, None)
    rows.add(
        device,
        lane,
        order,
        name,
        line,
        kind,
        start_ps // 1000,
        dur_ps // 1000,
        step=int(step) if isinstance(step, int) else -1,
        correlation=int(correlation) if isinstance(correlation, int) else -1,
        shape=shape,
        args=json.dumps(_jsonable(stats), separators=(",", ":")) if stats else "{}",
    )


def _kind(name: str, line: str, on_device: bool, derived: bool, stats: dict[str, Any]) -> str:
    if on_device:
        if derived:
            return "step" if line == "Steps" else "annotation"
        if "Memcpy" in line or name.startswith("Memcpy"):
            return "memcpy"
        if "Memset" in line or name.startswith("Memset"):
            return "memset"
        return "communication" if _COMMUNICATION.search(name) else "kernel"
    if name in ("MemoryAllocation", "MemoryDeallocation"):
        return "memory"
    if "step_num" in stats and (stats.get("_r") == 1 or _STEP_NAMES.match(name)):
        return "step"
    if _RUNTIME.match(name) or ("correlation_id" in stats and "Launch" in name):
        return "runtime"
    if _DATALOADER.search(name) or _DATALOADER.search(line):
        return "dataloader"
    return "python" if name.startswith("$") else "op"


def _stats(plane: Any, stats: Any) -> dict[str, Any]:
    """Return {stat name: value} with ref_value resolved through the plane's stat metadata."""
    names = plane.stat_metadata
    found: dict[str, Any] = {}
    for stat in stats:
        meta = names.get(stat.metadata_id)
        key = meta.name if meta is not None and meta.name else f"stat_{stat.metadata_id}"
        which = stat.WhichOneof("value")
        if which is None:
            continue
        value = getattr(stat, which)
        if which == "ref_value":
            target = names.get(value)
            value = target.name if target is not None else f"<ref {value}>"
        found[key] = value
    return found


def _kernel_details(text: str) -> dict[str, Any]:
    """Parse XProf's "regs:168 static_shared:0 ... grid:1,2,3 block:128,1,1" into args."""
    out: dict[str, Any] = {}
    for key, value in _KERNEL_DETAIL.findall(text):
        if key in ("grid", "block"):
            out[key] = [int(part) for part in value.split(",") if part.lstrip("-").isdigit()]
        elif key == "regs":
            out["registers per thread"] = int(value) if value.isdigit() else value
        else:
            out[key] = int(value) if value.isdigit() else value
    return out


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: (f"<{len(value)} bytes>" if isinstance(value, bytes) else value) for key, value in stats.items()}
