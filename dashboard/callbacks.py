"""Callback declarations: modules mark plain functions; the app factory binds them to its own app.

Dash's global `dash.callback` registry is emptied by the first app that starts, so a second app
in the same process (tests, gunicorn --preload) would silently lose every callback. Instead a
module marks its callbacks with `@callback(...)` (the function stays a plain, directly testable
function) and create_app calls `register(app, module)`. A callback several pages share is declared
once, with MATCH on the page key in its ids (see pages._grid), never copied per page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

import dash

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__eventscope_callback__"


@dataclass(frozen=True)
class Declared:
    """One callback waiting to be bound: its dependencies and options.

    Attributes:
        args: Output/Input/State objects, as for dash.callback.
        kwargs: keyword options (prevent_initial_call, ...).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Clientside:
    """A clientside (JavaScript) callback waiting to be bound.

    Attributes:
        function: the JavaScript function source.
        args: Output/Input/State objects.
        kwargs: keyword options.
    """

    function: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def callback(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Mark a function as a callback with these dependencies; it is bound later by register().

    Args:
        *args: Output, Input and State objects, as for dash.callback.
        **kwargs: options for dash.callback.

    Returns:
        A decorator that returns the function itself, unchanged but marked.
    """

    def mark(function: F) -> F:
        """Attach the declaration to the function and return it unchanged."""
        setattr(function, _MARK, Declared(args, dict(kwargs)))
        return function

    return mark


def clientside(function: str, *args: Any, **kwargs: Any) -> Clientside:
    """Declare a clientside callback (assign the result to a module-level name)."""
    return Clientside(function, args, dict(kwargs))


def register(app: dash.Dash, module: ModuleType) -> int:
    """Bind every callback marked or declared in module to app, in definition order.

    Args:
        app: the Dash app.
        module: a page or component module.

    Returns:
        How many callbacks were bound.
    """
    count = 0
    for value in vars(module).values():
        declared = getattr(value, _MARK, None) if callable(value) else None
        if isinstance(declared, Declared) and getattr(value, "__module__", None) == module.__name__:
            app.callback(*declared.args, **declared.kwargs)(value)
            count += 1
        elif isinstance(value, Clientside):
            app.clientside_callback(value.function, *value.args, **value.kwargs)
            count += 1
    return count
