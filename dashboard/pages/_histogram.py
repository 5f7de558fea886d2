"""What the Histograms and Distributions pages share: their URL-borne views, the compare step, cards and figures."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.colors import FALLBACK
from dashboard.components.chart_card import chart_card, run_label
from dashboard.data import DataSource
from dashboard.data import histograms as hist_data
from dashboard.figures.buckets import TIME_AXES, pick_steps
from dashboard.figures.distributions import distribution_figure, distribution_frame
from dashboard.figures.histograms import DEFAULT_MAX_STEPS, compare_figure, offset_figure, overlay_figure
from dashboard.pages._grid import Context, EmptyText
from dashboard.pages._view import View, number, switched

MODES: dict[str, str] = {"offset": "Offset", "overlay": "Overlay", "compare": "Compare runs"}
DEFAULT_DISTRIBUTION_STEPS = 500  # TensorBoard keeps 500 histograms per tag for its distributions
LOG_HINT = 'writer.add_histogram("layer1/weight", model.layer1.weight, step)'
NORMALIZE = {"normalize": "Normalize (fraction of each run's count)"}
CARD_CLASS = "histogram-card"
_HOW = (
    "TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary.histogram); new steps "
    "show up here while training runs."
)
HISTOGRAMS_EMPTY = EmptyText(
    "No histogram data was found", f"Log a histogram of weights, activations or gradients with {_HOW}", LOG_HINT
)
DISTRIBUTIONS_EMPTY = EmptyText(
    "No distribution data was found",
    f"Distributions are drawn from histograms: log one of weights, activations or gradients with {_HOW}",
    LOG_HINT,
)


@dataclass(frozen=True)
class DistributionView(View):
    """Everything a Distributions link reproduces (the URL query), parsed tolerantly.

    Attributes:
        time_axis: "step" | "relative" | "wall" (query "x"; control "x").
    """

    time_axis: str = "step"

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the time axis from a URL query."""
        return {"time_axis": urlstate.as_choice(query.get("x"), tuple(TIME_AXES), "step")}

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the time axis from the sidebar's controls (see controls)."""
        return {"time_axis": _choice(values.get("x"), TIME_AXES, "step")}

    def controls(self) -> dict[str, Any]:
        """Return the sidebar controls' values for this view."""
        return {"x": self.time_axis}

    def options_query(self) -> dict[str, object]:
        """Return the query parameters of the options that differ from the defaults."""
        return {"x": None if self.time_axis == "step" else self.time_axis}


@dataclass(frozen=True)
class HistogramView(DistributionView):
    """Everything a Histograms link reproduces (the URL query), parsed tolerantly.

    Attributes:
        mode: "offset" | "overlay" | "compare" (query and control "mode").
        step: the compare-mode step (query and control "step"); None follows the latest step.
        normalize: compare runs by fraction of each run's count (query "norm"; in control "toggles").
        step_max: the compare step slider's last step (control "step_max"; never in the query): a step
            there is left out of the link, so the link follows new steps.
    """

    mode: str = "offset"
    step: int | None = None
    normalize: bool = False
    step_max: int | None = None

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return mode, time axis, compare step and normalize from a URL query."""
        return {
            **super().options_from_query(query),
            "mode": urlstate.as_choice(query.get("mode"), tuple(MODES), "offset"),
            "step": _as_step(urlstate.as_optional_float(query.get("step"))),
            "normalize": urlstate.as_bool(query.get("norm"), False),
        }

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return mode, time axis, compare step (and the slider's last step) and normalize from the controls."""
        return {
            **super().options_from_controls(values),
            "mode": _choice(values.get("mode"), MODES, "offset"),
            "step": _as_step(number(values.get("step"))),
            "normalize": "normalize" in switched(values.get("toggles")),
            "step_max": _as_step(number(values.get("step_max"))),
        }

    def controls(self) -> dict[str, Any]:
        """Return the sidebar controls' values for this view."""
        return {
            "mode": self.mode,
            "x": self.time_axis,
            "step": self.step,
            "toggles": ["normalize"] if self.normalize else [],
            "step_max": self.step_max,
        }

    def options_query(self) -> dict[str, object]:
        """Return the query parameters that differ from the defaults (step and norm only in compare mode)."""
        compare = self.mode == "compare"
        at_end = self.step is None or (self.step_max is not None and self.step >= self.step_max)
        return {
            "mode": None if self.mode == "offset" else self.mode,
            "x": None if self.time_axis == "step" else self.time_axis,
            "step": self.step if compare and not at_end else None,
            "norm": True if compare and self.normalize else None,
        }


