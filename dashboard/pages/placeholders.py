"""Layouts for dashboards not built yet and for unknown URLs: say so, and what still works."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import data
from dashboard.components.empty_state import empty_state
from dashboard.pages.registry import Page


def coming_soon(board: Page, **_query: object) -> html.Div:
    """Return the page of a dashboard that has no page module yet.

    Args:
        board: the dashboard.
        **_query: the URL query (ignored).

    Returns:
        An empty state pointing at the loaders, which already read this data.
    """
    logdir = data.current().logdir
    hint = (
        f"The {board.title} dashboard is not part of this version of Eventscope yet. "
        f"The loaders already read its data; list it per run and tag with:"
    )
    return html.Div(
        empty_state(
            f"{board.title}: coming soon",
            hint=hint,
            code=f"python -m loaders inspect {logdir}",
            extra=[dcc.Link("Back to Scalars", href=dash.get_relative_path("/scalars"))],
        ),
        className="page page-placeholder",
    )


def not_found(**_query: object) -> html.Div:
    """Return the page for a URL that names no dashboard."""
    return html.Div(
        empty_state(
            "Page not found",
            hint="This address names no dashboard.",
            extra=[dcc.Link("Go to Scalars", href=dash.get_relative_path("/scalars"))],
        ),
        className="page page-placeholder",
    )
