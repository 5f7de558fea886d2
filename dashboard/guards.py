"""Server-level hardening the app factory installs: body cap, 400/404 instead of 500s, no Python version leak."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import dash
import flask
from dash.exceptions import DependencyException

# The largest request body accepted (Flask answers 413 above it). Dash callback requests carry ids,
# run and tag lists and small stores, never tables or figures: a few hundred KiB for thousands of runs.
MAX_BODY_BYTES = 16 * 1024 * 1024
# Keys of Dash's page config (the _dash-config JSON in every page) that describe the server, not the app.
HIDDEN_CONFIG = ("python_version",)


def install(app: dash.Dash) -> None:
    """Harden a Dash app's Flask server; call once from the app factory, after the routes exist.

    Sets MAX_CONTENT_LENGTH (a larger body gets 413 before it is read), answers 404 instead of 500
    for `_dash-component-suites/...` paths that name no registered file, 400 instead of 500 for
    callback requests whose envelope is malformed (see callback_request_problem), and leaves the
    exact Python version out of the page config.

    Args:
        app: the Dash app (its `.server` is changed in place).
    """
    server: flask.Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    server.register_error_handler(DependencyException, _unknown_component_file)
    callback_path = f"{app.config.routes_pathname_prefix}_dash-update-component"

    @server.before_request
    def check_callback_request() -> flask.Response | None:
        if flask.request.method != "POST" or flask.request.path != callback_path or not flask.request.is_json:
            return None  # Dash answers 405 / 415 itself
        problem = callback_request_problem(app.callback_map)
        return None if problem is None else _bad_request(f"bad callback request: {problem}")

    _hide_server_details(app)


def callback_request_problem(callback_map: Mapping[str, Any]) -> str | None:
    """Check the envelope of the current callback request against the app's callbacks.

    Dash indexes into the request body without checking it, so a body that is not what its
    renderer sends (not an object, an unknown output, inputs missing or of the wrong shape, JSON
    nested too deep to parse) raised inside Dash and answered 500. The values themselves are the
    callbacks' business.

    Args:
        callback_map: the app's callbacks (Dash.callback_map: output id -> spec).

    Returns:
        None when the envelope is well formed, else what is wrong with it.
    """
    try:
        body = flask.request.get_json(silent=True)
    except RecursionError:
        return "JSON nested too deep"
    if not isinstance(body, dict):
        return "expected a JSON object"
    output = body.get("output")
    spec = callback_map.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:
        return "no server callback has this output"
    for key in ("inputs", "state"):
        items = body.get(key, [])
        if not (isinstance(items, list) and len(items) == len(spec[key]) and _dependencies(items, 2)):
            return f"{key!r} must list {len(spec[key])} {{id, property}} objects, as the callback declares"
    outputs = body.get("outputs", [])
    if isinstance(spec["output"], list) and not (isinstance(outputs, list) and len(outputs) == len(spec["output"])):
        return f"'outputs' must list {len(spec['output'])} outputs"
    if not _dependencies(outputs, 2):
        return "'outputs' must be {id, property} objects"
    if any(
        isinstance(item, dict) and item.get("id") == "_pages_location" and not isinstance(item.get("value"), str)
        for item in body["inputs"]
    ):
        return "the page location (pathname, search) must be text"  # Dash's own router assumes it
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(item, str) for item in changed)):
        return "'changedPropIds' must be a list of strings"
    return None


def _dependencies(value: object, depth: int) -> bool:
    """Return whether value is an {id, property} object, or (depth levels of) lists of them (pattern ALL)."""
    if isinstance(value, list):
        return depth > 0 and all(_dependencies(part, depth - 1) for part in value)
    return (
        isinstance(value, dict) and isinstance(value.get("id"), (str, dict)) and isinstance(value.get("property"), str)
    )


def _bad_request(message: str) -> flask.Response:
    response = flask.Response(f"400 bad request: {message}\n", status=400, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _unknown_component_file(error: DependencyException) -> flask.Response:
    """Answer 404 for a component-suite path Dash does not serve (Dash raises, which would be a 500)."""
    response = flask.Response("404 not found: no such component file\n", status=404, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _hide_server_details(app: dash.Dash) -> None:
    """Drop HIDDEN_CONFIG from the _dash-config every page carries (Dash builds it in Dash._config)."""
    build = app._config

    @functools.wraps(build)
    def config() -> dict[str, Any]:
        values: dict[str, Any] = build()
        for key in HIDDEN_CONFIG:
            values[key] = None
        return values

    app._config = config  # type: ignore[method-assign]  # a per-app override: Dash has no hook for this config