def _choice(value: Any, choices: Mapping[str, str], default: str) -> str:
    return value if isinstance(value, str) and value in choices else default


def _as_step(value: float | None) -> int | None:
    return None if value is None else int(value)


# ----- the compare step (Histograms) -------------------------------------------------------------------


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
    return {
        "min": low,
        "max": high,
        "step": max(increment, 1),
        "value": value,
        "marks": {low: f"{low:,}", high: f"{high:,}"},
        "disabled": low == high,
    }


def compare_slider(view: HistogramView, context: Context) -> dict[str, Any]:
    """Return the step slider's properties for a view: the steps of the shown runs and tags (compare mode only)."""
    logged = hist_data.steps(context.source, context.plotted, context.tags) if view.mode == "compare" else []
    return step_range(logged, view.step)


def settle_step(view: HistogramView, context: Context) -> HistogramView:
    """Return the view a Histograms link opens with: in compare mode, its step snapped to a logged one."""
    if view.mode != "compare":
        return view
    slider = compare_slider(view, context)
    return dataclasses.replace(view, step=slider["value"], step_max=None if slider["value"] is None else slider["max"])


def follow_latest(value: Any, old_max: Any) -> int | None:
    """Return the step the slider should ask for after the data changed: None (latest) if it was at the end."""
    if not is_finite_step(value) or not is_finite_step(old_max) or value >= old_max:
        return None
    return int(value)


def is_finite_step(value: Any) -> bool:
    """Return whether a control's value is a usable step number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ----- cards -------------------------------------------------------------------------------------------


def steps_note(shown: int, total: int) -> str:
    """Return "1 step", "20 steps" or "50 of 200 steps shown" (the subset note)."""
    if shown < total:
        return f"{shown:,} of {total:,} steps shown"
    return f"{total:,} step{'s' * (total != 1)}"


def max_steps(source: DataSource, plugin: str) -> int:
    """Return the most steps drawn per chart for "histograms" or "distributions" (--samples-per-plugin; 0 = all)."""
    default = DEFAULT_MAX_STEPS if plugin == "histograms" else DEFAULT_DISTRIBUTION_STEPS
    return source.settings.max_points(plugin, default)


def card(title: str, subtitle: list[Component | str], graph_id: dict[str, Any], figure: go.Figure) -> html.Div:
    """Return a histogram chart card: the chart at its figure's own height."""
    return chart_card(
        title, graph_id, figure, subtitle=subtitle, height=figure.layout.height or 250, class_name=CARD_CLASS
    )


def ridge_card(
    source: DataSource, tag: str, run: str, view: HistogramView, limit: int, graph_id: dict[str, Any]
) -> html.Div:
    """Return one (tag, run) card in offset or overlay mode (at most limit steps drawn)."""
    figure = ridge_figure(source, run, tag, view.mode, view.time_axis, limit)
    meta = figure.layout.meta or {}
    note = html.Span(" · " + steps_note(meta.get("shown", 0), meta.get("total", 0)), className="steps-note")
    return card(tag, [run_label(run, _color(source, run)), note], graph_id, figure)


