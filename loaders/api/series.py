"""Per-tag scalar series: a run's scalars indexed by tag once per data version, then served as small takes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SERIES_COLUMNS = ("step", "wall_time", "value")


class TagRows:
    """One run's assembled scalars: tag -> its row numbers, and zero-copy column views per record batch.

    Built once per data version of a run (4 bytes a row), so a group of charts costs a few takes
    instead of a scan of every row of the run per tag.

    Attributes:
        rows: tag -> its row numbers in the run's table, ascending (point order).
    """

    def __init__(self, table: pa.Table) -> None:
        """Index table (reader form: tag, step, wall_time, value columns) by tag."""
        codes = pc.dictionary_encode(table["tag"]).combine_chunks()
        indices = codes.indices.to_numpy(zero_copy_only=False)
        tags = codes.dictionary.to_pylist()
        small = indices.astype(np.int16) if len(tags) < 2**15 else indices  # int16 sorts by radix
        order = np.argsort(small, kind="stable").astype(np.int32 if table.num_rows < 2**31 else np.int64)
        bounds = np.searchsorted(indices[order], np.arange(len(tags) + 1))
        self.rows: dict[str, np.ndarray] = {str(tag): order[bounds[i] : bounds[i + 1]] for i, tag in enumerate(tags)}
        batches = table.select(list(SERIES_COLUMNS)).to_batches()
        self._starts = np.cumsum([0] + [batch.num_rows for batch in batches])
        self._batches = [
            {name: batch.column(name).to_numpy(zero_copy_only=False) for name in SERIES_COLUMNS} for batch in batches
        ]

    def series(self, tag: str) -> dict[str, np.ndarray]:
        """Return step, wall_time and value of one tag of the run, in point order (KeyError if absent)."""
        rows = self.rows[tag]
        if len(self._batches) == 1:  # one event file, one chunk: the common case, no cutting
            return {name: _take(column, rows) for name, column in self._batches[0].items()}
        cuts = np.searchsorted(rows, self._starts)
        pieces = [
            (columns, rows[cuts[i] : cuts[i + 1]] - self._starts[i])
            for i, columns in enumerate(self._batches)
            if cuts[i + 1] > cuts[i]
        ]
        return {
            name: np.concatenate([_take(columns[name], picked) for columns, picked in pieces])
            if pieces
            else np.empty(0)
            for name in SERIES_COLUMNS
        }


def _take(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return column[rows]; evenly spaced rows (a writer logging its tags in turn) as a strided view."""
    if rows.size > 2:
        stride = int(rows[1] - rows[0])
        if stride > 0 and int(rows[-1] - rows[0]) == stride * (rows.size - 1) and bool(np.all(np.diff(rows) == stride)):
            return column[int(rows[0]) : int(rows[-1]) + 1 : stride]
    return column[rows]


def tag_frame(tag: str, runs: pd.CategoricalDtype, parts: list[tuple[int, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """Return one tag's frame from (run code, that run's series) parts, in the parts' order.

    Args:
        tag: the tag (the tag column's one category).
        runs: the run column's dtype; a part's code is its run's position in runs.categories.
        parts: (run code, {step, wall_time, value arrays}) per run with rows.

    Returns:
        run (categorical, dtype runs), tag (categorical), step, wall_time, value.
    """
    sizes = np.array([series["step"].size for _, series in parts], dtype=np.int64)
    codes = np.repeat(np.array([code for code, _ in parts], dtype=np.int32), sizes)
    frame: dict[str, object] = {
        "run": pd.Categorical.from_codes(codes, dtype=runs),
        "tag": pd.Categorical.from_codes(np.zeros(codes.size, dtype=np.int8), categories=pd.Index([tag], dtype="str")),
    }
    for name in SERIES_COLUMNS:
        frame[name] = np.concatenate([series[name] for _, series in parts])
    return pd.DataFrame(frame)
