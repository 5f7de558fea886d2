"""Checking the runs= and tags= arguments: None, a name, a list of names, or a compiled regex."""

from __future__ import annotations

import re
from collections.abc import Sequence

Selector = str | Sequence[str] | re.Pattern[str] | None
SHOWN_CHOICES = 20


def check_selector(name: str, value: Selector) -> list[str] | re.Pattern[str] | None:
    """Return value as None, a list of names or a compiled regex, or raise for other forms."""
    if value is None or isinstance(value, re.Pattern):
        return value
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise TypeError(
        f"{name} must be None (all), a name (str), a list of names, or a compiled regex such as "
        f"re.compile('train'); got {type(value).__name__} {value!r:.80}"
    )


def select(name: str, selector: list[str] | re.Pattern[str] | None, choices: list[str], *, what: str = "") -> list[str]:
    """Return the choices selector picks, in choices order.

    Raises:
        ValueError: selector lists names that are not among choices.
    """
    if selector is None:
        return list(choices)
    if isinstance(selector, re.Pattern):
        return [choice for choice in choices if selector.search(choice)]
    known = set(choices)
    unknown = [item for item in selector if item not in known]
    if unknown:
        shown = ", ".join(repr(choice) for choice in choices[:SHOWN_CHOICES])
        more = f" and {len(choices) - SHOWN_CHOICES} more" if len(choices) > SHOWN_CHOICES else ""
        valid = f"valid {what or name}: {shown}{more}" if choices else f"there are no {what or name}"
        raise ValueError(f"unknown {name} {unknown}; {valid}")
    wanted = set(selector)
    return [choice for choice in choices if choice in wanted]
