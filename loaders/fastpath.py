"""Read one byte range of one event file into a FileChunk, through the compiled bulk path when built.

The C kernel (loaders/_fastscan.c) frames the bytes, checks both checksums and pulls out every
record that holds only scalar values; the protobuf decoder in events.py handles the rest. Its rows
are kept only where the pure-Python decoder would produce the same ones (the tag's plugin is
"scalars"); every other record goes through events.decode_chunk, whole. Where decoding the records
apart could differ from decoding them in file order (a new tag first seen in a kernel record, a
plugin mismatch), the whole range is decoded in file order instead, so both paths agree exactly.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.chunk import FileChunk, TagInfo
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

_STATUS_TRUNCATED, _STATUS_LENGTH_CRC, _STATUS_BAD_LENGTH = 1, 2, 3
_NEVER = np.iinfo(np.int64).max


def read_chunk(path: str, start: int = 0, known: Mapping[str, TagInfo] | None = None, *,
               fast: bool = True) -> FileChunk:
    """Decode the records of path from byte offset start to the last complete record.

    Args:
        path: the event file.
        start: where the previous read stopped (0 for a new file).
        known: tag metadata already seen earlier in this file.
        fast: use the compiled bulk path when it is built (tests compare both paths).

    Returns:
        The FileChunk; damaged records are reported in its problems, never raised.
    """
    from loaders.events import decode_chunk

    known = dict(known or {})
    data = read_tail(path, start)
    if _fastscan is None or not fast:
        return decode_chunk(scan_records(path, start, buffer=data), known)
    end, status, bad_crc, tag_bytes, tag_idx, step, wall, value, offset, kind, other = _fastscan.scan(data)
    pairs = np.frombuffer(other, dtype=np.int64).reshape(-1, 2)
    scan = RecordScan(path=path, buffer=data, base=start, starts=pairs[:, 0].copy(), lengths=pairs[:, 1].copy(),
                      end_offset=start + end, truncated=status == _STATUS_TRUNCATED,
                      stopped=status in (_STATUS_LENGTH_CRC, _STATUS_BAD_LENGTH),
                      problems=_problems(path, start, data, end, status, bad_crc))
    chunk = decode_chunk(scan, known)
    rows = _ScalarRows(tag_bytes, tag_idx, step, wall, value, offset, kind)
    if rows.order_matters(known, chunk, start):  # rare: decode the whole range in file order instead
        return decode_chunk(scan_records(path, start, buffer=data), known)
    keep = rows.accepted({**known, **chunk.tags}, chunk, start)
    rejected = _distinct_sorted(rows.offset[~keep])
    if len(rejected):
        keep &= ~np.isin(rows.offset, rejected)  # a record is re-decoded whole: none of its rows stay here
    extra = decode_chunk(_records_at(path, data, start, rejected), {**known, **chunk.tags}) if len(rejected) else None
    if extra is not None and _mismatches(chunk, extra):  # one report per tag, at its first record: in order
        return decode_chunk(scan_records(path, start, buffer=data), known)
    chunk.num_records += len(_distinct_sorted(rows.offset))
    return _merge(chunk, rows.table(keep, start), extra)


def _distinct_sorted(values: np.ndarray) -> np.ndarray:
    """Return the distinct values of an ascending array (np.unique's hashing costs ~20x more here)."""
    if len(values) == 0:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _problems(path: str, start: int, data: bytes, end: int, status: int, bad_crc: list) -> list:
    problems = [payload_crc_problem(path, start + rel) for _, rel in bad_crc]
    if status == _STATUS_TRUNCATED:
        problems.append(truncated_problem(path, start + end, len(data) - end))
    elif status == _STATUS_LENGTH_CRC:
        problems.append(length_crc_problem(path, start + end, len(data) - end))
    elif status == _STATUS_BAD_LENGTH:
        problems.append(bad_length_problem(path, start + end, struct.unpack_from("<Q", data, end)[0]))
    return problems


class _ScalarRows:
    """The kernel's scalar rows as numpy columns, with the tag dictionary decoded."""

    def __init__(self, tag_bytes, tag_idx, step, wall, value, offset, kind) -> None:
        self.tags = [t.decode("utf-8", "replace") for t in tag_bytes]
        self.tag_idx = np.frombuffer(tag_idx, dtype=np.int32)
        self.step = np.frombuffer(step, dtype=np.int64)
        self.wall = np.frombuffer(wall, dtype=np.float64)
        self.value = np.frombuffer(value, dtype=np.float64)
        self.offset = np.frombuffer(offset, dtype=np.int64)
        self.kind = np.frombuffer(kind, dtype=np.uint8)

    def order_matters(self, known: Mapping[str, TagInfo], chunk: FileChunk, start: int) -> bool:
        """Return True when decoding the other records apart could file a tag new in this range differently.

        The Python decoder sees records in file order, and a tag's first metadata (or legacy
        value) registers it. Here the records left to Python were decoded before the kernel's
        rows are looked at. That agrees unless, for a tag new in this range: a kernel row comes
        before the tag's registration in those records; or a kernel simple_value registers the
        tag first while those records register it later, mention it later, or a kernel tensor
        row comes before it.
        """
        new = [name not in known for name in self.tags]
        if not any(new):
            return False
        registered, last = _tag_offsets(chunk)
        simple = self.kind == 0
        mixed = bool(simple.any()) and not bool(simple.all())
        candidates = [i for i, name in enumerate(self.tags) if new[i] and (mixed or name in last or name in registered)]
        if not candidates:
            return False
        rows, first, first_simple = len(self.tag_idx), self._first_rows(None), self._first_rows(simple)
        for tag_id in candidates:
            if first[tag_id] == rows:  # every record with this tag fell back to Python after all
                continue
            name = self.tags[tag_id]
            kernel = int(self.offset[first[tag_id]]) + start
            legacy = int(self.offset[first_simple[tag_id]]) + start if first_simple[tag_id] < rows else _NEVER
            other = registered.get(name, _NEVER)
            if other < legacy:
                if kernel < other:
                    return True
            elif legacy < _NEVER and (other < _NEVER or first[tag_id] < first_simple[tag_id]
                                      or last.get(name, -1) > legacy):
                return True
        return False

    def _first_rows(self, mask: np.ndarray | None) -> np.ndarray:
        """Return, per tag id, the index of its first row (among mask's rows), or the row count if none."""
        rows = len(self.tag_idx)
        first = np.full(len(self.tags), rows, dtype=np.int64)
        positions = np.arange(rows) if mask is None else np.flatnonzero(mask)
        np.minimum.at(first, self.tag_idx[positions], positions)
        return first

    def accepted(self, tags: dict[str, TagInfo], chunk: FileChunk, start: int) -> np.ndarray:
        """Return a mask of the rows the Python decoder would also put in the scalars table.

        simple_value rows of a tag with no metadata yet are scalars (and register the tag, like the
        Python decoder does); tensor rows need the tag's metadata to say "scalars".
        """
        infos = [tags.get(name) for name in self.tags]
        ok_tensor = np.array([i is not None and i.plugin == "scalars" for i in infos] + [False])
        ok_simple = np.array([i is None or i.plugin == "scalars" for i in infos] + [False])
        simple = self.kind == 0
        first = self._first_rows(simple)  # per tag id, its first simple_value row (no sort, unlike np.unique)
        for tag_id in np.flatnonzero(first < len(self.tag_idx)).tolist():
            if infos[tag_id] is None:
                offset = start + int(self.offset[first[tag_id]])
                chunk.tags[self.tags[tag_id]] = _legacy_scalar_tag(self.tags[tag_id], offset)
        return np.where(simple, ok_simple[self.tag_idx], ok_tensor[self.tag_idx])

    def table(self, keep: np.ndarray, start: int) -> pa.Table:
        """Return the kept rows as a scalars chunk table."""
        tag = pa.array(self.tags, type=pa.string()).take(pa.array(self.tag_idx[keep]))
        return pa.Table.from_arrays(
            [tag, pa.array(self.step[keep]), pa.array(self.wall[keep]), pa.array(self.value[keep]),
             pa.array(self.offset[keep] + start)],
            schema=SCHEMAS["scalars"],
        )


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


def _legacy_scalar_tag(tag: str, offset: int) -> TagInfo:
    """Return the TagInfo the Python decoder registers for a simple_value seen without metadata."""
    from loaders.events.values import LEGACY

    plugin, data_class, _ = LEGACY["simple_value"]
    return TagInfo(tag=tag, plugin=plugin, data_class=int(data_class), offset=offset)


def _records_at(path: str, data: bytes, start: int, rel_offsets: np.ndarray) -> RecordScan:
    """Return a RecordScan of the already-verified records whose headers sit at rel_offsets."""
    lengths = np.array([struct.unpack_from("<Q", data, int(o))[0] for o in rel_offsets], dtype=np.int64)
    return RecordScan(path=path, buffer=data, base=start, starts=rel_offsets + HEADER_BYTES, lengths=lengths,
                      end_offset=start + len(data))


def _merge(chunk: FileChunk, scalars: pa.Table, extra: FileChunk | None) -> FileChunk:
    """Fold the kernel's scalars and the re-decoded records into chunk, rows ordered by _offset."""
    parts: dict[str, list[pa.Table]] = {kind: [table] for kind, table in chunk.tables.items()}
    if scalars.num_rows:
        parts.setdefault("scalars", []).append(scalars)
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
