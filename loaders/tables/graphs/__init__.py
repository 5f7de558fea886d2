"""Graphs of one run: op graphs, Keras conceptual graphs and RunMetadata step stats as node/edge tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd

from loaders.tables.graphs.graphdef import (
    EDGE_COLUMNS,
    NODE_COLUMNS,
    merged_graph_rows,
    meta_graph_graph_def,
    parse_graph_def,
    read_run_metadata,
    run_metadata_graphs,
    typed_edges,
    typed_nodes,
)
from loaders.tables.graphs.keras import KERAS_GRAPH, parse_keras_model
from loaders.tables.graphs.stats import STATS_COLUMNS, join_stats, node_stats

__all__ = [
    "Graph",
    "build_graph",
    "empty_graph",
    "parse_graph_def",
    "parse_keras_model",
    "node_stats",
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "STATS_COLUMNS",
    "RUN_GRAPH",
    "META_GRAPH",
    "KERAS_GRAPH",
]

T = TypeVar("T")
RUN_GRAPH = "__run_graph__"
META_GRAPH = "__meta_graph__"
STAT_COLUMNS = ["compute_us", "memory_bytes"]
ALL_NODE_COLUMNS = NODE_COLUMNS + STAT_COLUMNS
_KINDS = ("graph_def", "meta_graph_def", "run_metadata", "run_metadata_graph", "keras_model")


@dataclass(frozen=True)
class Graph:
    """Every graph of one run, as tables.

    Attributes:
        nodes: graph, name, op, device, inputs (list[str], as written), attrs (JSON str), scope,
            function, compute_us, memory_bytes (float; NaN without RunMetadata step stats).
        edges: graph, source, target, control (bool), output_index (int), shape (str, "" if unknown).
        graphs: the graph sources present, in this order: "__run_graph__", "__meta_graph__", the
            RunMetadata tags holding graphs (TF2 trace_export), the Keras tags ("keras").
        problems: one message per graph source that could not be read (the others are kept).
        stats: the step stats of every RunMetadata tag that has any: tag + STATS_COLUMNS (a page
            colours a graph by the tag the user picks; the nodes carry the newest tag's).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    graphs: list[str] = field(default_factory=list)
    problems: tuple[str, ...] = ()
    stats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["tag", *STATS_COLUMNS]))


def empty_graph() -> Graph:
    """Return a Graph with no nodes, no edges and the declared columns."""
    return Graph(
        _with_stats(typed_nodes(pd.DataFrame(columns=NODE_COLUMNS))),
        typed_edges(pd.DataFrame(columns=EDGE_COLUMNS)),
        [],
    )


def build_graph(rows: pd.DataFrame) -> Graph:
    """Build the graphs of ONE run from its "graphs" chunk rows.

    For each source the newest row (highest step, then last written) is used: the run graph
    (kind graph_def, graph "__run_graph__"), the MetaGraphDef's graph_def ("__meta_graph__"),
    each RunMetadata tag holding graphs (function graphs' pre-optimization graphs merged as
    TensorBoard does, else partition graphs; graph = the tag), each Keras model tag. Step stats
    of the newest "run_metadata" row with stats are joined by node name onto the run and meta
    graphs; a RunMetadata's own graphs get its own stats. A source that cannot be read is
    reported in Graph.problems and the rest is still built.

    Args:
        rows: columns tag, step, wall_time, kind, data (others such as run, _offset ignored).

    Returns:
        The Graph (empty tables when rows is empty).

    Raises:
        ValueError: rows lacks a needed column, or every graph source present failed to parse
            (the message names each source and what failed).
    """
    missing = {"tag", "step", "kind", "data"} - set(rows.columns)
    if missing:
        raise ValueError(
            f"build_graph: rows lack the column(s) {sorted(missing)}; "
            f"pass the 'graphs' chunk rows (tag, step, wall_time, kind, data)"
        )
    if rows.empty:
        return empty_graph()
    newest = _newest_per_source(rows)
    parts: list[tuple[str, pd.DataFrame, pd.DataFrame]] = []
    problems: list[str] = []
    stats = _latest_stats(newest, problems)
    for kind, tag, data in newest:
        builder = _BUILDERS.get(kind)  # kinds this module does not know are left alone
        part = _try(partial(builder, tag, data, stats), problems) if builder else None
        if part is not None:
            parts.append(part)
    problems = list(dict.fromkeys(problems))  # a bad RunMetadata is read twice (stats, graph)
    if problems and not parts:
        raise ValueError("; ".join(problems))
    graph = _assemble(parts, problems)
    return replace(graph, stats=_all_stats(newest))


