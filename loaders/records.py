"""TFRecord framing: length, masked CRC32C of the length, payload, masked CRC32C of the payload.

A record is ``uint64 length | uint32 masked_crc(length) | payload | uint32 masked_crc(payload)``,
all little-endian. The masked CRC is ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2**32).
A truncated final record means "not written yet": the scan stops before it and reports the
offset to resume from. A payload checksum mismatch skips that record; a length checksum
mismatch or an absurd length stops the file. Both are reported, nothing raises.

A file whose incomplete last record has not changed for a while (settled_tail_problem) is told
apart: either it ends mid-record (a writer that died mid-write) or a valid record follows the
offset, so the length there is damaged. read_tail never reads past a first header that is
already invalid, so a big file that is no event file costs nothing to reject.
"""

from __future__ import annotations

import functools
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
RESYNC_BYTES = 16 << 20
"""How far past a damaged length settled_tail_problem looks for the next valid record header."""
_RESYNC_WINDOW = 1 << 20


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


def read_tail(path: str, start: int = 0, *, check: bool = True) -> bytes:
    """Return the bytes of path from offset start to its current end.

    When the first record header there is already invalid (a bad length checksum or an absurd
    length), only that header is returned: a scan of it reports the same problem as a scan of
    everything, and a huge file that is no event file (a sparse file of zeros, a disk image named
    like an event file) costs neither its size in memory nor the time to read it.

    Args:
        path: the event file.
        start: the file offset to read from.
        check: look at the first header before reading the rest (False: read everything).

    Returns:
        The bytes read.
    """
    with open(path, "rb", buffering=0) as handle:
        if check:
            header = os.pread(handle.fileno(), HEADER_BYTES, start)
            if len(header) < HEADER_BYTES or not header_is_valid(header):
                return header
        handle.seek(start)
        return handle.readall()


def header_is_valid(header: bytes | memoryview) -> bool:
    """Return True when a 12-byte record header has a matching length checksum and a plausible length."""
    length, length_crc = _HEADER.unpack_from(header)
    return masked_crc(header[:8]) == length_crc and length <= MAX_RECORD_BYTES


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
    data = read_tail(path, start, check=verify) if buffer is None else buffer
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
    return RecordScan(
        path=path,
        buffer=data,
        base=start,
        starts=np.asarray(starts, dtype=np.int64),
        lengths=np.asarray(lengths, dtype=np.int64),
        end_offset=start + pos,
        truncated=truncated,
        stopped=stopped,
        problems=problems,
    )


def payload_crc_problem(path: str, offset: int) -> Problem:
    """Return the Problem for a record skipped because its payload checksum is wrong."""
    return Problem(path, offset, "payload_crc", f"{path}: bad payload checksum at byte {offset}; skipped 1 record")


def length_crc_problem(path: str, offset: int, unread: int) -> Problem:
    """Return the Problem for a file abandoned at a record whose length checksum is wrong.

    At byte 0 the message says the file may be no event file at all, and names gzip when the file
    starts with gzip's magic bytes (an archived log compressed whole). unread is the bytes after
    offset in what was read; the file's own size counts when larger (read_tail stops reading at
    an invalid first header).
    """
    unread = max(unread, _bytes_after(path, offset))
    if offset == 0:
        return Problem(path, offset, "length_crc", f"{path}: {_not_a_record(path)}; nothing read ({unread} bytes)")
    return Problem(
        path,
        offset,
        "length_crc",
        f"{path}: bad length checksum at byte {offset}; stopped reading this file there ({unread} bytes not read)",
    )


def _bytes_after(path: str, offset: int) -> int:
    """Return how many bytes path holds after offset now (0 when it cannot be read)."""
    try:
        return max(0, file_size(path) - offset)
    except OSError:
        return 0


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
    return Problem(
        path,
        offset,
        "bad_length",
        f"{path}: record length {length} at byte {offset} is not plausible; stopped reading this file there",
    )


def truncated_problem(path: str, offset: int, nbytes: int) -> Problem:
    """Return the Problem for an incomplete last record (normal while a writer is running)."""
    return Problem(
        path,
        offset,
        "truncated",
        f"{path}: incomplete record at byte {offset} ({nbytes} bytes); treated as not yet written",
    )


