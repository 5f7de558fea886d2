"""Bad input through the public API: damaged, changing and vanishing event files.

Odd run names, bad arguments, cache abuse and inspect on damage are in test_bad_input_usage.py.
"""

from __future__ import annotations

import os
import shutil
import struct
import threading
from pathlib import Path

import pytest
from tensorboardX import SummaryWriter

import loaders
from loaders import fastpath
from loaders.proto.event_pb2 import Event
from loaders.proto.summary_pb2 import Summary
from loaders.records import frame
from loaders.writer import EventWriter
from tests.eventfiles import (
    corrupt_length_crc,
    corrupt_payload_crc,
    huge_length,
    plugin_tensor_value,
    records,
    tbx_scalar_run,
    truncate,
    write_empty_events_file,
    write_invalid_protobuf_record,
    write_random_events_file,
)

VERSION = frame(Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString())


def _event(step: int, *values: Summary.Value) -> bytes:
    return frame(Event(wall_time=2.0, step=step, summary=Summary(value=list(values))).SerializeToString())


def _scalar(tag: str, value: float) -> Summary.Value:
    return Summary.Value(tag=tag, simple_value=value)


def _by_run(frame_):
    return {run: group["value"].tolist() for run, group in frame_.groupby("run")}


# ----- damaged files next to good ones -------------------------------------------------------


def _damage(kind: str, run_dir: Path, logdir: Path) -> tuple[str, int, list[float]]:
    """Damage a fresh 4-value file in run_dir; return (problem kind, its offset, values still read)."""
    if kind == "random":
        write_random_events_file(run_dir, 500, seed=3)
        return "length_crc", 0, []
    if kind == "empty":
        write_empty_events_file(run_dir)
        return "", -1, []
    if kind == "invalid_protobuf":
        write_invalid_protobuf_record(run_dir)
        return "bad_event", records(next(run_dir.glob("*")))[1][0], [0.5]
    path = tbx_scalar_run(logdir, run_dir.name, [1.0, 2.0, 3.0, 4.0])
    if kind == "truncated":
        offset = records(path)[-1][0]
        truncate(path, 5)
        return "truncated", offset, [1.0, 2.0, 3.0]
    if kind == "length_crc":
        return "length_crc", corrupt_length_crc(path, 2), [1.0]
    if kind == "payload_crc":
        return "payload_crc", corrupt_payload_crc(path, 2), [1.0, 3.0, 4.0]
    return "bad_length", huge_length(path, 3), [1.0, 2.0]


@pytest.mark.parametrize("kind", ["truncated", "length_crc", "payload_crc", "huge_length", "random", "empty",
                                  "invalid_protobuf"])
def test_bad_input_damaged_file_is_reported_and_its_neighbours_read(tmp_path, kind):
    logdir = tmp_path / "logs"
    good = tbx_scalar_run(logdir, "good", [5.0, 6.0])
    problem_kind, offset, kept = _damage(kind, logdir / "bad", logdir)
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    values = _by_run(lg.scalars())
    assert values.get("bad", []) == kept and values["good"] == [5.0, 6.0]
    problems = lg.problems()
    assert str(good) not in set(problems["path"])
    if not problem_kind:
        assert problems.empty
        return
    ((path, where, found, message),) = problems.values.tolist()
    assert (Path(path).parent.name, where, found) == ("bad", offset, problem_kind)
    assert message.startswith(f"{path}: ") and f"byte {offset}" in message


def test_bad_input_directory_named_like_an_event_file_is_not_read(tmp_path):
    logdir = tmp_path / "logs"
    tbx_scalar_run(logdir, "run", [1.0])
    (logdir / "run" / "events.out.tfevents.dir").mkdir()
    (logdir / "only-a-dir" / "events.out.tfevents.dir").mkdir(parents=True)
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert lg.runs() == ["run"]
    assert lg.scalars()["value"].tolist() == [1.0] and lg.problems().empty


def test_bad_input_fifo_named_like_an_event_file_is_reported_not_waited_on(tmp_path):
    logdir = tmp_path / "logs"
    tbx_scalar_run(logdir, "run", [1.0])
    fifo = logdir / "run" / "events.out.tfevents.fifo"
    os.mkfifo(fifo)
    result: dict[str, object] = {}

    def read() -> None:
        lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
        result["values"] = lg.scalars()["value"].tolist()
        result["problems"] = lg.problems()[["path", "kind"]].values.tolist()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # unblock the reader's open() so the test process can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a logdir with a FIFO named like an event file blocked")
    assert result == {"values": [1.0], "problems": [[str(fifo), "unreadable_file"]]}


