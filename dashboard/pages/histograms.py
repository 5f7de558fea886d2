"""Histograms: one card per (tag, run) in offset (ridgeline) or overlay mode, or one per tag comparing runs at a step.

Offset and overlay draw an evenly spaced subset of a tag's steps (first and last always in;
the card says how many of how many) re-binned onto shared bins, as TensorBoard does. Compare
mode (beyond TensorBoard, tensorflow/tensorboard#6206) overlays every selected run's histogram
at one step chosen in the sidebar; runs without that step show their nearest one. The view
lives in the URL query (see HistogramView).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback, clientside
from dashboard.components import controls, run_picker
from dashboard.components.shell import ids as shell_ids
from dashboard.data import histograms as hist_data
from dashboard.pages import _grid
from dashboard.pages._histogram import (
    HISTOGRAMS_EMPTY,
    MODES,
    NORMALIZE,
    HistogramView,
    compare_card,
    compare_slider,
    follow_latest,
    is_finite_step,
    max_steps,
    ridge_card,
    settle_step,
    step_range,
)
from dashboard.pages._view import names

__all__ = ["GRID", "ids", "layout"]

PAGE = "histograms"


class ids:  # noqa: N801 - a namespace
    """Ids of the Histograms page (plain strings for singletons, dicts for per-card parts)."""

    mode = "histograms-mode"
    x_axis = "histograms-x-axis"
    controls = "histograms-controls"  # the wrapper of the mode-dependent controls (its class says the mode)
    step = "histograms-step"  # the compare-mode step slider
    step_input = "histograms-step-input"  # the compare-mode exact-step box (kept equal to the slider)
    toggles = "histograms-toggles"  # the compare-mode switches (normalize)

    @staticmethod
    def graph(tag: Any, run: Any) -> dict[str, Any]:
        """The chart of one (tag, run)."""
        return {"type": "histograms-graph", "tag": tag, "run": run}

    @staticmethod
    def compare_graph(tag: Any) -> dict[str, Any]:
        """The compare-runs chart of one tag."""
        return {"type": "histograms-compare-graph", "tag": tag}


def sidebar(view: HistogramView, context: _grid.Context) -> list[Component]:
    """Return the mode, then the time axis or (compare mode) the step over the shown runs' and tags' steps."""
    slider = compare_slider(view, context)
    step = dcc.Slider(id=ids.step, updatemode="mouseup", className="step-slider", allow_direct_input=False, **slider)
    # No min/max on the box: the browser would send out-of-range typing as null; update_step snaps it instead.
    box = dcc.Input(
        id=ids.step_input, type="number", value=slider["value"], debounce=0.4, className="number-input step-input"
    )
    return [
        controls.radio_control("Histogram mode", ids.mode, MODES, view.mode),
        html.Div(
            [
                html.Div(
                    controls.radio_control("Time axis", ids.x_axis, controls.TIME_AXIS_LABELS, view.time_axis),
                    className="only-ridges",
                ),
                html.Div(
                    [
                        controls.field(
                            "Step",
                            html.Div([html.Div(step, className="step-slider-wrap"), box], className="step-row"),
                            help_text="Runs that did not log this step show their nearest logged step",
                        ),
                        controls.toggles(ids.toggles, NORMALIZE, ["normalize"] if view.normalize else []),
                    ],
                    className="only-compare",
                ),
            ],
            id=ids.controls,
            className=controls_class(view.mode),
        ),
    ]


def controls_class(mode: str) -> str:
    """Return the class of the mode-dependent controls (CSS shows the ones the mode uses)."""
    return f"histogram-controls mode-{mode}"


def cards(request: _grid.CardRequest) -> list[Component]:
    """Return the (tag, run) cards of these tags, or in compare mode one card per tag."""
    source, view = request.source, request.view
    pairs = hist_data.runs_by_tag(source, request.runs, request.tags)
    if view.mode == "compare":
        return [
            compare_card(source, tag, runs, view.step, view.normalize, ids.compare_graph(tag))
            for tag, runs in pairs.items()
        ]
    limit = max_steps(source, "histograms")
    return [
        ridge_card(source, tag, run, view, limit, ids.graph(tag, run)) for tag, runs in pairs.items() for run in runs
    ]


# settle_step: a compare link opens at its step snapped to a logged one (the slider, cards and link agree).
GRID = _grid.GridPage(
    PAGE, hist_data.PLUGIN, HistogramView, HISTOGRAMS_EMPTY, cards, sidebar=sidebar, settle=settle_step
)
_PLOTTED = run_picker.ids.plotted(PAGE)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see HistogramView)."""
    return _grid.layout(GRID, query)


# The slider's max comes along so the link leaves out a step at the end (it follows new steps).
collect_view = _grid.collect(
    PAGE,
    mode=Input(ids.mode, "value"),
    x=Input(ids.x_axis, "value"),
    step=Input(ids.step, "value"),
    toggles=Input(ids.toggles, "value"),
    step_max=State(ids.step, "max"),
)


@callback(
    Output(ids.step, "min"),
    Output(ids.step, "max"),
    Output(ids.step, "step"),
    Output(ids.step, "marks"),
    Output(ids.step, "disabled"),
    Output(ids.step, "value"),
    Output(ids.step_input, "value"),
    Input(_PLOTTED, "data"),
    Input(run_picker.ids.tag_regex(PAGE), "value"),
    Input(shell_ids.version, "data"),
    Input(ids.mode, "value"),
    Input(ids.step, "value"),
    Input(ids.step_input, "value"),
    State(ids.step, "max"),
    prevent_initial_call=True,
)
def update_step(
    plotted: Any, tag_regex: Any, _version: Any, mode: Any, value: Any, typed: Any, old_max: Any
) -> tuple[Any, ...]:
    """Keep the compare step on a logged step of the shown runs and tags, the slider and the box equal.

    A step typed in the box moves the slider (snapped to the nearest logged step); new data or
    another selection refits the range, and a slider at the last step follows new steps.
    """
    typing = ctx.triggered_id == ids.step_input
    if mode != "compare" or (typing and not is_finite_step(typed)):  # a box being edited may be empty
        return (no_update,) * 7
    source = data.current()
    runs = names(plotted)
    if typing:
        wanted = typed
    elif ctx.triggered_id == ids.step:
        wanted = value if is_finite_step(value) else None
    else:
        wanted = follow_latest(value, old_max)
    slider = step_range(hist_data.steps(source, runs, GRID.tags_of(source, runs, tag_regex)), wanted)
    chosen = slider["value"]
    return (
        slider["min"],
        slider["max"],
        slider["step"],
        slider["marks"],
        slider["disabled"],
        chosen if chosen != value else no_update,
        chosen if chosen != typed else no_update,
    )


# Show the controls of the chosen mode (time axis for offset/overlay; step and normalize for compare).
show_mode_controls = clientside(
    """
    function(mode) { return "histogram-controls mode-" + (mode || "offset"); }
    """,
    Output(ids.controls, "className"),
    Input(ids.mode, "value"),
    prevent_initial_call=True,
)
