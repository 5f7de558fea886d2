"""HParams sessions: one row per session, typed hparam columns, metrics from scalars, joined to parent runs."""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd
from google.protobuf import json_format, struct_pb2
from google.protobuf.message import DecodeError

from loaders.proto import hparams_pb2

T = TypeVar("T")
FIXED_COLUMNS = ["run", "session"]
TAIL_COLUMNS = ["status", "start_time", "end_time"]
_STATUS = {0: "unknown", 1: "success", 2: "failure", 3: "running"}
_TYPES = {0: "unset", 1: "str", 2: "bool", 3: "float"}
_DATASETS = {0: "unknown", 1: "training", 2: "validation"}
_DECLARED = {"float": float, "bool": bool, "str": str}  # HParamInfo type -> Python type


@dataclass
class _RunHParams:
    """The first experiment, session start and session end seen in one run (first wins, like TensorBoard)."""

    experiment: hparams_pb2.Experiment | None = None
    start: hparams_pb2.SessionStartInfo | None = None
    start_wall: float = math.nan
    end: hparams_pb2.SessionEndInfo | None = None
    end_wall: float = math.nan


@dataclass(frozen=True)
class _Metric:
    """One metric of an experiment: its scalar tag, its group (sub-run) and its column name."""

    tag: str
    group: str
    info: hparams_pb2.MetricInfo = field(compare=False, hash=False)

    @property
    def name(self) -> str:
        return f"{self.group}/{self.tag}" if self.group else self.tag


def _decode_rows(rows: pd.DataFrame, problems: list[str]) -> dict[str, _RunHParams]:
    """Return run -> its hparams data; undecodable rows are skipped and described in problems."""
    runs: dict[str, _RunHParams] = {}
    if rows is None or rows.empty:
        return runs
    walls = rows["wall_time"] if "wall_time" in rows else pd.Series(np.nan, index=rows.index)
    for run, kind, data, wall in zip(rows["run"].astype(str), rows["kind"].astype(str), rows["data"], walls):
        try:
            plugin_data = hparams_pb2.HParamsPluginData.FromString(bytes(data))
        except (DecodeError, RuntimeError, ValueError, TypeError) as exc:
            problems.append(f"run {run!r}: an hparams {kind} record is not valid HParamsPluginData ({exc}); skipped")
            continue
        _keep_first(runs.setdefault(run, _RunHParams()), plugin_data, float(wall))
    return runs


def _keep_first(info: _RunHParams, plugin_data: hparams_pb2.HParamsPluginData, wall: float) -> None:
    which = plugin_data.WhichOneof("data")
    if which == "experiment" and info.experiment is None:
        info.experiment = plugin_data.experiment
    elif which == "session_start_info" and info.start is None:
        info.start, info.start_wall = plugin_data.session_start_info, wall
    elif which == "session_end_info" and info.end is None:
        info.end, info.end_wall = plugin_data.session_end_info, wall


def _ancestors(run: str) -> list[str]:
    """Return the directories above a run, nearest first, ending with "." (the logdir root)."""
    found = []
    while run not in ("", "."):
        run = posixpath.dirname(run) or "."
        found.append(run)
    return found


def _experiment_of(run: str, decoded: dict[str, _RunHParams]) -> hparams_pb2.Experiment | None:
    """Return the experiment in the run itself or in its nearest ancestor run that has one."""
    for candidate in [run, *_ancestors(run)]:
        info = decoded.get(candidate)
        if info is not None and info.experiment is not None:
            return info.experiment
    return None


def _metrics_of(experiment: hparams_pb2.Experiment | None) -> list[_Metric]:
    if experiment is None:
        return []
    return [_Metric(m.name.tag, m.name.group, m) for m in experiment.metric_infos]


