"""Column accumulators: decoded rows go into per-column lists, one Arrow table per kind at the end."""

from __future__ import annotations

from array import array
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from loaders.errors import Problem
from loaders.schemas import SCHEMAS

# The key every row starts with: tag, step, wall_time, and the record's byte offset.
RowKey = tuple[str, int, float, int]


class ScalarColumns:
    """The scalars table's columns as typed arrays: the hot path appends to them directly."""

    def __init__(self) -> None:
        self.tag: list[str] = []
        self.step = array("q")
        self.wall_time = array("d")
        self.value = array("d")
        self.offset = array("q")

    def __len__(self) -> int:
        return len(self.tag)

    def table(self) -> pa.Table:
        """Return the scalars table built from the columns."""
        columns = [
            pa.array(self.tag, type=pa.string()),
            pa.array(np.frombuffer(self.step, dtype=np.int64)),
            pa.array(np.frombuffer(self.wall_time, dtype=np.float64)),
            pa.array(np.frombuffer(self.value, dtype=np.float64)),
            pa.array(np.frombuffer(self.offset, dtype=np.int64)),
        ]
        return pa.Table.from_arrays(columns, schema=SCHEMAS["scalars"])


class ChunkColumns:
    """Rows of every kind for one chunk, plus the problems found while decoding them.

    Attributes:
        path: the event file (named in problems).
        scalars: the scalars columns (appended to directly by the decoder's hot path).
        problems: what could not be decoded as its plugin, with byte offsets.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.scalars = ScalarColumns()
        self.problems: list[Problem] = []
        self._columns: dict[str, list[list[object]]] = {}

    def add(self, kind: str, key: RowKey, own: Sequence[object]) -> None:
        """Append one row of kind: the key columns, then the kind's own columns in schema order."""
        if kind == "scalars":
            tag, step, wall_time, offset = key
            scalars = self.scalars
            scalars.tag.append(tag)
            scalars.step.append(step)
            scalars.wall_time.append(wall_time)
            scalars.value.append(own[0])  # type: ignore[arg-type]
            scalars.offset.append(offset)
            return
        columns = self._columns.get(kind)
        if columns is None:
            columns = self._columns[kind] = [[] for _ in SCHEMAS[kind]]
        tag, step, wall_time, offset = key
        columns[0].append(tag)
        columns[1].append(step)
        columns[2].append(wall_time)
        for column, item in zip(columns[3:-1], own, strict=True):
            column.append(item)
        columns[-1].append(offset)

    def problem(self, offset: int, kind: str, what: str) -> None:
        """Record a problem about the record at offset; what completes "record at byte N ..."."""
        self.problems.append(Problem(self.path, offset, kind, f"{self.path}: record at byte {offset}: {what}"))

    def tables(self) -> dict[str, pa.Table]:
        """Return one Arrow table per kind that got rows."""
        out: dict[str, pa.Table] = {}
        if len(self.scalars):
            out["scalars"] = self.scalars.table()
        for kind, columns in self._columns.items():
            schema = SCHEMAS[kind]
            arrays = [_column(column, field.type) for column, field in zip(columns, schema, strict=True)]
            out[kind] = pa.Table.from_arrays(arrays, schema=schema)
        return out


def _column(items: list[object], type_: pa.DataType) -> pa.Array:
    """Return one column as an Arrow array; float lists become one offsets + values buffer pair."""
    if type_ != pa.list_(pa.float64()):
        return pa.array(items, type=type_)
    parts = [np.asarray(item, dtype=np.float64) for item in items]
    offsets = np.zeros(len(parts) + 1, dtype=np.int32)
    np.cumsum([len(part) for part in parts], out=offsets[1:])
    values = np.concatenate(parts) if parts else np.zeros(0)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.float64()))
