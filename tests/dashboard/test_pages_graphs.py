"""Tests of the Graphs page: its view (URL) and reducer, layout as data, callbacks called directly, data queries."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest

from dashboard import data
from dashboard.data import graphs as graph_data
from dashboard.pages import graphs
from dashboard.pages.graphs import view as graph_view
from dashboard.pages.graphs.view import GraphView, ids
from tests.dashboard.dashtest import call, find

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"


def write_graph_logdir(logdir: Path) -> Path:
    """Write cnn (PyTorch add_graph), tbx (tensorboardX add_graph); copy the TF2 fixtures tf_graph and keras."""
    torch = pytest.importorskip("torch")
    from tensorboardX import SummaryWriter as TbxWriter
    from torch.utils.tensorboard import SummaryWriter

    from tests.dashboard.graph_models import Net

    with SummaryWriter(str(logdir / "cnn")) as writer:
        writer.add_graph(Net(), torch.zeros(2, 1, 8, 8))
    with TbxWriter(str(logdir / "tbx")) as tbx:
        tbx.add_graph(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()), torch.zeros(1, 4))
    for run in ("tf_graph", "keras"):
        shutil.copytree(FIXTURES / run, logdir / run)
    return logdir


@pytest.fixture(scope="module")
def graph_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The graph logdir, written once for this module."""
    return write_graph_logdir(tmp_path_factory.mktemp("graphs") / "logs")


@pytest.fixture
def in_graphs(make_app: Callable[..., dash.Dash], graph_logdir: Path) -> Iterator[flask.Flask]:
    """Run the test inside a request of an app serving graph_logdir."""
    app = make_app(logdir=str(graph_logdir))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def test_graph_runs_lists_every_writer_that_logged_a_graph(in_graphs: flask.Flask) -> None:
    assert graph_data.graph_runs(data.current()) == ["cnn", "keras/train", "tbx", "tf_graph"]


def test_run_choices_names_graph_sources(in_graphs: flask.Flask) -> None:
    choice = graph_data.run_choices(data.current(), "keras/train")
    assert choice.graphs == ["keras"]
    assert graph_data.graph_label("keras") == "Keras conceptual graph"
    assert graph_data.run_choices(data.current(), "nope").graphs == []


def test_graph_view_round_trips_through_the_url() -> None:
    view = GraphView(run="cnn", graph="__run_graph__", expanded=("s:Net", "s:Net/x"), node="n:Net/x/y", color="device",
                     series=False, trace=True, search="conv")  # fmt: skip
    query = view.to_query([])
    parsed = GraphView.from_query(dict(_parse(query)), [])
    assert parsed == view


def _parse(query: str) -> dict[str, Any]:
    from urllib.parse import parse_qs

    return {
        key: values if len(values) > 1 or key == "open" else values[0] for key, values in parse_qs(query[1:]).items()
    }


def test_graph_view_from_store_tolerates_junk() -> None:
    assert GraphView.from_store(None) == GraphView()
    view = GraphView.from_store({"run": 3, "expanded": "s:a", "color": "rainbow", "series": "yes"})
    assert view == GraphView()


def test_layout_opens_collapsed_with_the_top_level_scopes(in_graphs: flask.Flask) -> None:
    page = graphs.layout(run1="cnn")
    elements = find(page, ids.cyto).elements
    assert [e["data"]["id"] for e in elements if "source" not in e["data"]] == ["s:input", "s:output", "s:Net"]
    assert find(page, ids.graph).value == "__run_graph__"


def test_layout_without_graphs_says_what_to_log(make_app: Callable[..., dash.Dash], logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "only_scalars")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    app = make_app(logdir=str(logdir))
    with app.server.test_request_context("/graphs"):
        page = graphs.layout()
    assert "page-empty" in page.className
    assert "add_graph" in str(page)


def test_change_tap_on_a_scope_expands_it_and_tap_again_collapses(in_graphs: flask.Flask) -> None:
    state = GraphView(run="cnn", graph="__run_graph__").store()
    args = ["cnn", "__run_graph__", "op", ["series", "aux"], "", {"data": {"id": "s:Net"}}, "", None, None, [], [], []]
    opened, _, _ = call(graphs.change, *args, state, 1, triggered=ids.cyto, prop="tapNode")
    assert opened["expanded"] == ["s:Net"] and opened["node"] == "s:Net"
    closed, _, _ = call(graphs.change, *args, opened, 1, triggered=ids.cyto, prop="tapNode")
    assert closed["expanded"] == []


