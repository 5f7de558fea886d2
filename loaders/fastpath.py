"""Read one byte range of one event file into a FileChunk, through the compiled bulk path when built.

The C kernel (loaders/_fastscan.c) frames the bytes, checks both checksums and pulls out every
record that holds only scalar or histogram values (legacy simple_value and histo, TF2 scalar and
k x 3 histogram tensors, with or without metadata); the protobuf decoder in events.py handles the
rest. Its rows are kept only where the pure-Python decoder would produce the same ones (the tag's
plugin, from the first metadata or legacy value, names the kernel row's table); every other record
goes through events.decode_chunk, whole. Where decoding the records apart could differ from
decoding them in file order (a new tag first seen in a kernel record, a plugin mismatch), the whole
range is decoded in file order instead, so both paths agree exactly.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from types import ModuleType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.chunk import FileChunk, TagInfo
from loaders.errors import Problem
from loaders.records import (
    HEADER_BYTES,
    RecordScan,
    bad_length_problem,
    length_crc_problem,
    payload_crc_problem,
    read_tail,
    scan_records,
    truncated_problem,
)
from loaders.tables import SCHEMAS

try:
    from loaders import _fastscan
except ImportError:  # not built: the pure-Python path reads the same data, only slower
    _fastscan = None

_NEVER = np.iinfo(np.int64).max


def _kernel() -> ModuleType:
    """Return the compiled kernel, whose STATUS_* and KIND_* codes are defined in _fastscan.c only."""
    if _fastscan is None:
        raise RuntimeError("loaders._fastscan is not built: only the kernel's path asks for its codes")
    return _fastscan


def read_chunk(
    path: str, start: int = 0, known: Mapping[str, TagInfo] | None = None, *, fast: bool = True
) -> FileChunk:
    """Decode the records of path from byte offset start to the last complete record.

    Args:
        path: the event file.
        start: where the previous read stopped (0 for a new file).
        known: tag metadata already seen earlier in this file.
        fast: use the compiled bulk path when it is built (tests compare both paths).

    Returns:
        The FileChunk; damaged records are reported in its problems, never raised.
    """
    known = dict(known or {})
    data = read_tail(path, start)
    if _fastscan is None or not fast:
        return _decode(scan_records(path, start, buffer=data), known)
    end, status, bad_crc, tag_bytes, *scalar_columns, histogram_columns, other = _fastscan.scan(data)
    pairs = np.frombuffer(other, dtype=np.int64).reshape(-1, 2)
    scan = RecordScan(
        path=path,
        buffer=data,
        base=start,
        starts=pairs[:, 0].copy(),
        lengths=pairs[:, 1].copy(),
        end_offset=start + end,
        truncated=status == _kernel().STATUS_TRUNCATED,
        stopped=status in (_kernel().STATUS_LENGTH_CRC, _kernel().STATUS_BAD_LENGTH),
        problems=_problems(path, start, data, end, status, bad_crc),
    )
    chunk = _decode(scan, known)
    rows = KernelRows(tag_bytes, scalar_columns, histogram_columns)
    if rows.order_matters(known, chunk, start):  # rare: decode the whole range in file order instead
        return _decode(scan_records(path, start, buffer=data), known)
    keep = rows.accepted({**known, **chunk.tags}, chunk, data, start)
    rejected = _distinct_sorted(np.sort(rows.offset[~keep]))
    if len(rejected):
        keep &= ~np.isin(rows.offset, rejected)  # a record is re-decoded whole: none of its rows stay here
    extra = _decode(_records_at(path, data, start, rejected), {**known, **chunk.tags}) if len(rejected) else None
    if extra is not None and _mismatches(chunk, extra):  # one report per tag, at its first record: in order
        return _decode(scan_records(path, start, buffer=data), known)
    chunk.num_records += _count_distinct_sorted(rows.offset)
    tables, index = rows.tables(keep, start)
    return _merge(chunk, tables, index, extra)


def _decode(scan: RecordScan, known: Mapping[str, TagInfo]) -> FileChunk:
    """Return events.decode_chunk(scan, known); a scan without records needs no decoder (nor its import)."""
    if len(scan):
        from loaders.events import decode_chunk

        return decode_chunk(scan, known)
    return FileChunk(
        path=scan.path,
        start=scan.base,
        end_offset=scan.end_offset,
        problems=sorted(scan.problems, key=lambda problem: problem.offset),
        truncated=scan.truncated,
        stopped=scan.stopped,
    )


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """Return the distinct values of an ascending array (np.unique's hashing costs ~20x more here)."""
    if len(values) == 0:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _count_distinct_sorted(values: np.ndarray) -> int:
    """Return how many distinct values an ascending array holds."""
    return int(np.count_nonzero(values[1:] != values[:-1])) + 1 if len(values) else 0


def _problems(
    path: str, start: int, data: bytes, end: int, status: int, bad_crc: list[tuple[str, int]]
) -> list[Problem]:
    """Return the problems of a kernel scan: records with a bad payload checksum, then why it stopped early."""
    problems = [payload_crc_problem(path, start + rel) for _, rel in bad_crc]
    if status == _kernel().STATUS_TRUNCATED:
        problems.append(truncated_problem(path, start + end, len(data) - end))
    elif status == _kernel().STATUS_LENGTH_CRC:
        problems.append(length_crc_problem(path, start + end, len(data) - end))
    elif status == _kernel().STATUS_BAD_LENGTH:
        problems.append(bad_length_problem(path, start + end, struct.unpack_from("<Q", data, end)[0]))
    return problems


_SCALAR_COLUMNS = ("tag_idx", "step", "wall", "value", "offset", "kind")
_SCALAR_TYPES = ("<i4", "<i8", "<f8", "<f8", "<i8", "u1")
_HISTOGRAM_COLUMNS = (
    "tag_idx",
    "step",
    "wall",
    "min",
    "max",
    "num",
    "sum",
    "sum_squares",
    "offset",
    "kind",
    "pos",
    "limit_end",
    "limits",
    "bucket_end",
    "buckets",
)
_HISTOGRAM_TYPES = (
    "<i4",
    "<i8",
    "<f8",
    "<f8",
    "<f8",
    "<f8",
    "<f8",
    "<f8",
    "<i8",
    "u1",
    "<i8",
    "<i4",
    "<f8",
    "<i4",
    "<f8",
)
# Row kinds the kernel writes are its KIND_* constants: legacy values (KIND_SIMPLE, KIND_HISTO)
# register their tag; tensor rows do when KIND_META is or-ed on.


class KernelRows:
    """The kernel's scalar and histogram rows as numpy columns, and one file-order view of both.

    Attributes:
        tags: the tag dictionary (tag ids index it).
        scalars, histograms: column name -> numpy array, as the kernel wrote them.
        tag_idx, kind, offset: every row of both tables in file order (what the rules look at).
    """

    _scalar_at: slice | np.ndarray  # where each table's rows go in file order
    _histogram_at: slice | np.ndarray

    def __init__(
        self, tag_bytes: list[bytes], scalar_columns: list[bytes], histogram_columns: tuple[bytes, ...]
    ) -> None:
        self.tags = [t.decode("utf-8", "replace") for t in tag_bytes]
        self.scalars = {
            name: np.frombuffer(raw, dtype=type_)
            for name, type_, raw in zip(_SCALAR_COLUMNS, _SCALAR_TYPES, scalar_columns, strict=True)
        }
        self.histograms = {
            name: np.frombuffer(raw, dtype=type_)
            for name, type_, raw in zip(_HISTOGRAM_COLUMNS, _HISTOGRAM_TYPES, histogram_columns, strict=True)
        }
        self._merge_order()

    def _merge_order(self) -> None:
        """Interleave both tables' rows in file order (the kernel gives each histogram row's position)."""
        s, h = self.scalars, self.histograms
        if not len(h["tag_idx"]):
            self._scalar_at, self._histogram_at = slice(None), slice(0, 0)
            self.tag_idx, self.kind, self.offset = s["tag_idx"], s["kind"], s["offset"]
            return
        if not len(s["tag_idx"]):
            self._scalar_at, self._histogram_at = slice(0, 0), slice(None)
            self.tag_idx, self.kind, self.offset = h["tag_idx"], h["kind"], h["offset"]
            return
        self._histogram_at = h["pos"] + np.arange(len(h["pos"]))
        scalar_rows = np.arange(len(s["tag_idx"]))
        self._scalar_at = scalar_rows + np.searchsorted(h["pos"], scalar_rows, side="right")
        total = len(scalar_rows) + len(h["pos"])
        self.tag_idx, self.kind, self.offset = (
            np.empty(total, dtype=np.int32),
            np.empty(total, dtype=np.uint8),
            np.empty(total, dtype=np.int64),
        )
        for name, merged in (("tag_idx", self.tag_idx), ("kind", self.kind), ("offset", self.offset)):
            merged[self._scalar_at] = s[name]
            merged[self._histogram_at] = h[name]

    def _registering(self) -> np.ndarray:
        """Return a mask of the rows that register a tag not seen before (legacy values, values with metadata)."""
        return (
            (self.kind == _kernel().KIND_SIMPLE)
            | (self.kind == _kernel().KIND_HISTO)
            | ((self.kind & _kernel().KIND_META) != 0)
        )

    def order_matters(self, known: Mapping[str, TagInfo], chunk: FileChunk, start: int) -> bool:
        """Return True when decoding the other records apart could file a tag new in this range differently.

        The Python decoder sees records in file order, and a tag's first metadata (or legacy
        value) registers it. Here the records left to Python were decoded before the kernel's
        rows are looked at. That agrees unless, for a tag new in this range: a kernel row comes
        before the tag's registration in those records; or a kernel row registers the tag first
        while those records register it later, mention it later, or a kernel row that does not
        register comes before it.
        """
        new = [name not in known for name in self.tags]
        if not any(new):
            return False
        registered, last = _tag_offsets(chunk)
        registering = self._registering()
        mixed = bool(registering.any()) and not bool(registering.all())
        candidates = [i for i, name in enumerate(self.tags) if new[i] and (mixed or name in last or name in registered)]
        if not candidates:
            return False
        rows, first, first_reg = len(self.tag_idx), self._first_rows(None), self._first_rows(registering)
        for tag_id in candidates:
            if first[tag_id] == rows:  # every record with this tag fell back to Python after all
                continue
            name = self.tags[tag_id]
            kernel = int(self.offset[first[tag_id]]) + start
            own = int(self.offset[first_reg[tag_id]]) + start if first_reg[tag_id] < rows else _NEVER
            other = registered.get(name, _NEVER)
            if other < own:
                if kernel < other:
                    return True
            elif own < _NEVER and (other < _NEVER or first[tag_id] < first_reg[tag_id] or last.get(name, -1) > own):
                return True
        return False

    def _first_rows(self, mask: np.ndarray | None) -> np.ndarray:
        """Return, per tag id, the index of its first row (among mask's rows), or the row count if none.

        Rows are looked at in growing blocks from the start, stopping once every tag has its row:
        tags usually all appear within the first few records.
        """
        rows = len(self.tag_idx)
        first = np.full(len(self.tags), rows, dtype=np.int64)
        positions = np.arange(rows) if mask is None else np.flatnonzero(mask)
        low, size = 0, 4096
        while low < len(positions):
            block = positions[low : low + size]
            np.minimum.at(first, self.tag_idx[block], block)
            low, size = low + size, size * 8
            if low < len(positions) and bool((first < rows).all()):
                break
        return first

    def accepted(self, tags: dict[str, TagInfo], chunk: FileChunk, data: bytes, start: int) -> np.ndarray:
        """Return a mask (file order) of the rows the Python decoder would also put in the same table.

        A tag no metadata registered yet is registered by its first kernel row that registers (a
        legacy value: the plugin it implies; a value with metadata: that metadata), as the Python
        decoder does; then a row stays where its table is the tag's plugin.
        """
        infos = [tags.get(name) for name in self.tags]
        first = self._first_rows(self._registering())
        for tag_id in np.flatnonzero(first < len(self.tag_idx)).tolist():
            if infos[tag_id] is None:
                row = int(first[tag_id])
                infos[tag_id] = self._registration(
                    self.tags[tag_id], int(self.kind[row]), data, int(self.offset[row]), start
                )
                chunk.tags[self.tags[tag_id]] = infos[tag_id]
        ok_scalar = np.array([i is not None and i.plugin == "scalars" for i in infos] + [False])
        ok_histogram = np.array([i is not None and i.plugin == "histograms" for i in infos] + [False])
        if not len(self.histograms["tag_idx"]):
            return np.ones(len(self.tag_idx), dtype=bool) if ok_scalar[:-1].all() else ok_scalar[self.tag_idx]
        histogram_row = (self.kind & ~np.uint8(_kernel().KIND_META)) >= _kernel().KIND_HISTO
        return np.where(histogram_row, ok_histogram[self.tag_idx], ok_scalar[self.tag_idx])

    @staticmethod
    def _registration(tag: str, kind: int, data: bytes, rel: int, start: int) -> TagInfo:
        """Return the TagInfo the Python decoder registers for tag's first registering value (record at rel)."""
        if not kind & _kernel().KIND_META:
            return _legacy_tag(tag, "simple_value" if kind == _kernel().KIND_SIMPLE else "histo", start + rel)
        from loaders.proto import event_pb2

        length = struct.unpack_from("<Q", data, rel)[0]
        event = event_pb2.Event.FromString(memoryview(data)[rel + HEADER_BYTES : rel + HEADER_BYTES + length])
        metadata = next(v.metadata for v in event.summary.value if v.tag == tag and v.HasField("metadata"))
        return TagInfo(
            tag=tag,
            plugin=metadata.plugin_data.plugin_name,
            data_class=int(metadata.data_class),
            content=metadata.plugin_data.content,
            offset=start + rel,
            display_name=metadata.display_name,
            description=metadata.summary_description,
        )

    def tables(self, keep: np.ndarray, start: int) -> tuple[dict[str, pa.Table], dict[str, dict]]:
        """Return the kept rows as chunk tables by kind (kinds without kept rows left out), and their tag index.

        Args:
            keep: a mask over every row, in file order (see accepted()).
            start: the byte offset the scanned bytes began at (row offsets are made absolute).

        Returns:
            (kind -> table, kind -> tag -> (rows, min step, max step)).
        """
        out, index = {}, {}
        for kind, columns, kept in (
            ("scalars", self.scalars, keep[self._scalar_at]),
            ("histograms", self.histograms, keep[self._histogram_at]),
        ):
            if not len(columns["tag_idx"]) or not kept.any():
                continue
            out[kind] = self._scalar_table(kept, start) if kind == "scalars" else self._histogram_table(kept, start)
            every = bool(kept.all())
            codes, steps = (
                (columns["tag_idx"], columns["step"]) if every else (columns["tag_idx"][kept], columns["step"][kept])
            )
            index[kind] = self.tag_index(codes, steps)
        return out, index

    def tag_index(self, codes: np.ndarray, steps: np.ndarray) -> dict[str, tuple[int, int, int]]:
        """Return tag -> (rows, first step, last step) of rows given as tag ids and steps.

        Tags come in order of their first row, like cache.entry.tag_index over the table, which
        hashes every tag string; here the kernel's tag ids are counted instead. Steps that never
        go down (the usual case) give each tag's first and last step at its first and last row.

        Args:
            codes: tag ids (indexes into self.tags), one per row.
            steps: the rows' steps.

        Returns:
            tag -> (rows, min step, max step), tags in order of their first row.
        """
        size = len(self.tags)
        counts = np.bincount(codes, minlength=size)
        seen = int(np.count_nonzero(counts))
        first_row = _first_positions(codes, size, seen)
        if len(steps) < 2 or bool((steps[1:] >= steps[:-1]).all()):
            last_row = len(codes) - 1 - _first_positions(codes[::-1], size, seen)
            first, last = steps[np.minimum(first_row, len(codes) - 1)], steps[np.maximum(last_row, 0)]
        else:
            first = np.full(size, _NEVER, dtype=np.int64)
            last = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
            np.minimum.at(first, codes, steps)
            np.maximum.at(last, codes, steps)
        present = np.argsort(first_row, kind="stable")[:seen].tolist()
        counts_, first_, last_ = counts.tolist(), first.tolist(), last.tolist()
        return {self.tags[i]: (counts_[i], first_[i], last_[i]) for i in present}

    def _tag_column(self, tag_idx: np.ndarray) -> pa.Array:
        """Return the tag strings of the given tag ids."""
        return pa.array(self.tags, type=pa.string()).take(pa.array(tag_idx))

    def _scalar_table(self, keep: np.ndarray, start: int) -> pa.Table:
        """Return the kept scalar rows as a scalars chunk table (record offsets made absolute)."""
        s = self.scalars
        if keep.all():
            columns = [s["tag_idx"], s["step"], s["wall"], s["value"], s["offset"] + start if start else s["offset"]]
        else:
            columns = [s[name][keep] for name in ("tag_idx", "step", "wall", "value")] + [s["offset"][keep] + start]
        return pa.Table.from_arrays(
            [self._tag_column(columns[0]), *(pa.array(c) for c in columns[1:])], schema=SCHEMAS["scalars"]
        )

    def _histogram_table(self, keep: np.ndarray, start: int) -> pa.Table:
        """Return the kept histogram rows as a histograms chunk table (bucket lists share the kernel's buffers)."""
        h = self.histograms
        zero = np.zeros(1, dtype=np.int32)
        lists = [
            pa.ListArray.from_arrays(pa.array(np.concatenate((zero, h[end]))), pa.array(h[values]))
            for end, values in (("limit_end", "limits"), ("bucket_end", "buckets"))
        ]
        columns = [
            self._tag_column(h["tag_idx"]),
            *(pa.array(h[name]) for name in ("step", "wall", "min", "max", "num", "sum", "sum_squares")),
            *lists,
            pa.array(h["offset"] + start),
        ]
        table = pa.Table.from_arrays(columns, schema=SCHEMAS["histograms"])
        return table if keep.all() else table.filter(pa.array(keep))


def _first_positions(codes: np.ndarray, size: int, seen: int) -> np.ndarray:
    """Return, per tag id, the position of its first row in codes (len(codes) when it has none).

    Rows are looked at in growing blocks, stopping once all seen tags (those with rows) were
    found: tags usually all appear within the first few records.
    """
    rows = len(codes)
    first = np.full(size, rows, dtype=np.int64)
    low, block = 0, 4096
    while low < rows:
        np.minimum.at(first, codes[low : low + block], np.arange(low, min(rows, low + block)))
        low, block = low + block, block * 8
        if int(np.count_nonzero(first < rows)) == seen:
            break
    return first


def _tag_offsets(chunk: FileChunk) -> tuple[dict[str, int], dict[str, int]]:
    """Return, per tag of a decoded chunk, where its metadata registered it and the offset of its last row."""
    registered = {tag: info.offset for tag, info in chunk.tags.items()}
    last: dict[str, int] = {}
    for table in chunk.tables.values():
        if not table.num_rows:
            continue
        per_tag = table.group_by("tag", use_threads=False).aggregate([("_offset", "max")])
        for tag, offset in zip(per_tag["tag"].to_pylist(), per_tag["_offset_max"].to_pylist()):
            last[tag] = max(last.get(tag, offset), offset)
    return registered, last


def _mismatches(chunk: FileChunk, extra: FileChunk) -> bool:
    """Return True when either part reported a plugin mismatch (each decoder reports a tag once)."""
    return any(problem.kind == "plugin_mismatch" for problem in (*chunk.problems, *extra.problems))


def _legacy_tag(tag: str, kind: str, offset: int) -> TagInfo:
    """Return the TagInfo the Python decoder registers for a legacy value (simple_value, histo) without metadata."""
    from loaders.events.values import LEGACY

    plugin, data_class, _ = LEGACY[kind]
    return TagInfo(tag=tag, plugin=plugin, data_class=int(data_class), offset=offset)


def _records_at(path: str, data: bytes, start: int, rel_offsets: np.ndarray) -> RecordScan:
    """Return a RecordScan of the already-verified records whose headers sit at rel_offsets."""
    lengths = np.array([struct.unpack_from("<Q", data, int(o))[0] for o in rel_offsets], dtype=np.int64)
    return RecordScan(
        path=path,
        buffer=data,
        base=start,
        starts=rel_offsets + HEADER_BYTES,
        lengths=lengths,
        end_offset=start + len(data),
    )


def _merge(chunk: FileChunk, kernel: dict[str, pa.Table], index: dict[str, dict], extra: FileChunk | None) -> FileChunk:
    """Fold the kernel's tables and the re-decoded records into chunk, rows ordered by _offset.

    The kernel's tag index is kept for the kinds whose rows all came from the kernel.
    """
    chunk.index = {
        kind: tags
        for kind, tags in index.items()
        if kind not in chunk.tables and (extra is None or kind not in extra.tables)
    }
    parts: dict[str, list[pa.Table]] = {kind: [table] for kind, table in chunk.tables.items()}
    for kind, table in kernel.items():
        parts.setdefault(kind, []).append(table)
    if extra is not None:
        for kind, table in extra.tables.items():
            parts.setdefault(kind, []).append(table)
        chunk.problems = sorted([*chunk.problems, *extra.problems], key=lambda problem: problem.offset)
    for kind, tables in parts.items():
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        if len(tables) > 1:
            table = table.take(pc.sort_indices(table, [("_offset", "ascending")]))
        chunk.tables[kind] = table
    return chunk