def compare_card(
    source: DataSource, tag: str, runs: Sequence[str], step: int | None, normalize: bool, graph_id: dict[str, Any]
) -> html.Div:
    """Return one tag's compare-runs card: every run's histogram at the chosen step (None: the tag's latest)."""
    if step is None:
        logged = hist_data.steps(source, runs, [tag])
        step = logged[-1] if logged else 0
    figure = compare_runs_figure(source, tag, tuple(runs), int(step), normalize)
    used = (figure.layout.meta or {}).get("steps", {})
    others = [f"{run} at {value:,}" for run, value in used.items() if value != step]
    note = f"{len(used)} run{'s' * (len(used) != 1)} at step {step:,}"
    if others:
        note += f" (nearest: {', '.join(others)})"
    return card(tag, [html.Span(note, className="steps-note")], graph_id, figure)


def distribution_card(
    source: DataSource, tag: str, run: str, time_axis: str, limit: int, graph_id: dict[str, Any]
) -> html.Div:
    """Return one (tag, run) distribution card (at most limit steps drawn)."""
    figure, shown, total = distribution_chart(source, run, tag, time_axis, limit)
    note = html.Span(" · " + steps_note(shown, total), className="steps-note")
    return card(tag, [run_label(run, _color(source, run)), note], graph_id, figure)


def _color(source: DataSource, run: str) -> str:
    return source.run_colors().get(run, FALLBACK)


# ----- figures, built once per data version (DataSource.memo; the same object comes back: keep them unmodified) -----


def ridge_figure(source: DataSource, run: str, tag: str, mode: str, time_axis: str, limit: int) -> go.Figure:
    """Return the offset or overlay figure of one (run, tag); layout.meta says how many steps it shows."""

    def build() -> go.Figure:
        frame = hist_data.series(source, run, tag)
        draw = overlay_figure if mode == "overlay" else offset_figure
        return draw(
            frame,
            time_axis=time_axis,
            max_steps=_limit(frame, limit),
            color=_color(source, run),
            uirevision=f"{tag}|{run}|{mode}|{time_axis}",
        )

    return source.memo(("histogram-ridge", run, tag, mode, time_axis, limit), build)


def compare_runs_figure(source: DataSource, tag: str, runs: tuple[str, ...], step: int, normalize: bool) -> go.Figure:
    """Return the compare-runs figure of one tag at one step."""

    def build() -> go.Figure:
        frames = {run: hist_data.series(source, run, tag) for run in runs}
        return compare_figure(
            frames,
            step,
            {run: _color(source, run) for run in runs},
            normalize=normalize,
            uirevision=f"{tag}|compare|{normalize}",
        )

    return source.memo(("histogram-compare", tag, runs, step, normalize), build)


def distribution_points(source: DataSource, run: str, tag: str) -> pd.DataFrame:
    """Return every step of one (run, tag) compressed to basis points (the last row of a repeated step wins)."""
    return source.memo(
        ("distribution-points", run, tag),
        lambda: distribution_frame(hist_data.series(source, run, tag).drop_duplicates("step", keep="last")),
    )


def distribution_chart(
    source: DataSource, run: str, tag: str, time_axis: str, limit: int
) -> tuple[go.Figure, int, int]:
    """Return the distribution figure of one (run, tag), the steps it shows and the steps logged."""

    def build() -> tuple[go.Figure, int, int]:
        points = distribution_points(source, run, tag)
        chosen, total = pick_steps(points["step"].to_numpy(), _limit(points, limit))
        shown = points[points["step"].isin(chosen)].reset_index(drop=True)
        figure = distribution_figure(
            shown, time_axis=time_axis, color=_color(source, run), uirevision=f"{tag}|{run}|{time_axis}"
        )
        return figure, len(shown), total

    return source.memo(("distribution-figure", run, tag, time_axis, limit), build)


def _limit(frame: pd.DataFrame, limit: int) -> int:
    """Return pick_steps' limit: limit, or every distinct step when it is 0 (at least 2)."""
    return max(int(limit) if limit > 0 else int(frame["step"].nunique()), 2)
