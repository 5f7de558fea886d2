"""Tests of the graph hierarchy (scopes, series, auxiliary boxes) and the element set of an expansion state."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import graph_elements as ge
from dashboard.figures.graph_hierarchy import build_model, shape_size


def frames(
    spec: list[tuple[str, str, list[str]]], *, shapes: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (nodes, edges) for (name, op, inputs) rows; "^x" is a control input."""
    nodes = pd.DataFrame(
        [
            {"graph": "g", "name": name, "op": op, "device": "/cpu:0" if "a" in name else "/gpu:0", "inputs": inputs,
             "attrs": json.dumps({"T": "float32"}), "scope": name.rpartition("/")[0], "function": "",
             "compute_us": float(len(name)), "memory_bytes": np.nan}
            for name, op, inputs in spec
        ]
    )  # fmt: skip
    edges = pd.DataFrame(
        [
            {"graph": "g", "source": spec_in.lstrip("^"), "target": name, "control": spec_in.startswith("^"),
             "output_index": 0, "shape": (shapes or {}).get(spec_in, "")}
            for name, _, inputs in spec for spec_in in inputs
        ],
        columns=["graph", "source", "target", "control", "output_index", "shape"],
    )  # fmt: skip
    return nodes, edges


CHAIN = [
    ("input", "Placeholder", []),
    ("model/dense/MatMul", "MatMul", ["input"]),
    ("model/dense/BiasAdd", "BiasAdd", ["model/dense/MatMul"]),
    ("model/relu", "Relu", ["model/dense/BiasAdd"]),
    ("loss", "Mean", ["model/relu"]),
]


def test_build_model_scopes_collapse_to_the_top_level() -> None:
    model = build_model(*frames(CHAIN))
    built = ge.build_elements(model, [])
    ids = [e["data"]["id"] for e in built.elements if "source" not in e["data"]]
    assert ids == ["n:input", "s:model", "n:loss"]
    edges = {(e["data"]["source"], e["data"]["target"]) for e in built.elements if "source" in e["data"]}
    assert edges == {("n:input", "s:model"), ("s:model", "n:loss")}


def test_build_elements_expanding_a_scope_shows_its_children_inside_it() -> None:
    model = build_model(*frames(CHAIN))
    built = ge.build_elements(model, ["s:model"])
    nodes = {e["data"]["id"]: e["data"] for e in built.elements if "source" not in e["data"]}
    assert set(nodes) == {"n:input", "s:model", "s:model/dense", "n:model/relu", "n:loss"}
    assert nodes["s:model/dense"]["parent"] == "s:model"
    assert "parent" not in nodes["n:input"]
    edges = {(e["data"]["source"], e["data"]["target"]) for e in built.elements if "source" in e["data"]}
    assert ("n:input", "s:model/dense") in edges and ("s:model/dense", "n:model/relu") in edges


def test_build_elements_ignores_expanded_groups_inside_collapsed_ones() -> None:
    model = build_model(*frames(CHAIN))
    built = ge.build_elements(model, ["s:model/dense", "s:nope", 7])  # type: ignore[list-item]  # a client's junk
    assert "s:model/dense" not in {e["data"]["id"] for e in built.elements}


def test_build_model_puts_a_node_named_like_a_scope_inside_that_scope() -> None:
    model = build_model(*frames([("add", "AddV2", ["add/y"]), ("add/y", "Const", [])]))
    assert [g.id for g in model.groups] == ["s:add"]
    assert model.parent[model.leaf_index["add"]] == model.group_index["s:add"]


def _series_graph(count: int) -> list[tuple[str, str, list[str]]]:
    spec: list[tuple[str, str, list[str]]] = [("x", "Placeholder", [])]
    previous = "x"
    for i in range(count):
        spec += [
            (f"net/layer_{i}/MatMul", "MatMul", [previous]),
            (f"net/layer_{i}/Relu", "Relu", [f"net/layer_{i}/MatMul"]),
        ]
        previous = f"net/layer_{i}/Relu"
    return spec


