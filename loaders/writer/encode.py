"""Pure encoders for the writer: tensors, PNG, WAV, histogram buckets and PR-curve data."""

from __future__ import annotations

import io
import struct
import sys
import wave
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from loaders.proto.summary_pb2 import HistogramProto
from loaders.proto.tensor_pb2 import DataType, TensorProto, TensorShapeProto

# numpy dtype -> TensorFlow DataType, for tensors written with tensor_content.
_DTYPES: dict[np.dtype, int] = {
    np.dtype(np.float16): DataType.DT_HALF,
    np.dtype(np.float32): DataType.DT_FLOAT,
    np.dtype(np.float64): DataType.DT_DOUBLE,
    np.dtype(np.int8): DataType.DT_INT8,
    np.dtype(np.int16): DataType.DT_INT16,
    np.dtype(np.int32): DataType.DT_INT32,
    np.dtype(np.int64): DataType.DT_INT64,
    np.dtype(np.uint8): DataType.DT_UINT8,
    np.dtype(np.uint16): DataType.DT_UINT16,
    np.dtype(np.uint32): DataType.DT_UINT32,
    np.dtype(np.uint64): DataType.DT_UINT64,
    np.dtype(np.bool_): DataType.DT_BOOL,
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)
_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}  # PNG colour type -> channels
PR_MINIMUM_COUNT = 1e-7  # TensorBoard's pr_curve summary: the floor of precision/recall denominators


def _tf_bucket_limits() -> np.ndarray:
    """TensorFlow's default histogram limits (histogram.cc): +-1e-12 growing 10% to 1e20, +-DBL_MAX, 0."""
    positive = [1e-12]
    while positive[-1] * 1.1 < 1e20:  # the same repeated multiply as TF, so the limits match bit for bit
        positive.append(positive[-1] * 1.1)
    limits = np.array([-sys.float_info.max, *(-v for v in reversed(positive)), 0.0, *positive, sys.float_info.max])
    limits.flags.writeable = False
    return limits


_TF_BUCKET_LIMITS = _tf_bucket_limits()


def tensor_proto(value: object) -> TensorProto:
    """Return value as a TensorProto the way TensorFlow's summary ops serialize it.

    Numbers go into tensor_content (little-endian, C order); strings into string_val (UTF-8).

    Args:
        value: a number, string, bytes, ndarray or (nested) list of any of these.

    Returns:
        The TensorProto, with dtype and shape set.

    Raises:
        ValueError: the dtype has no TensorFlow equivalent.
    """
    array = np.asarray(value)
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in array.shape])
    if array.dtype.kind in "USO":
        strings = [s if isinstance(s, bytes) else str(s).encode("utf-8") for s in array.reshape(-1).tolist()]
        return TensorProto(dtype=DataType.DT_STRING, tensor_shape=shape, string_val=strings)
    dtype = _DTYPES.get(array.dtype)
    if dtype is None:
        raise ValueError(
            f"tensor dtype {array.dtype} is not supported; use one of {sorted(str(d) for d in _DTYPES)} or strings"
        )
    content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    return TensorProto(dtype=dtype, tensor_shape=shape, tensor_content=content)


def image_uint8(image: np.ndarray) -> np.ndarray:
    """Return an image as an H x W x C uint8 array (C in 1, 3, 4).

    Args:
        image: H x W or H x W x C, uint8 (0..255) or float (0..1, clipped).

    Returns:
        The image as uint8 with an explicit channel axis.

    Raises:
        ValueError: wrong rank, channel count or dtype.
    """
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _PNG_COLOR_TYPES:
        raise ValueError(f"image must be HxW or HxWxC with C in 1, 3, 4; got shape {array.shape}")
    if array.dtype.kind == "f":
        return np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    if array.dtype != np.uint8:
        raise ValueError(f"image dtype must be uint8 or float in [0, 1]; got {array.dtype}")
    return array


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: np.ndarray) -> bytes:
    """Return image encoded as an 8-bit PNG (grey, RGB or RGBA), deterministically.

    Args:
        image: anything image_uint8 accepts.

    Returns:
        The PNG file bytes.
    """
    pixels = image_uint8(image)
    height, width, channels = pixels.shape
    rows = pixels.reshape(height, width * channels)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()  # filter 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOR_TYPES[channels], 0, 0, 0)
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_size(data: bytes) -> tuple[int, int, int] | None:
    pos = 2
    while pos + 9 < len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height, data[pos + 9] if pos + 9 < len(data) else 3
        pos += 2 + length
    return None


def encoded_image_size(data: bytes) -> tuple[int, int, int]:
    """Return (width, height, channels) read from a PNG, GIF or JPEG header.

    Args:
        data: the encoded image file.

    Returns:
        Width, height and channel count.

    Raises:
        ValueError: the bytes are not a PNG, GIF or JPEG whose size can be read.
    """
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 26:
        width, height = struct.unpack(">II", data[16:24])
        return width, height, _PNG_CHANNELS.get(data[25], 3)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height, 3
    size = _jpeg_size(data) if data.startswith(b"\xff\xd8") else None
    if size is None:
        raise ValueError(
            f"encoded image ({len(data)} bytes, starting {data[:8]!r}) is not a PNG, GIF "
            f"or JPEG whose size can be read; pass a numpy array instead"
        )
    return size


