"""User text (run and tag names) made safe for the places Plotly renders its subset of HTML."""

from __future__ import annotations

import html

__all__ = ["escape"]


def escape(text: str) -> str:
    """Return text with <, > and & escaped, so Plotly shows it as written.

    Plotly reads trace names, hover labels, axis titles and annotations as HTML-like markup
    (<b>, <a href>, <br>, ...) and decodes entities when it draws them: a run named "<b>x</b>"
    would draw bold, and one holding <a href=...> a link. Escaped, both show literally.
    Keep the raw name in `meta` for callbacks.

    Args:
        text: a run name, tag or other text from the logs.

    Returns:
        The escaped text (quotes are left alone: they only matter inside tags).
    """
    return html.escape(text, quote=False)
