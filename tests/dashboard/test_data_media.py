"""Tests of dashboard.data.media over real writers: tags, per-sample metadata without bytes, one blob at a time."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from dashboard import data
from dashboard.data import media
from dashboard.settings import Settings

# One distinct colour per logged step of "samples/digit", so a test can tell steps apart by pixels.
COLORS = {0: (255, 0, 0), 10: (0, 200, 0), 20: (0, 0, 255)}
BETA_STEPS = (0, 10)
TONE_STEPS = (0, 1, 2)
TONE_RATE = 8000


def solid(color: tuple[int, int, int], height: int = 8, width: int = 8) -> np.ndarray:
    """A CHW uint8 image of one colour (tensorboardX's default dataformat)."""
    return np.broadcast_to(np.array(color, dtype=np.uint8)[:, None, None], (3, height, width)).copy()


def encoded(fmt: str, color: tuple[int, int, int], size: tuple[int, int] = (20, 10)) -> bytes:
    """A PIL-encoded image (JPEG, GIF, ...) of one colour, width x height = size."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def write_media_logdir(root: Path) -> Path:
    """Write images and audio with tensorboardX, PyTorch and our own writer (JPEG, GIF, labels, repeats).

    alpha (tensorboardX): samples/digit 8x8 at steps 0, 10, 20 (COLORS); samples/wide 200x140 at 0 and 5.
    beta (tensorboardX): samples/digit at 0, 10; (our writer) formats/jpeg and formats/gif at step 3,
        batch/pair: two 4x4 images per step at steps 1 and 2, batch/pair step 2 logged twice (last wins: blue).
    voice (PyTorch): speech/tone, 1 s at 8 kHz, steps 0-2; (our writer) speech/pair: 2 labelled clips at step 5.
    only_scalars (tensorboardX): a scalar, no media.
    """
    from tensorboardX import SummaryWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from loaders.writer import EventWriter

    with SummaryWriter(str(root / "alpha")) as writer:
        for step, color in COLORS.items():
            writer.add_image("samples/digit", solid(color), step)
        for step in (0, 5):
            writer.add_image("samples/wide", solid((step * 40, 100, 100), 140, 200), step)
    with SummaryWriter(str(root / "beta")) as writer:
        for step in BETA_STEPS:
            writer.add_image("samples/digit", solid((step * 20, step * 20, step * 20)), step)
    with EventWriter(str(root / "beta"), filename_suffix=".own") as writer:
        writer.add_image("formats/jpeg", encoded("JPEG", (250, 250, 0)), 3)
        writer.add_image("formats/gif", encoded("GIF", (255, 0, 255)), 3)
        writer.add_images("batch/pair", [encoded("PNG", (255, 0, 0), (4, 4)), encoded("PNG", (0, 255, 0), (4, 4))], 1)
        writer.add_images("batch/pair", [encoded("PNG", (0, 0, 0), (4, 4))] * 2, 2)
        writer.add_images("batch/pair", [encoded("PNG", (0, 0, 255), (4, 4))] * 2, 2)
    with TorchWriter(str(root / "voice")) as writer:
        tone = np.sin(np.linspace(0, 2 * np.pi * 440, TONE_RATE)).astype(np.float32) * 0.5
        for step in TONE_STEPS:
            writer.add_audio("speech/tone", tone[None, :], step, sample_rate=TONE_RATE)
    with EventWriter(str(root / "voice"), filename_suffix=".own") as writer:
        stereo = np.zeros((2, 400, 2), dtype=np.float32)
        writer.add_audio("speech/pair", stereo, 4000, 5, labels=["left *clip*", "right clip"])
    with SummaryWriter(str(root / "only_scalars")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    return root


@pytest.fixture(scope="module")
def media_logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The logdir of write_media_logdir, written once per module."""
    return write_media_logdir(tmp_path_factory.mktemp("media") / "logs")


@pytest.fixture
def source(media_logdir: Path, tmp_path: Path) -> data.DataSource:
    """A DataSource over media_logdir with its own cache."""
    return data.DataSource(Settings(logdir=str(media_logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))


def pixel(blob: media.Blob) -> tuple[int, ...]:
    """The top-left pixel of an encoded image, as RGB."""
    from PIL import Image

    return Image.open(io.BytesIO(blob.data)).convert("RGB").getpixel((0, 0))


def test_media_samples_have_metadata_but_no_bytes_sorted_for_cards(source: data.DataSource) -> None:
    frame = media.samples(source, "images", ["beta", "alpha", "nobody"], ["samples/digit", "samples/wide", "nope"])
    assert list(frame.columns) == media.META_COLUMNS["images"] and "data" not in frame
    assert list(zip(frame["tag"], frame["run"], frame["step"])) == [
        ("samples/digit", "alpha", 0), ("samples/digit", "alpha", 10), ("samples/digit", "alpha", 20),
        ("samples/digit", "beta", 0), ("samples/digit", "beta", 10),
        ("samples/wide", "alpha", 0), ("samples/wide", "alpha", 5)]
    wide = frame[frame["tag"] == "samples/wide"].iloc[0]
    assert (wide["width"], wide["height"], wide["content_type"]) == (200, 140, "image/png")


def test_media_samples_of_audio_carry_rate_channels_frames_and_labels(source: data.DataSource) -> None:
    frame = media.samples(source, "audio", ["voice"], ["speech/pair", "speech/tone"])
    assert list(frame.columns) == media.META_COLUMNS["audio"]
    pair = frame[frame["tag"] == "speech/pair"]
    assert pair["index"].tolist() == [0, 1] and pair["label"].tolist() == ["left *clip*", "right clip"]
    assert pair[["sample_rate", "channels", "frames"]].iloc[0].tolist() == [4000.0, 2, 400]
    tone = frame[frame["tag"] == "speech/tone"]
    assert tone["step"].tolist() == list(TONE_STEPS) and set(tone["sample_rate"]) == {float(TONE_RATE)}
    assert set(tone["frames"]) == {TONE_RATE} and set(tone["content_type"]) == {"audio/wav"}


def test_media_samples_keep_the_row_written_last_for_a_repeated_step(source: data.DataSource) -> None:
    rows = media.sample_steps(source, "images", "beta", "batch/pair", 1)
    assert rows["step"].tolist() == [1, 2] and rows["index"].tolist() == [1, 1]
    assert pixel(media.blob(source, "images", "beta", "batch/pair", 2, 1)) == (0, 0, 255)
    assert pixel(media.blob(source, "images", "beta", "batch/pair", 1, 1)) == (0, 255, 0)


def test_media_blob_returns_the_bytes_of_one_step(source: data.DataSource) -> None:
    for step, color in COLORS.items():
        blob = media.blob(source, "images", "alpha", "samples/digit", step, 0)
        assert blob is not None and blob.content_type == "image/png" and pixel(blob) == color
    jpeg = media.blob(source, "images", "beta", "formats/jpeg", 3, 0)
    gif = media.blob(source, "images", "beta", "formats/gif", 3, 0)
    assert jpeg.data.startswith(b"\xff\xd8\xff") and jpeg.content_type == "image/jpeg"
    assert gif.data.startswith(b"GIF8") and gif.content_type == "image/gif" and pixel(gif) == (255, 0, 255)
    clip = media.blob(source, "audio", "voice", "speech/tone", 1, 0)
    assert clip.data[:4] == b"RIFF" and clip.content_type == "audio/wav" and clip.wall_time > 1e9


def test_media_blob_is_none_for_what_was_not_logged(source: data.DataSource) -> None:
    assert media.blob(source, "images", "alpha", "samples/digit", 5, 0) is None
    assert media.blob(source, "images", "alpha", "samples/digit", 10, 1) is None
    assert media.blob(source, "images", "alpha", "speech/tone", 0, 0) is None
    assert media.blob(source, "audio", "nobody", "speech/tone", 0, 0) is None


def test_media_is_known_checks_run_tag_and_kind(source: data.DataSource) -> None:
    assert media.is_known(source, "images", "beta", "formats/gif")
    assert not media.is_known(source, "audio", "beta", "formats/gif")
    assert not media.is_known(source, "images", "alpha", "formats/gif")


def test_media_rejects_unknown_kinds(source: data.DataSource) -> None:
    with pytest.raises(ValueError, match=r"media kind must be one of \['images', 'audio'\], got 'video'"):
        media.samples(source, "video", ["alpha"], ["samples/digit"])
    with pytest.raises(ValueError, match=r"media kind must be one of \['images', 'audio'\], got 'text'"):
        media.blob(source, "text", "alpha", "samples/digit", 0, 0)


def test_media_queries_are_empty_without_a_logdir(tmp_path: Path) -> None:
    missing = data.DataSource(Settings(logdir=str(tmp_path / "nope"), cache_dir=str(tmp_path / "cache")))
    frame = media.samples(missing, "audio", ["voice"], ["speech/tone"])
    assert frame.empty and list(frame.columns) == media.META_COLUMNS["audio"]
    assert media.blob(missing, "images", "alpha", "samples/digit", 0, 0) is None


def test_media_of_tensorflow_summaries_match_the_fixture_record(tmp_path: Path) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "tf2"
    expected = json.loads((fixtures / "expected.json").read_text())
    source = data.DataSource(Settings(logdir=str(fixtures), cache_dir=str(tmp_path / "cache"), reload_interval=0))
    frame = media.samples(source, "images", ["tf_summary"], ["images/rgb"])
    assert frame.groupby("index")["step"].apply(list).to_dict() == {0: [0, 1], 1: [0, 1], 2: [0, 1]}
    for record in expected["images"]["tf_summary"]["images/rgb"]:
        blobs = [media.blob(source, "images", "tf_summary", "images/rgb", record["step"], i) for i in range(3)]
        assert [hashlib.sha256(blob.data).hexdigest() for blob in blobs] == record["sha256"]
    for tag, clips in expected["audio"]["tf_summary"].items():
        rows = media.samples(source, "audio", ["tf_summary"], [tag])
        assert rows[["index", "sample_rate", "channels", "frames"]].to_dict("records") == [
            {key: clip[key] for key in ("index", "sample_rate", "channels", "frames")} for clip in clips]
        for clip in clips:
            blob = media.blob(source, "audio", "tf_summary", tag, clip["step"], clip["index"])
            assert hashlib.sha256(blob.data).hexdigest() == clip["sha256"]
