"""Selection state in the URL query: tolerant parsing of what a link carries, and compact encoding."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
import regex  # type: ignore[import-untyped]  # nor does regex

QueryValue = str | list[str] | None
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Regex filters (see compile_filter): the longest pattern accepted, the most characters of a name
# searched, RE2's program size and memory caps (together they bound the work of one RE2 search),
# and the seconds one fallback (backtracking) filter may spend over all its searches.
MAX_FILTER_LENGTH = 500
MAX_SUBJECT_LENGTH = 1024
MAX_PROGRAM_SIZE = 5000
RE2_MAX_MEMORY = 1 << 20
FALLBACK_BUDGET = 0.5
logger = logging.getLogger(__name__)


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
    return text if text is not None and text in choices else default


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


def compile_filter(text: object) -> tuple[Filter | None, str]:
    """Compile a user's filter regex the way TensorBoard does (case-insensitive, search anywhere), safely.

    The text comes from a URL or a callback, so matching must not be able to pin a worker. The
    pattern is checked with Python's parser (its error messages; what Python rejects stays
    rejected), then compiled with RE2, whose matching time is linear in the name. The few patterns
    RE2 cannot run (lookaround such as TensorBoard users' `^(?!train/)`, backreferences, atomic
    groups, huge repeats) run on the `regex` module instead, under a time budget of
    FALLBACK_BUDGET seconds for all the names one Filter searches: past it, names count as not
    matching and a warning is logged.

    Args:
        text: the regex typed by the user; empty or None means no filter.

    Returns:
        (filter, "") on success, (None, "") for no filter, or (None, message) for text that is not a
        valid regex or is longer than MAX_FILTER_LENGTH. Never raises.
    """
    if text is None or text == "":
        return None, ""
    if not isinstance(text, str):
        return None, "bad regex: the filter must be text"
    if len(text) > MAX_FILTER_LENGTH:
        return None, f"bad regex: filters are limited to {MAX_FILTER_LENGTH} characters, this one has {len(text)}"
    shown = repr(text) if len(text) <= 60 else repr(text[:60]) + "..."
    try:
        re.compile(text, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError, ValueError, MemoryError) as error:
        return None, f"bad regex {shown}: {str(error) or type(error).__name__}"
    try:
        compiled = re2.compile(text, _re2_options())
        if compiled.programsize <= MAX_PROGRAM_SIZE:
            return Filter(text, compiled), ""
    except re2.error:
        pass  # a feature RE2 leaves out: the budgeted fallback below
    try:
        return Filter(text, regex.compile(text, regex.IGNORECASE | regex.VERSION0), budget=FALLBACK_BUDGET), ""
    except (regex.error, OverflowError, RecursionError, ValueError, MemoryError) as error:
        return None, f"bad regex {shown}: {str(error) or type(error).__name__}"


class Filter:
    """A compiled filter: `search(name)` is truthy when the regex matches anywhere in the name.

    Only the first MAX_SUBJECT_LENGTH characters of a name are searched. An RE2 filter matches in
    linear time. A fallback filter (see compile_filter) shares one time budget among all its
    searches; once it is spent, search returns None.
    """

    __slots__ = ("_budget", "_compiled", "pattern")

    def __init__(self, pattern: str, compiled: Any, *, budget: float | None = None) -> None:
        self.pattern = pattern
        self._compiled = compiled
        self._budget = budget

    def search(self, string: str) -> object | None:
        """Return a match object (truthy) when the filter matches somewhere in string, else None."""
        subject = string[:MAX_SUBJECT_LENGTH]
        if self._budget is None:
            return self._compiled.search(subject)
        if self._budget <= 0:
            return None
        start = time.perf_counter()
        try:
            return self._compiled.search(subject, timeout=self._budget)
        except TimeoutError:
            logger.warning(
                "filter %r ran out of its %.2f s budget; the remaining names count as not matching",
                self.pattern,
                FALLBACK_BUDGET,
            )
            self._budget = 0.0
            return None
        finally:
            if self._budget > 0:
                self._budget -= time.perf_counter() - start

    def __repr__(self) -> str:
        return f"Filter({self.pattern!r})"


def _re2_options() -> Any:
    """RE2 options for filters: case-insensitive, no capture groups (pure DFA matching), bounded memory."""
    options = re2.Options()
    options.case_sensitive = False
    options.never_capture = True
    options.log_errors = False  # a refused pattern goes to the fallback; nothing to log
    options.max_mem = RE2_MAX_MEMORY
    return options


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
