"""decode_chunk and resolve_tensors on hand-made events: every TF2 encoding, metadata rules, bad input."""

from __future__ import annotations

import io
import math
import struct
import wave

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from loaders.chunk import TagInfo
from loaders.events import decode_chunk, resolve_tensors
from loaders.proto import event_pb2, hparams_pb2, plugins_pb2, summary_pb2, tensor_pb2
from loaders.records import frame, scan_records
from loaders.schemas import SCHEMAS
from loaders.tensors import decode_tensor

DT = tensor_pb2.DataType


def _tensor(dtype: int, shape: list[int], **values: object) -> tensor_pb2.TensorProto:
    dims = [tensor_pb2.TensorShapeProto.Dim(size=size) for size in shape]
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=tensor_pb2.TensorShapeProto(dim=dims), **values)


def _value(tag: str, tensor: tensor_pb2.TensorProto | None = None, plugin: str | None = None,
           content: bytes = b"", **legacy: object) -> summary_pb2.Summary.Value:
    value = summary_pb2.Summary.Value(tag=tag, **legacy)
    if tensor is not None:
        value.tensor.CopyFrom(tensor)
    if plugin is not None:
        value.metadata.plugin_data.plugin_name = plugin
        value.metadata.plugin_data.content = content
    return value


def _event(step: int, *values: summary_pb2.Summary.Value, wall_time: float = 100.0) -> event_pb2.Event:
    return event_pb2.Event(step=step, wall_time=wall_time + step, summary=summary_pb2.Summary(value=values))


def _write(tmp_path, *events: event_pb2.Event | bytes, name: str = "events.out.tfevents.1.host") -> str:
    path = str(tmp_path / name)
    with open(path, "wb") as handle:
        handle.write(frame(event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString()))
        for event in events:
            handle.write(frame(event if isinstance(event, bytes) else event.SerializeToString()))
    return path


def _decode(tmp_path, *events: event_pb2.Event | bytes, known: dict[str, TagInfo] | None = None):
    chunk = decode_chunk(scan_records(_write(tmp_path, *events)), known)
    for kind, table in chunk.tables.items():
        assert table.schema == SCHEMAS[kind], kind
    return chunk


def _rows(chunk, kind: str) -> list[dict[str, object]]:
    return chunk.tables[kind].to_pylist()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (255, 0, 0)).save(out, format="PNG")
    return out.getvalue()


