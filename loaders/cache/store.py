"""Cache: keeps each event file's entry up to date (fresh, incremental or rebuilt) on disk or in memory."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping

try:
    import fcntl
except ImportError:  # not on Windows: writers of one entry are then not serialized
    fcntl = None  # type: ignore[assignment]

import pyarrow as pa

from loaders.cache.entry import FileEntry, is_fresh, merge_chunk, merge_memory, only_ctime_moved
from loaders.cache.files import (
    chunks_exist,
    collect_temp,
    compact,
    fingerprint,
    head,
    read_chunk,
    remove_stale,
    write_atomic,
    write_chunk,
)
from loaders.chunk import FileChunk, TagInfo
from loaders.errors import CacheError, Problem
from loaders.records import settled_tail_problem
from loaders.tables import SCHEMA_VERSION, SCHEMAS

HEAD_BYTES = 64
META_READS = 3  # times meta.json is read before a missing chunk file counts as damage
RECOVERIES = 2  # a newer entry another writer stored, then a rebuild from the event file
SETTLE_S = 30.0
"""Default quiet time after which an incomplete last record counts as damage (about a reload interval)."""
RESYNCS = 100  # damaged lengths skipped over in one entry() call at most (the next call goes on)
_SETTLED_KINDS = ("ends_mid_record", "bad_length")

Decoder = Callable[[str, int, Mapping[str, TagInfo]], FileChunk]


def default_decoder(path: str, start: int, known: Mapping[str, TagInfo]) -> FileChunk:
    """Decode path from byte offset start (the compiled bulk path when built).

    Args:
        path: the event file.
        start: the byte offset to resume from.
        known: tag metadata seen earlier in the file.

    Returns:
        The decoded FileChunk.
    """
    from loaders.fastpath import read_chunk  # falls back to the Python decoder itself when not built

    return read_chunk(path, start, known)


def default_cache_dir() -> str:
    """Return $EVENTSCOPE_CACHE, or ~/.cache/eventscope when it is not set."""
    return os.environ.get("EVENTSCOPE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "eventscope")


class Cache:
    """Decoded event files, kept up to date with the files and stored on disk.

    Safe to share between threads of one process and between processes sharing a cache dir.
    An unwritable cache dir falls back to memory (reported in `problems`), never an error.

    Attributes:
        root: the versioned cache directory, or None when the cache lives in memory.
        problems: what went wrong with the cache itself (fallbacks, rebuilt entries).
        decoded_bytes: event-file bytes decoded by this process (tests and progress use it).
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        decoder: Decoder | None = None,
        settle_s: float = SETTLE_S,
    ) -> None:
        """Open (creating) the cache.

        Args:
            cache_dir: the cache directory; None means default_cache_dir().
            decoder: decodes (path, start, known) to a FileChunk; tests pass fakes.
            settle_s: a file with an incomplete last record that has not changed for this many
                seconds is damaged, not being written: its tail is reported ("ends_mid_record" or
                "bad_length"). Until then it is a live writer's record, not yet written.
        """
        self.settle_s = settle_s
        self.problems: list[Problem] = []
        self.decoded_bytes = 0
        self._decode = decoder or default_decoder
        self._entries: dict[str, FileEntry] = {}
        self._metas: dict[str, tuple[bytes, FileEntry]] = {}  # path -> (digest of meta.json, entry) last read/written
        self._lock = threading.RLock()
        base = os.path.abspath(os.path.expanduser(os.fspath(cache_dir))) if cache_dir else default_cache_dir()
        self.base = base
        self.root = self._open_root(os.path.join(base, f"v{SCHEMA_VERSION}"))

    def _open_root(self, root: str) -> str | None:
        """Return root if it can be written, else None (memory mode) with a problem."""
        try:
            os.makedirs(root, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=root, prefix=".probe-")
            os.close(handle)
            os.remove(probe)
            return root
        except OSError as error:
            self._memory_problem(root, error)
            return None

    def _memory_problem(self, where: str, error: OSError) -> None:
        full = error.errno in (errno.ENOSPC, errno.EDQUOT)
        self.problems.append(
            Problem(
                where,
                -1,
                "cache_full" if full else "cache_unwritable",
                f"{where}: cache directory {'full' if full else 'not writable'} "
                f"({error.strerror or error}); keeping decoded data in memory for this session "
                f"(free some space, pass another cache_dir or set EVENTSCOPE_CACHE to keep it "
                f"between sessions)",
            )
        )

    def entry_dir(self, path: str) -> str | None:
        """Return the cache directory of path's entry (None in memory mode)."""
        if self.root is None:
            return None
        digest = hashlib.sha1(os.fsencode(path)).hexdigest()
        return os.path.join(self.root, digest[:2], digest)

    def entry(self, path: str) -> FileEntry:
        """Bring path's entry up to date with the file and return it.

        An unchanged file (same size, mtime, inode and ctime) is not opened at all; a file that
        grew, or whose ctime alone moved, is checked by content (its first bytes and the last
        ones read): unchanged, it is decoded from where reading stopped (or only restamped);
        anything else is rebuilt. An incomplete last record in a file that has not changed for
        settle_s seconds is reported, and a damaged length is skipped to the next valid record.

        Args:
            path: the event file's absolute path.

        Returns:
            The current FileEntry.

        Raises:
            OSError: the event file cannot be read (it vanished, lost its permissions, or is not a
                regular file: a FIFO or device named like an event file would block or never end).
        """
        with self._lock:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", path)
            current = self._entries.get(path)
            if current is None or not is_fresh(current, info):
                current = self._read_meta(path, report=False) or current
            if current is None or not is_fresh(current, info):
                with self._entry_lock(path):  # one writer per entry; another may have just stored it
                    current = self._read_meta(path) or current
                    info = os.stat(path)
                    current = self._update(path, current, info)
            if self._tail_due(current, info):
                with self._entry_lock(path):
                    current = self._settle_tail(self._read_meta(path, report=False) or current, info)
            self._entries[path] = current
            return current

    def _tail_due(self, entry: FileEntry, info: os.stat_result) -> bool:
        """Return True when entry ends in an incomplete record, unreported, of a file quiet for settle_s seconds."""
        return (
            entry.truncated
            and not entry.stopped
            and is_fresh(entry, info)
            and time.time_ns() - info.st_mtime_ns >= self.settle_s * 1e9
            and not any(p.kind in _SETTLED_KINDS and p.offset >= entry.end_offset for p in entry.problems)
        )

    def _settle_tail(self, entry: FileEntry, info: os.stat_result) -> FileEntry:
        """Report the incomplete tail of a quiet file; read on past each damaged length (RESYNCS at most)."""
        for _ in range(RESYNCS):
            if not self._tail_due(entry, info):
                break
            try:
                problem, resume = settled_tail_problem(entry.path, entry.end_offset, self.settle_s)
            except OSError:
                break
            kept = tuple(p for p in entry.problems if p.kind != "truncated" or p.offset < entry.end_offset)
            entry = dataclasses.replace(entry, problems=(*kept, problem))
            if resume is None:
                return self._write_meta(entry)
            chunk = self._decode(entry.path, resume, entry.tags)
            self.decoded_bytes += chunk.end_offset - resume
            entry = self._store(dataclasses.replace(entry, end_offset=resume), chunk, info, fresh=False)
        return entry

    def pending(self, path: str) -> int:
        """Return about how many bytes of path entry() would decode now.

        Args:
            path: the event file's absolute path.

        Returns:
            0 when the entry is fresh or the file unreadable, the appended bytes when it only grew,
            else the file size.
        """
        try:
            info = os.stat(path)
        except OSError:
            return 0
        if not stat.S_ISREG(info.st_mode):
            return 0
        with self._lock:
            current = self._entries.get(path)
            if current is None:
                current = self._read_meta(path, report=False)
                if current is not None and is_fresh(current, info):
                    self._entries[path] = current
        if current is not None and is_fresh(current, info):
            return 0
        if current is not None and current.inode == info.st_ino and current.size <= info.st_size:
            return 0 if current.stopped else info.st_size - current.end_offset  # an estimate: entry() decides
        return info.st_size

    def prepare(self, paths: list[str], on_done: Callable[[str], None] | None = None) -> set[str]:
        """Decode the files among paths that need it in worker processes, when they are many and big.

        Afterwards entry() finds their entries fresh on disk; small jobs, memory mode and
        platforms without fork are left to entry() (nothing happens here).

        Args:
            paths: event files' absolute paths.
            on_done: called with each path a worker brought up to date.

        Returns:
            The paths the workers brought up to date.
        """
        from loaders.cache.parallel import decode_in_workers

        if self.root is None or len(paths) < 2:
            return set()
        work = [(path, size) for path in paths if (size := self.pending(path)) > 0]
        return decode_in_workers(self, work, on_done)

    def _update(self, path: str, current: FileEntry | None, info: os.stat_result) -> FileEntry:
        """Return current if fresh, else current extended by what was appended, else a rebuilt entry."""
        if current is not None and is_fresh(current, info):
            return current
        if current is not None and self._can_extend(current, info):
            if only_ctime_moved(current, info):  # same bytes where checked: a chmod, a link, a no-op rewrite
                return self._write_meta(
                    dataclasses.replace(current, ctime_ns=info.st_ctime_ns, tail_sha1=self._tail_sha1(current))
                )
            return self._extend_or_rebuild(current, info)
        return self._build(path, info)

    @contextlib.contextmanager
    def _entry_lock(self, path: str) -> Iterator[None]:
        """Hold an exclusive lock on path's cache entry (across threads and processes) while it is written.

        Readers never take it: every file is renamed into place, and meta.json is written before
        the chunk files it no longer lists are removed. Without fcntl, or without a writable
        entry directory, writers are not serialized (still safe, only wasteful).
        """
        folder = self.entry_dir(path)
        if folder is None or fcntl is None:
            yield
            return
        try:
            os.makedirs(folder, exist_ok=True)
            handle = os.open(os.path.join(folder, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            collect_temp(folder)  # what writers killed mid-write left here
            yield
        finally:
            os.close(handle)

    def table(self, path: str, kind: str, columns: list[str] | None = None) -> pa.Table:
        """Return the rows of one kind decoded from path, concatenated in byte order.

        A missing or damaged chunk file makes the entry be rebuilt from the event file (reported
        as a "cache_rebuilt" problem); the data returned is always the file's.

        Args:
            path: the event file's absolute path (entry() must have been called for it).
            kind: one of loaders.chunk.KINDS.
            columns: the columns to return (default: all of the kind's schema).

        Returns:
            A table with SCHEMAS[kind]'s columns (or the ones asked for).

        Raises:
            CacheError: the entry could not be read and could not be rebuilt (the event file is gone).
        """
        with self._lock:
            entry = self._entries.get(path) or self.entry(path)
        for attempt in range(RECOVERIES + 1):
            try:
                table = self._load(entry, kind)
                break
            except CacheError as error:
                if attempt == RECOVERIES:
                    raise
                entry = self._recover(entry, error)  # a newer meta.json (may be damaged too), then a rebuild
        return table if columns is None else table.select(columns)

    def _load(self, entry: FileEntry, kind: str) -> pa.Table:
        """Concatenate the kind's chunks of entry (memory-mapped)."""
        schema = SCHEMAS[kind]
        if entry.memory is not None:
            return pa.concat_tables([schema.empty_table(), *entry.memory.get(kind, ())])
        listed = entry.chunks.get(kind, ())
        if not listed:
            return schema.empty_table()
        folder = self.entry_dir(entry.path)
        if folder is None:
            raise CacheError(f"{entry.path}: the entry lists chunk files but the cache lives in memory")
        return pa.concat_tables(
            [schema.empty_table(), *(read_chunk(os.path.join(folder, name), schema, rows) for name, rows in listed)]
        )

    def _recover(self, entry: FileEntry, error: CacheError) -> FileEntry:
        """Return a readable entry after a chunk failed to load: a newer meta, else a rebuild."""
        with self._lock, self._entry_lock(entry.path):
            newer = self._read_meta(entry.path, report=False)  # another writer may have compacted or rebuilt it
            if newer is not None and newer.chunks != entry.chunks:
                self._entries[entry.path] = newer
                return newer
            try:
                rebuilt = self._build(entry.path, os.stat(entry.path))
            except OSError as gone:
                raise CacheError(
                    f"{entry.path}: cache entry in {self.entry_dir(entry.path)} was damaged ({error}) "
                    f"and the event file cannot be read again ({gone.strerror or gone})"
                ) from gone
            self._rebuilt_problem(entry.path, str(error))
            self._entries[entry.path] = rebuilt
            return rebuilt

    def _rebuilt_problem(self, path: str, why: str) -> None:
        self.problems.append(
            Problem(
                path,
                -1,
                "cache_rebuilt",
                f"{path}: cache entry in {self.entry_dir(path)} was damaged ({why}); rebuilt it from the event file",
            )
        )

    def _read_meta(self, path: str, *, report: bool = True) -> FileEntry | None:
        """Return the entry stored on disk for path, None when absent or damaged (reported if report).

        A chunk file may vanish between reading meta.json and checking it, when another writer
        stores a newer meta.json and removes what it no longer lists: meta.json is read again
        then, and only a meta.json that stays the same while missing a chunk file is damaged.
        """
        folder = self.entry_dir(path)
        if folder is None:
            return None
        meta_path = os.path.join(folder, "meta.json")
        previous = None
        for _ in range(META_READS):
            try:
                with open(meta_path, "rb") as handle:
                    raw = handle.read()
                digest = _digest(raw)
                known = self._metas.get(path)
                entry = known[1] if known is not None and known[0] == digest else FileEntry.from_meta(json.loads(raw))
            except FileNotFoundError:
                return None
            except (OSError, ValueError, CacheError) as error:
                if report:
                    self._rebuilt_problem(path, f"{meta_path}: {error}")
                return None
            if entry.path == path and chunks_exist(folder, entry):
                self._metas[path] = (digest, entry)  # the same bytes again need no parsing
                return entry
            if entry.path != path or raw == previous:
                break
            previous = raw
        if report:
            self._rebuilt_problem(path, f"{meta_path}: names another file or a missing chunk file")
        return None

    def _can_extend(self, entry: FileEntry, info: os.stat_result) -> bool:
        """Return True when the file only grew since entry was made: same inode, head and bytes before end_offset.

        An entry from before tail hashes existed (tail_sha1 "") is checked by its first bytes only.
        """
        if info.st_ino != entry.inode or info.st_size < entry.size:
            return False
        head_sha1, tail_sha1 = fingerprint(entry.path, entry.head_len, entry.end_offset)
        return head_sha1 == entry.head_sha1 and tail_sha1 == (entry.tail_sha1 or tail_sha1)

    def _tail_sha1(self, entry: FileEntry) -> str:
        """Return the hash of the bytes before entry's end_offset in its file now ("" when it cannot be read)."""
        try:
            return fingerprint(entry.path, 0, entry.end_offset)[1]
        except OSError:
            return ""

    def _build(self, path: str, info: os.stat_result) -> FileEntry:
        """Decode path from byte 0 and store a new entry."""
        head_sha1, head_len = head(path, HEAD_BYTES)
        chunk = self._decode(path, 0, {})
        self.decoded_bytes += chunk.end_offset
        entry = FileEntry(
            path=path,
            size=info.st_size,
            mtime_ns=info.st_mtime_ns,
            inode=info.st_ino,
            head_sha1=head_sha1,
            head_len=head_len,
            end_offset=0,
            index={},
        )
        return self._store(entry, chunk, info, fresh=True)

    def _extend_or_rebuild(self, entry: FileEntry, info: os.stat_result) -> FileEntry:
        """Extend entry; rebuild it when its stored chunks turn out damaged while compacting."""
        try:
            return self._extend(entry, info)
        except CacheError as error:
            self._rebuilt_problem(entry.path, str(error))
            return self._build(entry.path, info)

    def _extend(self, entry: FileEntry, info: os.stat_result) -> FileEntry:
        """Decode what was appended to entry's file and store the grown entry."""
        if entry.stopped:
            return dataclasses.replace(entry, size=info.st_size, mtime_ns=info.st_mtime_ns, ctime_ns=info.st_ctime_ns)
        chunk = self._decode(entry.path, entry.end_offset, entry.tags)
        self.decoded_bytes += chunk.end_offset - entry.end_offset
        return self._store(entry, chunk, info, fresh=False)

    def _store(self, entry: FileEntry, chunk: FileChunk, info: os.stat_result, *, fresh: bool) -> FileEntry:
        """Merge chunk into entry, write its chunk files and meta.json, and return the new entry."""
        tables = {kind: table for kind, table in chunk.tables.items() if table.num_rows}
        merged = merge_chunk(entry, chunk, info, tables)
        merged = dataclasses.replace(merged, tail_sha1=self._tail_sha1(merged))
        folder = self.entry_dir(entry.path)
        if folder is None or entry.memory is not None:
            return merge_memory(merged, entry, tables, fresh)
        try:
            os.makedirs(folder, exist_ok=True)
            chunks = {kind: () if fresh else parts for kind, parts in entry.chunks.items()}
            for kind, table in tables.items():
                name = f"{kind}.{chunk.start}-{chunk.end_offset}.arrow"
                write_chunk(os.path.join(folder, name), table.cast(SCHEMAS[kind]))
                chunks[kind] = (*chunks.get(kind, ()), (name, table.num_rows))
            chunks, dropped = compact(folder, chunks)
            merged = dataclasses.replace(merged, chunks=chunks)
            raw = json.dumps(merged.to_meta()).encode("utf-8")
            write_atomic(os.path.join(folder, "meta.json"), raw)
            self._metas[entry.path] = (_digest(raw), merged)
        except OSError as error:
            self._memory_problem(folder, error)
            return self._to_memory(merged, entry, tables, fresh)
        remove_stale(folder, merged, dropped if not fresh else None)
        return merged

    def _write_meta(self, entry: FileEntry) -> FileEntry:
        """Store entry's meta.json (its chunk files unchanged) and return entry; a memory entry is only returned."""
        folder = self.entry_dir(entry.path)
        if folder is None or entry.memory is not None:
            return entry
        raw = json.dumps(entry.to_meta()).encode("utf-8")
        try:
            write_atomic(os.path.join(folder, "meta.json"), raw)
        except OSError as error:  # this process keeps the entry; others find the old meta.json and redo this
            self._memory_problem(folder, error)
            return entry
        self._metas[entry.path] = (_digest(raw), entry)
        return entry

    def _to_memory(self, merged: FileEntry, entry: FileEntry, tables: dict[str, pa.Table], fresh: bool) -> FileEntry:
        """Keep an entry in memory after its files could not be written."""
        previous = {} if fresh else {kind: (self._load(entry, kind),) for kind in entry.kinds()}
        seed = dataclasses.replace(entry, memory=previous, chunks={})
        return merge_memory(dataclasses.replace(merged, chunks={}), seed, tables, False)


def _digest(raw: bytes) -> bytes:
    """Return a digest of meta.json's bytes (what the parsed-entry memo is keyed by)."""
    return hashlib.blake2b(raw, digest_size=16).digest()
