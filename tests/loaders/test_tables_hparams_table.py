"""Logdir.hparams_table(): the Arrow twin of Logdir.hparams()."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import loaders

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_hparams"


def test_hparams_table_matches_hparams_frame_and_carries_attrs(tmp_path: Path) -> None:
    logdir = loaders.Logdir(str(FIXTURE), cache_dir=str(tmp_path / "cache"))
    table = logdir.hparams_table()
    frame = logdir.hparams()
    assert isinstance(table, pa.Table)
    assert table.column_names == list(frame.columns)
    assert table.schema.field("run").type == pa.string()
    assert table.schema.field("learning_rate").type == pa.float64()
    assert table.schema.field("batch_norm").type == pa.bool_()
    pd.testing.assert_frame_equal(table.to_pandas(), frame, check_dtype=False)
    attrs = json.loads(table.schema.metadata[b"eventscope.hparams"])
    assert attrs["hparams"] == ["learning_rate", "optimizer", "num_units", "dropout", "batch_norm"]
    assert attrs["metrics"] == ["accuracy", "loss"]
    assert attrs["domains"]["optimizer"] == ["adam", "sgd"]
    assert attrs["domain_kinds"] == {
        "learning_rate": "interval",
        "optimizer": "discrete",
        "num_units": "discrete",
        "dropout": "interval",
        "batch_norm": "discrete",
    }


def test_hparams_table_torch_add_hparams_subruns_joined(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    logdir = tmp_path / "runs"
    for i, lr in enumerate([0.1, 0.01]):
        writer = SummaryWriter(str(logdir / f"run{i}"))
        for step in range(3):
            writer.add_scalar("loss", 1.0 / (step + 1 + i), step)
        writer.add_hparams({"lr": lr, "opt": "sgd"}, {"hparam/acc": 0.5 + i / 10})
        writer.close()
    table = loaders.Logdir(str(logdir), cache_dir=str(tmp_path / "cache")).hparams_table()
    rows = table.to_pylist()
    assert [row["run"] for row in rows] == ["run0", "run1"]
    assert all(row["session"].startswith(row["run"] + "/") for row in rows)
    assert [row["lr"] for row in rows] == [0.1, 0.01]
    assert [row["hparam/acc"] for row in rows] == pytest.approx([0.5, 0.6])


def test_hparams_table_of_logdir_without_hparams_is_empty(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

    with SummaryWriter(str(tmp_path / "runs" / "plain")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    logdir = loaders.Logdir(str(tmp_path / "runs"), cache_dir=str(tmp_path / "cache"))
    table = logdir.hparams_table()
    assert table.num_rows == 0
    assert {"run", "session", "status"} <= set(table.column_names)
