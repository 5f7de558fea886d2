"""Fuzz corpus for the C kernel: seed Event payloads, their key/wire-type/varint mutations, and files to scan.

Shared by the parity tests (tests/loaders/test_fastpath_fuzz_keys.py) and the sanitizer run
(tools/asan_fuzz.py). Everything is deterministic: the same corpus on every run.
"""

from __future__ import annotations

import glob
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from loaders.proto import event_pb2, summary_pb2, tensor_pb2
from loaders.records import frame
from tests.loaders.test_fastpath import _mixed_tbx_log
from tests.loaders.test_fastpath_histograms import (
    FIXTURES,
    ODD,
    ODD_METADATA,
    VERSION,
    _byte_fuzz_files,
    _meta_value,
    _raw_values_event,
    _tbx_histograms,
    _varint,
)

# Field number -> message type of the sub-messages the kernel decodes, per message type.
SCHEMA: dict[str, dict[int, str]] = {
    "Event": {5: "Summary", 10: "SourceMetadata"},
    "Summary": {1: "Value"},
    "Value": {5: "HistogramProto", 8: "TensorProto", 9: "SummaryMetadata"},
    "TensorProto": {2: "TensorShapeProto"},
    "TensorShapeProto": {2: "Dim"},
    "SummaryMetadata": {1: "PluginData"},
}
MAX_FIELD = 2**29 - 1  # the largest field number protobuf allows
WIRE_FIXED = {1: 8, 5: 4}  # wire type -> bytes of a fixed-width value


