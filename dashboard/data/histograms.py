"""Histogram queries for the Histograms and Distributions pages: tags, (tag, run) pairs, rows and steps."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.data.source import DataSource, Matcher

PLUGIN = "histograms"
COLUMNS = ["run", "tag", "step", "wall_time", "min", "max", "num", "sum", "sum_squares", "bucket_limit", "bucket"]
_DTYPES = {
    "run": "str",
    "tag": "str",
    "step": "int64",
    "wall_time": "float64",
    "min": "float64",
    "max": "float64",
    "num": "float64",
    "sum": "float64",
    "sum_squares": "float64",
    "bucket_limit": "object",
    "bucket": "object",
}


def has_histograms(source: DataSource) -> bool:
    """Return whether any run has a histogram tag.

    Args:
        source: the app's data.

    Returns:
        True when the histograms plugin has data.
    """
    return PLUGIN in source.plugins_with_data()


def histogram_tags(source: DataSource, runs: Iterable[str], pattern: Matcher | None = None) -> list[str]:
    """Return the histogram tags that have data in the given runs, filtered, in natural order.

    Args:
        source: the app's data.
        runs: run names (tags only other runs have are left out).
        pattern: keep tags it matches (re.search); None keeps all.

    Returns:
        Tag names.
    """
    return source.plugin_tags(PLUGIN, runs, pattern)


def runs_by_tag(source: DataSource, runs: Iterable[str], tags: Iterable[str]) -> dict[str, list[str]]:
    """Return tag -> the given runs that logged it as a histogram (runs in the order given).

    Args:
        source: the app's data.
        runs: run names, in display order.
        tags: tag names.

    Returns:
        One entry per tag that some run has, in the order of tags.
    """
    return source.runs_by_tag(PLUGIN, runs, tags)


def series(source: DataSource, run: str, tag: str) -> pd.DataFrame:
    """Return every histogram of one (run, tag), sorted by step (cached per data version).

    Args:
        source: the app's data.
        run: the run name.
        tag: the tag name.

    Returns:
        The histograms columns (COLUMNS); empty when the pair has no histograms. Treat it as
        read-only: the same frame is returned until the data changes.
    """
    return source.memo((PLUGIN, run, tag), lambda: _series(source, run, tag))


def _series(source: DataSource, run: str, tag: str) -> pd.DataFrame:
    """Read one (run, tag) from the loaders."""
    loader = source.loader
    frame = source.tags(PLUGIN)
    if loader is None or not ((frame["run"] == run) & (frame["tag"] == tag)).any():
        return empty()
    try:
        rows = loader.histograms(runs=[run], tags=[tag])
    except ValueError:  # the run or tag went away between tags() and this read
        return empty()
    return rows.sort_values("step", kind="stable").reset_index(drop=True)


def steps(source: DataSource, runs: Iterable[str], tags: Iterable[str]) -> list[int]:
    """Return the distinct steps at which any of the runs logged any of the tags, ascending.

    Args:
        source: the app's data.
        runs: run names.
        tags: tag names.

    Returns:
        The steps ([] when none; cached per data version: treat the list as read-only).
    """
    key = (tuple(runs), tuple(tags))
    return source.memo((PLUGIN, "steps", *key), lambda: _steps(source, *key))


def _steps(source: DataSource, runs: tuple[str, ...], tags: tuple[str, ...]) -> list[int]:
    found = [
        series(source, run, tag)["step"].to_numpy(np.int64)
        for tag, names in runs_by_tag(source, runs, tags).items()
        for run in names
    ]
    return np.unique(np.concatenate(found)).tolist() if found else []


def empty() -> pd.DataFrame:
    """Return a histograms frame with no rows and the right column types."""
    return pd.DataFrame({column: pd.Series(dtype=_DTYPES[column]) for column in COLUMNS})
