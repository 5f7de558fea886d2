"""Command line: `python -m dashboard --logdir runs/` serves the app (TensorBoard's flag names)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dashboard.settings import Settings, is_loopback, parse_samples_per_plugin

if TYPE_CHECKING:
    import dash

    from dashboard.data import DataSource

DESCRIPTION = "Serve Eventscope, a TensorBoard-compatible experiment viewer, for a logdir of event files."
EPILOG = """examples:
  python -m dashboard --logdir runs/
  python -m dashboard --logdir runs/ --port 6007 --reload-interval 60
  python -m dashboard                      # the bundled demo logdir
  gunicorn -c python:dashboard.gunicorn_conf -b 127.0.0.1:6006 dashboard.wsgi:server
                                           # settings from EVENTSCOPE_LOGDIR, EVENTSCOPE_PATH_PREFIX, ...
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (dashed flags; TensorBoard's underscored spellings also work)."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--logdir",
        default=None,
        help="directory of runs (any folder holding *tfevents* files); omit to serve demo data",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1; use 0.0.0.0 to serve other machines)"
    )
    parser.add_argument("--port", type=int, default=6006, help="TCP port (default 6006; 0 picks a free one)")
    parser.add_argument(
        "--reload-interval",
        "--reload_interval",
        dest="reload_interval",
        type=float,
        default=5.0,
        help="seconds between reads of new data (default 5, as TensorBoard; 0 loads once)",
    )
    parser.add_argument(
        "--path-prefix",
        "--path_prefix",
        dest="path_prefix",
        default="/",
        help="serve under this URL path, e.g. /tensorboard behind a reverse proxy",
    )
    parser.add_argument(
        "--cache-dir",
        "--cache_dir",
        dest="cache_dir",
        default=None,
        help="on-disk cache of decoded tables (default $EVENTSCOPE_CACHE or ~/.cache/eventscope)",
    )
    parser.add_argument(
        "--samples-per-plugin",
        "--samples_per_plugin",
        dest="samples_per_plugin",
        default="",
        help="e.g. scalars=500: at most this many points drawn per line (0 = all); all data is always kept",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="Dash's developer tools in the page (callback errors, timings); loopback --host only",
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Return Settings for parsed arguments.

    Args:
        args: the namespace build_parser() produced.

    Returns:
        The settings (demo mode when no --logdir was given).

    Raises:
        ValueError: a value cannot be used, or --debug is asked for on a host other machines can reach;
            the message names the flag.
    """
    if args.debug and not is_loopback(args.host):
        raise ValueError(
            f"--debug shows Dash's developer tools (callback errors, the callback graph) to whoever "
            f"opens the page, so it only serves a loopback --host (127.0.0.1, ::1, localhost), not "
            f"{args.host!r}; drop --debug or --host"
        )
    logdir = args.logdir or None
    return Settings(
        logdir=logdir,
        host=args.host,
        port=args.port,
        reload_interval=args.reload_interval,
        path_prefix=args.path_prefix,
        cache_dir=args.cache_dir,
        samples_per_plugin=parse_samples_per_plugin(args.samples_per_plugin),
        demo=logdir is None,
        debug=args.debug,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse argv, build the app, say what is served, and serve until interrupted.

    Args:
        argv: the arguments (default sys.argv[1:]).

    Returns:
        The exit status (2 for bad arguments, via argparse).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    from dashboard.app import create_app
    from dashboard.data import current

    app = create_app(settings)
    with app.server.app_context():
        source = current()
    report_status(source, settings)
    source.warm_scalars()
    return serve(app, settings)


def report_status(source: DataSource, settings: Settings) -> None:
    """Tell the user on stderr what is being served, or why there is nothing to show and what to do."""
    status = source.status()
    if settings.demo:
        print(f"eventscope: no --logdir given: serving demo data from {status.logdir}", file=sys.stderr)
    if status.state == "missing":
        print(
            f"eventscope: {status.message}\n  The page will say so; it picks the logdir up once it exists.",
            file=sys.stderr,
        )
    elif status.state == "empty":
        print(f"eventscope: {status.message}", file=sys.stderr)
    else:
        runs = source.runs()
        print(f"eventscope: {len(runs)} run{'s' if len(runs) != 1 else ''} in {status.logdir}", file=sys.stderr)


def serve(app: dash.Dash, settings: Settings) -> int:
    """Serve app with Werkzeug's threaded server until Ctrl+C.

    --debug turns on Dash's developer tools in the page, and nothing else: never Flask's debug
    mode, whose Werkzeug debugger puts a Python console behind every error page.
    """
    if settings.debug:
        enable_dev_tools(app)
    from werkzeug.serving import make_server

    server = make_server(settings.host, settings.port, app.server, threaded=True)
    print(
        f"eventscope: serving at http://{settings.host}:{server.server_port}{settings.path_prefix} (Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def enable_dev_tools(app: dash.Dash) -> None:
    """Turn on Dash's developer tools (error popups, callback graph, props check, hot reload of assets).

    Dash's error pruning is off: it registers a handler that renders Werkzeug's debugger page
    (with its console) for every exception. Errors are logged to the terminal instead. The version
    check, which sends the Dash and Python versions to plotly.com, is off too.
    """
    app.enable_dev_tools(debug=True, dev_tools_prune_errors=False, dev_tools_disable_version_check=True)


if __name__ == "__main__":
    sys.exit(main())
