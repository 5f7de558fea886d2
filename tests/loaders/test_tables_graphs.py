"""Graph tables: PyTorch/tensorboardX graphs, hand-made GraphDefs, RunMetadata stats and Keras configs."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders.proto import event_pb2, graph_pb2, run_metadata_pb2, tensor_pb2
from loaders.records import scan_records
from loaders.tables.graphs import (
    EDGE_COLUMNS,
    Graph,
    build_graph,
    node_stats,
    parse_graph_def,
    parse_keras_model,
)

ROW_COLUMNS = ["tag", "step", "wall_time", "kind", "data"]
TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
_GRAPH_PLUGINS = {"graph_run_metadata_graph": "run_metadata_graph", "graph_run_metadata": "run_metadata",
                  "graph_keras_model": "keras_model"}


def graph_rows(logdir: Path) -> pd.DataFrame:
    """Decode the graph events of every event file under logdir into "graphs" chunk rows."""
    rows = []
    for path in sorted(logdir.rglob("*tfevents*")):
        scan = scan_records(str(path))
        for i in range(len(scan)):
            event = event_pb2.Event.FromString(bytes(scan.payload(i)))
            if event.HasField("graph_def"):
                rows.append(("__run_graph__", event.step, event.wall_time, "graph_def", event.graph_def))
            elif event.HasField("tagged_run_metadata"):
                meta = event.tagged_run_metadata
                rows.append((meta.tag, event.step, event.wall_time, "run_metadata", meta.run_metadata))
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def tf2_graph_rows(run_dir: Path) -> pd.DataFrame:
    """Decode TF2 graph summaries (plugin metadata on a tag's first event only; blob in string_val)."""
    rows, plugins = [], {}
    for path in sorted(run_dir.glob("*tfevents*")):
        scan = scan_records(str(path))
        for i in range(len(scan)):
            event = event_pb2.Event.FromString(bytes(scan.payload(i)))
            for value in event.summary.value:
                plugins.setdefault(value.tag, value.metadata.plugin_data.plugin_name)
                kind = _GRAPH_PLUGINS.get(plugins[value.tag])
                if kind is not None:
                    rows.append((value.tag, event.step, event.wall_time, kind, value.tensor.string_val[0]))
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def make_rows(*rows: tuple[str, int, str, bytes]) -> pd.DataFrame:
    """Rows (tag, step, kind, data) as a chunk frame with a run and an _offset column, like the API's."""
    frame = pd.DataFrame([(tag, step, 1.0 + step, kind, data) for tag, step, kind, data in rows], columns=ROW_COLUMNS)
    return frame.assign(run="r", _offset=np.arange(len(frame)))


class _Net:
    """Linear -> ReLU -> Linear, built lazily so that torch is imported only by the tests using it."""

    @staticmethod
    def make() -> object:
        import torch

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.fc1 = torch.nn.Linear(4, 8)
                self.relu = torch.nn.ReLU()
                self.fc2 = torch.nn.Linear(8, 2)

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return self.fc2(self.relu(self.fc1(x)))

        return Net(), torch.zeros(3, 4)


@pytest.fixture(scope="module")
def torch_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from torch.utils.tensorboard import SummaryWriter

    logdir = tmp_path_factory.mktemp("torch_graph")
    model, example = _Net.make()
    with SummaryWriter(str(logdir)) as writer:
        writer.add_graph(model, example)
    return logdir


def _edge(graph: Graph, source: str, target: str) -> pd.Series:
    match = graph.edges[(graph.edges["source"] == source) & (graph.edges["target"] == target)]
    assert len(match) == 1, f"expected one edge {source} -> {target}, got {len(match)}"
    return match.iloc[0]


def _named(graph: Graph, op: str, scope: str) -> str:
    """The one node with this op in this scope (JIT value suffixes differ between torch versions)."""
    match = graph.nodes[(graph.nodes["op"] == op) & (graph.nodes["scope"] == scope)]
    assert len(match) == 1, f"expected one {op} node in {scope!r}, got {match['name'].tolist()}"
    return str(match["name"].iloc[0])


def test_build_graph_pytorch_linear_relu_has_ops_edges_and_shapes(torch_logdir: Path) -> None:
    graph = build_graph(graph_rows(torch_logdir).assign(run="."))
    assert graph.graphs == ["__run_graph__"]
    fc1, relu = _named(graph, "aten::linear", "Net/Linear[fc1]"), _named(graph, "aten::relu", "Net/ReLU[relu]")
    fc2 = _named(graph, "aten::linear", "Net/Linear[fc2]")
    source, sink = _named(graph, "IO Node", "input"), _named(graph, "IO Node", "output")
    nodes = graph.nodes.set_index("name")
    assert nodes.loc[fc1, "inputs"][0] == source and len(nodes.loc[fc1, "inputs"]) == 3  # x, weight, bias
    assert json.loads(nodes.loc[fc1, "attrs"])["_output_shapes"] == ["[3,8]"]
    assert _edge(graph, source, fc1)["shape"] == "[3,4]"
    assert _edge(graph, fc1, relu)["shape"] == "[3,8]"
    assert _edge(graph, relu, fc2)["shape"] == "[3,8]"
    assert _edge(graph, fc2, sink)["shape"] == "[3,2]"
    assert not graph.edges["control"].any() and (graph.edges["output_index"] == 0).all()


def test_build_graph_pytorch_missing_input_node_added_with_empty_op(torch_logdir: Path) -> None:
    graph = build_graph(graph_rows(torch_logdir))
    weight = _named(graph, "prim::GetAttr", "Net/Linear[fc1]/weight")
    module = graph.nodes.set_index("name").loc[weight, "inputs"][0]
    # PyTorch names the module object (".../weight/fc1") as an input but never defines it.
    assert graph.nodes.set_index("name").loc[module, "op"] == ""
    assert set(graph.edges["source"]) <= set(graph.nodes["name"])
    assert _edge(graph, module, weight)["shape"] == ""


def test_build_graph_pytorch_step1_without_node_stats_leaves_nan(torch_logdir: Path) -> None:
    rows = graph_rows(torch_logdir)
    assert rows["tag"].tolist() == ["__run_graph__", "step1"]
    graph = build_graph(rows)
    assert graph.nodes["compute_us"].isna().all() and graph.nodes["memory_bytes"].isna().all()
    assert graph.nodes["compute_us"].dtype == np.float64


def _stats(*entries: tuple[str, str, int, int, int]) -> bytes:
    """RunMetadata with one NodeExecStats per (device, node, op_start, op_end, bytes)."""
    metadata = run_metadata_pb2.RunMetadata()
    devices: dict[str, run_metadata_pb2.DeviceStepStats] = {}
    for device, node, start, end, size in entries:
        if device not in devices:
            devices[device] = metadata.step_stats.dev_stats.add(device=device)
        stats = devices[device].node_stats.add(node_name=node, op_start_rel_micros=start, op_end_rel_micros=end)
        stats.memory.add(allocator_name="cpu", total_bytes=size, peak_bytes=size)
    return metadata.SerializeToString()


def test_build_graph_tensorboardx_joins_newest_step_stats_by_node_name(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    model, example = _Net.make()
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(model, example)
    rows = graph_rows(tmp_path)
    assert rows["tag"].tolist() == ["__run_graph__", "profiler"]
    first = build_graph(rows)
    fc1, relu = _named(first, "aten::linear", "Net/Linear[fc1]"), _named(first, "aten::relu", "Net/ReLU[relu]")
    fc2 = _named(first, "aten::linear", "Net/Linear[fc2]")
    old = _stats(("/cpu:0", relu, 0, 999, 1))
    new = _stats(("/cpu:0", fc1, 10, 35, 96), ("/gpu:0", fc1, 0, 5, 32), ("/cpu:0", relu, 40, 42, 0))
    rows = pd.concat([rows, make_rows(("step10", 10, "run_metadata", old), ("step20", 20, "run_metadata", new))])
    nodes = build_graph(rows).nodes.set_index("name")
    assert nodes.loc[fc1, "compute_us"] == 30.0  # 25 on cpu + 5 on gpu
    assert nodes.loc[fc1, "memory_bytes"] == 128.0
    assert nodes.loc[relu, "compute_us"] == 2.0 and nodes.loc[relu, "memory_bytes"] == 0.0
    assert math.isnan(nodes.loc[fc2, "compute_us"])


def test_node_stats_prefers_nanos_and_falls_back_to_memory_stats() -> None:
    metadata = run_metadata_pb2.RunMetadata()
    device = metadata.step_stats.dev_stats.add(device="/device:GPU:0")
    device.node_stats.add(node_name="a", op_start_rel_micros=1, op_end_rel_micros=2,
                          op_start_rel_nanos=1000, op_end_rel_nanos=3500, all_start_micros=7, thread_id=3)
    plain = device.node_stats.add(node_name="b", op_start_rel_micros=4, op_end_rel_micros=10)
    plain.memory_stats.temp_memory_size = 100
    plain.memory_stats.persistent_memory_size = 28
    device.node_stats.add(node_name="c", op_end_rel_micros=1)
    stats = node_stats(metadata.SerializeToString()).set_index("node_name")
    assert stats.loc["a", "compute_us"] == 2.5
    assert stats.loc["a", "start_us"] == 7.0 and stats.loc["a", "thread_id"] == 3
    assert stats.loc["b", "compute_us"] == 6.0 and stats.loc["b", "memory_bytes"] == 128.0
    assert math.isnan(stats.loc["c", "memory_bytes"])
    assert (stats["device"] == "/device:GPU:0").all()


def test_node_stats_bad_bytes_raise_value_error_naming_source() -> None:
    with pytest.raises(ValueError, match="'step7'.*RunMetadata"):
        node_stats(b"\xff\xff\xff", source="step7")


def _node(name: str, op: str, *inputs: str, **attrs: graph_pb2.AttrValue) -> graph_pb2.NodeDef:
    node = graph_pb2.NodeDef(name=name, op=op, input=list(inputs))
    for key, value in attrs.items():
        node.attr[key].CopyFrom(value)
    return node


def _shapes(*dims: list[int]) -> graph_pb2.AttrValue:
    value = graph_pb2.AttrValue()
    for shape in dims:
        value.list.shape.add(dim=[tensor_pb2.TensorShapeProto.Dim(size=size) for size in shape])
    return value


def test_parse_graph_def_control_inputs_and_output_indices() -> None:
    graph_def = graph_pb2.GraphDef(node=[
        _node("split", "Split", _output_shapes=_shapes([2, 5], [3, 5])),
        _node("init", "NoOp"),
        _node("scope/use", "AddN", "split:1", "split", "^init", "ghost:0"),
    ])
    nodes, edges = parse_graph_def(graph_def.SerializeToString())
    edges = edges.set_index("source")
    assert list(edges.columns) == EDGE_COLUMNS[:1] + EDGE_COLUMNS[2:]
    both = edges.loc["split"].sort_values("output_index")
    assert both["output_index"].tolist() == [0, 1] and both["shape"].tolist() == ["[2,5]", "[3,5]"]
    assert bool(edges.loc["init", "control"]) and edges.loc["init", "shape"] == ""
    assert edges.loc["ghost", "output_index"] == 0
    nodes = nodes.set_index("name")
    assert nodes.loc["ghost", "op"] == "" and nodes.loc["ghost", "inputs"] == []
    assert nodes.loc["scope/use", "scope"] == "scope" and nodes.loc["split", "scope"] == ""
    assert nodes.loc["scope/use", "inputs"] == ["split:1", "split", "^init", "ghost:0"]
    assert (nodes["graph"] == "__run_graph__").all() and (edges["target"] == "scope/use").all()


def test_parse_graph_def_function_library_nodes_prefixed_and_linked() -> None:
    function = graph_pb2.FunctionDef()
    function.signature.name = "__inference_f_12"
    function.signature.input_arg.add(name="x", type=tensor_pb2.DT_FLOAT)
    function.signature.output_arg.add(name="identity", type_attr="T")
    function.node_def.extend([_node("mul", "Mul", "x", "x"), _node("Identity", "Identity", "mul:z:0", "^mul"),
                              _node("parts", "Unpack", "x"), _node("second", "Neg", "parts:output:1")])
    function.ret["identity"] = "Identity:output:0"
    call = graph_pb2.AttrValue()
    call.func.name = "__inference_f_12"
    graph_def = graph_pb2.GraphDef(node=[_node("x", "Placeholder"), _node("call", "PartitionedCall", "x", f=call)])
    graph_def.library.function.append(function)
    nodes, edges = parse_graph_def(graph_def.SerializeToString())
    nodes = nodes.set_index("name")
    fn = "__inference_f_12"
    assert nodes.loc[f"{fn}/mul", "function"] == fn and nodes.loc["call", "function"] == ""
    assert nodes.loc[f"{fn}/mul", "scope"] == fn
    assert nodes.loc[f"{fn}/x", "op"] == "_Arg" and json.loads(nodes.loc[f"{fn}/x", "attrs"]) == {"type": "float32"}
    assert nodes.loc[f"{fn}/identity", "op"] == "_Retval"
    assert json.loads(nodes.loc["call", "attrs"]) == {"f": {"func": fn}}
    pairs = set(zip(edges["source"], edges["target"], edges["control"]))
    assert {(f"{fn}/x", f"{fn}/mul", False), (f"{fn}/mul", f"{fn}/Identity", False),
            (f"{fn}/mul", f"{fn}/Identity", True), (f"{fn}/Identity", f"{fn}/identity", False),
            (f"{fn}/x", f"{fn}/parts", False), (f"{fn}/parts", f"{fn}/second", False), ("x", "call", False)} == pairs
    assert edges.set_index("target").loc[f"{fn}/second", "output_index"] == 1
    assert (nodes["op"] != "").all()  # every function input resolved to a real node


def _raw_attr_with_unknown_field() -> graph_pb2.AttrValue:
    # Field 99 (varint) is unknown to our AttrValue: no oneof member is set.
    return graph_pb2.AttrValue.FromString(bytes([99 << 3 & 0x7F | 0x80, 99 >> 4, 1]))


def test_parse_graph_def_renders_attrs_readably() -> None:
    attrs = {
        "dtype": graph_pb2.AttrValue(type=tensor_pb2.DT_FLOAT),
        "ref": graph_pb2.AttrValue(type=101),
        "future": graph_pb2.AttrValue(type=77),
        "shape": graph_pb2.AttrValue(shape=tensor_pb2.TensorShapeProto(dim=[{"size": -1}, {"size": 784}])),
        "unknown_rank": graph_pb2.AttrValue(shape=tensor_pb2.TensorShapeProto(unknown_rank=True)),
        "strides": graph_pb2.AttrValue(list=graph_pb2.AttrValue.ListValue(i=[1, 2, 2, 1])),
        "alpha": graph_pb2.AttrValue(f=float("nan")),
        "padding": graph_pb2.AttrValue(s=b"SAME"),
        "blob": graph_pb2.AttrValue(s=b"\xff\xfeok"),
        "flag": graph_pb2.AttrValue(b=True),
        "value": graph_pb2.AttrValue(tensor=tensor_pb2.TensorProto(
            dtype=tensor_pb2.DT_FLOAT, tensor_shape=tensor_pb2.TensorShapeProto(dim=[{"size": 12}]),
            tensor_content=np.arange(12, dtype=np.float32).tobytes())),
        "names": graph_pb2.AttrValue(tensor=tensor_pb2.TensorProto(dtype=tensor_pb2.DT_STRING,
                                                                   string_val=[b"a", b"b"])),
        "empty": graph_pb2.AttrValue(list=graph_pb2.AttrValue.ListValue()),
        "odd": _raw_attr_with_unknown_field(),
    }
    nodes, _ = parse_graph_def(graph_pb2.GraphDef(node=[_node("n", "Const", **attrs)]).SerializeToString())
    rendered = json.loads(nodes.loc[0, "attrs"])
    assert rendered["dtype"] == "float32" and rendered["ref"] == "float32_ref" and rendered["future"] == "dtype_77"
    assert rendered["shape"] == "[-1,784]" and rendered["unknown_rank"] == "<unknown>"
    assert rendered["strides"] == [1, 2, 2, 1] and rendered["alpha"] == "nan"
    assert rendered["padding"] == "SAME" and rendered["blob"] == "\\xff\\xfeok" and rendered["flag"] is True
    assert rendered["value"] == {"dtype": "float32", "shape": "[12]", "values": [float(i) for i in range(10)],
                                 "truncated": True}
    assert rendered["names"] == {"dtype": "string", "shape": "[]", "values": ["a", "b"]}
    assert rendered["empty"] == [] and rendered["odd"] is None
    assert list(rendered) == sorted(attrs)


def test_parse_graph_def_bad_bytes_raise_value_error_naming_graph() -> None:
    with pytest.raises(ValueError, match="graph '__run_graph__'.*not a valid GraphDef"):
        parse_graph_def(b"\x0a\xff\xff\xff\x0f")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_build_graph_meta_graph_def_reads_its_graph_def_field() -> None:
    graph_def = graph_pb2.GraphDef(node=[_node("a", "Const"), _node("b", "Identity", "a")]).SerializeToString()
    meta_info = b"\x0a\x03tag"  # MetaInfoDef with a string field: skipped
    meta = b"\x0a" + _varint(len(meta_info)) + meta_info + b"\x12" + _varint(len(graph_def)) + graph_def
    meta += b"\x28\x01" + b"\x31" + struct.pack("<d", 1.0)  # an unknown varint and a 64-bit field
    graph = build_graph(make_rows(("__meta_graph__", 0, "meta_graph_def", meta)))
    assert graph.graphs == ["__meta_graph__"]
    assert graph.nodes["name"].tolist() == ["a", "b"] and (graph.nodes["graph"] == "__meta_graph__").all()
    assert graph.edges[["source", "target"]].values.tolist() == [["a", "b"]]


def test_build_graph_bad_meta_graph_def_raises_value_error() -> None:
    with pytest.raises(ValueError, match="'__meta_graph__'.*MetaGraphDef"):
        build_graph(make_rows(("__meta_graph__", 0, "meta_graph_def", b"\x12\x40abc")))


def test_build_graph_run_metadata_graph_merges_function_graphs_under_prefixes() -> None:
    metadata = run_metadata_pb2.RunMetadata()
    for _ in range(2):
        function_graph = metadata.function_graphs.add()
        function_graph.pre_optimization_graph.node.extend([_node("x", "Placeholder"), _node("y", "Relu", "x", "^x")])
        function_graph.post_optimization_graph.node.append(_node("ignored", "NoOp"))
    graph = build_graph(make_rows(("trace", 3, "run_metadata_graph", metadata.SerializeToString())))
    assert graph.graphs == ["trace"]
    assert graph.nodes["name"].tolist() == ["graph_1/x", "graph_1/y", "graph_2/x", "graph_2/y"]
    assert graph.nodes.set_index("name").loc["graph_2/y", "scope"] == "graph_2"
    assert set(zip(graph.edges["source"], graph.edges["target"], graph.edges["control"])) == {
        ("graph_1/x", "graph_1/y", False), ("graph_1/x", "graph_1/y", True),
        ("graph_2/x", "graph_2/y", False), ("graph_2/x", "graph_2/y", True)}


def test_build_graph_run_metadata_falls_back_to_partition_graphs_with_own_stats() -> None:
    metadata = run_metadata_pb2.RunMetadata()
    metadata.partition_graphs.add().node.extend([_node("a", "Const"), _node("b", "Neg", "a")])
    metadata.step_stats.dev_stats.add(device="/cpu:0").node_stats.add(node_name="b", op_end_rel_micros=9)
    graph = build_graph(make_rows(("step5", 5, "run_metadata", metadata.SerializeToString())))
    assert graph.graphs == ["step5"]
    assert graph.nodes.set_index("name")["compute_us"].fillna(-1).to_dict() == {"a": -1.0, "b": 9.0}


def test_build_graph_uses_newest_row_per_source_and_orders_sources() -> None:
    old = graph_pb2.GraphDef(node=[_node("old", "Const")]).SerializeToString()
    new = graph_pb2.GraphDef(node=[_node("new", "Const")]).SerializeToString()
    keras = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 1}}]}})
    graph = build_graph(make_rows(("keras", 0, "keras_model", keras.encode()), ("__run_graph__", 7, "graph_def", new),
                                  ("__run_graph__", 2, "graph_def", old)))
    assert graph.graphs == ["__run_graph__", "keras"]
    assert graph.nodes["name"].tolist() == ["new", "d"]


