"""Helpers for dashboard tests: call callbacks with Dash's context, search layouts, POST callback requests."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from contextvars import copy_context
from typing import Any

from dash._callback_context import context_value
from dash._utils import AttributeDict


def call(function: Callable[..., Any], *args: Any, triggered: str | dict[str, Any] | None = None,
         prop: str = "n_clicks") -> Any:
    """Call a callback function directly with Dash's callback context set (ctx.triggered_id works).

    Args:
        function: the callback.
        *args: its arguments, as Dash would pass them.
        triggered: the id of the input that fired (a string or dict id).
        prop: that input's property.

    Returns:
        What the callback returned.
    """
    def run() -> Any:
        prop_id = "." if triggered is None else f"{_id_text(triggered)}.{prop}"
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}], inputs_list=[],
                                        states_list=[], outputs_list=[]))
        return function(*args)

    return copy_context().run(run)


def _id_text(component_id: str | dict[str, Any]) -> str:
    if isinstance(component_id, str):
        return component_id
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def find(tree: Any, component_id: str | dict[str, Any]) -> Any:
    """Return the component with this id in a layout tree (None when absent)."""
    if getattr(tree, "id", None) == component_id:
        return tree
    children = getattr(tree, "children", None)
    if isinstance(tree, (list, tuple)):
        children = tree
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json") or isinstance(child, (list, tuple)):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def find_all(tree: Any, predicate: Callable[[Any], bool]) -> list[Any]:
    """Return every component of a layout tree for which predicate is true, in tree order."""
    found = [tree] if hasattr(tree, "to_plotly_json") and predicate(tree) else []
    children = tree if isinstance(tree, (list, tuple)) else getattr(tree, "children", None)
    if children is None or isinstance(children, str):
        return found
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json") or isinstance(child, (list, tuple)):
            found.extend(find_all(child, predicate))
    return found


def dash_post(client: Any, output: str, outputs: Any, inputs: list[dict[str, Any]],
              state: list[dict[str, Any]] | None = None, prefix: str = "/") -> Any:
    """POST one callback request the way the Dash renderer does; return the Flask response."""
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{_id_text(item['id'])}.{item['property']}"
                               for item in inputs if isinstance(item, dict)]}
    return client.post(f"{prefix}_dash-update-component", json=body)


def route(client: Any, pathname: str, search: str = "", prefix: str = "/") -> Any:
    """Ask Dash Pages' router for the page at pathname?search (what a browser does on load)."""
    return dash_post(
        client, ".._pages_content.children..._pages_store.data..",
        [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        [{"id": "_pages_location", "property": "pathname", "value": pathname},
         {"id": "_pages_location", "property": "search", "value": search}],
        prefix=prefix,
    )


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll url until it answers 200 (fail early if the server process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")
