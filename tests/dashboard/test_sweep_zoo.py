"""The sweep "zoo" logdir: every writer, every add_* call that works here, damaged files and odd names.

write_zoo(root) is shared by the dashboard sweep tests (tests/dashboard/test_sweep_*.py) and the
browser sweep (tests/e2e/test_e2e_sweep.py); the tests in this file check the zoo itself, so a
writer change that empties a page fails here first and not as a puzzling page test.
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import loaders

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
RNG = np.random.default_rng(5)
HIST = RNG.normal(size=64)
IMAGE_HWC = RNG.integers(0, 256, (6, 8, 3), dtype=np.uint8)
IMAGE_CHW = RNG.random((3, 6, 8)).astype(np.float32)
CLIP = (0.4 * np.sin(np.linspace(0, 2 * np.pi * 220, 800))).astype(np.float32)[None, :]
LONG_TEXT = "A very long line of text without a break " * 60
TABLE = "| metric | value |\n|---|---|\n| acc | 0.9 |\n| loss | 0.1 |"
# Odd run names (each a directory of one PyTorch run); ODD_TAGS are logged by the PyTorch run "torch".
ODD_RUNS = ["with space", "ünï 损失", "hash#mark", "quest?ion", "pct%41", "amp&er=eq+plus", 'quo"te\\back{x}[y]',
            "long_" + "n" * 150]
ODD_TAGS = ["a/b/c", "comma,tag", "pct%20", "hash#tag", "ünï/损失", "T" * 300]
DAMAGED = ["damaged_truncated", "damaged_random", "damaged_gzip"]


def _write_every_kind(writer: object, torch_writer: bool) -> None:
    """Every add_* call of a SummaryWriter that works here (PyTorch also logs audio)."""
    import torch

    for step in range(3):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_histogram("hist/normal", HIST + step, step)
    for tag, value in {"nan": math.nan, "inf": math.inf, "ninf": -math.inf}.items():
        writer.add_scalar(f"special/{tag}", value, 1)
    writer.add_scalars("group", {"a": 1.0, "b": 2.0}, 1)
    for bins in ("auto", "fd", 5):
        writer.add_histogram(f"hist/bins_{bins}", HIST, 1, bins=bins)
    writer.add_histogram("hist/const", np.full(8, 3.0), 1)
    writer.add_histogram_raw("hist/empty", min=0.0, max=0.0, num=0, sum=0.0, sum_squares=0.0,  # add_histogram
                             bucket_limits=[0.0], bucket_counts=[0], global_step=1)  # refuses no values
    writer.add_histogram_raw("hist/raw", min=0.0, max=2.0, num=3, sum=3.0, sum_squares=5.0,
                             bucket_limits=[1.0, 2.0], bucket_counts=[1, 2], global_step=1)
    writer.add_image("img/hwc_uint8", IMAGE_HWC, 1, dataformats="HWC")
    writer.add_image("img/chw_float", IMAGE_CHW, 1)
    writer.add_image("img/hw", IMAGE_CHW[0], 1, dataformats="HW")
    writer.add_images("img/batch", np.stack([IMAGE_CHW, IMAGE_CHW]), 1)
    writer.add_image_with_boxes("img/boxes", IMAGE_CHW, np.array([[0, 0, 4, 3]]), 1, labels=["cat"])
    if torch_writer:
        writer.add_audio("audio/tone", CLIP, 1, sample_rate=8000)
    writer.add_text("text/markdown", "# Title\n\n**bold** and `code`\n\n" + TABLE, 1)
    writer.add_text("text/unicode", "ünï 损失 ✓\nline two", 1)
    writer.add_text("text/long", LONG_TEXT, 1)
    writer.add_text("text/script", "<script>alert(1)</script> <b>raw</b>", 1)
    writer.add_pr_curve("pr", np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.6, 0.4]), 1, num_thresholds=5)
    writer.add_custom_scalars({"Training": {"losses": ["Multiline", ["loss", "group/.*"]]}})
    writer.add_mesh("mesh", vertices=torch.tensor([[[1.0, 1.0, 1.0], [-1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]]),
                    global_step=1)
    writer.add_graph(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()), torch.zeros(1, 2))
    writer.add_hparams({"lr": 0.1, "opt": "adam"}, {"hp/acc": 0.75})


def _write_odd_names(root: Path) -> None:
    """One PyTorch run per odd run name; the run "torch" also logs the odd tags."""
    from torch.utils.tensorboard import SummaryWriter

    for name in (*ODD_RUNS, "."):  # "." is the root run: event files directly in the logdir
        with SummaryWriter(str(root / name)) as writer:
            writer.add_scalar("loss", 0.5, 1)
            writer.add_image("odd/image", IMAGE_HWC, 1, dataformats="HWC")
            writer.add_text("odd/text", f"run {name}", 1)
            writer.add_histogram("odd/hist", HIST, 1)
    with SummaryWriter(str(root / "torch"), filename_suffix=".odd") as writer:
        for tag in ODD_TAGS:
            writer.add_scalar(f"odd_scalar/{tag}", 1.0, 1)
            writer.add_image(f"odd_image/{tag}", IMAGE_HWC, 1, dataformats="HWC")
            writer.add_text(f"odd_text/{tag}", tag, 1)
            writer.add_histogram(f"odd_hist/{tag}", HIST, 1)


def _write_damaged(root: Path) -> None:
    """A run cut mid-record, a run of random bytes and a gzip-compressed event file."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(root / "damaged_truncated")) as writer:
        for step in range(3):
            writer.add_scalar("loss", float(step), step)
            writer.add_image("img", IMAGE_HWC, step, dataformats="HWC")
    (path,) = (root / "damaged_truncated").glob("*tfevents*")
    path.write_bytes(path.read_bytes()[:-7])
    for name, content in (("damaged_random", os.urandom(300)), ("damaged_gzip", gzip.compress(path.read_bytes()))):
        (root / name).mkdir()
        (root / name / "events.out.tfevents.1.host").write_bytes(content)


