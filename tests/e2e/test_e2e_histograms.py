"""Browser tests of the Histograms and Distributions pages: the real CLI on a tensorboardX logdir, in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

RUNS = ("alpha", "beta")
TAGS = ("layer1/weight", "layer2/bias")
ALPHA_STEPS = list(range(0, 100, 10))
BETA_STEPS = [step + 5 for step in ALPHA_STEPS]
CARDS_JS = """() => Array.from(document.querySelectorAll('.histogram-card')).map(card => {
    const graph = card.querySelector('.js-plotly-plot');
    if (!graph || !graph._fullData) { return {title: null, traces: []}; }  // still drawing
    return {title: card.querySelector('.card-title').textContent,
            subtitle: card.querySelector('.card-subtitle').textContent,
            xaxis: graph._fullLayout.xaxis.type,
            traces: graph._fullData.map(t => ({meta: t.meta, fill: t.fill, points: t.x.length}))};
})"""
DRAWN_JS = """n => { const plots = document.querySelectorAll('.histogram-card .js-plotly-plot');
    return plots.length === n && Array.from(plots).every(g => g._fullData && g._fullData.length); }"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any]]:
    """The CLI (reload interval 2 s) on 2 runs x 2 histogram tags; alpha's writer stays open for appends."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("e2e_hist")
    rng = np.random.default_rng(0)
    writers = {run: SummaryWriter(str(root / "logs" / run), max_queue=1, flush_secs=1) for run in RUNS}
    for index, (run, steps) in enumerate(zip(RUNS, (ALPHA_STEPS, BETA_STEPS))):
        for step in steps:
            writers[run].add_histogram("layer1/weight", rng.normal(step / 40 + index, 1.0, 400), step)
            writers[run].add_histogram("layer2/bias", rng.uniform(-1, 1 + step / 50, 200), step)
    writers["alpha"].flush()
    writers["beta"].close()
    server = start_cli(["--logdir", str(root / "logs"), "--reload-interval", "2", "--cache-dir", str(root / "cache")],
                       root)
    yield server, writers["alpha"]
    writers["alpha"].close()
    stop(server)


def open_page(tab: Tab, server: Server, path: str, cards: int) -> list[dict[str, Any]]:
    """Open path and wait until `cards` charts are drawn; return what the browser plotted."""
    tab.page.goto(f"{server.url}{path}")
    tab.page.wait_for_function(DRAWN_JS, arg=cards)
    return tab.page.evaluate(CARDS_JS)


def wait_cards(tab: Tab, condition: str) -> list[dict[str, Any]]:
    """Wait until `condition` (JS over `cards`, the CARDS_JS result) holds; return the cards."""
    tab.page.wait_for_function(f"() => {{ const cards = ({CARDS_JS})(); return {condition}; }}", timeout=10_000)
    return tab.page.evaluate(CARDS_JS)


def steps_by_run(card: dict[str, Any]) -> dict[str, int]:
    return {trace["meta"]["run"]: trace["meta"]["step"] for trace in card["traces"]}


def test_histograms_offset_then_overlay(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    cards = open_page(tab, server, "/histograms", 4)
    assert [(card["title"], card["subtitle"].split(" · ")[0]) for card in cards] == [
        (tag, run) for tag in TAGS for run in RUNS]
    assert [trace["meta"]["step"] for trace in cards[0]["traces"]] == ALPHA_STEPS
    assert [trace["meta"]["step"] for trace in cards[1]["traces"]] == BETA_STEPS
    assert all(trace["fill"] == "toself" for card in cards for trace in card["traces"])
    assert cards[0]["subtitle"] == "alpha · 10 steps"
    assert tab.page.get_by_label("Wall time").is_visible() and not tab.page.locator("#histograms-step-input").is_visible()
    assert tab.page.locator(".section-name").all_inner_texts() == ["layer1", "layer2"]
    tab.screenshot("histograms-offset.png")
    tab.page.get_by_label("Overlay").check()
    cards = wait_cards(tab, "cards.length === 4 && cards.every(c => c.traces.some(t => t.meta.role === 'colorbar'))")
    assert [trace["meta"].get("step") for trace in cards[0]["traces"]] == [*ALPHA_STEPS, None]
    assert all(trace["fill"] == "none" for card in cards for trace in card["traces"])
    tab.page.wait_for_function("() => location.search === '?mode=overlay'")
    tab.screenshot("histograms-overlay.png")
    tab.assert_clean()


def test_histograms_compare_runs_at_a_chosen_step(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_page(tab, server, "/histograms?tags=layer", 4)
    tab.page.get_by_label("Compare runs").check()
    cards = wait_cards(tab, "cards.length === 2 && cards.every(c => c.traces.length === 2 && c.traces[0].meta.run)")
    assert [card["title"] for card in cards] == list(TAGS)
    assert steps_by_run(cards[0])["beta"] == 95 and steps_by_run(cards[0])["alpha"] >= 90  # latest of each run
    assert tab.page.locator("#histograms-step-input").input_value() == "95"
    assert tab.page.locator("#histograms-step-input").is_visible() and not tab.page.get_by_label("Wall time").is_visible()
    box = tab.page.locator("#histograms-step-input")
    box.fill("42")
    box.press("Enter")  # snapped to logged step 40; beta has 35 and 45 and takes the earlier
    cards = wait_cards(tab, "cards.every(c => c.traces.some(t => t.meta.run === 'alpha' && t.meta.step === 40))")
    assert [steps_by_run(card) for card in cards] == [{"alpha": 40, "beta": 35}] * 2
    assert cards[0]["subtitle"] == "2 runs at step 40 (nearest: beta at 35)"
    tab.page.wait_for_function("() => location.search.includes('mode=compare') && location.search.includes('step=40')")
    tab.screenshot("histograms-compare.png")
    tab.page.locator("#histograms-step [role=slider]").focus()
    tab.page.keyboard.press("Home")
    cards = wait_cards(tab, "cards.every(c => c.traces.some(t => t.meta.run === 'beta' && t.meta.step === 5))")
    assert [steps_by_run(card) for card in cards] == [{"alpha": 0, "beta": 5}] * 2
    assert box.input_value() == "0"
    tab.assert_clean()


def test_distributions_bands_and_wall_time_axis(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    cards = open_page(tab, server, "/distributions", 4)
    assert [(card["title"], card["subtitle"].split(" · ")[0]) for card in cards] == [
        (tag, run) for tag in TAGS for run in RUNS]
    bands = ["min–max", "±1.5σ", "±1σ", "±0.5σ", "median"]
    assert all([trace["meta"]["band"] for trace in card["traces"]] == bands for card in cards)
    assert cards[1]["traces"][-1]["points"] == len(BETA_STEPS) and cards[0]["xaxis"] == "linear"
    tab.screenshot("distributions.png")
    tab.page.get_by_label("Wall time").check()
    wait_cards(tab, "cards.length === 4 && cards.every(c => c.xaxis === 'date')")
    tab.page.wait_for_function("() => location.search === '?x=wall'")
    tab.screenshot("distributions-wall.png")
    tab.assert_clean()


def test_new_steps_appear_without_reload(live: tuple[Server, Any], tab: Tab) -> None:
    server, writer = live
    open_page(tab, server, "/histograms?tags=weight&run=alpha", 1)
    tab.page.evaluate("() => { window.__not_reloaded = true; }")
    writer.add_histogram("layer1/weight", np.random.default_rng(1).normal(3.0, 0.5, 400), 100)
    writer.flush()
    cards = wait_cards(tab, "cards.length === 1 && cards[0].traces.at(-1).meta.step === 100")
    assert cards[0]["subtitle"] == "alpha · 11 steps"
    assert tab.page.evaluate("() => window.__not_reloaded") is True
    tab.page.goto(f"{server.url}/distributions?tags=weight&run=alpha")
    cards = wait_cards(tab, "cards.length === 1 && cards[0].traces.length === 5")
    assert cards[0]["traces"][-1]["points"] == 11 and cards[0]["subtitle"] == "alpha · 11 steps"
    tab.assert_clean()
