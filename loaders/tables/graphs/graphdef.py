"""GraphDef → node and edge tables: ops, devices, readable attrs, function bodies and shaped edges."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from google.protobuf.message import DecodeError

from loaders.proto import graph_pb2, run_metadata_pb2
from loaders.tables.graphs.attrs import render_attr_safe, render_attrs, shape_text

NODE_COLUMNS = ["graph", "name", "op", "device", "inputs", "attrs", "scope", "function"]
EDGE_COLUMNS = ["graph", "source", "target", "control", "output_index", "shape"]
_META_GRAPH_DEF_FIELD = 2  # MetaGraphDef.graph_def
MISSING_OP = ""  # op of a node named by an input but absent from the graph


@dataclass
class GraphRows:
    """Node and edge rows collected for one graph source, turned into frames at the end.

    Attributes:
        graph: the graph source name (the `graph` column).
        nodes: node rows in NODE_COLUMNS order (without `graph`).
        edges: (source, target, control, output_index, function) per input.
        shapes: node name -> output shapes from its "_output_shapes" attribute.
    """

    graph: str
    nodes: list[tuple[object, ...]] = field(default_factory=list)
    edges: list[tuple[str, str, bool, int, str]] = field(default_factory=list)
    shapes: dict[str, list[str]] = field(default_factory=dict)

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (nodes, edges); every edge source missing from the nodes is added as a node."""
        self._add_missing_sources()
        columns = list(zip(*self.nodes)) if self.nodes else [()] * (len(NODE_COLUMNS) - 1)
        nodes = pd.DataFrame(
            {"graph": [self.graph] * len(self.nodes), **dict(zip(NODE_COLUMNS[1:], map(list, columns)))},
            columns=NODE_COLUMNS,
        )
        edges = pd.DataFrame(
            {
                "graph": [self.graph] * len(self.edges),
                "source": [edge[0] for edge in self.edges],
                "target": [edge[1] for edge in self.edges],
                "control": [edge[2] for edge in self.edges],
                "output_index": [edge[3] for edge in self.edges],
                "shape": [self._shape(src, index, control) for src, _, control, index, _ in self.edges],
            },
            columns=EDGE_COLUMNS,
        )
        return typed_nodes(nodes), typed_edges(edges)

    def _shape(self, source: str, index: int, control: bool) -> str:
        shapes = self.shapes.get(source, [])
        return shapes[index] if not control and 0 <= index < len(shapes) else ""

    def _add_missing_sources(self) -> None:
        known = {row[0] for row in self.nodes}
        for source, _, _, _, function in self.edges:
            if source not in known:
                known.add(source)
                self.nodes.append((source, MISSING_OP, "", [], "{}", scope_of(source), function))


def typed_nodes(nodes: pd.DataFrame) -> pd.DataFrame:
    """Return nodes with the declared dtypes (str columns, inputs as lists), also when empty."""
    nodes = nodes.reindex(columns=NODE_COLUMNS)
    for name in NODE_COLUMNS:
        if name != "inputs":
            nodes[name] = nodes[name].astype("str")
    return nodes


def typed_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Return edges with the declared dtypes (str, bool control, int64 output_index)."""
    edges = edges.reindex(columns=EDGE_COLUMNS)
    return edges.astype(
        {"graph": "str", "source": "str", "target": "str", "control": "bool", "output_index": "int64", "shape": "str"}
    )


def scope_of(name: str) -> str:
    """Return the name scope of a node: its name up to the last "/" ("" if none)."""
    return name.rpartition("/")[0]


def split_input(spec: str, *, in_function: bool = False) -> tuple[str, int, bool]:
    """Parse one NodeDef input into (source node, output index, control).

    Args:
        spec: "x", "x:2", "^x", or inside a function body "x:output:0" or an argument name.
        in_function: parse the function-body form (node:arg:index).

    Returns:
        The source node name (unprefixed), the output index and whether it is a control input.
    """
    control = spec.startswith("^")
    name = spec[1:] if control else spec
    if in_function:
        parts = name.split(":")
        index = int(parts[-1]) if len(parts) > 2 and parts[-1].isdigit() else 0
        return parts[0], index, control
    base, sep, suffix = name.rpartition(":")
    if sep and suffix.isdigit():
        return base, int(suffix), control
    return name, 0, control


def output_shapes(node: graph_pb2.NodeDef) -> list[str]:
    """Return the shapes in a node's "_output_shapes" attribute, as text ([] if absent)."""
    if "_output_shapes" not in node.attr:
        return []
    return [shape_text(shape) for shape in node.attr["_output_shapes"].list.shape]


