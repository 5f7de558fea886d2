"""Runs queries: one row per run (times, steps, tag counts by plugin, hparams, metric summaries) and bulk export."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.data.source import DataSource

EXPORT_KINDS = ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves")
BASE_COLUMNS = ["run", "start_utc", "last_utc", "duration_s", "steps"]


def runs_table(source: DataSource, metrics: Sequence[str] = ()) -> pd.DataFrame:
    """Return one row per run: times, steps, tag counts by plugin, hparams, and last/min/max of chosen metrics.

    Args:
        source: the data source.
        metrics: scalar tags summarised as "<tag> last", "<tag> min", "<tag> max" columns.

    Returns:
        run, start_utc and last_utc (UTC time of the first and last scalar, "" without scalars),
        duration_s, steps (the highest step of any tag), "tags: <plugin>" counts, the hparams of
        the run's session (a tensorboardX/PyTorch sub-run's values go to its parent), then the metric
        columns; runs in natural order.
    """
    return source.memo(("runs", "table", tuple(metrics)), lambda: _build(source, list(metrics)))


def _build(source: DataSource, metrics: list[str]) -> pd.DataFrame:
    runs = source.runs()
    frame = pd.DataFrame({"run": pd.Series(runs, dtype="str")})
    tags = source.tags()
    logdir = source.loader
    if logdir is None or not runs:
        return frame.reindex(columns=BASE_COLUMNS)
    times = _times(logdir.scalars_table().select(["run", "wall_time"]))
    frame = frame.merge(times, on="run", how="left")
    frame["duration_s"] = (frame["last_wall"] - frame["first_wall"]).round(1)
    frame["start_utc"], frame["last_utc"] = _utc(frame["first_wall"]), _utc(frame["last_wall"])
    steps = tags.groupby("run")["last_step"].max() if not tags.empty else pd.Series(dtype="int64")
    frame["steps"] = frame["run"].map(steps).astype("Int64")
    counts = tags.groupby(["run", "plugin"]).size().unstack(fill_value=0) if not tags.empty else pd.DataFrame()
    for plugin in counts.columns:
        frame[f"tags: {plugin}"] = frame["run"].map(counts[plugin]).fillna(0).astype("int64")
    frame = frame.drop(columns=["first_wall", "last_wall"])
    frame = frame[BASE_COLUMNS + [c for c in frame.columns if c not in BASE_COLUMNS]]
    frame = _with_hparams(frame, logdir.hparams())
    return _with_metrics(frame, source, metrics)


def _times(table: pa.Table) -> pd.DataFrame:
    if table.num_rows == 0:
        return pd.DataFrame({"run": pd.Series(dtype="str"), "first_wall": [], "last_wall": []})
    grouped = table.group_by("run").aggregate([("wall_time", "min"), ("wall_time", "max")]).to_pandas()
    return grouped.rename(columns={"wall_time_min": "first_wall", "wall_time_max": "last_wall"})


def _utc(walls: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(walls, unit="s", utc=True).dt.tz_convert(None)
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


def _with_hparams(frame: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    hparams = [c for c in sessions.attrs.get("hparams", []) if c in sessions]
    if sessions.empty or not hparams:
        return frame
    per_run = sessions.drop_duplicates("run", keep="last").set_index("run")[hparams]
    per_run.columns = [c if c not in frame.columns else f"hparam/{c}" for c in hparams]
    return frame.merge(per_run, left_on="run", right_index=True, how="left")


def _with_metrics(frame: pd.DataFrame, source: DataSource, metrics: list[str]) -> pd.DataFrame:
    if not metrics:
        return frame
    points = source.scalar_series(list(frame["run"]), metrics)
    for tag in metrics:
        part = points[points["tag"] == tag].sort_values("step", kind="stable").groupby("run")["value"]
        frame[f"{tag} last"] = frame["run"].map(part.last())
        frame[f"{tag} min"] = frame["run"].map(part.min())
        frame[f"{tag} max"] = frame["run"].map(part.max())
    return frame


def export_zip(source: DataSource, runs: Sequence[str]) -> bytes:
    """Return a zip holding one Parquet file per kind (<kind>.parquet) with the given runs' data.

    Kinds without data in these runs are left out; unknown run names are ignored.
    """
    logdir = source.loader
    wanted = [run for run in runs if run in set(source.runs())]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if logdir is not None and wanted:
            for kind in EXPORT_KINDS:
                table = getattr(logdir, f"{kind}_table")(runs=wanted)
                if table.num_rows:
                    sink = io.BytesIO()
                    pq.write_table(table, sink)
                    archive.writestr(f"{kind}.parquet", sink.getvalue())
    return buffer.getvalue()
