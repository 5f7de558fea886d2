"""Browser-test fixtures: Debian's chromium driven by Playwright, and a recording page per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, Tab


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless Debian chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Tab]:
    """A fresh 1400x900 page with error recording; the test fails on any console error, even one it did not check."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    recorded = Tab(page)
    page.on("console", lambda message: recorded.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: recorded.errors.append(str(error)))

    def on_response(response: Any) -> None:
        if "_dash-update-component" in response.url and response.status >= 400:
            recorded.failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on("requestfailed", lambda request: recorded.failed.append(f"failed {request.url}")
            if "_dash-update-component" in request.url else None)
    yield recorded
    context.close()
    recorded.assert_clean()  # every browser test fails on any console error or failed callback request
