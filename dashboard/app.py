"""The app factory: create_app(settings) builds the Dash app, its data source, pages and callbacks."""

from __future__ import annotations

import functools
import sys
import sysconfig
from pathlib import Path

import dash

from dashboard import blobs, data, guards, service
from dashboard.callbacks import register
from dashboard.components import run_picker, shell
from dashboard.pages import _grid, placeholders
from dashboard.pages import shell as shell_page
from dashboard.pages.registry import HOME, REGISTRY
from dashboard.settings import Settings

ASSET_MARKER = "eventscope.css"


def create_app(settings: Settings, *, source: data.DataSource | None = None) -> dash.Dash:
    """Build the app: data source, shell layout, pages in registry order, callbacks; nothing at import time.

    Args:
        settings: the options (logdir, path prefix, reload interval, ...).
        source: the data source to use (default: a new DataSource(settings)).

    Returns:
        The Dash app; `.server` is the Flask WSGI app.
    """
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=assets_folder(),
        serve_locally=True,
        requests_pathname_prefix=settings.path_prefix,
        routes_pathname_prefix=settings.path_prefix,
        suppress_callback_exceptions=True,
        title="Eventscope",
        update_title="",
    )
    source = source or data.DataSource(settings)
    data.install(app.server, source)
    blobs.install(app.server)
    guards.install(app)
    modules = _register_pages()
    _grid.install(app.server, [module.GRID for module in modules if hasattr(module, "GRID")])
    for module in (shell, run_picker, shell_page, _grid, *modules):
        register(app, module)
    app.layout = functools.partial(shell_page.layout, source, reload_interval=settings.reload_interval)
    service.install(app, settings)
    return app


def _register_pages() -> list:
    """Register the pages in registry order, "/" as the home page's alias, placeholders and the 404 page.

    Returns:
        The page modules of the dashboards that have one.
    """
    modules = []
    for order, page in enumerate(REGISTRY):
        module = page.load()
        layout = module.layout if module is not None else functools.partial(placeholders.coming_soon, page)
        name = page.module or f"dashboard.pages.{page.path.strip('/').replace('-', '_')}"
        dash.register_page(
            name, path=page.path, name=page.title, title=f"{page.title} · Eventscope", order=order, layout=layout
        )
        if module is not None:
            modules.append(module)
        if page.path == HOME:
            dash.register_page(
                f"{name}_home",
                path="/",
                name=page.title,
                title=f"{page.title} · Eventscope",
                order=len(REGISTRY),
                layout=layout,
            )
    dash.register_page(
        "not_found_404",
        path="/404",
        name="Not found",
        title="Not found · Eventscope",
        order=len(REGISTRY) + 1,
        layout=placeholders.not_found,
    )
    return modules


def assets_folder() -> str:
    """Return the assets directory: the source tree's, or the installed copy under <prefix>/share.

    Raises:
        FileNotFoundError: neither exists (a broken install); the message lists where it looked.
    """
    candidates = [
        Path(__file__).resolve().parent.parent / "assets",
        Path(sys.prefix) / "share" / "eventscope" / "assets",
        Path(sysconfig.get_path("data")) / "share" / "eventscope" / "assets",
    ]
    for candidate in candidates:
        if (candidate / ASSET_MARKER).is_file():
            return str(candidate)
    raise FileNotFoundError(
        f"Eventscope's assets ({ASSET_MARKER}) are missing; looked in "
        f"{', '.join(map(str, candidates))}; reinstall the package"
    )
