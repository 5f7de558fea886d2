"""Text queries for the Text page: which (run, tag) cards exist, and each card's steps newest first, paged."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard.data.source import DataSource

PLUGIN = "text"
PAGE_SIZE = 10
TEXT_COLUMNS = ["run", "tag", "step", "wall_time", "value", "shape", "values"]
_DTYPES = {
    "run": "str",
    "tag": "str",
    "step": "int64",
    "wall_time": "float64",
    "value": "str",
    "shape": "object",
    "values": "object",
}

CardKey = tuple[str, str]
"""(run, tag): one card of the Text page."""


@dataclass(frozen=True)
class TextCard:
    """One (run, tag) with text, and what the tag index says about it (no text is loaded).

    Attributes:
        run: the run.
        tag: the tag.
        count: how many text summaries (steps) it holds.
        last_step: its newest step.
    """

    run: str
    tag: str
    count: int
    last_step: int

    @property
    def key(self) -> CardKey:
        """(run, tag)."""
        return self.run, self.tag


@dataclass(frozen=True, eq=False)
class TextPage:
    """One page of a card's steps, newest first.

    Attributes:
        run: the run.
        tag: the tag.
        page: the page shown (0 is the newest; clamped to the pages there are).
        pages: how many pages there are (at least 1).
        total: how many steps the card holds.
        rows: this page's rows (step, wall_time, value, shape, values), newest first.
    """

    run: str
    tag: str
    page: int
    pages: int
    total: int
    rows: pd.DataFrame = field(repr=False)

    @property
    def steps(self) -> list[int]:
        """The steps on this page, newest first."""
        return [int(step) for step in self.rows["step"]]


def text_cards(source: DataSource, runs: Sequence[str], tags: Sequence[str]) -> list[TextCard]:
    """Return the cards for these runs and tags: tag by tag in the order given, runs in the order given.

    Args:
        source: the app's data.
        runs: the runs to show, in display order.
        tags: the tags to show, in display order.

    Returns:
        One TextCard per (run, tag) that holds text; pairs without text are left out.
    """
    frame = source.tags(PLUGIN)
    frame = frame[frame["run"].isin(set(runs)) & frame["tag"].isin(set(tags))]
    index = {
        (str(run), str(tag)): (int(count), int(last))
        for run, tag, count, last in zip(frame["run"], frame["tag"], frame["count"], frame["last_step"])
    }
    return [TextCard(run, tag, *index[run, tag]) for tag in tags for run in runs if (run, tag) in index]


def text_rows(source: DataSource, keys: Iterable[CardKey]) -> pd.DataFrame:
    """Return every text summary of the given (run, tag) pairs, each pair's rows newest first.

    Args:
        source: the app's data.
        keys: (run, tag) pairs; pairs without text are ignored.

    Returns:
        run, tag, step, wall_time, value, shape, values, sorted by run and tag, each pair newest
        step first (of two rows at one step, the later write comes first).
    """
    wanted = set(keys)
    present = source.tags(PLUGIN)
    present = present[[(str(run), str(tag)) in wanted for run, tag in zip(present["run"], present["tag"])]]
    if source.loader is None or present.empty:
        return pd.DataFrame({column: pd.Series(dtype=_DTYPES[column]) for column in TEXT_COLUMNS})
    frame = source.loader.text(sorted(set(present["run"])), sorted(set(present["tag"])))
    frame = frame[[(run, tag) in wanted for run, tag in zip(frame["run"], frame["tag"])]]
    order = frame.iloc[::-1].sort_values(["run", "tag", "step"], ascending=[True, True, False], kind="stable")
    return order[TEXT_COLUMNS].reset_index(drop=True)


def text_pages(
    source: DataSource, pages: Mapping[CardKey, int], *, page_size: int = PAGE_SIZE
) -> dict[CardKey, TextPage]:
    """Return the asked-for page of each card, loading the text of those cards only.

    Args:
        source: the app's data.
        pages: (run, tag) -> page index (0 is the newest page, -1 the oldest; out-of-range pages are clamped).
        page_size: steps per page.

    Returns:
        (run, tag) -> TextPage, for the pairs that hold text.

    Raises:
        ValueError: page_size is below 1.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    frame = text_rows(source, pages)
    result = {}
    for (run_name, tag_name), rows in frame.groupby(["run", "tag"], sort=False):
        run, tag = str(run_name), str(tag_name)
        result[run, tag] = page_of(run, tag, rows, pages[run, tag], page_size)
    return result


def text_page(source: DataSource, run: str, tag: str, page: int, *, page_size: int = PAGE_SIZE) -> TextPage | None:
    """Return one page of one card (see text_pages); None when the pair holds no text (any more).

    Args:
        source: the app's data.
        run: the run.
        tag: the tag.
        page: the page index; negative counts from the oldest page (-1 is the oldest).
        page_size: steps per page.

    Returns:
        The page, or None.
    """
    return text_pages(source, {(run, tag): page}, page_size=page_size).get((run, tag))


def page_of(run: str, tag: str, rows: pd.DataFrame, page: int, page_size: int = PAGE_SIZE) -> TextPage:
    """Cut one card's newest-first rows to one page.

    Args:
        run: the run.
        tag: the tag.
        rows: the card's rows, newest first.
        page: the page wanted; negative counts from the end (-1 is the oldest page); then clamped
            to [0, pages - 1].
        page_size: steps per page.

    Returns:
        The page.
    """
    pages = max(1, math.ceil(len(rows) / page_size))
    index = min(max(int(page) + (pages if page < 0 else 0), 0), pages - 1)
    chunk = rows.iloc[index * page_size : (index + 1) * page_size].reset_index(drop=True)
    return TextPage(run, tag, index, pages, len(rows), chunk)
