"""HParams sessions: add_hparams sub-runs joined to parents, typed values, metrics, TF-style experiments."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from google.protobuf import struct_pb2

from loaders.proto import event_pb2, hparams_pb2
from loaders.records import scan_records
from loaders.tables.hparams import experiment_info, sessions_frame

_KIND = {"experiment": "experiment", "session_start_info": "session_start", "session_end_info": "session_end"}
HPARAM_COLUMNS = ["run", "tag", "step", "wall_time", "kind", "data"]
SCALAR_COLUMNS = ["run", "tag", "step", "wall_time", "value"]
TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"


def read_logdir(logdir: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Decode every event file under logdir into (hparams rows, scalars, runs), as the API hands them."""
    hparams, scalars, runs, plugins = [], [], set(), {}
    for path in sorted(logdir.rglob("*tfevents*")):
        run = path.parent.relative_to(logdir).as_posix()
        runs.add(run)
        scan = scan_records(str(path))
        for i in range(len(scan)):
            event = event_pb2.Event.FromString(bytes(scan.payload(i)))
            for value in event.summary.value:
                plugin = value.metadata.plugin_data
                first = plugins.setdefault((run, value.tag), plugin.plugin_name)  # TF2: metadata on the first only
                if plugin.plugin_name == "hparams":
                    kind = _KIND[hparams_pb2.HParamsPluginData.FromString(plugin.content).WhichOneof("data")]
                    hparams.append((run, value.tag, event.step, event.wall_time, kind, plugin.content))
                elif value.WhichOneof("value") == "simple_value":
                    scalars.append((run, value.tag, event.step, event.wall_time, value.simple_value))
                elif first == "scalars" and value.tensor.dtype in _FLOATS:  # TF2 scalars (16-bit ones skipped)
                    scalars.append((run, value.tag, event.step, event.wall_time, _scalar(value.tensor)))
    return (pd.DataFrame(hparams, columns=HPARAM_COLUMNS), pd.DataFrame(scalars, columns=SCALAR_COLUMNS),
            sorted(runs))


_FLOATS = {1: np.float32, 2: np.float64}  # DT_FLOAT, DT_DOUBLE


def _scalar(tensor: object) -> float:
    for field in ("float_val", "double_val"):
        if len(getattr(tensor, field)):
            return float(getattr(tensor, field)[0])
    dtype = _FLOATS[tensor.dtype]  # type: ignore[attr-defined]
    return float(np.frombuffer(tensor.tensor_content, dtype=dtype)[0])  # type: ignore[attr-defined]


def test_sessions_frame_torch_add_hparams_subruns_join_parent(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path / "exp")) as writer:
        for step in range(3):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        for i, lr in enumerate([0.1, 0.01, 0.001]):
            writer.add_hparams({"lr": lr, "layers": 2 + i, "optimizer": "adam"}, {"hparam/accuracy": 0.5 + i / 10},
                               run_name=f"trial{i}")
    rows, scalars, runs = read_logdir(tmp_path)
    assert runs == ["exp", "exp/trial0", "exp/trial1", "exp/trial2"]
    frame = sessions_frame(rows, scalars, runs)
    assert frame["run"].tolist() == ["exp", "exp", "exp"]
    assert frame["session"].tolist() == ["exp/trial0", "exp/trial1", "exp/trial2"]
    assert frame["lr"].tolist() == pytest.approx([0.1, 0.01, 0.001]) and frame["lr"].dtype == np.float64
    assert frame["layers"].tolist() == [2.0, 3.0, 4.0]
    assert frame["optimizer"].tolist() == ["adam"] * 3 and frame["optimizer"].dtype == "str"
    assert frame["hparam/accuracy"].tolist() == pytest.approx([0.5, 0.6, 0.7])
    assert frame["status"].tolist() == ["success"] * 3
    assert (frame["start_time"] > 1e9).all() and frame["end_time"].notna().all()
    assert frame.attrs["hparams"] == ["lr", "layers", "optimizer"]
    assert frame.attrs["metrics"] == ["hparam/accuracy"] and frame.attrs["problems"] == []


