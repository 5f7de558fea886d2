"""The app factory: create_app(settings) builds the Dash app, its data source, pages and callbacks."""

from __future__ import annotations

import functools
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

import dash

from dashboard import blobs, data, guards
from dashboard.callbacks import register
from dashboard.components import placeholders, run_picker, shell
from dashboard.pages import DASHBOARDS, audio, distributions, histograms, images, scalars, text
from dashboard.settings import Settings

# The dashboards that have a page module, in tab order (STYLE rule 2). The others get a placeholder.
PAGES: tuple[ModuleType, ...] = (scalars, histograms, distributions, images, audio, text)
# Modules whose callbacks every app needs besides the pages'.
COMPONENTS: tuple[ModuleType, ...] = (shell, run_picker)
HOME = scalars
ASSET_MARKER = "eventscope.css"


def create_app(settings: Settings, *, source: data.DataSource | None = None) -> dash.Dash:
    """Build the app: data source, shell layout, pages in order, callbacks; nothing at import time.

    Args:
        settings: the options (logdir, path prefix, reload interval, ...).
        source: the data source to use (default: a new DataSource(settings)).

    Returns:
        The Dash app; `.server` is the Flask WSGI app.
    """
    app = dash.Dash(
        __name__, use_pages=True, pages_folder="", assets_folder=assets_folder(), serve_locally=True,
        requests_pathname_prefix=settings.path_prefix, routes_pathname_prefix=settings.path_prefix,
        suppress_callback_exceptions=True, title="Eventscope", update_title=None,
    )
    source = source or data.DataSource(settings)
    data.install(app.server, source)
    blobs.install(app.server)
    guards.install(app)
    app.server.config[shell.BUILT_KEY] = tuple(page.PATH for page in PAGES)
    _register_pages()
    for module in (*COMPONENTS, *PAGES):
        register(app, module)
    app.layout = functools.partial(shell.shell, source, demo=settings.demo, reload_interval=settings.reload_interval)
    return app


def _register_pages() -> None:
    """Register the pages in order, "/" as the home page's alias, placeholders, and the 404 page."""
    for order, page in enumerate(PAGES):
        dash.register_page(page.__name__, path=page.PATH, name=page.TITLE, title=f"{page.TITLE} · Eventscope",
                           order=order, layout=page.layout)
    dash.register_page(f"{HOME.__name__}_home", path="/", name=HOME.TITLE, title=f"{HOME.TITLE} · Eventscope",
                       order=len(PAGES), layout=HOME.layout)
    built = {page.PATH for page in PAGES}
    for order, board in enumerate((b for b in DASHBOARDS if b.path not in built), start=len(PAGES) + 1):
        dash.register_page(f"dashboard.pages.{board.path.strip('/').replace('-', '_')}", path=board.path,
                           name=board.title, title=f"{board.title} · Eventscope", order=order,
                           layout=functools.partial(placeholders.coming_soon, board))
    dash.register_page("not_found_404", path="/404", name="Not found", title="Not found · Eventscope",
                       order=len(DASHBOARDS) + 1, layout=placeholders.not_found)


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
    raise FileNotFoundError(f"Eventscope's assets ({ASSET_MARKER}) are missing; looked in "
                            f"{', '.join(map(str, candidates))}; reinstall the package")