def test_build_graph_keeps_readable_sources_when_one_is_bad() -> None:
    good = graph_pb2.GraphDef(node=[_node("a", "Const")]).SerializeToString()
    graph = build_graph(make_rows(("__run_graph__", 0, "graph_def", good), ("keras", 0, "keras_model", b"{not json")))
    assert graph.graphs == ["__run_graph__"] and graph.nodes["name"].tolist() == ["a"]
    assert len(graph.problems) == 1 and "graph 'keras'" in graph.problems[0] and "not valid JSON" in graph.problems[0]


def test_build_graph_every_source_bad_raises_value_error() -> None:
    with pytest.raises(ValueError, match="graph 'keras'.*not valid JSON"):
        build_graph(make_rows(("keras", 0, "keras_model", b"\xff")))


def test_build_graph_empty_rows_give_empty_tables_with_columns() -> None:
    graph = build_graph(pd.DataFrame(columns=ROW_COLUMNS))
    assert graph.graphs == [] and graph.nodes.empty and graph.edges.empty
    assert list(graph.nodes.columns) == ["graph", "name", "op", "device", "inputs", "attrs", "scope", "function",
                                         "compute_us", "memory_bytes"]
    assert list(graph.edges.columns) == EDGE_COLUMNS


def test_build_graph_missing_columns_raise_value_error() -> None:
    with pytest.raises(ValueError, match=r"\['data', 'kind'\]"):
        build_graph(pd.DataFrame({"tag": [], "step": []}))


