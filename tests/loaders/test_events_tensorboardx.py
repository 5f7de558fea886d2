"""decode_chunk on logs written by tensorboardX's SummaryWriter: every add_* it offers."""

from __future__ import annotations

import importlib.util
import io
import math
import os

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image
from tbparse import SummaryReader
from tensorboardX import SummaryWriter
from tensorboardX.summary import compute_curve, make_histogram

from loaders.chunk import FileChunk
from loaders.events import decode_chunk
from loaders.proto import hparams_pb2, plugins_pb2, tensor_pb2
from loaders.records import scan_records
from loaders.schemas import SCHEMAS
from loaders.tensors import decode_tensor


def _event_file(run_dir) -> str:
    (name,) = [name for name in os.listdir(run_dir) if "tfevents" in name]
    return os.path.join(run_dir, name)


def _decode(run_dir) -> FileChunk:
    chunk = decode_chunk(scan_records(_event_file(run_dir)))
    for kind, table in chunk.tables.items():
        assert table.schema == SCHEMAS[kind], kind
    return chunk


def _rows(chunk: FileChunk, kind: str) -> list[dict[str, object]]:
    return chunk.tables[kind].to_pylist()


def test_tensorboardx_add_scalar_keeps_values_nan_and_inf(tmp_path):
    values = [0.1, math.nan, math.inf, -math.inf, 1e-8, -123456.789]
    with SummaryWriter(str(tmp_path)) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("loss", value, step * 10, walltime=1000.0 + step)
    chunk = _decode(tmp_path)
    rows = _rows(chunk, "scalars")
    assert [row["step"] for row in rows] == [0, 10, 20, 30, 40, 50]
    assert [row["wall_time"] for row in rows] == [1000.0, 1001.0, 1002.0, 1003.0, 1004.0, 1005.0]
    # simple_value is a float32 on the wire.
    np.testing.assert_array_equal([row["value"] for row in rows], np.array(values, dtype=np.float32).astype(np.float64))
    assert chunk.tags["loss"].plugin == "scalars" and chunk.file_version == "brain.Event:2"
    assert not chunk.problems