def test_build_model_groups_five_numbered_siblings_into_a_series() -> None:
    model = build_model(*frames(_series_graph(12)))
    series = [g for g in model.groups if g.kind == "series"]
    assert len(series) == 1 and series[0].label == "layer_[0-11] (12)"
    assert len(series[0].children) == 12
    collapsed = ge.build_elements(model, ["s:net"])
    assert [e["data"]["id"] for e in collapsed.elements if e["data"].get("parent") == "s:net"] == [series[0].id]


def test_build_model_leaves_four_siblings_and_ungrouped_series_alone() -> None:
    assert not [g for g in build_model(*frames(_series_graph(4))).groups if g.kind == "series"]
    assert not [g for g in build_model(*frames(_series_graph(12)), series=False).groups if g.kind == "series"]


def test_build_model_series_needs_the_same_structure() -> None:
    spec = _series_graph(6)
    spec[-1] = ("net/layer_5/Relu", "Tanh", ["net/layer_5/MatMul"])  # layer_5 differs: 5 alike remain
    series = [g for g in build_model(*frames(spec)).groups if g.kind == "series"]
    assert len(series) == 1 and len(series[0].children) == 5


def _hub_graph() -> list[tuple[str, str, list[str]]]:
    spec: list[tuple[str, str, list[str]]] = [("x", "Placeholder", []), ("scale", "Const", []), ("init", "NoOp", [])]
    spec += [(f"op{i}", "Mul", ["x", "scale", "^init"]) for i in range(6)]
    return spec


def test_build_model_moves_constant_and_control_hubs_into_an_auxiliary_box() -> None:
    model = build_model(*frames(_hub_graph()))
    aux = [g for g in model.groups if g.kind == "aux"]
    assert len(aux) == 1
    inside = {model.names[n] for kind, n in aux[0].children if kind == "n"}
    assert inside == {"scale", "init"}
    built = ge.build_elements(model, [])
    assert built.hidden_edges == 12  # 6 from the constant, 6 control edges from init
    assert all("scale" not in e["data"]["source"] for e in built.elements if "source" in e["data"])


def test_build_model_without_auxiliary_extraction_keeps_hub_edges() -> None:
    model = build_model(*frames(_hub_graph()), auxiliary=False, series=False)
    built = ge.build_elements(model, [])
    controls = [e for e in built.elements if "control" in e.get("classes", "")]
    assert built.hidden_edges == 0 and len(controls) == 6


def test_build_elements_bundles_parallel_edges_with_a_count() -> None:
    spec = [("a/x", "Const", []), ("a/y", "Const", []), ("b/z", "Add", ["a/x", "a/y"])]
    model = build_model(*frames(spec), auxiliary=False)
    edges = [e["data"] for e in ge.build_elements(model, []).elements if "source" in e["data"]]
    assert len(edges) == 1 and edges[0]["count"] == 2 and edges[0]["label"] == "2 tensors"


def test_build_elements_labels_an_edge_with_its_shape_and_widens_big_tensors() -> None:
    nodes, edges = frames(CHAIN, shapes={"input": "[64,784]", "model/relu": "[64,10]"})
    built = ge.build_elements(build_model(nodes, edges), [])
    by_pair = {(e["data"]["source"], e["data"]["target"]): e["data"] for e in built.elements if "source" in e["data"]}
    assert by_pair[("n:input", "s:model")]["label"] == "[64,784]"
    assert by_pair[("n:input", "s:model")]["width"] > by_pair[("s:model", "n:loss")]["width"]


def test_build_elements_colour_by_device_changes_the_legend() -> None:
    model = build_model(*frames(CHAIN))
    by_op = {entry.label for entry in ge.build_elements(model, ["s:model"]).legend}
    by_device = {entry.label for entry in ge.build_elements(model, ["s:model"], color="device").legend}
    assert "Placeholder" in by_op and by_device <= {"/cpu:0", "/gpu:0"} and by_device


def test_build_elements_colour_by_compute_sums_a_collapsed_scope() -> None:
    model = build_model(*frames(CHAIN))
    built = ge.build_elements(model, [], color="compute")
    fills = {e["data"]["id"]: e["data"]["color"] for e in built.elements if "source" not in e["data"]}
    assert fills["s:model"] == ge._scale(1.0)  # the scope sums three nodes' times: the largest
    assert built.legend[-1].label.endswith("µs")


