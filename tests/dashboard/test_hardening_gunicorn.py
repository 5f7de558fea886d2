"""Hardening: the README's gunicorn command keeps answering while slow clients trickle in request bodies."""

from __future__ import annotations

import importlib.util
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import gunicorn_conf
from tests.dashboard.dashtest import free_port, wait_for

README = Path(__file__).parents[2] / "README.md"
SLOW_CLIENTS = 3
PARTIAL_POST = (b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{")

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed")


def documented_command() -> list[str]:
    """The gunicorn arguments of the README's service command (after `gunicorn`, without the line break)."""
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(line for line in text.splitlines() if " gunicorn " in f" {line} " and "dashboard.wsgi:server" in line)
    words = shlex.split(line)
    return words[words.index("gunicorn") + 1:]


@pytest.fixture
def documented_gunicorn(scalar_logdir: Path, tmp_path: Path) -> Iterator[str]:
    """The README's gunicorn command (2 workers) on a free loopback port; yields its base URL."""
    port = free_port()
    args = [f"127.0.0.1:{port}" if word.startswith("127.0.0.1:") else word for word in documented_command()]
    env = {**os.environ, "EVENTSCOPE_LOGDIR": str(scalar_logdir), "EVENTSCOPE_CACHE_DIR": str(tmp_path / "cache"),
           "EVENTSCOPE_RELOAD_INTERVAL": "0"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *args], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/scalars", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_command_in_readme_uses_the_threaded_config_with_two_workers() -> None:
    args = documented_command()
    assert args[:2] == ["-c", "python:dashboard.gunicorn_conf"] and args[args.index("-w") + 1] == "2"
    assert gunicorn_conf.worker_class == "gthread" and gunicorn_conf.threads >= SLOW_CLIENTS * 2
    assert 0 < gunicorn_conf.keepalive < gunicorn_conf.timeout


def test_gunicorn_answers_while_slow_clients_hold_partial_bodies(documented_gunicorn: str) -> None:
    port = int(documented_gunicorn.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(SLOW_CLIENTS)]
    try:
        for sock in slow:
            sock.sendall(PARTIAL_POST)  # 1 of 100 announced body bytes, then silence
        time.sleep(1.0)  # let the workers pick the slow requests up
        for _ in range(4):  # with sync workers, two slow sockets hold both workers and these time out
            with urllib.request.urlopen(f"{documented_gunicorn}/_dash-layout", timeout=5) as response:
                assert response.status == 200 and b"shell-nav" in response.read()
    finally:
        for sock in slow:
            sock.close()
