"""The app shell around every page: top bar (dashboards, reload, last loaded), banners, live reload.

Pure layout: the values come from the caller (dashboard.pages.shell fills them from the data and
owns the callbacks that refresh them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash
from dash import ALL, Input, Output, dcc, html
from dash.development.base_component import Component

from dashboard.callbacks import clientside

PAGES_LOCATION = "_pages_location"  # Dash Pages' own dcc.Location
_MAX_PROBLEMS_SHOWN = 20


class ids:  # noqa: N801 - a namespace
    """Ids of the shell's components (one of each per app, so plain strings) and of each page's query store."""

    version = "shell-data-version"
    runs = "shell-runs"
    run_colors = "shell-run-colors"
    url_sink = "shell-url-sink"
    interval = "shell-reload-interval"
    reload = "shell-reload-button"
    last_loaded = "shell-last-loaded"
    nav = "shell-nav"
    problems = "shell-problems"

    @staticmethod
    def page_query(page: Any) -> dict[str, Any]:
        """Store of a page's view as a URL query ("?..."): the shell puts it in the address bar and the tabs."""
        return {"type": "page-query", "page": page}

    @staticmethod
    def template_query(page: Any) -> dict[str, Any]:
        """The same for a page made by a template whose callback writes it with MATCH on the page: a type of its
        own, so that pattern never overlaps a page that writes its page_query itself."""
        return {"type": "template-query", "page": page}


@dataclass(frozen=True)
class NavItem:
    """One dashboard of the top bar.

    Attributes:
        title: the tab title.
        path: the URL path.
        active: whether it has a page and data to show (inactive ones go in the "Inactive" menu).
    """

    title: str
    path: str
    active: bool


def shell(
    *,
    version: str,
    runs: Sequence[str],
    last_loaded: str,
    problems: Sequence[dict[str, Any]],
    demo_logdir: str | None,
    reload_interval: float,
    run_colors: Mapping[str, str] | None = None,
) -> html.Div:
    """Return the layout around the pages (rebuilt on every full page load).

    Args:
        version: the data version (pages' callbacks listen to its store).
        runs: every run (the run pickers listen to its store).
        last_loaded: when the data was last refreshed, for people.
        problems: what was wrong in the logdir (see problems_banner).
        demo_logdir: the demo logdir's path when serving the demo (shows the "demo data" banner), else None.
        reload_interval: seconds between automatic refreshes (0: never).
        run_colors: run -> colour of every run seen (the run pickers' swatches read its store).

    Returns:
        The layout; dash.page_container holds the page.
    """
    return html.Div(
        [
            dcc.Store(id=ids.version, data=version),
            dcc.Store(id=ids.runs, data=list(runs)),
            dcc.Store(id=ids.run_colors, data=dict(run_colors or {})),
            dcc.Store(id=ids.url_sink, data=None),
            dcc.Interval(id=ids.interval, interval=max(reload_interval, 1.0) * 1000, disabled=reload_interval <= 0),
            html.Header(
                [
                    dcc.Link(
                        [
                            html.Img(src=dash.get_asset_url("logo.svg"), className="brand-logo", alt=""),
                            html.Span("Eventscope", className="brand-name"),
                        ],
                        href=dash.get_relative_path("/"),
                        className="brand",
                    ),
                    html.Nav(id=ids.nav, className="nav"),
                    html.Div(
                        [
                            html.Span(f"Last loaded {last_loaded}", id=ids.last_loaded, className="last-loaded"),
                            html.Button(
                                "↻", id=ids.reload, n_clicks=0, className="reload-button", title="Reload data now"
                            ),
                        ],
                        className="topbar-right",
                    ),
                ],
                className="topbar",
            ),
            _demo_banner(demo_logdir) if demo_logdir is not None else None,
            html.Div(problems_banner(problems), id=ids.problems),
            html.Div(dash.page_container, className="page-area"),
        ],
        className="app",
    )


def _demo_banner(logdir: str) -> html.Div:
    return html.Div(
        [
            html.Strong("demo data"),
            html.Span(" — generated example runs (kept in "),
            html.Code(logdir),
            html.Span("). To see your own runs: "),
            html.Code("python -m dashboard --logdir runs/"),
        ],
        className="banner demo-banner",
        id="demo-banner",
    )


