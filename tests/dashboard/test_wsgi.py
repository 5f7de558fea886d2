"""`gunicorn dashboard.wsgi:server` with 2 workers on loopback serves the Scalars page and its callbacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.dashtest import _id_text, free_port, wait_for


@pytest.fixture
def gunicorn(scalar_logdir: Path, tmp_path: Path) -> Iterator[str]:
    """A 2-worker gunicorn serving scalar_logdir; yields its base URL."""
    port = free_port()
    env = {**os.environ, "EVENTSCOPE_LOGDIR": str(scalar_logdir), "EVENTSCOPE_CACHE_DIR": str(tmp_path / "cache"),
           "EVENTSCOPE_RELOAD_INTERVAL": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "dashboard.wsgi:server"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/scalars", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_gunicorn_two_workers_serve_scalars(gunicorn: str) -> None:
    with urllib.request.urlopen(f"{gunicorn}/scalars", timeout=10) as response:
        assert response.status == 200 and b"Eventscope" in response.read()
    with urllib.request.urlopen(f"{gunicorn}/_dash-layout", timeout=10) as response:
        assert b"shell-nav" in response.read()
    location = {"id": "_pages_location", "property": "pathname", "value": "/scalars"}
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [location, {"id": "_pages_location", "property": "search", "value": "?smoothing=0.9"}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    for _ in range(6):  # several requests, so both workers answer
        page = json.dumps(_post(f"{gunicorn}/_dash-update-component", body))
        assert "4 tags in 3 sections" in page and _id_text("scalars-smoothing") in page
