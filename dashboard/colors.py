"""Run colours: one stable colour per run name, the same on every page, session and worker."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

# 20 colours readable on white: Tableau 10, then ten companions chosen to stay apart from them.
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#00796b", "#843c39", "#a55194", "#e7ba52",
    "#6b6ecf", "#252525", "#fa8072", "#7cb342", "#8c6d31",
)


def run_color(run: str) -> str:
    """Return the colour of a run: a palette entry chosen by the CRC32 of its name.

    Args:
        run: the run name (relative path, "." for the root).

    Returns:
        A CSS hex colour; the same name always gets the same colour.
    """
    return PALETTE[zlib.crc32(run.encode("utf-8")) % len(PALETTE)]


def run_colors(runs: Iterable[str]) -> dict[str, str]:
    """Return run -> colour for many runs (see run_color)."""
    return {run: run_color(run) for run in runs}