def test_sessions_frame_tensorboardx_bool_str_float_values_typed(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "run")) as writer:
        writer.add_hparams({"lr": 0.5, "bn": True, "act": "relu"}, {"hparam/loss": 1.5}, name="a")
        writer.add_hparams({"lr": 0.25, "bn": False, "act": "gelu"}, {"hparam/loss": 0.75}, name="b")
    frame = sessions_frame(*read_logdir(tmp_path))
    assert frame.dtypes[["lr", "bn", "act"]].astype(str).tolist() == ["float64", "bool", "str"]
    assert frame["bn"].tolist() == [True, False] and frame["act"].tolist() == ["relu", "gelu"]
    assert frame["lr"].tolist() == [0.5, 0.25] and frame["hparam/loss"].tolist() == [1.5, 0.75]
    assert frame["run"].tolist() == ["run", "run"]


def test_sessions_frame_subrun_of_parent_without_events_uses_parent_path(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "group" / "exp")) as writer:
        writer.add_hparams({"lr": 0.5}, {"hparam/acc": 0.9}, name="1795690679.86")
    for path in (tmp_path / "group" / "exp").glob("*tfevents*"):  # the parent wrote nothing of its own
        path.unlink()
    rows, scalars, runs = read_logdir(tmp_path)
    assert runs == ["group/exp/1795690679.86"]
    frame = sessions_frame(rows, scalars, runs)
    assert frame["run"].tolist() == ["group/exp"] and frame["session"].tolist() == ["group/exp/1795690679.86"]
    assert frame["hparam/acc"].tolist() == pytest.approx([0.9])


# Rows our own code writes for the TF-style cases (hp.hparams_config in the root, hp.hparams per run).
def _row(run: str, kind: str, message: hparams_pb2.HParamsPluginData, wall: float = 100.0) -> tuple[object, ...]:
    return (run, f"_hparams_/{kind}", 0, wall, kind, message.SerializeToString())


def _experiment(hparams: list[hparams_pb2.HParamInfo], metrics: list[tuple[str, str]]) -> hparams_pb2.HParamsPluginData:
    infos = [hparams_pb2.MetricInfo(name=hparams_pb2.MetricName(group=group, tag=tag),
                                    dataset_type=hparams_pb2.DATASET_VALIDATION if group else 0)
             for group, tag in metrics]
    return hparams_pb2.HParamsPluginData(experiment=hparams_pb2.Experiment(
        hparam_infos=hparams, metric_infos=infos, name="tuning", user="me", time_created_secs=5.0))


def _start(start: float = 0.0, **values: object) -> hparams_pb2.HParamsPluginData:
    info = hparams_pb2.SessionStartInfo(start_time_secs=start)
    for name, value in values.items():
        if isinstance(value, bool):
            info.hparams[name].bool_value = value
        elif isinstance(value, str):
            info.hparams[name].string_value = value
        else:
            info.hparams[name].number_value = float(value)  # type: ignore[arg-type]
    return hparams_pb2.HParamsPluginData(session_start_info=info)


def _end(status: int, end: float = 0.0) -> hparams_pb2.HParamsPluginData:
    return hparams_pb2.HParamsPluginData(session_end_info=hparams_pb2.SessionEndInfo(status=status, end_time_secs=end))


def _frame(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=HPARAM_COLUMNS).assign(_offset=0)


def _scalars(*rows: tuple[str, str, int, float]) -> pd.DataFrame:
    return pd.DataFrame([(run, tag, step, 1.0, value) for run, tag, step, value in rows], columns=SCALAR_COLUMNS)


TF_EXPERIMENT = _experiment(
    [hparams_pb2.HParamInfo(name="units", type=hparams_pb2.DATA_TYPE_FLOAT64,
                            domain_discrete=struct_pb2.ListValue(values=[struct_pb2.Value(number_value=16),
                                                                         struct_pb2.Value(number_value=32)])),
     hparams_pb2.HParamInfo(name="dropout", type=hparams_pb2.DATA_TYPE_FLOAT64,
                            domain_interval=hparams_pb2.Interval(min_value=0.1, max_value=0.2)),
     hparams_pb2.HParamInfo(name="optimizer", type=hparams_pb2.DATA_TYPE_STRING),
     hparams_pb2.HParamInfo(name="augment", type=hparams_pb2.DATA_TYPE_BOOL)],
    [("validation", "epoch_accuracy"), ("", "accuracy")],
)