# Keras configs, as model.to_json() writes them (shapes trimmed to what the parser reads).
KERAS2_SEQUENTIAL = {
    "class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
    "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 784], "dtype": "float32",
                                                "name": "dense_input"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 64, "activation": "relu"}},
        {"class_name": "Dropout", "config": {"name": "dropout", "rate": 0.2}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 10}},
    ]},
}

KERAS2_FUNCTIONAL = {
    "class_name": "Functional", "keras_version": "2.15.0", "backend": "tensorflow",
    "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 32], "name": "input_1"}},
            {"class_name": "Dense", "name": "dense", "config": {"name": "dense", "units": 8},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {"class_name": "Dense", "name": "dense_1", "config": {"name": "dense_1", "units": 8},
             "inbound_nodes": [[["input_1", 0, 0, {}]]]},
            {"class_name": "Add", "name": "add", "config": {"name": "add"},
             "inbound_nodes": [[["dense", 0, 0, {}], ["dense_1", 0, 0, {}]]]},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
}

KERAS3_SEQUENTIAL = {
    "module": "keras", "class_name": "Sequential", "registered_name": None,
    "config": {"name": "sequential", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "config": {"batch_shape": [None, 784], "dtype": "float32", "sparse": False, "name": "input_layer"}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "dense", "units": 64}, "build_config": {"input_shape": [None, 784]}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "dense_1", "units": 10}, "build_config": {"input_shape": [None, 64]}},
    ]},
    "build_config": {"input_shape": [None, 784]},
}


