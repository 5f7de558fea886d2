"""Building blocks of the Histograms and Distributions pages: ids, URL-borne view, sidebars, cards, cached figures."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.colors import FALLBACK
from dashboard.components import controls, run_picker, tag_sections
from dashboard.components.chart_card import GRAPH_CONFIG
from dashboard.components.empty_state import empty_state
from dashboard.components.scalar_views import X_AXIS_LABELS
from dashboard.data import DataSource
from dashboard.data import histograms as hist_data
from dashboard.figures.distributions import distribution_figure, distribution_frame
from dashboard.figures.buckets import TIME_AXES, pick_steps
from dashboard.figures.histograms import DEFAULT_MAX_STEPS, compare_figure, offset_figure, overlay_figure

MODES: dict[str, str] = {"offset": "Offset", "overlay": "Overlay", "compare": "Compare runs"}
DEFAULT_DISTRIBUTION_STEPS = 500  # TensorBoard keeps 500 histograms per tag for its distributions
LOG_HINT = 'writer.add_histogram("layer1/weight", model.layer1.weight, step)'
NORMALIZE = {"normalize": "Normalize (fraction of each run's count)"}
_CACHED_FIGURES = 256


@dataclass(frozen=True)
class PageIds:
    """Ids of one of the two pages: plain strings "<page>-<part>" for singletons, dicts for per-card parts.

    Attributes:
        page: "histograms" or "distributions" (prefix of every id, key of the run picker and sections).
        root: the page's outer div (its class hides the sidebar when there is no data).
        sections: the container of the tag sections.
        summary: the "n tags in m sections" line.
        x_axis: the time axis radio (step / relative / wall).
        mode: the histogram mode radio (offset / overlay / compare).
        controls: the wrapper of the mode-dependent controls (its class says the mode).
        step: the compare-mode step slider.
        step_input: the compare-mode exact-step box (kept equal to the slider).
        toggles: the compare-mode switches (normalize).
        runs: the run checklist; plotted: the store of runs to plot; run_regex, tag_regex: the filters.
    """

    page: str
    root: str = field(init=False)
    sections: str = field(init=False)
    summary: str = field(init=False)
    x_axis: str = field(init=False)
    mode: str = field(init=False)
    controls: str = field(init=False)
    step: str = field(init=False)
    step_input: str = field(init=False)
    toggles: str = field(init=False)
    runs: dict[str, Any] = field(init=False)
    plotted: dict[str, Any] = field(init=False)
    run_regex: dict[str, Any] = field(init=False)
    tag_regex: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        parts = {"root": "page", "x_axis": "x-axis", "step_input": "step-input"}
        for name in ("root", "sections", "summary", "x_axis", "mode", "controls", "step", "step_input", "toggles"):
            object.__setattr__(self, name, f"{self.page}-{parts.get(name, name)}")
        for name in ("runs", "plotted", "run_regex", "tag_regex"):
            object.__setattr__(self, name, getattr(run_picker.ids, name)(self.page))

    def graph(self, tag: Any, run: Any) -> dict[str, Any]:
        """The chart of one (tag, run)."""
        return {"type": f"{self.page}-graph", "tag": tag, "run": run}

    def compare_graph(self, tag: Any) -> dict[str, Any]:
        """The compare-runs chart of one tag."""
        return {"type": f"{self.page}-compare-graph", "tag": tag}


@dataclass(frozen=True)
class HistogramView:
    """Everything a Histograms or Distributions link reproduces (the URL query), parsed tolerantly.

    Attributes:
        mode: "offset" | "overlay" | "compare" (query "mode"; Histograms only).
        time_axis: "step" | "relative" | "wall" (query "x").
        step: the compare-mode step (query "step"); None follows the latest step.
        normalize: compare runs by fraction of each run's count (query "norm").
        run_regex: run filter (query "runs").
        tag_regex: tag filter (query "tags").
        ticked: ticked runs (query "run" or "hide", see urlstate.encode_runs).
    """

    mode: str = "offset"
    time_axis: str = "step"
    step: int | None = None
    normalize: bool = False
    run_regex: str = ""
    tag_regex: str = ""
    ticked: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: Mapping[str, urlstate.QueryValue], runs: Sequence[str]) -> HistogramView:
        """Parse a URL query; anything unusable falls back to its default (never raises).

        Args:
            query: the parsed query (values are strings or lists of strings).
            runs: every run (for the run selection).

        Returns:
            The view.
        """
        return cls(
            mode=urlstate.as_choice(query.get("mode"), tuple(MODES), "offset"),
            time_axis=urlstate.as_choice(query.get("x"), tuple(TIME_AXES), "step"),
            step=_as_step(query.get("step")),
            normalize=urlstate.as_bool(query.get("norm"), False),
            run_regex=urlstate.as_text(query.get("runs")),
            tag_regex=urlstate.as_text(query.get("tags")),
            ticked=tuple(urlstate.decode_runs(query, runs)),
        )

    @classmethod
    def from_controls(cls, mode: Any = "offset", time_axis: Any = "step", step: Any = None,
                      switches: Sequence[str] | None = (), run_regex: str | None = "", tag_regex: str | None = "",
                      ticked: Sequence[str] | None = ()) -> HistogramView:
        """Build the view from the sidebar controls' values (tolerant, like from_query)."""
        return cls(
            mode=mode if mode in MODES else "offset",
            time_axis=time_axis if time_axis in TIME_AXES else "step",
            step=_as_step(None if step is None else str(step)),
            normalize="normalize" in set(switches or ()),
            run_regex=run_regex or "",
            tag_regex=tag_regex or "",
            ticked=tuple(ticked or ()),
        )

    def to_query(self, runs: Sequence[str]) -> str:
        """Return the shortest query string that reproduces this view ("" for all defaults)."""
        compare = self.mode == "compare"
        return urlstate.encode({
            "runs": self.run_regex,
            "tags": self.tag_regex,
            "mode": None if self.mode == "offset" else self.mode,
            "x": None if self.time_axis == "step" else self.time_axis,
            "step": self.step if compare and self.step is not None else None,
            "norm": True if compare and self.normalize else None,
            **urlstate.encode_runs(self.ticked, runs),
        })


