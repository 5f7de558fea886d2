"""EventWriter output read back by TensorBoard's own reader, tbparse and our framing; damage helpers."""

from __future__ import annotations

import io
import os
import re
import sys
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.hparams import metadata as hparams_metadata
from tensorboard.plugins.pr_curve import plugin_data_pb2 as pr_data_pb2
from tensorboard.util import tensor_util

from loaders.proto.event_pb2 import Event, SessionLog
from loaders.proto.graph_pb2 import GraphDef, NodeDef
from loaders.proto.summary_pb2 import DataClass
from loaders.records import scan_records
from loaders.writer import EventWriter
from tests import eventfiles

GUIDANCE = {ea.TENSORS: 0, ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.AUDIO: 0, ea.COMPRESSED_HISTOGRAMS: 0}


def _reload(run_dir: Path) -> ea.EventAccumulator:
    acc = ea.EventAccumulator(str(run_dir), size_guidance=GUIDANCE)
    acc.Reload()
    return acc


def _tensors(acc: ea.EventAccumulator, tag: str) -> list[np.ndarray]:
    return [tensor_util.make_ndarray(event.tensor_proto) for event in acc.Tensors(tag)]


def _events(path: str) -> list[Event]:
    scan = scan_records(path)
    assert not scan.problems
    return [Event.FromString(bytes(scan.payload(i))) for i in range(len(scan))]


def _wav(data: bytes) -> tuple[int, int, np.ndarray]:
    with wave.open(io.BytesIO(data)) as clip:
        frames = np.frombuffer(clip.readframes(clip.getnframes()), "<i2").reshape(-1, clip.getnchannels())
        return clip.getframerate(), clip.getnchannels(), frames


def test_writer_file_name_and_version_event(tmp_path: Path) -> None:
    with EventWriter(tmp_path / "run", filename_suffix=".v2", wall_time=1234.5) as writer:
        writer.add_scalar("loss", 1.0, 0)
    name = os.path.basename(writer.path)
    assert re.fullmatch(rf"events\.out\.tfevents\.0000001234\.[^.]+(\.[^.]+)*\.{os.getpid()}\.0\.v2", name)
    first = _events(writer.path)[0]
    assert (first.file_version, first.wall_time, first.step) == ("brain.Event:2", 1234.5, 0)
    second = EventWriter(tmp_path / "run", filename_suffix=".v2", wall_time=1234.5)
    second.close()
    assert second.path.endswith(".1.v2")


def test_writer_tensor_scalars_read_by_tensorboard(tmp_path: Path) -> None:
    values = [2.5, 1.25, float("nan"), float("inf"), 0.125]
    with EventWriter(tmp_path, wall_time=10.0) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("train/loss", value, step * 10, wall_time=100.0 + step)
    acc = _reload(tmp_path)
    events = acc.Tensors("train/loss")
    assert [e.step for e in events] == [0, 10, 20, 30, 40]
    assert [e.wall_time for e in events] == [100.0, 101.0, 102.0, 103.0, 104.0]
    got = np.array([float(t) for t in _tensors(acc, "train/loss")])
    np.testing.assert_array_equal(got, np.array(values, dtype=np.float32))
    meta = acc.SummaryMetadata("train/loss")
    assert (meta.plugin_data.plugin_name, meta.data_class) == ("scalars", DataClass.DATA_CLASS_SCALAR)
    assert events[0].tensor_proto.dtype == 1 and len(events[0].tensor_proto.tensor_shape.dim) == 0


