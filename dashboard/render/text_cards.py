"""The Text page's cards: one (run, tag)'s steps newest first, each step's text rendered, and a pager.

Pure presentation: a card is drawn from a page of steps (any object with the TextSteps fields,
e.g. dashboard.data.text.TextPage) and plain values; every part of a card has a dict id keyed by
card_key(run, tag), so one MATCH callback can turn any card's pages.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

import pandas as pd
from dash import html
from dash.development.base_component import Component

from dashboard.render.text import render_text

PAGER_BUTTONS = ("newest", "newer", "older", "oldest")
_LABELS = {"newest": "«", "newer": "‹ Newer", "older": "Older ›", "oldest": "»"}
_TITLES = {"newest": "Newest steps", "newer": "Newer steps", "older": "Older steps", "oldest": "Oldest steps"}


class ids:  # noqa: N801 - a namespace
    """Dict ids of a text card's parts; `key` is the card's card_key(run, tag)."""

    @staticmethod
    def steps(key: Any) -> dict[str, Any]:
        """The list of a card's steps on the current page."""
        return {"type": "text-card-steps", "key": key}

    @staticmethod
    def position(key: Any) -> dict[str, Any]:
        """The pager's "Page 1 of 3 · steps 499–300" line."""
        return {"type": "text-card-position", "key": key}

    @staticmethod
    def pager_button(action: str, key: Any) -> dict[str, Any]:
        """One of the pager's buttons; action is one of PAGER_BUTTONS."""
        return {"type": f"text-card-{action}", "key": key}


class TextSteps(Protocol):
    """One page of a card's steps, as the card draws it (dashboard.data.text.TextPage has these fields)."""

    @property
    def run(self) -> str:
        """The run."""

    @property
    def tag(self) -> str:
        """The tag."""

    @property
    def page(self) -> int:
        """The page shown (0 is the newest)."""

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""

    @property
    def total(self) -> int:
        """How many steps the card holds."""

    @property
    def rows(self) -> pd.DataFrame:
        """This page's rows (step, wall_time, value, shape, values), newest first."""

    @property
    def steps(self) -> list[int]:
        """The steps on this page, newest first."""


def card_key(run: str, tag: str) -> str:
    """Return the key of a (run, tag) card in its parts' ids (a JSON pair: any run or tag name is safe)."""
    return json.dumps([run, tag], separators=(",", ":"))


def card(page: TextSteps, color: str, markdown: bool, store: Component) -> html.Div:
    """Return one (run, tag) card: title, run, the page's steps newest first, and the pager.

    Args:
        page: the steps to show (and the card's run, tag and step count).
        color: the run's colour.
        markdown: render Markdown (False: raw text).
        store: the card's store (what the page keeps to tell whether a redraw would change it).

    Returns:
        The card (class "card text-card", with data-run and data-tag).
    """
    run, tag = page.run, page.tag
    noun = "step" if page.total == 1 else "steps"
    heading = html.Div(
        [
            html.Span(tag, className="card-title", title=tag),
            html.Span(
                [
                    html.Span(className="swatch", style={"backgroundColor": color}),
                    html.Span(run, className="text-card-run", title=run),
                    html.Span(f" · {page.total:,} {noun}", className="text-card-count"),
                ],
                className="card-subtitle text-card-subtitle",
            ),
        ],
        className="card-heading",
    )
    attributes: dict[str, Any] = {"data-run": run, "data-tag": tag}
    return html.Div(
        [
            html.Div(heading, className="card-header"),
            html.Div(steps_view(page, markdown), id=ids.steps(card_key(run, tag)), className="text-steps"),
            pager(page),
            store,
        ],
        className="card text-card",
        **attributes,
    )


def steps_view(page: TextSteps, markdown: bool) -> list[html.Article]:
    """Return one block per step of the page: "Step N" and its wall time over the rendered text."""
    rows = page.rows
    blocks = []
    for step, wall_time, value, shape, values in zip(
        rows["step"], rows["wall_time"], rows["value"], rows["shape"], rows["values"]
    ):
        header = html.Div(
            [
                html.Span(f"Step {int(step):,}", className="text-step-number"),
                html.Span(wall_time_text(float(wall_time)), className="text-step-time"),
            ],
            className="text-step-header",
        )
        body = render_text(str(value), list(shape), list(values), markdown=markdown)
        attributes: dict[str, Any] = {"data-step": str(int(step))}
        blocks.append(
            html.Article([header, html.Div(body, className="text-step-body")], className="text-step", **attributes)
        )
    return blocks


def pager(page: TextSteps) -> html.Div:
    """Return the pager under a card's steps (hidden when everything fits on one page)."""
    key = card_key(page.run, page.tag)
    disabled = pager_disabled(page)
    buttons = {
        action: html.Button(
            _LABELS[action],
            id=ids.pager_button(action, key),
            n_clicks=0,
            title=_TITLES[action],
            disabled=disabled[action],
            className="small-button",
            **_aria_label(_TITLES[action]),
        )
        for action in PAGER_BUTTONS
    }
    return html.Div(
        [
            buttons["newest"],
            buttons["newer"],
            html.Span(position_text(page), id=ids.position(key), className="text-pager-position"),
            buttons["older"],
            buttons["oldest"],
        ],
        className="text-pager",
        style=None if page.pages > 1 else {"display": "none"},
    )


def _aria_label(label: str) -> dict[str, Any]:
    return {"aria-label": label}


def pager_disabled(page: TextSteps) -> dict[str, bool]:
    """Return action -> disabled for the pager's buttons on this page."""
    first, last = page.page == 0, page.page >= page.pages - 1
    return {"newest": first, "newer": first, "older": last, "oldest": last}


def position_text(page: TextSteps) -> str:
    """Return e.g. "Page 1 of 3 · steps 499–300" (steps newest first, as shown)."""
    steps = page.steps
    if not steps:
        return f"Page {page.page + 1} of {page.pages}"
    span = f"step {steps[0]:,}" if len(steps) == 1 else f"steps {steps[0]:,}–{steps[-1]:,}"
    return f"Page {page.page + 1} of {page.pages} · {span}"


def wall_time_text(wall_time: float) -> str:
    """Return a wall time as local "YYYY-MM-DD HH:MM:SS" ("" when it is not a usable time)."""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall_time))
    except (OverflowError, OSError, ValueError):
        return ""
