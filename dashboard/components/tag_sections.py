"""Collapsible tag sections (grouped by the prefix before the first "/"), paged 12 cards at a time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard.components.empty_state import empty_state
from dashboard.sorting import natural_sorted

PAGE_SIZE = 12
# Sections open at first while their cards (one page each) add up to at most this many; the
# first section always opens. Closed sections build their cards only when opened.
OPEN_CARDS = 12
NO_MATCH_HINT = "No tag has data in the selected runs that matches the tag filter; tick more runs or clear the filters."


class ids:  # noqa: N801 - a namespace
    """Dict ids of a page's tag sections; `page` tells pages apart, `group` is the section name."""

    @staticmethod
    def summary(page: Any, group: Any) -> dict[str, Any]:
        """The clickable section title (n_clicks counts the toggles)."""
        return {"type": "tag-section-summary", "page": page, "group": group}

    @staticmethod
    def state(page: Any, group: Any) -> dict[str, Any]:
        """Store: {"group", "tags", "open"} as rendered (open before any click)."""
        return {"type": "tag-section-state", "page": page, "group": group}

    @staticmethod
    def pager(page: Any, group: Any) -> dict[str, Any]:
        """Page chooser of a section with more than PAGE_SIZE tags (value: the page index)."""
        return {"type": "tag-section-pager", "page": page, "group": group}

    @staticmethod
    def body(page: Any, group: Any) -> dict[str, Any]:
        """The first cards of the grid, which the page's section callback fills."""
        return {"type": "tag-section-body", "page": page, "group": group}

    @staticmethod
    def rest(page: Any, group: Any) -> dict[str, Any]:
        """The grid's later cards, for a page that sends the first cards before the others (else empty)."""
        return {"type": "tag-section-rest", "page": page, "group": group}


def group_by_prefix(tags: Iterable[str]) -> dict[str, list[str]]:
    """Group tags by the part before the first "/" (a tag without "/" is its own group), like TensorBoard.

    Args:
        tags: tag names.

    Returns:
        group -> tags, both in natural order ("a2" before "a10").
    """
    groups: dict[str, list[str]] = {}
    for tag in natural_sorted(set(tags)):
        groups.setdefault(tag.split("/", 1)[0], []).append(tag)
    return {group: groups[group] for group in natural_sorted(groups)}


def is_open(state: Mapping[str, Any] | None, clicks: int | None) -> bool:
    """Return whether a section is open now: its rendered state flipped by each click on its title."""
    opened = bool(state and state.get("open"))
    return opened != bool((clicks or 0) % 2)


def open_groups(states: Sequence[Mapping[str, Any] | None], clicks: Sequence[int | None]) -> dict[str, bool]:
    """Return group -> open for the sections on screen (ALL-pattern states and clicks, same order)."""
    return {state["group"]: is_open(state, click) for state, click in zip(states, clicks) if state}


def page_slice(tags: Sequence[str], page: int | None) -> list[str]:
    """Return the tags of one page (out-of-range pages give the last page)."""
    pages = max(1, math.ceil(len(tags) / PAGE_SIZE))
    index = min(max(int(page or 0), 0), pages - 1)
    return list(tags[index * PAGE_SIZE : (index + 1) * PAGE_SIZE])


def sections(
    page: str, groups: Mapping[str, list[str]], previous: Mapping[str, bool], *, split: bool = False
) -> list[html.Details]:
    """Return one collapsible section per group; sections keep their open state across re-renders.

    New sections open while the cards of the open ones stay within OPEN_CARDS (the first always
    opens), so a logdir with hundreds of tags starts fast.

    Args:
        page: the page's key (part of every id).
        groups: group -> tags (see group_by_prefix).
        previous: group -> open, for sections already on screen.
        split: give each section a second part (ids.rest) for cards sent in a second request.

    Returns:
        The sections, in the order of groups.
    """
    built: list[html.Details] = []
    cards = 0
    for group, tags in groups.items():
        cards += min(len(tags), PAGE_SIZE)
        default = not built or cards <= OPEN_CARDS
        built.append(_section(page, group, tags, previous.get(group, default), split))
    return built


def _section(page: str, group: str, tags: list[str], opened: bool, split: bool) -> html.Details:
    pages = max(1, math.ceil(len(tags) / PAGE_SIZE))
    pager = dcc.RadioItems(
        id=ids.pager(page, group),
        value=0,
        inline=True,
        className="pager",
        options=[{"label": str(index + 1), "value": index} for index in range(pages)],
        style=None if pages > 1 else {"display": "none"},
    )
    return html.Details(
        [
            html.Summary(
                [html.Span(group, className="section-name"), html.Span(str(len(tags)), className="section-count")],
                id=ids.summary(page, group),
                n_clicks=0,
                className="section-summary",
            ),
            dcc.Store(id=ids.state(page, group), data={"group": group, "tags": tags, "open": opened}),
            pager,
            html.Div(
                [  # one grid: the body, its Loading wrappers and the rest lay their cards out with display: contents
                    dcc.Loading(
                        html.Div(id=ids.body(page, group), className="card-grid-part"),
                        delay_show=400,
                        type="dot",
                        className="section-loading",
                        parent_className="card-grid-loading",
                    ),
                    *([html.Div(id=ids.rest(page, group), className="card-grid-part")] if split else []),
                ],
                className="card-grid",
            ),
        ],
        open=opened,
        className="section",
    )


def main_view(
    page: str,
    state: str,
    message: str,
    has_data: bool,
    no_data: Callable[[], Component],
    tags: Sequence[str],
    previous: Mapping[str, bool],
    hint: str = NO_MATCH_HINT,
    *,
    split: bool = False,
    groups: Mapping[str, list[str]] | None = None,
) -> tuple[list[Component], str]:
    """Return a sectioned page's main content and its summary line, or the empty state that applies.

    Args:
        page: the page key of the sections.
        state: the data status ("ok", "missing", "empty").
        message: what to do when state is not "ok".
        has_data: whether any run logged this page's kind at all.
        no_data: builds the empty state shown when has_data is False.
        tags: the tags to show (data in the shown runs, matching the tag filter).
        previous: group -> open, for sections on screen.
        hint: what to do when no tag is left to show.
        split: sections get a second part for cards sent in a second request (see sections).
        groups: section -> its tags, in order (None: group_by_prefix(tags)).

    Returns:
        (children, summary text).
    """
    if state != "ok":
        title = "Logdir not found" if state == "missing" else "No runs yet"
        return [empty_state(title, hint=message, code="python -m dashboard --logdir runs/")], ""
    if not has_data:
        return [no_data()], ""
    if not tags:
        return [empty_state("Nothing to show", hint=hint)], "0 tags"
    groups = group_by_prefix(tags) if groups is None else groups
    summary = f"{len(tags)} tag{'s' * (len(tags) != 1)} in {len(groups)} section{'s' * (len(groups) != 1)}"
    content: list[Component] = [*sections(page, groups, previous, split=split)]
    return content, summary
