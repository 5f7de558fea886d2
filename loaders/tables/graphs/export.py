"""Graph export: node and edge records as GraphML or JSON, for `export --kind graph` and the Graphs page."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

import pandas as pd

GRAPH_FORMATS = ("graphml", "json")
_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def graph_records(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, prefix: str = ""
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (node records, edge records) of a loaders.Graph's tables, ready for to_graphml / to_json.

    Node records are keyed "id": prefix + graph + ":" + name when a prefix is given or several graphs
    are present, else the name; edges name their ends the same way. Inputs become a JSON string,
    NaN statistics are left out.

    Args:
        nodes: Graph.nodes.
        edges: Graph.edges.
        prefix: prepended to every id (e.g. "run:" when several runs are exported together).

    Returns:
        The two lists.
    """
    qualify = bool(prefix) or nodes["graph"].nunique() > 1

    def key(graph: str, name: str) -> str:
        return f"{prefix}{graph}:{name}" if qualify else name

    node_records: list[dict[str, Any]] = []
    for row in nodes.to_dict("records"):
        record = {
            "id": key(row["graph"], row["name"]),
            **{str(k): v for k, v in row.items()},
            "inputs": json.dumps(list(row["inputs"])),
        }
        node_records.append({k: v for k, v in record.items() if not (isinstance(v, float) and math.isnan(v))})
    edge_records: list[dict[str, Any]] = [
        {
            **{str(k): v for k, v in row.items()},
            "source": key(row["graph"], row["source"]),
            "target": key(row["graph"], row["target"]),
        }
        for row in edges.to_dict("records")
    ]
    return node_records, edge_records


def to_json(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]) -> str:
    """Return {"nodes": [...], "edges": [...]} as JSON text."""
    return json.dumps({"nodes": list(map(dict, nodes)), "edges": list(map(dict, edges))}, default=str)


def to_graphml(nodes: Sequence[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]) -> str:
    """Return GraphML text (a directed graph); every other field becomes a typed <data> key.

    Args:
        nodes: records with "id" and any scalar fields (a "parent" field is kept as data).
        edges: records with "source" and "target" and any scalar fields.

    Returns:
        The GraphML document.
    """
    node_keys = _keys(nodes, {"id"})
    edge_keys = _keys(edges, {"id", "source", "target"})
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    ]
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, kind in keys.items():
            lines.append(
                f"  <key id={quoteattr(scope[0] + '_' + name)} for={quoteattr(scope)} "
                f"attr.name={quoteattr(name)} attr.type={quoteattr(kind)}/>"
            )
    lines.append('  <graph edgedefault="directed">')
    for node in nodes:
        lines.append(f"    <node id={quoteattr(str(node['id']))}>{_data('n', node, node_keys)}</node>")
    for number, edge in enumerate(edges):
        ends = f"source={quoteattr(str(edge['source']))} target={quoteattr(str(edge['target']))}"
        lines.append(f'    <edge id="e{number}" {ends}>{_data("e", edge, edge_keys)}</edge>')
    lines += ["  </graph>", "</graphml>", ""]
    return "\n".join(lines)


def _keys(records: Sequence[Mapping[str, Any]], skip: set[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for record in records:
        for name, value in record.items():
            if name not in skip and name not in keys:
                keys[name] = _GRAPHML_TYPES.get(type(value), "string")
    return keys


def _data(prefix: str, record: Mapping[str, Any], keys: Mapping[str, str]) -> str:
    parts = []
    for name in keys:
        if name in record and record[name] is not None:
            value = record[name]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"<data key={quoteattr(prefix + '_' + name)}>{_escape(text)}</data>")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
