"""Custom scalars layouts: the serialized Layout protos of the tensors table -> categories of charts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from google.protobuf.message import DecodeError

from loaders.proto import plugins_pb2, tensor_pb2
from loaders.tensors import decode_tensor

CONFIG_TAG = "custom_scalars__config__"
PLUGIN = "custom_scalars"


@dataclass(frozen=True)
class MultilineChart:
    """A chart of every scalar tag that one of its regexes matches from the start of the tag (re.match).

    Attributes:
        title: the chart title.
        tags: the tag regexes, as logged.
    """

    title: str
    tags: tuple[str, ...]

    @property
    def invalid(self) -> tuple[str, ...]:
        """The regexes that do not compile (they match nothing; so does an empty one, which is not listed)."""
        return tuple(pattern for pattern in self.tags if pattern and _compile(pattern) is None)

    def matches(self, tags: Iterable[str]) -> list[str]:
        """Return the tags any regex matches at the start of the tag (TensorBoard's re.match), in the given order.

        Args:
            tags: candidate tag names (e.g. the scalar tags of the shown runs).

        Returns:
            The matched tags; an empty or invalid regex matches nothing.
        """
        patterns = [compiled for compiled in map(_compile, self.tags) if compiled is not None]
        return [tag for tag in tags if any(pattern.match(tag) for pattern in patterns)]


@dataclass(frozen=True)
class MarginSeries:
    """One line of a margin chart: the value tag drawn between its lower and upper tags (exact tag names)."""

    value: str
    lower: str
    upper: str


@dataclass(frozen=True)
class MarginChart:
    """A chart of value lines with filled lower/upper bands.

    Attributes:
        title: the chart title.
        series: the (value, lower, upper) tag triples.
    """

    title: str
    series: tuple[MarginSeries, ...]


Chart = MultilineChart | MarginChart


@dataclass(frozen=True)
class Category:
    """A titled group of charts (a section of the Custom scalars page).

    Attributes:
        title: the category title.
        charts: its charts, in layout order.
        closed: the writer asked for the section to start collapsed.
    """

    title: str
    charts: tuple[Chart, ...] = field(default=())
    closed: bool = False


def parse_layout(content: bytes) -> list[Category]:
    """Parse one serialized custom-scalars Layout proto.

    Args:
        content: the Layout's bytes (the string value of a custom_scalars__config__ tensor).

    Returns:
        Its categories in order; a chart with neither multiline nor margin content is left out.

    Raises:
        ValueError: content is not a Layout.
    """
    try:
        layout = plugins_pb2.Layout.FromString(content)
    except (DecodeError, RuntimeError) as error:
        raise ValueError(f"not a custom scalars Layout proto ({len(content)} bytes): {error}") from error
    return [
        Category(
            category.title,
            tuple(chart for chart in map(_chart, category.chart) if chart is not None),
            bool(category.closed),
        )
        for category in layout.category
    ]


def _chart(chart: plugins_pb2.Chart) -> Chart | None:
    kind = chart.WhichOneof("content")
    if kind == "multiline":
        return MultilineChart(chart.title, tuple(chart.multiline.tag))
    if kind == "margin":
        series = tuple(MarginSeries(s.value, s.lower, s.upper) for s in chart.margin.series)
        return MarginChart(chart.title, series)
    return None


def layout_bytes(tensor: bytes) -> bytes:
    """Return the Layout bytes held by a serialized TensorProto (a scalar or 1-element string tensor).

    Raises:
        ValueError: the tensor does not decode, or is not one string.
    """
    try:
        values = decode_tensor(tensor_pb2.TensorProto.FromString(tensor))
    except (DecodeError, RuntimeError) as error:
        raise ValueError(f"not a TensorProto ({len(tensor)} bytes): {error}") from error
    if values.dtype != np.dtype(object) or values.size != 1:
        raise ValueError(f"expected one string, got a {values.dtype} tensor of shape {list(values.shape)}")
    return bytes(values.reshape(-1)[0])


def merge_layouts(layouts: Iterable[list[Category]]) -> list[Category]:
    """Merge layouts as TensorBoard does: categories with the same title become one, repeated charts are dropped.

    Args:
        layouts: the layouts in run order.

    Returns:
        The merged categories, in order of first appearance (a category's closed flag is its first one's).
    """
    merged: dict[str, Category] = {}
    for layout in layouts:
        for category in layout:
            seen = merged.get(category.title)
            if seen is None:
                merged[category.title] = Category(
                    category.title, tuple(dict.fromkeys(category.charts)), category.closed
                )
                continue
            charts = tuple(dict.fromkeys(seen.charts + category.charts))
            merged[category.title] = Category(seen.title, charts, seen.closed)
    return list(merged.values())


def layout_from_tensors(rows: pd.DataFrame) -> tuple[list[Category], list[str]]:
    """Return the merged layout of the config tensors of a tensors table, and the problems met.

    Each run's newest layout (its last row) counts, so a run that logged a new layout shows it;
    runs are merged in the order of the rows' run names, sorted.

    Args:
        rows: tensors-table rows (run, tag, data, in file order per run); rows of other tags are ignored.

    Returns:
        (categories, problems): one sentence per layout that could not be read, naming its run and step.
    """
    problems: list[str] = []
    if rows is None or rows.empty:
        return [], problems
    config = rows[rows["tag"].astype(str) == CONFIG_TAG]
    layouts = []
    for run, group in sorted(config.groupby(config["run"].astype(str), sort=False), key=lambda item: item[0]):
        last = group.iloc[-1]
        try:
            layouts.append(parse_layout(layout_bytes(bytes(last["data"]))))
        except ValueError as error:
            problems.append(f"run {run!r} step {int(last['step'])}: {CONFIG_TAG}: {error}")
    return merge_layouts(layouts), problems


def _compile(pattern: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error:
        return None