def _as_step(value: urlstate.QueryValue) -> int | None:
    number = urlstate.as_optional_float(value)
    return None if number is None else int(number)


# ----- step slider (compare mode) ------------------------------------------------------------------


def step_range(steps: Sequence[int], wanted: int | None) -> dict[str, Any]:
    """Return the compare-mode slider's properties for the logged steps.

    The slider moves by the greatest common divisor of the gaps between logged steps, so it
    lands on logged steps when runs log every N steps; the value is snapped to the nearest
    logged step (ties: the earlier), and runs without it show their own nearest one.

    Args:
        steps: the distinct logged steps, ascending.
        wanted: the step asked for; None follows the latest.

    Returns:
        min, max, step, value, marks and disabled, for dcc.Slider (value None when there are no steps).
    """
    if not steps:
        return {"min": 0, "max": 0, "step": 1, "value": None, "marks": {}, "disabled": True}  # None: the latest
    logged = np.asarray(steps, dtype=np.int64)
    low, high = int(logged[0]), int(logged[-1])
    gaps = np.diff(logged)
    increment = int(np.gcd.reduce(gaps)) if gaps.size else 1
    value = high if wanted is None else int(logged[np.argmin(np.abs(logged - int(wanted)))])
    return {"min": low, "max": high, "step": max(increment, 1), "value": value,
            "marks": {low: f"{low:,}", high: f"{high:,}"}, "disabled": low == high}


def follow_latest(value: Any, old_max: Any) -> int | None:
    """Return the step the slider should ask for after the data changed: None (latest) if it was at the end."""
    if value is None or old_max is None or value >= old_max:
        return None
    return int(value)


# ----- sidebars --------------------------------------------------------------------------------


def histogram_sidebar(ids: PageIds, view: HistogramView, runs: Sequence[str], slider: Mapping[str, Any]) -> html.Aside:
    """Return the Histograms sidebar: tag filter, mode, time axis or compare step, run picker."""
    step = dcc.Slider(id=ids.step, updatemode="mouseup", className="step-slider", allow_direct_input=False, **slider)
    # No min/max on the box: the browser would send out-of-range typing as null; update_step snaps it instead.
    box = dcc.Input(id=ids.step_input, type="number", value=slider["value"], debounce=0.4,
                    className="number-input step-input")
    return html.Aside([
        run_picker.tag_filter_input(ids.page, view.tag_regex),
        controls.radio_control("Histogram mode", ids.mode, MODES, view.mode),
        html.Div([
            html.Div(controls.radio_control("Time axis", ids.x_axis, X_AXIS_LABELS, view.time_axis),
                     className="only-ridges"),
            html.Div([
                controls.field("Step", html.Div([html.Div(step, className="step-slider-wrap"), box],
                                                className="step-row"),
                               help_text="Runs that did not log this step show their nearest logged step"),
                controls.toggles(ids.toggles, NORMALIZE, ["normalize"] if view.normalize else []),
            ], className="only-compare"),
        ], id=ids.controls, className=controls_class(view.mode)),
        run_picker.run_picker(ids.page, runs, view.ticked, view.run_regex),
    ], className="sidebar")


