"""PR curves: one card per tag, precision against recall, one line per run with a step slider per run.

Every logged step is kept; each run's slider starts at its newest step and, while it sits there,
follows new steps (as TensorBoard's does). The tooltip shows the threshold, precision, recall
and the TP/FP/TN/FN counts of the point. The view (runs and tags) lives in the URL query.
"""

from __future__ import annotations

from typing import Any

from dash import ALL, MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components.chart_card import chart_card, run_label
from dashboard.components.shell import ids as shell_ids
from dashboard.data import pr_curves as pr_data
from dashboard.figures.images import step_caption, step_marks
from dashboard.figures.pr_curves import CurveAt, curve_at, pr_figure
from dashboard.pages import _grid
from dashboard.pages._view import View
from dashboard.render.media_cards import choose_position

__all__ = ["GRID", "ids", "layout"]

PAGE = "pr_curves"
EMPTY = _grid.EmptyText(
    "No PR curve data was found",
    hint="Log a precision-recall curve with TensorBoard's SummaryWriter (torch.utils.tensorboard or tensorboardX "
    "add_pr_curve / add_pr_curve_raw) or tf.summary's pr_curve plugin; new steps show up here while training runs.",
    code='writer.add_pr_curve("pr/validation", labels, probabilities, step)',
)


class ids:  # noqa: N801 - a namespace
    """Ids of the PR curves page (dicts for per-card and per-run parts)."""

    @staticmethod
    def graph(tag: Any) -> dict[str, Any]:
        """The chart of one tag."""
        return {"type": "pr-graph", "tag": tag}

    @staticmethod
    def step(tag: Any, run: Any) -> dict[str, Any]:
        """One run's step slider in a tag's card (its value is an index into the run's steps)."""
        return {"type": "pr-step", "tag": tag, "run": run}

    @staticmethod
    def caption(tag: Any, run: Any) -> dict[str, Any]:
        """The "step N · time" caption beside one run's slider."""
        return {"type": "pr-step-caption", "tag": tag, "run": run}


def cards(request: _grid.CardRequest) -> Any:
    """Return one card per tag (runs that logged it, each at its newest step); new data alone keeps the cards
    on screen when their tags and runs did not change (their sliders follow it, see show_steps)."""
    source = request.source
    by_tag = pr_data.runs_by_tag(source, request.runs, request.tags)
    if request.data_only and _drawn(request.shown) == {tag: runs for tag, runs in by_tag.items()}:
        return no_update
    colors = source.run_colors()
    return [card(tag, [pr_data.curves(source, run, tag) for run in runs], colors) for tag, runs in by_tag.items()]


def _drawn(shown: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {str(state.get("tag")): list(state.get("runs") or []) for state in shown}


def card(tag: str, frames: list[Any], colors: dict[str, str]) -> html.Div:
    """Return one tag's card: the chart, then per run its colour, a step slider and the step shown."""
    curves = [curve for curve in (curve_at(frame, None) for frame in frames) if curve is not None]
    runs = [curve.run for curve in curves]
    rows = [_slider_row(tag, curve, frame, colors) for curve, frame in zip(curves, frames)]
    subtitle = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
    figure = pr_figure(curves, colors, uirevision=tag)
    chart = chart_card(tag, ids.graph(tag), figure, subtitle=subtitle, class_name="pr-card")
    extra: list[Component] = [
        html.Div(rows, className="pr-sliders"),
        dcc.Store(id=_grid.ids.card(PAGE, tag), data={"tag": tag, "runs": runs}),
    ]
    chart.children = [*chart.children, *extra]
    return chart


def _slider_row(tag: str, curve: CurveAt, frame: Any, colors: dict[str, str]) -> html.Div:
    last = len(frame) - 1
    return html.Div(
        [
            run_label(curve.run, colors.get(curve.run, "#607d8b")),
            dcc.Slider(
                id=ids.step(tag, curve.run),
                min=0,
                max=last,
                step=1,
                value=last,
                marks=step_marks(frame["step"].to_numpy()),
                updatemode="drag",
                included=False,
                allow_direct_input=False,
                className=_slider_class(last),
            ),
            html.Span(_caption(curve), id=ids.caption(tag, curve.run), className="pr-step-caption"),
        ],
        className="pr-slider-row",
    )


def _slider_class(last: int) -> str:
    return "pr-slider" + (" pr-slider-single" if last == 0 else "")


def _caption(curve: CurveAt) -> str:
    return step_caption(curve.step, float(curve.row["wall_time"]))


GRID = _grid.GridPage(PAGE, pr_data.PLUGIN, View, EMPTY, cards)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see View)."""
    return _grid.layout(GRID, query)


@callback(
    Output(ids.graph(MATCH), "figure"),
    Output(ids.step(MATCH, ALL), "value"),
    Output(ids.step(MATCH, ALL), "max"),
    Output(ids.step(MATCH, ALL), "marks"),
    Output(ids.step(MATCH, ALL), "className"),
    Output(ids.caption(MATCH, ALL), "children"),
    Input(ids.step(MATCH, ALL), "value"),
    Input(shell_ids.version, "data"),
    State(ids.step(MATCH, ALL), "max"),
    State(ids.step(MATCH, ALL), "id"),
    prevent_initial_call=True,
)
def show_steps(positions: Any, _version: Any, old_lasts: Any, slider_ids: Any) -> tuple[Any, ...]:
    """Redraw a tag's chart at each run's slider step; after new data a slider at the newest step follows it."""
    keys = [key for key in slider_ids or [] if isinstance(key, dict)]
    if not keys or len(keys) != len(slider_ids) or not isinstance(positions, list) or len(positions) != len(keys):
        return (no_update,) * 6
    source = data.current()
    tag = str(keys[0].get("tag"))
    trigger = "slider" if isinstance(ctx.triggered_id, dict) else "data"
    lasts = old_lasts if isinstance(old_lasts, list) and len(old_lasts) == len(keys) else [None] * len(keys)
    curves: list[CurveAt | None] = []
    frames = []
    for key, position, old_last in zip(keys, positions, lasts):
        frame = pr_data.curves(source, str(key.get("run")), tag)
        frames.append(frame)
        chosen = choose_position(frame["step"].tolist(), trigger, position, None, old_last) if len(frame) else None
        curves.append(curve_at(frame, chosen))
    drawn = [curve for curve in curves if curve is not None]
    return (
        pr_figure(drawn, source.run_colors(), uirevision=tag),
        [int(curve_position(frame, curve)) for frame, curve in zip(frames, curves)],
        [max(len(frame) - 1, 0) for frame in frames],
        [step_marks(frame["step"].to_numpy()) for frame in frames],
        [_slider_class(len(frame) - 1) for frame in frames],
        [_caption(curve) if curve is not None else "no data" for curve in curves],
    )


def curve_position(frame: Any, curve: CurveAt | None) -> int:
    """Return the slider position of a drawn curve (0 when there is none)."""
    if curve is None:
        return 0
    return int((frame["step"] == curve.step).to_numpy().argmax())
