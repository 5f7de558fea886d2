"""The one table `python -m benchmarks` prints: a row per measurement, then the issue's targets."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from benchmarks.harness import Sample

RUST_DEFAULT = "tb.rust"
WHOLE_TB = "tb.whole.all"


@dataclass
class Row:
    """One measured quantity over its repetitions.

    Attributes:
        key: a stable id ("ours.cold", "tb.rust", ...), used by the targets and the JSON file.
        name: what the table shows.
        values: seconds per repetition (a timed-out repetition holds the timeout).
        rss_mib: peak RSS per repetition in MiB (None where not measured).
        timed_out: some repetition hit the timeout.
        projected: the projected full time of a timed-out run (None when unknown).
        skipped: why the row was not measured ("" when it was).
        extra: other numbers worth keeping (counts, the child's own timings).
    """

    key: str
    name: str
    values: list[float] = field(default_factory=list)
    rss_mib: list[float | None] = field(default_factory=list)
    timed_out: bool = False
    projected: float | None = None
    skipped: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def add(self, sample: Sample, value: float | None) -> None:
        """Record one repetition; value None means not reached (a timeout) or not reported (an error)."""
        if value is None and sample.timed_out:
            self.values.append(float(sample.seconds or 0.0))
            self.timed_out, self.projected = True, sample.projected
        elif value is None or sample.error:
            self.skipped = self.skipped or sample.error or "no value reported"
            return
        else:
            self.values.append(float(value))
        self.rss_mib.append(sample.rss_mib)
        self.extra.update(sample.result)

    @property
    def median(self) -> float | None:
        """Median seconds, or None when nothing was measured."""
        return statistics.median(self.values) if self.values else None

    @property
    def rss(self) -> float | None:
        """Median peak RSS in MiB, or None."""
        known = [value for value in self.rss_mib if value is not None]
        return statistics.median(known) if known else None

    def as_dict(self) -> dict[str, object]:
        """Return the row as plain JSON-able data."""
        return {"key": self.key, "name": self.name, "values": self.values, "rss_mib": self.rss_mib,
                "median": self.median, "timed_out": self.timed_out, "projected": self.projected,
                "skipped": self.skipped, "extra": self.extra}


@dataclass(frozen=True)
class Target:
    """One of the issue's targets: a label, a check over the rows, and what it compares."""

    label: str
    check: Callable[[dict[str, Row]], tuple[bool, str] | None]


def _ratio(rows: dict[str, Row], key: str, base: str) -> float | None:
    row, ref = rows.get(key), rows.get(base)
    if row is None or ref is None or row.median is None or ref.median is None or row.timed_out or ref.median <= 0:
        return None
    return row.median / (ref.projected if ref.timed_out and ref.projected else ref.median)


def _ratio_target(key: str, base: str, limit: float) -> Callable[[dict[str, Row]], tuple[bool, str] | None]:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        ratio = _ratio(rows, key, base)
        if ratio is None:
            return None
        ref = rows[base]
        base_text = f"{ref.median:.3g} s" + (" (timed out; vs projection)" if ref.timed_out else "")
        return ratio <= limit, f"{ratio:.3f}x ({rows[key].median:.3g} s vs {base_text})"

    return check


def _seconds_target(key: str, limit: float) -> Callable[[dict[str, Row]], tuple[bool, str] | None]:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        row = rows.get(key)
        if row is None or row.median is None:
            return None
        return (row.median <= limit and not row.timed_out), f"{row.median:.3g} s (limit {limit:g} s)"

    return check


def _frame_rss(rows: dict[str, Row]) -> tuple[bool, str] | None:
    row = rows.get("ours.warm.all")
    if row is None or row.rss is None or not row.extra.get("frame_mib"):
        return None
    frame = float(row.extra["frame_mib"])
    ratio = row.rss / frame
    base = rows["ours.import"].rss if rows.get("ours.import") and rows["ours.import"].rss else None
    beyond = f"; {(row.rss - base) / frame:.2f}x above `import loaders` ({base:.0f} MiB)" if base else ""
    return ratio <= 1.5, f"{ratio:.2f}x ({row.rss:.0f} MiB peak, DataFrame {frame:.0f} MiB{beyond})"


def _refresh(rows: dict[str, Row]) -> tuple[bool, str] | None:
    row, cold = rows.get("ours.refresh"), rows.get("ours.cold")
    if row is None or cold is None or row.median is None or cold.median is None:
        return None
    share = float(row.extra.get("appended_bytes", 0)) / max(1.0, float(row.extra.get("logdir_bytes", 1)))
    budget = 3 * share * cold.median
    return row.median <= budget, (f"{row.median:.3g} s for {share:.1%} more bytes; budget 3 x {share:.1%} x cold "
                                  f"{cold.median:.3g} s = {budget:.3g} s")


def _first_paint(key: str) -> Callable[[dict[str, Row]], tuple[bool, str] | None]:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        row = rows.get(key)
        ref_key = next((k for k in ("tb.paint", "tb.whole.first") if rows.get(k) and rows[k].median is not None), "")
        if row is None or row.median is None or not ref_key:
            return None
        what = "painted in Chromium" if ref_key == "tb.paint" else "data served (no browser measure)"
        return (row.median <= rows[ref_key].median and not row.timed_out,
                f"{row.median:.3g} s vs TensorBoard's first chart {what} {rows[ref_key].median:.3g} s")

    return check


SCALAR_TARGETS: tuple[Target, ...] = (
    Target("cold ingest, every point <= 0.5x Rust server (default)", _ratio_target("ours.cold", RUST_DEFAULT, 0.5)),
    Target("every series ready (downsampled) <= 0.1x whole TB", _ratio_target("ours.series.cold", WHOLE_TB, 0.1)),
    Target("first chart painted (cold) <= TB's first chart", _first_paint("dash.paint.cold")),
    Target("first chart painted (warm) <= TB's first chart", _first_paint("dash.paint.warm")),
    Target("warm start: all series' data < 1 s", _seconds_target("ours.warm.all", 1.0)),
    Target("whole-logdir DataFrame from cache <= 1 s", _seconds_target("ours.warm.all", 1.0)),
    Target("  ... peak RSS <= 1.5x the DataFrame's memory", _frame_rss),
    Target("incremental refresh ~ appended bytes", _refresh),
    Target("Scalars page server <= 0.3 s per group of cards", _seconds_target("dash.server", 0.3)),
    Target("first 12 charts painted <= 2 s", _seconds_target("dash.paint12.warm", 2.0)),
)
HIST_TARGETS: tuple[Target, ...] = (
    Target("histogram logdir cold ingest <= 0.5x Rust server", _ratio_target("ours.cold", RUST_DEFAULT, 0.5)),
)


def _seconds_text(row: Row) -> tuple[str, str]:
    if row.timed_out:
        projection = f" (proj. ~{row.projected:.3g} s)" if row.projected else ""
        return f"> {row.values[-1]:.3g}{projection}", "-"
    lo, hi = min(row.values), max(row.values)
    return f"{row.median:.3f}", f"{lo:.3f}-{hi:.3f}"


def _ratio_text(row: Row, rows: dict[str, Row], base: str) -> str:
    if row.timed_out:
        ref = rows.get(base)
        if ref is None or not ref.median:
            return "-"
        return f">{row.values[-1] / ref.median:.2f}"
    ratio = _ratio(rows, row.key, base)
    return "-" if ratio is None else f"{ratio:.3f}"


def table(title: str, rows: Sequence[Row], targets: Sequence[Target]) -> str:
    """Return the printed table for one logdir: measurements, then targets with PASS/FAIL."""
    by_key = {row.key: row for row in rows}
    width = max(len(row.name) for row in rows) if rows else 20
    lines = [title, f"{'measurement':<{width}}  {'median s':>22}  {'min-max':>15}  {'RSS MiB':>8}  "
                    f"{'/rust':>7}  {'/wholeTB':>8}"]
    for row in rows:
        if row.skipped and not row.values:
            lines.append(f"{row.name:<{width}}  not measured: {row.skipped}")
            continue
        seconds, spread = _seconds_text(row)
        rss = f"{row.rss:.0f}" if row.rss is not None else "-"
        lines.append(f"{row.name:<{width}}  {seconds:>22}  {spread:>15}  {rss:>8}  "
                     f"{_ratio_text(row, by_key, RUST_DEFAULT):>7}  {_ratio_text(row, by_key, WHOLE_TB):>8}")
    lines.append("targets:")
    for target in targets:
        outcome = target.check(by_key)
        verdict, detail = ("n/a ", "not measured in this run") if outcome is None else \
            ("PASS" if outcome[0] else "FAIL", outcome[1])
        lines.append(f"  {verdict}  {target.label}: {detail}")
    return "\n".join(lines)