def _parent_run(
    session: str, runs: set[str], decoded: dict[str, _RunHParams], scalar_tags: set[str], metrics: list[_Metric]
) -> str:
    """Return the run a session belongs to (its parent for add_hparams sub-runs, else itself).

    A session is a sub-run when its nearest discovered ancestor run holds no hparams data of
    its own (an ancestor holding an experiment is TF's hparams_config, not a parent), or, when
    it is nested ("<parent>/<name>") with no discovered ancestor, when it has no runs below it
    and its only scalars are metrics of its experiment (tensorboardX / PyTorch add_hparams into
    a parent with no events). A top-level session never joins an undiscovered logdir root.
    """
    ancestors = _ancestors(session)
    for ancestor in ancestors:
        if ancestor in runs:
            return ancestor if ancestor not in decoded else session
    if "/" not in session:  # its parent would be the logdir root, which is no run
        return session
    has_children = any(run.startswith(session + "/") for run in runs)
    own_metrics = {metric.tag for metric in metrics if not metric.group}
    if not has_children and scalar_tags <= own_metrics:
        return ancestors[0]
    return session


def _hparam_value(value: struct_pb2.Value) -> object:
    """Return a google.protobuf.Value as float, bool, str, None, or its JSON text for lists/structs."""
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        return float(value.number_value)
    if kind in ("bool_value", "string_value"):
        return getattr(value, kind)
    if kind in ("list_value", "struct_value"):
        return json_format.MessageToJson(value, indent=None)
    return None


def _typed_column(values: list[object], declared: str) -> pd.Series:
    """Return one hparam column: float64, bool ("boolean" if some are missing), str, or object if mixed."""
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present} or {_DECLARED.get(declared, object)}
    if kinds == {bool}:
        return pd.Series(values, dtype="boolean" if len(present) < len(values) else "bool")
    if kinds == {float}:
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if kinds == {str}:
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype="object")


def _domain(info: hparams_pb2.HParamInfo) -> list[object] | None:
    which = info.WhichOneof("domain")
    if which == "domain_interval":
        return [info.domain_interval.min_value, info.domain_interval.max_value]
    if which == "domain_discrete":
        return [_hparam_value(v) for v in info.domain_discrete.values]
    return None


def _ordered_union(lists: Iterable[Iterable[T]]) -> list[T]:
    return list(dict.fromkeys(item for items in lists for item in items))


