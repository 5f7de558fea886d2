"""The empty state: what is missing, why, and the one line of code that would fill it."""

from __future__ import annotations

from dash import html
from dash.development.base_component import Component


def empty_state(title: str, *, hint: str = "", code: str = "", extra: list[Component] | None = None) -> html.Div:
    """Return a centred explanation for a page or section with nothing to show.

    Args:
        title: one short sentence saying what is missing.
        hint: what to do about it.
        code: a line of code (or a command) that would produce the missing data.
        extra: more components to show below (links, details).

    Returns:
        The component.
    """
    children: list[Component] = [html.H3(title, className="empty-title")]
    if hint:
        children.append(html.P(hint, className="empty-hint"))
    if code:
        children.append(html.Pre(html.Code(code), className="empty-code"))
    children.extend(extra or [])
    return html.Div(children, className="empty-state")
