"""Scalar charts: pure functions from a tidy scalars frame to a Plotly figure."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.plotly_json import ScalarFigure
from dashboard.figures.plotly_text import escape
from dashboard.figures.smoothing import downsample, smooth

__all__ = [
    "X_AXES",
    "ChartOptions",
    "LineData",
    "downsample",
    "line_budget",
    "nonfinite_counts",
    "line_data",
    "nice_domain",
    "scalar_figure",
    "smooth",
    "y_range",
    "zoom_range",
]

X_AXES: dict[str, str] = {"step": "step", "relative": "relative (hours)", "wall": "wall time"}
# The relative axis's unit is chosen by the longest run's span, as readable as TensorBoard's ticks:
# the largest unit of which the span holds at least two (name, seconds).
RELATIVE_UNITS: tuple[tuple[str, float], ...] = (("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0))
# A line longer than this, or a chart with more points in all, is drawn with WebGL (Scattergl).
# Browsers allow only ~16 WebGL contexts per page, so SVG stays the default for ordinary cards.
GL_POINTS_PER_LINE = 2000
GL_POINTS_PER_CHART = 50000
# With many runs the per-line budget shrinks so one chart draws about this many smoothed points.
CHART_POINTS = 8000
MIN_LINE_POINTS = 200
RAW_OPACITY = 0.3
FEW_STEPS = 5  # an x axis spanning this many steps or fewer ticks every whole step
PADDING = 0.05
# Values as TensorBoard's tooltip shows them: at most 4 significant digits, no trailing zeros.
_HOVER = (
    "<b>%{fullData.name}</b><br>step %{customdata[0]}<br>value %{customdata[1]:.4~r}"
    "<br>smoothed %{y:.4~r}<br>%{text}<extra></extra>"
)


@dataclass(frozen=True)
class ChartOptions:
    """How to draw a scalar chart.

    Attributes:
        smoothing: EMA weight in [0, 0.999].
        x_axis: "step", "relative" (time since the line's first point, in relative_unit's unit) or "wall"
            (local time).
        log_y: logarithmic y axis.
        ignore_outliers: fit y to the 5th–95th percentile of the drawn smoothed values, padded by 5 % and
            rounded outward to nice ticks, as TensorBoard (see y_range).
        y_min: fixed lower y bound (None: from the data).
        y_max: fixed upper y bound (None: from the data).
        x_range: only draw points in [lo, hi] (x units: steps, the relative unit or epoch seconds), at full
            resolution; None draws everything.
        max_points: about how many points per line to draw (0 draws every point).
    """

    smoothing: float = 0.6
    x_axis: str = "step"
    log_y: bool = False
    ignore_outliers: bool = False
    y_min: float | None = None
    y_max: float | None = None
    x_range: tuple[float, float] | None = None
    max_points: int = 2000

    def __post_init__(self) -> None:
        if self.x_axis not in X_AXES:
            raise ValueError(f"x_axis must be one of {', '.join(X_AXES)}, got {self.x_axis!r}")
        if not 0.0 <= self.smoothing <= 0.999:
            raise ValueError(f"smoothing must be in [0, 0.999], got {self.smoothing!r}")

    def zoomed(self, x_range: tuple[float, float] | None) -> ChartOptions:
        """Return a copy drawing only x_range (None: everything)."""
        return replace(self, x_range=x_range)


@dataclass(frozen=True)
class LineData:
    """One run's line, ready to draw: smoothed on all points, then cut to the drawn points.

    Attributes:
        run: the run name.
        x: numeric x positions (steps, relative time units or epoch seconds) of the drawn points.
        raw: the raw values of the drawn points.
        smoothed: the smoothed values of the drawn points.
        step: the steps of the drawn points.
        wall_time: the wall times (epoch seconds) of the drawn points.
        total: how many points the run has for this tag.
        unit: the relative axis's unit name (relative_unit; the same for every line of a chart).
        start: the wall time of the run's first point (relative times count from it).
    """

    run: str
    x: np.ndarray
    raw: np.ndarray
    smoothed: np.ndarray
    step: np.ndarray
    wall_time: np.ndarray
    total: int
    unit: str = "s"
    start: float = math.nan


def line_data(frame: pd.DataFrame, run: str, options: ChartOptions) -> LineData:
    """Smooth one run's points over ALL of them, then keep what the chart draws.

    Args:
        frame: that run's rows of one tag (columns step, wall_time, value), in point order.
        run: the run name.
        options: smoothing, x axis, x range and point budget.

    Returns:
        The line, with at most about options.max_points points.
    """
    values = frame["value"].to_numpy(dtype=np.float64)
    steps = frame["step"].to_numpy(dtype=np.int64)
    walls = frame["wall_time"].to_numpy(dtype=np.float64)
    return _line(run, steps, walls, values, options, relative_unit(_span(walls)))


def _line(
    run: str, steps: np.ndarray, walls: np.ndarray, values: np.ndarray, options: ChartOptions, unit: tuple[str, float]
) -> LineData:
    """line_data on arrays; unit: the relative axis's (name, seconds per unit)."""
    smoothed = smooth(values, options.smoothing)
    x = _x_values(steps, walls, options.x_axis, unit[1])
    keep = np.arange(values.size)
    if options.x_range is not None:
        keep = _in_range(x, options.x_range)
    if options.max_points > 0:
        keep = keep[downsample(x[keep], values[keep], max(1, options.max_points // 4))]
    start = float(walls[0]) if walls.size else math.nan
    return LineData(
        run, x[keep], values[keep], smoothed[keep], steps[keep], walls[keep], int(values.size), unit[0], start
    )


def _runs_lines(frame: pd.DataFrame, options: ChartOptions) -> list[LineData]:
    """Split a tag's frame by run (runs sorted by name, each in point order) and build each line."""
    codes, runs = _run_codes(frame["run"])
    grouped = bool(np.all(codes[1:] >= codes[:-1]))  # frames from DataSource come grouped by run already
    order = slice(None) if grouped else np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(runs) + 1))
    steps, walls, values = (
        frame[name].to_numpy(dtype=dtype)[order]
        for name, dtype in (("step", np.int64), ("wall_time", np.float64), ("value", np.float64))
    )
    options = replace(options, max_points=line_budget(options.max_points, len(runs)))
    pairs = list(zip(bounds[:-1], bounds[1:]))
    unit = relative_unit(max((_span(walls[lo:hi]) for lo, hi in pairs), default=0.0))
    return [
        _line(str(run), steps[lo:hi], walls[lo:hi], values[lo:hi], options, unit)
        for run, (lo, hi) in zip(runs, pairs)
        if hi > lo
    ]


def _span(walls: np.ndarray) -> float:
    """Return how many seconds a line's points lie after its first point, at most (0 when empty)."""
    if walls.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        span = np.nanmax(walls - walls[0]) if np.isfinite(walls).any() else 0.0
    return float(span) if math.isfinite(span) else 0.0


def relative_unit(span: float) -> tuple[str, float]:
    """Return the relative axis's unit for a span of seconds: (name, seconds per unit).

    The largest of s, min, h and d of which the span holds at least two, so an axis reads
    "0 s … 90 s", "0 min … 45 min", "0 h … 30 h" or "0 d … 12 d", never "100µ" of an hour.
    """
    chosen = RELATIVE_UNITS[0]
    for unit in RELATIVE_UNITS:
        if span >= 2 * unit[1]:
            chosen = unit
    return chosen


def _run_codes(runs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return (codes, names): names sorted, codes[i] the position of row i's run in names."""
    if isinstance(runs.dtype, pd.CategoricalDtype):  # no string hashing: reorder the categories
        names = np.asarray(runs.cat.categories, dtype=object)
        by_name = np.argsort(names, kind="stable")
        rank = np.empty_like(by_name)
        rank[by_name] = np.arange(by_name.size)
        return rank[runs.cat.codes.to_numpy()], names[by_name]
    codes, uniques = pd.factorize(runs, sort=True)
    return codes, np.asarray(uniques, dtype=object)


def _x_values(steps: np.ndarray, walls: np.ndarray, x_axis: str, unit: float) -> np.ndarray:
    if x_axis == "step":
        return steps.astype(np.float64)
    if x_axis == "relative":
        return (walls - walls[0]) / unit if walls.size else walls
    return walls


def _in_range(x: np.ndarray, x_range: tuple[float, float]) -> np.ndarray:
    """Return indices of points inside x_range plus one neighbour each side, so lines reach the edges."""
    lo, hi = sorted(x_range)
    inside = (x >= lo) & (x <= hi)
    grown = inside.copy()
    grown[1:] |= inside[:-1]
    grown[:-1] |= inside[1:]
    return np.flatnonzero(grown)


def scalar_figure(
    frame: pd.DataFrame, colors: Mapping[str, str], options: ChartOptions, *, uirevision: str = ""
) -> go.Figure:
    """Build one tag's chart: per run a faint raw line and a smoothed line in the run's colour.

    Args:
        frame: rows of one tag (columns run, step, wall_time, value), each run in point order.
        colors: run -> CSS colour.
        options: how to draw.
        uirevision: Plotly's uirevision (keeps the user's zoom across data updates).

    Returns:
        The figure; each trace carries meta {"run": ..., "role": "raw" | "smoothed"}.
    """
    lines = _runs_lines(frame, options)
    sizes = [line.x.size for line in lines]
    use_gl = any(n > GL_POINTS_PER_LINE for n in sizes) or 2 * sum(sizes) > GL_POINTS_PER_CHART
    traces = [
        trace for line in lines for trace in _traces(line, colors.get(line.run, "#607d8b"), options.x_axis, use_gl)
    ]
    # Validation costs 4x the build for many runs; the tests validate these same dicts.
    return ScalarFigure(traces, _layout(options, lines, uirevision))


def line_budget(max_points: int, runs: int) -> int:
    """Return the points per line for a chart of `runs` lines: max_points, shrunk so the chart
    holds about CHART_POINTS smoothed points (never below MIN_LINE_POINTS); 0 stays 0 (all points)."""
    if max_points <= 0 or runs <= 0:
        return max_points
    return min(max_points, max(MIN_LINE_POINTS, CHART_POINTS // runs))


def _traces(line: LineData, color: str, x_axis: str, use_gl: bool) -> list[dict[str, Any]]:
    kind = "scattergl" if use_gl else "scatter"
    x = line.step if x_axis == "step" else _plot_x(line.x, x_axis)
    # step, raw value and seconds since the run's first point (meta t0) per point: the hover template and
    # the tooltip table (assets/scalars.js). The seconds are rounded to float32 (ms at a 10-day run), so the
    # three columns still go to the browser as 4-byte floats when steps and values are float32-exact.
    relative = (line.wall_time - line.start).astype(np.float32).astype(np.float64)
    hover = np.column_stack([line.step.astype(np.float64), line.raw, relative])
    name = escape(line.run)  # shown by the hover label as markup; meta keeps the raw name
    raw = {
        "type": kind,
        "x": x,
        "y": line.raw,
        "name": name,
        "mode": "lines",
        "line": {"color": color, "width": 1},
        "opacity": RAW_OPACITY,
        "hoverinfo": "skip",
        "showlegend": False,
        "meta": {"run": line.run, "role": "raw"},
    }
    smoothed = {
        "type": kind,
        "x": x,
        "y": line.smoothed,
        "name": name,
        "mode": "lines+markers" if line.x.size == 1 else "lines",  # a lone point draws no line: show a dot
        "marker": {"color": color, "size": 6},
        "line": {"color": color, "width": 1.6},
        "customdata": hover,
        "text": _wall_labels(line.wall_time),
        "hovertemplate": _HOVER,
        "showlegend": False,
        "meta": {"run": line.run, "role": "smoothed", "t0": line.start if math.isfinite(line.start) else None},
    }
    marks = _nonfinite_trace(line, color, kind, x)
    return [raw, smoothed] if marks is None else [raw, smoothed, marks]


# NaN and ±inf values draw no line: each gets a mark in the run's colour at the line's last finite
# smoothed value before it (TensorBoard marks NaN with a triangle), with its kind in the tooltip.
NONFINITE_SYMBOLS = {"NaN": "triangle-up", "+inf": "arrow-bar-up", "-inf": "arrow-bar-down"}


def nonfinite_counts(values: np.ndarray) -> dict[str, int]:
    """Return how many values are NaN, +inf and -inf (kinds with none left out), in NONFINITE_SYMBOLS order."""
    counts = {
        "NaN": int(np.isnan(values).sum()),
        "+inf": int(np.isposinf(values).sum()),
        "-inf": int(np.isneginf(values).sum()),
    }
    return {kind: count for kind, count in counts.items() if count}


def _nonfinite_trace(line: LineData, color: str, kind: str, x: Any) -> dict[str, Any] | None:
    """Return the marks of a line's NaN and ±inf points (None when every drawn value is finite)."""
    bad = np.flatnonzero(~np.isfinite(line.raw))
    if bad.size == 0:
        return None
    finite = np.isfinite(line.smoothed)
    # The last finite smoothed value at or before each point (the first one after, for a leading run).
    last = np.maximum.accumulate(np.where(finite, np.arange(finite.size), -1))
    first_finite = int(np.argmax(finite)) if finite.any() else -1
    anchor = np.where(last[bad] >= 0, last[bad], first_finite)
    y = np.where(anchor >= 0, line.smoothed[np.maximum(anchor, 0)], 0.0)
    labels = np.where(np.isnan(line.raw[bad]), "NaN", np.where(line.raw[bad] > 0, "+inf", "-inf"))
    return {
        "type": kind,
        "x": x[bad],
        "y": y,
        "name": escape(line.run),
        "mode": "markers",
        "marker": {
            "color": color,
            "size": 10,
            "symbol": [NONFINITE_SYMBOLS[label] for label in labels.tolist()],
            "line": {"color": "#b71c1c", "width": 1},
        },
        "customdata": line.step[bad].astype(np.float64),
        "text": labels,
        "hovertemplate": "<b>%{fullData.name}</b><br>step %{customdata}<br>value %{text}<extra></extra>",
        "showlegend": False,
        "meta": {"run": line.run, "role": "nonfinite"},
    }


def _plot_x(x: np.ndarray, x_axis: str) -> Any:
    if x_axis != "wall":
        return x
    return pd.to_datetime(_local_seconds(x), unit="s")


def _wall_labels(walls: np.ndarray) -> np.ndarray:
    """Epoch seconds -> "YYYY-MM-DD HH:MM:SS" local time labels (vectorized; Plotly cannot date-format numbers)."""
    stamps = np.datetime_as_string(_local_seconds(walls).astype("datetime64[s]"), unit="s")
    if not stamps.size:  # (np.char.replace fails on an empty array: a zoom beside the data)
        return stamps
    if stamps.dtype.kind != "U" or stamps.dtype.itemsize < 4 * 11:
        return np.char.replace(stamps, "T", " ")
    chars = stamps.view(np.uint32).reshape(stamps.size, -1)  # one UCS-4 code per character
    separator = chars[:, 10]  # "YYYY-MM-DDTHH:MM:SS"; "NaT" has no T there
    separator[separator == ord("T")] = ord(" ")
    if bool((chars == ord("T")).any()):  # a year outside 0000-9999 moves the T: the slow general way
        return np.char.replace(stamps, "T", " ")
    return stamps


def _local_seconds(walls: np.ndarray) -> np.ndarray:
    """Epoch seconds -> seconds of the local wall clock (Plotly shows dates as given, without zones).

    One UTC offset serves the whole array unless a daylight-saving change falls inside it.
    """
    finite = walls[np.isfinite(walls)]
    if finite.size == 0:
        return walls.astype(np.float64)
    first, last = (time.localtime(float(value)).tm_gmtoff for value in (finite.min(), finite.max()))
    if first == last:
        return walls + first
    offsets = [time.localtime(float(value)).tm_gmtoff if math.isfinite(value) else 0 for value in walls]
    return walls + np.asarray(offsets, dtype=np.float64)


def _layout(options: ChartOptions, lines: list[LineData], uirevision: str) -> dict[str, Any]:
    # Fixed margins: Plotly's automargin redraws every chart a second time, which many cards feel.
    yaxis: dict[str, Any] = {"type": "log" if options.log_y else "linear", "zeroline": False, "automargin": False}
    bounds = y_range(lines, options)
    if bounds is not None and options.log_y:
        yaxis["range"] = list(bounds)
    elif bounds is not None:
        # Sent as the autorange's bounds, not as a range: Plotly then keeps a user's y zoom when a
        # redraw brings other bounds (uirevision keeps GUI edits only while the sent value is unchanged),
        # and a double-click returns to these bounds. (Plotly compares these in data units: log axes
        # keep the plain range.)
        yaxis["autorange"] = True
        yaxis["autorangeoptions"] = {"minallowed": bounds[0], "maxallowed": bounds[1]}
    xaxis: dict[str, Any] = {
        "title": {"text": X_AXES[options.x_axis], "standoff": 2},
        "zeroline": False,
        "automargin": False,
    }
    # options.x_range only cuts the data: the x range on screen is the user's (kept by uirevision), so a
    # redraw with new points or another smoothing never moves it.
    if options.x_axis == "relative":
        name = lines[0].unit if lines else RELATIVE_UNITS[0][0]
        xaxis["title"]["text"] = f"relative time ({name})"
        xaxis["ticksuffix"] = f" {name}"
    if options.x_axis == "step" and _step_span(lines, options) <= FEW_STEPS:
        xaxis.update(tick0=0, dtick=1)  # steps are whole numbers: no ticks at 0.2, 0.4, ...
    return {
        "template": "plotly_white",
        "margin": {"l": 52, "r": 14, "t": 8, "b": 40},
        "height": 250,
        "font": {"size": 11},
        # Every run at the hovered step (the tooltip table of assets/scalars.js, TensorBoard's).
        "hovermode": "x",
        "hoverdistance": -1,
        "showlegend": False,
        "xaxis": xaxis,
        "yaxis": yaxis,
        "uirevision": uirevision,
    }


def _step_span(lines: list[LineData], options: ChartOptions) -> float:
    """Return how many steps the x axis spans (the zoomed range, else the drawn steps; 0 when empty)."""
    if options.x_range is not None:
        return abs(options.x_range[1] - options.x_range[0])
    steps = [line.step for line in lines if line.step.size]
    return float(max(s.max() for s in steps) - min(s.min() for s in steps)) if steps else 0.0


def y_range(lines: list[LineData], options: ChartOptions) -> tuple[float, float] | None:
    """Return the y axis range the options ask for, in axis units (log10 for a log axis).

    With neither outlier-ignoring nor a manual bound, returns None (Plotly autoranges). Otherwise
    the data's range is TensorBoard's (line_chart_v2 computeDataSeriesExtent + niceDomain): of the
    finite values of the lines TensorBoard draws in full colour (the smoothed lines; the raw ones
    when smoothing is 0), sorted, ignoring outliers keeps the values from index ceil((n-1)·0.05)
    to floor((n-1)·0.95) (n > 2), then pads by 5 % each side and rounds outward to nice ticks
    (d3's nice, 10 ticks); a log axis spans [low/2, high·2]. A manual bound replaces its side.

    Args:
        lines: the drawn lines.
        options: smoothing, log_y, ignore_outliers, y_min and y_max are used.

    Returns:
        (low, high), or None to autorange.
    """
    if not options.ignore_outliers and options.y_min is None and options.y_max is None:
        return None
    shown = [line.smoothed if options.smoothing > 0 else line.raw for line in lines]
    values = np.concatenate(shown) if shown else np.empty(0)
    values = values[np.isfinite(values)]
    if options.log_y:
        values = values[values > 0]
    low, high = _data_bounds(np.sort(values), options.ignore_outliers, options.log_y)
    if options.y_min is not None:
        low = _axis_value(options.y_min, options.log_y)
    if options.y_max is not None:
        high = _axis_value(options.y_max, options.log_y)
    if low is None or high is None:
        return None
    return (low, high) if low <= high else (high, low)


def _data_bounds(ordered: np.ndarray, ignore_outliers: bool, log_y: bool) -> tuple[float | None, float | None]:
    """TensorBoard's y extent of sorted finite values, as a nice padded domain in axis units."""
    n = ordered.size
    if n == 0:
        return None, None
    low, high = float(ordered[0]), float(ordered[-1])
    if ignore_outliers and n > 2:
        low, high = float(ordered[math.ceil((n - 1) * 0.05)]), float(ordered[math.floor((n - 1) * 0.95)])
    if log_y:
        return math.log10(max(low * 0.5, sys.float_info.min)), math.log10(high * 2)
    return nice_domain(low, high)


def nice_domain(low: float, high: float) -> tuple[float, float]:
    """Return TensorBoard's linear y domain of a data extent: 5 % padding, then d3's nice() to 10 ticks.

    An empty extent (low == high) becomes [0, 2·low] ([2·low, 0] below zero, [-1, 1] at zero).
    """
    if low == high:
        if low == 0:
            return -1.0, 1.0
        return (2 * low, 0.0) if low < 0 else (0.0, 2 * low)
    pad = (high - low + sys.float_info.epsilon) * PADDING
    start, stop = low - pad, high + pad
    previous = None
    for _ in range(10):  # d3-scale's linear nice()
        step = _tick_increment(start, stop, 10)
        if step == previous:
            break
        if step > 0:
            start, stop = math.floor(start / step) * step, math.ceil(stop / step) * step
        elif step < 0:
            start, stop = math.ceil(start * step) / step, math.floor(stop * step) / step
        else:
            break
        previous = step
    return start, stop


def _tick_increment(start: float, stop: float, count: int) -> float:
    """d3-array's tickIncrement: the tick step (negative: its inverse) for about count ticks."""
    step = (stop - start) / count
    if not step > 0 or not math.isfinite(step):
        return 0.0
    power = math.floor(math.log10(step))
    error = step / 10**power
    factor = 10 if error >= math.sqrt(50) else 5 if error >= math.sqrt(10) else 2 if error >= math.sqrt(2) else 1
    return factor * 10.0**power if power >= 0 else -(10.0 ** (-power)) / factor


def _axis_value(value: float, log_y: bool) -> float | None:
    if not log_y:
        return float(value)
    return float(np.log10(value)) if value > 0 else None


def zoom_range(relayout: Mapping[str, Any] | None, x_axis: str) -> tuple[str, tuple[float, float] | None]:
    """Read a chart's relayoutData: did the user zoom in x, reset the zoom, or neither?

    Args:
        relayout: Plotly's relayoutData (e.g. {"xaxis.range[0]": 10, "xaxis.range[1]": 90}).
        x_axis: the chart's x axis kind; "wall" ranges arrive as local date strings.

    Returns:
        ("zoom", (lo, hi)) in numeric x units, ("reset", None) after a double-click or autoscale,
        or ("none", None) for anything else (pan in y only, autosize, nothing).
    """
    if not relayout:
        return "none", None
    if relayout.get("xaxis.autorange"):
        return "reset", None
    pair = relayout.get("xaxis.range")
    if pair is None and "xaxis.range[0]" in relayout and "xaxis.range[1]" in relayout:
        pair = [relayout["xaxis.range[0]"], relayout["xaxis.range[1]"]]
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        return "none", None
    try:
        lo, hi = (_numeric_x(value, x_axis) for value in pair)
    except (TypeError, ValueError):
        return "none", None
    return "zoom", (min(lo, hi), max(lo, hi))


def _numeric_x(value: Any, x_axis: str) -> float:
    if x_axis == "wall":
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            return float(stamp.timestamp())
        local = stamp.tz_localize("UTC").timestamp()  # local wall-clock seconds, as drawn
        return float(local - time.localtime(local).tm_gmtoff)
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"non-finite axis value {value!r}")
    return number
