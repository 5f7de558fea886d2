"""Tests of dashboard.urlstate: tolerant query parsing, regex filters, compact run selections."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from dashboard import urlstate

RUNS = ["a", "b", "c", "d"]


def test_query_value_helpers_tolerate_lists_and_junk() -> None:
    assert urlstate.first(["x", "y"]) == "x" and urlstate.first(None) is None and urlstate.first([]) is None
    assert urlstate.as_list("x") == ["x"] and urlstate.as_list(["x", "y"]) == ["x", "y"] and urlstate.as_list(None) == []
    assert urlstate.as_float("0.25", 0.6, low=0, high=0.999) == 0.25
    assert urlstate.as_float("7", 0.6, low=0, high=0.999) == 0.999
    assert urlstate.as_float("abc", 0.6, low=0, high=1) == 0.6
    assert urlstate.as_float("nan", 0.6, low=0, high=1) == 0.6
    assert urlstate.as_optional_float("inf") is None and urlstate.as_optional_float("") is None
    assert urlstate.as_optional_float("-2.5") == -2.5
    assert urlstate.as_choice("wall", ("step", "wall"), "step") == "wall"
    assert urlstate.as_choice("epoch", ("step", "wall"), "step") == "step"
    assert urlstate.as_bool("1", False) is True and urlstate.as_bool("off", True) is False
    assert urlstate.as_bool("maybe", True) is True
    assert urlstate.as_text("x" * 1000) == "x" * 500


def test_compile_filter_is_case_insensitive_search_and_explains_bad_regex() -> None:
    pattern, error = urlstate.compile_filter("LOSS$")
    assert pattern is not None and pattern.search("train/loss") and error == ""
    assert urlstate.compile_filter("") == (None, "")
    pattern, error = urlstate.compile_filter("(unclosed")
    assert pattern is None and error.startswith("bad regex '(unclosed': missing )")


@pytest.mark.parametrize(("selected", "expected"), [
    (RUNS, {}),
    (["a"], {"run": ["a"]}),
    (["a", "b", "c"], {"hide": ["d"]}),
    ([], {"run": [""]}),
])
def test_encode_runs_is_compact_and_round_trips(selected: list[str], expected: dict) -> None:
    encoded = urlstate.encode_runs(selected, RUNS)
    assert encoded == expected
    query = {key: value[0] if len(value) == 1 else value
             for key, value in parse_qs(urlstate.encode(encoded).lstrip("?"), keep_blank_values=True).items()}
    assert urlstate.decode_runs(query, RUNS) == selected


def test_decode_runs_ignores_unknown_names_and_defaults_to_all() -> None:
    assert urlstate.decode_runs({"run": ["b", "zzz"]}, RUNS) == ["b"]
    assert urlstate.decode_runs({}, RUNS) == RUNS
    assert urlstate.decode_runs({"hide": "zzz"}, RUNS) == RUNS


def test_encode_skips_unset_values_and_repeats_lists() -> None:
    assert urlstate.encode({"a": None, "b": "", "c": True, "d": ["x", "y z"], "e": 0.5}) == "?c=1&d=x&d=y+z&e=0.5"
    assert urlstate.encode({}) == ""
