"""Selection state in the URL query: tolerant parsing of what a link carries, and compact encoding."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

QueryValue = str | list[str] | None
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def first(value: QueryValue) -> str | None:
    """Return a query value as one string (the first when repeated), or None when absent."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def as_list(value: QueryValue) -> list[str]:
    """Return a query value as a list of strings (repeated keys, or one value)."""
    if value is None:
        return []
    return [item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str)]


def as_float(value: QueryValue, default: float, *, low: float, high: float) -> float:
    """Return a finite float clamped to [low, high]; anything unparsable gives default.

    Args:
        value: the query value.
        default: used when value is absent or not a finite number.
        low: the smallest allowed value.
        high: the largest allowed value.

    Returns:
        The number.
    """
    number = as_optional_float(value)
    return default if number is None else min(max(number, low), high)


def as_optional_float(value: QueryValue) -> float | None:
    """Return a finite float, or None when absent, empty or not a finite number."""
    text = first(value)
    try:
        number = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def as_choice(value: QueryValue, choices: Sequence[str], default: str) -> str:
    """Return value when it is one of choices, else default."""
    text = first(value)
    return text if text in choices else default


def as_bool(value: QueryValue, default: bool) -> bool:
    """Return a boolean from 1/0, true/false, yes/no, on/off; anything else gives default."""
    text = (first(value) or "").lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return default


def as_text(value: QueryValue, *, limit: int = 500) -> str:
    """Return a short string (regex filters): absent gives "", long values are cut at limit."""
    return (first(value) or "")[:limit]


def compile_filter(text: str | None) -> tuple[re.Pattern[str] | None, str]:
    """Compile a user's filter regex the way TensorBoard does (case-insensitive, search anywhere).

    Args:
        text: the regex typed by the user; empty or None means no filter.

    Returns:
        (pattern, "") on success, (None, "") for no filter, or (None, message) for a bad regex.
    """
    if not text:
        return None, ""
    try:
        return re.compile(text, re.IGNORECASE), ""
    except re.error as error:
        return None, f"bad regex {text!r}: {error}"


def decode_runs(query: Mapping[str, QueryValue], runs: Sequence[str]) -> list[str]:
    """Return the selected runs a query describes (see encode_runs); unknown names are ignored.

    Args:
        query: the parsed query ("run" lists selected runs, "hide" lists unselected ones).
        runs: every run.

    Returns:
        The selected runs, in the order of runs.
    """
    if "run" in query:
        wanted = set(as_list(query["run"]))
        return [run for run in runs if run in wanted]
    hidden = set(as_list(query.get("hide")))
    return [run for run in runs if run not in hidden]


def encode_runs(selected: Sequence[str], runs: Sequence[str]) -> dict[str, list[str]]:
    """Return the shortest query for a run selection: nothing (all), "run" (few) or "hide" (most).

    Args:
        selected: the selected runs.
        runs: every run.

    Returns:
        {} when every run is selected, else {"run": [...]} or {"hide": [...]}, whichever is shorter
        ({"run": [""]} when none is).
    """
    chosen = set(selected)
    hidden = [run for run in runs if run not in chosen]
    if not hidden:
        return {}
    shown = [run for run in runs if run in chosen] or [""]
    return {"run": shown} if len(shown) <= len(hidden) else {"hide": hidden}


def encode(params: Mapping[str, object]) -> str:
    """Return "?k=v&..." for the params that are set; "" when none are.

    Args:
        params: name -> str, number, bool or list of str. None and "" values are left out; a list
            repeats its key once per item (an item "" is kept: ["" ] encodes "k=").

    Returns:
        The query string, with its leading "?".
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((key, ("1" if item else "0") if isinstance(item, bool) else str(item)))
    return "?" + urlencode(pairs) if pairs else ""
