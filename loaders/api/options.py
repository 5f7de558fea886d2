"""options_by_keyword: public callables take their source positionally and their options by keyword only."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def options_by_keyword(func: F) -> F:
    """Make a call that passes keyword-only options positionally fail with a TypeError saying how to pass them.

    Python's own error ("takes 2 positional arguments but 3 were given") does not say which
    option was meant; this one names it, e.g. "write Logdir(logdir, cache_dir='/tmp/cache')".
    The signature (what mypy and help() see) is func's own.

    Args:
        func: a function or method whose options are keyword-only (after `*`).

    Returns:
        func, wrapped.
    """
    parameters = list(inspect.signature(func).parameters.values())
    names = [p.name for p in parameters if p.kind in _POSITIONAL]
    options = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    is_method = bool(names) and names[0] in ("self", "cls")
    shown = names[1:] if is_method else names

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if len(args) > len(names):
            extra = args[len(names) :]
            title = _title(func, args[0] if is_method else None)
            given = [f"{option}={_short(value)}" for option, value in zip(options, extra)]
            raise TypeError(
                f"{title}() takes {', '.join(shown) or 'no arguments'} positionally and its options "
                f"by keyword only; got {len(extra)} more positional argument(s): write "
                f"{title}({', '.join([*shown, *given])}) (options: {', '.join(options)})"
            )
        return func(*args, **kwargs)

    return cast(F, checked)


def _short(value: object) -> str:
    """Return repr(value), cut to about a line."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _title(func: Callable[..., Any], owner: object) -> str:
    """Return how the caller wrote the call: Logdir (a constructor), Logdir.trace (a method), name (a function)."""
    if owner is None:
        return func.__qualname__
    cls = owner if isinstance(owner, type) else type(owner)
    return cls.__name__ if func.__name__ == "__init__" else f"{cls.__name__}.{func.__name__}"
