"""Charts painted in Chromium: our Scalars page after `python -m dashboard` starts, and TensorBoard's, same clock."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmarks.harness import Sample, free_port, group_peak_mib, kill_group, run_child, wait_exit

if TYPE_CHECKING:
    from benchmarks.suite import Measure, Suite

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1200}
FIRST_CHARTS = 12
SETTLE_S = 3.0  # the painted-chart count is final when it has not changed for this long
# Ours: a Plotly chart counts as painted once it has drawn a line path (SVG) or a WebGL canvas.
OURS_PAINTED_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(plot =>
    Array.from(plot.querySelectorAll('.scatterlayer path.js-line')).some(p => (p.getAttribute('d') || '').length > 4)
    || plot.querySelector('.gl-container canvas') !== null).length"""
# TensorBoard (opened with ?forceSVG=true so its line charts are SVG): a scalar card with a drawn line path.
TB_PAINTED_JS = """() => Array.from(document.querySelectorAll('scalar-card')).filter(card =>
    Array.from(card.querySelectorAll('line-chart svg path'))
        .some(p => (p.getAttribute('d') || '').length > 20)).length"""
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Page:
    """A server to start and the page of it to watch."""

    command: list[str]
    path: str  # URL path and query on http://127.0.0.1:<port>
    painted_js: str  # returns how many charts are painted
    port: int


def unavailable(*, ours: bool) -> str:
    """Return why a page cannot be measured ("" when it can)."""
    missing = [name for name in ("dashboard/app.py", "dashboard/__main__.py")
               if not os.path.exists(os.path.join(_ROOT, name))]
    if ours and missing:
        return f"{' and '.join(missing)} do not exist yet (no create_app / `python -m dashboard`)"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    return ""


def measures(suite: Suite) -> list[Measure]:
    """Return the browser measures of suite: ours cold and warm (group dashboard), TensorBoard's (group tensorboard)."""
    from benchmarks.suite import Measure, mark

    def callbacks(name: str) -> Callable[[Sample], float | None]:
        return lambda sample: sample.result.get(name)

    found = [
        Measure("dashboard", lambda: run_child("ours_import", {"module": "dashboard.app"}),
                [("dash.import", "ours: import dashboard.app", mark("imported"))], skipped=unavailable(ours=True)),
        Measure("dashboard", lambda: paint(ours_page(suite, cold=True), suite.options.timeout), [
            ("dash.listen.cold", "ours: server accepting connections, cold", mark("listening")),
            ("dash.paint.cold", "ours: first chart painted in Chromium, cold", mark("first")),
            ("dash.paint12.cold", f"ours: first {FIRST_CHARTS} charts painted, cold", mark("twelve"))],
            skipped=unavailable(ours=True)),
        Measure("dashboard", lambda: paint(ours_page(suite, cold=False), suite.options.timeout), [
            ("dash.listen.warm", "ours: server accepting connections, warm", mark("listening")),
            ("dash.paint.warm", "ours: first chart painted in Chromium, warm", mark("first")),
            ("dash.paint12.warm", f"ours: first {FIRST_CHARTS} charts painted, warm", mark("twelve")),
            ("dash.server", "ours: slowest Scalars page callback (server)", callbacks("slowest_callback")),
            ("dash.server.median", "ours: median Scalars page callback", callbacks("median_callback"))],
            skipped=unavailable(ours=True)),
        Measure("tensorboard", lambda: paint(tensorboard_page(suite), suite.options.timeout), [
            ("tb.listen", "TB whole server: accepting connections", mark("listening")),
            ("tb.paint", "TB whole server: first chart painted in Chromium", mark("first"))],
            skipped=unavailable(ours=False)),
    ]
    return found


def ours_page(suite: Suite, *, cold: bool) -> Page:
    """Return `python -m dashboard` on suite's logdir (empty cache when cold) and its /scalars page."""
    cache = suite.fresh_cache() if cold else suite.warm_cache()
    port = free_port()
    command = [sys.executable, "-m", "dashboard", "--logdir", suite.logdir, "--cache-dir", cache,
               "--port", str(port), "--host", "127.0.0.1"]
    return Page(command, "/scalars", OURS_PAINTED_JS, port)


