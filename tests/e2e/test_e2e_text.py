"""Browser tests of the Text page: the real CLI on tensorboardX logs, driven in Debian's chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

NOTES = "notes/text_summary"
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
# Block HTML (each on its own line) is shown literally; the inline forms must stay inert as well.
XSS = (f"# Untrusted\n\n{IMG}\n\n{SCRIPT}\n\n[click me](javascript:window.__xss=3)\n\n"
       f"inline {IMG} and <iframe src=\"javascript:window.__xss=4\"></iframe>")
CARDS_JS = """() => Array.from(document.querySelectorAll('.text-card')).map(card => ({
    tag: card.querySelector('.card-title').textContent, run: card.dataset.run,
    steps: Array.from(card.querySelectorAll('.text-step')).map(s => Number(s.dataset.step)),
    position: card.querySelector('.text-pager-position').textContent}))"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any]]:
    """The CLI (reload interval 2 s) on tensorboardX text logs; the "live" run's writer stays open."""
    from tensorboardX import SummaryWriter

    from loaders.writer import EventWriter

    root = tmp_path_factory.mktemp("e2e-text")
    logs = root / "logs"
    with SummaryWriter(str(logs / "alpha")) as writer:
        for step in range(25):
            writer.add_text("notes", f"**alpha** note {step}", step)
        writer.add_text("xss", XSS, 0)
    with SummaryWriter(str(logs / "beta")) as writer:
        for step in (5, 7, 9):
            writer.add_text("notes", f"beta note {step}", step)
    with EventWriter(str(logs / "alpha")) as events:  # string tensors of rank 2 and 3 (tensorboardX logs 1 string)
        events.add_text("tables/metrics", [["class", "precision"], ["cat", "0.91"], ["dog", "0.87"]], 3)
        events.add_text("tables/cube", [[[f"v{i}{j}{k}" for k in range(2)] for j in range(3)] for i in range(2)], 3)
    writer = SummaryWriter(str(logs / "live"), max_queue=1, flush_secs=1)
    writer.add_text("stream", "live note 0", 0)
    writer.flush()
    server = start_cli(["--logdir", str(logs), "--reload-interval", "2", "--cache-dir", str(root / "cache")], root,
                       probe="/text")
    yield server, writer
    writer.close()
    stop(server)


def open_text(tab: Tab, server: Server, query: str = "", *, count: int = 1) -> list[dict[str, Any]]:
    """Open /text?query, wait until `count` cards show their steps, and return what the cards show.

    dcc.Markdown is loaded asynchronously, so a step's body can be empty for a moment after the step
    itself appears: wait until every step body has text.
    """
    tab.page.goto(f"{server.url}/text{query}")
    tab.page.wait_for_function("n => { const cards = Array.from(document.querySelectorAll('.text-card'));"
                               " return cards.length >= n && cards.every(c => c.querySelector('.text-step'))"
                               " && Array.from(document.querySelectorAll('.text-step-body'))"
                               ".every(b => b.textContent.trim() !== ''); }",
                               arg=count)
    return tab.page.evaluate(CARDS_JS)


def card_steps(tab: Tab, run: str, tag: str) -> list[int]:
    return next(card["steps"] for card in tab.page.evaluate(CARDS_JS) if card["run"] == run and card["tag"] == tag)