def distribution_sidebar(ids: PageIds, view: HistogramView, runs: Sequence[str]) -> html.Aside:
    """Return the Distributions sidebar: tag filter, horizontal axis, run picker."""
    return html.Aside([
        run_picker.tag_filter_input(ids.page, view.tag_regex),
        controls.radio_control("Horizontal axis", ids.x_axis, X_AXIS_LABELS, view.time_axis),
        run_picker.run_picker(ids.page, runs, view.ticked, view.run_regex),
    ], className="sidebar")


def controls_class(mode: str) -> str:
    """Return the class of the mode-dependent controls (CSS shows the ones the mode uses)."""
    return f"histogram-controls mode-{mode}"


# ----- sections and empty states -----------------------------------------------------------------


def sections_view(page: str, state: str, message: str, has_data: bool, tags: Sequence[str],
                  previous: Mapping[str, bool]) -> tuple[list[Component], str]:
    """Return the main area's content and its summary line.

    Args:
        page: "histograms" or "distributions".
        state: the data status ("ok", "missing", "empty").
        message: what to do when state is not "ok".
        has_data: whether any run has histograms at all.
        tags: the tags to show (data in the plotted runs, matching the tag filter).
        previous: group -> open, for sections on screen.

    Returns:
        (children, summary text).
    """
    return tag_sections.main_view(page, state, message, has_data, lambda: no_data(page), tags, previous)


def no_data(page: str) -> html.Div:
    """Return the empty state of a logdir without histograms, for either page."""
    how = ("TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary.histogram); new steps "
           "show up here while training runs.")
    if page == "distributions":
        return empty_state("No distribution data was found", code=LOG_HINT, hint="Distributions are drawn from "
                           f"histograms: log one of weights, activations or gradients with {how}")
    return empty_state("No histogram data was found", code=LOG_HINT,
                       hint=f"Log a histogram of weights, activations or gradients with {how}")


def page_class(page: str, state: str, has_data: bool) -> str:
    """Return the page's CSS class: without data there is nothing to filter, so the sidebar hides."""
    return f"page page-{page}" + ("" if state == "ok" and has_data else " page-empty")


# ----- cards -------------------------------------------------------------------------------------


def steps_note(shown: int, total: int) -> str:
    """Return "1 step", "20 steps" or "50 of 200 steps shown" (the subset note)."""
    if shown < total:
        return f"{shown:,} of {total:,} steps shown"
    return f"{total:,} step{'s' * (total != 1)}"


def run_label(run: str, color: str) -> html.Span:
    """Return a run name with its colour swatch, as in the run picker."""
    return html.Span([html.Span(className="swatch", style={"backgroundColor": color}),
                      html.Span(run, className="run-name", title=run)], className="run-label")


def card(title: str, subtitle: list[Component | str], graph_id: dict[str, Any], figure: go.Figure) -> html.Div:
    """Return a chart card: tag title, a subtitle line (run, steps shown), and the chart at its own height."""
    height = figure.layout.height or 250
    return html.Div([
        html.Div(html.Div([html.Span(title, className="card-title", title=title),
                           html.Span(subtitle, className="card-subtitle")], className="card-heading"),
                 className="card-header"),
        dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, className="card-graph",
                  style={"height": f"{height}px"}),
    ], className="card histogram-card")


def ridge_card(ids: PageIds, source: DataSource, tag: str, run: str, view: HistogramView, max_steps: int) -> html.Div:
    """Return one (tag, run) card in offset or overlay mode."""
    figure = _ridge_figure(source, source.version(), run, tag, view.mode, view.time_axis, max_steps)
    meta = figure.layout.meta or {}
    note = html.Span(" · " + steps_note(meta.get("shown", 0), meta.get("total", 0)), className="steps-note")
    return card(tag, [run_label(run, _color(source, run)), note], ids.graph(tag, run), figure)


