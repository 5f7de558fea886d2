"""Browser tests of the Custom scalars page: the real CLI on a tensorboardX layout and scalars, in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

LAYOUT = {
    "Losses": {"all losses": ["Multiline", ["loss/"]], "val only": ["Multiline", [r"loss/val$"]]},
    "Accuracy": {"acc band": ["Margin", ["acc/mean", "acc/low", "acc/high"]]},
}
CARDS_JS = """() => Array.from(document.querySelectorAll('.custom-scalars-card')).map(card => {
    const graph = card.querySelector('.js-plotly-plot');
    if (!graph || !graph._fullData) { return {title: null, traces: []}; }  // still drawing
    return {title: card.querySelector('.card-title').textContent,
            subtitle: card.querySelector('.card-subtitle').textContent,
            traces: graph._fullData.map(t => ({meta: t.meta, fill: t.fill, points: t.x.length}))};
})"""
DRAWN_JS = f"n => {{ const c = ({CARDS_JS})(); return c.length === n && c.every(x => x.title); }}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on runs alpha and beta: loss/train, loss/val, val_loss/other, acc/mean|low|high; alpha has the layout."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("e2e_custom")
    for index, run in enumerate(("alpha", "beta")):
        with SummaryWriter(str(root / "logs" / run)) as writer:
            if run == "alpha":
                writer.add_custom_scalars(LAYOUT)
            for step in range(30):
                writer.add_scalar("loss/train", 1.0 / (step + 1) + index, step)
                writer.add_scalar("loss/val", 1.2 / (step + 1) + index, step)
                writer.add_scalar("val_loss/other", 5.0, step)  # "loss/" must not match it (match from the start)
                writer.add_scalar("acc/mean", 0.5 + step / 100 + index / 10, step)
                writer.add_scalar("acc/low", 0.45 + step / 100 + index / 10, step)
                writer.add_scalar("acc/high", 0.55 + step / 100 + index / 10, step)
    server = start_cli(
        ["--logdir", str(root / "logs"), "--cache-dir", str(root / "cache")], root, probe="/custom-scalars"
    )
    yield server
    stop(server)


def open_page(tab: Tab, server: Server, path: str, cards: int) -> list[dict[str, Any]]:
    tab.page.goto(f"{server.url}{path}")
    tab.page.wait_for_function(DRAWN_JS, arg=cards)
    return tab.page.evaluate(CARDS_JS)


def test_custom_scalars_sections_and_regex_matched_tags(live: Server, tab: Tab) -> None:
    cards = open_page(tab, live, "/custom-scalars", 3)

    assert tab.page.locator(".section-name").all_inner_texts() == ["Losses", "Accuracy"]  # layout order
    by_title = {card["title"]: card for card in cards}
    assert list(by_title) == ["all losses", "val only", "acc band"]
    smoothed = {t["meta"]["run"] for t in by_title["all losses"]["traces"] if t["meta"]["role"] == "smoothed"}
    assert smoothed == {f"loss/{s} · {r}" for s in ("train", "val") for r in ("alpha", "beta")}
    assert by_title["all losses"]["subtitle"] == "2 tags: loss/train, loss/val"
    assert {t["meta"]["run"] for t in by_title["val only"]["traces"]} == {"loss/val · alpha", "loss/val · beta"}
    tab.screenshot("custom-scalars.png")
    tab.assert_clean()


def test_custom_scalars_margin_chart_fills_the_band(live: Server, tab: Tab) -> None:
    cards = open_page(tab, live, "/custom-scalars?run=beta", 3)

    (band,) = [card for card in cards if card["title"] == "acc band"]
    assert [(t["meta"]["role"], t["fill"]) for t in band["traces"]] == [
        ("lower", "none"),
        ("upper", "tonexty"),
        ("value", "none"),
    ]
    assert all(t["meta"]["run"] == "acc/mean · beta" and t["points"] == 30 for t in band["traces"])
    tab.assert_clean()


def test_custom_scalars_smoothing_reaches_the_multiline_charts(live: Server, tab: Tab) -> None:
    open_page(tab, live, "/custom-scalars?smoothing=0", 3)
    box = tab.page.locator("#custom-scalars-smoothing-input")
    assert box.input_value() == "0"

    box.fill("0.9")
    box.press("Enter")
    tab.page.wait_for_function("() => location.search.includes('smoothing=0.9')")
    tab.page.wait_for_function(DRAWN_JS, arg=3)
    tab.assert_clean()


def test_custom_scalars_empty_state_shows_add_custom_scalars(tmp_path: Path, tab: Tab) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "logs" / "run")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    server = start_cli(["--logdir", str(tmp_path / "logs"), "--cache-dir", str(tmp_path / "cache")], tmp_path)
    try:
        tab.page.goto(f"{server.url}/custom-scalars")
        tab.page.wait_for_selector(".empty-state")
        assert "add_custom_scalars" in tab.page.locator(".empty-code").inner_text()
        tab.screenshot("custom-scalars-empty.png")
        tab.assert_clean()
    finally:
        stop(server)