def test_sessions_frame_tf_experiment_in_root_metrics_from_groups() -> None:
    rows = _frame(
        _row(".", "experiment", TF_EXPERIMENT),
        _row("run-0", "session_start", _start(start=50.0, units=16, dropout=0.1, optimizer="adam")),
        _row("run-0", "session_end", _end(hparams_pb2.STATUS_FAILURE, end=60.0)),
        _row("run-1", "session_start", _start(units=32, dropout=0.2, optimizer="sgd"), wall=70.0),
    )
    scalars = _scalars(("run-0/validation", "epoch_accuracy", 2, 0.8), ("run-0/validation", "epoch_accuracy", 1, 0.7),
                       ("run-0/train", "epoch_accuracy", 3, 0.99), ("run-1", "accuracy", 1, 0.6))
    runs = [".", "run-0", "run-0/train", "run-0/validation", "run-1"]
    frame = sessions_frame(rows, scalars, runs)
    assert frame["run"].tolist() == ["run-0", "run-1"]  # the root holds the config: not a parent
    assert frame["validation/epoch_accuracy"].tolist()[0] == pytest.approx(0.8)  # highest step, not last row
    assert math.isnan(frame["validation/epoch_accuracy"][1]) and math.isnan(frame["accuracy"][0])
    assert frame["accuracy"][1] == pytest.approx(0.6)
    assert frame["status"].tolist() == ["failure", "unknown"]
    assert frame["start_time"].tolist() == [50.0, 70.0]
    assert frame["end_time"][0] == 60.0 and math.isnan(frame["end_time"][1])
    assert frame["augment"].dtype == "boolean" and frame["augment"].isna().all()
    assert frame.attrs["domains"] == {"units": [16.0, 32.0], "dropout": [0.1, 0.2]}
    assert frame.attrs["hparams"] == ["units", "dropout", "optimizer", "augment"]
    assert frame.attrs["metrics"] == ["validation/epoch_accuracy", "accuracy"]


def test_sessions_frame_without_experiment_has_no_metrics_and_keeps_run() -> None:
    rows = _frame(_row("run-0", "session_start", _start(lr=0.1)))
    frame = sessions_frame(rows, _scalars(("run-0", "accuracy", 0, 0.5)), ["run-0"])
    assert frame.columns.tolist() == ["run", "session", "lr", "status", "start_time", "end_time"]
    assert frame["run"].tolist() == ["run-0"] and frame.attrs["metrics"] == []
    assert frame["start_time"].tolist() == [100.0]  # no start_time_secs: the record's wall time


def test_sessions_frame_top_level_session_joins_discovered_root_only() -> None:
    rows = _frame(_row("a", "session_start", _start(lr=0.1)))
    assert sessions_frame(rows, _scalars(), ["a"])["run"].tolist() == ["a"]
    assert sessions_frame(rows, _scalars(), [".", "a"])["run"].tolist() == ["."]


def test_sessions_frame_metric_named_like_hparam_gets_prefix() -> None:
    rows = _frame(_row("a", "experiment", _experiment([], [("", "acc"), ("", "status")])),
                  _row("a", "session_start", _start(acc=0.3)),
                  _row("a", "session_end", _end(hparams_pb2.STATUS_RUNNING)))
    frame = sessions_frame(rows, _scalars(("a", "acc", 4, 0.9), ("a", "status", 0, 1.0)), ["a"])
    assert frame["acc"].tolist() == [0.3] and frame["metric/acc"].tolist() == [0.9]
    assert frame["metric/status"].tolist() == [1.0] and frame["status"].tolist() == ["running"]
    assert frame.attrs["metrics"] == ["metric/acc", "metric/status"]


def test_sessions_frame_mixed_types_and_missing_values() -> None:
    rows = _frame(_row("a", "session_start", _start(seed=1, flag=True, note="x")),
                  _row("b", "session_start", _start(seed="auto")))
    frame = sessions_frame(rows, _scalars(), ["a", "b"])
    assert frame["seed"].dtype == object and frame["seed"].tolist() == [1.0, "auto"]
    assert frame["flag"].dtype == "boolean" and frame["flag"][0] and frame["flag"].isna()[1]
    assert frame["note"].dtype == "str" and frame["note"][0] == "x" and pd.isna(frame["note"][1])


