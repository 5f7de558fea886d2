"""Browser tests of the Profile page: the real CLI on the shared H200 captures, each tab in Debian's chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser import Server, Tab, start_cli, stop
from tests.eventfiles import shared_fixture

pytestmark = pytest.mark.e2e
GPU = shared_fixture("gpu-profiles")
TORCH = "?run=torch_mlp&session=gpuworker.1795685073928612123&host=gpuworker"
JAX = "?run=jax_mlp&session=2026_11_26_09_24_40&host=vm"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not GPU.exists():
        pytest.skip("shared GPU captures not present")
    root = tmp_path_factory.mktemp("e2e-profile")
    shutil.copytree(GPU, root / "logs")
    live = start_cli(["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/profile")
    yield live
    stop(live)


def test_overview_shows_kpis_and_the_step_breakdown(server: Server, tab: Tab) -> None:
    tab.page.goto(f"{server.url}/profile{TORCH}")
    tab.page.wait_for_selector(".kpi-card")
    tab.page.wait_for_selector("#profile-panel-overview .js-plotly-plot .barlayer")
    assert "AVERAGE STEP TIME" in tab.page.inner_text(".kpi-row").upper()
    assert "NVIDIA H200" in tab.page.inner_text("#profile-panel-overview")
    assert tab.page.locator(".profile-tips li").count() >= 1
    tab.screenshot("profile-overview.png")


def test_trace_viewer_draws_lanes_zooms_and_shows_details(server: Server, tab: Tab) -> None:
    tab.page.goto(f"{server.url}/profile{JAX}&tab=trace")
    info = tab.page.locator("#profile-trace-info")
    tab.page.wait_for_function("() => (document.querySelector('#profile-trace-info')?.textContent || '').includes('bars')")
    tab.page.wait_for_selector("#profile-trace-graph canvas")
    before = info.inner_text()
    tab.screenshot("profile-trace-whole.png")
    changed = f"() => !(document.querySelector('#profile-trace-info')?.textContent || {before!r}).includes({before!r})"
    for attempt in range(6):  # a zoom made while the first answer is still being drawn can be lost: zoom again
        tab.page.evaluate(
            "() => Plotly.relayout(document.querySelector('#profile-trace-graph .js-plotly-plot'),"
            " {'xaxis.range[0]': 261000, 'xaxis.range[1]': 262000})"
        )
        try:
            tab.page.wait_for_function(changed, timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 5:
                raise
    assert "1,000.0 µs" in info.inner_text()
    tab.screenshot("profile-trace.png")


def test_operators_kernels_and_memory_tabs(server: Server, tab: Tab) -> None:
    tab.page.goto(f"{server.url}/profile{TORCH}&tab=operators")
    tab.page.wait_for_selector("#profile-ops-table td")
    assert "aten::addmm" in tab.page.inner_text("#profile-ops-table")
    tab.screenshot("profile-operators.png")
    tab.page.click("#profile-tabs >> text=Kernels")
    tab.page.wait_for_selector("#profile-kernels-table td")
    assert "Tensor Cores" in tab.page.inner_text("#profile-panel-kernels")
    tab.screenshot("profile-kernels.png")
    tab.page.click("#profile-tabs >> text=Memory")
    tab.page.wait_for_selector("#profile-memory-graph .js-plotly-plot")
    tab.screenshot("profile-memory.png")
    assert "tab=memory" in tab.page.url
