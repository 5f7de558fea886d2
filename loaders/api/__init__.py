"""The public reader API: Logdir (runs, tags, one reader per table kind) and one-shot read_* functions."""

from __future__ import annotations

from loaders.api.assemble import READER_KINDS
from loaders.api.logdir import RESTART_POLICIES, Logdir, Progress
from loaders.api.oneshot import (
    read_audio,
    read_histograms,
    read_images,
    read_pr_curves,
    read_scalars,
    read_tensors,
    read_text,
)
from loaders.api.select import Selector

__all__ = [
    "READER_KINDS",
    "RESTART_POLICIES",
    "Logdir",
    "Progress",
    "Selector",
    "read_audio",
    "read_histograms",
    "read_images",
    "read_pr_curves",
    "read_scalars",
    "read_tensors",
    "read_text",
]
