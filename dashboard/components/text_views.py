"""Building blocks of the Text page: ids, URL-borne view state, sidebar, sections, and the paged text cards."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.components import run_picker, tag_sections
from dashboard.components.controls import field, toggles
from dashboard.components.empty_state import empty_state
from dashboard.data.text import CardKey, TextCard, TextPage
from dashboard.figures.text import render_text

PAGE = "text"
TOGGLES = {"markdown": "Render Markdown"}
LOG_HINT = 'writer.add_text("notes", "Hello **Markdown**", step)'
PAGER_BUTTONS = ("newest", "newer", "older", "oldest")


class ids:  # noqa: N801 - a namespace
    """Ids of the Text page: plain strings for singletons, dicts (run, tag) for the parts of each card."""

    page = "text-page"
    sections = "text-sections"
    summary = "text-summary"
    toggles = "text-toggles"
    runs = run_picker.ids.runs(PAGE)
    plotted = run_picker.ids.plotted(PAGE)
    run_regex = run_picker.ids.run_regex(PAGE)
    tag_regex = run_picker.ids.tag_regex(PAGE)

    @staticmethod
    def card_state(run: Any, tag: Any) -> dict[str, Any]:
        """Store of a card as drawn: run, tag, page, count, last_step, markdown (see card_state)."""
        return {"type": "text-card-state", "run": run, "tag": tag}

    @staticmethod
    def steps(run: Any, tag: Any) -> dict[str, Any]:
        """The list of a card's steps on the current page."""
        return {"type": "text-card-steps", "run": run, "tag": tag}

    @staticmethod
    def position(run: Any, tag: Any) -> dict[str, Any]:
        """The pager's "Page 1 of 3 · steps 499–300" line."""
        return {"type": "text-card-position", "run": run, "tag": tag}

    @staticmethod
    def pager_button(action: str, run: Any, tag: Any) -> dict[str, Any]:
        """One of the pager's buttons; action is one of PAGER_BUTTONS."""
        return {"type": f"text-card-{action}", "run": run, "tag": tag}


@dataclass(frozen=True)
class TextView:
    """Everything a Text link reproduces (the URL query), parsed tolerantly.

    Attributes:
        markdown: render Markdown (query "markdown"; on by default, "markdown=0" shows raw text).
        run_regex: run filter (query "runs").
        tag_regex: tag filter (query "tags").
        ticked: ticked runs (query "run" lists them, or "hide" lists the unticked ones).
    """

    markdown: bool = True
    run_regex: str = ""
    tag_regex: str = ""
    ticked: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: Mapping[str, urlstate.QueryValue], runs: Sequence[str]) -> TextView:
        """Parse a URL query; anything unusable falls back to its default (never raises).

        Args:
            query: the parsed query (values are strings or lists of strings).
            runs: every run (for the run selection).

        Returns:
            The view.
        """
        return cls(markdown=urlstate.as_bool(query.get("markdown"), True),
                   run_regex=urlstate.as_text(query.get("runs")), tag_regex=urlstate.as_text(query.get("tags")),
                   ticked=tuple(urlstate.decode_runs(query, runs)))

    @classmethod
    def from_controls(cls, switches: Sequence[str] | None, run_regex: str | None = "", tag_regex: str | None = "",
                      ticked: Sequence[str] | None = ()) -> TextView:
        """Build the view from the sidebar controls' values."""
        return cls(markdown="markdown" in set(switches or ()), run_regex=run_regex or "", tag_regex=tag_regex or "",
                   ticked=tuple(ticked or ()))

    def to_query(self, runs: Sequence[str]) -> str:
        """Return the shortest query string that reproduces this view ("" for all defaults)."""
        return urlstate.encode({"runs": self.run_regex, "tags": self.tag_regex,
                                "markdown": None if self.markdown else False,
                                **urlstate.encode_runs(self.ticked, runs)})

    def switches(self) -> list[str]:
        """Return the toggle checklist's value."""
        return ["markdown"] if self.markdown else []


def sidebar(view: TextView, runs: Sequence[str]) -> html.Aside:
    """Return the left sidebar: tag filter, the Markdown switch, run picker."""
    return html.Aside([
        run_picker.tag_filter_input(PAGE, view.tag_regex),
        field("Display", toggles(ids.toggles, TOGGLES, view.switches()),
              help_text="Off: show each summary exactly as logged (no Markdown)"),
        run_picker.run_picker(PAGE, runs, view.ticked, view.run_regex),
    ], className="sidebar")


def sections_view(state: str, message: str, has_text: bool, tags: Sequence[str],
                  previous: Mapping[str, bool]) -> tuple[list[Component], str]:
    """Return the main area's content and its summary line.

    Args:
        state: the data status ("ok", "missing", "empty").
        message: what to do when state is not "ok".
        has_text: whether any run has text at all.
        tags: the tags to show (text in the plotted runs, matching the tag filter).
        previous: group -> open, for sections on screen.

    Returns:
        (children, summary text).
    """
    hint = ("No text tag has data in the selected runs that matches the tag filter; "
            "tick more runs or clear the filters.")
    return tag_sections.main_view(PAGE, state, message, has_text, no_text, tags, previous, hint)


def page_class(state: str, has_text: bool) -> str:
    """Return the page's CSS class: without data there is nothing to filter, so the sidebar hides."""
    return "page page-text" + ("" if state == "ok" and has_text else " page-empty")


