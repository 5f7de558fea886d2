"""TFRecord framing: checksums, truncation at every byte, absurd lengths, resumable offsets."""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

from loaders.records import HEADER_BYTES, frame, masked_crc, read_tail, scan_records


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def _tbx_file(tmp_path: Path, n: int = 5) -> str:
    with SummaryWriter(str(tmp_path / "run")) as writer:
        for step in range(n):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
    (name,) = os.listdir(tmp_path / "run")
    return str(tmp_path / "run" / name)


def test_masked_crc_matches_tensorflow_reference_value() -> None:
    # The masked CRC32C of an empty payload, as TensorFlow's crc32c::Mask(crc32c::Value("", 0)).
    assert masked_crc(b"") == ((0 >> 15 | (0 << 17)) + 0xA282EAD8) & 0xFFFFFFFF
    # crc32c("123456789") = 0xE3069283 (the standard check value), then masked.
    crc = 0xE3069283
    assert masked_crc(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_scan_records_reads_tensorboardx_file(tmp_path: Path) -> None:
    path = _tbx_file(tmp_path)
    scan = scan_records(path)
    # file_version event + 5 scalar events
    assert len(scan) == 6
    assert scan.end_offset == os.path.getsize(path)
    assert not scan.truncated and not scan.problems


def test_scan_records_truncated_at_every_position_of_last_record(tmp_path: Path) -> None:
    path = _tbx_file(tmp_path)
    data = open(path, "rb").read()
    full = scan_records(path)
    last_start = full.record_offset(len(full) - 1)
    for cut in range(last_start + 1, len(data)):
        cut_path = _write(str(tmp_path / "cut.tfevents"), data[:cut])
        scan = scan_records(cut_path)
        assert len(scan) == len(full) - 1, cut
        assert scan.truncated and scan.end_offset == last_start, cut
        assert [p.kind for p in scan.problems] == ["truncated"]
        assert scan.problems[0].offset == last_start


def test_scan_records_resumes_from_end_offset_after_append(tmp_path: Path) -> None:
    first = frame(b"one") + frame(b"two")
    path = _write(str(tmp_path / "a.tfevents"), first + frame(b"three")[:7])
    scan = scan_records(path)
    assert [bytes(scan.payload(i)) for i in range(len(scan))] == [b"one", b"two"]
    _write(path, first + frame(b"three") + frame(b"four"))
    rest = scan_records(path, scan.end_offset)
    assert [bytes(rest.payload(i)) for i in range(len(rest))] == [b"three", b"four"]
    assert rest.record_offset(0) == len(first)
    assert not rest.truncated


def test_scan_records_skips_record_with_bad_payload_crc(tmp_path: Path) -> None:
    records = [frame(b"alpha"), frame(b"bravo"), frame(b"charlie")]
    data = bytearray(b"".join(records))
    bad_at = len(records[0])
    data[bad_at + HEADER_BYTES] ^= 0xFF  # flip a payload byte of record 1
    scan = scan_records(_write(str(tmp_path / "x.tfevents"), bytes(data)))
    assert [bytes(scan.payload(i)) for i in range(len(scan))] == [b"alpha", b"charlie"]
    (problem,) = scan.problems
    assert problem.kind == "payload_crc" and problem.offset == bad_at
    assert f"byte {bad_at}" in problem.message and "x.tfevents" in problem.message


def test_scan_records_stops_at_bad_length_crc(tmp_path: Path) -> None:
    records = [frame(b"alpha"), frame(b"bravo"), frame(b"charlie")]
    data = bytearray(b"".join(records))
    bad_at = len(records[0])
    data[bad_at + 9] ^= 0x01  # the length's checksum
    scan = scan_records(_write(str(tmp_path / "x.tfevents"), bytes(data)))
    assert [bytes(scan.payload(i)) for i in range(len(scan))] == [b"alpha"]
    assert scan.stopped and scan.problems[0].kind == "length_crc" and scan.problems[0].offset == bad_at


def test_scan_records_rejects_absurd_length_with_valid_crc(tmp_path: Path) -> None:
    length = struct.pack("<Q", 1 << 60)
    bogus = length + struct.pack("<I", masked_crc(length)) + b"x" * 20
    scan = scan_records(_write(str(tmp_path / "x.tfevents"), frame(b"ok") + bogus))
    assert len(scan) == 1 and scan.stopped
    assert scan.problems[0].kind == "bad_length"


@pytest.mark.parametrize("content", [b"", random.Random(0).randbytes(3), random.Random(1).randbytes(4096)])
def test_scan_records_survives_empty_and_random_files(tmp_path: Path, content: bytes) -> None:
    scan = scan_records(_write(str(tmp_path / "events.out.tfevents.random"), content))
    assert len(scan) == 0 or all(scan.lengths >= 0)
    if content:
        assert scan.problems, "random bytes must be reported"
    else:
        assert not scan.problems and scan.end_offset == 0


SPARSE_READ = """
import resource, sys
import loaders
from loaders.records import scan_records

logdir, cache, path = sys.argv[1:4]
lg = loaders.Logdir(logdir, cache_dir=cache)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scan = scan_records(path)
rows = len(lg.scalars())
grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(grown_kib, rows, len(scan), scan.end_offset)
for problem in [*scan.problems, *lg.problems().itertuples()]:
    print(problem.kind, problem.offset, problem.message)
"""


def test_read_tail_rejects_a_sparse_4gib_file_of_zeros_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "run" / "events.out.tfevents.1.host"
    path.parent.mkdir(parents=True)
    size = 4 << 30
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: costs no disk space, reads as zeros
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", SPARSE_READ, str(tmp_path / "logs"), str(tmp_path / "cache"),
                          str(path)], capture_output=True, text=True, check=True, cwd=root, timeout=120).stdout
    first, *problems = out.splitlines()
    grown_kib, rows, records, end = map(int, first.split())
    assert (rows, records, end) == (0, 0, 0)
    assert grown_kib < 100 << 10, f"reading a 4 GiB file of zeros grew the peak RSS by {grown_kib} KiB"
    assert len(problems) == 2
    for line in problems:
        kind, offset, message = line.split(" ", 2)
        assert (kind, offset) == ("length_crc", "0")
        assert message == (f"{path}: does not start with a TFRecord header (bad length checksum at byte 0): not an "
                           f"event file, or damaged there; nothing read ({size} bytes)")


def test_read_tail_reads_everything_after_a_valid_first_header(tmp_path: Path) -> None:
    data = frame(b"alpha") + b"\x00" * 100
    path = _write(str(tmp_path / "x.tfevents"), data)
    assert read_tail(path) == data and read_tail(path, len(frame(b"alpha"))) == b"\x00" * HEADER_BYTES
    assert read_tail(path, len(frame(b"alpha")), check=False) == b"\x00" * 100
    scan = scan_records(path)
    assert len(scan) == 1 and scan.stopped and [p.kind for p in scan.problems] == ["length_crc"]
    assert "(100 bytes not read)" in scan.problems[0].message
