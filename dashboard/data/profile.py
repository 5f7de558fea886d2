"""Profile queries: the captures, their tables, the overview numbers, and trace windows at pixel resolution."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.data.source import DataSource
from loaders.tables.profile import BREAKDOWN

PLUGIN = "profile"
CAPTURE_COLUMNS = ["run", "session", "host", "format", "path"]
MAX_LANE_DEPTH = 10  # deeper nesting is drawn on the track's last row
MAX_SEGMENTS = 20000
DEVICE_LABELS = {"/host:CPU": "Host"}


@dataclass(frozen=True)
class Capture:
    """Which capture the page shows (a key into Logdir.profiles()).

    Attributes:
        run: the run.
        session: the session.
        host: the host or worker.
    """

    run: str
    session: str
    host: str

    @property
    def key(self) -> str:
        """The selector's value: run, session and host joined by a tab."""
        return "\t".join((self.run, self.session, self.host))

    @classmethod
    def parse(cls, value: Any) -> Capture | None:
        """Return the capture a selector value names (None for anything else)."""
        parts = value.split("\t") if isinstance(value, str) else []
        return cls(*parts) if len(parts) == 3 else None


def captures(source: DataSource) -> list[Capture]:
    """Return every capture of the logdir, one per (run, session, host), sorted."""
    logdir = source.loader
    if logdir is None:
        return []
    frame = logdir.profiles()
    keys = sorted({(r, s, h) for r, s, h in zip(frame["run"], frame["session"], frame["host"])})
    return [Capture(*key) for key in keys]


def table(source: DataSource, capture: Capture, kind: str) -> pd.DataFrame:
    """Return one profile table of a capture (memoized per data version; read-only).

    Raises:
        ValueError: the capture or kind does not exist (the message says which exist).
    """
    logdir = source.loader
    if logdir is None:
        raise ValueError("no logdir is open")

    def build() -> pd.DataFrame:
        return logdir.profile_table(capture.run, kind, session=capture.session, host=capture.host)

    return source.memo(("profile", capture, kind), build)


@dataclass(frozen=True)
class Overview:
    """What the Overview tab shows.

    Attributes:
        steps: the steps table.
        breakdown: step, category, dur_ns (parts add up to each step).
        average: category -> mean ns per step.
        step_ns: mean step time (ns).
        gpu_util: share of step time with a kernel running (None without device activity).
        devices: device name -> facts (name, memory, compute capability, SMs).
        recommendations: plain-language advice, most important first.
        problems: what could not be read.
        source: "pytorch", "xspace" or "chrome".
    """

    steps: pd.DataFrame
    breakdown: pd.DataFrame
    average: dict[str, float]
    step_ns: float
    gpu_util: float | None
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    recommendations: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    source: str = ""


def overview(source: DataSource, capture: Capture) -> Overview:
    """Return the Overview numbers of a capture."""
    return source.memo(("profile-overview", capture), lambda: _overview(source, capture))


def _overview(source: DataSource, capture: Capture) -> Overview:
    steps = table(source, capture, "steps")
    parts = table(source, capture, "breakdown")
    events = table(source, capture, "events")
    meta = events.attrs.get("meta", {})
    average = {name: float(parts.loc[parts["category"] == name, "dur_ns"].mean() or 0.0) for name in BREAKDOWN}
    step_ns = float(steps["dur_ns"].mean()) if len(steps) else 0.0
    has_device = bool(events["device"].str.startswith("/device:").any())
    gpu_util = average["kernel"] / step_ns if has_device and step_ns > 0 else None
    kernels = table(source, capture, "kernels")
    return Overview(
        steps,
        parts,
        average,
        step_ns,
        gpu_util,
        _devices(meta),
        recommend(average, step_ns, has_device, kernels, _devices(meta)),
        list(events.attrs.get("problems", [])),
        str(meta.get("source", "")),
    )