def _keras_tensor(layer: str, shape: list[int | None], tensor_index: int = 0) -> dict[str, object]:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, 0, tensor_index]}}


KERAS3_FUNCTIONAL = {
    "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
    "config": {
        "name": "functional", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "input_layer", "inbound_nodes": [],
             "config": {"batch_shape": [None, 784], "dtype": "float32", "name": "input_layer"}},
            {"module": "keras.layers", "class_name": "Dense", "name": "dense", "config": {"name": "dense", "units": 64},
             "inbound_nodes": [{"args": [_keras_tensor("input_layer", [None, 784])], "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "Dense", "name": "aux", "config": {"name": "aux", "units": 64},
             "inbound_nodes": [{"args": [_keras_tensor("input_layer", [None, 784])], "kwargs": {}}]},
            {"module": "keras.layers", "class_name": "Concatenate", "name": "concatenate",
             "config": {"name": "concatenate", "axis": -1},
             "inbound_nodes": [{"args": [[_keras_tensor("dense", [None, 64]), _keras_tensor("aux", [None, 64])]],
                                "kwargs": {"mask": None}}]},
            {"module": "keras.layers", "class_name": "Dense", "name": "out", "config": {"name": "out", "units": 10},
             "inbound_nodes": [{"args": [], "kwargs": {"inputs": _keras_tensor("concatenate", [None, 128])}}]},
        ],
        "input_layers": [["input_layer", 0, 0]],
        "output_layers": [["out", 0, 0]],
    },
}