def settled_tail_problem(path: str, offset: int, quiet_s: float) -> tuple[Problem, int | None]:
    """Return what is wrong with a file that has not changed for quiet_s seconds and has an incomplete record at offset.

    A valid record header after offset means the length at offset is damaged (kind "bad_length";
    reading can go on at that record); otherwise the file ends mid-record (kind
    "ends_mid_record": its writer stopped mid-write).

    Args:
        path: the event file.
        offset: the header offset of the incomplete record (the scan's end_offset).
        quiet_s: how long the file has not changed, at least (for the message).

    Returns:
        The Problem, naming the file and the offset, and the offset of the next valid record
        (None when the file ends mid-record).

    Raises:
        OSError: the file cannot be read.
    """
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        header = os.pread(handle.fileno(), HEADER_BYTES, offset)
        if len(header) < HEADER_BYTES:
            return ends_mid_record_problem(path, offset, f"{size - offset} bytes of a record header", quiet_s), None
        length = _HEADER.unpack_from(header)[0]
        following = next_record(handle.fileno(), offset + 1, size)
    if following is None:
        need = HEADER_BYTES + length + FOOTER_BYTES
        return ends_mid_record_problem(path, offset, f"{size - offset} of the record's {need} bytes", quiet_s), None
    return Problem(
        path,
        offset,
        "bad_length",
        f"{path}: record length {length} at byte {offset} runs past the end of the file ({size} bytes), "
        f"but a valid record starts at byte {following}: the length is damaged; skipped the "
        f"{following - offset} bytes up to there",
    ), following


def ends_mid_record_problem(path: str, offset: int, left: str, quiet_s: float) -> Problem:
    """Return the Problem for a file that stopped changing with an incomplete last record."""
    return Problem(
        path,
        offset,
        "ends_mid_record",
        f"{path}: the file ends mid-record at byte {offset} ({left} are there) and has not changed for "
        f"at least {quiet_s:.0f} s: its writer stopped mid-write; that record is not read",
    )


def next_record(fd: int, start: int, size: int, limit: int = RESYNC_BYTES) -> int | None:
    """Return the offset of the first valid record at or after start in the open file fd, or None.

    A valid record has a matching length checksum, fits in the file, and (when under 16 MiB)
    has a matching payload checksum. Candidates are found with a vectorized length checksum,
    in windows of about 1 MiB, up to limit bytes past start.

    Args:
        fd: the file, open for reading.
        start: the first offset to try.
        size: the file's size.
        limit: how many bytes past start to look at.

    Returns:
        The header offset, or None when none was found.
    """
    stop = min(size, start + limit)
    at = start
    while at + HEADER_BYTES + FOOTER_BYTES <= stop:
        window = os.pread(fd, min(_RESYNC_WINDOW, stop - at), at)
        for rel in _header_candidates(window).tolist():
            if _is_record(fd, at + rel, size):
                return at + rel
        at += max(1, len(window) - HEADER_BYTES + 1)  # windows overlap so no header is split
    return None


def _header_candidates(window: bytes) -> np.ndarray:
    """Return the positions in window where a header with a matching length checksum starts."""
    count = len(window) - HEADER_BYTES + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    data = np.frombuffer(window, dtype=np.uint8)
    tables, zero = _crc_tables()
    crc = np.full(count, zero, dtype=np.uint32)
    for k in range(8):
        crc ^= tables[k][data[k : k + count]]
    masked = ((crc >> np.uint32(15)) | (crc << np.uint32(17))) + np.uint32(_MASK_DELTA)
    stored = np.zeros(count, dtype=np.uint32)
    for k in range(4):
        stored |= data[8 + k : 8 + k + count].astype(np.uint32) << np.uint32(8 * k)
    return np.flatnonzero(masked == stored)


@functools.cache
def _crc_tables() -> tuple[np.ndarray, int]:
    """Return per-byte tables T and c with crc32c(x) == c ^ T[0][x[0]] ^ ... ^ T[7][x[7]] for 8-byte x.

    CRC32C is affine over GF(2) for inputs of one length, so an 8-byte checksum is the xor of one
    table entry per byte and the checksum of eight zero bytes.
    """
    zero = crc32c.crc32c(bytes(8))
    tables = np.zeros((8, 256), dtype=np.uint32)
    for k in range(8):
        for value in range(256):
            message = bytearray(8)
            message[k] = value
            tables[k, value] = crc32c.crc32c(bytes(message)) ^ zero
    return tables, zero


def _is_record(fd: int, offset: int, size: int) -> bool:
    """Return True when a whole valid record starts at offset (its length checksum already matched)."""
    header = os.pread(fd, HEADER_BYTES, offset)
    length = _HEADER.unpack_from(header)[0]
    if length > MAX_RECORD_BYTES or offset + HEADER_BYTES + length + FOOTER_BYTES > size:
        return False
    if length > 16 << 20:
        return True
    body = os.pread(fd, length + FOOTER_BYTES, offset + HEADER_BYTES)
    return masked_crc(body[:length]) == _CRC.unpack_from(body, length)[0]


def file_size(path: str) -> int:
    """Return the current size of path in bytes."""
    return os.stat(path).st_size
