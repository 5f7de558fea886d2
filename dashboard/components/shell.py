"""The app shell around every page: top bar (dashboards, reload, last loaded), banners, live reload."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import dash
import flask
from dash import Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback, clientside
from dashboard.pages import DASHBOARDS, Dashboard

BUILT_KEY = "EVENTSCOPE_PAGES"
PAGES_LOCATION = "_pages_location"  # Dash Pages' own dcc.Location
_MAX_PROBLEMS_SHOWN = 20


class ids:  # noqa: N801 - a namespace
    """Ids of the shell's components (one of each per app, so plain strings)."""

    version = "shell-data-version"
    query = "shell-url-query"
    url_sink = "shell-url-sink"
    interval = "shell-reload-interval"
    reload = "shell-reload-button"
    last_loaded = "shell-last-loaded"
    nav = "shell-nav"
    problems = "shell-problems"


def shell(source: data.DataSource, *, demo: bool, reload_interval: float) -> html.Div:
    """Return the layout around the pages (rebuilt on every full page load).

    Args:
        source: the app's data.
        demo: show the "demo data" banner.
        reload_interval: seconds between automatic refreshes (0: never).

    Returns:
        The layout; dash.page_container holds the page.
    """
    return html.Div([
        dcc.Store(id=ids.version, data=source.version()),
        dcc.Store(id=ids.query, data=None),
        dcc.Store(id=ids.url_sink, data=None),
        dcc.Interval(id=ids.interval, interval=max(reload_interval, 1.0) * 1000, disabled=reload_interval <= 0),
        html.Header([
            dcc.Link([html.Img(src=dash.get_asset_url("logo.svg"), className="brand-logo", alt=""),
                      html.Span("Eventscope", className="brand-name")],
                     href=dash.get_relative_path("/"), className="brand"),
            html.Nav(id=ids.nav, className="nav"),
            html.Div([
                html.Span(f"Last loaded {source.last_loaded()}", id=ids.last_loaded, className="last-loaded"),
                html.Button("↻", id=ids.reload, n_clicks=0, className="reload-button", title="Reload data now"),
            ], className="topbar-right"),
        ], className="topbar"),
        _demo_banner(source.logdir) if demo else None,
        html.Div(problems_banner(source.problems().to_dict("records")), id=ids.problems),
        html.Div(dash.page_container, className="page-area"),
    ], className="app")


def _demo_banner(logdir: str) -> html.Div:
    return html.Div([
        html.Strong("demo data"),
        html.Span(" — generated example runs (kept in "),
        html.Code(logdir),
        html.Span("). To see your own runs: "),
        html.Code("python -m dashboard --logdir runs/"),
    ], className="banner demo-banner", id="demo-banner")


def problems_banner(problems: Sequence[dict[str, Any]]) -> Component | None:
    """Return a collapsed list of what was wrong in the event files (None when nothing was).

    A "truncated" last record is left out: it is a record still being written (a live run), not an
    error, and it is read on the next reload.

    Args:
        problems: rows with path, offset, kind and message.

    Returns:
        The banner, or None.
    """
    problems = [problem for problem in problems if problem.get("kind") != "truncated"]
    if not problems:
        return None
    items = [html.Li(problem["message"]) for problem in problems[:_MAX_PROBLEMS_SHOWN]]
    if len(problems) > _MAX_PROBLEMS_SHOWN:
        items.append(html.Li(f"… and {len(problems) - _MAX_PROBLEMS_SHOWN} more (python -m loaders inspect LOGDIR)"))
    noun = "problem" if len(problems) == 1 else "problems"
    return html.Details([html.Summary(f"{len(problems)} {noun} reading the event files (everything else was read)"),
                         html.Ul(items)], className="banner problems-banner")


def nav_links(dashboards: Iterable[Dashboard], *, built: Iterable[str], plugins: set[str], has_runs: bool,
              current: str, query: str) -> list[Component]:
    """Return the top bar tabs: dashboards with data as tabs, the rest in an "Inactive" menu.

    Args:
        dashboards: every dashboard, in tab order.
        built: paths of the dashboards that have a page.
        plugins: plugin names that have data.
        has_runs: whether the logdir has any run.
        current: the current path (without prefix); "/" counts as /scalars.
        query: the query string to carry to every tab ("" or "?...").

    Returns:
        The tabs, then the inactive menu (if any dashboard is inactive).
    """
    built_paths = set(built)
    current = "/scalars" if current in ("", "/") else current
    active, inactive = [], []
    for board in dashboards:
        has_data = has_runs if "*" in board.plugins else bool(plugins.intersection(board.plugins))
        link = dcc.Link(board.title, href=dash.get_relative_path(board.path) + query,
                        className="nav-link current" if board.path == current else "nav-link")
        (active if has_data and board.path in built_paths else inactive).append(link)
    if inactive:
        here = any(link.className.endswith("current") for link in inactive)
        summary_class = "nav-link nav-inactive-summary" + (" current" if here else "")
        active.append(html.Details([html.Summary("Inactive", className=summary_class),
                                    html.Div(inactive, className="nav-inactive-menu")], className="nav-inactive"))
    return active


def built_paths() -> tuple[str, ...]:
    """Return the paths of the dashboards that have a page in the current app."""
    return tuple(flask.current_app.config.get(BUILT_KEY, ()))


@callback(
    Output(ids.version, "data"),
    Output(ids.last_loaded, "children"),
    Output(ids.problems, "children"),
    Input(ids.interval, "n_intervals"),
    Input(ids.reload, "n_clicks"),
    State(ids.version, "data"),
    prevent_initial_call=True,
)
def reload_data(_ticks: int | None, _clicks: int | None, shown_version: str | None) -> tuple[Any, str, Any]:
    """Refresh the loader (forced by the button, else at most every reload interval); bump the version."""
    source = data.current()
    source.refresh(force=dash.ctx.triggered_id == ids.reload)
    version = source.version()
    if version == shown_version:
        return no_update, f"Last loaded {source.last_loaded()}", no_update
    return version, f"Last loaded {source.last_loaded()}", problems_banner(source.problems().to_dict("records"))


@callback(
    Output(ids.nav, "children"),
    Input(ids.version, "data"),
    Input(PAGES_LOCATION, "pathname"),
    Input(ids.query, "data"),
)
def update_nav(_version: str | None, pathname: str | None, query: str | None) -> list[Component]:
    """Rebuild the tabs when data arrives, the page changes or the selection (query) changes."""
    source = data.current()
    current = "/" + dash.strip_relative_path(pathname or "/")
    return nav_links(DASHBOARDS, built=built_paths(), plugins=source.plugins_with_data(),
                     has_runs=bool(source.runs()), current=current, query=query or "")


# Write the page's selection into the address bar without reloading or adding history entries.
sync_address_bar = clientside(
    """
    function(query) {
        if (typeof query !== "string") { return window.dash_clientside.no_update; }
        var loc = window.location;
        if (loc.search !== query) {
            window.history.replaceState(window.history.state, "", loc.pathname + query + loc.hash);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output(ids.url_sink, "data"),
    Input(ids.query, "data"),
)
