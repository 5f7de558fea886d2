"""Custom scalars: the charts of the logged layout, one section per category and one card per chart.

A multiline chart plots every scalar tag of the shown runs that one of its regexes matches from
the start of the tag (TensorBoard's re.match), one line per (tag, run), with the Scalars page's
smoothing and axes; a margin chart plots each value tag in a filled band between its lower and
upper tags. The layout comes from add_custom_scalars (tensorboardX, PyTorch) or TF's
custom_scalar summary; the view lives in the URL query with the Scalars parameters (ScalarView).
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, ctx, html
from dash.development.base_component import Component

from dashboard.callbacks import callback
from dashboard.colors import run_colors
from dashboard.components.chart_card import chart_card
from dashboard.components.controls import (
    TIME_AXIS_LABELS,
    radio_control,
    range_inputs,
    smoothing_control,
    synced_smoothing,
    toggles,
)
from dashboard.data import DataSource
from dashboard.data import custom_scalars as cs_data
from dashboard.figures.custom_scalars import margin_figure, multiline_figure, series_name
from dashboard.pages import _grid
from dashboard.pages.scalars.view import DEFAULT_MAX_POINTS, TOGGLES, ScalarView

__all__ = ["GRID", "ids", "layout"]

PAGE = "custom_scalars"
SHOWN_TAGS = 4  # a card's subtitle names this many matched tags, then "and N more"
EMPTY = _grid.EmptyText(
    "No custom scalars layout was found",
    hint="Log a layout once with TensorBoard's SummaryWriter (torch.utils.tensorboard or tensorboardX): categories "
    'of charts, each a "Multiline" chart of tag regexes (matched from the start of the tag) or a "Margin" chart '
    "of value, lower and upper tags. Its scalars come from add_scalar as usual.",
    code='writer.add_custom_scalars({"Losses": {"loss": ["Multiline", ["loss/"]]}, '
    '"Accuracy": {"acc": ["Margin", ["acc/mean", "acc/low", "acc/high"]]}})',
)


class ids:  # noqa: N801 - a namespace
    """Ids of the Custom scalars page (plain strings for singletons, dicts for per-chart parts)."""

    smoothing = "custom-scalars-smoothing"
    smoothing_input = "custom-scalars-smoothing-input"
    x_axis = "custom-scalars-x-axis"
    toggles = "custom-scalars-toggles"
    y_min = "custom-scalars-y-min"
    y_max = "custom-scalars-y-max"

    @staticmethod
    def graph(key: Any) -> dict[str, Any]:
        """The chart of one layout chart (key: data.custom_scalars.ChartSpec.key)."""
        return {"type": "custom-scalars-graph", "key": key}


def sidebar(view: ScalarView, _context: _grid.Context) -> list[Component]:
    """Return the Scalars page's chart settings, on this page's ids."""
    return [
        smoothing_control(ids.smoothing, ids.smoothing_input, view.smoothing),
        radio_control("Horizontal axis", ids.x_axis, TIME_AXIS_LABELS, view.x_axis),
        toggles(ids.toggles, TOGGLES, view.switches()),
        range_inputs("Y range", ids.y_min, ids.y_max, view.y_min, view.y_max),
    ]


def cards(request: _grid.CardRequest) -> list[Component]:
    """Return one card per chart of the section page (charts the layout no longer has get none)."""
    source = request.source
    options = request.view.chart_options(source.settings.max_points("scalars", DEFAULT_MAX_POINTS))
    specs = [spec for spec in (cs_data.chart(source, key) for key in request.tags) if spec is not None]
    return [card(source, spec, request.runs, options) for spec in specs]


def card(source: DataSource, spec: cs_data.ChartSpec, runs: list[str], options: Any) -> html.Div:
    """Return one chart's card: a multiline chart of its matched tags, or a margin chart of its bands."""
    if spec.kind == "margin":
        frame = cs_data.margin_points(source, spec, runs)
        build = margin_figure
        what = [f"{value} in [{lower}, {upper}]" for value, lower, upper in spec.margins]
    else:
        frame = cs_data.multiline_points(source, spec, runs)
        build = multiline_figure
        what = [f"/{pattern}/" for pattern in spec.patterns]
    pairs = sorted(set(zip(frame["tag"].astype(str), frame["run"].astype(str))))
    colors = run_colors(series_name(tag, run) for tag, run in pairs)
    figure = build(frame, colors, options, uirevision=spec.key)
    return chart_card(
        spec.title or spec.key,
        ids.graph(spec.key),
        figure,
        subtitle=_subtitle(spec, sorted({tag for tag, _ in pairs}), ", ".join(what)),
        class_name=f"custom-scalars-card custom-scalars-{spec.kind}",
    )


def _subtitle(spec: cs_data.ChartSpec, tags: list[str], what: str) -> list[Component | str]:
    """Return "n tags: a, b, c and 2 more" (or what matched nothing), with the chart's regexes as its tooltip."""
    bad = [html.Span(f" · invalid regex {', '.join(spec.invalid)}", className="custom-scalars-invalid")]
    if not tags:
        text = f"no data for {what} in the shown runs" if what else "an empty chart"
        return [html.Span(text, title=what, className="custom-scalars-nomatch"), *(bad if spec.invalid else [])]
    named = ", ".join(tags[:SHOWN_TAGS]) + (f" and {len(tags) - SHOWN_TAGS} more" if len(tags) > SHOWN_TAGS else "")
    count = f"{len(tags)} tag{'s' if len(tags) != 1 else ''}: "
    return [html.Span(count + named, title=f"{what}\n{', '.join(tags)}"), *(bad if spec.invalid else [])]


GRID = _grid.GridPage(
    PAGE,
    cs_data.PLUGIN,
    ScalarView,
    EMPTY,
    cards,
    sidebar=sidebar,
    tags=lambda source, runs, pattern: cs_data.chart_keys(source, pattern),
    sections=cs_data.sections,
    no_match="No chart title matches the filter: clear it, or filter by category/title.",
)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see ScalarView)."""
    return _grid.layout(GRID, query)


collect_view = _grid.collect(
    PAGE,
    smoothing=Input(ids.smoothing, "value"),
    x=Input(ids.x_axis, "value"),
    toggles=Input(ids.toggles, "value"),
    ymin=Input(ids.y_min, "value"),
    ymax=Input(ids.y_max, "value"),
)


@callback(
    Output(ids.smoothing, "value"),
    Output(ids.smoothing_input, "value"),
    Input(ids.smoothing, "value"),
    Input(ids.smoothing_input, "value"),
    prevent_initial_call=True,
)
def sync_smoothing(slider: Any, box: Any) -> tuple[Any, Any]:
    """Keep the slider and the number box equal (the one the user moved wins; clamped to [0, 0.999])."""
    return synced_smoothing(slider, box, box_moved=ctx.triggered_id == ids.smoothing_input)