def test_writer_metadata_only_on_first_value(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalar("a", step, step)
            writer.add_histogram("h", np.arange(10.0), step)
    values = [v for e in _events(writer.path)[1:] for v in e.summary.value]
    assert [(v.tag, v.HasField("metadata")) for v in values] == [
        ("a", True), ("h", True), ("a", False), ("h", False), ("a", False), ("h", False)]


def test_writer_legacy_scalars_match_tensorboardx_bytes(tmp_path: Path, tbx_writer: Callable[..., Any]) -> None:
    points = [(3, 0.5, 123.0), (4, float("nan"), 124.0), (7, -1e30, 125.5)]
    tbx = tbx_writer("tbx")
    with EventWriter(tmp_path / "ours") as writer:
        for step, value, wall in points:
            tbx.add_scalar("loss", value, step, walltime=wall)
            writer.add_scalar("loss", value, step, wall_time=wall, style="legacy")
    tbx.close()
    tbx_file = next((tmp_path / "logs" / "tbx").iterdir())
    ours, theirs = scan_records(writer.path), scan_records(str(tbx_file))
    assert [bytes(ours.payload(i)) for i in range(1, 4)] == [bytes(theirs.payload(i)) for i in range(1, 4)]
    scalars = _reload(tmp_path / "ours").Scalars("loss")
    assert [(s.step, s.wall_time) for s in scalars] == [(3, 123.0), (4, 124.0), (7, 125.5)]
    assert scalars[0].value == 0.5 and np.isnan(scalars[1].value)


def test_writer_scalars_read_by_tbparse(tmp_path: Path) -> None:
    from tbparse import SummaryReader

    with EventWriter(tmp_path / "tf2") as tf2, EventWriter(tmp_path / "legacy") as legacy:
        for step in range(5):
            tf2.add_scalar("acc", step / 8, step)
            legacy.add_scalar("acc", step / 4, step, style="legacy")
    reader = SummaryReader(str(tmp_path), extra_columns={"dir_name"})
    legacy_rows, tensor_rows = reader.scalars, reader.tensors  # tbparse keeps TF2 scalars in .tensors
    assert legacy_rows["dir_name"].unique().tolist() == ["legacy"]
    assert tensor_rows["dir_name"].unique().tolist() == ["tf2"]
    assert legacy_rows.sort_values("step")["value"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tensor_rows.sort_values("step")["value"].tolist() == [0.0, 0.125, 0.25, 0.375, 0.5]
    assert legacy_rows["tag"].unique().tolist() == tensor_rows["tag"].unique().tolist() == ["acc"]


def test_writer_tensor_histogram_matches_numpy(tmp_path: Path) -> None:
    values = np.random.default_rng(0).normal(size=1000)
    with EventWriter(tmp_path) as writer:
        writer.add_histogram("w", values, 5, bins=20)
        writer.add_histogram("same", np.full(7, 3.0), 5)
        writer.add_histogram("empty", np.array([]), 5)
    acc = _reload(tmp_path)
    (tensor,) = _tensors(acc, "w")
    counts, edges = np.histogram(values, bins=20)
    assert tensor.shape == (20, 3) and tensor.dtype == np.float64
    np.testing.assert_array_equal(tensor[:, 2], counts)
    np.testing.assert_allclose(tensor[:, 0], edges[:-1])
    assert tensor[-1, 1] == values.max()
    (same,) = _tensors(acc, "same")
    assert same.shape == (30, 3) and same[-1].tolist() == [3.0, 3.0, 7.0] and same[:-1, 2].sum() == 0
    assert _tensors(acc, "empty")[0].tolist() == np.zeros((30, 3)).tolist()
    assert acc.SummaryMetadata("w").data_class == DataClass.DATA_CLASS_TENSOR


def test_writer_legacy_histogram_uses_tf_buckets(tmp_path: Path) -> None:
    values = np.random.default_rng(1).normal(2.0, 3.0, 500)
    with EventWriter(tmp_path) as writer:
        writer.add_histogram("w", values, 1, style="legacy")
    histo = _reload(tmp_path).Histograms("w")[0].histogram_value
    assert (histo.min, histo.max, histo.num) == (values.min(), values.max(), 500)
    assert histo.sum == pytest.approx(values.sum()) and histo.sum_squares == pytest.approx((values**2).sum())
    limits, counts = np.array(histo.bucket_limit), np.array(histo.bucket)
    assert limits[-1] == sys.float_info.max and counts.sum() == 500
    assert not ((counts[1:] == 0) & (counts[:-1] == 0)).any()  # runs of empty buckets collapse to one
    lower = np.concatenate([[-np.inf], limits[:-1]])
    expected = [((values >= lo) & (values < hi)).sum() for lo, hi in zip(lower, limits)]
    np.testing.assert_array_equal(counts, expected)
    inner = np.abs(limits[np.abs(limits) < 1e20])  # TF's limits: 0 and +-1e-12 * 1.1**k
    powers = np.log(inner[inner > 0] / 1e-12) / np.log(1.1)
    np.testing.assert_allclose(powers, np.round(powers), atol=1e-6)


def test_writer_histogram_raw_and_bad_buckets(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        writer.add_histogram_raw("raw", min=0.0, max=2.0, num=3, sum=3.0, sum_squares=5.0,
                                 bucket_limit=[1.0, 2.0], bucket=[1, 2], step=4)
        with pytest.raises(ValueError, match="bucket_limit has 2 entries but bucket has 1"):
            writer.add_histogram_raw("bad", min=0, max=1, num=1, sum=1, sum_squares=1,
                                     bucket_limit=[1.0, 2.0], bucket=[1], step=0)
    histo = _reload(tmp_path).Histograms("raw")[0]
    assert histo.step == 4 and list(histo.histogram_value.bucket) == [1.0, 2.0]


def test_writer_images_decode_to_the_pixels(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    grey = rng.random((5, 4))
    batch = rng.integers(0, 256, (3, 7, 8, 4), dtype=np.uint8)
    with EventWriter(tmp_path) as writer:
        writer.add_image("rgb", rgb, 1)
        writer.add_image("grey", grey, 1, style="legacy")
        writer.add_images("batch", batch, 2)
    acc = _reload(tmp_path)
    (tensor,) = _tensors(acc, "rgb")
    assert tensor[:2].tolist() == [b"9", b"6"]
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(tensor[2]))), rgb)
    assert acc.SummaryMetadata("rgb").data_class == DataClass.DATA_CLASS_BLOB_SEQUENCE
    legacy = acc.Images("grey")[0]
    assert (legacy.width, legacy.height) == (4, 5)
    decoded = np.asarray(Image.open(io.BytesIO(legacy.encoded_image_string)))
    np.testing.assert_array_equal(decoded, np.rint(grey * 255).astype(np.uint8))
    (many,) = _tensors(acc, "batch")
    assert len(many) == 5 and many[:2].tolist() == [b"8", b"7"]
    for k in range(3):
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(many[2 + k]))), batch[k])


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_writer_image_accepts_encoded_bytes(tmp_path: Path, fmt: str) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((10, 17, 3), np.uint8)).save(buffer, format=fmt)
    with EventWriter(tmp_path) as writer:
        writer.add_image("img", buffer.getvalue(), 0)
        writer.add_image("legacy", buffer.getvalue(), 0, style="legacy")
        with pytest.raises(ValueError, match="not a PNG, GIF or JPEG"):
            writer.add_image("bad", b"not an image", 0)
    acc = _reload(tmp_path)
    assert _tensors(acc, "img")[0].tolist() == [b"17", b"10", buffer.getvalue()]
    assert acc.Images("legacy")[0].encoded_image_string == buffer.getvalue()


