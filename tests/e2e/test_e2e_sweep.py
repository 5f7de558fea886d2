"""Browser sweep: the real CLI on the zoo logdir (every writer, damaged files, odd names), every page in chromium.

Each page, the inactive ones and odd URL queries included, loads without console errors or failed
callbacks and shows its cards; a selection of a run with an odd name survives a reload of its
URL; long run names do not break the card layout. Screenshots: artifacts/screenshots/sweep-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.dashboard.test_sweep_zoo import ODD_RUNS, write_zoo
from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

# path -> (selector of the cards the page must show, how many at least); the sections open first are counted.
PAGES = {
    "/scalars": (".card .js-plotly-plot", 4),
    "/histograms": (".histogram-card .js-plotly-plot", 20),
    "/distributions": (".histogram-card .js-plotly-plot", 20),
    "/images": (".media-card img", 20),
    "/text": (".text-card .text-step", 10),
}
INACTIVE = ("/graphs", "/hparams", "/pr-curves", "/custom-scalars", "/profile", "/runs")
ODD_QUERIES = ("/images?runs=(", "/histograms?runs=%25&mode=nope&unknown=1", "/text?tags=(&markdown=maybe",
               "/distributions?run=%ZZ&hide=x&x=wall", "/audio?tags=%5B&brightness=nan",
               "/histograms?mode=compare&step=-5&run=hash%23mark&run=.")
PICKED = ["amp&er=eq+plus", "pct%41", 'quo"te\\back{x}[y]', "ünï 损失"]  # in run order
LONG_RUN = "long_" + "n" * 150
HEIGHTS_JS = "sel => Array.from(document.querySelectorAll(sel)).map(e => Math.round(e.getBoundingClientRect().height))"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on the zoo (no reloads)."""
    root = tmp_path_factory.mktemp("e2e-sweep")
    logdir = write_zoo(root)
    running = start_cli(["--logdir", str(logdir), "--reload-interval", "0", "--cache-dir", str(root / "cache")], root)
    yield running
    stop(running)


class Callbacks:
    """Counts a page's /_dash-update-component requests still in flight."""

    def __init__(self, page: Any) -> None:
        self.pending = 0
        page.on("request", lambda request: self._count(request, 1))
        page.on("requestfinished", lambda request: self._count(request, -1))
        page.on("requestfailed", lambda request: self._count(request, -1))

    def _count(self, request: Any, change: int) -> None:
        if "_dash-update-component" in request.url:
            self.pending += change

    def settle(self, page: Any) -> None:
        """Wait until no callback has been in flight for 150 ms (the renderer chains them)."""
        quiet = 0
        while quiet < 3:
            page.wait_for_timeout(50)
            quiet = quiet + 1 if self.pending == 0 else 0


def wait_cards(tab: Tab, selector: str, count: int) -> None:
    tab.page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[selector, count])


def snap(tab: Tab, name: str) -> None:
    tab.page.evaluate("() => window.scrollTo(0, 0)")
    tab.screenshot(f"sweep-{name}.png")


@pytest.mark.parametrize("path", PAGES)
def test_sweep_page_shows_its_cards_without_errors(server: Server, tab: Tab, path: str) -> None:
    selector, count = PAGES[path]
    callbacks = Callbacks(tab.page)
    tab.page.goto(f"{server.url}{path}")
    wait_cards(tab, selector, count)
    callbacks.settle(tab.page)
    # random bytes and gzip are problems; the cut last record is "still being written", not listed
    assert tab.page.locator(".problems-banner summary").inner_text().startswith("2 problems")
    tab.page.set_viewport_size({"width": 1000, "height": 900})  # most kinds are active: tabs never run under the right
    nav_right, bar_right = tab.page.evaluate(
        "() => [Math.max(...Array.from(document.querySelectorAll('.nav > *')).map(e => e.getBoundingClientRect().right)),"
        " document.querySelector('.topbar-right').getBoundingClientRect().left]")
    assert nav_right <= bar_right
    snap(tab, path.strip("/"))
    tab.assert_clean()