def _pairs(edges: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(edges["source"], edges["target"]))


def test_parse_keras_model_keras2_sequential_chains_layers() -> None:
    nodes, edges = parse_keras_model(json.dumps(KERAS2_SEQUENTIAL))
    assert nodes["name"].tolist() == ["dense_input", "dense", "dropout", "dense_1"]
    assert nodes["op"].tolist() == ["InputLayer", "Dense", "Dropout", "Dense"]
    assert json.loads(nodes.loc[1, "attrs"]) == {"name": "dense", "units": 64, "activation": "relu"}
    assert (nodes["scope"] == "").all() and (nodes["graph"] == "keras").all()
    assert _pairs(edges) == [("dense_input", "dense"), ("dense", "dropout"), ("dropout", "dense_1")]


def test_parse_keras_model_keras2_functional_uses_inbound_nodes() -> None:
    nodes, edges = parse_keras_model(json.dumps(KERAS2_FUNCTIONAL))
    assert nodes["name"].tolist() == ["input_1", "dense", "dense_1", "add"]
    assert _pairs(edges) == [("input_1", "dense"), ("input_1", "dense_1"), ("dense", "add"), ("dense_1", "add")]
    assert nodes.set_index("name").loc["add", "inputs"] == ["dense", "dense_1"]


def test_parse_keras_model_keras3_sequential_chains_layers() -> None:
    nodes, edges = parse_keras_model(json.dumps(KERAS3_SEQUENTIAL).encode())
    assert nodes["op"].tolist() == ["InputLayer", "Dense", "Dense"]
    assert _pairs(edges) == [("input_layer", "dense"), ("dense", "dense_1")]