def test_writer_audio_wav_round_trip(tmp_path: Path) -> None:
    times = np.arange(800) / 8000.0
    clips = np.stack([np.sin(2 * np.pi * 440 * times), 0.5 * np.cos(2 * np.pi * 220 * times)])[:, :, None]
    stereo = np.stack([np.sin(2 * np.pi * 300 * times), np.full(800, 1.5)], axis=1)  # 1.5 clips to 1.0
    with EventWriter(tmp_path) as writer:
        writer.add_audio("tones", clips, 8000, 3, labels=["a4", "*a3*"])
        writer.add_audio("stereo", stereo, 8000, 3, style="legacy")
    acc = _reload(tmp_path)
    (pairs,) = _tensors(acc, "tones")
    assert pairs.shape == (2, 2) and pairs[:, 1].tolist() == [b"a4", b"*a3*"]
    rate, channels, frames = _wav(pairs[1, 0])
    assert (rate, channels, frames.shape) == (8000, 1, (800, 1))
    np.testing.assert_allclose(frames[:, 0] / 32767.0, clips[1, :, 0], atol=1 / 32767)
    legacy = acc.Audio("stereo")[0]
    assert (legacy.sample_rate, legacy.length_frames, legacy.content_type) == (8000, 800, "audio/wav")
    rate, channels, frames = _wav(legacy.encoded_audio_string)
    assert channels == 2 and frames[:, 1].tolist() == [32767] * 800
    content = acc.PluginTagToContent("audio")["tones"]
    assert content == b"\x10\x0b"  # AudioPluginData(version=0, encoding=WAV)
    assert acc.SummaryMetadata("tones").data_class == DataClass.DATA_CLASS_UNKNOWN  # as TF2 writes it


def test_writer_text_keeps_shape(tmp_path: Path) -> None:
    table = [["name", "value"], ["lr", "0.001"], ["über", "✓"]]
    with EventWriter(tmp_path) as writer:
        writer.add_text("notes", "# Title\n*markdown*", 0)
        writer.add_text("table", table, 1)
    acc = _reload(tmp_path)
    assert _tensors(acc, "notes")[0] == b"# Title\n*markdown*"
    got = _tensors(acc, "table")[0]
    assert got.shape == (3, 2) and got[2, 1].decode() == "✓" and got[2, 0].decode() == "über"
    assert acc.SummaryMetadata("table").plugin_data.plugin_name == "text"