def _wav(frames: int, rate: int = 8000, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x01" * frames * channels)
    return out.getvalue()


def test_decode_chunk_scalars_from_every_encoding(tmp_path):
    half = np.array([0.5], dtype=np.float16).view(np.uint16)[0]
    bf16 = int(np.array([-2.5], dtype=np.float32).view(np.uint32)[0] >> 16)
    values = [
        _value("legacy", simple_value=1.25),
        _value("f32_list", _tensor(DT.DT_FLOAT, [], float_val=[2.5]), "scalars"),
        _value("f32_content", _tensor(DT.DT_FLOAT, [], tensor_content=struct.pack("<f", 3.5)), "scalars"),
        _value("f64", _tensor(DT.DT_DOUBLE, [], double_val=[0.1]), "scalars"),
        _value("f64_content", _tensor(DT.DT_DOUBLE, [1], tensor_content=struct.pack("<d", 1e300)), "scalars"),
        _value("half", _tensor(DT.DT_HALF, [], half_val=[int(half)]), "scalars"),
        _value("bf16", _tensor(DT.DT_BFLOAT16, [], half_val=[bf16]), "scalars"),
        _value("int64", _tensor(DT.DT_INT64, [1, 1], int64_val=[-7]), "scalars"),
        _value("bool", _tensor(DT.DT_BOOL, [], bool_val=[True]), "scalars"),
        _value("nan", simple_value=math.nan),
        _value("inf", _tensor(DT.DT_FLOAT, [], float_val=[-math.inf]), "scalars"),
    ]
    chunk = _decode(tmp_path, _event(3, *values))
    got = {row["tag"]: row["value"] for row in _rows(chunk, "scalars")}
    assert got == {"legacy": 1.25, "f32_list": 2.5, "f32_content": 3.5, "f64": 0.1, "f64_content": 1e300,
                   "half": 0.5, "bf16": -2.5, "int64": -7.0, "bool": 1.0, "nan": pytest.approx(math.nan, nan_ok=True),
                   "inf": -math.inf}
    assert not chunk.problems
    assert {tag: info.plugin for tag, info in chunk.tags.items()} == {row: "scalars" for row in got}
    assert chunk.tags["legacy"].data_class == summary_pb2.DATA_CLASS_SCALAR


def test_decode_chunk_rows_carry_step_wall_time_and_record_offset(tmp_path):
    path = _write(tmp_path, *[_event(step, _value("loss", simple_value=float(step))) for step in range(3)])
    scan = scan_records(path)
    chunk = decode_chunk(scan)
    table = chunk.tables["scalars"]
    assert table.column("step").to_pylist() == [0, 1, 2]
    assert table.column("wall_time").to_pylist() == [100.0, 101.0, 102.0]
    assert table.column("_offset").to_pylist() == [scan.record_offset(i) for i in (1, 2, 3)]
    assert chunk.file_version == "brain.Event:2"
    assert (chunk.start, chunk.end_offset, chunk.num_records) == (0, scan.end_offset, 4)


def test_decode_chunk_bad_event_is_a_problem_and_the_rest_is_read(tmp_path):
    path = _write(tmp_path, _event(1, _value("a", simple_value=1.0)), b"\xff\xff\xff\xff\xff",
                  _event(2, _value("a", simple_value=2.0)))
    scan = scan_records(path)
    chunk = decode_chunk(scan)
    assert _rows(chunk, "scalars")[1]["value"] == 2.0 and len(_rows(chunk, "scalars")) == 2
    (problem,) = chunk.problems
    assert problem.kind == "bad_event" and problem.offset == scan.record_offset(2)
    assert path in problem.message and f"byte {scan.record_offset(2)}" in problem.message


def test_decode_chunk_copies_scan_problems_and_truncation(tmp_path):
    path = _write(tmp_path, _event(1, _value("a", simple_value=1.0)), _event(2, _value("a", simple_value=2.0)))
    data = open(path, "rb").read()
    with open(path, "wb") as handle:
        handle.write(data[:-5])
    scan = scan_records(path)
    chunk = decode_chunk(scan)
    assert chunk.truncated and not chunk.stopped
    assert chunk.end_offset == scan.end_offset < len(data)
    assert [p.kind for p in chunk.problems] == ["truncated"]
    assert len(_rows(chunk, "scalars")) == 1


def test_decode_chunk_restarts_and_graph_events(tmp_path):
    start = event_pb2.Event(step=5, wall_time=9.0, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START))
    stop = event_pb2.Event(step=6, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.STOP))
    graph = event_pb2.Event(step=0, wall_time=3.0, graph_def=b"graph-bytes")
    meta = event_pb2.Event(meta_graph_def=b"meta-bytes")
    tagged = event_pb2.Event(step=7, tagged_run_metadata=event_pb2.TaggedRunMetadata(tag="step7", run_metadata=b"rm"))
    path = _write(tmp_path, start, graph, meta, tagged, stop)
    scan = scan_records(path)
    chunk = decode_chunk(scan)
    assert chunk.restarts == [(scan.record_offset(1), 5)]
    rows = [(r["tag"], r["step"], r["kind"], r["data"]) for r in _rows(chunk, "graphs")]
    assert rows == [("__run_graph__", 0, "graph_def", b"graph-bytes"), ("__meta_graph__", 0, "meta_graph_def", b"meta-bytes"),
                    ("step7", 7, "run_metadata", b"rm")]
    assert chunk.tags["step7"].plugin == "graphs"


def test_decode_chunk_first_metadata_wins(tmp_path):
    first = _value("x", _tensor(DT.DT_FLOAT, [], float_val=[1.0]), "scalars")
    later = _value("x", _tensor(DT.DT_DOUBLE, [1, 3], double_val=[0, 1, 5]), "histograms")
    other = _value("y", _tensor(DT.DT_STRING, [], string_val=[b"hi"]), "my_plugin")
    other_later = _value("y", _tensor(DT.DT_FLOAT, [], float_val=[4.0]), "scalars")
    chunk = _decode(tmp_path, _event(1, first, other), _event(2, later, other_later))
    assert chunk.tags["x"].plugin == "scalars" and chunk.tags["y"].plugin == "my_plugin"
    assert "histograms" not in chunk.tables
    assert [r["value"] for r in _rows(chunk, "scalars")] == [1.0]
    tensors = [(r["tag"], r["step"], r["plugin"], r["dtype"], r["shape"]) for r in _rows(chunk, "tensors")]
    assert tensors == [("y", 1, "my_plugin", "string", []), ("x", 2, "scalars", "float64", [1, 3]),
                       ("y", 2, "my_plugin", "float32", [])]
    (problem,) = chunk.problems
    assert problem.kind == "bad_value" and "'x'" in problem.message and "step 2" in problem.message


