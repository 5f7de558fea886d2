"""Custom scalars queries: the logged layout as page-shaped charts, and the scalar points each chart plots."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from dashboard.data.source import SCALAR_COLUMNS, DataSource
from loaders.tables.custom_scalars import MarginChart, MultilineChart

PLUGIN = "custom_scalars"
MARGIN_COLUMNS = ["run", "tag", "step", "wall_time", "value", "lower", "upper"]


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the layout, as the page shows it.

    Attributes:
        key: unique across the layout: "category/title" (a repeated pair gets " (2)", " (3)", ...).
        category: the category (the page's section) it belongs to.
        title: the chart title.
        kind: "multiline" or "margin".
        patterns: a multiline chart's tag regexes (matched from the start of the tag).
        invalid: the patterns that are not valid regexes.
        margins: a margin chart's (value, lower, upper) tag triples.
    """

    key: str
    category: str
    title: str
    kind: str
    patterns: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    margins: tuple[tuple[str, str, str], ...] = ()


def charts(source: DataSource) -> list[ChartSpec]:
    """Return every chart of the merged layout, in layout order (cached per data version).

    Args:
        source: the app's data.

    Returns:
        The charts; [] without a layout.
    """
    return source.memo(("custom_scalars", "charts"), lambda: _charts(source))


def _charts(source: DataSource) -> list[ChartSpec]:
    logdir = source.loader
    if logdir is None or PLUGIN not in source.plugins_with_data():
        return []
    specs: list[ChartSpec] = []
    seen: dict[str, int] = {}
    for category in logdir.custom_scalars_layout():
        for chart in category.charts:
            key = f"{category.title}/{chart.title}"
            seen[key] = seen.get(key, 0) + 1
            key = key if seen[key] == 1 else f"{key} ({seen[key]})"
            if isinstance(chart, MultilineChart):
                specs.append(ChartSpec(key, category.title, chart.title, "multiline", chart.tags, chart.invalid))
            elif isinstance(chart, MarginChart):
                margins = tuple((s.value, s.lower, s.upper) for s in chart.series)
                specs.append(ChartSpec(key, category.title, chart.title, "margin", margins=margins))
    return specs


def chart_keys(source: DataSource, pattern: re.Pattern[str] | None = None) -> list[str]:
    """Return the keys of the charts to show: all, or those whose "category/title" the pattern finds (re.search)."""
    return [spec.key for spec in charts(source) if pattern is None or pattern.search(spec.key)]


def sections(source: DataSource, keys: Iterable[str]) -> dict[str, list[str]]:
    """Return category -> the given chart keys in it, both in layout order (the page's sections)."""
    wanted = set(keys)
    grouped: dict[str, list[str]] = {}
    for spec in charts(source):
        if spec.key in wanted:
            grouped.setdefault(spec.category, []).append(spec.key)
    return grouped


def chart(source: DataSource, key: str) -> ChartSpec | None:
    """Return the chart of a key (None when the layout has no such chart)."""
    return next((spec for spec in charts(source) if spec.key == key), None)


def matched_tags(source: DataSource, spec: ChartSpec, runs: Iterable[str]) -> list[str]:
    """Return the scalar tags of the runs that a multiline chart's regexes match from the start (re.match).

    Args:
        source: the app's data.
        spec: the chart.
        runs: the runs shown.

    Returns:
        The matched tags, in natural order ([] for a margin chart).
    """
    patterns = [re.compile(p) for p in spec.patterns if p and p not in spec.invalid]
    if spec.kind != "multiline" or not patterns:
        return []
    return [tag for tag in source.scalar_tags(runs) if any(p.match(tag) for p in patterns)]


def multiline_points(source: DataSource, spec: ChartSpec, runs: list[str]) -> pd.DataFrame:
    """Return every point of the matched tags in the runs: run, tag, step, wall_time, value (each line in order)."""
    tags = matched_tags(source, spec, runs)
    if not tags:
        return pd.DataFrame(columns=SCALAR_COLUMNS)
    by_tag = source.scalar_series_by_tag(runs, tags)
    frames = [frame.astype({"run": str, "tag": str}) for frame in by_tag.values()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SCALAR_COLUMNS)


def margin_points(source: DataSource, spec: ChartSpec, runs: list[str]) -> pd.DataFrame:
    """Return a margin chart's points: per run and value tag, value with its lower and upper at the same steps.

    Steps that lack the value, lower or upper tag are left out (TensorBoard refuses mismatched steps).

    Args:
        source: the app's data.
        spec: the chart.
        runs: the runs shown.

    Returns:
        run, tag (the value tag), step, wall_time, value, lower, upper.
    """
    tags = [tag for triple in spec.margins for tag in triple]
    by_tag = source.scalar_series_by_tag(runs, tags)
    parts = []
    for value, lower, upper in spec.margins:
        if not all(tag in by_tag for tag in (value, lower, upper)):
            continue
        keys = ["run", "step"]
        frame = _last_per_step(by_tag[value])
        for name, tag in (("lower", lower), ("upper", upper)):
            bound = _last_per_step(by_tag[tag])[[*keys, "value"]].rename(columns={"value": name})
            frame = frame.merge(bound, on=keys, how="inner")
        parts.append(frame.assign(tag=value)[MARGIN_COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MARGIN_COLUMNS)


def _last_per_step(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({"run": str, "tag": str})
    return frame.drop_duplicates(["run", "step"], keep="last").sort_values(["run", "step"], kind="stable")