@dataclass(frozen=True)
class Field:
    """One field of an encoded message, its key and length prefix exactly as they were written."""

    number: int
    wire: int
    key: bytes
    body: bytes  # wire 2: the content without its length prefix; else the value's bytes
    length: bytes = b""  # wire 2: the length prefix

    def encode(self) -> bytes:
        return self.key + self.length + self.body


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Return (value, position after it) of the varint at pos (no 64-bit limit); IndexError past the end."""
    value = shift = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def parse(data: bytes) -> list[Field]:
    """Split a well-formed message into its fields (ValueError for groups or anything malformed)."""
    fields, pos = [], 0
    while pos < len(data):
        start = pos
        key, pos = read_varint(data, pos)
        wire = key & 7
        if wire == 0:
            _, end = read_varint(data, pos)
            fields.append(Field(key >> 3, wire, data[start:pos], data[pos:end]))
        elif wire == 2:
            size, body = read_varint(data, pos)
            fields.append(Field(key >> 3, wire, data[start:pos], data[body : body + size], data[pos:body]))
            end = body + size
        elif wire in WIRE_FIXED:
            end = pos + WIRE_FIXED[wire]
            fields.append(Field(key >> 3, wire, data[start:pos], data[pos:end]))
        else:
            raise ValueError(f"wire type {wire} at byte {start}: seeds hold no groups")
        if end > len(data):
            raise ValueError(f"field at byte {start} runs past the end ({end} > {len(data)})")
        pos = end
    return fields


def padded_varint(value: int, size: int, overflow: int = 0) -> bytes:
    """Encode value in exactly size bytes (non-minimal: continuation bytes of zeros), overflow or-ed into the last."""
    groups = [(value >> (7 * i)) & 0x7F for i in range(size)]
    if value >> (7 * size):
        raise ValueError(f"{value} does not fit in {size} varint bytes")
    groups[-1] |= overflow
    return bytes(g | 0x80 for g in groups[:-1]) + bytes([groups[-1]])


def _numbers(number: int) -> list[int]:
    """Field numbers a key is rewritten to: out of range, at the limits, and aliases of number mod 2**32."""
    return [0, MAX_FIELD, MAX_FIELD + 1, 2**32 + number, 2**35, 2**35 + number, 2**63, 2**63 + number]


def field_mutations(field: Field) -> Iterator[tuple[str, bytes]]:
    """Yield (label, bytes) of one field re-encoded with a bad number, wire type, key, length or varint.

    Also the field written twice and left out, so that the kernel's "last one wins" is compared too.
    """
    rest = field.length + field.body
    key = field.number << 3 | field.wire
    for number in _numbers(field.number):
        yield f"number={number}", _varint(number << 3 | field.wire) + rest
    for wire in range(8):
        if wire != field.wire:
            yield f"wire={wire}", _varint(field.number << 3 | wire) + rest
    for size in (5, 6, 10, 11):
        if size > len(field.key):
            yield f"key_bytes={size}", padded_varint(key, size) + rest
    yield "key_overflow", padded_varint(key, 10, overflow=0x7E) + rest  # bits past 64 alias key itself
    if field.wire == 2:
        for size in (5, 6, 10, 11):
            yield f"length_bytes={size}", field.key + padded_varint(len(field.body), size) + field.body
        yield "length_overflow", field.key + padded_varint(len(field.body), 10, overflow=0x7E) + field.body
        yield "length_too_long", field.key + _varint(len(field.body) + 1) + field.body
        yield "length_huge", field.key + _varint(2**31 + len(field.body)) + field.body
    if field.wire == 0:
        value, _ = read_varint(field.body, 0)
        for size, overflow in ((10, 0), (10, 0x02), (10, 0x7E), (11, 0)):
            if value < 2**63 or size == 10 and overflow == 0:
                yield f"varint_bytes={size},overflow={overflow}", field.key + padded_varint(value, size, overflow)
        yield "varint_unterminated", field.key + b"\xff" * 10
    yield "repeated", field.encode() * 2  # the runtime keeps the last scalar, merges messages
    yield "dropped", b""


def mutants(payload: bytes, message: str = "Event") -> Iterator[tuple[str, bytes]]:
    """Yield (label, payload) for every field mutation at every level of the messages the kernel decodes."""
    fields = parse(payload)
    for i, field in enumerate(fields):
        before, after = b"".join(f.encode() for f in fields[:i]), b"".join(f.encode() for f in fields[i + 1 :])
        label = f"{message}.{field.number}"
        for what, encoded in field_mutations(field):
            yield f"{label}:{what}", before + encoded + after
        child = SCHEMA.get(message, {}).get(field.number)
        if child and field.wire == 2:
            for what, body in mutants(field.body, child):
                inner = replace(field, body=body, length=_varint(len(body)))
                yield f"{label}/{what}", before + inner.encode() + after


def _scalars_metadata(value: summary_pb2.Summary.Value) -> None:
    value.metadata.plugin_data.plugin_name = "scalars"
    value.metadata.display_name = "Loss"
    value.metadata.summary_description = "d"
    value.metadata.data_class = summary_pb2.DATA_CLASS_SCALAR


def seeds() -> dict[str, bytes]:
    """Return Event payloads the kernel decodes itself, one per kind of value it takes."""
    simple = event_pb2.Event(wall_time=1.5, step=2)
    simple.summary.value.add(tag="loss", simple_value=0.25, node_name="n")
    simple.source_metadata.writer = "w"
    float_tensor = event_pb2.Event(wall_time=2.5, step=3)
    value = float_tensor.summary.value.add(tag="acc")
    value.tensor.dtype = tensor_pb2.DT_FLOAT
    value.tensor.tensor_shape.SetInParent()
    value.tensor.float_val.append(0.5)
    value.tensor.version_number = 1
    _scalars_metadata(value)
    double_tensor = event_pb2.Event(wall_time=3.5, step=4)
    value = double_tensor.summary.value.add(tag="d")
    value.tensor.dtype = tensor_pb2.DT_DOUBLE
    value.tensor.tensor_content = np.array([1.0 / 3.0]).tobytes()
    _scalars_metadata(value)
    histo = event_pb2.Event(wall_time=4.5, step=5)
    histo.summary.value.add(tag="h", histo=summary_pb2.HistogramProto(
        min=-1.0, max=2.0, num=4.0, sum=1.5, sum_squares=6.25, bucket_limit=[0.0, 1.0, 2.0], bucket=[1.0, 2.0, 1.0]))
    k3 = event_pb2.Event(wall_time=5.5, step=6)
    value = k3.summary.value.add(tag="w")
    value.tensor.dtype = tensor_pb2.DT_DOUBLE
    value.tensor.tensor_content = np.array([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]).tobytes()
    value.tensor.tensor_shape.dim.add(size=2)
    value.tensor.tensor_shape.dim.add(size=3)
    value.metadata.plugin_data.plugin_name = "histograms"
    value.metadata.plugin_data.content = b"\x08\x01"
    two_values = _raw_values_event(7, _meta_value(b"t", ODD_METADATA["data_class_and_description"]),
                                   _meta_value(b"u", ODD_METADATA["plugin_content"]))
    out = {name: event.SerializeToString() for name, event in (
        ("simple_value", simple), ("float_tensor", float_tensor), ("double_tensor", double_tensor),
        ("histo", histo), ("k3_tensor", k3))}
    out["two_values"] = two_values[12:-4]  # the payload of the framed record
    return out


def truncations(payload: bytes) -> Iterator[tuple[str, bytes]]:
    """Yield (label, payload) for every proper prefix of payload: fields and varints cut off at the end."""
    for size in range(len(payload)):
        yield f"cut={size}", payload[:size]


def key_mutant_files() -> Iterator[tuple[str, bytes]]:
    """Yield (label, file bytes): a file_version record, then one mutated or truncated seed record."""
    for name, payload in seeds().items():
        for label, mutant in (*mutants(payload), *truncations(payload)):
            yield f"{name}/{label}", VERSION + frame(mutant)


def corpus(directory: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) of the files the kernel is fuzzed with; writer output goes under directory.

    The real writers' files and the TF2 fixtures, the odd encodings and random byte edits of the
    histogram parity tests, every key mutation of the seeds, and header edits (lengths, checksums)
    that only a scan without checksum verification reads past.
    """
    real = [_mixed_tbx_log(directory), _tbx_histograms(directory)]
    real += sorted(glob.glob(os.path.join(FIXTURES, "**", "*tfevents*"), recursive=True))
    for path in real:
        with open(path, "rb") as handle:
            yield os.path.basename(path), handle.read()
    for name, records in ODD.items():
        yield f"odd/{name}", VERSION + b"".join(records)
    for name, metadata in ODD_METADATA.items():
        yield f"odd_metadata/{name}", VERSION + b"".join(
            _raw_values_event(step, _meta_value(b"t", metadata), _meta_value(b"u", b"")) for step in range(3))
    (directory / "byte_fuzz").mkdir()  # its own writers: one event file per writer directory
    for i, data in enumerate(_byte_fuzz_files(directory / "byte_fuzz")):
        yield f"byte_fuzz/{i}", data
    yield from key_mutant_files()
    rng = random.Random(11)
    with open(real[0], "rb") as handle:
        mixed = handle.read()
    for i in range(200):
        edited = bytearray(mixed[: rng.randrange(len(mixed) // 4, len(mixed))])
        for _ in range(rng.randint(1, 4)):
            edited[rng.randrange(len(edited))] = rng.randrange(256)
        yield f"header_fuzz/{i}", bytes(edited)
