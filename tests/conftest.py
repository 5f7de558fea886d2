"""Shared fixtures: a per-test logdir, a tensorboardX writer factory and the demo logdir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    """An empty logdir for this test (tmp_path / "logs", not yet created)."""
    return tmp_path / "logs"


@pytest.fixture
def tbx_writer(logdir: Path) -> Iterator[Callable[..., Any]]:
    """Factory: tbx_writer("run", **kwargs) opens a tensorboardX SummaryWriter at logdir/run.

    Every writer it made is closed (and so flushed) when the test ends; call .close() or
    .flush() yourself before reading inside the test.
    """
    from tensorboardX import SummaryWriter

    writers: list[SummaryWriter] = []

    def make(run: str = "run", **kwargs: Any) -> SummaryWriter:
        writers.append(SummaryWriter(str(logdir / run), **kwargs))
        return writers[-1]

    yield make
    for writer in writers:
        writer.close()


@pytest.fixture(scope="session")
def demo_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo logdir, written once per test session (treat it as read-only)."""
    from loaders.demo import write_demo_logdir

    return Path(write_demo_logdir(tmp_path_factory.mktemp("demo") / "logs"))