# Banner groups: (heading of n rows, which kinds belong), in the order shown; the last takes the rest.
_PROBLEM_GROUPS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (
        "{n} {noun} with the cache (the event files were read; results may be read again next time)",
        lambda kind: kind.startswith("cache_"),
    ),
    ("{n} {noun} no longer found (their event files were deleted or moved)", lambda kind: kind == "vanished"),
    ("{n} {noun} reading the event files (everything else was read)", lambda kind: True),
)


def problems_banner(problems: Sequence[dict[str, Any]]) -> Component | None:
    """Return collapsed lists of what was wrong (None when nothing was): cache problems, runs that
    vanished, and problems in the event files, each under its own heading.

    A "truncated" last record is left out: it is a record still being written (a live run), not an
    error, and it is read on the next reload (the loaders report a tail that stays cut as damage).

    Args:
        problems: rows with path, offset, kind and message.

    Returns:
        The banner, or None.
    """
    rest = [problem for problem in problems if problem.get("kind") != "truncated"]
    groups = []
    for heading, belongs in _PROBLEM_GROUPS:
        mine = [problem for problem in rest if belongs(str(problem.get("kind", "")))]
        rest = [problem for problem in rest if not belongs(str(problem.get("kind", "")))]
        if mine:
            groups.append(_problem_list(heading, mine))
    return html.Div(groups, className="problems-banners") if groups else None


def _problem_list(heading: str, problems: Sequence[dict[str, Any]]) -> html.Details:
    items = [html.Li(str(problem.get("message", ""))) for problem in problems[:_MAX_PROBLEMS_SHOWN]]
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        items.append(html.Li(f"… and {len(problems) - _MAX_PROBLEMS_SHOWN} more (python -m loaders inspect LOGDIR)"))
    vanished = "vanished" in heading or "no longer found" in heading
    noun = ("run" if vanished else "problem") + ("" if len(problems) == 1 else "s")
    return html.Details(
        [html.Summary(heading.format(n=len(problems), noun=noun)), html.Ul(items)], className="banner problems-banner"
    )


def nav_links(items: Iterable[NavItem], *, current: str, query: str) -> list[Component]:
    """Return the top bar tabs: dashboards with data as tabs, the rest in an "Inactive" menu.

    Args:
        items: every dashboard, in tab order.
        current: the current path (without prefix); "/" counts as /scalars.
        query: the query string to carry to every tab ("" or "?...").

    Returns:
        The tabs, then the inactive menu (if any dashboard is inactive).
    """
    current = "/scalars" if current in ("", "/") else current
    active: list[Component] = []
    inactive: list[dcc.Link] = []
    for item in items:
        link = dcc.Link(
            item.title,
            href=dash.get_relative_path(item.path) + query,
            className="nav-link current" if item.path == current else "nav-link",
        )
        (active if item.active else inactive).append(link)
    if inactive:
        here = any(str(getattr(link, "className", "")).endswith("current") for link in inactive)
        summary_class = "nav-link nav-inactive-summary" + (" current" if here else "")
        active.append(
            html.Details(
                [html.Summary("Inactive", className=summary_class), html.Div(inactive, className="nav-inactive-menu")],
                className="nav-inactive",
            )
        )
    return active


# Write the page's selection into the address bar without reloading or adding history entries.
sync_address_bar = clientside(
    """
    function(queries, templateQueries) {
        var all = (queries || []).concat(templateQueries || []);
        var query = all.length ? all[0] : null;
        if (typeof query !== "string") { return window.dash_clientside.no_update; }
        var loc = window.location;
        if (loc.search !== query) {
            window.history.replaceState(window.history.state, "", loc.pathname + query + loc.hash);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(ids.url_sink, "data"),
    Input(ids.page_query(ALL), "data"),
    Input(ids.template_query(ALL), "data"),
)


def page_query(*queries: Sequence[Any] | None) -> str:
    """Return the query of the page on screen from the ALL-pattern query stores (page_query, template_query)."""
    found = [query for group in queries if isinstance(group, list) for query in group]
    query = found[0] if found else ""
    return query if isinstance(query, str) else ""
