"""TFRecord framing: length, masked CRC32C of the length, payload, masked CRC32C of the payload.

A record is ``uint64 length | uint32 masked_crc(length) | payload | uint32 masked_crc(payload)``,
all little-endian. The masked CRC is ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2**32).
A truncated final record means "not written yet": the scan stops before it and reports the
offset to resume from. A payload checksum mismatch skips that record; a length checksum
mismatch or an absurd length stops the file. Both are reported, nothing raises.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

import crc32c
import numpy as np

from loaders.errors import Problem

HEADER_BYTES = 12
FOOTER_BYTES = 4
# No real summary event comes near this; a larger header is corruption, not data.
MAX_RECORD_BYTES = 1 << 31
_MASK_DELTA = 0xA282EAD8
_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_GZIP_MAGIC = b"\x1f\x8b"


def masked_crc(data: bytes | memoryview) -> int:
    """Return TFRecord's masked CRC32C of data.

    Args:
        data: the bytes to checksum.

    Returns:
        The masked checksum as an unsigned 32-bit int.
    """
    crc = crc32c.crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(payload: bytes) -> bytes:
    """Return payload framed as one TFRecord (used by our writer and tests).

    Args:
        payload: the serialized record body.

    Returns:
        Header, payload and footer concatenated.
    """
    length = struct.pack("<Q", len(payload))
    return length + _CRC.pack(masked_crc(length)) + payload + _CRC.pack(masked_crc(payload))


@dataclass
class RecordScan:
    """The records found in one byte range of one file.

    Attributes:
        path: the file scanned.
        buffer: the bytes read, starting at file offset `base`.
        base: the file offset of buffer[0].
        starts: payload start positions inside buffer (int64).
        lengths: payload lengths (int64).
        end_offset: the file offset just past the last complete record; resume here.
        truncated: True when the bytes after end_offset hold an incomplete record.
        stopped: True when the scan gave up on the rest of the file (bad length header).
        problems: what was wrong, with byte offsets.
    """

    path: str
    buffer: bytes
    base: int
    starts: np.ndarray
    lengths: np.ndarray
    end_offset: int
    truncated: bool = False
    stopped: bool = False
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)

    def payload(self, i: int) -> memoryview:
        """Return the payload of record i without copying."""
        start = int(self.starts[i])
        return memoryview(self.buffer)[start : start + int(self.lengths[i])]

    def record_offset(self, i: int) -> int:
        """Return the file offset of record i's header (for error messages)."""
        return self.base + int(self.starts[i]) - HEADER_BYTES


def read_tail(path: str, start: int = 0) -> bytes:
    """Return the bytes of path from offset start to its current end."""
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read()


def scan_records(path: str, start: int = 0, *, buffer: bytes | None = None, verify: bool = True) -> RecordScan:
    """Find every complete record in path from byte offset start.

    Args:
        path: the event file (named in problems).
        start: the file offset to begin at (a previous scan's end_offset).
        buffer: the bytes from start to the end, if already read.
        verify: check both checksums of every record.

    Returns:
        A RecordScan; it never raises for damaged data.
    """
    data = read_tail(path, start) if buffer is None else buffer
    view = memoryview(data)
    size = len(data)
    starts: list[int] = []
    lengths: list[int] = []
    problems: list[Problem] = []
    pos = 0
    truncated = stopped = False
    while pos < size:
        if size - pos < HEADER_BYTES:
            truncated = True
            break
        length, length_crc = _HEADER.unpack_from(data, pos)
        if verify and masked_crc(view[pos : pos + 8]) != length_crc:
            problems.append(length_crc_problem(path, start + pos, size - pos))
            stopped = True
            break
        if length > MAX_RECORD_BYTES:
            problems.append(bad_length_problem(path, start + pos, length))
            stopped = True
            break
        end = pos + HEADER_BYTES + length + FOOTER_BYTES
        if end > size:
            truncated = True
            break
        body = pos + HEADER_BYTES
        if verify and masked_crc(view[body : body + length]) != _CRC.unpack_from(data, body + length)[0]:
            problems.append(payload_crc_problem(path, start + pos))
        else:
            starts.append(body)
            lengths.append(length)
        pos = end
    if truncated:
        problems.append(truncated_problem(path, start + pos, size - pos))
    return RecordScan(path=path, buffer=data, base=start, starts=np.asarray(starts, dtype=np.int64),
                      lengths=np.asarray(lengths, dtype=np.int64), end_offset=start + pos,
                      truncated=truncated, stopped=stopped, problems=problems)


def payload_crc_problem(path: str, offset: int) -> Problem:
    """Return the Problem for a record skipped because its payload checksum is wrong."""
    return Problem(path, offset, "payload_crc", f"{path}: bad payload checksum at byte {offset}; skipped 1 record")


def length_crc_problem(path: str, offset: int, unread: int) -> Problem:
    """Return the Problem for a file abandoned at a record whose length checksum is wrong.

    At byte 0 the message says the file may be no event file at all, and names gzip when the file
    starts with gzip's magic bytes (an archived log compressed whole).
    """
    if offset == 0:
        return Problem(path, offset, "length_crc", f"{path}: {_not_a_record(path)}; nothing read ({unread} bytes)")
    return Problem(path, offset, "length_crc",
                   f"{path}: bad length checksum at byte {offset}; stopped reading this file there "
                   f"({unread} bytes not read)")


def _not_a_record(path: str) -> str:
    """Return why a file whose first record header is bad is not read: gzip-compressed, or not an event file."""
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(_GZIP_MAGIC))
    except OSError:
        magic = b""
    if magic == _GZIP_MAGIC:
        return "is gzip-compressed, not an event file as written (decompress it with gunzip to read it)"
    return "does not start with a TFRecord header (bad length checksum at byte 0): not an event file, or damaged there"


def bad_length_problem(path: str, offset: int, length: int) -> Problem:
    """Return the Problem for a file abandoned at an implausible record length."""
    return Problem(path, offset, "bad_length",
                   f"{path}: record length {length} at byte {offset} is not plausible; stopped reading this file there")


def truncated_problem(path: str, offset: int, nbytes: int) -> Problem:
    """Return the Problem for an incomplete last record (normal while a writer is running)."""
    return Problem(path, offset, "truncated",
                   f"{path}: incomplete record at byte {offset} ({nbytes} bytes); treated as not yet written")


def file_size(path: str) -> int:
    """Return the current size of path in bytes."""
    return os.stat(path).st_size
