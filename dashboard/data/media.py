"""Images and audio for their pages and the blob route: per-sample metadata without bytes, one blob at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.data.source import DataSource
from dashboard.sorting import natural_key

KINDS: tuple[str, ...] = ("images", "audio")
KEY_COLUMNS = ["run", "tag", "step", "wall_time", "index"]
# The columns each kind's page needs besides the keys: everything but the bytes.
META_COLUMNS: dict[str, list[str]] = {
    "images": [*KEY_COLUMNS, "width", "height", "content_type"],
    "audio": [*KEY_COLUMNS, "sample_rate", "channels", "frames", "content_type", "label"],
}
_DTYPES = {
    "run": "str",
    "tag": "str",
    "step": "int64",
    "wall_time": "float64",
    "index": "int64",
    "width": "int64",
    "height": "int64",
    "content_type": "str",
    "sample_rate": "float64",
    "channels": "int64",
    "frames": "int64",
    "label": "str",
}


@dataclass(frozen=True)
class Blob:
    """One encoded image or audio clip, as logged.

    Attributes:
        data: the encoded bytes (PNG, JPEG, GIF, WAV, ...).
        content_type: the MIME type the loader sniffed or the writer recorded.
        wall_time: when it was logged (epoch seconds).
    """

    data: bytes
    content_type: str
    wall_time: float


def check_kind(kind: str) -> str:
    """Return kind when it is "images" or "audio".

    Raises:
        ValueError: any other kind (the message lists the valid ones).
    """
    if kind not in KINDS:
        raise ValueError(f"media kind must be one of {list(KINDS)}, got {kind!r}")
    return kind


def is_known(source: DataSource, kind: str, run: str, tag: str) -> bool:
    """Return whether the loader discovered this (run, tag) with data of this kind."""
    frame = source.tags(check_kind(kind))
    return bool(((frame["run"] == run) & (frame["tag"] == tag)).any())


def samples(source: DataSource, kind: str, runs: Iterable[str], tags: Iterable[str]) -> pd.DataFrame:
    """Return every logged sample's metadata (never the bytes) for the given runs and tags.

    Args:
        source: the app's data.
        kind: "images" or "audio".
        runs: run names (names without data of this kind are ignored).
        tags: tag names (likewise).

    Returns:
        META_COLUMNS[kind], one row per (run, tag, index, step) — a step logged twice keeps the
        row written last — sorted by tag (natural), run (natural), index, then step.
    """
    table = _table(source, kind, runs, tags)
    columns = META_COLUMNS[kind]
    if table is None:
        return pd.DataFrame({column: pd.Series(dtype=_DTYPES[column]) for column in columns})
    frame = table.select(columns).filter(pc.is_in(table["tag"], pa.array(sorted(set(tags)), pa.string()))).to_pandas()
    frame = frame.drop_duplicates(["run", "tag", "index", "step"], keep="last")
    order = frame.assign(_tag=frame["tag"].map(natural_key), _run=frame["run"].map(natural_key))
    order = order.sort_values(["_tag", "tag", "_run", "run", "index", "step"], kind="stable")
    return order.drop(columns=["_tag", "_run"]).astype({"index": "int64", "step": "int64"}).reset_index(drop=True)


def sample_steps(source: DataSource, kind: str, run: str, tag: str, index: int) -> pd.DataFrame:
    """Return the rows of one card (one run, tag and sample index), one per step, ascending.

    Args:
        source: the app's data.
        kind: "images" or "audio".
        run: the run.
        tag: the tag.
        index: the sample index within each step.

    Returns:
        META_COLUMNS[kind] rows (empty when nothing matches).
    """
    frame = samples(source, kind, [run], [tag])
    return frame[frame["index"] == index].reset_index(drop=True)


def blob(source: DataSource, kind: str, run: str, tag: str, step: int, index: int) -> Blob | None:
    """Return one sample's bytes, reading only that row's data from the loader's table.

    Args:
        source: the app's data.
        kind: "images" or "audio".
        run: a run the loader discovered.
        tag: a tag of that run.
        step: the step.
        index: the sample index within the step.

    Returns:
        The blob (the row written last when the step was logged twice), or None when there is none.
    """
    table = _table(source, kind, [run], [tag])
    if table is None:
        return None
    mask = pc.and_(
        pc.and_(pc.equal(table["tag"], tag), pc.equal(table["step"], pa.scalar(step, pa.int64()))),
        pc.equal(table["index"], pa.scalar(index, table.schema.field("index").type)),
    )
    hits = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    if not len(hits):
        return None
    row = int(hits[-1])  # only this row's bytes leave the memory-mapped cache
    return Blob(
        table["data"][row].as_py(),
        str(table["content_type"][row].as_py() or ""),
        float(table["wall_time"][row].as_py()),
    )


def _table(source: DataSource, kind: str, runs: Iterable[str], tags: Iterable[str]) -> pa.Table | None:
    """Return the loader's Arrow table of kind for the runs that have one of the tags, or None when none does.

    Every tag of those runs is included: asking the loader to filter by tag would copy the kept
    rows' bytes out of the memory-mapped cache, so callers filter after dropping `data`, or
    take a single row.
    """
    wanted_runs, wanted_tags = set(runs), set(tags)
    present = source.tags(check_kind(kind))
    present = present[present["run"].isin(wanted_runs) & present["tag"].isin(wanted_tags)]
    loader = source.loader
    if loader is None or present.empty:
        return None
    reader = loader.images_table if kind == "images" else loader.audio_table
    try:
        return reader(sorted(set(present["run"])))
    except ValueError:  # the loader saw a refresh the tag list has not caught up with
        return None
