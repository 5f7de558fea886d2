"""Images: legacy Summary.Image and TF2 [width, height, image...] string tensors as one row per image."""

from __future__ import annotations

import numpy as np

from loaders.proto import summary_pb2

# Own columns, in schema order: index, width, height, content_type, data.
ImageRow = tuple[int, int, int, str, bytes]
_MAX_SIDE = 2**31 - 1  # width and height are int32 columns

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def sniff_image(data: bytes) -> str:
    """Return the MIME type of encoded image bytes from their magic number.

    Args:
        data: the encoded image.

    Returns:
        image/png, image/jpeg, image/gif, image/webp or image/bmp; else application/octet-stream.
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    return "application/octet-stream"


def from_legacy(image: summary_pb2.Summary.Image) -> list[ImageRow]:
    """Return the one row of a legacy image value (index 0).

    Args:
        image: the Summary.Value.image message.

    Returns:
        A list with one (index, width, height, content_type, data) row.
    """
    data = image.encoded_image_string
    return [(0, image.width, image.height, sniff_image(data), data)]


def from_tensor(array: np.ndarray) -> list[ImageRow]:
    """Return one row per image of a TF2 image tensor [width, height, image0, image1, ...].

    Args:
        array: the decoded 1-D string tensor; width and height are decimal strings.

    Returns:
        One (index, width, height, content_type, data) row per image, index 0..n-1.

    Raises:
        ValueError: when the tensor is not a 1-D string tensor starting with width and height.
    """
    if array.dtype != object or array.ndim != 1 or len(array) < 2:
        raise ValueError(
            f"an image summary must be a 1-D string tensor [width, height, images...], "
            f"got {array.dtype} of shape {list(array.shape)}"
        )
    try:
        width, height = int(array[0]), int(array[1])
    except ValueError as err:
        raise ValueError(f"an image summary must start with its width and height as numbers: {err}") from None
    if not (0 <= width <= _MAX_SIDE and 0 <= height <= _MAX_SIDE):
        raise ValueError(f"an image summary's width and height must be 0..{_MAX_SIDE}, got {width} x {height}")
    return [(index, width, height, sniff_image(data), data) for index, data in enumerate(array[2:])]
