"""Logdir end to end on one logdir where tensorboardX and PyTorch wrote every add_* kind they have.

The expected values come from what was passed to the writers, or, where the writer encodes
(histogram buckets, PNG and WAV bytes, PR-curve counts), from the writer's own summary function
called with the same arguments: the protobuf the writer put in the file.

What the writers cannot write here, and what we do with what they write instead:
- add_video needs moviepy (not installed): both writers log a message and write a value with no
  data; it lands in the tensors table (plugin "", dtype "invalid") with an "empty_value" problem.
- tensorboardX's add_audio needs soundfile (not installed); PyTorch's add_audio is covered.
- add_embedding writes projector files (projector_config.pbtxt, <step>/<tag>/tensors.tsv and
  metadata.tsv), no events: the loaders read no projector data, and those folders are not runs.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest
import tensorboardX
import tensorboardX.summary as tbx_summary
import torch
import torch.utils.tensorboard
import torch.utils.tensorboard.summary as torch_summary

from loaders import Logdir
from loaders.proto import plugins_pb2, tensor_pb2
from loaders.tensors import decode_tensor

WRITERS = {"tbx": (tensorboardX.SummaryWriter, tbx_summary), "torch": (torch.utils.tensorboard.SummaryWriter,
                                                                       torch_summary)}
RNG = np.random.default_rng(7)
HIST_VALUES = np.array([1.0, 2.0, 2.0, 3.0, 7.5])
IMAGE = RNG.integers(0, 256, (3, 4, 5), dtype=np.uint8)  # CHW
IMAGES = RNG.random((2, 3, 4, 4)).astype(np.float32)  # NCHW
CLIP = torch.sin(torch.arange(800, dtype=torch.float32) / 10).reshape(1, 800) * 0.5
LABELS = np.array([1, 0, 1, 1, 0, 0, 1, 0])
PREDICTIONS = np.array([0.9, 0.1, 0.8, 0.4, 0.6, 0.2, 0.7, 0.3])
PR_RAW = {"true_positive_counts": [4, 2, 0], "false_positive_counts": [4, 1, 0], "true_negative_counts": [0, 3, 4],
          "false_negative_counts": [0, 2, 4], "precision": [0.5, 0.75, 1.0], "recall": [1.0, 0.5, 0.0]}
VERTICES = torch.tensor([[[1.0, 1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]])
COLORS = torch.tensor([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], dtype=torch.int32)
LAYOUT = {"Training": {"losses": ["Multiline", ["loss", "multi/.*"]]}}
HPARAMS = {"lr": 0.1, "opt": "sgd", "layers": 3}
HAS_MOVIEPY = importlib.util.find_spec("moviepy") is not None


def _write_every_kind(run_dir: Path, name: str) -> None:
    """Write every add_* kind the writer supports here (values as the module constants say)."""
    writer_class, _ = WRITERS[name]
    with writer_class(str(run_dir)) as writer:
        for step, value in enumerate((0.5, 0.25, 0.125)):
            writer.add_scalar("loss", value, step)
        writer.add_scalars("multi", {"a": 1.5, "b": -2.0}, 3)
        writer.add_histogram("hist", HIST_VALUES, 4, bins=4)
        writer.add_histogram_raw("raw", min=0.0, max=2.0, num=3, sum=3.0, sum_squares=5.0, bucket_limits=[1.0, 2.0],
                                 bucket_counts=[1, 2], global_step=4)
        writer.add_image("img", IMAGE, 5)
        writer.add_images("imgs", IMAGES, 6)
        writer.add_video("vid", np.zeros((1, 2, 3, 4, 4), dtype=np.uint8), 7)
        if name == "torch":
            writer.add_audio("aud", CLIP, 8, sample_rate=8000)
        writer.add_text("txt", "hello **markdown**", 9)
        writer.add_pr_curve("pr", LABELS, PREDICTIONS, 10, num_thresholds=5)
        writer.add_pr_curve_raw("prraw", **PR_RAW, global_step=11, num_thresholds=3)
        writer.add_embedding(np.arange(12, dtype=np.float32).reshape(4, 3), metadata=["a", "b", "c", "d"],
                             global_step=12, tag="emb")
        writer.add_mesh("mesh", vertices=VERTICES, colors=COLORS, global_step=13)
        writer.add_custom_scalars(LAYOUT)
        writer.add_graph(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()), torch.zeros(1, 2))
        writer.add_hparams(HPARAMS, {"hp/acc": 0.75})


@pytest.fixture(scope="module")
def lg(tmp_path_factory: pytest.TempPathFactory) -> Logdir:
    """One logdir: run "tbx" by tensorboardX, run "torch" by PyTorch, each with every kind."""
    root = tmp_path_factory.mktemp("real_writers")
    for name in WRITERS:
        _write_every_kind(root / "logs" / name, name)
    return Logdir(root / "logs", cache_dir=root / "cache")


def _one(frame, **where):
    """Return the one row of frame matching every column == value in where."""
    for column, value in where.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, (where, len(frame))
    return frame.iloc[0]


# ----- runs and tags -------------------------------------------------------------------------


def test_api_real_writers_runs_are_the_writers_runs_and_sub_runs(lg):
    runs = lg.runs()
    hparams_runs = [run for run in runs if re.fullmatch(r"(tbx|torch)/\d+\.\d+", run)]
    assert len(hparams_runs) == 2  # add_hparams writes a sub-run named by the time
    assert sorted(set(runs) - set(hparams_runs)) == ["tbx", "tbx/multi/a", "tbx/multi/b", "torch", "torch/multi_a",
                                                     "torch/multi_b"]
    assert not any("emb" in run or "00012" in run for run in runs)  # projector folders are not runs


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_tags_of_the_main_run(lg, writer):
    tags = lg.tags(runs=[writer])
    got = {tag: (plugin, count, first, last) for tag, plugin, count, first, last in
           tags[["tag", "plugin", "count", "first_step", "last_step"]].values.tolist()}
    mesh_tags = [tag for tag in got if tag.startswith("mesh")]
    assert len(mesh_tags) == 2 and all(got.pop(tag) == ("mesh", 1, 13, 13) for tag in mesh_tags)  # vertices, colors
    graph_tags = {"tbx": {"__run_graph__", "profiler"}, "torch": {"__run_graph__", "step1"}}[writer]
    assert {tag: got.pop(tag) for tag in graph_tags} == {tag: ("graphs", 1, 0, 0) for tag in graph_tags}
    expected = {
        "loss": ("scalars", 3, 0, 2), "hist": ("histograms", 1, 4, 4), "raw": ("histograms", 1, 4, 4),
        "img": ("images", 1, 5, 5), "imgs": ("images", 1, 6, 6),
        "vid": ("images", 1, 7, 7) if HAS_MOVIEPY else ("tensors", 1, 7, 7),
        "txt/text_summary": ("text", 1, 9, 9), "pr": ("pr_curves", 1, 10, 10), "prraw": ("pr_curves", 1, 11, 11),
        "custom_scalars__config__": ("custom_scalars", 1, 0, 0),
    }
    if writer == "torch":
        expected["aud"] = ("audio", 1, 8, 8)
    assert got == expected


# ----- every reader ----------------------------------------------------------------------------


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_scalars_and_add_scalars_sub_runs(lg, writer):
    frame = lg.scalars(runs=re.compile(f"^{writer}"), tags=["loss", "multi"])
    got = [(run, tag, step, value) for run, tag, step, value in frame[["run", "tag", "step", "value"]].values.tolist()]
    sub = {"tbx": ("tbx/multi/a", "tbx/multi/b"), "torch": ("torch/multi_a", "torch/multi_b")}[writer]
    assert got == [(writer, "loss", 0, 0.5), (writer, "loss", 1, 0.25), (writer, "loss", 2, 0.125),
                   (sub[0], "multi", 3, 1.5), (sub[1], "multi", 3, -2.0)]
    assert frame["wall_time"].between(1e9, 1e10).all()


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_histograms_equal_the_writers_buckets(lg, writer):
    histo = WRITERS[writer][1].histogram("hist", HIST_VALUES, 4).value[0].histo
    row = _one(lg.histograms(runs=writer), tag="hist")
    assert (row["step"], row["min"], row["max"], row["num"], row["sum"], row["sum_squares"]) == (
        4, histo.min, histo.max, histo.num, histo.sum, histo.sum_squares)
    assert (histo.min, histo.max, histo.num, histo.sum) == (1.0, 7.5, 5.0, 15.5)
    assert list(row["bucket_limit"]) == list(histo.bucket_limit) and list(row["bucket"]) == list(histo.bucket)
    raw = _one(lg.histograms(runs=writer), tag="raw")
    assert (raw["min"], raw["max"], raw["num"], raw["sum"], raw["sum_squares"]) == (0.0, 2.0, 3.0, 3.0, 5.0)
    assert (list(raw["bucket_limit"]), list(raw["bucket"])) == ([1.0, 2.0], [1.0, 2.0])


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_images_hold_the_writers_png_bytes(lg, writer):
    summary = WRITERS[writer][1]
    frame = lg.images(runs=writer)
    single = summary.image("img", IMAGE, dataformats="CHW").value[0].image
    row = _one(frame, tag="img")
    assert (row["step"], row["index"], row["width"], row["height"], row["content_type"]) == (5, 0, 5, 4, "image/png")
    assert row["data"] == single.encoded_image_string
    grid = summary.image("imgs", IMAGES, dataformats="NCHW").value[0].image  # add_images writes one grid image
    row = _one(frame, tag="imgs")
    assert (row["width"], row["height"], row["data"]) == (grid.width, grid.height, grid.encoded_image_string)
    assert (grid.width, grid.height) == (8, 4)
    if HAS_MOVIEPY:
        assert _one(frame, tag="vid")["content_type"] == "image/gif"


def test_api_real_writers_audio_holds_the_writers_wav_bytes(lg):
    clip = torch_summary.audio("aud", CLIP, sample_rate=8000).value[0].audio
    frame = lg.audio()
    row = _one(frame, tag="aud")
    assert (row["run"], row["step"], row["index"], row["sample_rate"], row["channels"], row["frames"]) == (
        "torch", 8, 0, 8000.0, 1, 800)
    assert (row["content_type"], row["label"], row["data"]) == ("audio/wav", "", clip.encoded_audio_string)
    assert len(frame) == 1  # tensorboardX's add_audio needs soundfile


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_text(lg, writer):
    row = _one(lg.text(runs=writer), tag="txt/text_summary")
    assert (row["step"], row["value"], list(row["shape"]), list(row["values"])) == (
        9, "hello **markdown**", [1], ["hello **markdown**"])


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_pr_curves_equal_the_writers_counts(lg, writer):
    tensor = WRITERS[writer][1].pr_curve("pr", LABELS, PREDICTIONS, num_thresholds=5).value[0].tensor
    counts = decode_tensor(tensor).astype(np.float64)
    row = _one(lg.pr_curves(runs=writer), tag="pr")
    assert (row["step"], list(row["threshold"])) == (10, [0.0, 0.25, 0.5, 0.75, 1.0])
    got = [list(row[column]) for column in ("tp", "fp", "tn", "fn", "precision", "recall")]
    assert got == counts.tolist()
    assert (got[0][0], got[1][0], got[2][0], got[3][0]) == (4.0, 4.0, 0.0, 0.0)  # threshold 0: all positive
    raw = _one(lg.pr_curves(runs=writer), tag="prraw")
    assert (raw["step"], list(raw["threshold"])) == (11, [0.0, 0.5, 1.0])
    assert [list(raw[c]) for c in ("tp", "fp", "tn", "fn")] == [PR_RAW[f"{c}_counts"] for c in
                                                                 ("true_positive", "false_positive",
                                                                  "true_negative", "false_negative")]
    assert list(raw["precision"]) == pytest.approx(PR_RAW["precision"])
    assert list(raw["recall"]) == PR_RAW["recall"]


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_tensors_hold_mesh_layout_and_empty_video(lg, writer):
    frame = lg.tensors(runs=writer)
    mesh = frame[frame["plugin"] == "mesh"]
    arrays = [decode_tensor(tensor_pb2.TensorProto.FromString(data)) for data in mesh["data"]]
    assert set(mesh["step"]) == {13}
    assert any(np.array_equal(array, VERTICES.numpy()) for array in arrays)
    assert any(np.array_equal(array, COLORS.numpy()) for array in arrays)
    layout_row = _one(frame, tag="custom_scalars__config__")
    layout = plugins_pb2.Layout.FromString(decode_tensor(tensor_pb2.TensorProto.FromString(layout_row["data"])).item())
    chart = layout.category[0].chart[0]
    assert (layout.category[0].title, chart.title, list(chart.multiline.tag)) == ("Training", "losses",
                                                                                  ["loss", "multi/.*"])
    if not HAS_MOVIEPY:
        video = _one(frame, tag="vid")
        assert (video["plugin"], video["dtype"], list(video["shape"]), video["step"]) == ("", "invalid", [], 7)
        problems = lg.problems()
        empty = problems[(problems["kind"] == "empty_value") & problems["path"].str.contains(f"/{writer}/")]
        ((path, offset, message),) = empty[["path", "offset", "message"]].values.tolist()
        assert message.startswith(f"{path}: record at byte {offset}: value of tag 'vid' at step 7 holds no data")


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_hparams_joined_to_the_parent_run(lg, writer):
    row = _one(lg.hparams(), run=writer)
    assert re.fullmatch(rf"{writer}/\d+\.\d+", row["session"])
    assert (row["lr"], row["opt"], row["layers"], row["hp/acc"], row["status"]) == (0.1, "sgd", 3.0, 0.75, "success")
    assert not math.isnan(row["start_time"])


@pytest.mark.parametrize("writer", list(WRITERS))
def test_api_real_writers_graph_of_the_traced_model(lg, writer):
    graph = lg.graph(writer)
    assert graph.graphs == ["__run_graph__"] and graph.problems == ()
    ops = dict(zip(graph.nodes["name"], graph.nodes["op"]))
    linear = [name for name, op in ops.items() if op == "aten::linear"]
    relu = [name for name, op in ops.items() if op == "aten::relu"]
    assert len(linear) == 1 and len(relu) == 1 and linear[0].startswith("Sequential/Linear[0]/")
    edges = set(zip(graph.edges["source"], graph.edges["target"]))
    inputs = [name for name in ops if name.startswith("input/")]
    outputs = [name for name in ops if name.startswith("output/")]
    assert (inputs[0], linear[0]) in edges and (linear[0], relu[0]) in edges and (relu[0], outputs[0]) in edges
    assert _one(graph.edges, source=linear[0], target=relu[0])["shape"] == "[1,3]"


def test_api_real_writers_embedding_writes_projector_files_only(lg):
    root = Path(lg.path)
    for writer in WRITERS:
        assert (root / writer / "projector_config.pbtxt").is_file()
        assert (root / writer / "00012" / "emb" / "metadata.tsv").read_text().split() == ["a", "b", "c", "d"]
        assert (root / writer / "00012" / "emb" / "tensors.tsv").read_text().split()[:3] == ["0.0", "1.0", "2.0"]
    assert not any("emb" in tag for tag in lg.tags()["tag"])


def test_api_real_writers_second_logdir_reads_only_the_cache(lg):
    again = Logdir(lg.path, cache_dir=lg._cache.base)
    for kind in ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves"):
        assert getattr(again, f"{kind}_table")().equals(getattr(lg, f"{kind}_table")()), kind
    assert again._cache.decoded_bytes == 0
