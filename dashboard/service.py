"""Service endpoints and response policy: /healthz, /status, 404 for unknown pages, security headers."""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import dash
import flask

from dashboard import data
from dashboard.pages.registry import REGISTRY
from dashboard.settings import Settings

HEALTHZ = "healthz"
STATUS = "status"
# How many problems /status lists in full (the count covers them all).
FIRST_PROBLEMS = 20
# The Content-Security-Policy the app satisfies (checked in a browser by tests/e2e/test_e2e_service.py):
# scripts only from the app (plus the hashes of Dash's inline scripts: the renderer start-up and the
# clientside callbacks), 'unsafe-eval' because Dash runs clientside callbacks through Function();
# inline styles because Plotly and React set them; images and audio from the app, data: and blob: URLs.
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'unsafe-eval' {hashes}"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("media-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "{frame_ancestors}"),
)


def install(app: dash.Dash, settings: Settings) -> None:
    """Add /healthz and /status, answer 404 for unknown page paths, and set security headers on every response.

    Call once from the app factory, after the pages, callbacks and layout exist (the CSP lists the
    hashes of the inline scripts the clientside callbacks add).

    Args:
        app: the Dash app (its `.server` is changed in place).
        settings: path_prefix and frame_ancestors are used.
    """
    server: flask.Flask = app.server
    prefix = settings.path_prefix
    server.add_url_rule(f"{prefix}{HEALTHZ}", "eventscope_healthz", healthz)
    server.add_url_rule(f"{prefix}{STATUS}", "eventscope_status", status)
    pages = page_paths()
    catch_all = f"{prefix}<path:path>"
    policy: dict[str, str] = {}

    @server.before_request
    def unknown_page() -> flask.Response | None:
        rule = flask.request.url_rule
        if rule is None or rule.rule != catch_all:
            return None
        path = str((flask.request.view_args or {}).get("path", ""))
        if path.strip("/") in pages:
            return None
        return not_found(app)

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        if not policy:
            policy["csp"] = content_security_policy(app, settings.frame_ancestors)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", policy["csp"])
        response.headers.setdefault("Referrer-Policy", "same-origin")
        frame_options = x_frame_options(settings.frame_ancestors)
        if frame_options:
            response.headers.setdefault("X-Frame-Options", frame_options)
        return response


def page_paths() -> frozenset[str]:
    """Return the page paths the server answers with the app, without slashes ("" is the home page)."""
    return frozenset({"", *(page.path.strip("/") for page in REGISTRY)})


def content_security_policy(app: dash.Dash, frame_ancestors: str) -> str:
    """Return the Content-Security-Policy header value for app (see CSP_DIRECTIVES).

    Args:
        app: the Dash app, with its clientside callbacks registered.
        frame_ancestors: the frame-ancestors sources (Settings.frame_ancestors).

    Returns:
        The header value.
    """
    hashes = " ".join(dict.fromkeys(app.csp_hashes()))
    values = {"hashes": hashes, "frame_ancestors": frame_ancestors}
    return "; ".join(f"{name} {value.format(**values)}".strip() for name, value in CSP_DIRECTIVES)


def x_frame_options(frame_ancestors: str) -> str | None:
    """Return the X-Frame-Options value for old browsers: SAMEORIGIN, DENY, or None for other source lists."""
    return {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(frame_ancestors)


def not_found(app: dash.Dash) -> flask.Response:
    """Return the app's page with status 404: the shell draws its "Page not found" page for the address."""
    response = flask.Response(app.index(), status=404, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def health_problem(source: data.DataSource) -> str | None:
    """Return why the service is unhealthy (the logdir cannot be read, the cache cannot be written), else None.

    Args:
        source: the app's data source.
    """
    logdir = source.logdir
    if "://" not in logdir:  # a local logdir; a remote one is checked by its loader
        if not os.path.isdir(logdir):
            return f"logdir {logdir!r} does not exist or is not a directory"
        if not os.access(logdir, os.R_OK | os.X_OK):
            return f"logdir {logdir!r} is not readable by this process"
    return _cache_problem(source.settings.resolved_cache_dir())


def _cache_problem(cache: Path) -> str | None:
    """Return why nothing can be written in the cache directory cache (it need not exist yet), else None."""
    existing = cache
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cache directory {str(cache)!r}: {str(existing)!r} is not a directory"
    if existing != cache:
        if os.access(existing, os.W_OK | os.X_OK):
            return None
        return f"cache directory {str(cache)!r} cannot be created: {str(existing)!r} is not writable"
    try:
        handle, probe = tempfile.mkstemp(prefix=".healthz-", dir=cache)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        return f"cache directory {str(cache)!r} is not writable: {error.strerror or error}"
    return None


def healthz() -> flask.Response:
    """GET <prefix>healthz: 200 "ok" when the logdir is readable and the cache writable, else 503 and the reason."""
    problem = health_problem(data.current())
    text, code = ("ok\n", 200) if problem is None else (f"unhealthy: {problem}\n", 503)
    response = flask.Response(text, status=code, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def status_report(source: data.DataSource) -> dict[str, Any]:
    """Return what /status reports: the logdir's state, runs, files, bytes ingested, last refresh, problems.

    Args:
        source: the app's data source (read as of its last refresh; nothing is reloaded).

    Returns:
        A JSON-ready dict.
    """
    state = source.status()
    loader = source.loader
    files = loader.files() if loader is not None else None
    problems = source.problems()
    loaded_at = source.loaded_at()
    first = problems.head(FIRST_PROBLEMS)
    return {
        "state": state.state,
        "message": state.message,
        "logdir": state.logdir,
        "runs": len(source.runs()),
        "files": 0 if files is None else len(files),
        "bytes_ingested": 0 if files is None else int(files["end_offset"].sum()),
        "bytes_on_disk": 0 if files is None else int(files["size"].sum()),
        "data_version": hashlib.blake2s(source.version().encode(), digest_size=8).hexdigest(),
        "last_refresh": None
        if loaded_at is None
        else datetime.datetime.fromtimestamp(loaded_at, datetime.timezone.utc).isoformat(timespec="seconds"),
        "reload_interval_s": source.settings.reload_interval,
        "problems": len(problems),
        "first_problems": [
            {"path": str(path), "offset": _offset(offset), "kind": str(kind), "message": str(msg)}
            for path, offset, kind, msg in zip(first["path"], first["offset"], first["kind"], first["message"])
        ],
    }


def _offset(value: object) -> int | None:
    """Return a problem's byte offset as an int (None when it has none: None, NaN or NA)."""
    try:
        return int(value)  # type: ignore[call-overload]  # None, NaN and NA raise, as intended
    except (TypeError, ValueError):
        return None


def status() -> flask.Response:
    """GET <prefix>status: the status_report as JSON."""
    response = flask.jsonify(status_report(data.current()))
    response.headers["Cache-Control"] = "no-store"
    return response
