"""The shell's data: its layout filled from the DataSource, and the callbacks that refresh it (reload, tabs)."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components import shell as shell_component
from dashboard.components.shell import PAGES_LOCATION, NavItem, ids
from dashboard.pages.registry import REGISTRY


def layout(source: data.DataSource, *, reload_interval: float) -> html.Div:
    """Return the shell for the data as it is now (rebuilt on every full page load).

    Args:
        source: the app's data.
        reload_interval: seconds between automatic refreshes (0: never).

    Returns:
        The layout; dash.page_container holds the page.
    """
    return shell_component.shell(
        version=source.version(),
        runs=source.runs(),
        run_colors=source.run_colors(),
        last_loaded=source.last_loaded(),
        problems=_records(source),
        reload_interval=reload_interval,
        demo_logdir=source.logdir if source.settings.demo else None,
    )


def nav_items(source: data.DataSource) -> list[NavItem]:
    """Return every dashboard of the registry as a tab: active when it has a page and data to show."""
    plugins, has_runs = source.plugins_with_data(), bool(source.runs())
    return [
        NavItem(
            page.title,
            page.path,
            page.module is not None and (has_runs if "*" in page.plugins else bool(plugins.intersection(page.plugins))),
        )
        for page in REGISTRY
    ]


@callback(
    Output(ids.version, "data"),
    Output(ids.runs, "data"),
    Output(ids.run_colors, "data"),
    Output(ids.last_loaded, "children"),
    Output(ids.problems, "children"),
    Input(ids.interval, "n_intervals"),
    Input(ids.reload, "n_clicks"),
    State(ids.version, "data"),
    prevent_initial_call=True,
)
def reload_data(_ticks: Any, _clicks: Any, shown_version: Any) -> tuple[Any, Any, Any, str, Any]:
    """Refresh the loader (forced by the button, else at most every reload interval); bump the version."""
    source = data.current()
    source.refresh(force=dash.ctx.triggered_id == ids.reload)
    version = source.version()
    loaded = f"Last loaded {source.last_loaded()}"
    if version == shown_version:
        return no_update, no_update, no_update, loaded, no_update
    problems = shell_component.problems_banner(_records(source))
    return version, source.runs(), source.run_colors(), loaded, problems


@callback(
    Output(ids.nav, "children"),
    Input(ids.version, "data"),
    Input(PAGES_LOCATION, "pathname"),
    Input(ids.page_query(ALL), "data"),
    Input(ids.template_query(ALL), "data"),
)
def update_nav(_version: Any, pathname: Any, queries: Any, template_queries: Any = None) -> list[Component]:
    """Rebuild the tabs when data arrives, the page changes or the page's selection (query) changes."""
    current = "/" + dash.strip_relative_path(pathname if isinstance(pathname, str) else "/")
    return shell_component.nav_links(
        nav_items(data.current()),
        current=current,
        query=shell_component.page_query(queries, template_queries),
    )


def _records(source: data.DataSource) -> list[dict[str, Any]]:
    return [{str(key): value for key, value in row.items()} for row in source.problems().to_dict("records")]