def _last_values(scalars: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    """Return (run, tag) -> value at the highest step (the last written among equal steps)."""
    if scalars is None or scalars.empty or not {"run", "tag", "step", "value"} <= set(scalars.columns):
        return {}
    ordered = scalars.assign(_order=np.arange(len(scalars))).sort_values(["step", "_order"], kind="stable")
    last = ordered.groupby(["run", "tag"], sort=False)["value"].last()
    return {(str(run), str(tag)): float(value) for (run, tag), value in last.items()}


def _scalar_tags(scalars: pd.DataFrame | None) -> dict[str, set[str]]:
    if scalars is None or scalars.empty or not {"run", "tag"} <= set(scalars.columns):
        return {}
    pairs = scalars[["run", "tag"]].drop_duplicates()
    return {str(run): set(group["tag"].astype(str)) for run, group in pairs.groupby("run")}


def _column_names(hparams: list[str], metrics: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Return hparam and metric column names: reserved names get "hparam/", clashing metrics "metric/"."""
    reserved = set(FIXED_COLUMNS + TAIL_COLUMNS)
    hp_cols = {name: f"hparam/{name}" if name in reserved else name for name in hparams}
    taken = set(hp_cols.values()) | reserved
    metric_cols = {name: f"metric/{name}" if name in taken else name for name in metrics}
    return hp_cols, metric_cols


def sessions_frame(rows: pd.DataFrame, scalars: pd.DataFrame, runs: list[str]) -> pd.DataFrame:
    """Return one row per hparams session (a run holding a session start), with hparams and metrics.

    Columns: run (the parent run of a tensorboardX/PyTorch add_hparams sub-run, else the
    session run itself), session (the run holding the session start), one column per hparam
    (float64, bool, str; object when a name has mixed types), one per metric (the value at the
    highest step of the metric's scalar tag in the session run, or in "<session>/<group>" when
    the metric names a group; NaN if absent), status ("success", "failure", "running",
    "unknown"), start_time and end_time (seconds since the epoch; NaN when not ended).
    Metrics come from the experiments (the session's own, else its nearest ancestor's, e.g.
    TF's hparams_config in the logdir root); without any experiment there are no metric
    columns. A metric whose name equals an hparam's gets the column "metric/<name>". The
    first experiment, start and end per run win, as in TensorBoard.

    Args:
        rows: hparams chunk rows of all runs (run, tag, step, wall_time, kind, data).
        scalars: the scalars of all runs (run, tag, step, wall_time, value).
        runs: every discovered run name.

    Returns:
        The sessions, ordered as `runs`. attrs: "hparams" and "metrics" (column names),
        "domains" ({hparam column: discrete values or [min, max]} from the experiments),
        "domain_kinds" ({hparam column: "discrete" or "interval"} for the declared domains),
        "problems" (messages about records that could not be read).

    Raises:
        ValueError: rows lacks the run, kind or data column.
    """
    _check_columns(rows)
    problems: list[str] = []
    decoded = _decode_rows(rows, problems)
    order = {run: i for i, run in enumerate(runs)}
    starts = _session_starts(decoded)
    sessions = sorted(starts, key=lambda run: (order.get(run, len(order)), run))
    experiments = {s: _experiment_of(s, decoded) for s in sessions}
    metrics = _ordered_union(_metrics_of(experiments[s]) for s in sessions)
    infos = _hparam_infos(experiments[s] for s in sessions)
    hparam_names = _ordered_union([list(infos), *(sorted(starts[s].hparams) for s in sessions)])
    hp_cols, metric_cols = _column_names(hparam_names, [m.name for m in metrics])
    frame = _build_frame(sessions, decoded, experiments, infos, hp_cols, metrics, metric_cols, set(runs), scalars)
    frame.attrs.update(
        hparams=list(hp_cols.values()),
        metrics=list(metric_cols.values()),
        domains={hp_cols[n]: d for n, info in infos.items() if (d := _domain(info)) is not None},
        domain_kinds={hp_cols[n]: k for n, info in infos.items() if (k := _domain_kind(info)) is not None},
        problems=problems,
    )
    return frame


def _session_starts(decoded: dict[str, _RunHParams]) -> dict[str, hparams_pb2.SessionStartInfo]:
    """Return run -> its session start, for the runs holding one (the sessions)."""
    return {run: info.start for run, info in decoded.items() if info.start is not None}


def _check_columns(rows: pd.DataFrame) -> None:
    if rows is None or rows.empty and not len(rows.columns):
        return
    missing = {"run", "kind", "data"} - set(rows.columns)
    if missing:
        raise ValueError(
            f"sessions_frame: rows lack the column(s) {sorted(missing)}; pass the "
            f"'hparams' chunk rows of all runs with a 'run' column"
        )


def _hparam_infos(experiments: Iterable[hparams_pb2.Experiment | None]) -> dict[str, hparams_pb2.HParamInfo]:
    infos: dict[str, hparams_pb2.HParamInfo] = {}
    for experiment in experiments:
        for info in experiment.hparam_infos if experiment is not None else []:
            infos.setdefault(info.name, info)
    return infos


def _build_frame(
    sessions: list[str],
    decoded: dict[str, _RunHParams],
    experiments: dict[str, hparams_pb2.Experiment | None],
    infos: dict[str, hparams_pb2.HParamInfo],
    hp_cols: dict[str, str],
    metrics: list[_Metric],
    metric_cols: dict[str, str],
    runs: set[str],
    scalars: pd.DataFrame,
) -> pd.DataFrame:
    last = _last_values(scalars)
    tags = _scalar_tags(scalars)
    starts = _session_starts(decoded)
    columns: dict[str, object] = {
        "run": pd.Series(
            [_parent_run(s, runs, decoded, tags.get(s, set()), _metrics_of(experiments[s])) for s in sessions],
            dtype="str",
        ),
        "session": pd.Series(sessions, dtype="str"),
    }
    for name, column in hp_cols.items():
        values = [_hparam_value(starts[s].hparams[name]) if name in starts[s].hparams else None for s in sessions]
        columns[column] = _typed_column(values, _TYPES.get(infos[name].type, "unset") if name in infos else "unset")
    for metric in metrics:
        columns[metric_cols[metric.name]] = pd.Series(
            [last.get((_metric_run(s, metric.group), metric.tag), np.nan) for s in sessions], dtype="float64"
        )
    columns.update(_status_columns(sessions, decoded))
    return pd.DataFrame(columns, index=pd.RangeIndex(len(sessions)))


def _metric_run(session: str, group: str) -> str:
    return posixpath.normpath(posixpath.join(session, group)) if group else session


def _status_columns(sessions: list[str], decoded: dict[str, _RunHParams]) -> dict[str, pd.Series]:
    starts = _session_starts(decoded)
    status, start, end = [], [], []
    for session in sessions:
        info = decoded[session]
        status.append(_STATUS.get(info.end.status, "unknown") if info.end is not None else "unknown")
        start.append(starts[session].start_time_secs or info.start_wall)
        end.append((info.end.end_time_secs or info.end_wall) if info.end is not None else np.nan)
    return {
        "status": pd.Series(status, dtype="str"),
        "start_time": pd.Series(start, dtype="float64"),
        "end_time": pd.Series(end, dtype="float64"),
    }


def experiment_info(rows: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    """Return what the experiments declare, for the HParams page.

    Args:
        rows: hparams chunk rows of all runs (with run).

    Returns:
        {"hparams": [{name, display_name, description, type ("float"|"bool"|"str"|"unset"),
        domain (discrete values, [min, max] or None), domain_kind ("discrete"|"interval"|None),
        inferred}], "metrics": [{name (the column name sessions_frame uses), tag, group,
        display_name, description, dataset_type ("training"|"validation"|"unknown")}],
        "experiments": [{run, name, description, user, time_created}]}. Without any experiment,
        hparams are inferred from the session starts (inferred=True: strings and bools get the
        values seen as a discrete domain, numbers their [min, max]) and metrics are empty.

    Raises:
        ValueError: rows lacks the run, kind or data column.
    """
    _check_columns(rows)
    decoded = _decode_rows(rows, [])
    experiments = {run: info.experiment for run, info in decoded.items() if info.experiment is not None}
    infos = _hparam_infos(experiments.values())
    hparams = [_hparam_dict(info) for info in infos.values()]
    if not experiments:
        hparams = _inferred_hparams([info.start for info in decoded.values() if info.start is not None])
    metrics = _ordered_union(_metrics_of(e) for e in experiments.values())
    return {
        "hparams": hparams,
        "metrics": [_metric_dict(m) for m in metrics],
        "experiments": [
            {
                "run": run,
                "name": e.name,
                "description": e.description,
                "user": e.user,
                "time_created": e.time_created_secs,
            }
            for run, e in experiments.items()
        ],
    }


def _domain_kind(info: hparams_pb2.HParamInfo) -> str | None:
    """Return "interval", "discrete" or None (no declared domain)."""
    return {"domain_interval": "interval", "domain_discrete": "discrete"}.get(info.WhichOneof("domain") or "")


def _hparam_dict(info: hparams_pb2.HParamInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "display_name": info.display_name or info.name,
        "description": info.description,
        "type": _TYPES.get(info.type, "unset"),
        "domain": _domain(info),
        "domain_kind": _domain_kind(info),
        "inferred": False,
    }


def _metric_dict(metric: _Metric) -> dict[str, object]:
    info = metric.info
    return {
        "name": metric.name,
        "tag": metric.tag,
        "group": metric.group,
        "display_name": info.display_name or metric.name,
        "description": info.description,
        "dataset_type": _DATASETS.get(info.dataset_type, "unknown"),
    }


def _inferred_hparams(starts: list[hparams_pb2.SessionStartInfo]) -> list[dict[str, object]]:
    seen: dict[str, list[object]] = {}
    for start in starts:
        for name in sorted(start.hparams):
            seen.setdefault(name, []).append(_hparam_value(start.hparams[name]))
    return [_inferred(name, [v for v in values if v is not None]) for name, values in seen.items()]


def _inferred(name: str, values: list[object]) -> dict[str, object]:
    kinds = {type(v) for v in values}
    kind = {float: "float", bool: "bool", str: "str"}.get(kinds.pop(), "unset") if len(kinds) == 1 else "unset"
    if kind == "float":
        domain, domain_kind = [min(values), max(values)], "interval"  # type: ignore[type-var]
    else:
        domain, domain_kind = sorted(set(values), key=str), "discrete"
    return {
        "name": name,
        "display_name": name,
        "description": "",
        "type": kind,
        "domain": domain,
        "domain_kind": domain_kind,
        "inferred": True,
    }
