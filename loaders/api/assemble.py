"""Run assembly helpers: run-level tag metadata, the restart (purge) policy, per-tag statistics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.cache import FileEntry
from loaders.cache.entry import merge_index
from loaders.chunk import TagInfo

READER_KINDS = ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves")
NO_STEP = np.iinfo(np.int64).max


def reader_form(table: pa.Table) -> pa.Table:
    """Return a chunk-form table with no rows in reader form (run first, no _offset)."""
    table = table.drop_columns(["_offset"])
    return table.add_column(0, "run", pa.array([], pa.string()))


def first_tag_infos(entries: tuple[FileEntry, ...]) -> dict[str, TagInfo]:
    """Return the first TagInfo per tag over a run's files, in file order."""
    tags: dict[str, TagInfo] = {}
    for entry in entries:
        for tag, info in entry.tags.items():
            if info.plugin:
                tags.setdefault(tag, info)
    return tags


def plugin_tags(entries: tuple[FileEntry, ...], kind: str) -> list[str]:
    """Return a run's tags whose first metadata names plugin kind, whether or not they have rows of kind.

    tags() lists a tag under that plugin even when none of its values could be read as the plugin
    (they are kept in the tensors table, with a problem); asking kind's reader for it gives no rows.
    """
    return [tag for tag, info in first_tag_infos(entries).items() if info.plugin == kind]


def restart_thresholds(entries: tuple[FileEntry, ...]) -> list[tuple[np.ndarray, np.ndarray, int]] | None:
    """Per file: (restart offsets, suffix-min restart steps, min restart step of later files); None if no restarts."""
    if not any(entry.restarts for entry in entries):
        return None
    later = NO_STEP
    result: list[tuple[np.ndarray, np.ndarray, int]] = []
    for entry in reversed(entries):
        offsets = np.array([offset for offset, _ in entry.restarts], dtype=np.int64)
        steps = np.array([step for _, step in entry.restarts] + [NO_STEP], dtype=np.int64)
        suffix = np.minimum.accumulate(steps[::-1])[::-1]
        result.append((offsets, suffix, later))
        later = min(later, int(suffix[0]))
    return result[::-1]


def purge_restarted(table: pa.Table, offsets: np.ndarray, suffix: np.ndarray, later: int) -> pa.Table:
    """Drop rows that a later SessionLog.START at step S supersedes (their step >= S)."""
    rows = table["_offset"].to_numpy()
    limit = np.minimum(suffix[np.searchsorted(offsets, rows, side="right")], later)
    keep = (table["step"].to_numpy() < limit) | (limit == NO_STEP)  # NO_STEP: no restart follows the row
    return table if keep.all() else table.filter(pa.array(keep))


def tag_stats(run: str, entries: tuple[FileEntry, ...], assembled: Callable[[str, str], pa.Table]) -> pd.DataFrame:
    """Return run's rows of the tags() frame."""
    known = first_tag_infos(entries)
    kinds = {kind for entry in entries for kind in entry.kinds()}
    if any(entry.unresolved for entry in entries):
        kinds.update(READER_KINDS)  # plugin-less tensors may resolve into any reader kind
    parts = []
    for kind in sorted(kinds):
        table = assembled(run, kind).select(["tag", "step"])
        if table.num_rows:
            parts.append(table.append_column("kind", pa.repeat(pa.scalar(kind), table.num_rows)))
    if not parts:
        return pd.DataFrame()
    grouped = (
        pa.concat_tables(parts)
        .group_by(["tag", "kind"], use_threads=False)
        .aggregate([("step", "count"), ("step", "min"), ("step", "max")])
        .to_pydict()
    )
    stats: dict[str, dict[str, tuple[int, int, int]]] = {}
    for tag, kind, count, first, last in zip(
        grouped["tag"], grouped["kind"], grouped["step_count"], grouped["step_min"], grouped["step_max"]
    ):
        stats.setdefault(tag, {})[kind] = (count, first, last)
    return tag_rows(run, stats, known)


def tag_rows(run: str, stats: dict[str, dict[str, tuple[int, int, int]]], known: dict[str, TagInfo]) -> pd.DataFrame:
    """Return the tags() rows of a run from tag -> kind -> (rows, first step, last step).

    A tag has one row, its plugin from its first metadata (or its kind). A tag whose values landed
    in several tables (a writer reused the name: a scalar, then an image) has a row per table: the
    table its metadata names keeps that plugin, the others are listed under their own kind, so each
    page finds what its reader returns.
    """
    rows = []
    for tag in sorted(stats):
        kinds = stats[tag]
        plugin = known[tag].plugin if tag in known else None
        owner = plugin if plugin in kinds else min(kinds)
        for kind in sorted(kinds):
            count, first, last = kinds[kind]
            rows.append((tag, (plugin or kind) if kind == owner else kind, count, first, last))
    if not rows:
        return pd.DataFrame()
    tags, plugins, counts, firsts, lasts = zip(*rows)
    return pd.DataFrame(
        {
            "run": run,
            "tag": pd.array(tags, dtype="str"),
            "plugin": list(plugins),
            "count": np.array(counts, dtype=np.int64),
            "first_step": np.array(firsts, dtype=np.int64),
            "last_step": np.array(lasts, dtype=np.int64),
        }
    )


Index = dict[str, dict[str, tuple[int, int, int]]]
"""kind -> tag -> (rows, first step, last step)."""


def combine_indexes(indexes: list[Index]) -> Index:
    """Return the kind -> tag -> (rows, first step, last step) index of a run from its files' indexes."""
    combined: Index = {}
    for index in indexes:
        combined = merge_index(combined, index)
    return combined


def exact_index(entries: tuple[FileEntry, ...], *, purge: bool) -> Index | None:
    """Return a run's tag index from its files' indexes, or None when the tables must be read instead.

    The stored indexes describe the assembled tables exactly unless some file has no index yet
    (stored by an older version), plugin-less tensors may resolve into other kinds, or restarts
    are purged.

    Args:
        entries: the run's cache entries, in file order.
        purge: the restart policy is "purge".
    """
    if any(entry.index is None or entry.unresolved for entry in entries):
        return None
    if purge and any(entry.restarts for entry in entries):
        return None
    return combine_indexes([entry.index for entry in entries if entry.index is not None])


def index_stats(run: str, entries: tuple[FileEntry, ...], index: Index) -> pd.DataFrame:
    """Return run's rows of the tags() frame from its tag index (the same rows tag_stats() computes from the tables)."""
    stats: dict[str, dict[str, tuple[int, int, int]]] = {}
    for kind, tags in index.items():
        for tag, counts in tags.items():
            stats.setdefault(tag, {})[kind] = counts
    return tag_rows(run, stats, first_tag_infos(entries))


def filter_tags(table: pa.Table, wanted: list[str], tags: dict[str, tuple[int, int, int]] | None) -> pa.Table:
    """Return table's rows whose tag is in wanted; tags (the table's index, if known) skips needless scans."""
    if tags is not None:
        hits = [tag for tag in wanted if tag in tags]
        if not hits:
            return table.slice(0, 0)
        if len(hits) == len(tags):
            return table
    if len(wanted) == 1:
        return table.filter(pc.equal(table["tag"], pa.scalar(wanted[0], pa.string())))
    return table.filter(pc.is_in(table["tag"], pa.array(wanted, pa.string())))
