"""Every add_* variant of PyTorch's and tensorboardX's SummaryWriter, read back through Logdir.

test_api_real_writers covers each kind once with plain arguments; this sweep covers the argument
variants users hit: histogram bin rules, image layouts and dtypes, NaN/inf, walltime and step
None, odd tags, add_hparams forms, custom-scalar charts, add_tensor, purge_step and reopened
writers. Expected values come from the arguments, or from the writer's own summary function
(the protobuf it put in the file).

Not written here, and why: add_video and add_figure need moviepy / matplotlib, add_onnx_graph
needs onnx (none installed; add_video's empty value is covered in test_api_real_writers);
tensorboardX's add_audio needs soundfile (not installed); PyTorch's add_hparams rejects a 0-d
tensor hparam (its own IndexError); tensorboardX 2.6 has no add_tensor, no run_name, and names its
files by the second only, so a writer reopened within the same second overwrites the file (the
reopened writers here pass a filename_suffix).
"""

from __future__ import annotations

import io
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
from PIL import Image

from loaders import Logdir
from loaders.proto import plugins_pb2, tensor_pb2
from loaders.tensors import decode_tensor

WRITERS = {"tbx": (tensorboardX.SummaryWriter, tbx_summary),
           "torch": (torch.utils.tensorboard.SummaryWriter, torch_summary)}
RNG = np.random.default_rng(11)
HIST = RNG.normal(size=64)
BINS = ["tensorflow", "auto", "fd", 5]
IMAGE_HWC = RNG.integers(0, 256, (4, 6, 3), dtype=np.uint8)
IMAGE_CHW = RNG.random((3, 4, 6)).astype(np.float32)
ODD_TAGS = ["a/b/c", "comma,tag", "space tag", "pct%20", "hash#tag", "ünï/损失", "L" * 2000]
SPECIAL = {"nan": math.nan, "inf": math.inf, "ninf": -math.inf}
HPARAMS = [({"lr": 0.1, "layers": 3, "opt": "adam", "flag": True}, {"hp/acc": 0.9, "hp/loss": 0.1}),
           ({"lr": 0.2, "skipped": None}, {})]
# tensorboardX replaces what its tag rule rejects with "_" (torch keeps tags as given).
_TBX_INVALID = re.compile(r"[^-/\w.]")


def _write(root: Path, name: str) -> None:
    """Write every variant into root/name (and its sub-runs)."""
    writer_class, _ = WRITERS[name]
    with writer_class(str(root / name)) as writer:
        for tag, value in SPECIAL.items():
            writer.add_scalar(f"special/{tag}", value, 1)
        writer.add_scalar("wall", 2.0, 5, walltime=1234.5)
        writer.add_scalar("nostep", 3.0)
        writer.add_scalar("npstep", 4.0, np.int64(7))
        writer.add_scalar("bigstep", 5.0, 2**62)
        for tag in ODD_TAGS:
            writer.add_scalar(tag, 1.0, 1)
        for bins in BINS:
            writer.add_histogram(f"hist/{bins}", HIST, 1, bins=bins)
        writer.add_histogram("hist/const", np.full(8, 3.0), 1)
        writer.add_image("img/hwc_uint8", IMAGE_HWC, 1, dataformats="HWC")
        writer.add_image("img/chw_float", IMAGE_CHW, 1)
        writer.add_image("img/hw", IMAGE_CHW[0], 1, dataformats="HW")
        writer.add_images("imgs/nchw", np.stack([IMAGE_CHW, IMAGE_CHW]), 1)
        writer.add_images("imgs/nhwc", np.stack([IMAGE_HWC, IMAGE_HWC]), 1, dataformats="NHWC")
        writer.add_image_with_boxes("boxes", IMAGE_CHW, np.array([[0, 0, 3, 2]]), 1, labels=["cat"])
        writer.add_text("text/unicode", "ünï 损失\nline two", 1)
        writer.add_custom_scalars_multilinechart(["special/nan", "wall"], category="cat", title="lines")
        writer.add_custom_scalars_marginchart(["wall", "nostep", "npstep"], category="cat", title="margin")
        if name == "torch":
            writer.add_tensor("tensor", torch.arange(6.0).reshape(2, 3), 1)
            writer.add_scalar("style/new", 0.1, 1, new_style=True)
            writer.add_scalar("style/double", 0.1, 1, new_style=True, double_precision=True)
        else:
            writer.add_scalar("described", 1.0, 1, display_name="Nice name", summary_description="**md**")
        for hparams, metrics in HPARAMS:
            writer.add_hparams(hparams, metrics)
        if name == "torch":
            writer.add_hparams({"lr": 0.3}, {"hp/acc": 0.5}, run_name="named")
        writer.add_scalars("group", {"a": 1.0, "b": 2.0}, 1)
    with writer_class(str(root / name), filename_suffix=".reopened") as writer:
        writer.add_scalars("group", {"a": 10.0}, 2)  # a reopened writer appends to the same sub-runs
    _write_purged(root / f"{name}_purged", writer_class)