def audio_clips(samples: np.ndarray) -> np.ndarray:
    """Return samples as a float array of shape (clips, frames, channels).

    Args:
        samples: (frames,), (frames, channels) or (clips, frames, channels), floats in [-1, 1].

    Returns:
        The samples with all three axes.

    Raises:
        ValueError: the rank is not 1, 2 or 3.
    """
    array = np.asarray(samples, dtype=np.float64)
    if array.ndim == 1:
        return array[None, :, None]
    if array.ndim == 2:
        return array[None, :, :]
    if array.ndim == 3:
        return array
    raise ValueError(
        f"audio samples must be (frames,), (frames, channels) or (clips, frames, channels); got shape {array.shape}"
    )


def encode_wav(clip: np.ndarray, sample_rate: int) -> bytes:
    """Return one clip as a 16-bit PCM WAV file.

    Args:
        clip: (frames, channels) floats; values outside [-1, 1] are clipped.
        sample_rate: frames per second.

    Returns:
        The WAV file bytes.
    """
    pcm = np.rint(np.clip(clip, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()


def tensor_histogram(values: npt.ArrayLike, bins: int = 30) -> np.ndarray:
    """Return the TF2 histogram tensor: bins rows of (left edge, right edge, count), float64.

    Follows tf.summary.histogram: equal-width buckets from min to max; all-equal data puts
    every count in the last bucket with both edges at the value; no data gives zeros.

    Args:
        values: any shape; flattened.
        bins: the number of buckets (TF2's default is 30).

    Returns:
        A (bins, 3) float64 array.
    """
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    if bins <= 0 or data.size == 0:
        return np.zeros((max(bins, 0), 3))
    low, high = float(data.min()), float(data.max())
    if high == low:
        counts = np.zeros(bins)
        counts[-1] = data.size
        return np.stack([np.full(bins, low), np.full(bins, low), counts], axis=1)
    index = np.minimum(np.floor((data - low) / ((high - low) / bins)).astype(np.int64), bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    edges = np.linspace(low, high, bins + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def legacy_histogram(values: npt.ArrayLike) -> HistogramProto:
    """Return a TF1 HistogramProto with TensorFlow's exponential default buckets.

    Bucket i holds values in [limit[i-1], limit[i]); runs of empty buckets collapse into one
    (as Histogram::EncodeToProto does), so the outer limits are +-DBL_MAX.

    Args:
        values: any shape, finite; flattened.

    Returns:
        The HistogramProto.

    Raises:
        ValueError: no values, or a value is NaN or infinite.
    """
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    if data.size == 0 or not np.isfinite(data).all():
        raise ValueError(
            f"a legacy histogram needs at least one value and only finite values; "
            f"got {data.size} values, {int((~np.isfinite(data)).sum())} not finite"
        )
    index = np.minimum(np.searchsorted(_TF_BUCKET_LIMITS, data, side="right"), len(_TF_BUCKET_LIMITS) - 1)
    counts = np.bincount(index, minlength=len(_TF_BUCKET_LIMITS)).astype(np.float64)
    following = np.append(counts[1:], 1.0)
    keep = (counts > 0) | (following > 0)
    return HistogramProto(
        min=float(data.min()),
        max=float(data.max()),
        num=float(data.size),
        sum=float(data.sum()),
        sum_squares=float(data @ data),
        bucket_limit=_TF_BUCKET_LIMITS[keep].tolist(),
        bucket=counts[keep].tolist(),
    )


def pr_curve_data(
    labels: Sequence[bool] | np.ndarray,
    predictions: Sequence[float] | np.ndarray,
    num_thresholds: int = 201,
    weights: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Return TensorBoard's PR-curve tensor: rows TP, FP, TN, FN, precision, recall.

    Predictions are bucketed by floor(p * (num_thresholds - 1)); counts at threshold i are the
    reversed cumulative sums, as in tensorboard.plugins.pr_curve.summary.pb.

    Args:
        labels: ground truth, castable to bool.
        predictions: probabilities in [0, 1], same shape as labels.
        num_thresholds: evenly spaced thresholds in [0, 1], at least 2.
        weights: a weight per example (or one for all).

    Returns:
        A (6, num_thresholds) float32 array.

    Raises:
        ValueError: bad num_thresholds, mismatched shapes or predictions outside [0, 1].
    """
    truth = np.asarray(labels).astype(bool).reshape(-1).astype(np.float64)
    scores = np.asarray(predictions, dtype=np.float64).reshape(-1)
    if num_thresholds < 2 or truth.shape != scores.shape:
        raise ValueError(
            f"pr curve needs num_thresholds >= 2 (got {num_thresholds}) and labels and "
            f"predictions of one size (got {truth.size} and {scores.size})"
        )
    if scores.size and (scores.min() < 0.0 or scores.max() > 1.0 or np.isnan(scores).any()):
        raise ValueError("pr curve predictions must lie in [0, 1]")
    weight = np.broadcast_to(np.asarray(weights, dtype=np.float64), np.asarray(labels).shape).reshape(-1)
    index = np.floor(scores * (num_thresholds - 1)).astype(np.int64)
    tp = np.bincount(index, truth * weight, minlength=num_thresholds)[::-1].cumsum()[::-1]
    fp = np.bincount(index, (1.0 - truth) * weight, minlength=num_thresholds)[::-1].cumsum()[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(PR_MINIMUM_COUNT, tp + fp)
    recall = tp / np.maximum(PR_MINIMUM_COUNT, tp + fn)
    return np.stack([tp, fp, tn, fn, precision, recall]).astype(np.float32)
