"""Helpers that damage or fabricate event files for tests (not a test module)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from loaders.proto.event_pb2 import Event
from loaders.proto.summary_pb2 import Summary, SummaryMetadata
from loaders.proto.tensor_pb2 import TensorProto
from loaders.records import FOOTER_BYTES, HEADER_BYTES, frame, masked_crc

# A payload no protobuf parser accepts: field 1, length-delimited, with a varint length that never ends.
GARBAGE_PAYLOAD = b"\x0a" + b"\xff" * 11


def records(path: str | os.PathLike) -> list[tuple[int, int]]:
    """Return (header offset, payload length) of every complete record, reading lengths only.

    Checksums are not verified, so this still walks a file whose CRCs were damaged; it stops
    at the first record that does not fit in the file.

    Args:
        path: the event file.

    Returns:
        One (offset, length) pair per record, in file order.
    """
    data = Path(path).read_bytes()
    found, pos = [], 0
    while pos + HEADER_BYTES <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        if pos + HEADER_BYTES + length + FOOTER_BYTES > len(data):
            break
        found.append((pos, length))
        pos += HEADER_BYTES + length + FOOTER_BYTES
    return found


def _record(path: str | os.PathLike, index: int) -> tuple[int, int]:
    found = records(path)
    if not -len(found) <= index < len(found):
        raise IndexError(f"{path}: record {index} requested but the file holds {len(found)} records")
    return found[index]


def truncate(path: str | os.PathLike, nbytes_to_drop: int) -> int:
    """Cut the last nbytes_to_drop bytes off the file (a writer caught mid-record).

    Args:
        path: the file.
        nbytes_to_drop: how many bytes to remove from the end.

    Returns:
        The new file size.
    """
    size = max(0, os.path.getsize(path) - nbytes_to_drop)
    os.truncate(path, size)
    return size


def flip_byte(path: str | os.PathLike, offset: int) -> None:
    """Invert every bit of the byte at offset (negative offsets count from the end).

    Args:
        path: the file.
        offset: the byte to flip.
    """
    with open(path, "r+b") as handle:
        handle.seek(offset, os.SEEK_SET if offset >= 0 else os.SEEK_END)
        where = handle.tell()
        byte = handle.read(1)
        handle.seek(where)
        handle.write(bytes([byte[0] ^ 0xFF]))


def corrupt_length_crc(path: str | os.PathLike, record_index: int) -> int:
    """Damage the length checksum of one record (readers must stop the file there).

    Args:
        path: the event file.
        record_index: which record (0 is the file_version event; negative counts from the end).

    Returns:
        The record's header offset.
    """
    offset, _ = _record(path, record_index)
    flip_byte(path, offset + 8)
    return offset


def corrupt_payload_crc(path: str | os.PathLike, record_index: int) -> int:
    """Damage the payload checksum of one record (readers must skip just that record).

    Args:
        path: the event file.
        record_index: which record (negative counts from the end).

    Returns:
        The record's header offset.
    """
    offset, length = _record(path, record_index)
    flip_byte(path, offset + HEADER_BYTES + length)
    return offset


def huge_length(path: str | os.PathLike, record_index: int, length: int = 1 << 40) -> int:
    """Overwrite one record's length with an absurd value and a VALID length checksum.

    Args:
        path: the event file.
        record_index: which record (negative counts from the end).
        length: the length to write.

    Returns:
        The record's header offset.
    """
    offset, _ = _record(path, record_index)
    header = struct.pack("<Q", length)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(header + struct.pack("<I", masked_crc(header)))
    return offset


def write_random_events_file(directory: str | os.PathLike, nbytes: int, seed: int) -> str:
    """Write nbytes of seeded random noise under an event-file name.

    Args:
        directory: where (created if missing).
        nbytes: the file size.
        seed: the numpy seed.

    Returns:
        The file path.
    """
    path = Path(directory) / f"events.out.tfevents.0000000000.random.{seed}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8).tobytes())
    return str(path)


def write_empty_events_file(directory: str | os.PathLike) -> str:
    """Write a zero-byte event file (a writer that opened its file and wrote nothing yet).

    Args:
        directory: where (created if missing).

    Returns:
        The file path.
    """
    path = Path(directory) / "events.out.tfevents.0000000000.empty"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return str(path)


def write_invalid_protobuf_record(directory: str | os.PathLike) -> str:
    """Write a file_version event, a well-framed record whose payload is not an Event, then a scalar.

    The scalar (tag "loss", simple_value 0.5, step 1) lets tests check that records after the
    bad one are still read.

    Args:
        directory: where (created if missing).

    Returns:
        The file path; the bad record is record 1.
    """
    path = Path(directory) / "events.out.tfevents.0000000000.invalid"
    path.parent.mkdir(parents=True, exist_ok=True)
    version = Event(wall_time=1.0, file_version="brain.Event:2")
    scalar = Event(wall_time=2.0, step=1, summary=Summary(value=[Summary.Value(tag="loss", simple_value=0.5)]))
    path.write_bytes(frame(version.SerializeToString()) + frame(GARBAGE_PAYLOAD) + frame(scalar.SerializeToString()))
    return str(path)


def tbx_scalar_run(logdir: Path, run: str, values: list[float]) -> Path:
    """Write values as scalar "x" at steps 0.. with tensorboardX; return the event file."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / run)) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("x", value, step)
    (path,) = (logdir / run).glob("*tfevents*")
    return path


def plugin_tensor_value(tag: str, plugin: str, dims: list[int], **values: object) -> Summary.Value:
    """Return a TF2-style value: a float tensor (a string tensor if string_val is given) of shape dims, tagged plugin."""
    tensor = TensorProto(dtype=7 if "string_val" in values else 1, **values)
    for size in dims:
        tensor.tensor_shape.dim.add(size=size)
    meta = SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    return Summary.Value(tag=tag, metadata=meta, tensor=tensor)


def shared_fixture(name: str) -> Path:
    """Return a fixture folder of the workspace's shared/ (beside the checkout; CI lays a copy there too)."""
    beside = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / name
    return beside if beside.exists() else Path("/work/shared/fixtures") / name