def tensorboard_page(suite: Suite) -> Page:
    """Return `tensorboard --load_fast=true` on suite's logdir and its time-series page (SVG charts)."""
    port = free_port()
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", suite.logdir, "--load_fast=true",
               "--port", str(port), "--host", "127.0.0.1"]
    return Page(command, "/?forceSVG=true#timeseries", TB_PAINTED_JS, port)


def paint(page_spec: Page, timeout: float) -> Sample:
    """Start the server, open its page in Chromium, and time the charts being painted.

    The browser is started first (a user's browser is already open); the clock starts when the
    server is spawned. Marks: first = one chart painted, twelve = FIRST_CHARTS painted (or all the
    page shows, when it settles with fewer). result: slowest_callback and median_callback, the
    time to first byte of the page's Dash callback responses (s). RSS: the server's peak.
    """
    from playwright.sync_api import sync_playwright

    log = tempfile.TemporaryFile()
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        callbacks: list[tuple[float, str]] = []
        page.on("requestfinished", lambda request: _record(request, callbacks))
        t0 = time.monotonic()
        proc = subprocess.Popen(page_spec.command, cwd=_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        try:
            marks = _watch(page, page_spec, t0, timeout)
        finally:
            rss = group_peak_mib(proc.pid)
            browser.close()
            kill_group(proc)
            wait_exit(proc)
    log.close()
    return Sample(seconds=marks.get("twelve", timeout), rss_mib=rss, timed_out="twelve" not in marks, marks=marks,
                  result=_callback_stats(callbacks) | {"charts": marks.get("charts", 0)})


def _record(request, callbacks: list[tuple[float, str]]) -> None:
    """Keep (time to first byte in s, output id) of each Dash callback request."""
    if "_dash-update-component" in request.url:
        timing = request.timing
        try:
            output = str((request.post_data_json or {}).get("output", "?"))[:120]
        except ValueError:
            output = "?"
        callbacks.append((max(0.0, timing["responseStart"] - timing["requestStart"]) / 1000, output))


def _callback_stats(callbacks: list[tuple[float, str]]) -> dict[str, object]:
    if not callbacks:
        return {"slowest_callback": None, "median_callback": None, "callbacks": 0}
    slowest = max(callbacks)
    return {"slowest_callback": slowest[0], "slowest_output": slowest[1], "callbacks": len(callbacks),
            "median_callback": statistics.median(seconds for seconds, _ in callbacks)}


def _watch(page, spec: Page, t0: float, timeout: float) -> dict[str, float]:
    """Wait for the server to accept, open the page, and stamp when each count of painted charts was reached."""
    deadline = t0 + timeout
    while not _accepts(spec.port):
        if time.monotonic() > deadline:
            return {}
        time.sleep(0.02)
    listening = time.monotonic() - t0
    page.goto(f"http://127.0.0.1:{spec.port}{spec.path}", wait_until="commit")
    reached: dict[int, float] = {}  # painted count -> first time seen
    changed = time.monotonic()
    while time.monotonic() < deadline:
        painted, now = page.evaluate(spec.painted_js), time.monotonic()
        if painted and painted not in reached:
            reached[painted], changed = now - t0, now
        if painted >= FIRST_CHARTS or (painted and now - changed > SETTLE_S):
            break
        time.sleep(0.02)
    return _marks(reached) | {"listening": listening}


def _marks(reached: dict[int, float]) -> dict[str, float]:
    """first = one chart painted; twelve = FIRST_CHARTS painted (or the final count, if fewer)."""
    if not reached:
        return {}
    final = max(reached)
    wanted = min(FIRST_CHARTS, final)
    return {"first": min(reached.values()), "twelve": min(t for count, t in reached.items() if count >= wanted),
            "charts": float(final)}


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
