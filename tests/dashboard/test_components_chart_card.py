"""Tests of dashboard.components.chart_card."""

from __future__ import annotations

import plotly.graph_objects as go
from dash import dcc

from dashboard.components.chart_card import GRAPH_CONFIG, chart_card


def test_charts_offer_no_way_to_send_data_anywhere() -> None:
    card = chart_card("loss", {"type": "g", "tag": "loss"}, go.Figure())
    graph = card.children[1]
    assert isinstance(graph, dcc.Graph) and graph.config is GRAPH_CONFIG
    for key in ("showSendToCloud", "showEditInChartStudio", "showLink", "sendData"):
        assert GRAPH_CONFIG[key] is False
    assert GRAPH_CONFIG["plotlyServerURL"] == ""
    assert {"sendDataToCloud", "editInChartStudio"} <= set(GRAPH_CONFIG["modeBarButtonsToRemove"])
