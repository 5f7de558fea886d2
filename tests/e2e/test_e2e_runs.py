"""Browser test of the Runs page: the real CLI on a few tensorboardX runs; ticking rows changes the Scalars link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on three tensorboardX runs with a loss curve each."""
    from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

    root = tmp_path_factory.mktemp("e2e_runs")
    for name in ("alpha", "beta", "gamma"):
        with SummaryWriter(str(root / "logs" / name)) as writer:
            for step in range(5):
                writer.add_scalar("loss", 1.0 / (step + 1), step)
    live = start_cli(["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/runs")
    yield live
    stop(live)


def test_runs_table_selection_opens_those_runs_in_scalars(live: Server, tab: Tab) -> None:
    tab.page.goto(f"{live.url}/runs?metric=loss")
    tab.page.wait_for_function(
        "() => document.querySelectorAll('#runs-table tbody tr input[type=checkbox]').length === 3"
    )
    assert "loss last" in tab.page.inner_text("#runs-table")
    tab.page.locator("#runs-table tbody tr input[type=checkbox]").nth(1).check()
    tab.page.wait_for_function("() => document.querySelector('#runs-open-scalars').href.includes('run=beta')")
    tab.page.wait_for_function("() => location.search.includes('run=beta')")  # the shell copies the query
    tab.screenshot("runs.png")
    tab.page.click("#runs-open-scalars")
    tab.page.wait_for_url("**/scalars?run=beta")
    tab.page.wait_for_selector(".js-plotly-plot")
