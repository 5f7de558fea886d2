"""Our own tfevents writer (numpy + our protos + stdlib): demo data and edge cases for tests."""

from __future__ import annotations

from loaders.writer.encode import encode_png, encode_wav, legacy_histogram, pr_curve_data, tensor_histogram
from loaders.writer.event_writer import EventWriter

__all__ = ["EventWriter", "encode_png", "encode_wav", "legacy_histogram", "pr_curve_data", "tensor_histogram"]