def test_sessions_frame_first_start_wins_and_bad_records_are_reported() -> None:
    rows = _frame(_row("a", "session_start", _start(lr=1.0)), _row("a", "session_start", _start(lr=2.0)))
    rows.loc[len(rows)] = ("b", "_hparams_/session_start_info", 0, 1.0, "session_start", b"\xff\xff", 0)
    frame = sessions_frame(rows, _scalars(), ["a", "b"])
    assert frame["session"].tolist() == ["a"] and frame["lr"].tolist() == [1.0]
    assert len(frame.attrs["problems"]) == 1 and "run 'b'" in frame.attrs["problems"][0]


def test_sessions_frame_empty_rows_give_empty_frame_with_fixed_columns() -> None:
    frame = sessions_frame(pd.DataFrame(columns=HPARAM_COLUMNS), pd.DataFrame(columns=SCALAR_COLUMNS), ["."])
    assert frame.empty and frame.columns.tolist() == ["run", "session", "status", "start_time", "end_time"]
    assert frame.attrs["hparams"] == [] and frame.attrs["metrics"] == []


def test_sessions_frame_missing_columns_raise_value_error() -> None:
    with pytest.raises(ValueError, match=r"\['data', 'kind'\]"):
        sessions_frame(pd.DataFrame({"run": ["a"]}), _scalars(), ["a"])


def test_experiment_info_lists_declared_hparams_and_metrics() -> None:
    info = experiment_info(_frame(_row(".", "experiment", TF_EXPERIMENT)))
    assert [h["name"] for h in info["hparams"]] == ["units", "dropout", "optimizer", "augment"]
    assert info["hparams"][0]["domain"] == [16.0, 32.0] and info["hparams"][0]["domain_kind"] == "discrete"
    assert info["hparams"][1]["domain"] == [0.1, 0.2] and info["hparams"][1]["domain_kind"] == "interval"
    assert [h["type"] for h in info["hparams"]] == ["float", "float", "str", "bool"]
    assert info["metrics"][0] == {"name": "validation/epoch_accuracy", "tag": "epoch_accuracy", "group": "validation",
                                  "display_name": "validation/epoch_accuracy", "description": "",
                                  "dataset_type": "validation"}
    assert info["experiments"] == [{"run": ".", "name": "tuning", "description": "", "user": "me",
                                    "time_created": 5.0}]


def test_experiment_info_without_experiment_infers_from_sessions() -> None:
    info = experiment_info(_frame(_row("a", "session_start", _start(lr=0.1, opt="sgd")),
                                  _row("b", "session_start", _start(lr=0.3, opt="adam"))))
    by_name = {h["name"]: h for h in info["hparams"]}
    assert by_name["lr"]["domain"] == [0.1, 0.3] and by_name["lr"]["domain_kind"] == "interval"
    assert by_name["opt"]["domain"] == ["adam", "sgd"] and by_name["opt"]["inferred"] is True
    assert info["metrics"] == [] and info["experiments"] == []


def test_sessions_frame_tf2_fixture_config_run_is_not_a_parent() -> None:
    expected = json.loads((TF2 / "expected.json").read_text())["hparams"]
    rows, scalars, runs = read_logdir(TF2)
    frame = sessions_frame(rows, scalars, runs)
    assert frame["session"].tolist() == sorted(expected["sessions"])
    assert frame["run"].tolist() == frame["session"].tolist()
    assert frame.attrs["hparams"] == expected["hparams"] and frame.attrs["metrics"] == expected["metrics"]
    for _, row in frame.iterrows():
        want = expected["sessions"][row["session"]]
        assert {name: row[name] for name in expected["hparams"]} == pytest.approx(want["hparams"])
        assert {name: row[name] for name in expected["metrics"]} == pytest.approx(want["metrics"])
    assert frame["batch_norm"].dtype == bool and frame["optimizer"].dtype == "str"
    assert frame["status"].tolist() == ["unknown"] * 3 and frame["end_time"].isna().all()
    assert set(frame.attrs["domains"]) == set(expected["hparams"])
