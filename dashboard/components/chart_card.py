"""A chart card: title bar with actions over one dcc.Graph, the unit of every chart grid."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

GRAPH_CONFIG: Any = {
    "displaylogo": False,
    "scrollZoom": False,
    "doubleClick": "reset",
    "modeBarButtonsToRemove": [
        "select2d",
        "lasso2d",
        "autoScale2d",
        "toggleSpikelines",
        "sendDataToCloud",
        "editInChartStudio",
    ],
    # No chart offers to send its data anywhere (training data is often confidential): local actions only.
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def chart_card(
    title: str,
    graph_id: dict[str, Any],
    figure: go.Figure,
    *,
    actions: list[Component] | None = None,
    subtitle: str | list[Component | str] = "",
    height: int | None = None,
    class_name: str = "",
) -> html.Div:
    """Return a card holding one chart.

    Args:
        title: the card title (usually the tag).
        graph_id: the dict id of the dcc.Graph (MATCH callbacks use it).
        figure: the figure to show.
        actions: small buttons/links for the title bar (downloads, ...).
        subtitle: a muted line under the title (e.g. point counts; may hold components such as run_label).
        height: the chart's height in pixels (None: the stylesheet's).
        class_name: more classes for the card (e.g. a page's card style).

    Returns:
        The card.
    """
    header = [
        html.Div(
            [html.Span(title, className="card-title", title=title), html.Span(subtitle, className="card-subtitle")],
            className="card-heading",
        )
    ]
    if actions:
        header.append(html.Div(actions, className="card-actions"))
    graph = dcc.Graph(
        id=graph_id,
        figure=figure,
        config=GRAPH_CONFIG,
        className="card-graph",
        style=None if height is None else {"height": f"{height}px"},
    )
    return html.Div([html.Div(header, className="card-header"), graph], className=f"card {class_name}".strip())


def run_label(run: str, color: str) -> html.Span:
    """Return a run name with its colour swatch, as in the run picker."""
    return html.Span(
        [
            html.Span(className="swatch", style={"backgroundColor": color}),
            html.Span(run, className="run-name", title=run),
        ],
        className="run-label",
    )
