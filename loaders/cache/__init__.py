"""On-disk cache of decoded event files: Arrow IPC chunk files plus a meta.json per event file.

Layout: ``<cache_dir>/v<SCHEMA_VERSION>/<sha1[:2]>/<sha1>/`` with sha1 of the event file's
absolute path. ``meta.json`` records what was read (size, mtime, a hash of the first bytes, the
byte offset reached, tag metadata, restarts, problems) and lists the chunk files
``<kind>.<start>-<end>.arrow``, one per kind per decoded byte range. Names are fixed by the
byte range, so two processes only ever write the same content under one name; every file is
written to a temp file and renamed, and meta.json is written last (the commit point).

Chunks are uncompressed Arrow IPC files read through memory maps: a warm read copies nothing
and never opens the event file (tools/measure_cache_format.py has the numbers).
"""

from __future__ import annotations

from loaders.cache.entry import FORMAT, FileEntry
from loaders.cache.files import MAX_CHUNKS
from loaders.cache.store import HEAD_BYTES, Cache, Decoder, default_cache_dir, default_decoder

__all__ = ["FORMAT", "HEAD_BYTES", "MAX_CHUNKS", "Cache", "Decoder", "FileEntry", "default_cache_dir",
           "default_decoder"]