def test_bad_input_tensor_with_an_absurd_shape_is_kept_as_a_tensor_not_expanded(tmp_path):
    run = tmp_path / "logs" / "run"
    run.mkdir(parents=True)
    huge = plugin_tensor_value("huge", "scalars", [10**12], float_val=[1.0])
    wrapped = plugin_tensor_value("wrapped", "histograms", [2**62, 4], float_val=[1.0])  # int64 product wraps to 0
    content = VERSION + _event(-5, huge) + _event(1, wrapped) + _event(7, _scalar("ok", 3.0))
    (run / "events.out.tfevents.1.host").write_bytes(content)
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()[["tag", "step", "value"]].values.tolist() == [["ok", 7, 3.0]]
    tensors = lg.tensors()
    assert [(tag, step, plugin, list(shape)) for tag, step, plugin, shape in
            tensors[["tag", "step", "plugin", "shape"]].values.tolist()] == [
        ("huge", -5, "scalars", [10**12]), ("wrapped", 1, "histograms", [2**62, 4])]
    problems = lg.problems()
    assert problems["kind"].tolist() == ["bad_value", "bad_value"]
    assert problems["offset"].tolist() == [len(VERSION), len(VERSION) + len(_event(-5, huge))]
    assert "has 1000000000000 elements" in problems["message"][0]
    assert "has 18446744073709551616 elements" in problems["message"][1]