def test_change_search_selects_and_reveals_the_first_match(in_graphs: flask.Flask) -> None:
    state = GraphView(run="cnn", graph="__run_graph__").store()
    args = ["cnn", "__run_graph__", "op", ["series", "aux"], "", None, "aten::linear", None, None, [], [], []]
    found, _, _ = call(graphs.change, *args, state, 1, triggered=ids.search, prop="value")
    assert found["node"].startswith("n:Net/Sequential[head]/Linear[1]/")
    assert found["expanded"] == ["s:Net", "s:Net/Sequential[head]", "s:Net/Sequential[head]/Linear[1]"]
    elements, _, _, details, *_ = graphs.render(found)
    assert found["node"] in {e["data"]["id"] for e in elements}
    assert "aten::linear" in str(details)


def test_change_new_run_picks_its_graph_and_starts_collapsed(in_graphs: flask.Flask) -> None:
    state = GraphView(run="cnn", graph="__run_graph__", expanded=("s:Net",)).store()
    args = ["keras/train", "__run_graph__", "op", ["series", "aux"], "", None, "", None, None, [], [], []]
    new, options, value = call(graphs.change, *args, state, 1, triggered=ids.run, prop="value")
    assert new["run"] == "keras/train" and new["graph"] == "keras" and new["expanded"] == []
    assert value == "keras" and [o["value"] for o in options] == ["keras"]


def test_change_bad_inputs_keep_a_usable_view(in_graphs: flask.Flask) -> None:
    args = [{"x": 1}, ["a"], 5, "series", [], "tap", 3, "x", None, None, None, None]
    state, _, _ = call(graphs.change, *args, "junk", "deep", triggered=ids.cyto, prop="tapNode")
    assert state["run"] == "cnn" and state["graph"] == "__run_graph__"


def test_reducer_expand_to_depth_and_collapse_from_a_breadcrumb(in_graphs: flask.Flask) -> None:
    view = GraphView(run="cnn", graph="__run_graph__")
    model = graphs._model(data.current(), view)
    assert model is not None
    deep = graph_view.expand_to_depth(view, model, 2)
    assert "s:Net" in deep.expanded and "s:Net/Sequential[blocks]" in deep.expanded
    assert all(model.groups[model.group_index[g]].depth < 2 for g in deep.expanded)
    back = graph_view.collapse_to(deep, model, "s:Net")
    assert set(back.expanded) == {"s:input", "s:output", "s:Net"} and back.node == "s:Net"
    assert graph_view.collapse_to(deep, model, "").expanded == ()


def test_render_colour_by_device_changes_the_legend(in_graphs: flask.Flask) -> None:
    base = GraphView(run="tf_graph", graph="dense_relu_trace", expanded=("s:graph_1",))
    _, by_op, *_ = graphs.render(base.store())
    _, by_device, *_ = graphs.render(GraphView(**{**base.__dict__, "color": "device"}).store())
    assert "MatMul" in str(by_op) and "MatMul" not in str(by_device)


def test_render_keras_conceptual_graph_shows_layers(in_graphs: flask.Flask) -> None:
    elements, *_ = graphs.render(GraphView(run="keras/train", graph="keras").store())
    assert {e["data"]["label"] for e in elements if "source" not in e["data"]} == {"input_layer", "hidden", "out"}


def test_export_writes_the_drawn_element_set_as_graphml(in_graphs: flask.Flask) -> None:
    state = GraphView(run="cnn", graph="__run_graph__").store()
    sent = call(graphs.export, 1, None, state, triggered=ids.graphml)
    assert sent["filename"] == "graph.graphml"
    assert '<node id="s:Net">' in sent["content"] and sent["content"].count("<node ") == 3
    as_json = call(graphs.export, None, 1, state, triggered=ids.json)
    assert as_json["filename"] == "graph.json" and '"s:Net"' in as_json["content"]
