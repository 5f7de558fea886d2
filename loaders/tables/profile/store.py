"""CaptureStore: profile captures and their derived tables, cached on disk (Arrow IPC) and in memory."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from loaders.tables.profile import Capture

PROFILE_SCHEMA_VERSION = 1
_MEMORY_CAPTURES = 4  # parsed captures kept in memory at once (the rest are re-read from disk)


class CaptureStore:
    """Parsed captures keyed by (path, size, mtime); memory first, then the disk cache, then the file.

    Safe to share between threads. With root None (memory-mode cache) nothing is written.
    """

    def __init__(self, root: str | None) -> None:
        """Use root/profile-v<N>/ as the disk cache (None: memory only)."""
        self.root = os.path.join(root, f"profile-v{PROFILE_SCHEMA_VERSION}") if root else None
        self._lock = threading.RLock()
        self._memo: dict[str, tuple[tuple[int, int], Capture, dict[str, pa.Table]]] = {}

    def capture(self, path: str, fmt: str) -> Capture:
        """Return the capture of path, parsing the file only when no fresh cached copy exists.

        Raises:
            OSError: the file vanished or cannot be stat'ed.
        """
        from loaders.tables.profile import Capture, read_capture

        info = os.stat(path)
        stamp = (info.st_size, info.st_mtime_ns)
        with self._lock:
            held = self._memo.get(path)
            if held is not None and held[0] == stamp:
                return held[1]
            folder = self._folder(path)
            capture = self._read_disk(folder, stamp, Capture) if folder else None
            if capture is None:
                capture = read_capture(path, fmt)
                if folder:
                    self._write_disk(folder, stamp, capture)
            self._remember(path, stamp, capture)
            return capture

    def table(self, path: str, fmt: str, kind: str, build: Callable[[Capture, str], pa.Table]) -> pa.Table:
        """Return a derived table of a capture (built once, then read from memory or disk)."""
        capture = self.capture(path, fmt)
        with self._lock:
            stamp, _, tables = self._memo[path]
            if kind in tables:
                return tables[kind]
            folder = self._folder(path)
            file = os.path.join(folder, f"{kind}.arrow") if folder else None
            table = _read_ipc(file) if file and os.path.exists(file) else None
            if table is None:
                table = build(capture, kind)
                if file:
                    _write_ipc(file, table)
            tables[kind] = table
            return table

    def _remember(self, path: str, stamp: tuple[int, int], capture: Capture) -> None:
        self._memo.pop(path, None)
        while len(self._memo) >= _MEMORY_CAPTURES:
            self._memo.pop(next(iter(self._memo)))
        self._memo[path] = (stamp, capture, {})

    def _folder(self, path: str) -> str | None:
        if self.root is None:
            return None
        digest = hashlib.sha1(os.fsencode(path)).hexdigest()
        return os.path.join(self.root, digest[:2], digest)

    def _read_disk(self, folder: str, stamp: tuple[int, int], factory: type[Capture]) -> Capture | None:
        try:
            with open(os.path.join(folder, "meta.json"), encoding="utf-8") as handle:
                meta = json.load(handle)
            if meta.get("stamp") != list(stamp):
                return None
            events = _read_ipc(os.path.join(folder, "events.arrow"))
        except (OSError, ValueError):
            return None
        if events is None:
            return None
        return factory(events, meta.get("meta", {}), tuple(meta.get("problems", ())))

    def _write_disk(self, folder: str, stamp: tuple[int, int], capture: Capture) -> None:
        try:
            os.makedirs(folder, exist_ok=True)
            for name in os.listdir(folder):  # derived tables of an older version of the file
                if name.endswith(".arrow"):
                    os.remove(os.path.join(folder, name))
            _write_ipc(os.path.join(folder, "events.arrow"), capture.events)
            record = {"stamp": list(stamp), "meta": capture.meta, "problems": list(capture.problems)}
            _write_bytes(os.path.join(folder, "meta.json"), json.dumps(record).encode())
        except OSError:
            pass  # an unwritable cache costs a re-parse next time, nothing else


def _read_ipc(path: str) -> pa.Table | None:
    try:
        with pa.memory_map(path, "r") as source:
            return pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None


def _write_ipc(path: str, table: pa.Table) -> None:
    from loaders.cache.files import write_chunk

    try:
        write_chunk(path, table)
    except OSError:
        pass


def _write_bytes(path: str, data: bytes) -> None:
    from loaders.cache.files import write_atomic

    write_atomic(path, data)