def test_parse_keras_model_keras3_functional_walks_nested_args_with_shapes() -> None:
    nodes, edges = parse_keras_model(json.dumps(KERAS3_FUNCTIONAL))
    assert nodes["name"].tolist() == ["input_layer", "dense", "aux", "concatenate", "out"]
    by_pair = edges.set_index(["source", "target"])["shape"].to_dict()
    assert by_pair == {("input_layer", "dense"): "[-1,784]", ("input_layer", "aux"): "[-1,784]",
                       ("dense", "concatenate"): "[-1,64]", ("aux", "concatenate"): "[-1,64]",
                       ("concatenate", "out"): "[-1,128]"}


def test_parse_keras_model_nested_model_layers_scoped_and_wired() -> None:
    inner = {"class_name": "Sequential", "name": "encoder", "inbound_nodes": [[["input_1", 0, 0, {}]]],
             "config": {"name": "encoder", "layers": [
                 {"class_name": "Dense", "config": {"name": "dense", "units": 4}},
                 {"class_name": "Dense", "config": {"name": "dense_1", "units": 2}}]}}
    model = {"class_name": "Functional", "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [], "config": {"name": "input_1"}},
            inner,
            {"class_name": "Dense", "name": "head", "config": {"name": "head"},
             "inbound_nodes": [[["encoder", 1, 0, {}]]]},
        ],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["head", 0, 0]]}}
    nodes, edges = parse_keras_model(json.dumps(model))
    assert nodes["name"].tolist() == ["input_1", "encoder/dense", "encoder/dense_1", "head"]
    assert nodes["scope"].tolist() == ["", "encoder", "encoder", ""]
    assert _pairs(edges) == [("input_1", "encoder/dense"), ("encoder/dense", "encoder/dense_1"),
                             ("encoder/dense_1", "head")]