def test_bad_input_absurd_but_valid_values_are_kept_exactly(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        writer.add_scalar("t" * 100_000, 1.0, -5)
        writer.add_scalar("low", 2.0, -(2**63))
        writer.add_scalar("high", 3.0, 2**63 - 1)
        writer.add_text("novel", "x" * 10_000_000, 1)
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    frame_ = lg.scalars()
    assert [(len(tag), step) for tag, step in zip(frame_["tag"], frame_["step"])] == [
        (100_000, -5), (3, -(2**63)), (4, 2**63 - 1)]
    assert len(lg.text()["value"][0]) == 10_000_000 and lg.problems().empty


def test_bad_input_row_at_the_largest_step_after_a_restart_is_kept(tmp_path):
    with EventWriter(tmp_path / "logs" / "run") as writer:
        writer.add_scalar("a", 1.0, 0)
        writer.add_scalar("a", 2.0, 5)
        writer.add_session_start(3)
        writer.add_scalar("a", 3.0, 3)
        writer.add_scalar("a", 4.0, 2**63 - 1)
    frame_ = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").scalars()
    assert list(zip(frame_["step"], frame_["value"])) == [(0, 1.0), (3, 3.0), (2**63 - 1, 4.0)]


# ----- the compiled fast path must agree with the protobuf decoder on odd payloads -------------


def _value(tag: bytes, *fields: bytes) -> bytes:
    body = b"\x0a" + bytes([len(tag)]) + tag + b"".join(fields)
    return b"\x0a" + bytes([len(body)]) + body


def _raw_event(step: int, *values: bytes) -> bytes:
    summary = b"".join(values)
    return frame(b"\x10" + bytes([step]) + b"\x2a" + bytes([len(summary)]) + summary)


SIMPLE = b"\x15" + struct.pack("<f", 1.5)
FLOAT_TENSOR = b"\x42\x07\x08\x01\x2d" + struct.pack("<f", 2.5)  # tensor {dtype: DT_FLOAT, float_val: 2.5}
SCALARS_METADATA = b"\x4a\x0b\x0a\x09\x0a\x07scalars"  # metadata {plugin_data {plugin_name: "scalars"}}
HISTO = b"\x2a\x09\x19" + struct.pack("<d", 4.0)  # histo {max: 4.0}
SIMPLE_OK = _raw_event(0, _value(b"ok", SIMPLE))
ODD_PAYLOADS = {
    "bad_utf8_tag": SIMPLE_OK + _raw_event(1, _value(b"h\xed\x15", SIMPLE)),
    "overlong_utf8_tag": SIMPLE_OK + _raw_event(1, _value(b"\xc0\x80", SIMPLE)),
    "surrogate_tag": SIMPLE_OK + _raw_event(1, _value(b"\xed\xa0\x80", SIMPLE)),
    "bad_utf8_node_name": SIMPLE_OK + _raw_event(1, _value(b"ok", SIMPLE, b"\x3a\x02\xff\xfe")),
    "good_utf8_tag": SIMPLE_OK + _raw_event(1, _value("é✓".encode(), SIMPLE)),
    "two_tensor_fields": SIMPLE_OK + _raw_event(1, _value(b"ok", FLOAT_TENSOR, FLOAT_TENSOR)),
    # The first sighting of a tag decides it, whichever decoder handles which record:
    "simple_then_metadata": SIMPLE_OK + _raw_event(1, _value(b"ok", FLOAT_TENSOR, SCALARS_METADATA)),
    "simple_then_legacy_histo": SIMPLE_OK + _raw_event(1, _value(b"ok", HISTO)),
    "tensor_then_metadata": _raw_event(0, _value(b"t", FLOAT_TENSOR)) + _raw_event(1, _value(b"t", FLOAT_TENSOR,
                                                                                               SCALARS_METADATA)),
    "tensor_then_simple": _raw_event(0, _value(b"t", FLOAT_TENSOR)) + _raw_event(1, _value(b"t", SIMPLE)),
    "metadata_then_tensor": _raw_event(0, _value(b"t", FLOAT_TENSOR, SCALARS_METADATA)) + _raw_event(
        1, _value(b"t", FLOAT_TENSOR)),
    "simple_and_tensor_in_one_record": _raw_event(0, _value(b"t", SIMPLE), _value(b"t", FLOAT_TENSOR)),
    "tensor_and_simple_in_one_record": _raw_event(0, _value(b"t", FLOAT_TENSOR), _value(b"t", SIMPLE)),
    "record_with_one_value_of_another_plugin": _raw_event(0, _value(b"h", HISTO)) + _raw_event(
        1, _value(b"h", SIMPLE), _value(b"ok", SIMPLE)),
    "mismatch_reported_once": _raw_event(0, _value(b"h", HISTO)) + _raw_event(1, _value(b"h", SIMPLE)) + _raw_event(
        2, _value(b"h", SIMPLE), _value(b"x", HISTO)),
}


@pytest.mark.parametrize("name", list(ODD_PAYLOADS))
def test_bad_input_fast_path_agrees_with_protobuf_on_odd_payloads(tmp_path, name):
    path = tmp_path / "events.out.tfevents.odd"
    path.write_bytes(VERSION + ODD_PAYLOADS[name])
    fast, slow = fastpath.read_chunk(str(path), fast=True), fastpath.read_chunk(str(path), fast=False)
    assert sorted(fast.tables) == sorted(slow.tables)
    for kind, table in slow.tables.items():
        assert fast.tables[kind].to_pylist() == table.to_pylist(), kind
    assert [p.as_dict() for p in fast.problems] == [p.as_dict() for p in slow.problems]
    assert fast.tags == slow.tags


def test_bad_input_tag_that_is_not_utf8_skips_its_record_with_a_problem(tmp_path):
    run = tmp_path / "logs" / "run"
    run.mkdir(parents=True)
    bad = _raw_event(1, _value(b"h\xed\x15", SIMPLE))
    (run / "events.out.tfevents.1.host").write_bytes(VERSION + bad + _raw_event(2, _value(b"ok", SIMPLE)))
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()[["tag", "step"]].values.tolist() == [["ok", 2]]
    ((offset, kind, message),) = lg.problems()[["offset", "kind", "message"]].values.tolist()
    assert (offset, kind) == (len(VERSION), "bad_event") and "UTF-8" in message


# ----- files that grow, change or vanish -----------------------------------------------------


def test_bad_input_record_split_at_every_byte_across_two_refreshes(tmp_path):
    source = tbx_scalar_run(tmp_path / "source", "run", [0.5, 1.5])
    data = source.read_bytes()
    logdir = tmp_path / "logs"
    for cut in range(len(data) + 1):
        run = logdir / f"cut{cut:04d}"
        run.mkdir(parents=True)
        (run / source.name).write_bytes(data[:cut])
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    before = _by_run(lg.scalars())
    for cut in range(len(data) + 1):
        with open(logdir / f"cut{cut:04d}" / source.name, "ab") as handle:
            handle.write(data[cut:])
    after = lg.refresh().scalars()
    assert sorted(set(after["run"])) == lg.runs() and len(lg.runs()) == len(data) + 1
    assert all(values == [0.5, 1.5] for values in _by_run(after).values())
    assert after.groupby("run")["step"].apply(list).tolist() == [[0, 1]] * (len(data) + 1)
    assert lg.problems().empty
    assert {len(values) for values in before.values()} == {1, 2}  # the cuts really were mid-file


def test_bad_input_growing_tensorboardx_file_every_point_once_in_order(tmp_path):
    logdir = tmp_path / "logs"
    writer = SummaryWriter(str(logdir / "run"), flush_secs=10_000)
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    step = 0
    seen = []
    for round_ in range(25):
        for _ in range(round_ % 7):
            writer.add_scalar("loss", step / 10, step)
            step += 1
        writer.flush()  # tensorboardX may still hold a few events in its queue: a prefix is read
        frame_ = lg.refresh().scalars() if step else None
        if frame_ is not None:
            assert frame_["step"].tolist() == list(range(len(frame_)))
            seen.append(len(frame_))
    writer.close()
    frame_ = lg.refresh().scalars()
    assert frame_["step"].tolist() == list(range(step)) and step == sum(round_ % 7 for round_ in range(25))
    assert frame_["value"].tolist() == pytest.approx([s / 10 for s in range(step)])
    assert seen == sorted(seen) and lg.problems().empty


def test_bad_input_file_shrunk_replaced_or_deleted_between_refreshes(tmp_path):
    logdir = tmp_path / "logs"
    a, b, c = (tbx_scalar_run(logdir, run, values) for run, values in (("a", [1.0, 2.0, 3.0]), ("b", [4.0, 5.0, 6.0]),
                                                                  ("c", [7.0])))
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    assert _by_run(lg.scalars()) == {"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0], "c": [7.0]}
    rewritten = tbx_scalar_run(tmp_path / "other", "a", [1.0, 2.0, 9.0]).read_bytes()
    assert len(rewritten) == os.path.getsize(a)
    a.write_bytes(rewritten)  # same inode, same size, other content
    os.utime(a, ns=(0, os.stat(a).st_mtime_ns + 10**9))  # a later mtime, as any rewrite gets
    os.truncate(b, records(b)[2][0] + 3)
    os.remove(c)
    lg.refresh()
    assert _by_run(lg.scalars()) == {"a": [1.0, 2.0, 9.0], "b": [4.0]}
    assert lg.runs() == ["a", "b"]
    assert lg.problems()[["path", "kind"]].values.tolist() == [[str(logdir / "c"), "vanished"], [str(b), "truncated"]]
    shutil.rmtree(logdir / "b")
    assert lg.refresh().runs() == ["a"]
    assert lg.problems()[["path", "kind"]].values.tolist() == [[str(logdir / "b"), "vanished"]]  # told once
    assert lg.refresh().problems().empty


def test_bad_input_file_vanishing_between_discovery_and_read_is_a_problem(tmp_path):
    logdir = tmp_path / "logs"
    gone = tbx_scalar_run(logdir, "gone", [1.0])
    tbx_scalar_run(logdir, "kept", [2.0])
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    os.remove(gone)
    assert _by_run(lg.scalars()) == {"kept": [2.0]}
    ((path, kind, message),) = lg.problems()[["path", "kind", "message"]].values.tolist()
    assert (path, kind) == (str(gone), "unreadable_file") and "No such file" in message


def test_bad_input_event_file_and_its_cache_both_gone_leave_the_run_empty(tmp_path):
    logdir = tmp_path / "logs"
    gone = tbx_scalar_run(logdir, "gone", [1.0])
    tbx_scalar_run(logdir, "kept", [2.0])
    lg = loaders.Logdir(logdir, cache_dir=tmp_path / "cache")
    lg.files()  # entries known, tables not read yet
    shutil.rmtree(tmp_path / "cache")
    os.remove(gone)
    assert _by_run(lg.scalars()) == {"kept": [2.0]}
    problems = {Path(path).parent.name: (kind, message) for path, kind, message
                in lg.problems()[["path", "kind", "message"]].values.tolist()}
    assert sorted(problems) == ["gone", "kept"] and problems["kept"][0] == "cache_rebuilt"
    kind, message = problems["gone"]
    assert kind == "unreadable_file" and "cannot be read again" in message and "left out" in message


def test_bad_input_logdir_removed_raises_logdir_not_found_on_refresh(tmp_path):
    tbx_scalar_run(tmp_path / "logs", "run", [1.0])
    lg = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert lg.scalars()["value"].tolist() == [1.0]
    shutil.rmtree(tmp_path / "logs")
    with pytest.raises(loaders.LogdirNotFound, match="logs"):
        lg.refresh()
