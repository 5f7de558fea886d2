"""Values that do not fit their tag's plugin: kept as tensors with a problem, and never break their file or reader.

Written with raw protobufs (no writer produces these): a scalar tag holding a vector, a text tag
holding a float, an image whose width does not fit the table's int32 column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import loaders
from loaders.proto.event_pb2 import Event
from loaders.proto.summary_pb2 import Summary
from loaders.records import frame
from tests.eventfiles import plugin_tensor_value

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def _write(path: Path, values: list[Summary.Value]) -> list[int]:
    """Write one event per value (steps 0..) after a file_version event; return each event's record offset."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data, offsets = frame(Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString()), []
    for step, value in enumerate(values):
        offsets.append(len(data))
        data += frame(Event(wall_time=2.0, step=step, summary=Summary(value=[value])).SerializeToString())
    path.write_bytes(data)
    return offsets


@pytest.fixture
def lg(tmp_path: Path) -> tuple[loaders.Logdir, Path, list[int]]:
    path = tmp_path / "logs" / "run" / "events.out.tfevents.1.host"
    offsets = _write(path, [
        plugin_tensor_value("good", "scalars", [], float_val=[0.5]),
        plugin_tensor_value("vector", "scalars", [3], float_val=[1.0, 2.0, 3.0]),
        plugin_tensor_value("note", "text", [], float_val=[1.0]),
        plugin_tensor_value("wide", "images", [3], string_val=[b"99999999999", b"1", PNG]),
        plugin_tensor_value("pic", "images", [3], string_val=[b"2", b"1", PNG]),
    ])
    return loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache"), path, offsets


def test_damaged_values_tag_whose_values_all_failed_its_plugin_reads_as_no_rows(lg):
    logdir, _, _ = lg
    tags = logdir.tags().set_index("tag")["plugin"].to_dict()
    assert (tags["vector"], tags["note"], tags["wide"]) == ("scalars", "text", "images")
    assert logdir.scalars(tags=["vector"]).empty and logdir.text(tags=["note"]).empty
    assert logdir.scalars(tags=["good", "vector"])["value"].tolist() == [0.5]
    with pytest.raises(ValueError, match="unknown tags \\['nope'\\]"):
        logdir.scalars(tags=["nope"])


def test_damaged_values_are_kept_in_tensors_with_a_problem_at_their_record(lg):
    logdir, path, offsets = lg
    tensors = logdir.tensors()
    assert tensors[["tag", "plugin", "dtype"]].values.tolist() == [["vector", "scalars", "float32"],
                                                                   ["note", "text", "float32"],
                                                                   ["wide", "images", "string"]]
    problems = logdir.problems()
    assert problems[["path", "offset", "kind"]].values.tolist() == [[str(path), offset, "bad_value"]
                                                                   for offset in offsets[1:4]]
    assert "width and height must be 0..2147483647, got 99999999999 x 1" in problems["message"].iloc[2]


def test_damaged_values_an_image_too_wide_for_the_table_leaves_its_file_readable(lg):
    logdir, _, _ = lg
    images = logdir.images()
    assert images[["tag", "width", "height", "content_type"]].values.tolist() == [["pic", 2, 1, "image/png"]]
