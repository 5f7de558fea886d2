"""Run colours: one stable colour per run name, the same on every page, session and worker, and no two runs alike."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping

# 20 colours readable on white: Tableau 10, then ten companions chosen to stay apart from them.
PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#00796b",
    "#843c39",
    "#a55194",
    "#e7ba52",
    "#6b6ecf",
    "#252525",
    "#fa8072",
    "#7cb342",
    "#8c6d31",
)


FALLBACK = "#757575"  # for a run the colour map does not know (it vanished since the page was built)


def run_color(run: str) -> str:
    """Return the colour of a run: a palette entry chosen by the CRC32 of its name.

    Args:
        run: the run name (relative path, "." for the root).

    Returns:
        A CSS hex colour; the same name always gets the same colour.
    """
    return PALETTE[zlib.crc32(run.encode("utf-8")) % len(PALETTE)]


def run_colors(runs: Iterable[str]) -> dict[str, str]:
    """Return run -> colour for the runs shown together, no two alike while the palette lasts.

    Runs are taken in name order; each gets its own run_color unless an earlier run has it, then
    the next free palette entry. So a run keeps its colour on every page, session and worker, and
    a new run changes no other run's colour unless it takes that colour's place.

    Args:
        runs: every run of the logdir (not a filtered subset, or colours would follow the filter).

    Returns:
        run -> CSS hex colour.
    """
    colors: dict[str, str] = {}
    free: set[int] = set()
    for run in sorted(set(runs)):
        if not free:  # more runs than colours: start another round of the palette
            free = set(range(len(PALETTE)))
        slot = zlib.crc32(run.encode("utf-8")) % len(PALETTE)
        while slot not in free:
            slot = (slot + 1) % len(PALETTE)
        free.discard(slot)
        colors[run] = PALETTE[slot]
    return colors


def extend_colors(known: Mapping[str, str], runs: Iterable[str]) -> dict[str, str]:
    """Return known plus a colour for every run it lacks, taken in the given order; known colours never change.

    Each new run gets its own run_color when no run holds it, else the next palette entry no run holds
    (once all are taken, one of the least used). Called with the runs in order of first appearance,
    this only grows: a run keeps its colour for as long as the map lives, and a new run takes a free one.

    Args:
        known: run -> colour already given out (kept as is, runs that vanished included).
        runs: the runs to colour, oldest first; runs already in known are skipped.

    Returns:
        A new run -> CSS hex colour mapping.
    """
    colors = dict(known)
    uses = [0] * len(PALETTE)
    for color in colors.values():
        if color in PALETTE:
            uses[PALETTE.index(color)] += 1
    for run in dict.fromkeys(runs):
        if run in colors:
            continue
        least = min(uses)  # a free colour; once all are taken, one of the least used (a new round)
        slot = zlib.crc32(run.encode("utf-8")) % len(PALETTE)
        while uses[slot] != least:
            slot = (slot + 1) % len(PALETTE)
        uses[slot] += 1
        colors[run] = PALETTE[slot]
    return colors
