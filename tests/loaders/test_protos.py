"""The checked-in *_pb2.py files are exactly what `make protos` generates from the .proto files."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_protos_regeneration_changes_nothing(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "tools" / "regen_protos.py"), str(tmp_path)], check=True)
    generated = sorted((tmp_path / "loaders" / "proto").glob("*_pb2.py"))
    checked_in = sorted((ROOT / "loaders" / "proto").glob("*_pb2.py"))
    assert [p.name for p in generated] == [p.name for p in checked_in] and generated
    for new, old in zip(generated, checked_in):
        assert new.read_text() == old.read_text(), f"{old} is stale: run `make protos`"


def test_protos_decode_a_tensorboardx_event(tmp_path):
    from tensorboardX import SummaryWriter

    from loaders.proto import event_pb2
    from loaders.records import scan_records

    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("loss", 0.5, 7)
    (path,) = tmp_path.glob("*tfevents*")
    scan = scan_records(str(path))
    events = [event_pb2.Event.FromString(scan.payload(i)) for i in range(len(scan))]
    assert events[0].file_version == "brain.Event:2"
    value = events[1].summary.value[0]
    assert (events[1].step, value.tag, value.simple_value) == (7, "loss", 0.5)