def compare_card(ids: PageIds, source: DataSource, tag: str, runs: Sequence[str], step: int | None,
                 normalize: bool) -> html.Div:
    """Return one tag's compare-runs card: every run's histogram at the chosen (or nearest) step."""
    if step is None:
        logged = hist_data.steps(source, runs, [tag])
        step = logged[-1] if logged else 0
    figure = _compare_figure(source, source.version(), tag, tuple(runs), int(step), normalize)
    used = (figure.layout.meta or {}).get("steps", {})
    others = [f"{run} at {value:,}" for run, value in used.items() if value != step]
    note = f"{len(used)} run{'s' * (len(used) != 1)} at step {step:,}"
    if others:
        note += f" (nearest: {', '.join(others)})"
    return card(tag, [html.Span(note, className="steps-note")], ids.compare_graph(tag), figure)


def distribution_card(ids: PageIds, source: DataSource, tag: str, run: str, time_axis: str,
                      max_steps: int) -> html.Div:
    """Return one (tag, run) distribution card."""
    figure, shown, total = _distribution_figure(source, source.version(), run, tag, time_axis, max_steps)
    note = html.Span(" · " + steps_note(shown, total), className="steps-note")
    return card(tag, [run_label(run, _color(source, run)), note], ids.graph(tag, run), figure)


def _color(source: DataSource, run: str) -> str:
    return source.run_colors().get(run, FALLBACK)


# ----- figures, cached per data version (the version is only part of the key; keep them unmodified) --------


@functools.lru_cache(maxsize=_CACHED_FIGURES)
def _ridge_figure(source: DataSource, version: str, run: str, tag: str, mode: str, time_axis: str,
                  max_steps: int) -> go.Figure:
    """Return the offset or overlay figure of one (run, tag); layout.meta says how many steps it shows."""
    del version
    frame = hist_data.series(source, run, tag)
    build = overlay_figure if mode == "overlay" else offset_figure
    return build(frame, time_axis=time_axis, max_steps=_limit(frame, max_steps), color=_color(source, run),
                 uirevision=f"{tag}|{run}|{mode}|{time_axis}")


@functools.lru_cache(maxsize=_CACHED_FIGURES)
def _compare_figure(source: DataSource, version: str, tag: str, runs: tuple[str, ...], step: int,
                    normalize: bool) -> go.Figure:
    """Return the compare-runs figure of one tag at one step."""
    del version
    frames = {run: hist_data.series(source, run, tag) for run in runs}
    colors = source.run_colors()
    return compare_figure(frames, step, {run: colors.get(run, FALLBACK) for run in runs}, normalize=normalize,
                          uirevision=f"{tag}|compare|{normalize}")


@functools.lru_cache(maxsize=_CACHED_FIGURES)
def _distribution_points(source: DataSource, version: str, run: str, tag: str) -> pd.DataFrame:
    """Return every step of one (run, tag) compressed to basis points (the last row of a repeated step wins)."""
    del version
    return distribution_frame(hist_data.series(source, run, tag).drop_duplicates("step", keep="last"))


@functools.lru_cache(maxsize=_CACHED_FIGURES)
def _distribution_figure(source: DataSource, version: str, run: str, tag: str, time_axis: str,
                         max_steps: int) -> tuple[go.Figure, int, int]:
    """Return the distribution figure of one (run, tag), the steps it shows and the steps logged."""
    points = _distribution_points(source, version, run, tag)
    chosen, total = pick_steps(points["step"].to_numpy(), _limit(points, max_steps))
    shown = points[points["step"].isin(chosen)].reset_index(drop=True)
    figure = distribution_figure(shown, time_axis=time_axis, color=_color(source, run),
                                 uirevision=f"{tag}|{run}|{time_axis}")
    return figure, len(shown), total


def _limit(frame: pd.DataFrame, max_steps: int) -> int:
    """Return pick_steps' limit: max_steps, or every distinct step when it is 0 (at least 2)."""
    return max(int(max_steps) if max_steps > 0 else int(frame["step"].nunique()), 2)


def max_steps(source: DataSource, plugin: str) -> int:
    """Return the most steps drawn per chart (--samples-per-plugin; 0 = all)."""
    default = DEFAULT_MAX_STEPS if plugin == "histograms" else DEFAULT_DISTRIBUTION_STEPS
    return source.settings.max_points(plugin, default)


def is_finite_step(value: Any) -> bool:
    """Return whether a control's value is a usable step number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
