"""Selection state in the URL query: tolerant parsing of what a link carries, and compact encoding."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

QueryValue = str | list[str] | None
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Regex filters (see compile_filter): the longest pattern accepted, the most characters of a name
# searched, RE2's program size and memory caps. Together they bound the work of one search.
MAX_FILTER_LENGTH = 500
MAX_SUBJECT_LENGTH = 1024
MAX_PROGRAM_SIZE = 5000
RE2_MAX_MEMORY = 1 << 20


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


def compile_filter(text: object) -> tuple[Filter | None, str]:
    """Compile a user's filter regex the way TensorBoard does (case-insensitive, search anywhere), safely.

    The text comes from a URL or a callback, so matching must not be able to pin a worker: the
    pattern is checked with Python's parser (its error messages, and what Python rejects stays
    rejected) and then compiled with RE2, whose matching time is linear in the name. Patterns
    RE2 cannot run in linear time (lookaround, backreferences, ...) are refused with a message
    saying so, never run with Python's backtracking engine.

    Args:
        text: the regex typed by the user; empty or None means no filter.

    Returns:
        (filter, "") on success, (None, "") for no filter, or (None, message) for a regex that is
        malformed, longer than MAX_FILTER_LENGTH, too complex, or uses a feature filters do not
        support. Never raises.
    """
    if text is None or text == "":
        return None, ""
    if not isinstance(text, str):
        return None, "bad regex: the filter must be text"
    if len(text) > MAX_FILTER_LENGTH:
        return None, f"bad regex: filters are limited to {MAX_FILTER_LENGTH} characters, this one has {len(text)}"
    shown = _shown(text)
    try:
        re.compile(text, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError, ValueError, MemoryError) as error:
        reason = str(error) or type(error).__name__
        return None, f"bad regex {shown}: {reason}"
    try:
        compiled = re2.compile(text, _re2_options())
    except re2.error as error:
        return None, f"unsupported regex {shown}: {_unsupported(text, _message(error))}"
    if compiled.programsize > MAX_PROGRAM_SIZE:
        return None, (f"unsupported regex {shown}: too complex ({compiled.programsize} RE2 instructions, the limit "
                      f"is {MAX_PROGRAM_SIZE}); use smaller repeat counts such as {{100}}")
    return Filter(text, compiled), ""


class Filter:
    """A compiled filter: `search(name)` is truthy when the regex matches anywhere in the name.

    Matching uses RE2 (time linear in the name, no backtracking) and looks at the first
    MAX_SUBJECT_LENGTH characters of each name only.
    """

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._compiled = compiled

    def search(self, string: str) -> object | None:
        """Return a match object (truthy) when the filter matches somewhere in string, else None."""
        return self._compiled.search(string[:MAX_SUBJECT_LENGTH])

    def __repr__(self) -> str:
        return f"Filter({self.pattern!r})"


def _re2_options() -> Any:
    """RE2 options for filters: case-insensitive, no capture groups (pure DFA matching), bounded memory."""
    options = re2.Options()
    options.case_sensitive = False
    options.never_capture = True
    options.log_errors = False  # a refused pattern is the user's typo, not a server error to log
    options.max_mem = RE2_MAX_MEMORY
    return options


def _message(error: Exception) -> str:
    """Return RE2's error text (pybind11 hands it over as bytes)."""
    detail = error.args[0] if error.args else ""
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


# RE2 error text -> what to tell the user, for the Perl/Python features RE2 leaves out (first match wins).
_UNSUPPORTED = (
    ("(?=", "lookahead (?=...) is not supported in filters"),
    ("(?!", "negative lookahead (?!...) is not supported in filters"),
    ("(?<=", "lookbehind (?<=...) is not supported in filters"),
    ("(?<!", "negative lookbehind (?<!...) is not supported in filters"),
    ("(?>", "atomic groups (?>...) are not supported in filters"),
    ("(?(", "conditional groups (?(...)...) are not supported in filters"),
    ("(?#", "comments (?#...) are not supported in filters"),
    ("\\Z", "\\Z is not supported in filters; use $"),
    ("bad repetition operator", "possessive quantifiers (++, *+, ?+) are not supported in filters"),
    ("pattern too large", "too complex; use smaller repeat counts such as {100}"),
)


def _unsupported(text: str, message: str) -> str:
    """Explain why RE2 refused a pattern Python accepts."""
    if re.search(r"invalid escape sequence: \\[1-9]", message) or ("(?P=" in text and "(?P" in message):
        return "backreferences (\\1, (?P=name)) are not supported in filters"
    for needle, explanation in _UNSUPPORTED:
        if needle in message:
            return explanation
    if "invalid perl operator: (?" in message:
        return f"{message.split(': ', 1)[1]}...) is not supported in filters; they accept the flags (?i), (?m) and (?s)"
    return f"{message} (filters use RE2 syntax: https://github.com/google/re2/wiki/Syntax)"


def _shown(text: str, limit: int = 60) -> str:
    """Return the pattern quoted for a message, cut when long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


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