def test_sweep_audio_cards_of_one_step_keep_their_bottom_spacing(server: Server, tab: Tab) -> None:
    callbacks = Callbacks(tab.page)
    tab.page.goto(f"{server.url}/audio")
    wait_cards(tab, ".media-card audio", 4)
    callbacks.settle(tab.page)
    gaps = tab.page.evaluate("() => Array.from(document.querySelectorAll('.media-card')).map(card => "
                             "card.getBoundingClientRect().bottom - card.querySelector('.media-caption')"
                             ".getBoundingClientRect().bottom)")
    assert len(gaps) == 4 and min(gaps) >= 8, gaps  # the caption does not touch the card's edge
    snap(tab, "audio")
    tab.assert_clean()


def test_sweep_inactive_pages_and_odd_queries_load_cleanly(server: Server, tab: Tab) -> None:
    callbacks = Callbacks(tab.page)
    for path in (*INACTIVE, *ODD_QUERIES):
        tab.page.goto(f"{server.url}{path}")
        tab.page.wait_for_selector(".page-area .page", state="attached")  # every page's root has class "page"
        callbacks.settle(tab.page)
        assert tab.page.locator(".nav-link").count() >= 6, path
    snap(tab, "odd-query")
    tab.assert_clean()


def test_sweep_odd_run_selection_round_trips_through_the_url(server: Server, tab: Tab) -> None:
    callbacks = Callbacks(tab.page)
    tab.page.goto(f"{server.url}/text")
    wait_cards(tab, PAGES["/text"][0], 1)
    tab.page.get_by_role("button", name="None").click()
    tab.page.wait_for_function("() => location.search === '?run=' "
                               "&& !document.querySelector('.run-picker input:checked')")
    for run in PICKED:
        tab.page.get_by_label(run, exact=True).check()
    tab.page.wait_for_function("() => location.search.includes('run=amp%26er%3Deq%2Bplus') && "
                               "location.search.includes('run=pct%2541') && location.search.includes('run=%C3%BCn') && "
                               "location.search.includes('run=quo%22te%5Cback%7Bx%7D%5By%5D')")
    callbacks.settle(tab.page)  # reloading cancels callbacks in flight, which would count as failed
    tab.page.goto(tab.page.url)
    tab.page.wait_for_selector(f".text-card[data-run='{PICKED[0]}']")
    checked = tab.page.evaluate("() => Array.from(document.querySelectorAll('.run-picker input:checked'))"
                                ".map(box => box.value)")
    assert checked == PICKED
    tab.page.wait_for_function("n => new Set(Array.from(document.querySelectorAll('.text-card'))"
                               ".map(c => c.dataset.run)).size === n", arg=len(PICKED))
    assert set(tab.page.locator(".text-card").evaluate_all("cards => cards.map(c => c.dataset.run)")) == set(PICKED)
    tab.assert_clean()


def test_sweep_long_run_name_keeps_card_subtitles_on_one_line(server: Server, tab: Tab) -> None:
    callbacks = Callbacks(tab.page)
    for path, selector in (("/distributions", ".histogram-card .card-subtitle"), ("/text", ".text-card-subtitle")):
        tab.page.goto(f"{server.url}{path}?tags=odd")
        tab.page.wait_for_selector(f"{selector} [title='{LONG_RUN}']")
        callbacks.settle(tab.page)
        heights = tab.page.evaluate(HEIGHTS_JS, selector)
        assert len(heights) >= len(ODD_RUNS) and max(heights) == min(heights), (path, heights)
    snap(tab, "long-run-name")
    tab.assert_clean()


def test_sweep_text_section_of_markdown_long_and_script_text(server: Server, tab: Tab) -> None:
    tab.page.goto(f"{server.url}/text?run=torch&tags=%5Etext%2F")
    tab.page.wait_for_selector(".text-card[data-tag='text/markdown/text_summary'] table")
    long_card = tab.page.locator(".text-card[data-tag='text/long/text_summary']")
    assert long_card.evaluate("card => card.scrollWidth <= card.clientWidth")  # long lines wrap inside the card
    script = tab.page.locator(".text-card[data-tag='text/script/text_summary'] .text-step-body").inner_text()
    assert "<script>alert(1)</script>" in script
    snap(tab, "text-kinds")
    tab.assert_clean()