def test_decode_chunk_known_tags_decide_the_plugin_and_are_not_repeated(tmp_path):
    known = {"notes": TagInfo("notes", "text", offset=40)}
    chunk = _decode(tmp_path, _event(4, _value("notes", _tensor(DT.DT_STRING, [], string_val=[b"later chunk"]))),
                    known=known)
    assert _rows(chunk, "text")[0]["value"] == "later chunk"
    assert chunk.tags == {}
    assert known == {"notes": TagInfo("notes", "text", offset=40)}


def test_decode_chunk_tensor_without_metadata_keeps_plugin_empty(tmp_path):
    tensor = _tensor(DT.DT_FLOAT, [], float_val=[0.75])
    chunk = _decode(tmp_path, _event(1, _value("orphan", tensor)))
    (row,) = _rows(chunk, "tensors")
    assert (row["plugin"], row["dtype"], row["shape"]) == ("", "float32", [])
    assert tensor_pb2.TensorProto.FromString(row["data"]) == tensor
    assert chunk.tags == {} and not chunk.problems


def test_resolve_tensors_decodes_rows_whose_plugin_became_known(tmp_path):
    values = [_value("s", _tensor(DT.DT_FLOAT, [], float_val=[0.75])),
              _value("m", _tensor(DT.DT_FLOAT, [1, 1, 3], float_val=[1, 2, 3])),
              _value("bad", _tensor(DT.DT_FLOAT, [2], float_val=[1, 2])),
              _value("still", _tensor(DT.DT_INT32, [], int_val=[3]))]
    chunk = _decode(tmp_path, _event(8, *values), _event(9, values[0]))
    tags = {"s": TagInfo("s", "scalars"), "m": TagInfo("m", "mesh"), "bad": TagInfo("bad", "scalars")}
    problems: list = []
    resolved = resolve_tensors(chunk.tables["tensors"], tags, path="f", problems=problems)
    assert sorted(resolved) == ["scalars", "tensors"]
    assert resolved["scalars"].schema == SCHEMAS["scalars"]
    assert [(r["step"], r["value"]) for r in resolved["scalars"].to_pylist()] == [(8, 0.75), (9, 0.75)]
    left = [(r["tag"], r["plugin"]) for r in resolved["tensors"].to_pylist()]
    assert left == [("m", "mesh"), ("bad", "scalars"), ("still", "")]
    assert [p.kind for p in problems] == ["bad_value"] and "'bad'" in problems[0].message


def test_resolve_tensors_without_known_plugins_returns_the_table_unchanged(tmp_path):
    chunk = _decode(tmp_path, _event(1, _value("t", _tensor(DT.DT_FLOAT, [], float_val=[1.0]))))
    table = chunk.tables["tensors"]
    assert resolve_tensors(table, {})["tensors"] is table
    assert resolve_tensors(SCHEMAS["tensors"].empty_table(), {"t": TagInfo("t", "scalars")}) == {}


def test_decode_chunk_scalar_tag_with_non_scalar_tensor_goes_to_tensors(tmp_path):
    chunk = _decode(tmp_path, _event(1, _value("s", _tensor(DT.DT_FLOAT, [], float_val=[1.0]), "scalars")),
                    _event(2, _value("s", _tensor(DT.DT_FLOAT, [3], float_val=[1, 2, 3]))),
                    _event(3, _value("s", _tensor(DT.DT_STRING, [], string_val=[b"x"]))))
    assert [r["value"] for r in _rows(chunk, "scalars")] == [1.0]
    assert [(r["step"], r["plugin"], r["shape"]) for r in _rows(chunk, "tensors")] == [(2, "scalars", [3]), (3, "scalars", [])]
    assert [p.kind for p in chunk.problems] == ["bad_value", "bad_value"]
    assert "shape [3]" in chunk.problems[0].message


