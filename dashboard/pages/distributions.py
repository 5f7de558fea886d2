"""Distributions: one card per (tag, run), the histograms compressed to TensorBoard's basis points over time.

Each step's histogram becomes nine values (min, the ±1.5σ, ±1σ, ±0.5σ normal-equivalent
percentiles, the median and max) drawn as nested bands around the median line over step,
relative or wall time. Compression runs once per (run, tag) and data version (DataSource.memo);
charts of tags with more steps than --samples-per-plugin distributions=N (default 500) show an
evenly spaced subset and say so. The view lives in the URL query (see DistributionView).
"""

from __future__ import annotations

from typing import Any

from dash import Input, html
from dash.development.base_component import Component

from dashboard.components import controls
from dashboard.data import histograms as hist_data
from dashboard.pages import _grid
from dashboard.pages._histogram import DISTRIBUTIONS_EMPTY, DistributionView, distribution_card, max_steps

__all__ = ["GRID", "ids", "layout"]

PAGE = "distributions"


class ids:  # noqa: N801 - a namespace
    """Ids of the Distributions page (plain strings for singletons, dicts for per-card parts)."""

    x_axis = "distributions-x-axis"

    @staticmethod
    def graph(tag: Any, run: Any) -> dict[str, Any]:
        """The chart of one (tag, run)."""
        return {"type": "distributions-graph", "tag": tag, "run": run}


def sidebar(view: DistributionView, _context: _grid.Context) -> list[Component]:
    """Return the horizontal axis choice (the template adds the filters and the run picker)."""
    return [controls.radio_control("Horizontal axis", ids.x_axis, controls.TIME_AXIS_LABELS, view.time_axis)]


def cards(request: _grid.CardRequest) -> list[Component]:
    """Return the (tag, run) cards of these tags (runs without the tag get none)."""
    source = request.source
    limit = max_steps(source, "distributions")
    return [
        distribution_card(source, tag, run, request.view.time_axis, limit, ids.graph(tag, run))
        for tag, runs in hist_data.runs_by_tag(source, request.runs, request.tags).items()
        for run in runs
    ]


GRID = _grid.GridPage(PAGE, hist_data.PLUGIN, DistributionView, DISTRIBUTIONS_EMPTY, cards, sidebar=sidebar)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see DistributionView)."""
    return _grid.layout(GRID, query)


collect_view = _grid.collect(PAGE, x=Input(ids.x_axis, "value"))
