"""FileEntry: what the cache knows about one event file, its meta.json form, and how chunks grow it."""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders.chunk import FileChunk, TagInfo
from loaders.errors import CacheError, Problem
from loaders.tables import SCHEMA_VERSION, SCHEMAS

FORMAT = "arrow-ipc"
TAIL_KINDS = ("truncated", "ends_mid_record", "bad_length")
"""Problems about the bytes after end_offset: decoding what was appended there finds them again."""
_NEWER_FIELDS = {"ctime_ns": 0, "tail_sha1": ""}  # absent from meta.json files written before they existed


@dataclass(frozen=True)
class FileEntry:
    """What the cache knows about one event file.

    Attributes:
        path: the event file's absolute path.
        size, mtime_ns, inode: the file's stat when it was last read.
        head_sha1, head_len: hash of the file's first head_len bytes (detects a replaced file).
        end_offset: the byte offset reading resumes from.
        ctime_ns: the file's status-change time when last read: any write moves it, so a rewrite
            that keeps size, inode and mtime (``touch -r``) still shows (0: unknown).
        tail_sha1: hash of the (up to files.TAIL_BYTES) bytes before end_offset; with head_sha1,
            the content check made when the ctime moved or the file grew ("": unknown).
        file_version: the file_version event's value, if any.
        tags: tag -> the first TagInfo seen in the file.
        restarts: (record offset, step) of every SessionLog.START.
        problems: what was wrong with the file.
        truncated: the file ends in an incomplete record.
        stopped: reading gave up at a bad length header; the rest is never read.
        num_records: complete records read.
        chunks: kind -> ((chunk file name, rows), ...) in byte order.
        unresolved: tags with rows in the "tensors" table whose plugin was unknown ("").
        index: kind -> tag -> (rows, first step, last step) over the stored rows (tags() reads it
            instead of the tables); None when unknown (an entry stored before the index existed).
        memory: kind -> tables, when the cache lives in memory (no usable cache dir).
    """

    path: str
    size: int
    mtime_ns: int
    inode: int
    head_sha1: str
    head_len: int
    end_offset: int
    file_version: str | None = None
    tags: dict[str, TagInfo] = field(default_factory=dict)
    restarts: tuple[tuple[int, int], ...] = ()
    problems: tuple[Problem, ...] = ()
    truncated: bool = False
    stopped: bool = False
    num_records: int = 0
    chunks: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()
    index: dict[str, dict[str, tuple[int, int, int]]] | None = None
    memory: dict[str, tuple[pa.Table, ...]] | None = None
    ctime_ns: int = 0
    tail_sha1: str = ""

    @property
    def signature(self) -> tuple[object, ...]:
        """A value that changes whenever the entry's content changes."""
        return (
            self.path,
            self.end_offset,
            self.size,
            self.mtime_ns,
            self.inode,
            self.truncated,
            self.head_sha1,
            self.tail_sha1,
        )

    def kinds(self) -> list[str]:
        """Return the kinds this file has rows of."""
        source = self.memory if self.memory is not None else self.chunks
        return [kind for kind, parts in source.items() if parts]

    def to_meta(self) -> dict[str, object]:
        """Return the JSON-ready meta.json content."""
        meta = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "memory"}
        meta["tags"] = [
            dict(vars(info), content=base64.b64encode(info.content).decode("ascii"))  # flat: no asdict
            for info in self.tags.values()
        ]
        meta["problems"] = [problem.as_dict() for problem in self.problems]
        meta["schema_version"] = SCHEMA_VERSION
        meta["format"] = FORMAT
        return meta

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> FileEntry:
        """Rebuild an entry from meta.json content.

        Raises:
            CacheError: the content is not a meta.json this version wrote.
        """
        try:
            if meta["schema_version"] != SCHEMA_VERSION or meta["format"] != FORMAT:
                raise CacheError(
                    f"schema {meta['schema_version']}/{meta['format']}, expected {SCHEMA_VERSION}/{FORMAT}"
                )
            values = {
                f.name: meta[f.name] if f.name not in _NEWER_FIELDS else meta.get(f.name, _NEWER_FIELDS[f.name])
                for f in dataclasses.fields(cls)
                if f.name not in ("memory", "index")
            }
            tags = [TagInfo(**dict(info, content=base64.b64decode(info["content"]))) for info in meta["tags"]]
            values["tags"] = {info.tag: info for info in tags}
            values["restarts"] = tuple((int(o), int(s)) for o, s in meta["restarts"])
            values["problems"] = tuple(Problem(**problem) for problem in meta["problems"])
            values["chunks"] = {
                kind: tuple((str(n), int(r)) for n, r in parts)
                for kind, parts in meta["chunks"].items()
                if kind in SCHEMAS
            }
            values["unresolved"] = tuple(meta["unresolved"])
            values["index"] = _index_from_meta(meta.get("index"))
            return cls(**values)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise CacheError(f"meta.json is not valid: {error!r}") from error


