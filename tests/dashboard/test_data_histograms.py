"""Tests of dashboard.data.histograms: tags, (tag, run) pairs, cached rows and steps on real tensorboardX logs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dashboard import data
from dashboard.data import histograms as hist_data
from dashboard.settings import Settings

WALL0 = 1_700_000_000.0
STEPS = range(0, 100, 10)


def write_histogram_logdir(logdir: Path) -> Path:
    """Write 3 runs with tensorboardX (wall times one minute apart per step, from WALL0).

    alpha: layer1/weight and layer2/bias at steps 0..90 by 10 (500 and 300 values), const/value
    (fifty 3.0s at steps 0 and 50), and a scalar "loss"; beta: layer1/weight at steps 5..95 by 10,
    layer10/w at step 0; gamma: only the scalar "loss".
    """
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    with SummaryWriter(str(logdir / "alpha")) as writer:
        for step in STEPS:
            wall = WALL0 + 60 * step
            writer.add_histogram("layer1/weight", rng.normal(step / 50, 1.0, 500), step, walltime=wall)
            writer.add_histogram("layer2/bias", rng.uniform(-1, 1 + step / 50, 300), step, walltime=wall)
            writer.add_scalar("loss", 1.0 / (step + 1), step, walltime=wall)
        for step in (0, 50):
            writer.add_histogram("const/value", np.full(50, 3.0), step, walltime=WALL0 + 60 * step)
    with SummaryWriter(str(logdir / "beta")) as writer:
        for step in STEPS:
            writer.add_histogram("layer1/weight", rng.normal(1.0, 2.0, 400), step + 5, walltime=WALL0 + 60 * step)
        writer.add_histogram("layer10/w", rng.normal(0.0, 1.0, 100), 0, walltime=WALL0)
    with SummaryWriter(str(logdir / "gamma")) as writer:
        writer.add_scalar("loss", 1.0, 0, walltime=WALL0)
    return logdir


@pytest.fixture
def source(logdir: Path, tmp_path: Path) -> data.DataSource:
    """A DataSource over write_histogram_logdir (loaded once)."""
    write_histogram_logdir(logdir)
    return data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))


def test_histogram_tags_in_natural_order_for_the_given_runs(source: data.DataSource) -> None:
    assert hist_data.histogram_tags(source, ["alpha", "beta", "gamma"]) == [
        "const/value", "layer1/weight", "layer2/bias", "layer10/w"]
    assert hist_data.histogram_tags(source, ["beta"]) == ["layer1/weight", "layer10/w"]
    assert hist_data.histogram_tags(source, ["alpha"], re.compile("^layer")) == ["layer1/weight", "layer2/bias"]
    assert hist_data.histogram_tags(source, ["gamma"]) == []


def test_has_histograms_only_with_histogram_tags(source: data.DataSource, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    assert hist_data.has_histograms(source)
    with SummaryWriter(str(tmp_path / "scalars_only" / "run")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    settings = Settings(logdir=str(tmp_path / "scalars_only"), cache_dir=str(tmp_path / "cache2"), reload_interval=0)
    assert not hist_data.has_histograms(data.DataSource(settings))


def test_runs_by_tag_keeps_run_order_and_drops_runs_without_the_tag(source: data.DataSource) -> None:
    pairs = hist_data.runs_by_tag(source, ["beta", "alpha", "gamma"], ["layer1/weight", "layer10/w", "loss", "nope"])
    assert pairs == {"layer1/weight": ["beta", "alpha"], "layer10/w": ["beta"]}


def test_series_returns_one_run_and_tag_sorted_by_step(source: data.DataSource) -> None:
    frame = hist_data.series(source, "beta", "layer1/weight")
    assert list(frame.columns) == hist_data.COLUMNS
    assert frame["step"].tolist() == [step + 5 for step in STEPS]
    assert set(frame["run"]) == {"beta"} and set(frame["tag"]) == {"layer1/weight"}
    assert frame["num"].tolist() == [400.0] * 10
    assert frame["wall_time"].iloc[1] - frame["wall_time"].iloc[0] == pytest.approx(600.0)
    constant = hist_data.series(source, "alpha", "const/value")
    assert constant["min"].tolist() == [3.0, 3.0] and constant["max"].tolist() == [3.0, 3.0]


def test_series_of_a_missing_pair_is_empty_with_typed_columns(source: data.DataSource) -> None:
    for run, tag in (("gamma", "layer1/weight"), ("alpha", "loss"), ("nobody", "layer1/weight")):
        frame = hist_data.series(source, run, tag)
        assert frame.empty and list(frame.columns) == hist_data.COLUMNS
    assert str(hist_data.empty()["step"].dtype) == "int64"


def test_series_is_cached_until_the_data_changes(logdir: Path, tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    write_histogram_logdir(logdir)
    source = data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))
    first = hist_data.series(source, "beta", "layer10/w")
    assert hist_data.series(source, "beta", "layer10/w") is first
    with SummaryWriter(str(logdir / "beta"), filename_suffix=".more") as writer:  # a second file, same second
        writer.add_histogram("layer10/w", np.arange(10.0), 7)
    assert source.refresh(force=True)
    again = hist_data.series(source, "beta", "layer10/w")
    assert again is not first and again["step"].tolist() == [0, 7]


def test_steps_is_the_union_over_runs_and_tags(source: data.DataSource) -> None:
    assert hist_data.steps(source, ["alpha"], ["const/value"]) == [0, 50]
    both = hist_data.steps(source, ["alpha", "beta"], ["layer1/weight", "layer10/w"])
    assert both == sorted({*STEPS, *(step + 5 for step in STEPS)})
    assert hist_data.steps(source, ["gamma"], ["layer1/weight"]) == []
