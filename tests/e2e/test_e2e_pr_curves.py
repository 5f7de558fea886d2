"""Browser tests of the PR curves page: the real CLI on tensorboardX/PyTorch PR curves, in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

STEPS = [0, 10, 20, 30]
CARDS_JS = """() => Array.from(document.querySelectorAll('.pr-card')).map(card => {
    const graph = card.querySelector('.js-plotly-plot');
    if (!graph || !graph._fullData) { return {title: null, traces: []}; }  // still drawing
    return {title: card.querySelector('.card-title').textContent,
            sliders: card.querySelectorAll('.pr-slider-row').length,
            captions: Array.from(card.querySelectorAll('.pr-step-caption')).map(c => c.textContent),
            traces: graph._fullData.map(t => ({meta: t.meta, points: t.x.length,
                                              y0: t.y[Math.floor(t.y.length / 2)]}))};
})"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on: tensorboardX add_pr_curve (run tbx, 4 steps), PyTorch add_pr_curve_raw (run torch, 1 step)."""
    from tensorboardX import SummaryWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    root = tmp_path_factory.mktemp("e2e_pr")
    rng = np.random.default_rng(0)
    with SummaryWriter(str(root / "logs" / "tbx")) as writer:
        for step in STEPS:
            labels = rng.integers(0, 2, 400)
            scores = np.clip(labels * (0.2 + step / 60) + rng.random(400) * 0.6, 0, 1)  # better with the step
            writer.add_pr_curve("eval/pr", labels, scores, step)
    with TorchWriter(str(root / "logs" / "torch")) as writer:
        writer.add_pr_curve_raw(
            "eval/pr",
            [10, 8, 5],
            [6, 3, 1],
            [0, 3, 5],
            [0, 2, 5],
            [0.62, 0.73, 0.83],
            [1.0, 0.8, 0.5],
            7,
            num_thresholds=3,
        )
    server = start_cli(["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/pr-curves")
    yield server
    stop(server)


def open_page(tab: Tab, server: Server, path: str) -> list[dict[str, Any]]:
    """Open path and wait until its first card is drawn; return what the cards show."""
    tab.page.goto(f"{server.url}{path}")
    tab.page.wait_for_function(f"() => {{ const c = ({CARDS_JS})(); return c.length && c[0].traces.length; }}")
    return tab.page.evaluate(CARDS_JS)


def test_pr_curves_card_per_tag_with_a_slider_per_run(live: Server, tab: Tab) -> None:
    (card,) = open_page(tab, live, "/pr-curves")

    assert card["title"] == "eval/pr" and card["sliders"] == 2
    assert [(t["meta"]["run"], t["meta"]["step"], t["points"]) for t in card["traces"]] == [
        ("tbx", 30, 127),
        ("torch", 7, 3),
    ]
    assert card["captions"][0].startswith("step 30") and card["captions"][1].startswith("step 7")
    tab.screenshot("pr-curves.png")
    tab.assert_clean()


def test_pr_curves_step_slider_moves_the_curve(live: Server, tab: Tab) -> None:
    (card,) = open_page(tab, live, "/pr-curves")
    before = card["traces"][0]["y0"]

    tab.page.locator(".pr-slider-row").first.locator("[role=slider]").focus()
    tab.page.keyboard.press("Home")
    tab.page.wait_for_function(f"() => ({CARDS_JS})()[0].traces[0].meta.step === 0")

    (card,) = tab.page.evaluate(CARDS_JS)
    assert card["traces"][0]["y0"] != before  # another curve, not just another label
    assert card["traces"][1]["meta"]["step"] == 7  # the other run's slider did not move
    assert card["captions"][0].startswith("step 0")
    tab.page.locator(".pr-card .js-plotly-plot .nsewdrag").first.hover(position={"x": 400, "y": 60})
    assert "threshold" in tab.page.locator(".hoverlayer .hovertext").first.text_content()  # the tooltip is up
    tab.screenshot("pr-curves-step0.png")
    tab.assert_clean()


def test_pr_curves_tooltip_shows_threshold_and_counts(live: Server, tab: Tab) -> None:
    open_page(tab, live, "/pr-curves?run=torch")
    graph = tab.page.locator(".pr-card .js-plotly-plot")
    template = graph.evaluate("g => g._fullData[0].hovertemplate")

    for word in ("threshold", "precision", "recall", "TP", "FP", "TN", "FN"):
        assert word in template
    assert graph.evaluate("g => g._fullData[0].customdata.length") == 3
    tab.assert_clean()


def test_pr_curves_empty_state_names_add_pr_curve(tmp_path: Any, tab: Tab) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "logs" / "run")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    server = start_cli(["--logdir", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "cache")], tmp_path)
    try:
        tab.page.goto(f"{server.url}/pr-curves")
        tab.page.wait_for_selector(".empty-state")
        assert "add_pr_curve" in tab.page.locator(".empty-code").inner_text()
        tab.assert_clean()
    finally:
        stop(server)
