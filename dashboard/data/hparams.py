"""HParams queries: the sessions table with its column kinds, filtering, parameter importance and a session's curves."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.data.source import DataSource

PLUGIN = "hparams"
STATUSES = ("success", "failure", "running", "unknown")
MAX_DISCRETE = 12  # a string hparam without a declared domain and more values than this is filtered by regex
FIXED = ("run", "session", "status", "start_time", "end_time")


@dataclass(frozen=True)
class Column:
    """One hparam or metric column of the sessions table and how it is filtered.

    Attributes:
        name: the column name.
        role: "hparam" or "metric".
        kind: "discrete" (checkboxes of values), "interval" (min/max) or "text" (regex).
        values: the value labels a discrete column offers (see label).
    """

    name: str
    role: str
    kind: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sessions:
    """The sessions of the logdir and what their columns are.

    Attributes:
        frame: one row per session: run, session, hparam columns, metric columns, status, times.
        columns: the hparam columns then the metric columns.
        inferred_metrics: True when no experiment declared metrics and they are the sessions' scalar tags.
    """

    frame: pd.DataFrame
    columns: tuple[Column, ...]
    inferred_metrics: bool = False

    @property
    def hparams(self) -> list[str]:
        """The hparam column names."""
        return [c.name for c in self.columns if c.role == "hparam"]

    @property
    def metrics(self) -> list[str]:
        """The metric column names."""
        return [c.name for c in self.columns if c.role == "metric"]

    def column(self, name: str) -> Column | None:
        """Return the column called name (None if there is none)."""
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Filters:
    """Which sessions to show (an empty field filters nothing).

    Attributes:
        values: column -> the value labels kept (discrete columns).
        ranges: column -> (min, max), either None for an open end (interval columns and metrics).
        regex: column -> a regex the value must match (text columns; case-insensitive, anywhere).
        status: the statuses kept (empty keeps all).
    """

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)
    regex: Mapping[str, str] = field(default_factory=dict)
    status: tuple[str, ...] = ()


def label(value: object) -> str:
    """Return how a value shows in checkboxes, URLs and the table: true/false, 0.001, adam ("" when missing)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return str(value)


def sessions(source: DataSource) -> Sessions:
    """Return the logdir's hparams sessions (memoized per data version; read-only).

    Without declared metrics, every scalar tag of the session runs becomes a metric (its last value).
    """
    return source.memo(("hparams", "sessions"), lambda: _build_sessions(source))


def _build_sessions(source: DataSource) -> Sessions:
    logdir = source.loader
    if logdir is None:
        return Sessions(pd.DataFrame(columns=list(FIXED)), ())
    frame = logdir.hparams()
    hparams, metrics = list(frame.attrs.get("hparams", [])), list(frame.attrs.get("metrics", []))
    domains = dict(frame.attrs.get("domains", {}))
    kinds = dict(frame.attrs.get("domain_kinds", {}))
    inferred = False
    if not metrics and not frame.empty:
        frame, metrics = _with_inferred_metrics(frame, source), []
        metrics = [c for c in frame.columns if c not in FIXED and c not in hparams]
        inferred = bool(metrics)
    columns = [_hparam_column(frame[name], domains.get(name), kinds.get(name), name) for name in hparams]
    columns += [Column(name, "metric", "interval") for name in metrics]
    return Sessions(frame.reset_index(drop=True), tuple(columns), inferred)


def _with_inferred_metrics(frame: pd.DataFrame, source: DataSource) -> pd.DataFrame:
    """Return frame with one column per scalar tag of the session runs: the tag's value at its last step."""
    runs = [str(s) for s in frame["session"]]
    tags = source.plugin_tags("scalars", runs)
    if not tags:
        return frame
    points = source.scalar_series(runs, tags)
    last = points.sort_values("step", kind="stable").groupby(["run", "tag"], sort=False)["value"].last()
    wide = last.unstack("tag").reindex(index=runs, columns=tags)
    names = {tag: tag if tag not in frame.columns else f"metric/{tag}" for tag in tags}
    added = pd.DataFrame({names[t]: wide[t].to_numpy(dtype="float64") for t in tags}, index=frame.index)
    fixed = [c for c in frame.columns if c in FIXED[2:]]
    return pd.concat([frame.drop(columns=fixed), added, frame[fixed]], axis=1)


