"""Distributions: being built (issue 4); until then the page says so."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.components import placeholders
from dashboard.pages import DASHBOARDS

PATH = "/distributions"
TITLE = "Distributions"


def layout(**query: Any) -> html.Div:
    """Return the placeholder page."""
    board = next(board for board in DASHBOARDS if board.path == PATH)
    return placeholders.coming_soon(board, **query)
