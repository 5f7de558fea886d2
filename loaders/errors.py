"""Errors and problem reports: every one names the file, the byte offset and what was wrong."""

from __future__ import annotations

from dataclasses import dataclass


class LoaderError(Exception):
    """Base class of every error the loaders raise."""


class LogdirNotFound(LoaderError, FileNotFoundError):
    """The logdir given to Logdir or read_* does not exist."""


class CorruptRecord(LoaderError):
    """A record of an event file failed its checksum or could not be decoded."""


class CacheError(LoaderError):
    """A cache entry could not be read or written (it is rebuilt, never trusted)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, kept for `inspect` and the UI instead of raising.

    Attributes:
        path: the file it was found in.
        offset: the byte offset of the record (or -1 when not about one record).
        kind: a short machine-readable label, e.g. "payload_crc", "length_crc", "truncated".
        message: a sentence for people, naming the file, the offset and what was done about it.
    """

    path: str
    offset: int
    kind: str
    message: str

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a plain dict (for tables and JSON)."""
        return {"path": self.path, "offset": self.offset, "kind": self.kind, "message": self.message}
