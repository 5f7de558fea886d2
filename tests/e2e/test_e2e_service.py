"""Browser tests of the service policy: every page satisfies the CSP, tabs route client-side, unknown paths 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.pages.registry import REGISTRY
from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

# Records every CSP violation the page reports (the console message alone can be missed on a fast navigation).
RECORD_VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
# What each page shows once it has drawn (the demo logdir has data for every dashboard).
PARTS = (".card", ".histogram-card", ".media-card", ".text-card", "table", "canvas", "svg", ".empty-title")
DRAWN = ", ".join(f".page {part}" for part in PARTS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The CLI on the bundled demo logdir (no --logdir), no reloads."""
    root = tmp_path_factory.mktemp("e2e-service")
    running = start_cli(["--reload-interval", "0", "--cache-dir", str(root / "cache")], root)
    yield running
    stop(running)


def violations(tab: Tab) -> list[str]:
    """Return the CSP violations the page recorded (and any console message about the policy)."""
    found = list(tab.page.evaluate("() => window.__cspViolations || []"))
    return found + [error for error in tab.errors if "Content Security Policy" in error]


@pytest.mark.parametrize("path", ["/", *(page.path for page in REGISTRY)])
def test_e2e_service_every_page_satisfies_the_csp(tab: Tab, server: Server, path: str) -> None:
    tab.page.add_init_script(RECORD_VIOLATIONS_JS)
    response = tab.page.goto(f"{server.url}{path}")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    tab.page.wait_for_selector(DRAWN, timeout=30000)
    tab.page.wait_for_load_state("networkidle")
    tab.page.wait_for_timeout(500)  # clientside callbacks after the last response
    assert violations(tab) == []


def test_e2e_service_tabs_route_client_side(tab: Tab, server: Server) -> None:
    tab.page.add_init_script(RECORD_VIOLATIONS_JS)
    tab.page.goto(f"{server.url}/scalars")
    tab.page.wait_for_selector(".card .js-plotly-plot", timeout=30000)
    tab.page.evaluate("() => { window.__sameDocument = true; }")
    tab.page.click(".nav a.nav-link[href^='/histograms']")
    tab.page.wait_for_url("**/histograms**")
    tab.page.wait_for_selector(".histogram-card .js-plotly-plot", timeout=30000)
    tab.page.click(".nav a.nav-link[href^='/scalars']")
    tab.page.wait_for_url("**/scalars**")
    tab.page.wait_for_selector(".card .js-plotly-plot", timeout=30000)
    assert tab.page.evaluate("() => window.__sameDocument") is True  # no full page load: Dash Pages routed it
    assert violations(tab) == []


def test_e2e_service_unknown_path_is_404_and_shows_not_found(chromium: object, server: Server, tmp_path: Path) -> None:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = page.goto(f"{server.url}/no-such-dashboard")
        assert response is not None and response.status == 404
        page.wait_for_selector("text=Page not found", timeout=30000)
        page.click("text=Go to Scalars")
        page.wait_for_selector(".card .js-plotly-plot", timeout=30000)
        page.screenshot(path=str(tmp_path / "not-found.png"))
    finally:
        context.close()
    # Chromium reports the 404 of the document itself; nothing else may fail.
    assert [error for error in errors if "404" not in error] == []
    assert len(errors) <= 1
