"""Audio: legacy Summary.Audio and TF2 [k, 2] (encoded, label) string tensors as one row per clip."""

from __future__ import annotations

import math
import struct

import numpy as np

from loaders.proto import summary_pb2

# Own columns, in schema order: index, sample_rate, channels, frames, content_type, label, data.
AudioRow = tuple[int, float, int, int, str, str, bytes]

_CHUNK = struct.Struct("<4sI")
_FMT = struct.Struct("<HHIIHH")
_MAGIC = (
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
)


def sniff_audio(data: bytes) -> str:
    """Return the MIME type of encoded audio bytes from their magic number.

    Args:
        data: the encoded clip.

    Returns:
        audio/wav, audio/flac, audio/ogg or audio/mpeg; else application/octet-stream.
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    return "application/octet-stream"


def wav_info(data: bytes) -> tuple[float, int, int]:
    """Read sample rate, channels and frames from a WAV (RIFF) header.

    Parsed by hand rather than with the stdlib `wave`, which rejects float and other
    non-PCM WAV files that writers also produce.

    Args:
        data: the encoded clip.

    Returns:
        (sample_rate, channels, frames); (NaN, 0, 0) when the header cannot be read.
    """
    if sniff_audio(data) != "audio/wav":
        return math.nan, 0, 0
    fmt: tuple[int, ...] | None = None
    pos = 12
    while pos + _CHUNK.size <= len(data):
        chunk_id, size = _CHUNK.unpack_from(data, pos)
        body = pos + _CHUNK.size
        if chunk_id == b"fmt " and size >= _FMT.size and body + _FMT.size <= len(data):
            fmt = _FMT.unpack_from(data, body)
        elif chunk_id == b"data" and fmt is not None:
            _, channels, rate, _, block_align, _ = fmt
            available = min(size, len(data) - body)  # streaming writers leave the size unset
            return float(rate), channels, available // block_align if block_align else 0
        pos = body + size + (size & 1)
    return math.nan, 0, 0


def from_legacy(audio: summary_pb2.Summary.Audio) -> list[AudioRow]:
    """Return the one row of a legacy audio value (index 0, empty label).

    Header fields the writer left at 0 are read from the WAV header instead.

    Args:
        audio: the Summary.Value.audio message.

    Returns:
        A list with one (index, sample_rate, channels, frames, content_type, label, data) row.
    """
    data = audio.encoded_audio_string
    rate, channels, frames = float(audio.sample_rate), audio.num_channels, audio.length_frames
    if not (rate and channels and frames):
        header = wav_info(data)
        rate, channels, frames = rate or header[0], channels or header[1], frames or header[2]
    return [(0, rate, channels, frames, audio.content_type or sniff_audio(data), "", data)]


def from_tensor(array: np.ndarray) -> list[AudioRow]:
    """Return one row per clip of a TF2 audio tensor, [k, 2] (encoded, label) or [k] (encoded).

    Args:
        array: the decoded string tensor.

    Returns:
        One row per clip, index 0..k-1, with rate, channels and frames from the WAV header.

    Raises:
        ValueError: when the tensor is not a [k, 2] or [k] string tensor.
    """
    if array.dtype != object or not (array.ndim == 1 or (array.ndim == 2 and array.shape[1] == 2)):
        raise ValueError(
            f"an audio summary must be a [k, 2] or [k] string tensor, got {array.dtype} of shape {list(array.shape)}"
        )
    pairs = [(clip, b"") for clip in array] if array.ndim == 1 else [(clip, label) for clip, label in array]
    rows: list[AudioRow] = []
    for index, (clip, label) in enumerate(pairs):
        rate, channels, frames = wav_info(clip)
        rows.append((index, rate, channels, frames, sniff_audio(clip), label.decode("utf-8", errors="replace"), clip))
    return rows
