"""Cache files: atomic writes, Arrow IPC chunk files (memory-mapped reads), compaction, cleanup."""

from __future__ import annotations

import hashlib
import os
import tempfile

import pyarrow as pa

from loaders.cache.entry import FileEntry
from loaders.errors import CacheError
from loaders.tables import SCHEMAS

MAX_CHUNKS = 8


def head(path: str, length: int) -> tuple[str, int]:
    """Return (sha1 hex, bytes hashed) of the first length bytes of path."""
    with open(path, "rb") as handle:
        data = handle.read(length)
    return hashlib.sha1(data).hexdigest(), len(data)


def write_atomic(path: str, data: bytes) -> None:
    """Write data to path through a temp file in the same directory and a rename."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        unlink(temp)
        raise


def write_chunk(path: str, table: pa.Table) -> None:
    """Write table as an uncompressed Arrow IPC file at path, atomically."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
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
    return folder is not None and all(os.path.exists(os.path.join(folder, name))
                                      for parts in entry.chunks.values() for name, _ in parts)


def compact(folder: str, chunks: dict[str, tuple[tuple[str, int], ...]]) -> tuple[dict, list[str]]:
    """Merge the chunk files of any kind that has more than MAX_CHUNKS into one.

    Returns:
        The new chunk lists and the names of the files merged away.
    """
    dropped: list[str] = []
    for kind, parts in chunks.items():
        if len(parts) <= MAX_CHUNKS:
            continue
        schema = SCHEMAS[kind]
        table = pa.concat_tables([read_chunk(os.path.join(folder, n), schema, r) for n, r in parts])
        start, end = parts[0][0].split(".")[1].split("-")[0], parts[-1][0].split(".")[1].split("-")[1]
        name = f"{kind}.{start}-{end}.arrow"
        write_chunk(os.path.join(folder, name), table.combine_chunks())
        chunks[kind] = ((name, table.num_rows),)
        dropped.extend(n for n, _ in parts if n != name)
    return chunks, dropped


def remove_stale(folder: str, entry: FileEntry, dropped: list[str] | None) -> None:
    """Remove chunk files entry no longer lists: the given ones, or all unlisted after a rebuild."""
    listed = {name for parts in entry.chunks.values() for name, _ in parts}
    if dropped is None:
        dropped = [name for name in os.listdir(folder) if name.endswith(".arrow")]
    for name in dropped:
        if name not in listed:
            unlink(os.path.join(folder, name))


def unlink(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
