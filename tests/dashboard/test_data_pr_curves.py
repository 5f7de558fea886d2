"""Tests of the PR-curve queries: runs per tag and every step of one (run, tag), from real writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dash
import numpy as np
import pytest

from dashboard import data
from dashboard.data import pr_curves as pr_data

PR_STEPS = [0, 5, 10]


def write_pr_logdir(logdir: Path) -> Path:
    """Write: alpha (tensorboardX add_pr_curve "eval/pr" at 3 steps, "train/pr" at step 0), beta (PyTorch
    add_pr_curve_raw "eval/pr" at step 2, 3 thresholds), gamma (scalars only)."""
    from tensorboardX import SummaryWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    rng = np.random.default_rng(1)
    with SummaryWriter(str(logdir / "alpha")) as writer:
        for step in PR_STEPS:
            labels = rng.integers(0, 2, 200)
            writer.add_pr_curve("eval/pr", labels, np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1), step)
        writer.add_pr_curve("train/pr", np.array([0, 1, 1, 0]), np.array([0.2, 0.9, 0.6, 0.4]), 0)
    with TorchWriter(str(logdir / "beta")) as writer:
        writer.add_pr_curve_raw(
            "eval/pr",
            [10, 8, 5],
            [6, 3, 1],
            [0, 3, 5],
            [0, 2, 5],
            [0.62, 0.73, 0.83],
            [1.0, 0.8, 0.5],
            2,
            num_thresholds=3,
        )
    with SummaryWriter(str(logdir / "gamma")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    return logdir


@pytest.fixture
def source(make_app: Callable[..., dash.Dash], logdir: Path) -> data.DataSource:
    app = make_app(logdir=str(write_pr_logdir(logdir)))
    with app.server.test_request_context("/"):
        return data.current()


def test_runs_by_tag_lists_the_runs_that_logged_each_tag(source: data.DataSource) -> None:
    pairs = pr_data.runs_by_tag(source, ["gamma", "beta", "alpha"], ["eval/pr", "train/pr", "nope"])

    assert pairs == {"eval/pr": ["beta", "alpha"], "train/pr": ["alpha"]}


def test_curves_returns_every_step_sorted_with_equal_length_lists(source: data.DataSource) -> None:
    frame = pr_data.curves(source, "alpha", "eval/pr")

    assert frame["step"].tolist() == PR_STEPS
    assert list(frame.columns) == pr_data.COLUMNS
    lengths = {len(frame[name].iloc[0]) for name in pr_data.LISTS}
    assert lengths == {127}  # tensorboardX's default num_thresholds


def test_curves_reads_add_pr_curve_raw_values(source: data.DataSource) -> None:
    (row,) = pr_data.curves(source, "beta", "eval/pr").itertuples()

    assert row.step == 2
    np.testing.assert_allclose(row.precision, [0.62, 0.73, 0.83], rtol=1e-6)
    np.testing.assert_allclose(row.tp, [10, 8, 5])


def test_curves_of_a_pair_without_pr_curves_is_empty(source: data.DataSource) -> None:
    assert pr_data.curves(source, "gamma", "eval/pr").empty
    assert pr_data.curves(source, "nobody", "eval/pr").empty
    assert list(pr_data.curves(source, "gamma", "eval/pr").columns) == pr_data.COLUMNS


def test_curves_read_the_tf_pr_curve_summary_fixture(make_app: Callable[..., dash.Dash]) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_pr_curve"
    app = make_app(logdir=str(fixture))
    with app.server.test_request_context("/"):
        source = data.current()
        pairs = pr_data.runs_by_tag(source, source.runs(), ["pr/pr_curves"])
        frame = pr_data.curves(source, ".", "pr/pr_curves")

    assert pairs == {"pr/pr_curves": ["."]}
    assert frame["step"].tolist() == [0, 1]
    assert {len(frame[name].iloc[0]) for name in pr_data.LISTS} == {11}  # the fixture's num_thresholds
