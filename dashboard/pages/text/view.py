"""The Text page's ids, URL-borne view, sidebar control, and what each card's store keeps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.components.controls import field, toggles
from dashboard.data.text import CardKey, TextCard
from dashboard.pages._grid import EmptyText
from dashboard.pages._view import View, switched

PAGE = "text"
TOGGLES = {"markdown": "Render Markdown"}
LOG_HINT = 'writer.add_text("notes", "Hello **Markdown**", step)'
EMPTY = EmptyText(
    "No text data was found",
    hint="Log text with TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary.text); "
    "Markdown is rendered, and lists of strings show as tables.",
    code=LOG_HINT,
)
NO_MATCH = "No text tag has data in the selected runs that matches the tag filter; tick more runs or clear the filters."


class ids:  # noqa: N801 - a namespace
    """Ids of the Text page's own controls (a card's parts are dashboard.render.text_cards.ids)."""

    toggles = "text-toggles"


@dataclass(frozen=True)
class TextView(View):
    """Everything a Text link reproduces (the URL query), parsed tolerantly.

    Attributes:
        markdown: render Markdown (query "markdown"; on by default, "markdown=0" shows raw text).
    """

    markdown: bool = True

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the Markdown switch from a URL query."""
        return {"markdown": urlstate.as_bool(query.get("markdown"), True)}

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the Markdown switch from the toggle checklist (absent: the default, on)."""
        return {"markdown": "markdown" in switched(values.get("toggles", ["markdown"]))}

    def controls(self) -> dict[str, Any]:
        """Return the sidebar control's value for this view."""
        return {"toggles": self.switches()}

    def options_query(self) -> dict[str, object]:
        """Return "markdown=0" when Markdown is off."""
        return {"markdown": None if self.markdown else False}

    def switches(self) -> list[str]:
        """Return the toggle checklist's value."""
        return ["markdown"] if self.markdown else []


def controls(view: TextView, _context: object = None) -> list[Component]:
    """Return the sidebar's Markdown switch (the template adds the filters and the run picker)."""
    return [
        field(
            "Display",
            toggles(ids.toggles, TOGGLES, view.switches()),
            help_text="Off: show each summary exactly as logged (no Markdown)",
        )
    ]


def card_state(card: TextCard, page: int, markdown: bool) -> dict[str, Any]:
    """Return what a card's store keeps: enough to tell whether a redraw would change anything."""
    return {
        "run": card.run,
        "tag": card.tag,
        "page": page,
        "count": card.count,
        "last_step": card.last_step,
        "markdown": markdown,
    }


def drawn_cards(shown: Iterable[Mapping[str, Any]]) -> dict[CardKey, dict[str, Any]]:
    """Return (run, tag) -> card store for the cards on screen (stores a client garbled are left out)."""
    return {
        (state["run"], state["tag"]): dict(state)
        for state in shown
        if isinstance(state.get("run"), str) and isinstance(state.get("tag"), str)
    }


def shown_page(state: Mapping[str, Any] | None) -> int:
    """Return the page a card store says is shown (0 when it says nothing usable)."""
    page = (state or {}).get("page")
    return page if isinstance(page, int) and not isinstance(page, bool) else 0


def next_page(action: str | None, page: int) -> int:
    """Return the page a pager button leads to from page (-1 means the oldest; the data layer clamps).

    Args:
        action: one of PAGER_BUTTONS (anything else stays on page).
        page: the current page.

    Returns:
        The new page index.
    """
    return {"newest": 0, "newer": max(page - 1, 0), "older": page + 1, "oldest": -1}.get(action or "", page)
