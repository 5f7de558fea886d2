"""Cache files: atomic writes, Arrow IPC chunk files (memory-mapped reads), compaction, cleanup."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import tempfile
import time

import pyarrow as pa

from loaders.cache.entry import FileEntry
from loaders.errors import CacheError
from loaders.tables import SCHEMAS

MAX_CHUNKS = 8
TAIL_BYTES = 4096
"""Bytes before an entry's end offset hashed into its content check (FileEntry.tail_sha1)."""
TEMP_PREFIX = ".tmp-"
STALE_TEMP_S = 600.0
"""A temp file this old is a dead writer's, whoever wrote it (its pid may live on another host)."""
_HOST = re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname()) or "host"


def temp_prefix() -> str:
    """Return the prefix of this process's temp files: .tmp-<pid>.<host>. (collect_temp reads the pid back)."""
    return f"{TEMP_PREFIX}{os.getpid()}.{_HOST}."


def collect_temp(folder: str, max_age_s: float = STALE_TEMP_S) -> list[str]:
    """Remove the temp files in folder that no live writer will rename: a dead local pid's, or older than max_age_s.

    A writer killed between creating a temp file and renaming it (SIGKILL, OOM, a full disk)
    leaves it behind; call this while holding the folder's entry lock.

    Args:
        folder: a cache entry directory.
        max_age_s: temp files older than this are removed whatever wrote them.

    Returns:
        The names removed.
    """
    try:
        names = [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX)]
    except OSError:
        return []
    removed = []
    now = time.time()
    for name in names:
        path = os.path.join(folder, name)
        try:
            age = now - os.lstat(path).st_mtime
        except OSError:
            continue
        if age > max_age_s or _writer_is_dead(name):
            unlink(path)
            removed.append(name)
    return removed


def _writer_is_dead(name: str) -> bool:
    """Return True when temp file name was made by a process of this host that no longer exists."""
    pid, _, rest = name[len(TEMP_PREFIX) :].partition(".")
    host = rest.rpartition(".")[0]
    if not pid.isdigit() or host != _HOST or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def head(path: str, length: int) -> tuple[str, int]:
    """Return (sha1 hex, bytes hashed) of the first length bytes of path."""
    with open(path, "rb") as handle:
        data = handle.read(length)
    return hashlib.sha1(data).hexdigest(), len(data)


def fingerprint(path: str, head_len: int, end_offset: int) -> tuple[str, str]:
    """Return the sha1 hex of path's first head_len bytes and of the TAIL_BYTES bytes before end_offset.

    Two small reads: what FileEntry.head_sha1 and tail_sha1 hold, so a file rewritten in place
    (same size, inode and even mtime) is told from the one an entry was made from.

    Raises:
        OSError: path cannot be read.
    """
    start = max(0, end_offset - TAIL_BYTES)
    with open(path, "rb", buffering=0) as handle:
        first = os.pread(handle.fileno(), head_len, 0)
        last = os.pread(handle.fileno(), end_offset - start, start)
    return hashlib.sha1(first).hexdigest(), hashlib.sha1(last).hexdigest()