def test_search_finds_by_name_or_op_and_reveal_expands_the_way() -> None:
    model = build_model(*frames(CHAIN))
    found = ge.search(model, "biasadd")
    assert [model.names[i] for i in found] == ["model/dense/BiasAdd"]
    assert ge.reveal(model, model.node_id(found[0])) == ["s:model", "s:model/dense"]
    assert ge.search(model, "Relu") == [model.leaf_index["model/relu"]]
    assert ge.search(model, "(") == []


def test_trace_inputs_marks_the_ancestors_only() -> None:
    model = build_model(*frames(CHAIN))
    traced = ge.trace_inputs(model, model.leaf_index["model/dense/BiasAdd"])
    assert {model.names[i] for i in np.flatnonzero(traced)} == {"input", "model/dense/MatMul", "model/dense/BiasAdd"}
    built = ge.build_elements(model, ["s:model"], traced=traced)
    classes = {e["data"]["id"]: e["classes"] for e in built.elements if "source" not in e["data"]}
    assert "traced" in classes["n:input"] and "traced" not in classes["n:loss"]


def test_node_details_lists_op_attrs_inputs_outputs_and_calls() -> None:
    spec = CHAIN + [("call", "StatefulPartitionedCall", ["loss"])]
    nodes, edges = frames(spec, shapes={"model/relu": "[8,10]"})
    nodes.loc[nodes["name"] == "call", "attrs"] = json.dumps({"f": {"func": "__inference_step_42"}, "long": "x" * 500})
    model = build_model(nodes, edges)
    details = ge.node_details(model, "n:loss", ["__inference_step_42"])
    assert details is not None and details["op"] == "Mean"
    assert details["inputs"] == [{"id": "n:model/relu", "name": "model/relu", "shape": "[8,10]", "control": False}]
    assert [o["name"] for o in details["outputs"]] == ["call"]
    call = ge.node_details(model, "n:call", ["__inference_step_42"])
    assert call is not None and call["calls"] == ["__inference_step_42"]
    short, full = call["attrs"]["long"]
    assert len(short) == ge.MAX_ATTR_TEXT and len(full) == 500
    assert ge.node_details(model, "n:nope") is None
    group = ge.node_details(model, "s:model")
    assert group is not None and group["count"] == 3


def test_shape_size_reads_known_shapes_only() -> None:
    assert shape_size("[2,3,4]") == 24 and shape_size("[?,3]") == 0 and shape_size("") == 0


def test_export_records_split_nodes_and_edges() -> None:
    built = ge.build_elements(build_model(*frames(CHAIN)), ["s:model"])
    nodes, edges = ge.export_records(built.elements)
    assert {n["id"] for n in nodes} >= {"n:input", "s:model"} and all("source" in e for e in edges)
    assert all("color" not in n for n in nodes)


@pytest.fixture(scope="module")
def torch_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A PyTorch add_graph of a small CNN with nested modules (6 residual blocks in a Sequential)."""
    torch = pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter

    import loaders
    from tests.dashboard.graph_models import Net

    root: Path = tmp_path_factory.mktemp("torch-graph")
    with SummaryWriter(str(root / "logs" / "cnn")) as writer:
        writer.add_graph(Net(), torch.zeros(2, 1, 8, 8))
    graph = loaders.Logdir(str(root / "logs"), cache_dir=str(root / "cache")).graph("cnn")
    return graph.nodes, graph.edges


def test_build_model_on_a_pytorch_cnn_groups_blocks_and_opens_collapsed(
    torch_graph: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    model = build_model(*torch_graph)
    top = [e["data"]["id"] for e in ge.build_elements(model, []).elements if "source" not in e["data"]]
    assert top == ["s:input", "s:output", "s:Net"]
    series = [g for g in model.groups if g.kind == "series"]
    assert [g.label for g in series] == ["Block[0-5] (6)"]
    opened = ge.build_elements(model, ["s:Net", "s:Net/Sequential[blocks]", series[0].id])
    shown = {e["data"]["id"] for e in opened.elements}
    assert {f"s:Net/Sequential[blocks]/Block[{i}]" for i in range(6)} <= shown
    relu = ge.search(model, "aten::relu")
    assert len(relu) == 6
