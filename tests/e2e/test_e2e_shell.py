"""Browser tests of the shell around every page: runs appearing while the page is open, colours, loading state."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

RUNS = ("alpha", "beta", "delta", "gamma")
CHECKLIST_JS = "() => Array.from(document.querySelectorAll('.run-picker .run-option')).map(o => o.textContent)"
SWATCHES_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll('.run-picker .run-option')).map(o =>
    [o.textContent, getComputedStyle(o.querySelector('.swatch')).backgroundColor]))"""


def write_run(logdir: Path, run: str, offset: float) -> None:
    """Write a small run with tensorboardX (loss and accuracy, 10 steps)."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / run)) as writer:
        for step in range(10):
            writer.add_scalar("loss", offset + 1.0 / (1 + step), step)
            writer.add_scalar("train/accuracy", step / 10, step)


@pytest.fixture
def served_copy(tmp_path: Path) -> Iterator[tuple[Server, Path]]:
    """A copy of a 4-run logdir served by the real CLI (reload only on ↻), as in the issue's repro."""
    original = tmp_path / "original"
    for index, run in enumerate(RUNS):
        write_run(original, run, 0.1 * index)
    logdir = tmp_path / "logs"
    shutil.copytree(original, logdir)
    server = start_cli(["--logdir", str(logdir), "--reload-interval", "0", "--cache-dir", str(tmp_path / "cache")],
                       tmp_path)
    yield server, logdir
    stop(server)


def open_root(tab: Tab, server: Server, runs: int) -> None:
    """Open / and wait until the checklist lists `runs` runs and a chart is drawn."""
    tab.page.goto(f"{server.url}/")
    tab.page.wait_for_function("n => document.querySelectorAll('.run-picker .run-option').length === n", arg=runs)
    tab.page.wait_for_function("() => document.querySelector('.card .js-plotly-plot') !== null")


def plotted_runs(tab: Tab, tag: str = "loss") -> list[str]:
    """Return the runs with a smoothed line on the tag's chart."""
    return tab.page.evaluate(
        "tag => { const card = Array.from(document.querySelectorAll('.card'))"
        ".find(c => c.querySelector('.card-title').textContent === tag);"
        " return card.querySelector('.js-plotly-plot')._fullData.filter(t => t.meta.role === 'smoothed')"
        ".map(t => t.meta.run); }", tag)


def test_shell_run_written_while_open_joins_the_checklist_and_can_be_unticked(
        served_copy: tuple[Server, Path], tab: Tab) -> None:
    server, logdir = served_copy
    open_root(tab, server, len(RUNS))
    assert tab.page.evaluate(CHECKLIST_JS) == list(RUNS)
    before = tab.page.evaluate(SWATCHES_JS)
    write_run(logdir, "epsilon", 0.5)
    tab.page.click("#shell-reload-button")
    tab.page.wait_for_function("() => document.querySelectorAll('.run-picker .run-option').length === 5",
                               timeout=15_000)
    assert tab.page.evaluate(CHECKLIST_JS) == sorted([*RUNS, "epsilon"])  # in name order, as TensorBoard
    after = tab.page.evaluate(SWATCHES_JS)
    assert {run: after[run] for run in RUNS} == before and after["epsilon"] not in before.values()
    tab.page.wait_for_function("() => document.querySelector('.run-picker .muted').textContent === '5 of 5 shown'")
    tab.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.card .js-plotly-plot')).some(g => g._fullData &&"
        " g._fullData.some(t => t.meta && t.meta.run === 'epsilon'))", timeout=15_000)
    tab.page.locator(".run-picker .run-option", has_text="epsilon").click()
    tab.page.wait_for_function("() => document.querySelector('.run-picker .muted').textContent === '4 of 5 shown'")
    tab.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.card .js-plotly-plot')).every(g => g._fullData &&"
        " !g._fullData.some(t => t.meta && t.meta.run === 'epsilon'))", timeout=15_000)
    assert sorted(plotted_runs(tab)) == sorted(RUNS)
    assert tab.page.evaluate("() => document.querySelector('.run-picker input[value=epsilon]').checked") is False
    assert "hide=epsilon" in tab.page.url
    tab.page.wait_for_timeout(500)  # late callback errors still land in tab.errors (checked by the fixture)
    tab.screenshot("shell-new-run.png")


LOADING_JS = """() => {
    const said = [];
    const boot = document.querySelector('._dash-loading');
    if (boot && boot.offsetParent !== null) said.push(boot.textContent);
    for (const el of document.querySelectorAll('#_pages_content, [id*="tag-section-body"]')) {
        const content = getComputedStyle(el, '::before').content;
        const hidden = el.closest('details:not([open])');
        if (!hidden && content && content !== 'none') said.push(content);
    }
    return said.join(' ');
}"""


def test_shell_says_loading_within_200_ms_while_callbacks_are_slow(served_copy: tuple[Server, Path], tab: Tab) -> None:
    server, _ = served_copy

    def slow(route: Any) -> None:
        time.sleep(0.4)  # with the browser's queueing, the page and its sections take well over a second
        route.continue_()

    tab.page.route("**/_dash-update-component*", slow)
    tab.page.goto(f"{server.url}/", wait_until="commit")
    samples = []
    for _ in range(6):
        tab.page.wait_for_timeout(200)
        samples.append((tab.page.evaluate(LOADING_JS), tab.page.evaluate(
            "() => document.querySelectorAll('.card .js-plotly-plot').length")))
    before_charts = [said for said, charts in samples if charts == 0]
    assert before_charts and all("Loading" in said for said in before_charts), samples
    tab.page.wait_for_function("() => document.querySelector('.card .js-plotly-plot') !== null", timeout=30_000)
    assert "Loading" not in tab.page.evaluate(LOADING_JS)