def write_atomic(path: str, data: bytes) -> None:
    """Write data to path through a temp file in the same directory and a rename."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=temp_prefix())
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        unlink(temp)
        raise


def write_chunk(path: str, table: pa.Table) -> None:
    """Write table as an uncompressed Arrow IPC file at path, atomically."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=temp_prefix())
    os.close(handle)
    try:
        with pa.OSFile(temp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(temp, path)
    except BaseException:
        unlink(temp)
        raise


def read_chunk(path: str, schema: pa.Schema, rows: int) -> pa.Table:
    """Read one chunk file memory-mapped and check it is what meta.json says.

    Raises:
        CacheError: the file is missing, unreadable, or has another schema or row count.
    """
    try:
        table = pa.ipc.open_file(pa.memory_map(path)).read_all()
        table.validate()
    except (OSError, pa.ArrowException) as error:
        raise CacheError(f"{path}: {error}") from error
    if not table.schema.equals(schema) or table.num_rows != rows:
        raise CacheError(f"{path}: holds {table.num_rows} rows of another schema, expected {rows} rows")
    return table


def chunks_exist(folder: str | None, entry: FileEntry) -> bool:
    """Return True when every chunk file entry lists is present."""
    return folder is not None and all(
        os.path.exists(os.path.join(folder, name)) for parts in entry.chunks.values() for name, _ in parts
    )


def compact(folder: str, chunks: dict[str, tuple[tuple[str, int], ...]]) -> tuple[dict, list[str]]:
    """Merge chunk files (see merge_plan) of each kind that has more than MAX_CHUNKS.

    Merging waits until a kind has too many chunks (a refresh in between writes only what was
    appended), then rewrites mostly the small chunks at the end: rows are rewritten a few times
    in all (about log2(file rows / appended rows)), never the whole file every few refreshes.

    Returns:
        The new chunk lists and the names of the files merged away.

    Raises:
        CacheError: a chunk file to merge is missing or damaged.
    """
    dropped: list[str] = []
    for kind, parts in chunks.items():
        if len(parts) <= MAX_CHUNKS:
            continue
        merged = []
        for low, high in merge_plan([rows for _, rows in parts]):
            group = parts[low:high]
            merged.append(group[0] if len(group) == 1 else _merge_files(folder, kind, group))
            dropped.extend(name for name, _ in group if name != merged[-1][0])
        chunks[kind] = tuple(merged)
    return chunks, dropped


def _merge_files(folder: str, kind: str, group: tuple[tuple[str, int], ...]) -> tuple[str, int]:
    """Write the rows of consecutive chunk files as one file; return its (name, rows)."""
    schema = SCHEMAS[kind]
    table = pa.concat_tables([read_chunk(os.path.join(folder, n), schema, r) for n, r in group])
    start, end = group[0][0].split(".")[1].split("-")[0], group[-1][0].split(".")[1].split("-")[1]
    name = f"{kind}.{start}-{end}.arrow"
    write_chunk(os.path.join(folder, name), table.combine_chunks())
    return name, table.num_rows


def merge_plan(rows: list[int]) -> list[tuple[int, int]]:
    """Return which consecutive chunks to merge, as [low, high) index ranges covering them all, in order.

    The last chunk absorbs the ones before it while the one before holds fewer than twice its
    rows (sizes then at least halve from chunk to chunk, like a binary counter); then, while
    more than MAX_CHUNKS are left, the two neighbours closest in size are merged.

    Args:
        rows: the rows of each chunk of one kind, in byte order.

    Returns:
        The ranges; one of length 1 keeps that chunk as it is.
    """
    first, tail = len(rows) - 1, rows[-1] if rows else 0
    while first > 0 and rows[first - 1] < 2 * tail:
        first -= 1
        tail += rows[first]
    groups = [[i, i + 1, rows[i]] for i in range(first)] + ([[first, len(rows), tail]] if rows else [])
    while len(groups) > MAX_CHUNKS:
        at = min(range(len(groups) - 1), key=lambda i: (groups[i][2] / max(groups[i + 1][2], 1), -i))
        low, _, size = groups[at]
        groups[at : at + 2] = [[low, groups[at + 1][1], size + groups[at + 1][2]]]
    return [(low, high) for low, high, _ in groups]


def remove_stale(folder: str, entry: FileEntry, dropped: list[str] | None) -> None:
    """Remove chunk files entry no longer lists: the given ones, or all unlisted after a rebuild."""
    listed = {name for parts in entry.chunks.values() for name, _ in parts}
    if dropped is None:
        dropped = [name for name in os.listdir(folder) if name.endswith(".arrow")]
    for name in dropped:
        if name not in listed:
            unlink(os.path.join(folder, name))


def unlink(path: str) -> None:
    """Remove path; a file already gone (or not removable) is left to the next cleanup."""
    try:
        os.remove(path)
    except OSError:
        pass