def _index_from_meta(raw: Mapping[str, Any] | None) -> dict[str, dict[str, tuple[int, int, int]]] | None:
    """Return the tag index stored in meta.json (None when absent: an older entry)."""
    if raw is None:
        return None
    return {
        kind: {tag: (int(n), int(a), int(b)) for tag, (n, a, b) in tags.items()}
        for kind, tags in raw.items()
        if kind in SCHEMAS
    }


def tag_index(tables: Mapping[str, pa.Table]) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Return kind -> tag -> (rows, min step, max step) of a chunk's tables.

    Args:
        tables: kind -> chunk table (with tag and step columns).

    Returns:
        The index; kinds without rows are left out.
    """
    index: dict[str, dict[str, tuple[int, int, int]]] = {}
    for kind, table in tables.items():
        if not table.num_rows:
            continue
        encoded = table["tag"].combine_chunks().dictionary_encode()
        codes, steps = encoded.indices.to_numpy(), table["step"].to_numpy()
        size = len(encoded.dictionary)
        first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(size, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(first, codes, steps)
        np.maximum.at(last, codes, steps)
        counts = np.bincount(codes, minlength=size)
        index[kind] = {
            tag: (int(n), int(a), int(b))
            for tag, n, a, b in zip(encoded.dictionary.to_pylist(), counts.tolist(), first.tolist(), last.tolist())
        }
    return index


def chunk_index(chunk: FileChunk, tables: Mapping[str, pa.Table]) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Return tag_index(tables), taking the kinds the decoder indexed itself from chunk.index.

    Args:
        chunk: the decoded chunk (its index covers some kinds of its tables).
        tables: kind -> the chunk's tables with rows.

    Returns:
        kind -> tag -> (rows, min step, max step), in tables' kind order.
    """
    missing = tag_index({kind: table for kind, table in tables.items() if kind not in chunk.index})
    return {
        kind: chunk.index[kind] if kind in chunk.index else missing[kind]
        for kind, table in tables.items()
        if table.num_rows
    }


def merge_index(
    old: Mapping[str, Mapping[str, tuple[int, int, int]]], new: Mapping[str, Mapping[str, tuple[int, int, int]]]
) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Return the index of old's rows followed by new's rows."""
    merged = {kind: dict(tags) for kind, tags in old.items()}
    for kind, tags in new.items():
        target = merged.setdefault(kind, {})
        for tag, (n, a, b) in tags.items():
            if tag in target:
                m, c, d = target[tag]
                n, a, b = n + m, min(a, c), max(b, d)
            target[tag] = (n, a, b)
    return merged


def is_fresh(entry: FileEntry, info: os.stat_result) -> bool:
    """Return True when the file's stat is the one entry was made from (size, mtime, inode and ctime)."""
    return (
        entry.size == info.st_size
        and entry.mtime_ns == info.st_mtime_ns
        and entry.inode == info.st_ino
        and entry.ctime_ns == info.st_ctime_ns
    )


def only_ctime_moved(entry: FileEntry, info: os.stat_result) -> bool:
    """Return True when the file's size, mtime and inode are entry's but its ctime is not (chmod, a link, a rewrite)."""
    return (
        entry.size == info.st_size
        and entry.mtime_ns == info.st_mtime_ns
        and entry.inode == info.st_ino
        and entry.ctime_ns != info.st_ctime_ns
    )


def merge_chunk(entry: FileEntry, chunk: FileChunk, info: os.stat_result, tables: dict[str, pa.Table]) -> FileEntry:
    """Return entry grown by chunk (chunk lists are filled in by the caller)."""
    tags = dict(entry.tags)
    for tag, tag_info in chunk.tags.items():
        tags.setdefault(tag, tag_info)
    kept = tuple(
        problem for problem in entry.problems if problem.kind not in TAIL_KINDS or problem.offset < entry.end_offset
    )
    unresolved = set(entry.unresolved)
    if "tensors" in tables:
        tensors = tables["tensors"]
        unresolved.update(pc.unique(tensors.filter(pc.equal(tensors["plugin"], ""))["tag"]).to_pylist())
    index = None if entry.index is None else merge_index(entry.index, chunk_index(chunk, tables))
    return dataclasses.replace(
        entry,
        index=index,
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        inode=info.st_ino,
        ctime_ns=info.st_ctime_ns,
        end_offset=chunk.end_offset,
        file_version=entry.file_version or chunk.file_version,
        tags=tags,
        restarts=entry.restarts + tuple((int(o), int(s)) for o, s in chunk.restarts),
        problems=kept + tuple(chunk.problems),
        truncated=chunk.truncated,
        stopped=chunk.stopped,
        num_records=entry.num_records + chunk.num_records,
        unresolved=tuple(sorted(unresolved)),
    )


def merge_memory(merged: FileEntry, entry: FileEntry, tables: dict[str, pa.Table], fresh: bool) -> FileEntry:
    """Return merged with its tables kept in memory."""
    memory = {} if fresh or entry.memory is None else dict(entry.memory)
    for kind, table in tables.items():
        memory[kind] = (*memory.get(kind, ()), table.cast(SCHEMAS[kind]))
    return dataclasses.replace(merged, memory=memory, chunks={})
