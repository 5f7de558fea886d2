"""Eventscope loaders: TensorBoard event files and profiler captures as Arrow tables and DataFrames.

Entry points: Logdir(logdir, *, cache_dir=None) reads a logdir through the on-disk cache, with
one reader per table kind (scalars(), histograms(), ...; *_table() for the Arrow twins), tags(),
hparams(), graph(run) and problems(); Logdir.scalar_series(runs, tags) returns one frame per
scalar tag (run and tag categorical) from a per-run tag index, for callers that ask tag by tag.
read_scalars(logdir, *, runs=None, tags=None) and the other read_* read in one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loaders.api import (
    Logdir,
    read_audio,
    read_histograms,
    read_images,
    read_pr_curves,
    read_scalars,
    read_tensors,
    read_text,
)
from loaders.errors import CacheError, CorruptRecord, LoaderError, LogdirNotFound, Problem
from loaders.schemas import SCHEMA_VERSION

if TYPE_CHECKING:
    from loaders.tables.graphs import Graph

__all__ = [
    "SCHEMA_VERSION",
    "CacheError",
    "CorruptRecord",
    "Graph",
    "LoaderError",
    "Logdir",
    "LogdirNotFound",
    "Problem",
    "read_audio",
    "read_histograms",
    "read_images",
    "read_pr_curves",
    "read_scalars",
    "read_tensors",
    "read_text",
]


def __getattr__(name: str) -> object:
    """Import Graph on first use, so `import loaders` stays light."""
    if name == "Graph":
        from loaders.tables.graphs import Graph

        return Graph
    raise AttributeError(f"module 'loaders' has no attribute {name!r}")
