"""events.plugins.images: content type from magic bytes; legacy and TF2 image values to one row per image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from loaders.events.plugins.images import from_legacy, from_tensor, sniff_image
from loaders.proto import summary_pb2


def _encoded(fmt: str, size: tuple[int, int] = (3, 2)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 255)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "content_type"), [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp"), ("BMP", "image/bmp"),
])
def test_images_sniff_image_real_encodings(fmt, content_type):
    assert sniff_image(_encoded(fmt)) == content_type


def test_images_sniff_image_unknown_bytes():
    assert sniff_image(b"") == "application/octet-stream"
    assert sniff_image(b"RIFF\x00\x00\x00\x00WAVE") == "application/octet-stream"


def test_images_from_legacy():
    png = _encoded("PNG", (5, 4))
    image = summary_pb2.Summary.Image(width=5, height=4, colorspace=3, encoded_image_string=png)
    assert from_legacy(image) == [(0, 5, 4, "image/png", png)]


def test_images_from_tensor_one_row_per_image():
    gif, jpeg = _encoded("GIF"), _encoded("JPEG")
    array = np.array([b"3", b"2", gif, jpeg], dtype=object)
    assert from_tensor(array) == [(0, 3, 2, "image/gif", gif), (1, 3, 2, "image/jpeg", jpeg)]
    assert from_tensor(np.array([b"3", b"2"], dtype=object)) == []


@pytest.mark.parametrize("array", [
    np.array([b"3"], dtype=object), np.array([1.0, 2.0]), np.array([[b"1", b"2"]], dtype=object),
    np.array([b"wide", b"2", b"img"], dtype=object),
])
def test_images_from_tensor_refuses_bad_tensors(array):
    with pytest.raises(ValueError, match="image summary"):
        from_tensor(array)