def test_parse_keras_model_rejects_non_model_json() -> None:
    with pytest.raises(ValueError, match="graph 'keras'.*'config'"):
        parse_keras_model('{"layers": []}')


@pytest.fixture(scope="module")
def expected_graphs() -> dict[str, dict[str, object]]:
    return json.loads((TF2 / "expected.json").read_text())["graphs"]


def test_build_graph_tf2_trace_export_matches_tensorboard_merge(expected_graphs: dict[str, dict[str, object]]) -> None:
    expected = expected_graphs["tf_graph"]
    graph = build_graph(tf2_graph_rows(TF2 / "tf_graph"))
    assert graph.graphs == [expected["tag"]] and graph.problems == ()
    assert sorted(graph.nodes[["name", "op"]].values.tolist()) == sorted(expected["nodes"])
    assert sorted(set(zip(graph.edges["source"], graph.edges["target"]))) == sorted(map(tuple, expected["edges"]))
    matmul = graph.nodes.set_index("name").loc["graph_1/dense_matmul"]
    assert matmul["scope"] == "graph_1" and json.loads(matmul["attrs"])["T"] == "float32"


def test_build_graph_keras3_fixture_model_and_empty_batch_trace(expected_graphs: dict[str, dict[str, object]]) -> None:
    expected = expected_graphs["keras/train"]
    rows = tf2_graph_rows(TF2 / "keras" / "train")
    assert sorted(rows["kind"]) == ["keras_model", "run_metadata_graph"]  # batch_2: an empty RunMetadata
    graph = build_graph(rows)
    assert graph.graphs == [expected["tag"]] and graph.problems == ()
    assert graph.nodes[["name", "op"]].values.tolist() == expected["nodes"]
    assert _pairs(graph.edges) == list(map(tuple, expected["edges"]))
