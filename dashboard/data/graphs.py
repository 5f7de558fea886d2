"""Graph queries for the Graphs page: runs with graphs, what each run offers, and the memoized GraphModel."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import loaders
from dashboard.data.source import DataSource
from dashboard.sorting import natural_sorted
from loaders.tables.graphs import KERAS_GRAPH, META_GRAPH, RUN_GRAPH
from loaders.tables.graphs.export import graph_records, to_graphml, to_json
from loaders.tables.graphs.stats import join_stats

PLUGINS = ("graphs", "graph_keras_model", "graph_run_metadata_graph", "graph_run_metadata")
__all__ = ["PLUGINS", "GraphChoice", "graph_runs", "run_choices", "graph_tables", "export_text", "graph_label"]


@dataclass(frozen=True)
class GraphChoice:
    """What one run offers: its graph sources, function bodies per source, and RunMetadata tags with step stats."""

    graphs: list[str]
    functions: dict[str, list[str]]
    stats_tags: list[str]
    problems: tuple[str, ...] = ()


def graph_runs(source: DataSource) -> list[str]:
    """Return the runs that logged a graph (a GraphDef, MetaGraphDef, RunMetadata or Keras model), in run order."""
    tags = source.tags()
    runs = set(tags.loc[tags["plugin"].isin(PLUGINS), "run"].astype(str))
    return [run for run in source.runs() if run in runs]


def _graph(source: DataSource, run: str) -> loaders.Graph:
    logdir = source.loader
    if logdir is None or run not in source.runs():
        from loaders.tables.graphs import empty_graph

        return empty_graph()
    return source.memo(("graph", run), lambda: logdir.graph(run))


def run_choices(source: DataSource, run: str) -> GraphChoice:
    """Return what a run offers (empty lists for a run without graphs or unknown)."""
    graph = _graph(source, run)
    nodes = graph.nodes
    functions = {
        name: natural_sorted(set(nodes.loc[(nodes["graph"] == name) & (nodes["function"] != ""), "function"]))
        for name in graph.graphs
    }
    tags = natural_sorted(set(graph.stats["tag"].astype(str))) if len(graph.stats) else []
    return GraphChoice(list(graph.graphs), functions, tags, graph.problems)


def graph_label(name: str) -> str:
    """Return how the picker names a graph source."""
    return {
        RUN_GRAPH: "Op graph (GraphDef)",
        META_GRAPH: "Op graph (MetaGraphDef)",
        KERAS_GRAPH: "Keras conceptual graph",
    }.get(name, f"Op graph: {name}")


def _subset(graph: loaders.Graph, name: str, function: str, stats_tag: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = graph.nodes[(graph.nodes["graph"] == name) & (graph.nodes["function"] == function)]
    edges = graph.edges[graph.edges["graph"] == name]
    if stats_tag:
        stats = graph.stats[graph.stats["tag"] == stats_tag].drop(columns="tag")
        nodes = join_stats(nodes, stats)
    return nodes, edges


def graph_tables(
    source: DataSource, run: str, name: str, *, function: str = "", stats_tag: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Return the nodes and edges of one graph (or one function body of it), None when there is no such graph.

    Args:
        source: the app's data.
        run: the run.
        name: a graph source of the run (GraphChoice.graphs).
        function: "" for the graph itself (function bodies left out), else a function of its library.
        stats_tag: a RunMetadata tag whose step stats fill compute_us and memory_bytes ("" keeps the newest tag's).

    Returns:
        (nodes, edges) as in loaders.Graph, or None (unknown run, graph or function).
    """
    graph = _graph(source, run)
    if name not in graph.graphs:
        return None
    nodes, edges = _subset(graph, name, function, stats_tag)
    return None if nodes.empty else (nodes, edges)


def export_text(nodes: list[dict], edges: list[dict], fmt: str) -> str:
    """Return element records as GraphML ("graphml") or JSON (anything else)."""
    return to_graphml(nodes, edges) if fmt == "graphml" else to_json(nodes, edges)


def full_export(source: DataSource, run: str, fmt: str) -> str:
    """Return every graph of a run (all nodes and edges) as GraphML or JSON."""
    graph = _graph(source, run)
    nodes, edges = graph_records(graph.nodes, graph.edges)
    return export_text(nodes, edges, fmt)