def test_decode_chunk_tf2_histograms(tmp_path):
    edges = _tensor(DT.DT_DOUBLE, [2, 3], tensor_content=np.array([[0, 1, 3], [1, 2.5, 5]], dtype=np.float64).tobytes())
    empty = _tensor(DT.DT_DOUBLE, [0, 3])
    chunk = _decode(tmp_path, _event(1, _value("h", edges, "histograms")), _event(2, _value("h", empty)))
    full, none = _rows(chunk, "histograms")
    assert (full["min"], full["max"], full["num"], full["bucket_limit"], full["bucket"]) == (0.0, 2.5, 8.0, [1.0, 2.5], [3.0, 5.0])
    assert math.isnan(full["sum"]) and math.isnan(full["sum_squares"])
    assert none["num"] == 0.0 and none["bucket"] == [] and math.isnan(none["min"]) and math.isnan(none["max"])


def test_decode_chunk_tf2_images_one_row_per_image(tmp_path):
    images = [_png(4, 3), b"\xff\xd8\xff\xe0jpeg"]
    tensor = _tensor(DT.DT_STRING, [4], string_val=[b"4", b"3", *images])
    content = plugins_pb2.ImagePluginData(version=0).SerializeToString()
    chunk = _decode(tmp_path, _event(6, _value("img", tensor, "images", content)))
    rows = [(r["index"], r["width"], r["height"], r["content_type"], r["data"]) for r in _rows(chunk, "images")]
    assert rows == [(0, 4, 3, "image/png", images[0]), (1, 4, 3, "image/jpeg", images[1])]


def test_decode_chunk_tf2_audio_reads_wav_header(tmp_path):
    clips = [_wav(100, rate=8000), _wav(30, rate=16000, channels=2)]
    tensor = _tensor(DT.DT_STRING, [2, 2], string_val=[clips[0], b"first", clips[1], b""])
    chunk = _decode(tmp_path, _event(2, _value("snd", tensor, "audio")))
    rows = [(r["index"], r["sample_rate"], r["channels"], r["frames"], r["content_type"], r["label"]) for r in _rows(chunk, "audio")]
    assert rows == [(0, 8000.0, 1, 100, "audio/wav", "first"), (1, 16000.0, 2, 30, "audio/wav", "")]
    assert _rows(chunk, "audio")[1]["data"] == clips[1]


def test_decode_chunk_text_of_any_rank(tmp_path):
    scalar = _tensor(DT.DT_STRING, [], string_val=[b"# Title\n<b>x</b>"])
    table = _tensor(DT.DT_STRING, [2, 2], string_val=[b"a", b"b", b"c", b"\xff"])
    chunk = _decode(tmp_path, _event(1, _value("t", scalar, "text")), _event(2, _value("t", table)))
    first, second = _rows(chunk, "text")
    assert (first["value"], first["shape"], first["values"]) == ("# Title\n<b>x</b>", [], ["# Title\n<b>x</b>"])
    assert (second["value"], second["shape"], second["values"]) == ("a\nb\nc\n\ufffd", [2, 2], ["a", "b", "c", "\ufffd"])


def test_decode_chunk_pr_curve_threshold_disagreement_is_a_problem(tmp_path):
    data = np.arange(18, dtype=np.float32).reshape(6, 3)
    content = plugins_pb2.PrCurvePluginData(num_thresholds=5).SerializeToString()
    chunk = _decode(tmp_path, _event(1, _value("pr", _tensor(DT.DT_FLOAT, [6, 3], float_val=data.ravel().tolist()),
                                               "pr_curves", content)))
    (row,) = _rows(chunk, "pr_curves")
    assert row["threshold"] == [0.0, 0.5, 1.0]
    assert row["tp"] == [0.0, 1.0, 2.0] and row["recall"] == [15.0, 16.0, 17.0]
    (problem,) = chunk.problems
    assert problem.kind == "pr_curve_thresholds" and "declares 5 thresholds" in problem.message