def _write_purged(run: Path, writer_class: type) -> None:
    """Steps 1..3, then a writer restarted with purge_step=2 writes step 2 again."""
    with writer_class(str(run)) as writer:
        for step in (1, 2, 3):
            writer.add_scalar("loss", float(step), step)
    with writer_class(str(run), purge_step=2, filename_suffix=".restart") as writer:
        writer.add_scalar("loss", 20.0, 2)


@pytest.fixture(scope="module")
def lg(tmp_path_factory: pytest.TempPathFactory) -> Logdir:
    """Runs "tbx" and "torch" (with their sub-runs) and "<writer>_purged"."""
    root = tmp_path_factory.mktemp("sweep")
    for name in WRITERS:
        _write(root / "logs", name)
    return Logdir(root / "logs", cache_dir=root / "cache")


def _tag(name: str, tag: str) -> str:
    return _TBX_INVALID.sub("_", tag) if name == "tbx" else tag


def _rows(frame, run: str, tag: str):
    rows = frame[(frame["run"] == run) & (frame["tag"] == tag)]
    assert len(rows), (run, tag)
    return rows


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_writers_sweep_every_call_reads_without_problems(lg):
    assert lg.problems().empty
    runs = set(lg.runs())
    assert {"tbx", "torch", "tbx_purged", "torch_purged", "torch/named", "tbx/group/a", "torch/group_a"} <= runs


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_scalars_keep_nan_inf_walltime_and_steps(lg, name):
    scalars = lg.scalars([name])
    for tag, value in SPECIAL.items():
        got = _rows(scalars, name, f"special/{tag}")["value"].item()
        assert (math.isnan(got) and math.isnan(value)) or got == value
    assert _rows(scalars, name, "wall")[["step", "wall_time", "value"]].values.tolist() == [[5, 1234.5, 2.0]]
    assert _rows(scalars, name, "nostep")["step"].tolist() == [0]
    assert _rows(scalars, name, "npstep")["step"].tolist() == [7]
    assert _rows(scalars, name, "bigstep")["step"].tolist() == [2**62]


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_odd_tags_are_kept_and_selectable(lg, name):
    tags = [_tag(name, tag) for tag in ODD_TAGS]
    frame = lg.scalars([name], tags=sorted(set(tags)))
    assert sorted(frame["tag"]) == sorted(tags)
    assert (frame["value"] == 1.0).all()
    assert _tag(name, "ünï/损失") in set(lg.tags([name])["tag"])


@pytest.mark.parametrize("name", WRITERS)
@pytest.mark.parametrize("tag", [*BINS, "const"])
def test_writers_sweep_histogram_bins_equal_the_writers_buckets(lg, tmp_path, name, tag):
    writer_class, summary = WRITERS[name]
    values, bins = (np.full(8, 3.0), "tensorflow") if tag == "const" else (HIST, tag)
    if bins == "tensorflow":  # add_histogram passes its default_bins for "tensorflow"
        with writer_class(str(tmp_path)) as writer:
            bins = writer.default_bins
    expected = summary.histogram("h", values, bins).value[0].histo
    row = _rows(lg.histograms([name]), name, f"hist/{tag}").iloc[0]
    assert (row["min"], row["max"], row["num"]) == (expected.min, expected.max, expected.num)
    assert row["sum"] == pytest.approx(expected.sum) and row["sum_squares"] == pytest.approx(expected.sum_squares)
    assert list(row["bucket_limit"]) == list(expected.bucket_limit)
    assert list(row["bucket"]) == list(expected.bucket)
    assert sum(row["bucket"]) == len(values)


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_images_in_every_layout_decode_to_the_pixels_written(lg, name):
    images = lg.images([name])
    hwc = _rows(images, name, "img/hwc_uint8").iloc[0]
    assert (hwc["width"], hwc["height"]) == (6, 4) and np.array_equal(_png(hwc["data"]), IMAGE_HWC)
    chw = _png(_rows(images, name, "img/chw_float").iloc[0]["data"])
    assert np.array_equal(chw, (IMAGE_CHW.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8))
    gray = _png(_rows(images, name, "img/hw").iloc[0]["data"])
    assert np.array_equal(gray[..., 0], (IMAGE_CHW[0] * 255).astype(np.uint8))
    for tag in ("imgs/nchw", "imgs/nhwc"):  # N images become one grid image, side by side
        row = _rows(images, name, tag).iloc[0]
        assert (row["width"], row["height"]) == (12, 4) and row["content_type"] == "image/png"
    boxes = _rows(images, name, "boxes").iloc[0]
    assert (boxes["width"], boxes["height"]) == (6, 4) and _png(boxes["data"]).shape[:2] == (4, 6)


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_unicode_text_with_newlines(lg, name):
    row = _rows(lg.text([name]), name, "text/unicode/text_summary").iloc[0]
    assert row["value"] == "ünï 损失\nline two"


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_custom_scalar_charts_keep_their_layout(lg, name):
    rows = _rows(lg.tensors([name]), name, "custom_scalars__config__")
    assert set(rows["plugin"]) == {"custom_scalars"}
    charts = {}
    for data in rows["data"]:
        layout = plugins_pb2.Layout.FromString(decode_tensor(tensor_pb2.TensorProto.FromString(data)).item())
        for category in layout.category:
            for chart in category.chart:
                which = chart.WhichOneof("content")
                tags = (list(chart.multiline.tag) if which == "multiline"
                        else [s.value for s in chart.margin.series] if which == "margin" else [])
                charts[(category.title, chart.title)] = tags
    assert charts[("cat", "lines")] == ["special/nan", "wall"]
    assert charts[("cat", "margin")] == ["wall"]  # a margin chart is one series: value, lower, upper


