"""Shared layout and section-list callback of the Histograms and Distributions pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import data
from dashboard.components import run_picker, section_list
from dashboard.components import histogram_views as views
from dashboard.data import histograms as hist_data
from dashboard.urlstate import compile_filter


Sidebar = Callable[[views.HistogramView, list[str], list[str], list[str]], Component]


def layout(ids: views.PageIds, query: dict[str, Any], sidebar: Sidebar) -> html.Div:
    """Return a histogram page for a URL query (bad values fall back to defaults; see HistogramView).

    Args:
        ids: the page's id namespace.
        query: the URL query.
        sidebar: builds the sidebar from (view, every run, plotted runs, shown tags).

    Returns:
        The page's root component.
    """
    source = data.current()
    runs = source.runs()
    view = views.HistogramView.from_query(query, runs)
    status = source.status()
    plotted = run_picker.plotted_runs(runs, view.ticked, view.run_regex)
    tags = hist_data.histogram_tags(source, plotted, compile_filter(view.tag_regex)[0])
    has_data = hist_data.has_histograms(source)
    children, summary = views.sections_view(ids.page, status.state, status.message, has_data, tags, {})
    return page(ids, sidebar(view, runs, plotted, tags), status.state, has_data, children, summary)


def page(ids: views.PageIds, sidebar: Component, state: str, has_data: bool,
         content: list[Component], summary: str) -> html.Div:
    """Return a histogram page's root: the sidebar, then the summary line and the sections.

    Args:
        ids: the page's id namespace.
        sidebar: the page's sidebar.
        state: the data source's status state ("ok", "loading", ...).
        has_data: whether any run holds histograms.
        content: the sections (or an empty state).
        summary: the summary line.

    Returns:
        The page's root component.
    """
    return html.Div([
        sidebar,
        html.Main([
            html.Div(summary, id=ids.summary, className="summary-line"),
            dcc.Loading(html.Div(content, id=ids.sections), delay_show=400, type="circle"),
        ], className="main"),
    ], id=ids.root, className=views.page_class(ids.page, state, has_data))


def sections_callback(page_name: str, ids: views.PageIds) -> Callable[..., tuple[Any, Any, Any]]:
    """Return the page's render_sections callback (plotted, tag_regex, version, states, clicks).

    Args:
        page_name: the page module's __name__ (the callback is bound with that page).
        ids: the page's id namespace.

    Returns:
        The marked callback function.
    """
    return section_list.sections_callback(page_name, section_list.SectionList(
        ids.page, ids.root, ids.sections, ids.summary, ids.plotted, ids.tag_regex, hist_data.histogram_tags,
        hist_data.has_histograms, partial(views.sections_view, ids.page), partial(views.page_class, ids.page)))
