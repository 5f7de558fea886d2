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
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "sendDataToCloud",
                               "editInChartStudio"],
    # No chart offers to send its data anywhere (training data is often confidential): local actions only.
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "plotlyServerURL": "",
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def chart_card(title: str, graph_id: dict[str, str], figure: go.Figure, *, actions: list[Component] | None = None,
               subtitle: str = "") -> html.Div:
    """Return a card holding one chart.

    Args:
        title: the card title (usually the tag).
        graph_id: the dict id of the dcc.Graph (MATCH callbacks use it).
        figure: the figure to show.
        actions: small buttons/links for the title bar (downloads, ...).
        subtitle: a muted line under the title (e.g. point counts).

    Returns:
        The card.
    """
    header = [html.Div([html.Span(title, className="card-title", title=title),
                        html.Span(subtitle, className="card-subtitle")], className="card-heading")]
    if actions:
        header.append(html.Div(actions, className="card-actions"))
    return html.Div(
        [html.Div(header, className="card-header"),
         dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, className="card-graph")],
        className="card",
    )