def _hparam_column(values: pd.Series, domain: Sequence[object] | None, kind: str | None, name: str) -> Column:
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    seen = [label(v) for v in values.dropna().unique()]
    if numeric:
        if kind == "discrete":
            return Column(name, "hparam", "discrete", _ordered(seen + [label(v) for v in domain or []]))
        return Column(name, "hparam", "interval")
    if pd.api.types.is_bool_dtype(values):
        return Column(name, "hparam", "discrete", _ordered(seen + ["false", "true"]))
    declared = [label(v) for v in domain] if domain is not None and kind == "discrete" else []
    if declared or len(set(seen)) <= MAX_DISCRETE:
        return Column(name, "hparam", "discrete", _ordered(declared + seen))
    return Column(name, "hparam", "text")


def _ordered(labels: Sequence[str]) -> tuple[str, ...]:
    unique = [x for x in dict.fromkeys(labels) if x != ""]

    def key(text: str) -> tuple[int, float, str]:
        try:
            return (0, float(text), text)
        except ValueError:
            return (1, 0.0, text)

    return tuple(sorted(unique, key=key))


def apply(found: Sessions, filters: Filters) -> pd.DataFrame:
    """Return the sessions the filters keep (a bad regex filters nothing).

    Args:
        found: the sessions.
        filters: what to keep.

    Returns:
        The kept rows of found.frame, in order.
    """
    frame = found.frame
    keep = pd.Series(True, index=frame.index)
    for name, kept in filters.values.items():
        if name in frame.columns:
            keep &= frame[name].map(label).isin(set(kept))
    for name, (low, high) in filters.ranges.items():
        if name in frame.columns:
            values = pd.to_numeric(frame[name], errors="coerce")
            keep &= values.ge(low) if low is not None else True
            keep &= values.le(high) if high is not None else True
    for name, pattern in filters.regex.items():
        if name in frame.columns and pattern:
            keep &= frame[name].map(label).map(_matcher(pattern))
    if filters.status:
        keep &= frame["status"].isin(set(filters.status))
    return frame[keep]


def _matcher(pattern: str) -> Callable[[str], bool]:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return lambda text: True
    return lambda text: compiled.search(text) is not None


def importance(frame: pd.DataFrame, hparams: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Return the absolute Spearman rank correlation of each hparam with each metric.

    Booleans count as 0/1 and strings by their sorted order (a rough ranking for more than two
    values). Pairs with fewer than 3 sessions or a constant side are left out.

    Args:
        frame: sessions (one row each).
        hparams: hparam columns.
        metrics: metric columns.

    Returns:
        metric, hparam, importance (|rho| in [0, 1]), rho, sessions; sorted by metric then importance, descending.
    """
    rows = []
    for metric in metrics:
        y = pd.to_numeric(frame[metric], errors="coerce") if metric in frame else None
        for hparam in hparams:
            if y is None or hparam not in frame:
                continue
            x = _as_numbers(frame[hparam])
            both = pd.DataFrame({"x": x, "y": y}).dropna()
            if len(both) < 3 or both["x"].nunique() < 2 or both["y"].nunique() < 2:
                continue
            rho = float(np.corrcoef(both["x"].rank(), both["y"].rank())[0, 1])
            rows.append((metric, hparam, abs(rho), rho, len(both)))
    result = pd.DataFrame(rows, columns=["metric", "hparam", "importance", "rho", "sessions"])
    order = {m: i for i, m in enumerate(metrics)}
    return result.sort_values(
        ["metric", "importance"], key=lambda s: s.map(order) if s.name == "metric" else s, ascending=[True, False]
    ).reset_index(drop=True)


def _as_numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    labels = values.map(label)
    order = {text: float(i) for i, text in enumerate(sorted(set(labels) - {""}))}
    return pd.Series([order.get(text, np.nan) for text in labels], index=values.index, dtype="float64")


def session_curves(source: DataSource, found: Sessions, session: str) -> dict[str, pd.DataFrame]:
    """Return the scalar curves of one session: its run's and, for an add_hparams sub-run, the sub-run's too.

    Args:
        source: the data source.
        found: the sessions.
        session: a session name (anything else gives {}).

    Returns:
        tag -> points (run, tag, step, wall_time, value), tags in natural order.
    """
    rows = found.frame[found.frame["session"] == session]
    if rows.empty:
        return {}
    runs = list(dict.fromkeys([str(rows["run"].iloc[0]), session]))
    return source.scalar_series_by_tag(runs, source.plugin_tags("scalars", runs))
