"""decode_chunk on logs written by PyTorch's torch.utils.tensorboard SummaryWriter."""

from __future__ import annotations

import importlib.util
import io
import math
import os
import wave

import numpy as np
import torch
from PIL import Image
from torch.utils.tensorboard import SummaryWriter

from loaders.chunk import FileChunk
from loaders.events import decode_chunk
from loaders.proto import event_pb2, graph_pb2, hparams_pb2, plugins_pb2, run_metadata_pb2, tensor_pb2
from loaders.records import scan_records
from loaders.schemas import SCHEMAS
from loaders.tensors import decode_tensor


def _decode(run_dir) -> FileChunk:
    (name,) = [name for name in os.listdir(run_dir) if "tfevents" in name]
    chunk = decode_chunk(scan_records(os.path.join(run_dir, name)))
    for kind, table in chunk.tables.items():
        assert table.schema == SCHEMAS[kind], kind
    return chunk


def _rows(chunk: FileChunk, kind: str) -> list[dict[str, object]]:
    return chunk.tables[kind].to_pylist()


def test_torch_add_scalar_legacy_new_style_and_double(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        for step, value in enumerate([0.1, math.nan, -math.inf]):
            writer.add_scalar("legacy", value, step)
            writer.add_scalar("new", value, step, new_style=True)
            writer.add_scalar("double", value, step, new_style=True, double_precision=True)
    chunk = _decode(tmp_path)
    values: dict[str, list[float]] = {}
    for row in _rows(chunk, "scalars"):
        values.setdefault(row["tag"], []).append(row["value"])
    float32 = np.array([0.1, math.nan, -math.inf], dtype=np.float32).astype(np.float64)
    np.testing.assert_array_equal(values["legacy"], float32)
    np.testing.assert_array_equal(values["new"], float32)
    np.testing.assert_array_equal(values["double"], [0.1, math.nan, -math.inf])  # full double precision
    assert {tag: info.plugin for tag, info in chunk.tags.items()} == {"legacy": "scalars", "new": "scalars", "double": "scalars"}
    assert "tensors" not in chunk.tables and not chunk.problems


def test_torch_add_scalars_sub_runs(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalars("metrics", {"a": 1.5, "b": -2.0}, 7)
    assert [(r["tag"], r["step"], r["value"]) for r in _rows(_decode(tmp_path / "metrics_a"), "scalars")] == [("metrics", 7, 1.5)]
    assert [r["value"] for r in _rows(_decode(tmp_path / "metrics_b"), "scalars")] == [-2.0]


def test_torch_add_histogram_and_raw(tmp_path):
    values = np.random.default_rng(0).normal(size=300)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_histogram("w", torch.from_numpy(values), 1)
        writer.add_histogram("w10", values, 1, bins=10)
        writer.add_histogram_raw("raw", min=0, max=2, num=3, sum=3, sum_squares=5, bucket_limits=[1, 2],
                                 bucket_counts=[1, 2], global_step=2)
    rows = {row["tag"]: row for row in _rows(_decode(tmp_path), "histograms")}
    assert rows["w"]["num"] == 300 and sum(rows["w"]["bucket"]) == 300
    assert rows["w"]["min"] == values.min() and rows["w"]["max"] == values.max()
    counts, _ = np.histogram(values, bins=10)
    assert sum(rows["w10"]["bucket"]) == 300 and [c for c in rows["w10"]["bucket"] if c] == [c for c in counts if c]
    assert (rows["raw"]["bucket_limit"], rows["raw"]["bucket"], rows["raw"]["sum_squares"]) == ([1.0, 2.0], [1.0, 2.0], 5.0)


def test_torch_add_image_and_images(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_image("chw", torch.rand(3, 5, 7), 0)
        writer.add_image("hwc", np.random.default_rng(1).random((5, 7, 3)), 0, dataformats="HWC")
        writer.add_images("batch", torch.rand(2, 1, 4, 4), 0)
    rows = {row["tag"]: row for row in _rows(_decode(tmp_path), "images")}
    for tag in ("chw", "hwc"):
        assert (rows[tag]["width"], rows[tag]["height"], rows[tag]["content_type"]) == (7, 5, "image/png")
        assert Image.open(io.BytesIO(rows[tag]["data"])).size == (7, 5)
    assert rows["batch"]["content_type"] == "image/png" and rows["batch"]["index"] == 0


def test_torch_add_audio_legacy_wav(tmp_path):
    clip = torch.sin(torch.linspace(0, 100, 800)) * 0.5
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_audio("tone", clip, 3, sample_rate=8000)
    chunk = _decode(tmp_path)
    (row,) = _rows(chunk, "audio")
    assert (row["index"], row["sample_rate"], row["channels"], row["frames"]) == (0, 8000.0, 1, 800)
    assert (row["content_type"], row["label"]) == ("audio/wav", "")
    with wave.open(io.BytesIO(row["data"])) as reader:
        assert (reader.getframerate(), reader.getnframes()) == (8000, 800)
    assert chunk.tags["tone"].plugin == "audio"


def test_torch_add_video_needs_moviepy(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_video("clip", torch.rand(1, 3, 3, 8, 8), 0)
    chunk = _decode(tmp_path)
    if importlib.util.find_spec("moviepy") is not None:
        assert _rows(chunk, "images")[0]["content_type"] == "image/gif"
    else:
        # The writer prints "add_video needs package moviepy" and writes an empty value.
        assert [(r["tag"], r["dtype"]) for r in _rows(chunk, "tensors")] == [("clip", "invalid")]
        assert [p.kind for p in chunk.problems] == ["empty_value"]


def test_torch_add_text(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_text("md", "| a | b |\n|---|---|\n| 1 | 2 |", 0)
    (row,) = _rows(_decode(tmp_path), "text")
    assert (row["tag"], row["value"], row["shape"]) == ("md/text_summary", "| a | b |\n|---|---|\n| 1 | 2 |", [1])


def test_torch_add_pr_curve(tmp_path):
    labels = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    predictions = np.array([0.9, 0.1, 0.8, 0.4, 0.6, 0.2, 0.7, 0.3])
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_pr_curve("pr", labels, predictions, 0, num_thresholds=5)
    chunk = _decode(tmp_path)
    (row,) = _rows(chunk, "pr_curves")
    assert row["threshold"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    # At threshold 0 every example is predicted positive: TP = 4 positives, FP = 4 negatives.
    assert (row["tp"][0], row["fp"][0], row["tn"][0], row["fn"][0]) == (4.0, 4.0, 0.0, 0.0)
    assert row["recall"][0] == 1.0 and not chunk.problems


def test_torch_add_tensor_half_and_bfloat16_float32_bits(tmp_path):
    # PyTorch's add_tensor puts each value's float32 bit pattern in half_val (TF puts 16-bit patterns).
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_tensor("half", torch.tensor([1.5, -2.0, 0.0], dtype=torch.float16), 0)
        writer.add_tensor("bf16", torch.tensor([[3.0, -0.5]], dtype=torch.bfloat16), 0)
        writer.add_tensor("ints", torch.tensor([1, 2, 3], dtype=torch.int16), 0)
    rows = {row["tag"]: row for row in _rows(_decode(tmp_path), "tensors")}
    assert {row["plugin"] for row in rows.values()} == {"tensor"}
    assert [(rows[t]["dtype"], rows[t]["shape"]) for t in ("half", "bf16", "ints")] == [
        ("float16", [3]), ("bfloat16", [1, 2]), ("int16", [3])]
    half = decode_tensor(tensor_pb2.TensorProto.FromString(rows["half"]["data"]))
    assert half.dtype == np.float16 and half.tolist() == [1.5, -2.0, 0.0]
    assert decode_tensor(tensor_pb2.TensorProto.FromString(rows["bf16"]["data"])).tolist() == [[3.0, -0.5]]
    assert decode_tensor(tensor_pb2.TensorProto.FromString(rows["ints"]["data"])).tolist() == [1, 2, 3]


def test_torch_add_graph_writes_graph_def_and_run_metadata(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(model, torch.zeros(1, 4))
    rows = _rows(_decode(tmp_path), "graphs")
    assert [(row["tag"], row["kind"]) for row in rows] == [("__run_graph__", "graph_def"), ("step1", "run_metadata")]
    graph = graph_pb2.GraphDef.FromString(rows[0]["data"])
    ops = {node.op for node in graph.node}
    assert "aten::linear" in ops and "aten::relu" in ops
    run_metadata_pb2.RunMetadata.FromString(rows[1]["data"])  # parses


def test_torch_add_hparams_sub_run(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.1, "layers": 3, "act": "relu"}, {"hparam/loss": 0.25}, run_name="trial")
    chunk = _decode(tmp_path / "trial")
    rows = {row["kind"]: row for row in _rows(chunk, "hparams")}
    assert sorted(rows) == ["experiment", "session_end", "session_start"]
    start = hparams_pb2.HParamsPluginData.FromString(rows["session_start"]["data"]).session_start_info
    assert dict((k, v.WhichOneof("kind")) for k, v in start.hparams.items()) == {
        "lr": "number_value", "layers": "number_value", "act": "string_value"}
    assert start.hparams["layers"].number_value == 3.0
    assert [(row["tag"], row["value"]) for row in _rows(chunk, "scalars")] == [("hparam/loss", 0.25)]
    assert chunk.tags["_hparams_/experiment"].plugin == "hparams"


def test_torch_add_mesh_and_custom_scalars(tmp_path):
    vertices = torch.tensor([[[1.0, 1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]])
    colors = torch.tensor([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=torch.int32)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_mesh("pc", vertices=vertices, colors=colors, global_step=1)
        writer.add_custom_scalars({"Cat": {"losses": ["Multiline", ["loss/.*"]]}})
    chunk = _decode(tmp_path)
    rows = {row["tag"]: row for row in _rows(chunk, "tensors")}
    mesh = [tag for tag, row in rows.items() if row["plugin"] == "mesh"]
    assert len(mesh) == 2
    decoded = [decode_tensor(tensor_pb2.TensorProto.FromString(rows[tag]["data"])) for tag in mesh]
    assert any(np.array_equal(array, vertices.numpy()) for array in decoded)
    layout = plugins_pb2.Layout.FromString(
        decode_tensor(tensor_pb2.TensorProto.FromString(rows["custom_scalars__config__"]["data"])).item())
    assert list(layout.category[0].chart[0].multiline.tag) == ["loss/.*"]


def test_torch_add_embedding_writes_projector_files(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_embedding(torch.randn(4, 3), metadata=["w", "x", "y", "z"], global_step=2, tag="emb")
    chunk = _decode(tmp_path)
    assert chunk.tables == {}
    assert (tmp_path / "projector_config.pbtxt").exists()
    assert (tmp_path / "00002" / "emb" / "metadata.tsv").read_text().split() == ["w", "x", "y", "z"]


def test_torch_purge_step_writes_a_session_start(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("a", 1.0, 0)
    with SummaryWriter(str(tmp_path), purge_step=2, filename_suffix=".second") as writer:
        writer.add_scalar("a", 2.0, 2)
    (second,) = [name for name in os.listdir(tmp_path) if name.endswith(".second")]
    scan = scan_records(str(tmp_path / second))
    chunk = decode_chunk(scan)
    ((offset, step),) = chunk.restarts
    assert step == 2
    record = [scan.record_offset(i) for i in range(len(scan))].index(offset)
    assert event_pb2.Event.FromString(scan.payload(record)).session_log.status == event_pb2.SessionLog.START
