"""Browser-test helpers: start/stop the real CLI, and a page wrapper that records errors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.dashboard.dashtest import free_port, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@dataclass
class Server:
    """A running `python -m dashboard`."""

    url: str
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        """Return what the server printed on stderr so far."""
        return self.stderr_path.read_text(errors="replace")


def start_cli(args: list[str], workdir: Path, *, probe: str = "/scalars") -> Server:
    """Start the real CLI on a free loopback port and wait until it serves probe."""
    port = free_port()
    stderr_path = workdir / f"server-{port}.log"
    with stderr_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "dashboard", *args, "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}{probe}", process, timeout=60)
    except AssertionError:
        process.kill()
        raise AssertionError(f"CLI did not start: {stderr_path.read_text(errors='replace')[-3000:]}") from None
    return Server(url, process, stderr_path)


def stop(server: Server) -> None:
    """Stop a server started by start_cli."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@dataclass
class Tab:
    """A browser page that records console errors and failed Dash callback requests."""

    page: Any
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """Fail if the browser logged an error or a /_dash-update-component call failed."""
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.failed == [], f"failed callback requests: {self.failed}"

    def screenshot(self, name: str) -> Path:
        """Save a full-page screenshot under artifacts/screenshots/ and return its path."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path
