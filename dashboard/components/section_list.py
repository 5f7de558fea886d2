"""The render_sections callback every sectioned page shares, made per page by a factory.

sections_callback returns a plain function marked with @callback whose __module__ is the page's,
so dashboard.callbacks.register binds it for that page (and only that page).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import ALL, Input, Output, State, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.data.source import DataSource
from dashboard.urlstate import compile_filter


@dataclass(frozen=True)
class SectionList:
    """A page's section list: its ids, and how it reads and shows its tags.

    Attributes:
        page: the page key of the tag sections.
        root: the page's outer div (its class hides the sidebar without data).
        sections: the container of the sections; summary: the "n tags in m sections" line.
        plotted: the store of runs to plot; tag_regex: the tag filter box.
        tags: (source, runs, pattern) -> the tags to show.
        has_data: source -> whether any run logged this kind.
        view: (state, message, has_data, tags, open groups) -> (content, summary).
        page_class: (state, has_data) -> the root's class.
    """

    page: str
    root: Any
    sections: Any
    summary: Any
    plotted: Any
    tag_regex: Any
    tags: Callable[[DataSource, list[str], re.Pattern[str] | None], list[str]]
    has_data: Callable[[DataSource], bool]
    view: Callable[[str, str, bool, Sequence[str], Mapping[str, bool]], tuple[list[Component], str]]
    page_class: Callable[[str, bool], str]


def sections_content(spec: SectionList, plotted: list[str] | None, tag_regex: str | None,
                     states: list[dict[str, Any]], clicks: list[int | None]) -> tuple[Any, Any, Any]:
    """Rebuild the sections when the runs, the tag filter or the data change (kept if the tags did not).

    Args:
        spec: the page's section list.
        plotted: the runs shown.
        tag_regex: the tag filter.
        states: every section's stored state.
        clicks: every section summary's click count.

    Returns:
        (sections, summary, page class), each no_update when the sections would not change.
    """
    source = data.current()
    status = source.status()
    tags = spec.tags(source, plotted or [], compile_filter(tag_regex)[0])
    groups = tag_sections.group_by_prefix(tags)
    if status.state == "ok" and tags and [(s["group"], s["tags"]) for s in states] == list(groups.items()):
        return no_update, no_update, no_update
    has_data = spec.has_data(source)
    content, summary = spec.view(status.state, status.message, has_data, tags, tag_sections.open_groups(states, clicks))
    return content, summary, spec.page_class(status.state, has_data)


def sections_callback(page_name: str, spec: SectionList) -> Callable[..., tuple[Any, Any, Any]]:
    """Return the page's render_sections callback (plotted, tag_regex, version, states, clicks).

    Args:
        page_name: the page module's __name__ (the callback is bound with that page).
        spec: the page's section list.

    Returns:
        The marked callback function.
    """

    @callback(
        Output(spec.sections, "children"),
        Output(spec.summary, "children"),
        Output(spec.root, "className"),
        Input(spec.plotted, "data"),
        Input(spec.tag_regex, "value"),
        Input(shell_ids.version, "data"),
        State(tag_sections.ids.state(spec.page, ALL), "data"),
        State(tag_sections.ids.summary(spec.page, ALL), "n_clicks"),
        prevent_initial_call=True,
    )
    def render_sections(plotted: list[str] | None, tag_regex: str | None, _version: str | None,
                        states: list[dict[str, Any]], clicks: list[int | None]) -> tuple[Any, Any, Any]:
        """Rebuild the sections when the runs, the tag filter or the data change (kept if the tags did not)."""
        return sections_content(spec, plotted, tag_regex, states, clicks)

    render_sections.__module__ = page_name
    return render_sections