def add_graph_def(rows: GraphRows, graph_def: graph_pb2.GraphDef, prefix: str = "") -> None:
    """Add a GraphDef's nodes, function library and edges to rows.

    Args:
        rows: where to collect.
        graph_def: the graph.
        prefix: prepended to every node name ("graph_1/") and function name ("graph_1_")
            when several graphs are merged, as TensorBoard does for trace_export graphs.
    """
    for node in graph_def.node:
        inputs = [_prefixed_input(prefix, spec) for spec in node.input]
        _add_node(rows, node, prefix + node.name, inputs, function="", in_function=False)
    for function in graph_def.library.function:
        fn_prefix = prefix.rstrip("/") + "_" if prefix else ""
        _add_function(rows, function, fn_prefix + function.signature.name)


def _prefixed_input(prefix: str, spec: str) -> str:
    if not prefix:
        return spec
    return "^" + prefix + spec[1:] if spec.startswith("^") else prefix + spec


def _add_node(
    rows: GraphRows, node: graph_pb2.NodeDef, name: str, inputs: list[str], *, function: str, in_function: bool
) -> None:
    """Add one node and an edge per input; inputs are the specs as written (maybe prefixed)."""
    rows.nodes.append((name, node.op, node.device, list(node.input), render_attrs(node.attr), scope_of(name), function))
    shapes = output_shapes(node)
    if shapes:
        rows.shapes[name] = shapes
    scope = function + "/" if function else ""
    for spec in inputs:
        source, index, control = split_input(spec, in_function=in_function)
        rows.edges.append((scope + source, name, control, index, function))


def _add_function(rows: GraphRows, function: graph_pb2.FunctionDef, fn_name: str) -> None:
    """Add a function body: its arguments ("_Arg"), nodes and results ("_Retval"), all under fn_name/."""
    for arg in function.signature.input_arg:
        attrs = json.dumps({"type": _arg_type(arg)})
        rows.nodes.append((f"{fn_name}/{arg.name}", "_Arg", "", [], attrs, fn_name, fn_name))
    for node in function.node_def:
        _add_node(rows, node, f"{fn_name}/{node.name}", list(node.input), function=fn_name, in_function=True)
    taken = {f"{fn_name}/{node.name}" for node in function.node_def}
    for arg in function.signature.output_arg:
        name = f"{fn_name}/{arg.name}"
        if arg.name not in function.ret or name in taken:
            continue
        attrs = json.dumps({"type": _arg_type(arg)})
        rows.nodes.append((name, "_Retval", "", [function.ret[arg.name]], attrs, fn_name, fn_name))
        source, index, control = split_input(function.ret[arg.name], in_function=True)
        rows.edges.append((f"{fn_name}/{source}", name, control, index, fn_name))


def _arg_type(arg: graph_pb2.OpDef.ArgDef) -> object:
    if arg.type:
        value = graph_pb2.AttrValue(type=arg.type)
        return render_attr_safe(value)
    return arg.type_attr or arg.type_list_attr or None


def read_graph_def(data: bytes, source: str) -> graph_pb2.GraphDef:
    """Parse serialized GraphDef bytes.

    Args:
        data: the bytes.
        source: the graph source, named in the error.

    Returns:
        The GraphDef.

    Raises:
        ValueError: the bytes are not a GraphDef.
    """
    try:
        return graph_pb2.GraphDef.FromString(bytes(data))
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise ValueError(
            f"graph {source!r}: {len(data)} bytes are not a valid GraphDef ({exc}); "
            f"the writer may have been interrupted, write the graph again"
        ) from exc


