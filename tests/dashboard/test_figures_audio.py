"""Tests of dashboard.figures.audio: clip descriptions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import loaders
from dashboard.figures.audio import describe

TF2_FIXTURES = Path(__file__).parents[1] / "fixtures" / "tf2"


def test_describe_rate_duration_channels() -> None:
    # 20000 frames at 16000 Hz = 1.25 s.
    assert describe({"sample_rate": 16000.0, "channels": 2, "frames": 20000}) == "16000 Hz · 1.25 s · 2 channels"
    assert describe({"sample_rate": 8000.0, "channels": 1, "frames": 800}) == "8000 Hz · 0.1 s · 1 channel"
    assert describe({"sample_rate": 22050.5, "channels": 1, "frames": 0}) == "22050.5 Hz · 1 channel"


def test_describe_of_a_loaded_tf2_clip_reads_the_header_fields(tmp_path: Path) -> None:
    from loaders.writer import EventWriter

    with EventWriter(str(tmp_path / "logs" / "run")) as events:  # the TF2 form: only the WAV bytes say the rate
        events.add_audio("clip", np.zeros((88200, 2)), 44100, 0)
    clip = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").audio().iloc[0]
    assert describe(clip) == "44100 Hz · 2 s · 2 channels"


def test_describe_unknown_when_nothing_is_readable() -> None:
    unreadable = {"sample_rate": math.nan, "channels": 0, "frames": 0, "data": b"OggS not a wav"}
    assert describe(unreadable) == "unknown format"
    assert describe({}) == "unknown format"


def test_describe_pytorch_and_tf2_clips(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter  # tensorboardX's add_audio needs soundfile

    writer = SummaryWriter(str(tmp_path / "logs" / "torch"))
    writer.add_audio("tone", np.sin(np.linspace(0, 100, 11025)).astype(np.float32), 0, sample_rate=22050)
    writer.close()
    clip = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").audio().iloc[0]
    assert describe(clip) == "22050 Hz · 0.5 s · 1 channel"
    assert (clip["sample_rate"], clip["channels"], clip["frames"]) == (22050.0, 1, 11025)
    tf2 = loaders.Logdir(TF2_FIXTURES, cache_dir=tmp_path / "cache2").audio(runs=["tf_summary"]).set_index("tag")
    assert describe(tf2.loc["audio/stereo"]) == "8000 Hz · 0.1 s · 2 channels"
    assert set(describe(row) for _, row in tf2.loc[["audio/mono"]].iterrows()) == {"8000 Hz · 0.1 s · 1 channel"}


@pytest.mark.parametrize(("frames", "text"), [(8, "0.001 s"), (12345, "1.54 s"), (8000 * 125, "125 s")])
def test_describe_duration_precision(frames: int, text: str) -> None:
    assert describe({"sample_rate": 8000.0, "channels": 1, "frames": frames}).split(" · ")[1] == text
