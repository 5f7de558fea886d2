"""Tests of graph export: GraphML and JSON from a loaders.Graph, and `python -m loaders export --kind graph`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import loaders
from loaders.cli import main
from loaders.tables.graphs.export import graph_records, to_graphml, to_json

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture
def graph_logdir(tmp_path: Path) -> Path:
    """A tensorboardX add_graph of Linear -> ReLU in run "mlp"."""
    torch = pytest.importorskip("torch")
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "logs" / "mlp")) as writer:
        writer.add_graph(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()), torch.zeros(1, 4))
    return tmp_path / "logs"


def test_to_graphml_is_valid_xml_with_typed_keys_and_escaped_text() -> None:
    text = to_graphml(
        [{"id": "a<b", "op": "X&Y", "n": 3}, {"id": "c"}], [{"source": "a<b", "target": "c", "control": True}]
    )
    root = ET.fromstring(text)
    keys = {key.get("attr.name"): key.get("attr.type") for key in root.iter(f"{GRAPHML}key")}
    assert keys == {"op": "string", "n": "long", "control": "boolean"}
    nodes = list(root.iter(f"{GRAPHML}node"))
    assert [node.get("id") for node in nodes] == ["a<b", "c"]
    assert nodes[0].find(f"{GRAPHML}data").text == "X&Y"
    assert list(root.iter(f"{GRAPHML}edge"))[0].get("source") == "a<b"


def test_graph_records_keep_every_node_and_edge(graph_logdir: Path, tmp_path: Path) -> None:
    graph = loaders.Logdir(str(graph_logdir), cache_dir=str(tmp_path / "cache")).graph("mlp")
    nodes, edges = graph_records(graph.nodes, graph.edges)
    assert len(nodes) == len(graph.nodes) and len(edges) == len(graph.edges)
    ids = {node["id"] for node in nodes}
    assert all(edge["source"] in ids and edge["target"] in ids for edge in edges)
    assert json.loads(to_json(nodes, edges))["nodes"][0]["id"] == nodes[0]["id"]


def test_cli_export_graph_writes_graphml_with_run_qualified_ids(graph_logdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    status = main(["export", str(graph_logdir), "--kind", "graph", "--format", "graphml", "-o", str(out),
                   "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    assert status == 0
    root = ET.parse(out).getroot()
    ids = [node.get("id") for node in root.iter(f"{GRAPHML}node")]
    assert ids and all(i.startswith("mlp:__run_graph__:") for i in ids)
    assert any("Linear" in i for i in ids)


def test_cli_export_graph_rejects_table_formats_and_reports_no_graph(
    graph_logdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert (
        main(["export", str(graph_logdir), "--kind", "graph", "--format", "csv", "-o", str(tmp_path / "g.csv"), *cache])
        == 2
    )
    assert "graphml or json" in capsys.readouterr().err
    assert (
        main(
            ["export", str(graph_logdir), "--kind", "scalars", "--format", "graphml", "-o", str(tmp_path / "s"), *cache]
        )
        == 2
    )
    out = tmp_path / "none.json"
    assert (
        main(
            [
                "export",
                str(graph_logdir),
                "--kind",
                "graph",
                "--format",
                "json",
                "--runs",
                "nope",
                "-o",
                str(out),
                *cache,
            ]
        )
        == 1
    )
    assert not out.exists()