def _newest_per_source(rows: pd.DataFrame) -> list[tuple[str, str, bytes]]:
    """Return (kind, tag, data) of the newest row per (kind, tag), in a stable source order."""
    ordered = rows.assign(_order=np.arange(len(rows))).sort_values(["step", "_order"], kind="stable")
    last = ordered.groupby(["kind", "tag"], sort=False).tail(1)
    rank = last["kind"].map({kind: i for i, kind in enumerate(_KINDS)}).fillna(len(_KINDS))
    last = last.assign(_rank=rank).sort_values(["_rank", "_order"], kind="stable")
    return list(zip(last["kind"].astype(str), last["tag"].astype(str), last["data"]))


def _latest_stats(newest: list[tuple[str, str, bytes]], problems: list[str]) -> pd.DataFrame:
    """Return the step stats of the newest run_metadata row that has any (empty if none)."""
    found = pd.DataFrame(columns=STATS_COLUMNS)
    for kind, tag, data in newest:
        if kind == "run_metadata":
            stats = _try(partial(node_stats, data, source=tag), problems)
            if stats is not None and not stats.empty:
                found = stats
    return found


def _all_stats(newest: list[tuple[str, str, bytes]]) -> pd.DataFrame:
    """Return the step stats of every run_metadata tag that has any, with a tag column (bad ones skipped)."""
    frames = []
    for kind, tag, data in newest:
        if kind == "run_metadata":
            stats = _try(partial(node_stats, data, source=tag), [])
            if stats is not None and not stats.empty:
                frames.append(stats.assign(tag=tag))
    if not frames:
        return pd.DataFrame(columns=["tag", *STATS_COLUMNS])
    return pd.concat(frames, ignore_index=True)[["tag", *STATS_COLUMNS]]


def _try(action: Callable[[], T], problems: list[str]) -> T | None:
    """Return action(), or None with its ValueError's message added to problems."""
    try:
        return action()
    except ValueError as exc:
        problems.append(str(exc))
        return None


def _from_graph_def(tag: str, data: bytes, stats: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    nodes, edges = parse_graph_def(data, graph=RUN_GRAPH)
    return RUN_GRAPH, join_stats(_with_stats(nodes), stats), edges


def _from_meta_graph(tag: str, data: bytes, stats: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    nodes, edges = parse_graph_def(meta_graph_graph_def(data, META_GRAPH), graph=META_GRAPH)
    return META_GRAPH, join_stats(_with_stats(nodes), stats), edges


def _from_run_metadata(tag: str, data: bytes, stats: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame] | None:
    message = read_run_metadata(data, tag)
    graphs = run_metadata_graphs(message)
    if not graphs:  # step stats only (PyTorch, TF1 tagged_run_metadata): joined elsewhere
        return None
    nodes, edges = merged_graph_rows(graphs, tag).frames()
    return tag, join_stats(_with_stats(nodes), node_stats(message, source=tag)), edges


def _from_keras(tag: str, data: bytes, stats: pd.DataFrame) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    graph = tag or KERAS_GRAPH
    nodes, edges = parse_keras_model(bytes(data), graph=graph)
    return graph, _with_stats(nodes), edges


_Part = tuple[str, pd.DataFrame, pd.DataFrame]
_BUILDERS: dict[str, Callable[[str, bytes, pd.DataFrame], _Part | None]] = {
    "graph_def": _from_graph_def,
    "meta_graph_def": _from_meta_graph,
    "run_metadata": _from_run_metadata,
    "run_metadata_graph": _from_run_metadata,
    "keras_model": _from_keras,
}


def _with_stats(nodes: pd.DataFrame) -> pd.DataFrame:
    return nodes.assign(compute_us=np.nan, memory_bytes=np.nan).astype(
        {"compute_us": "float64", "memory_bytes": "float64"}
    )


def _assemble(parts: list[tuple[str, pd.DataFrame, pd.DataFrame]], problems: list[str]) -> Graph:
    if not parts:
        return Graph(empty_graph().nodes, empty_graph().edges, [], tuple(problems))
    nodes = pd.concat([part[1] for part in parts], ignore_index=True)
    edges = pd.concat([part[2] for part in parts], ignore_index=True)
    return Graph(nodes[ALL_NODE_COLUMNS], typed_edges(edges), [part[0] for part in parts], tuple(problems))
