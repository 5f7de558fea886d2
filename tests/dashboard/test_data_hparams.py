"""dashboard.data.hparams: column kinds, filters, inferred metrics, importance and a session's curves."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import numpy as np
import pandas as pd
import pytest

from dashboard import data
from dashboard.data import hparams as hp

TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_hparams"


@pytest.fixture
def tf2_source(make_app: Callable[..., dash.Dash], tmp_path: Path) -> Iterator[data.DataSource]:
    shutil.copytree(TF2, tmp_path / "logs")
    app = make_app(logdir=str(tmp_path / "logs"))
    with app.server.test_request_context("/"):
        yield data.current()


def test_sessions_column_kinds_follow_declared_domains(tf2_source: data.DataSource) -> None:
    found = hp.sessions(tf2_source)
    kinds = {c.name: (c.kind, c.values) for c in found.columns}
    assert kinds["learning_rate"] == ("interval", ())
    assert kinds["num_units"] == ("discrete", ("16", "32"))
    assert kinds["optimizer"] == ("discrete", ("adam", "sgd"))
    assert kinds["batch_norm"] == ("discrete", ("false", "true"))
    assert found.metrics == ["accuracy", "loss"] and not found.inferred_metrics


def test_apply_combines_value_range_regex_and_status_filters(tf2_source: data.DataSource) -> None:
    found = hp.sessions(tf2_source)
    assert list(hp.apply(found, hp.Filters(values={"optimizer": ("adam",)}))["session"]) == ["session_0", "session_2"]
    kept = hp.apply(found, hp.Filters(values={"optimizer": ("adam",)}, ranges={"accuracy": (0.7, None)}))
    assert list(kept["session"]) == ["session_2"]
    assert list(hp.apply(found, hp.Filters(regex={"optimizer": "^S"}))["session"]) == ["session_1"]
    assert hp.apply(found, hp.Filters(status=("success",))).empty
    assert len(hp.apply(found, hp.Filters(regex={"optimizer": "("}))) == 3  # a bad regex filters nothing


def test_session_curves_are_the_session_runs_scalars(tf2_source: data.DataSource) -> None:
    found = hp.sessions(tf2_source)
    curves = hp.session_curves(tf2_source, found, "session_1")
    assert sorted(curves) == ["accuracy", "loss"]
    assert set(curves["loss"]["run"].astype(str)) == {"session_1"}
    assert hp.session_curves(tf2_source, found, "nope") == {}


def test_sessions_without_config_infer_metrics_from_scalars(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams as hparams_summary

    for i, lr in enumerate([0.1, 0.01]):
        with SummaryWriter(str(tmp_path / "logs" / f"run{i}")) as writer:
            _exp, start, _end = hparams_summary({"lr": lr}, {})
            writer.file_writer.add_summary(start)  # a session start without any experiment config
            for step in range(3):
                writer.add_scalar("val/acc", 0.5 + i * 0.1 + step * 0.01, step)
    app = make_app(logdir=str(tmp_path / "logs"))
    with app.server.test_request_context("/"):
        found = hp.sessions(data.current())
    assert found.inferred_metrics and found.metrics == ["val/acc"]
    assert found.frame["val/acc"].tolist() == pytest.approx([0.52, 0.62])


def test_importance_is_absolute_spearman_and_skips_constant_columns() -> None:
    frame = pd.DataFrame(
        {
            "lr": [0.1, 0.01, 0.001, 0.0001],
            "opt": ["a", "b", "a", "b"],
            "same": [1.0, 1.0, 1.0, 1.0],
            "acc": [0.1, 0.2, 0.3, 0.4],
        }
    )
    table = hp.importance(frame, ["lr", "opt", "same"], ["acc"])
    assert list(table["hparam"]) == ["lr", "opt"]
    assert table["importance"].iloc[0] == pytest.approx(1.0) and table["rho"].iloc[0] == pytest.approx(-1.0)
    assert 0 <= table["importance"].iloc[1] < 1


def test_label_formats_values_for_checkboxes() -> None:
    assert [hp.label(v) for v in (True, np.False_, 0.001, 32.0, "adam", None, float("nan"))] == [
        "true", "false", "0.001", "32", "adam", "", "",
    ]  # fmt: skip
