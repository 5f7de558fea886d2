"""On-disk cache of decoded event files: Arrow IPC chunk files plus a meta.json per event file.

Layout: ``<cache_dir>/v<SCHEMA_VERSION>/<sha1[:2]>/<sha1>/`` with sha1 of the event file's
absolute path. ``meta.json`` records what was read (size, mtime, a hash of the first bytes, the
byte offset reached, tag metadata, restarts, problems) and lists the chunk files
``<kind>.<start>-<end>.arrow``, one per kind per decoded byte range. Names are fixed by the
byte range, so two processes only ever write the same content under one name; every file is
written to a temp file and renamed, and meta.json is written last (the commit point).

Chunks are uncompressed Arrow IPC files read through memory maps: a warm read copies nothing
and never opens the event file (tools/measure_cache_format.py has the numbers).

Appends add one chunk file per kind; the small chunks at the end are merged like a binary
counter (files.compact: at most MAX_CHUNKS per kind, and the big first chunk is rewritten only
once the file has about doubled), so a refresh costs about what was appended. A Cache keeps the
entry parsed from the meta.json bytes it last wrote or read: an unchanged meta.json is read
again (another process may have replaced it), but not parsed again.

meta.json also holds a small tag index (kind -> tag -> rows, first and last step) so listing
tags and picking the files that hold a tag never read the chunks; the decoder computes it from
the kernel's tag ids (FileChunk.index) where it can. Cache.prepare() decodes many
big files at once in forked worker processes (loaders/cache/parallel.py) that write their
entries themselves; $EVENTSCOPE_WORKERS=1 turns that off.

Problems of the cache itself (not of the event files) have the kinds in CACHE_PROBLEM_KINDS,
all starting with "cache_", so a UI can show them apart from damaged event files.
"""

from __future__ import annotations

from loaders.cache.entry import FORMAT, FileEntry
from loaders.cache.files import MAX_CHUNKS
from loaders.cache.store import HEAD_BYTES, SETTLE_S, Cache, Decoder, default_cache_dir, default_decoder

CACHE_PROBLEM_KINDS = ("cache_unwritable", "cache_full", "cache_rebuilt", "cache_worker_timeout")
"""Problem kinds about the cache, not the event files: an unwritable or full cache dir (data kept
in memory), a damaged entry rebuilt from its event file, a hung ingest worker."""

__all__ = [
    "CACHE_PROBLEM_KINDS",
    "FORMAT",
    "HEAD_BYTES",
    "MAX_CHUNKS",
    "SETTLE_S",
    "Cache",
    "Decoder",
    "FileEntry",
    "default_cache_dir",
    "default_decoder",
]
