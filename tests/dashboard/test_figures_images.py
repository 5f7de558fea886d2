"""Tests of dashboard.figures.images: slider marks, exact-step lookup, CSS filter and pixelated rendering."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dateutil import tz

import loaders
from dashboard.figures.images import (
    css_filter,
    image_style,
    is_small,
    nearest_index,
    step_caption,
    step_marks,
)


def test_step_marks_label_about_ten_indices_with_first_and_last() -> None:
    steps = list(range(0, 1000, 7))  # 143 steps; the slider runs over indices 0..142
    marks = step_marks(steps)
    assert len(marks) == 10
    assert min(marks) == 0 and max(marks) == 142
    assert marks[0] == "0" and marks[142] == "994"
    assert all(marks[index] == str(steps[index]) for index in marks)


def test_step_marks_every_step_labelled_when_few_and_none_when_empty() -> None:
    assert step_marks([3, 10, 42]) == {0: "3", 1: "10", 2: "42"}
    assert step_marks([]) == {}


def test_step_marks_abbreviate_large_steps() -> None:
    marks = step_marks([0, 12_345, 999_999, 1_500_000], labels=4)
    assert marks == {0: "0", 1: "12.3k", 2: "1M", 3: "1.5M"}


def test_nearest_index_finds_the_exact_or_nearest_step() -> None:
    steps = [0, 10, 20, 40]
    assert nearest_index(steps, 20) == 2
    assert nearest_index(steps, 31) == 3 and nearest_index(steps, 30) == 2  # ties go to the earlier step
    assert nearest_index(steps, -5) == 0 and nearest_index(steps, 1e9) == 3
    assert nearest_index(steps, None) == 3 and nearest_index(steps, math.nan) == 3  # nothing typed: the newest
    with pytest.raises(ValueError, match="no steps"):
        nearest_index([], 3)


def test_step_caption_shows_step_and_local_wall_time() -> None:
    wall = 1_700_000_000.0
    local = pd.Timestamp(wall, unit="s", tz="UTC").tz_convert(tz.tzlocal()).strftime("%Y-%m-%d %H:%M:%S")
    assert step_caption(120, wall) == f"step 120 · {local}"
    assert step_caption(5, math.nan) == "step 5"


@pytest.mark.parametrize(("brightness", "contrast", "expected"), [
    (1.0, 1.0, "none"),
    (1.5, 0.8, "brightness(1.5) contrast(0.8)"),
    (9.0, -1.0, "brightness(5) contrast(0)"),  # clamped to TensorBoard's 0-5x range
    (None, 2.0, "brightness(1) contrast(2)"),
    (math.nan, 1.0, "none"),
])
def test_css_filter(brightness: float | None, contrast: float | None, expected: str) -> None:
    assert css_filter(brightness, contrast) == expected


def test_is_small_for_images_written_by_tensorboardx(tbx_writer, logdir: Path, tmp_path: Path) -> None:
    writer = tbx_writer()
    writer.add_image("mnist_like", np.zeros((1, 28, 28), dtype=np.float32), 0)
    writer.add_image("photo", np.zeros((3, 150, 200), dtype=np.float32), 0)
    writer.close()
    images = loaders.Logdir(logdir, cache_dir=tmp_path / "cache").images().set_index("tag")
    assert is_small(images.loc["mnist_like", "width"], images.loc["mnist_like", "height"])
    assert (images.loc["photo", "width"], images.loc["photo", "height"]) == (200, 150)
    assert not is_small(images.loc["photo", "width"], images.loc["photo", "height"])
    assert not is_small(0, 0) and not is_small(None, 10)


def test_image_style_fits_the_card_or_shows_actual_size() -> None:
    small = image_style(28, 28, brightness=2.0)
    assert small["imageRendering"] == "pixelated" and small["filter"] == "brightness(2) contrast(1)"
    assert small["width"] == "100%"  # small images are scaled up to the card
    large = image_style(640, 480)
    assert "imageRendering" not in large and large["maxWidth"] == "100%" and large["width"] == "auto"
    actual = image_style(640, 480, actual_size=True)
    assert actual["width"] == "640px" and actual["maxWidth"] == "none"