def test_decode_chunk_hparams_read_content_of_every_value(tmp_path):
    start = hparams_pb2.HParamsPluginData(session_start_info=hparams_pb2.SessionStartInfo(group_name="g"))
    end = hparams_pb2.HParamsPluginData(session_end_info=hparams_pb2.SessionEndInfo(status=1))
    experiment = hparams_pb2.HParamsPluginData(experiment=hparams_pb2.Experiment(name="exp"))
    values = [_value("_hparams_/experiment", None, "hparams", experiment.SerializeToString()),
              _value("_hparams_/session_start_info", None, "hparams", start.SerializeToString()),
              _value("_hparams_/session_end_info", None, "hparams", end.SerializeToString())]
    # The same tag again with new content: the content of each value counts, not the first one.
    again = _value("_hparams_/session_end_info", None, "hparams",
                   hparams_pb2.HParamsPluginData(session_end_info=hparams_pb2.SessionEndInfo(status=2)).SerializeToString())
    chunk = _decode(tmp_path, _event(0, *values), _event(1, again), _event(2, _value("_hparams_/experiment", None, "hparams", b"\x12\x03bad")))
    rows = [(r["tag"], r["kind"], r["data"]) for r in _rows(chunk, "hparams")]
    assert rows == [("_hparams_/experiment", "experiment", experiment.SerializeToString()),
                    ("_hparams_/session_start_info", "session_start", start.SerializeToString()),
                    ("_hparams_/session_end_info", "session_end", end.SerializeToString()),
                    ("_hparams_/session_end_info", "session_end", again.metadata.plugin_data.content)]
    assert [(r["tag"], r["plugin"]) for r in _rows(chunk, "tensors")] == [("_hparams_/experiment", "hparams")]
    assert [p.kind for p in chunk.problems] == ["bad_value"]


def test_decode_chunk_graph_plugins_become_graphs_rows(tmp_path):
    keras = _tensor(DT.DT_STRING, [], string_val=[b'{"class_name": "Sequential"}'])
    traced = _tensor(DT.DT_STRING, [], string_val=[b"run-metadata"])
    chunk = _decode(tmp_path, _event(0, _value("keras", keras, "graph_keras_model")),
                    _event(1, _value("trace", traced, "graph_run_metadata_graph")),
                    _event(2, _value("rm", traced, "graph_run_metadata")))
    rows = [(r["tag"], r["kind"], r["data"]) for r in _rows(chunk, "graphs")]
    assert rows == [("keras", "keras_model", b'{"class_name": "Sequential"}'), ("trace", "run_metadata_graph", b"run-metadata"),
                    ("rm", "run_metadata", b"run-metadata")]


def test_decode_chunk_obsolete_histogram_and_unknown_plugins_land_in_tensors(tmp_path):
    layout = plugins_pb2.Layout(category=[plugins_pb2.Category(title="c")]).SerializeToString()
    chunk = _decode(tmp_path, _event(1, _value("old", obsolete_old_style_histogram=b"old-bytes"),
                                     _value("custom_scalars__config__", _tensor(DT.DT_STRING, [], string_val=[layout]),
                                            "custom_scalars")))
    old, custom = _rows(chunk, "tensors")
    assert (old["plugin"], old["dtype"]) == ("obsolete_old_style_histogram", "string")
    assert decode_tensor(tensor_pb2.TensorProto.FromString(old["data"])).item() == b"old-bytes"
    assert custom["plugin"] == "custom_scalars"
    assert decode_tensor(tensor_pb2.TensorProto.FromString(custom["data"])).item() == layout


def test_decode_chunk_legacy_value_under_other_plugin_is_reported_once(tmp_path):
    text = _value("t", _tensor(DT.DT_STRING, [], string_val=[b"x"]), "text")
    chunk = _decode(tmp_path, _event(1, text), _event(2, _value("t", simple_value=2.0)), _event(3, _value("t", simple_value=3.0)))
    assert [r["value"] for r in _rows(chunk, "scalars")] == [2.0, 3.0]
    assert [p.kind for p in chunk.problems] == ["plugin_mismatch"]
    assert chunk.tags["t"].plugin == "text"


def test_decode_chunk_legacy_metadata_keeps_display_name_with_implied_plugin(tmp_path):
    value = _value("acc", simple_value=0.5)
    value.metadata.display_name = "Accuracy"
    value.metadata.summary_description = "top-1"
    chunk = _decode(tmp_path, _event(1, value))
    info = chunk.tags["acc"]
    assert (info.plugin, info.display_name, info.description) == ("scalars", "Accuracy", "top-1")


def test_decode_chunk_tables_are_built_as_arrow(tmp_path):
    chunk = _decode(tmp_path, _event(1, _value("a", simple_value=1.0), _value("h", histo=summary_pb2.HistogramProto(
        min=0, max=1, num=2, sum=1, sum_squares=1, bucket_limit=[1.0], bucket=[2.0]))))
    assert isinstance(chunk.tables["histograms"], pa.Table)
    (row,) = _rows(chunk, "histograms")
    assert (row["num"], row["sum"], row["bucket_limit"], row["bucket"]) == (2.0, 1.0, [1.0], [2.0])
    assert chunk.tags["h"].plugin == "histograms"