def test_writers_sweep_torch_add_tensor_keeps_dtype_shape_and_values(lg):
    row = _rows(lg.tensors(["torch"]), "torch", "tensor").iloc[0]
    assert (row["dtype"], list(row["shape"])) == ("float32", [2, 3])
    assert np.array_equal(decode_tensor(tensor_pb2.TensorProto.FromString(row["data"])),
                          np.arange(6.0, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_hparams_every_form(lg, name):
    frame = lg.hparams()
    frame = frame[frame["run"] == name].sort_values("lr").reset_index(drop=True)
    expected_lr = [0.1, 0.2, 0.3] if name == "torch" else [0.1, 0.2]
    assert frame["lr"].tolist() == expected_lr
    full = frame.iloc[0]
    assert (full["layers"], full["opt"]) == (3, "adam")
    assert (full["hp/acc"], full["hp/loss"]) == (np.float32(0.9), np.float32(0.1))  # metrics are float32 scalars
    assert bool(full["flag"]) is True  # torch writes a bool as the number 1, tensorboardX as a bool
    assert math.isnan(frame.iloc[1]["hp/acc"]) and "skipped" not in frame.columns  # None is left out
    if name == "torch":
        assert (frame.iloc[2]["session"], frame.iloc[2]["hp/acc"]) == ("torch/named", 0.5)


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_add_scalars_sub_runs_survive_a_reopened_writer(lg, name):
    sub = {"tbx": "tbx/group/", "torch": "torch/group_"}[name]
    scalars = lg.scalars([sub + "a", sub + "b"])
    assert _rows(scalars, sub + "a", "group")[["step", "value"]].values.tolist() == [[1, 1.0], [2, 10.0]]
    assert _rows(scalars, sub + "b", "group")[["step", "value"]].values.tolist() == [[1, 2.0]]


@pytest.mark.parametrize("name", WRITERS)
def test_writers_sweep_purge_step_drops_the_superseded_steps(lg, name):
    run = f"{name}_purged"
    assert lg.scalars([run])[["step", "value"]].values.tolist() == [[1, 1.0], [2, 20.0]]
    kept = Logdir(lg.path, cache_dir=lg._cache.base, restarts="keep").scalars([run])
    assert kept["value"].tolist() == [1.0, 2.0, 3.0, 20.0]


def test_writers_sweep_torch_new_style_scalars_keep_their_precision(lg):
    scalars = lg.scalars(["torch"], tags=["style/new", "style/double"]).set_index("tag")["value"]
    assert scalars["style/new"] == np.float32(0.1) and scalars["style/double"] == 0.1


def test_writers_sweep_tbx_display_name_and_description_are_the_tags_metadata(lg):
    meta = lg.tag_metadata(["tbx"]).set_index("tag").loc["described"]
    assert (meta["plugin"], meta["display_name"], meta["description"]) == ("scalars", "Nice name", "**md**")


def test_writers_sweep_a_tag_reused_for_a_scalar_and_an_image_is_listed_under_both(tmp_path, monkeypatch):
    writer = torch.utils.tensorboard.SummaryWriter(str(tmp_path / "logs" / "run"))
    writer.add_scalar("x", 1.0, 1)
    writer.add_scalar("x", 2.0, 2)
    writer.add_image("x", np.zeros((4, 4, 3), dtype=np.uint8), 3, dataformats="HWC")
    writer.add_scalar("y", 5.0, 1)
    writer.close()
    lg = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache")
    tags = lg.tags()[["tag", "plugin", "count", "first_step", "last_step"]].values.tolist()
    assert tags == [["x", "images", 1, 3, 3], ["x", "scalars", 2, 1, 2], ["y", "scalars", 1, 1, 1]]
    assert lg.images()["step"].tolist() == [3] and lg.scalars(tags=["x"])["value"].tolist() == [1.0, 2.0]
    monkeypatch.setattr("loaders.api.logdir.exact_index", lambda *args, **kwargs: None)  # from the tables instead
    from_tables = Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").tags()
    assert from_tables.equals(lg.tags())