def test_text_page_shows_one_card_per_run_and_tag_newest_first(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    cards = open_text(tab, server, count=6)
    assert [(card["tag"], card["run"]) for card in cards] == [
        (NOTES, "alpha"), (NOTES, "beta"), ("stream/text_summary", "live"), ("tables/cube", "alpha"),
        ("tables/metrics", "alpha"), ("xss/text_summary", "alpha")]
    assert tab.page.locator(".section-name").all_inner_texts() == ["notes", "stream", "tables", "xss"]
    assert cards[0]["steps"] == list(range(24, 14, -1)) and cards[0]["position"] == "Page 1 of 3 · steps 24–15"
    assert cards[1]["steps"] == [9, 7, 5]
    assert not tab.page.locator(".text-card").nth(1).locator(".text-pager").is_visible()  # one page: no pager
    alpha = tab.page.locator(".text-card").first
    assert alpha.locator(".text-step").first.locator("strong").inner_text() == "alpha"  # Markdown rendered
    metrics = tab.page.locator(".text-card[data-tag='tables/metrics'] table td")
    assert metrics.all_inner_texts() == ["class", "precision", "cat", "0.91", "dog", "0.87"]
    cube = tab.page.locator(".text-card[data-tag='tables/cube']")
    assert cube.locator(".es-text-note").inner_text() == "showing [0, :, :] of shape [2, 3, 2]"
    assert cube.locator("td").all_inner_texts() == ["v000", "v001", "v010", "v011", "v020", "v021"]
    assert tab.page.locator(".nav-link.current").inner_text().lower() == "text"
    tab.screenshot("text.png")
    tab.assert_clean()


def test_paging_changes_the_shown_steps(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_text(tab, server, "?tags=%5Enotes&run=alpha")
    card = tab.page.locator(".text-card").first
    card.get_by_role("button", name="Older steps").click()
    tab.page.wait_for_function("() => document.querySelector('.text-pager-position').textContent.startsWith('Page 2')")
    assert card_steps(tab, "alpha", NOTES) == list(range(14, 4, -1))
    assert card.locator(".text-pager-position").inner_text() == "Page 2 of 3 · steps 14–5"
    card.get_by_role("button", name="Oldest steps").click()
    tab.page.wait_for_function("() => document.querySelector('.text-pager-position').textContent.startsWith('Page 3')")
    assert card_steps(tab, "alpha", NOTES) == [4, 3, 2, 1, 0]
    assert card.get_by_role("button", name="Older steps").is_disabled()
    tab.screenshot("text-paged.png")
    card.get_by_role("button", name="Newest steps").click()
    tab.page.wait_for_function("() => document.querySelector('.text-pager-position').textContent.startsWith('Page 1')")
    assert card_steps(tab, "alpha", NOTES)[0] == 24 and card.get_by_role("button", name="Newer steps").is_disabled()
    tab.assert_clean()


def test_html_in_summaries_is_shown_as_text_and_never_runs(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_text(tab, server, "?tags=xss")
    card = tab.page.locator(".text-card").first
    shown = card.locator(".text-step-body").inner_text()
    assert IMG in shown and SCRIPT in shown and "Untrusted" in shown
    assert card.locator("h1").inner_text() == "Untrusted"  # Markdown still works around the HTML
    assert card.locator("img, script, iframe").count() == 0
    link = card.get_by_text("click me")
    assert "__xss" not in (link.get_attribute("href") or "")  # the renderer's URI filter: javascript:void(0)
    link.click()
    tab.page.wait_for_timeout(300)
    assert tab.page.evaluate("() => window.__xss") is None
    tab.screenshot("text-xss.png")
    tab.page.get_by_text("Render Markdown").click()
    tab.page.wait_for_selector(".text-card pre.es-text-raw")
    tab.page.wait_for_function("() => window.location.search.includes('markdown=0')")
    assert card.locator("pre.es-text-raw").inner_text() == XSS
    assert card.locator("img, script, iframe").count() == 0 and tab.page.evaluate("() => window.__xss") is None
    tab.screenshot("text-xss-raw.png")
    tab.assert_clean()


def test_appended_steps_appear_without_reload(live: tuple[Server, Any], tab: Tab) -> None:
    server, writer = live
    open_text(tab, server, "?run=live")
    tab.page.evaluate("() => { window.__not_reloaded = true; }")
    writer.add_text("stream", "live note 1", 1)
    writer.flush()
    tab.page.wait_for_function("() => document.querySelector('.text-card .text-step').dataset.step === '1'",
                               timeout=20_000)
    assert card_steps(tab, "live", "stream/text_summary") == [1, 0]
    assert tab.page.evaluate("() => window.__not_reloaded") is True
    tab.assert_clean()


def test_a_cards_page_survives_a_live_reload(live: tuple[Server, Any], tab: Tab) -> None:
    server, writer = live
    open_text(tab, server, "?tags=%5E(notes|stream)&run=alpha&run=live", count=2)
    alpha = tab.page.locator(".text-card[data-run='alpha']")
    alpha.get_by_role("button", name="Older steps").click()
    tab.page.wait_for_function("() => document.querySelector(\".text-card[data-run='alpha'] .text-pager-position\")"
                               ".textContent.startsWith('Page 2')")
    writer.add_text("stream", "live note 2", 2)  # new data in another card: a live reload
    writer.flush()
    tab.page.wait_for_function("() => document.querySelector(\".text-card[data-run='live'] .text-step\")"
                               ".dataset.step === '2'", timeout=20_000)
    assert alpha.locator(".text-pager-position").inner_text() == "Page 2 of 3 · steps 14–5"
    assert card_steps(tab, "alpha", NOTES) == list(range(14, 4, -1))
    tab.assert_clean()
