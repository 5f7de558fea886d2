"""Dashboard test fixtures: a small tensorboardX logdir and apps serving it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest

from dashboard.app import create_app
from dashboard.settings import Settings

RUNS = ("alpha", "beta", "gamma")
STEPS = 20


def write_scalar_logdir(logdir: Path) -> Path:
    """Write 3 runs with tensorboardX: alpha and beta log loss, train/acc, train/lr; gamma only extra/only_gamma."""
    from tensorboardX import SummaryWriter

    for index, run in enumerate(RUNS):
        writer = SummaryWriter(str(logdir / run))
        for step in range(STEPS):
            if run == "gamma":
                writer.add_scalar("extra/only_gamma", float(step), step)
                continue
            writer.add_scalar("loss", 1.0 / (step + 1) + index, step)
            writer.add_scalar("train/acc", step / STEPS, step)
            writer.add_scalar("train/lr", 0.1, step)
        writer.close()
    return logdir


@pytest.fixture
def scalar_logdir(logdir: Path) -> Path:
    """A tensorboardX logdir (see write_scalar_logdir)."""
    return write_scalar_logdir(logdir)


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., dash.Dash]:
    """Factory: make_app(logdir=..., **settings) builds an app with its cache under tmp_path."""

    def make(**overrides: Any) -> dash.Dash:
        values: dict[str, Any] = {"cache_dir": str(tmp_path / "cache"), "reload_interval": 0.0}
        values.update(overrides)
        return create_app(Settings(**values))

    return make


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> dash.Dash:
    """An app serving scalar_logdir (reload interval 0: load once)."""
    return make_app(logdir=str(scalar_logdir))


@pytest.fixture
def in_request(app: dash.Dash) -> Iterator[flask.Flask]:
    """Run the test inside a request of `app`, as callbacks and layouts are."""
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server

