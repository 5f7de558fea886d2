"""events.plugins.audio: WAV headers read by hand (PCM and float), legacy and TF2 values to one row per clip."""

from __future__ import annotations

import io
import math
import struct
import wave

import numpy as np
import pytest

from loaders.events.plugins.audio import from_legacy, from_tensor, sniff_audio, wav_info
from loaders.proto import summary_pb2


def _pcm(frames: int, rate: int, channels: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x01\x00" * frames * channels)
    return out.getvalue()


def _float_wav(samples: np.ndarray, rate: int) -> bytes:
    """A 32-bit float WAV (format 3) with an extra LIST chunk, which the stdlib wave module rejects."""
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    extra = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd size: padded to even
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_audio_wav_info_pcm_mono_and_stereo():
    assert wav_info(_pcm(441, 44100, 1)) == (44100.0, 1, 441)
    assert wav_info(_pcm(10, 22050, 2)) == (22050.0, 2, 10)


def test_audio_wav_info_float_wav_with_extra_chunks():
    assert wav_info(_float_wav(np.zeros(7), 16000)) == (16000.0, 1, 7)


def test_audio_wav_info_streaming_size_and_garbage():
    streamed = bytearray(_pcm(20, 8000, 1))
    data_at = bytes(streamed).index(b"data")
    streamed[data_at + 4 : data_at + 8] = b"\xff\xff\xff\xff"  # size left unset by a streaming writer
    assert wav_info(bytes(streamed)) == (8000.0, 1, 20)
    for bad in (b"", b"RIFF\x00\x00\x00\x00WAVE", b"OggS....", _pcm(4, 8000, 1)[:30]):
        rate, channels, frames = wav_info(bad)
        assert math.isnan(rate) and (channels, frames) == (0, 0)


@pytest.mark.parametrize(("data", "content_type"), [
    (b"RIFF\x10\x00\x00\x00WAVEfmt ", "audio/wav"), (b"fLaC\x00", "audio/flac"), (b"OggS\x00", "audio/ogg"),
    (b"ID3\x04", "audio/mpeg"), (b"\x00\x01", "application/octet-stream"),
])
def test_audio_sniff_audio(data, content_type):
    assert sniff_audio(data) == content_type


def test_audio_from_legacy_uses_proto_fields_then_header():
    clip = _pcm(100, 8000, 1)
    given = summary_pb2.Summary.Audio(sample_rate=8000, num_channels=1, length_frames=100,
                                      encoded_audio_string=clip, content_type="audio/wav")
    assert from_legacy(given) == [(0, 8000.0, 1, 100, "audio/wav", "", clip)]
    bare = summary_pb2.Summary.Audio(encoded_audio_string=clip)
    assert from_legacy(bare) == [(0, 8000.0, 1, 100, "audio/wav", "", clip)]


def test_audio_from_tensor_k_and_k_by_2():
    clips = [_pcm(5, 8000, 1), _float_wav(np.zeros(3), 4000)]
    flat = np.empty(2, dtype=object)
    flat[:] = clips
    assert [row[:6] for row in from_tensor(flat)] == [(0, 8000.0, 1, 5, "audio/wav", ""), (1, 4000.0, 1, 3, "audio/wav", "")]
    pairs = np.empty((1, 2), dtype=object)
    pairs[0] = [clips[0], "l\u00e4bel".encode()]
    assert from_tensor(pairs) == [(0, 8000.0, 1, 5, "audio/wav", "l\u00e4bel", clips[0])]


def test_audio_from_tensor_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"\[k, 2\] or \[k\] string tensor"):
        from_tensor(np.empty((2, 3), dtype=object))
    with pytest.raises(ValueError, match="audio summary"):
        from_tensor(np.zeros(2))