def write_zoo(root: Path) -> Path:
    """Write the zoo logdir under root and return it.

    Runs: "tbx" (tensorboardX) and "torch" (PyTorch) with every kind, their add_scalars and
    add_hparams sub-runs, the TF2/Keras/JAX fixtures under "tf2/", ODD_RUNS, the root run "."
    and DAMAGED.

    Args:
        root: an empty directory.

    Returns:
        The logdir.
    """
    from tensorboardX import SummaryWriter as TbxWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    logdir = root / "zoo"
    for name, writer_class in (("tbx", TbxWriter), ("torch", TorchWriter)):
        with writer_class(str(logdir / name)) as writer:
            _write_every_kind(writer, name == "torch")
    shutil.copytree(FIXTURES, logdir / "tf2", ignore=shutil.ignore_patterns("*.json"))
    _write_odd_names(logdir)
    _write_damaged(logdir)
    return logdir


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zoo logdir (see write_zoo)."""
    return write_zoo(tmp_path_factory.mktemp("sweep"))


def test_sweep_zoo_holds_every_writer_odd_run_and_damaged_file(zoo: Path, tmp_path: Path) -> None:
    lg = loaders.Logdir(zoo, cache_dir=tmp_path / "cache")
    runs = set(lg.runs())
    truncated = lg.images(["damaged_truncated"])
    assert {".", "tbx", "torch", "tf2/keras/train", "tf2/tf_summary", *ODD_RUNS, *DAMAGED} <= runs
    lg.scalars()
    problems = set(lg.problems()["path"].map(lambda path: Path(path).parent.name))
    assert problems == {"damaged_random", "damaged_gzip", "damaged_truncated"}
    assert truncated["step"].tolist() == [0, 1]  # step 2's image was cut: the cut record is "not yet written"


def test_sweep_zoo_holds_every_media_kind(zoo: Path, tmp_path: Path) -> None:
    lg = loaders.Logdir(zoo, cache_dir=tmp_path / "cache")
    assert set(lg.images(["tbx"])["tag"]) == {"img/hwc_uint8", "img/chw_float", "img/hw", "img/batch", "img/boxes"}
    assert lg.audio(["torch", "tbx"])[["run", "tag"]].values.tolist() == [["torch", "audio/tone"]]
    assert {f"odd_image/{tag}" for tag in ODD_TAGS} <= set(lg.images(["torch"])["tag"])
    assert set(lg.histograms(["torch"])["tag"]) >= {"hist/empty", "hist/raw", "hist/const", "hist/bins_fd"}