def _devices(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for props in meta.get("deviceProperties", []) or []:
        out[f"GPU {props.get('id', len(out))}"] = {
            "name": props.get("name", "?"),
            "memory": props.get("totalGlobalMem"),
            "compute capability": f"{props.get('computeMajor', '?')}.{props.get('computeMinor', '?')}",
            "SMs": props.get("numSms"),
        }
    for device, props in (meta.get("devices") or {}).items():
        if device.startswith("/device:"):
            out[device.removeprefix("/device:")] = {
                "name": props.get("gpu_device_name", props.get("device_vendor", "?")),
                "memory": props.get("memory_size"),
                "compute capability": f"{props.get('compute_cap_major', '?')}.{props.get('compute_cap_minor', '?')}",
                "SMs": props.get("core_count"),
            }
    return out


def recommend(
    average: dict[str, float],
    step_ns: float,
    has_device: bool,
    kernels: pd.DataFrame,
    devices: dict[str, dict[str, Any]],
) -> list[str]:
    """Return plain-language advice from the average breakdown (most important first)."""
    if step_ns <= 0:
        return ["No step time could be measured in this capture."]
    share = {name: value / step_ns for name, value in average.items()}
    tips: list[tuple[float, str]] = []
    if share["dataloader"] > 0.05:
        tips.append(
            (
                1 + share["dataloader"],  # the root cause of the idle time it makes: first
                f"Input-bound: {share['dataloader']:.0%} of step time waits for data. Use more DataLoader "
                f"workers (num_workers), pin_memory=True, or prefetch the next batch.",
            )
        )
    if not has_device:
        tips.append(
            (
                0.5,
                "No GPU activity was captured. If the model runs on a GPU, profile with "
                "activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA] (PyTorch), or capture on the GPU host "
                "(JAX/TF).",
            )
        )
    elif share["kernel"] < 0.5:
        idle = 1 - share["kernel"] - share["memcpy"] - share["memset"] - share["communication"]
        causes = sorted(("runtime", "cpu_exec", "other"), key=lambda name: -share[name])
        tips.append(
            (
                idle,
                f"The GPU is idle {idle:.0%} of the step (kernels run {share['kernel']:.0%}); most of the rest is "
                f"{_label(causes[0])} ({share[causes[0]]:.0%}). Larger batches, fewer small ops "
                f"(torch.compile / jit), or CUDA graphs keep the GPU busier.",
            )
        )
    else:
        tips.append((share["kernel"], f"Compute-bound: GPU kernels run {share['kernel']:.0%} of the step time."))
    if share["memcpy"] > 0.1:
        tips.append(
            (
                share["memcpy"],
                f"Copies between host and device take {share['memcpy']:.0%} of the step: keep tensors on the "
                f"device, use pinned memory and non_blocking copies.",
            )
        )
    if share["communication"] > 0.1:
        tips.append((share["communication"], f"Communication takes {share['communication']:.0%} of the step."))
    capable = any(
        str(info.get("compute capability", "0"))[:1].isdigit()
        and int(str(info["compute capability"]).split(".")[0]) >= 7
        for info in devices.values()
    )
    if has_device and capable and not kernels.empty and not kernels["tensor_cores"].any():
        tips.append(
            (0.2, "No kernel used Tensor Cores: mixed precision (torch.autocast / bfloat16) can speed up matmuls.")
        )
    return [text for _, text in sorted(tips, key=lambda tip: -tip[0])]


def _label(category: str) -> str:
    return {"cpu_exec": "CPU execution", "runtime": "CUDA runtime calls", "other": "time with nothing recorded"}.get(
        category, category
    )


@dataclass(frozen=True)
class Lanes:
    """The trace viewer's rows: each event's row, and each track's first row and label.

    Attributes:
        row: the drawing row of every event (by position in the events table).
        tracks: track, first_row, rows, label, device (in drawing order).
        rows: the number of rows.
        span_ns: the capture's end (ns).
    """

    row: np.ndarray
    tracks: pd.DataFrame
    rows: int
    span_ns: int


def lanes(source: DataSource, capture: Capture) -> Lanes:
    """Return the lane layout of a capture: tracks in order, one row per nesting depth (capped)."""

    def build() -> Lanes:
        events = table(source, capture, "events")
        drawable = ~events["kind"].isin(("counter", "memory", "instant")).to_numpy()
        depth = np.minimum(events["depth"].to_numpy(), MAX_LANE_DEPTH)
        frame = pd.DataFrame({"track": events["track"], "order": events["track_order"], "depth": depth})[drawable]
        per_track = frame.groupby("track", sort=False).agg(order=("order", "first"), depth=("depth", "max"))
        per_track = per_track.sort_values("order", kind="stable")
        per_track["rows"] = per_track["depth"] + 1
        per_track["first_row"] = per_track["rows"].cumsum() - per_track["rows"]
        first = events["track"].map(per_track["first_row"]).fillna(-1).to_numpy(dtype=np.int64)
        row = np.where(drawable & (first >= 0), first + depth, -1)
        tracks = per_track.reset_index()[["track", "first_row", "rows"]]
        end = int((events["start_ns"] + events["dur_ns"]).max()) if len(events) else 0
        return Lanes(row, tracks, int(per_track["rows"].sum()), end)

    return source.memo(("profile-lanes", capture), build)


def trace_window(
    source: DataSource, capture: Capture, start_ns: float, end_ns: float, pixels: int = 1200, search: str = ""
) -> pd.DataFrame:
    """Return what to draw for a time window: events at least a pixel wide, the rest merged per pixel.

    The window's resolution is (end - start) / pixels. An event shorter than that is merged with
    the other short events of its row in the same pixel bucket into one segment named "N events"
    (so busy stretches stay visible); at most MAX_SEGMENTS segments come back, longest first.

    Args:
        source: the data source.
        capture: the capture.
        start_ns: window start (ns from the capture start).
        end_ns: window end.
        pixels: the plot's width in pixels.
        search: keep only events whose name contains this (case-insensitive); "" keeps all.

    Returns:
        Columns row (event row, -1 for merged), lane, start_ns, end_ns, name, kind, count.
    """
    events = table(source, capture, "events")
    layout = lanes(source, capture)
    start = events["start_ns"].to_numpy()
    end = start + events["dur_ns"].to_numpy()
    lo, hi = float(min(start_ns, end_ns)), float(max(start_ns, end_ns))
    resolution = max((hi - lo) / max(int(pixels), 100), 1.0)
    mask = (layout.row >= 0) & (end >= lo) & (start <= hi)
    if search:
        mask &= events["name"].str.contains(search, case=False, regex=False).to_numpy()
    index = np.flatnonzero(mask)
    wide = index[(end[index] - start[index]) >= resolution]
    narrow = index[(end[index] - start[index]) < resolution]
    kept = pd.DataFrame(
        {
            "row": wide,
            "lane": layout.row[wide],
            "start_ns": start[wide],
            "end_ns": end[wide],
            "name": events["name"].to_numpy()[wide],
            "kind": events["kind"].to_numpy()[wide],
            "count": 1,
        }
    )
    merged = _merge_narrow(narrow, layout.row, start, end, events["kind"].to_numpy(), lo, resolution)
    out = pd.concat([kept, merged], ignore_index=True)
    if len(out) > MAX_SEGMENTS:
        out = out.assign(_d=out["end_ns"] - out["start_ns"]).nlargest(MAX_SEGMENTS, "_d").drop(columns="_d")
    return out.reset_index(drop=True)


def _merge_narrow(
    index: np.ndarray, row: np.ndarray, start: np.ndarray, end: np.ndarray, kind: np.ndarray, lo: float, res: float
) -> pd.DataFrame:
    if not len(index):
        return pd.DataFrame(columns=["row", "lane", "start_ns", "end_ns", "name", "kind", "count"])
    frame = pd.DataFrame(
        {"lane": row[index], "bucket": ((start[index] - lo) // res).astype(np.int64), "start_ns": start[index]}
    )
    frame["end_ns"] = end[index]
    frame["kind"] = kind[index]
    grouped = frame.groupby(["lane", "bucket"], sort=False).agg(
        start_ns=("start_ns", "min"), end_ns=("end_ns", "max"), kind=("kind", "first"), count=("kind", "size")
    )
    grouped = grouped.reset_index()
    grouped["end_ns"] = np.maximum(grouped["end_ns"], grouped["start_ns"] + res)  # at least a pixel wide
    grouped["name"] = grouped["count"].map(lambda n: f"{n} events" if n > 1 else "1 event")
    grouped["row"] = -1
    return grouped[["row", "lane", "start_ns", "end_ns", "name", "kind", "count"]]


def event_details(source: DataSource, capture: Capture, row: Any) -> dict[str, Any] | None:
    """Return one event's details: fields, args, its launching op and the device work it launched.

    Returns:
        A dict (None when row is not an event row of the capture).
    """
    events = table(source, capture, "events")
    if not isinstance(row, int) or isinstance(row, bool) or not 0 <= row < len(events):
        return None
    event = events.iloc[row]
    same = events[(events["correlation"] == event["correlation"]) & (events.index != row)]
    linked = same if event["correlation"] >= 0 else same.iloc[:0]
    parent = int(event["parent"])
    return {
        "name": str(event["name"]),
        "kind": str(event["kind"]),
        "track": str(event["track"]),
        "start_us": float(event["start_ns"]) / 1000,
        "dur_us": float(event["dur_ns"]) / 1000,
        "step": int(event["step"]),
        "parent": str(events.at[parent, "name"]) if parent >= 0 else "",
        "shape": str(event["shape"]),
        "args": json.loads(event["args"] or "{}"),
        "linked": [
            f"{kind}: {name} ({dur / 1000:.1f} µs)"
            for kind, name, dur in zip(linked["kind"], linked["name"], linked["dur_ns"])
        ][:20],
    }
