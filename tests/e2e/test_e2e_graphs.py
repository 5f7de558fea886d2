"""Browser tests of the Graphs page: the real CLI on PyTorch/tensorboardX graphs and the TF2 fixtures, in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.dashboard.test_pages_graphs import write_graph_logdir
from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

CY = """() => {
    const all = document.querySelectorAll('#graphs-cytoscape, #graphs-cytoscape *');
    const el = [...all].find(e => e._cyreg && e._cyreg.cy);
    return el ? el._cyreg.cy : null;
}"""
NODES_JS = f"() => {{ const cy = ({CY})(); return cy ? cy.nodes().map(n => n.id()) : null; }}"
POSITION_JS = f"""(id) => {{
    const cy = ({CY})(); const node = cy.getElementById(id); const box = cy.container().getBoundingClientRect();
    const p = node.renderedPosition(); return [box.left + p.x, box.top + p.y];
}}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on a logdir with PyTorch, tensorboardX, trace_export and Keras graphs."""
    root = tmp_path_factory.mktemp("e2e-graphs")
    logs = write_graph_logdir(root / "logs")
    server = start_cli(["--logdir", str(logs), "--cache-dir", str(root / "cache")], root, probe="/graphs")
    yield server
    stop(server)


def _wait_nodes(tab: Tab, expected: set[str]) -> list[str]:
    tab.page.wait_for_function(f"(ids) => {{ const n = ({NODES_JS})(); return n && ids.every(i => n.includes(i)); }}",
                               arg=sorted(expected), timeout=20000)  # fmt: skip
    tab.page.wait_for_timeout(300)  # the layout settles
    nodes: list[str] = tab.page.evaluate(NODES_JS)
    return nodes


def _click_node(tab: Tab, node_id: str) -> None:
    x, y = tab.page.evaluate(POSITION_JS, node_id)
    tab.page.mouse.click(x, y)


def test_graphs_page_opens_collapsed_and_a_click_expands_a_scope(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.url}/graphs?run1=cnn")
    top = _wait_nodes(tab, {"s:Net"})
    assert set(top) == {"s:input", "s:output", "s:Net"}
    tab.screenshot("graphs-collapsed.png")
    _click_node(tab, "s:Net")
    opened = _wait_nodes(tab, {"s:Net/Conv2d[stem]", "s:Net/Sequential[head]"})
    assert "s:Net/Sequential[blocks]" in opened
    tab.page.wait_for_function("() => location.search.includes('open=s%3ANet')", timeout=10000)
    assert "Net" in tab.page.inner_text("#graphs-breadcrumb")
    tab.screenshot("graphs-expanded.png")


def test_graphs_search_reveals_a_node_and_the_details_show_its_op(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.url}/graphs?run1=cnn")
    _wait_nodes(tab, {"s:Net"})
    tab.page.fill("#graphs-search", "aten::linear")
    tab.page.press("#graphs-search", "Enter")
    tab.page.wait_for_function("() => document.querySelector('.graph-details-op')?.textContent === 'aten::linear'",
                               timeout=20000)  # fmt: skip
    nodes = _wait_nodes(tab, {"s:Net/Sequential[head]/Linear[1]"})
    assert any(node.startswith("n:Net/Sequential[head]/Linear[1]/") for node in nodes)
    assert "inputs (3)" in tab.page.inner_text("#graphs-details").lower()
    tab.screenshot("graphs-search-details.png")


def test_graphs_colour_by_device_changes_the_legend(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.url}/graphs?run1=tf_graph&open=s%3Agraph_1")
    _wait_nodes(tab, {"n:graph_1/dense_matmul"})
    before = tab.page.inner_text("#graphs-legend")
    assert "MatMul" in before
    tab.page.click("#graphs-color input[value='device']")
    tab.page.wait_for_function("() => !document.querySelector('#graphs-legend').innerText.includes('MatMul')",
                               timeout=20000)  # fmt: skip
    assert "device" in tab.page.inner_text("#graphs-legend").lower()
    tab.screenshot("graphs-device.png")


def test_graphs_keras_conceptual_graph_and_png_download(tab: Tab, server: Server) -> None:
    tab.page.goto(f"{server.url}/graphs?run1=keras%2Ftrain")
    nodes = _wait_nodes(tab, {"n:hidden"})
    assert set(nodes) == {"n:input_layer", "n:hidden", "n:out"}
    with tab.page.expect_download(timeout=20000) as download:
        tab.page.click("#graphs-png")
    value: Any = download.value
    assert value.suggested_filename.endswith(".png")
