"""PR-curve queries for the PR curves page: which runs logged a tag, and every step of their curves."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.data.source import DataSource

PLUGIN = "pr_curves"
COUNTS = ["tp", "fp", "tn", "fn"]
LISTS = ["threshold", *COUNTS, "precision", "recall"]
COLUMNS = ["run", "tag", "step", "wall_time", *LISTS]


def runs_by_tag(source: DataSource, runs: Iterable[str], tags: Iterable[str]) -> dict[str, list[str]]:
    """Return tag -> the given runs that logged it as a PR curve (runs in the order given).

    Args:
        source: the app's data.
        runs: run names, in display order.
        tags: tag names.

    Returns:
        One entry per tag that some run has, in the order of tags.
    """
    return source.runs_by_tag(PLUGIN, runs, tags)


def curves(source: DataSource, run: str, tag: str) -> pd.DataFrame:
    """Return every logged step of one (run, tag)'s PR curve, sorted by step (cached per data version).

    Args:
        source: the app's data.
        run: the run name.
        tag: the tag name.

    Returns:
        run, tag, step, wall_time and the per-threshold lists threshold, tp, fp, tn, fn, precision,
        recall (numpy arrays of equal length); empty (those columns) when the pair has no PR curve.
    """
    return source.memo(("pr_curves", run, tag), lambda: _read(source, run, tag))


def _read(source: DataSource, run: str, tag: str) -> pd.DataFrame:
    logdir = source.loader
    frame = source.tags(PLUGIN)
    if logdir is None or not ((frame["run"] == run) & (frame["tag"] == tag)).any():
        return pd.DataFrame(columns=COLUMNS)
    try:
        rows = logdir.pr_curves([run], [tag])
    except ValueError:  # the run or tag went away between tags() and this read
        return pd.DataFrame(columns=COLUMNS)
    rows = rows[COLUMNS].sort_values("step", kind="stable")
    return rows.drop_duplicates("step", keep="last").reset_index(drop=True)