def test_writer_pr_curve_counts_match_thresholds(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    labels = rng.random(200) < 0.4
    predictions = np.round(rng.random(200), 2) + 0.001  # never exactly on a threshold of 11
    predictions[0] = 1.0
    with EventWriter(tmp_path) as writer:
        writer.add_pr_curve("pr", labels, predictions, 7, num_thresholds=11)
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            writer.add_pr_curve("bad", [True], [1.5], 0)
    acc = _reload(tmp_path)
    (data,) = _tensors(acc, "pr")
    assert data.shape == (6, 11) and data.dtype == np.float32
    for i, threshold in enumerate(np.linspace(0, 1, 11)):
        hit = predictions >= threshold
        tp, fp = (hit & labels).sum(), (hit & ~labels).sum()
        assert data[:4, i].tolist() == [tp, fp, (~hit & ~labels).sum(), (~hit & labels).sum()]
        assert data[4, i] == pytest.approx(tp / max(tp + fp, 1e-7))
        assert data[5, i] == pytest.approx(tp / labels.sum())
    content = pr_data_pb2.PrCurvePluginData.FromString(acc.PluginTagToContent("pr_curves")["pr"])
    assert (content.version, content.num_thresholds) == (0, 11)


def test_writer_hparams_parsed_by_tensorboard(tmp_path: Path) -> None:
    with EventWriter(tmp_path, wall_time=50.0) as writer:
        writer.add_hparams({"lr": 1e-3, "optimizer": "adam", "augment": True, "layers": 3, "skip": None},
                           {"val/accuracy": 0.9}, step=9, status="failure")
        with pytest.raises(ValueError, match="already written"):
            writer.add_hparams({"lr": 1.0}, None)
    acc = _reload(tmp_path)
    contents = acc.PluginTagToContent("hparams")
    experiment = hparams_metadata.parse_experiment_plugin_data(contents["_hparams_/experiment"])
    assert [(h.name, h.type) for h in experiment.hparam_infos] == [("lr", 3), ("optimizer", 1), ("augment", 2),
                                                                   ("layers", 3)]
    assert [m.name.tag for m in experiment.metric_infos] == ["val/accuracy"]
    start = hparams_metadata.parse_session_start_info_plugin_data(contents["_hparams_/session_start_info"])
    assert start.hparams["lr"].number_value == 1e-3 and start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["augment"].bool_value is True and "skip" not in start.hparams
    end = hparams_metadata.parse_session_end_info_plugin_data(contents["_hparams_/session_end_info"])
    assert (end.status, end.end_time_secs) == (2, 50.0)  # STATUS_FAILURE
    (metric,) = acc.Tensors("val/accuracy")
    assert metric.step == 9 and float(tensor_util.make_ndarray(metric.tensor_proto)) == np.float32(0.9)


def test_writer_hparams_running_and_no_metric_scalars(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.1}, {"loss": 1.0}, experiment=False, status="running", log_metrics=False)
        with pytest.raises(ValueError, match="status must be one of"):
            writer.add_hparams({}, None, status="done")
    tags = _reload(tmp_path).Tags()["tensors"]
    assert tags == ["_hparams_/session_start_info"]


def test_writer_graph_and_custom_scalars(tmp_path: Path) -> None:
    graph = GraphDef(node=[NodeDef(name="dense/MatMul", op="MatMul", input=["x", "dense/kernel"])])
    layout = {"Losses": {"all": ["Multiline", ["loss/.*"]], "band": ["Margin", ["v", "lo", "hi"]]}}
    with EventWriter(tmp_path) as writer:
        writer.add_graph(graph)
        writer.add_custom_scalars(layout)
        with pytest.raises(ValueError, match="Margin needs"):
            writer.add_custom_scalars({"c": {"x": ["Margin", ["v"]]}})
    acc = _reload(tmp_path)
    node = acc.Graph().node[0]
    assert (node.name, node.op, list(node.input)) == ("dense/MatMul", "MatMul", ["x", "dense/kernel"])
    (raw,) = _tensors(acc, "custom_scalars__config__")
    parsed = layout_pb2.Layout.FromString(raw.item())
    assert parsed.category[0].title == "Losses"
    assert list(parsed.category[0].chart[0].multiline.tag) == ["loss/.*"]
    assert parsed.category[0].chart[1].margin.series[0].upper == "hi"


