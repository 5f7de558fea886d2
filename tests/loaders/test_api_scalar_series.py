"""Logdir.scalar_series: per-tag frames equal to scalars(runs, tag), an index per run reused until it changes."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import tensorboardX
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import loaders.api.logdir
from loaders import Logdir


@pytest.fixture
def logdir(tmp_path):
    return write_runs(tmp_path / "logs")


def write_runs(logs):
    """Runs written by tensorboardX and PyTorch: interleaved tags, two files, a purge, add_scalars sub-runs."""
    with tensorboardX.SummaryWriter(str(logs / "tbx")) as writer:
        for step in range(50):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            writer.add_scalar("acc", step / 50, step)
            if step % 7 == 0:
                writer.add_scalar("lr", 0.1 * 0.5 ** (step // 7), step)
        writer.add_scalar("loss", math.nan, 50)
        writer.add_scalars("multi", {"a": 1.5, "b": -2.0}, 3)
    with TorchWriter(str(logs / "torch"), filename_suffix=".1") as writer:
        for step in range(20):
            writer.add_scalar("loss", float(step), step)
            writer.add_scalar("acc", -float(step), step)
    with TorchWriter(str(logs / "torch"), purge_step=10, filename_suffix=".2") as writer:
        for step in range(10, 15):
            writer.add_scalar("loss", 100.0 + step, step)
            writer.add_scalar("acc", math.inf, step)
    with tensorboardX.SummaryWriter(str(logs / "only_lr")) as writer:
        writer.add_scalar("lr", 0.5, 0)
    return logs


def _open(logs, tmp_path) -> Logdir:
    return Logdir(logs, cache_dir=tmp_path / "cache")


def _as_scalars(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a scalar_series frame with run and tag as str, like scalars() returns them."""
    return frame.astype({"run": "str", "tag": "str"})


def test_scalar_series_frames_equal_scalars_per_tag(logdir, tmp_path):
    lg = _open(logdir, tmp_path)
    everything = lg.scalars()
    series = lg.scalar_series()
    assert list(series) == ["acc", "loss", "lr", "multi"] == sorted(set(everything["tag"]))
    for tag, frame in series.items():
        expected = lg.scalars(None, tag).reset_index(drop=True)
        pd.testing.assert_frame_equal(_as_scalars(frame), expected)
    torch_loss = series["loss"][series["loss"]["run"] == "torch"]
    assert torch_loss["step"].tolist() == list(range(15))  # the purge applied, as in scalars()
    assert torch_loss["value"].tolist()[10:] == [110.0, 111.0, 112.0, 113.0, 114.0]
    assert math.isnan(series["loss"]["value"].iloc[50])  # NaN kept


def test_scalar_series_run_and_tag_are_categorical_with_the_selected_runs_as_categories(logdir, tmp_path):
    lg = _open(logdir, tmp_path)
    series = lg.scalar_series(["torch", "tbx"], ["loss", "acc"])
    assert list(series) == ["loss", "acc"]  # a list of tags keeps its order
    for tag, frame in series.items():
        assert isinstance(frame["run"].dtype, pd.CategoricalDtype)
        assert frame["run"].cat.categories.tolist() == ["tbx", "torch"]  # the selected runs, in runs() order
        assert frame["tag"].cat.categories.tolist() == [tag]
        assert frame.dtypes[["step", "wall_time", "value"]].tolist() == [np.int64, np.float64, np.float64]
    assert series["loss"]["run"].cat.codes.tolist() == [0] * 51 + [1] * 15  # grouped by run, tbx first
    assert series["acc"]["run"].tolist() == ["tbx"] * 50 + ["torch"] * 15
    assert list(lg.scalar_series(None, re.compile("^l"))) == ["loss", "lr"]  # a regex: sorted


def test_scalar_series_leaves_out_tags_without_rows_and_checks_arguments(logdir, tmp_path):
    lg = _open(logdir, tmp_path)
    only = lg.scalar_series("only_lr")
    assert list(only) == ["lr"] and only["lr"]["value"].tolist() == [0.5]
    assert lg.scalar_series("only_lr", re.compile("loss")) == {}
    with pytest.raises(ValueError, match=r"unknown tags \['loss'\]; valid scalars tags in the selected runs: 'lr'"):
        lg.scalar_series("only_lr", ["loss"])
    with pytest.raises(ValueError, match=r"unknown runs \['nope'\]"):
        lg.scalar_series(["nope"], "loss")
    with pytest.raises(TypeError, match="tags must be None"):
        lg.scalar_series(None, 5)  # type: ignore[arg-type]


def _count_indexes(monkeypatch) -> list[str]:
    """Record the run of every TagRows index Logdir builds."""
    built: list[str] = []

    class Counting(loaders.api.logdir.TagRows):
        def __init__(self, table):
            built.append(table["run"][0].as_py())
            super().__init__(table)

    monkeypatch.setattr(loaders.api.logdir, "TagRows", Counting)
    return built


def test_scalar_series_indexes_each_run_once_until_it_changes(logdir, tmp_path, monkeypatch):
    built = _count_indexes(monkeypatch)
    lg = _open(logdir, tmp_path)
    first = lg.scalar_series(None, "loss")
    assert built == ["tbx", "torch"]  # the other runs' tag indexes (meta.json) show no "loss": not read
    again = lg.scalar_series(None, ["loss", "acc"])
    assert built == ["tbx", "torch"]
    pd.testing.assert_frame_equal(again["loss"], first["loss"])
    with tensorboardX.SummaryWriter(str(logdir / "tbx"), filename_suffix=".more") as writer:
        writer.add_scalar("loss", -1.0, 51)
    lg.refresh()
    grown = lg.scalar_series(None, "loss")["loss"]
    assert built == ["tbx", "torch", "tbx"]  # only the run that changed is indexed again
    assert grown[grown["run"] == "tbx"]["value"].tolist()[-1] == -1.0
    pd.testing.assert_frame_equal(_as_scalars(grown), lg.scalars(None, "loss"))


def test_scalar_series_warm_builds_the_index_ahead(logdir, tmp_path, monkeypatch):
    built = _count_indexes(monkeypatch)
    lg = _open(logdir, tmp_path)
    lg.warm_scalar_series(["tbx", "torch"])
    assert built == ["tbx", "torch"]
    assert len(lg.scalar_series("tbx", "acc")["acc"]) == 50
    assert built == ["tbx", "torch"]


@pytest.mark.parametrize("rows", [[3, 8, 13, 18], [3, 8, 14, 19], [0, 1, 2], [5], [], [2, 4, 4, 6]])
def test_series_take_equals_fancy_indexing_for_any_rows(rows):
    from loaders.api.series import _take

    column = np.arange(100, 120, dtype=np.float64)
    picked = np.array(rows, dtype=np.int64)
    assert _take(column, picked).tolist() == column[picked].tolist()
