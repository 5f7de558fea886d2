"""Field keys, wire types and varints the kernel must not misread: both decoders give the same chunks."""

from __future__ import annotations

from pathlib import Path

import loaders._fastscan as _fastscan
import pytest

from loaders import fastpath
from loaders.proto import event_pb2
from loaders.records import frame
from tests.loaders.fastpath_corpus import mutants, seeds, truncations
from tests.loaders.test_fastpath import _assert_same
from tests.loaders.test_fastpath_histograms import VERSION, _varint

SEEDS = seeds()


def _kernel_rows(data: bytes) -> int:
    """Return how many scalar and histogram rows the kernel itself extracted from framed data."""
    found = _fastscan.scan(data)
    return len(found[4]) // 4 + len(found[-2][0]) // 4  # int32 tag ids of both tables


def _first_failure(path: Path, data: bytes) -> str | None:
    """Return the assertion message when the two paths differ on data written to path, else None."""
    path.write_bytes(data)
    try:
        _assert_same(str(path))
    except AssertionError as err:
        return f"{err!r}"
    return None


@pytest.mark.parametrize("seed", list(SEEDS))
def test_fastpath_fuzz_keys_seed_is_decoded_by_the_kernel(seed: str) -> None:
    # Else every mutant below would fall back to Python and the parity checks would prove nothing.
    assert _kernel_rows(VERSION + frame(SEEDS[seed])) > 0


@pytest.mark.parametrize("seed", list(SEEDS))
def test_fastpath_fuzz_keys_mutants_match(tmp_path: Path, seed: str) -> None:
    target = tmp_path / "events.out.tfevents.keys"
    failures, kernel_took = [], 0
    for label, payload in mutants(SEEDS[seed]):
        data = VERSION + frame(payload)
        kernel_took += _kernel_rows(data) > 0
        problem = _first_failure(target, data)
        if problem:
            failures.append(f"{label}: {problem}")
    assert not failures, f"{len(failures)} mutants decode differently, e.g.\n" + "\n".join(failures[:20])
    assert kernel_took > 0  # some mutants (a 5-byte key, a non-minimal length) are still the kernel's


@pytest.mark.parametrize("seed", list(SEEDS))
def test_fastpath_fuzz_keys_truncated_payloads_match(tmp_path: Path, seed: str) -> None:
    # Every prefix of the payload, checksummed: keys, lengths and varints cut off at the end.
    target = tmp_path / "events.out.tfevents.cut"
    failures = [f"{label}: {problem}" for label, payload in truncations(SEEDS[seed])
                if (problem := _first_failure(target, VERSION + frame(payload)))]
    assert not failures, f"{len(failures)} prefixes decode differently, e.g.\n" + "\n".join(failures[:20])


def _step_key_event(number: int) -> bytes:
    """An Event whose step field (value 7) is written under field number `number` instead of 2."""
    event = event_pb2.Event(wall_time=1.0)
    event.summary.value.add(tag="x", simple_value=1.0)
    return frame(_varint(number << 3) + b"\x07" + event.SerializeToString())


def test_fastpath_fuzz_keys_field_2_pow_32_plus_2_is_not_step(tmp_path: Path) -> None:
    # The review's repro: (int)(key >> 3) made field 2**32 + 2 read as step (field 2) on the fast path.
    path = tmp_path / "events.out.tfevents.repro"
    path.write_bytes(VERSION + _step_key_event(2**32 + 2))
    fast = fastpath.read_chunk(str(path), fast=True)
    assert "scalars" not in fast.tables
    assert [problem.kind for problem in fast.problems] == ["bad_event"]
    assert _first_failure(path, VERSION + _step_key_event(2**32 + 2)) is None


@pytest.mark.parametrize("number", [0, 2**29, 2**32 + 2, 2**35 + 2, 2**63 + 2])
def test_fastpath_fuzz_keys_out_of_range_field_numbers_fall_back(number: int) -> None:
    # Field 0 and numbers past 2**29 - 1 are not the kernel's to read (the runtime rejects them).
    assert _kernel_rows(VERSION + _step_key_event(number)) == 0


def test_fastpath_fuzz_keys_largest_field_number_is_an_unknown_field(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.max"
    path.write_bytes(VERSION + _step_key_event(2**29 - 1))
    chunk = fastpath.read_chunk(str(path), fast=True)
    assert chunk.problems == [] and chunk.tables["scalars"]["step"].to_pylist() == [0]
    assert _first_failure(path, VERSION + _step_key_event(2**29 - 1)) is None


def test_fastpath_fuzz_keys_status_codes_come_from_the_module() -> None:
    codes = [_fastscan.STATUS_DONE, _fastscan.STATUS_TRUNCATED, _fastscan.STATUS_LENGTH_CRC,
             _fastscan.STATUS_BAD_LENGTH]
    assert len(set(codes)) == 4
    assert _fastscan.scan(VERSION)[1] == _fastscan.STATUS_DONE
    assert _fastscan.scan(VERSION[:-1])[1] == _fastscan.STATUS_TRUNCATED
    bad_crc = bytearray(VERSION)
    bad_crc[8] ^= 1
    assert _fastscan.scan(bytes(bad_crc))[1] == _fastscan.STATUS_LENGTH_CRC
    huge = (2**40).to_bytes(8, "little")
    assert _fastscan.scan(huge + _fastscan.masked_crc(huge).to_bytes(4, "little"))[1] == _fastscan.STATUS_BAD_LENGTH