def no_text() -> html.Div:
    """Return the empty state of a logdir without text summaries."""
    return empty_state(
        "No text data was found",
        hint="Log text with TensorBoard's SummaryWriter (torch.utils.tensorboard, tensorboardX or tf.summary.text); "
             "Markdown is rendered, and lists of strings show as tables.",
        code=LOG_HINT,
    )


def card_state(card: TextCard, page: int, markdown: bool) -> dict[str, Any]:
    """Return what a card's store keeps: enough to tell whether a redraw would change anything."""
    return {"run": card.run, "tag": card.tag, "page": page, "count": card.count, "last_step": card.last_step,
            "markdown": markdown}


def card(card: TextCard, page: TextPage, color: str, markdown: bool) -> html.Div:
    """Return one (run, tag) card: title, run, the page's steps newest first, and the pager.

    Args:
        card: the card's run, tag and step count.
        page: the steps to show.
        color: the run's colour.
        markdown: render Markdown (False: raw text).

    Returns:
        The card (class "card text-card").
    """
    run, tag = card.run, card.tag
    noun = "step" if page.total == 1 else "steps"
    heading = html.Div([
        html.Span(tag, className="card-title", title=tag),
        html.Span([html.Span(className="swatch", style={"backgroundColor": color}),
                   html.Span(run, className="text-card-run", title=run),
                   html.Span(f" · {page.total:,} {noun}", className="text-card-count")],
                  className="card-subtitle text-card-subtitle"),
    ], className="card-heading")
    return html.Div([
        html.Div(heading, className="card-header"),
        html.Div(steps_view(page, markdown), id=ids.steps(run, tag), className="text-steps"),
        pager(page),
        dcc.Store(id=ids.card_state(run, tag), data=card_state(card, page.page, markdown)),
    ], className="card text-card", **{"data-run": run, "data-tag": tag})


def steps_view(page: TextPage, markdown: bool) -> list[html.Article]:
    """Return one block per step of the page: "Step N" and its wall time over the rendered text."""
    blocks = []
    for row in page.rows.itertuples(index=False):
        header = html.Div([html.Span(f"Step {int(row.step):,}", className="text-step-number"),
                           html.Span(wall_time_text(float(row.wall_time)), className="text-step-time")],
                          className="text-step-header")
        body = render_text(str(row.value), list(row.shape), list(row.values), markdown=markdown)
        blocks.append(html.Article([header, html.Div(body, className="text-step-body")], className="text-step",
                                   **{"data-step": str(int(row.step))}))
    return blocks


def pager(page: TextPage) -> html.Div:
    """Return the pager under a card's steps (hidden when everything fits on one page)."""
    run, tag = page.run, page.tag
    labels = {"newest": "«", "newer": "‹ Newer", "older": "Older ›", "oldest": "»"}
    titles = {"newest": "Newest steps", "newer": "Newer steps", "older": "Older steps", "oldest": "Oldest steps"}
    disabled = pager_disabled(page)
    buttons = {action: html.Button(labels[action], id=ids.pager_button(action, run, tag), n_clicks=0,
                                   title=titles[action], disabled=disabled[action], className="small-button",
                                   **{"aria-label": titles[action]})
               for action in PAGER_BUTTONS}
    return html.Div([buttons["newest"], buttons["newer"],
                     html.Span(position_text(page), id=ids.position(run, tag), className="text-pager-position"),
                     buttons["older"], buttons["oldest"]],
                    className="text-pager", style=None if page.pages > 1 else {"display": "none"})


def pager_disabled(page: TextPage) -> dict[str, bool]:
    """Return action -> disabled for the pager's buttons on this page."""
    first, last = page.page == 0, page.page >= page.pages - 1
    return {"newest": first, "newer": first, "older": last, "oldest": last}


def position_text(page: TextPage) -> str:
    """Return e.g. "Page 1 of 3 · steps 499–300" (steps newest first, as shown)."""
    steps = page.steps
    if not steps:
        return f"Page {page.page + 1} of {page.pages}"
    span = f"step {steps[0]:,}" if len(steps) == 1 else f"steps {steps[0]:,}–{steps[-1]:,}"
    return f"Page {page.page + 1} of {page.pages} · {span}"


def next_page(action: str | None, page: int) -> int:
    """Return the page a pager button leads to from page (-1 means the oldest; the data layer clamps).

    Args:
        action: one of PAGER_BUTTONS (anything else stays on page).
        page: the current page.

    Returns:
        The new page index.
    """
    return {"newest": 0, "newer": max(page - 1, 0), "older": page + 1, "oldest": -1}.get(action or "", page)


def wall_time_text(wall_time: float) -> str:
    """Return a wall time as local "YYYY-MM-DD HH:MM:SS" ("" when it is not a usable time)."""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall_time))
    except (OverflowError, OSError, ValueError):
        return ""


def drawn_cards(drawn: Sequence[Mapping[str, Any] | None], tags: Sequence[str]) -> dict[CardKey, dict[str, Any]]:
    """Return (run, tag) -> card store for the cards on screen whose tag is one of tags.

    Args:
        drawn: every card store on the page (an ALL-pattern State).
        tags: the tags of one section.

    Returns:
        The stores of that section's cards.
    """
    wanted = set(tags)
    return {(state["run"], state["tag"]): dict(state) for state in drawn
            if state and state.get("tag") in wanted and "run" in state}


def cards_view(cards: Sequence[TextCard], pages: Mapping[CardKey, TextPage], colors: Mapping[str, str],
               markdown: bool) -> list[html.Div]:
    """Return the cards, in order, for those that have a page (pairs whose text vanished are left out)."""
    return [card(item, pages[item.key], colors.get(item.run, "#757575"), markdown)
            for item in cards if item.key in pages]