def parse_graph_def(data: bytes, *, graph: str = "__run_graph__") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn a serialized GraphDef into node and edge tables.

    Nodes keep their inputs as written; edges resolve them: "^x" is a control edge from x,
    "x:2" an edge from output 2 of x, "x" from output 0. Edge shapes come from the source's
    "_output_shapes" attribute where the writer stored it (PyTorch, tensorboardX, some TF).
    Functions of the library become nodes named "<function>/<node>" with `function` set;
    their inputs ("x:output:0") map to "<function>/x", and their arguments and results become
    "_Arg" / "_Retval" nodes. An input naming a node that is not in the graph is kept: the
    missing node is added with op "" so that no edge is dropped.

    Args:
        data: the serialized GraphDef.
        graph: the graph source name (the `graph` column, and named in errors).

    Returns:
        (nodes, edges) with NODE_COLUMNS and EDGE_COLUMNS.

    Raises:
        ValueError: the bytes are not a GraphDef.
    """
    rows = GraphRows(graph)
    add_graph_def(rows, read_graph_def(data, graph))
    return rows.frames()


def meta_graph_graph_def(data: bytes, source: str = "__meta_graph__") -> bytes:
    """Return the graph_def field (2) of a serialized MetaGraphDef, read from the wire format.

    Args:
        data: the serialized MetaGraphDef.
        source: the graph source, named in the error.

    Returns:
        The serialized GraphDef (every occurrence concatenated, which protobuf merges).

    Raises:
        ValueError: the bytes are not a well-formed protobuf message.
    """
    try:
        return b"".join(_length_delimited(bytes(data), _META_GRAPH_DEF_FIELD))
    except (IndexError, ValueError) as exc:
        raise ValueError(f"graph {source!r}: {len(data)} bytes are not a valid MetaGraphDef ({exc})") from exc


def _length_delimited(data: bytes, number: int) -> Iterable[bytes]:
    """Yield the payloads of every length-delimited field `number` at the top level of data."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        wire_type = key & 7
        if wire_type == 0:
            _, pos = _varint(data, pos)
        elif wire_type in (1, 5):
            pos += 8 if wire_type == 1 else 4
        elif wire_type == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ValueError(f"field {key >> 3} runs past the end at byte {pos}")
            if key >> 3 == number:
                yield data[pos : pos + length]
            pos += length
        else:
            raise ValueError(f"unsupported wire type {wire_type} at byte {pos}")
    if pos != len(data):
        raise ValueError("the last field runs past the end")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError(f"varint too long at byte {pos}")


def read_run_metadata(data: bytes, source: str) -> run_metadata_pb2.RunMetadata:
    """Parse serialized RunMetadata bytes.

    Args:
        data: the bytes.
        source: the graph source (the RunMetadata's tag), named in the error.

    Returns:
        The RunMetadata.

    Raises:
        ValueError: the bytes are not a RunMetadata (names the source).
    """
    try:
        return run_metadata_pb2.RunMetadata.FromString(bytes(data))
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise ValueError(f"graph {source!r}: {len(data)} bytes are not a valid RunMetadata ({exc})") from exc


def run_metadata_graphs(run_metadata: run_metadata_pb2.RunMetadata) -> list[graph_pb2.GraphDef]:
    """Return the graphs a RunMetadata holds, as TensorBoard shows them.

    The pre-optimization graph of each function_graphs entry; without any, the partition
    graphs (of the function graphs, then of the RunMetadata itself).
    """
    graphs = [fg.pre_optimization_graph for fg in run_metadata.function_graphs if fg.HasField("pre_optimization_graph")]
    if graphs:
        return graphs
    partitions = [graph for fg in run_metadata.function_graphs for graph in fg.partition_graphs]
    return partitions + list(run_metadata.partition_graphs)


def merged_graph_rows(graphs: list[graph_pb2.GraphDef], source: str) -> GraphRows:
    """Collect several graphs as one, each under "graph_<i>/" when there is more than one (like TensorBoard)."""
    rows = GraphRows(source)
    for index, graph_def in enumerate(graphs, start=1):
        add_graph_def(rows, graph_def, prefix=f"graph_{index}/" if len(graphs) > 1 else "")
    return rows
