"""RunMetadata step statistics: per-node compute time and memory, and their join onto graph nodes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.proto import run_metadata_pb2
from loaders.tables.graphs.graphdef import read_run_metadata

STATS_COLUMNS = [
    "node_name",
    "device",
    "start_us",
    "compute_us",
    "memory_bytes",
    "peak_bytes",
    "thread_id",
    "timeline_label",
]


def node_stats(run_metadata: bytes | run_metadata_pb2.RunMetadata, *, source: str = "run_metadata") -> pd.DataFrame:
    """Return one row per NodeExecStats of a RunMetadata.

    compute_us is op_end_rel - op_start_rel (from the *_nanos fields / 1000 when the writer
    filled them, else the *_micros fields); memory_bytes is the sum of memory[].total_bytes,
    or of the memory_stats sizes when no allocator was recorded, NaN when neither is there.

    Args:
        run_metadata: the serialized RunMetadata (or the parsed message).
        source: the graph source, named in errors.

    Returns:
        A DataFrame with STATS_COLUMNS (empty when the RunMetadata holds no step stats).

    Raises:
        ValueError: the bytes are not a RunMetadata.
    """
    message = (
        run_metadata
        if isinstance(run_metadata, run_metadata_pb2.RunMetadata)
        else (read_run_metadata(run_metadata, source))
    )
    rows = [_stats_row(dev.device, stats) for dev in message.step_stats.dev_stats for stats in dev.node_stats]
    frame = pd.DataFrame(rows, columns=STATS_COLUMNS)
    return frame.astype(
        {
            "node_name": "str",
            "device": "str",
            "start_us": "float64",
            "compute_us": "float64",
            "memory_bytes": "float64",
            "peak_bytes": "float64",
            "thread_id": "int64",
            "timeline_label": "str",
        }
    )


def _stats_row(device: str, stats: run_metadata_pb2.NodeExecStats) -> tuple[object, ...]:
    if stats.op_start_rel_nanos or stats.op_end_rel_nanos:
        compute = (stats.op_end_rel_nanos - stats.op_start_rel_nanos) / 1000.0
    else:
        compute = float(stats.op_end_rel_micros - stats.op_start_rel_micros)
    start = stats.all_start_nanos / 1000.0 if stats.all_start_nanos else float(stats.all_start_micros)
    if len(stats.memory):
        memory = float(sum(m.total_bytes for m in stats.memory))
        peak = float(sum(m.peak_bytes for m in stats.memory))
    elif stats.HasField("memory_stats"):
        ms = stats.memory_stats
        memory = float(
            ms.temp_memory_size
            + ms.persistent_memory_size
            + ms.device_temp_memory_size
            + ms.device_persistent_memory_size
        )
        peak = np.nan
    else:
        memory = peak = np.nan
    return (stats.node_name, device, start, compute, memory, peak, stats.thread_id, stats.timeline_label)


def join_stats(nodes: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Return nodes with compute_us and memory_bytes filled from stats, matched by node name.

    A node seen several times (several devices or executions) gets the sums; nodes without
    stats keep NaN.

    Args:
        nodes: the node table of one graph source.
        stats: node_stats() output.

    Returns:
        A copy of nodes with the two columns set.
    """
    nodes = nodes.copy()
    if stats.empty or nodes.empty:
        return nodes
    totals = stats.groupby("node_name")[["compute_us", "memory_bytes"]].sum(min_count=1)
    nodes["compute_us"] = nodes["name"].map(totals["compute_us"]).astype("float64")
    nodes["memory_bytes"] = nodes["name"].map(totals["memory_bytes"]).astype("float64")
    return nodes