def test_writer_tensor_and_session_start(tmp_path: Path) -> None:
    with EventWriter(tmp_path, wall_time=5.0) as writer:
        writer.add_tensor("custom", np.arange(6, dtype=np.int64).reshape(2, 3), 1, plugin="mine", content=b"\x01")
        writer.add_tensor("bare", [1.5, 2.5], 1)
        writer.add_session_start(2)
    acc = _reload(tmp_path)
    np.testing.assert_array_equal(_tensors(acc, "custom")[0], np.arange(6).reshape(2, 3))
    assert acc.PluginTagToContent("mine") == {"custom": b"\x01"}
    assert _tensors(acc, "bare")[0].tolist() == [1.5, 2.5]
    last = _events(writer.path)[-1]
    assert (last.step, last.session_log.status) == (2, SessionLog.START)


def test_writer_rejects_bad_arguments(tmp_path: Path) -> None:
    writer = EventWriter(tmp_path)
    with pytest.raises(ValueError, match=r"style must be one of \('tensor', 'legacy'\)"):
        writer.add_scalar("x", 1.0, 0, style="tf1")
    with pytest.raises(ValueError, match="HxW or HxWxC"):
        writer.add_image("x", np.zeros((2, 2, 2)), 0)
    with pytest.raises(ValueError, match="2 labels for 1 clips"):
        writer.add_audio("x", np.zeros(10), 100, 0, labels=["a", "b"])
    writer.close()
    with pytest.raises(ValueError, match="writer is closed"):
        writer.add_scalar("x", 1.0, 0)


def test_eventfiles_truncate_reports_truncated(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        writer.add_scalar("a", 1.0, 0)
        writer.add_scalar("a", 2.0, 1)
    size = os.path.getsize(writer.path)
    last_offset, _ = eventfiles.records(writer.path)[-1]
    assert eventfiles.truncate(writer.path, 5) == size - 5 == os.path.getsize(writer.path)
    scan = scan_records(writer.path)
    assert scan.truncated and len(scan) == 2 and scan.end_offset == last_offset
    assert [(p.kind, p.offset) for p in scan.problems] == [("truncated", last_offset)]


def test_eventfiles_crc_damage_is_found_where_made(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        for step in range(4):
            writer.add_scalar("a", float(step), step)
    assert len(eventfiles.records(writer.path)) == 5
    offset = eventfiles.corrupt_payload_crc(writer.path, 2)
    scan = scan_records(writer.path)
    assert [(p.kind, p.offset) for p in scan.problems] == [("payload_crc", offset)] and len(scan) == 4
    offset = eventfiles.corrupt_length_crc(writer.path, 3)
    scan = scan_records(writer.path)
    assert scan.stopped and [p.kind for p in scan.problems] == ["payload_crc", "length_crc"]
    assert scan.problems[1].offset == offset and len(scan) == 2


def test_eventfiles_huge_length_and_flip(tmp_path: Path) -> None:
    with EventWriter(tmp_path) as writer:
        writer.add_scalar("a", 1.0, 0)
    offset = eventfiles.huge_length(writer.path, -1)
    scan = scan_records(writer.path)
    assert [(p.kind, p.offset) for p in scan.problems] == [("bad_length", offset)] and len(scan) == 1
    before = Path(writer.path).read_bytes()
    eventfiles.flip_byte(writer.path, -1)
    after = Path(writer.path).read_bytes()
    assert after[:-1] == before[:-1] and after[-1] == before[-1] ^ 0xFF
    with pytest.raises(IndexError, match="holds 1 records"):
        eventfiles.corrupt_payload_crc(writer.path, 5)


def test_eventfiles_fabricated_files(tmp_path: Path) -> None:
    empty = eventfiles.write_empty_events_file(tmp_path)
    assert os.path.getsize(empty) == 0 and len(scan_records(empty)) == 0
    noise = eventfiles.write_random_events_file(tmp_path, 300, seed=7)
    again = eventfiles.write_random_events_file(tmp_path / "again", 300, seed=7)
    assert Path(noise).read_bytes() == Path(again).read_bytes()
    assert os.path.getsize(noise) == 300 and scan_records(noise).problems
    invalid = eventfiles.write_invalid_protobuf_record(tmp_path)
    scan = scan_records(invalid)
    assert len(scan) == 3 and not scan.problems
    assert bytes(scan.payload(1)) == eventfiles.GARBAGE_PAYLOAD
    assert Event.FromString(bytes(scan.payload(2))).summary.value[0].simple_value == 0.5
    with pytest.raises(Exception, match="(?i)pars|corrupt|truncat"):
        Event.FromString(bytes(scan.payload(1)))