def test_tensorboardx_add_scalar_display_name_and_description(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("acc", 0.5, 0, display_name="Accuracy", summary_description="top-1 accuracy")
        writer.add_scalar("acc", 0.75, 1)
    chunk = _decode(tmp_path)
    assert [row["value"] for row in _rows(chunk, "scalars")] == [0.5, 0.75]
    info = chunk.tags["acc"]
    assert (info.plugin, info.display_name, info.description) == ("scalars", "Accuracy", "top-1 accuracy")


def test_tensorboardx_add_scalars_writes_one_sub_run_per_key(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        for step in range(3):
            writer.add_scalars("loss", {"train": 1.0 / (step + 1), "val": 2.0 + step}, step)
    train = _rows(_decode(tmp_path / "loss" / "train"), "scalars")
    val = _rows(_decode(tmp_path / "loss" / "val"), "scalars")
    assert [(row["tag"], row["step"], row["value"]) for row in val] == [("loss", 0, 2.0), ("loss", 1, 3.0), ("loss", 2, 4.0)]
    assert [row["value"] for row in train] == pytest.approx([1.0, 0.5, 1 / 3])


@pytest.mark.parametrize("bins", ["tensorflow", "auto", 10])
def test_tensorboardx_add_histogram_bins(tmp_path, bins):
    values = np.random.default_rng(0).normal(size=500)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_histogram("weights", values, 3, bins=bins)
        expected = make_histogram(values.astype(float), writer.default_bins if bins == "tensorflow" else bins)
    (row,) = _rows(_decode(tmp_path), "histograms")
    assert row["step"] == 3
    assert row["num"] == 500 and sum(row["bucket"]) == 500
    assert row["min"] == values.min() and row["max"] == values.max()
    assert row["sum"] == pytest.approx(values.sum()) and row["sum_squares"] == pytest.approx((values**2).sum())
    assert row["bucket_limit"] == list(expected.bucket_limit) and row["bucket"] == list(expected.bucket)


def test_tensorboardx_add_histogram_of_constant_values(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_histogram("const", np.full(20, 3.0), 0)
    (row,) = _rows(_decode(tmp_path), "histograms")
    assert (row["min"], row["max"], row["num"], row["sum"], row["sum_squares"]) == (3.0, 3.0, 20.0, 60.0, 180.0)
    assert sum(row["bucket"]) == 20


def test_tensorboardx_add_histogram_rejects_empty_input_itself(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(ValueError, match="no element"):
        writer.add_histogram("empty", np.array([]), 0)
    assert "histograms" not in _decode(tmp_path).tables


def test_tensorboardx_add_histogram_raw_is_kept_as_written(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_histogram_raw("raw", min=-1.0, max=4.0, num=6, sum=7.5, sum_squares=20.25,
                                 bucket_limits=[0.0, 2.0, 4.0], bucket_counts=[1, 3, 2], global_step=5)
    (row,) = _rows(_decode(tmp_path), "histograms")
    assert row == {"tag": "raw", "step": 5, "wall_time": row["wall_time"], "min": -1.0, "max": 4.0, "num": 6.0,
                   "sum": 7.5, "sum_squares": 20.25, "bucket_limit": [0.0, 2.0, 4.0], "bucket": [1.0, 3.0, 2.0],
                   "_offset": row["_offset"]}


@pytest.mark.parametrize(("shape", "dataformats"), [((3, 6, 4), "CHW"), ((6, 4, 3), "HWC"), ((6, 4), "HW")])
def test_tensorboardx_add_image_dataformats(tmp_path, shape, dataformats):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_image("img", np.random.default_rng(1).random(shape), 2, dataformats=dataformats)
    (row,) = _rows(_decode(tmp_path), "images")
    assert (row["index"], row["width"], row["height"], row["content_type"]) == (0, 4, 6, "image/png")
    assert Image.open(io.BytesIO(row["data"])).size == (4, 6)


def test_tensorboardx_add_images_writes_one_grid_image(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_images("batch", np.zeros((4, 3, 5, 5)), 0)
    (row,) = _rows(_decode(tmp_path), "images")
    assert row["content_type"] == "image/png"
    assert Image.open(io.BytesIO(row["data"])).size == (row["width"], row["height"])


def test_tensorboardx_add_video_needs_moviepy(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_video("clip", np.random.default_rng(2).random((1, 3, 3, 8, 8)), 0)
    chunk = _decode(tmp_path)
    if importlib.util.find_spec("moviepy") is not None:
        (row,) = _rows(chunk, "images")
        assert row["content_type"] == "image/gif"
    else:
        # Without moviepy the writer logs an error and writes the value with no image at all:
        # it is kept, and reported.
        (row,) = _rows(chunk, "tensors")
        assert (row["tag"], row["plugin"], row["dtype"]) == ("clip", "", "invalid")
        assert [p.kind for p in chunk.problems] == ["empty_value"]


def test_tensorboardx_add_text_markdown_and_html(tmp_path):
    texts = ["# Title\n\n* item **bold**", "<script>alert(1)</script> & <b>x</b>", "unicode \u00e9\u4e2d"]
    with SummaryWriter(str(tmp_path)) as writer:
        for step, text in enumerate(texts):
            writer.add_text("notes", text, step)
    chunk = _decode(tmp_path)
    rows = _rows(chunk, "text")
    assert [row["value"] for row in rows] == texts
    assert [row["shape"] for row in rows] == [[1], [1], [1]]
    assert rows[2]["values"] == [texts[2]]
    # The writer appends "/text_summary" to the tag, as TensorFlow 1 did.
    assert {row["tag"] for row in rows} == {"notes/text_summary"}
    assert chunk.tags["notes/text_summary"].plugin == "text"


def test_tensorboardx_add_pr_curve(tmp_path):
    rng = np.random.default_rng(3)
    labels, predictions = rng.integers(0, 2, 100), rng.random(100)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_pr_curve("pr", labels, predictions, 1, num_thresholds=11)
    expected = compute_curve(labels, predictions, num_thresholds=11).astype(np.float32)
    chunk = _decode(tmp_path)
    (row,) = _rows(chunk, "pr_curves")
    assert row["threshold"] == pytest.approx([i / 10 for i in range(11)])
    for index, name in enumerate(("tp", "fp", "tn", "fn", "precision", "recall")):
        np.testing.assert_array_equal(row[name], expected[index])
    assert not chunk.problems


def test_tensorboardx_add_pr_curve_raw_over_127_thresholds_is_flagged(tmp_path):
    # The writer caps num_thresholds in the metadata at 127 but writes every column it is given.
    n = 200
    tp = np.linspace(50, 0, n)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_pr_curve_raw("raw", tp, np.zeros(n), np.zeros(n), 50 - tp, np.ones(n), tp / 50, 0, num_thresholds=n)
    chunk = _decode(tmp_path)
    (row,) = _rows(chunk, "pr_curves")
    assert len(row["threshold"]) == n and row["threshold"][-1] == 1.0
    np.testing.assert_allclose(row["tp"], tp.astype(np.float32))
    assert [p.kind for p in chunk.problems] == ["pr_curve_thresholds"]
    assert "127" in chunk.problems[0].message


def test_tensorboardx_add_embedding_writes_projector_files_not_events(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_embedding(np.arange(6.0).reshape(3, 2), metadata=["a", "b", "c"], global_step=0)
    chunk = _decode(tmp_path)
    assert chunk.tables == {} and chunk.num_records == 1
    assert (tmp_path / "projector_config.pbtxt").exists()
    assert (tmp_path / "00000" / "default" / "metadata.tsv").read_text().split() == ["a", "b", "c"]


def test_tensorboardx_add_mesh_goes_to_tensors(tmp_path):
    vertices = np.array([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    faces = np.array([[[0, 1, 2]]])
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_mesh("tri", vertices=vertices, faces=faces, global_step=4)
    chunk = _decode(tmp_path)
    rows = {row["tag"]: row for row in _rows(chunk, "tensors")}
    assert sorted(rows) == ["tri_1", "tri_2"]
    assert {(row["plugin"], row["dtype"], row["step"]) for row in rows.values()} == {("mesh", "float32", 4)}
    assert rows["tri_1"]["shape"] == [1, 3, 3]
    np.testing.assert_array_equal(decode_tensor(tensor_pb2.TensorProto.FromString(rows["tri_1"]["data"])), vertices)
    assert chunk.tags["tri_2"].plugin == "mesh" and chunk.tags["tri_2"].content


def test_tensorboardx_add_custom_scalars_layout(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_custom_scalars({"Losses": {"both": ["Multiline", ["loss/train", "loss/val"]],
                                              "band": ["Margin", ["acc", "acc_lo", "acc_hi"]]}})
    (row,) = _rows(_decode(tmp_path), "tensors")
    assert (row["tag"], row["plugin"], row["dtype"]) == ("custom_scalars__config__", "custom_scalars", "string")
    layout = plugins_pb2.Layout.FromString(decode_tensor(tensor_pb2.TensorProto.FromString(row["data"])).item())
    (category,) = layout.category
    charts = {chart.title: chart for chart in category.chart}
    assert category.title == "Losses"
    assert list(charts["both"].multiline.tag) == ["loss/train", "loss/val"]
    assert charts["band"].margin.series[0].upper == "acc_hi"


def test_tensorboardx_add_hparams_writes_a_sub_run(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_hparams({"lr": 0.01, "optimizer": "adam", "nesterov": True}, {"hp/accuracy": 0.875}, name="trial")
    chunk = _decode(tmp_path / "trial")
    rows = {row["kind"]: row for row in _rows(chunk, "hparams")}
    assert sorted(rows) == ["experiment", "session_end", "session_start"]
    start = hparams_pb2.HParamsPluginData.FromString(rows["session_start"]["data"]).session_start_info
    assert start.hparams["lr"].number_value == 0.01 and start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["nesterov"].bool_value is True
    experiment = hparams_pb2.HParamsPluginData.FromString(rows["experiment"]["data"]).experiment
    assert [metric.name.tag for metric in experiment.metric_infos] == ["hp/accuracy"]
    end = hparams_pb2.HParamsPluginData.FromString(rows["session_end"]["data"]).session_end_info
    assert end.status == hparams_pb2.STATUS_SUCCESS
    assert [(row["tag"], row["value"]) for row in _rows(chunk, "scalars")] == [("hp/accuracy", 0.875)]


def test_tensorboardx_scalars_match_tbparse(tmp_path):
    rng = np.random.default_rng(4)
    with SummaryWriter(str(tmp_path)) as writer:
        for step in range(50):
            writer.add_scalar("train/loss", float(rng.normal()), step)
            writer.add_scalar("train/acc", float(rng.random()), step)
    ours = _decode(tmp_path).tables["scalars"].to_pandas()
    theirs = SummaryReader(str(tmp_path)).scalars
    for tag in ("train/loss", "train/acc"):
        mine = ours[ours["tag"] == tag]
        reference = theirs[theirs["tag"] == tag].sort_values("step")
        assert mine["step"].tolist() == reference["step"].tolist()
        np.testing.assert_array_equal(mine["value"].to_numpy(), reference["value"].to_numpy(dtype=np.float64))


def test_tensorboardx_log_decoded_in_two_chunks_equals_one_pass(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        for step in range(6):
            writer.add_scalar("a", float(step), step)
            writer.add_text("t", f"step {step}", step)
            writer.add_histogram("h", np.arange(step + 2.0), step)
    path = _event_file(tmp_path)
    whole = decode_chunk(scan_records(path))
    full_scan = scan_records(path)
    middle = full_scan.record_offset(len(full_scan) // 2)
    with open(path, "rb") as handle:
        first = decode_chunk(scan_records(path, buffer=handle.read(middle)))
    second = decode_chunk(scan_records(path, first.end_offset), known=first.tags)
    assert first.end_offset == middle and not first.truncated
    assert set(first.tags).isdisjoint(second.tags)
    for kind, table in whole.tables.items():
        parts = [chunk.tables[kind] for chunk in (first, second) if kind in chunk.tables]
        assert pa.concat_tables(parts).equals(table), kind
