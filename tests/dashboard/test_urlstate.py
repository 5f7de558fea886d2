"""Tests of dashboard.urlstate: tolerant query parsing, regex filters, compact run selections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
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


def test_compile_filter_matches_a_catastrophic_pattern_in_linear_time() -> None:
    # Python's backtracking re never finishes (.*.*)*! over 30 characters; run it in a child so a
    # regression fails on the timeout instead of hanging the test session.
    script = ("import time; from dashboard import urlstate\n"
              "pattern, error = urlstate.compile_filter('(.*.*)*!')\n"
              "start = time.perf_counter()\n"
              "names = ['experiment_lr0.001_batch256_seed1' * k for k in (1, 30)]\n"
              "hits = [bool(pattern.search(name)) for name in names]\n"
              "print(hits, bool(pattern.search('done!')), error == '', time.perf_counter() - start)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[False, False] True True ") and float(done.stdout.split()[-1]) < 1.0


@pytest.mark.parametrize(("text", "message"), [
    ("a{99999999999}", "bad regex 'a{99999999999}': the repetition number is too large"),
    ("(" * 1000 + ")" * 1000, "limited to 500 characters"),
    ("(" * 240 + ")" * 240 + "[", "bad regex '((((("),
    ("x" * 501, "limited to 500 characters, this one has 501"),
    ("a(?=b)", "lookahead (?=...) is not supported in filters"),
    ("a(?!b)", "negative lookahead (?!...) is not supported in filters"),
    ("(?<=a)b", "lookbehind (?<=...) is not supported in filters"),
    ("(?<!a)b", "negative lookbehind (?<!...) is not supported in filters"),
    (r"(a)\1", "backreferences"),
    ("(?P<x>a)(?P=x)", "backreferences"),
    ("a++", "possessive quantifiers"),
    ("(?>a)", "atomic groups"),
    (r"loss\Z", "use $"),
    ("(?x) l o s s", "(?x...) is not supported in filters"),
    ("(?:.{1000}){1}" + ".{1000}" * 5, "too complex"),
    ("[z-a]", "bad regex '[z-a]': bad character range z-a"),
])
def test_compile_filter_turns_every_failure_into_a_message(text: str, message: str) -> None:
    pattern, error = urlstate.compile_filter(text)
    assert pattern is None and message in error


@pytest.mark.parametrize("value", [5, ["loss"], {"a": 1}, 1.5, b"loss"])
def test_compile_filter_refuses_values_that_are_not_text(value: object) -> None:
    assert urlstate.compile_filter(value) == (None, "bad regex: the filter must be text")


def test_compile_filter_keeps_the_search_contract() -> None:
    pattern, error = urlstate.compile_filter("^train/(acc|LR)$")
    assert error == "" and pattern is not None
    assert pattern.search("train/lr") and pattern.search("TRAIN/ACC")
    assert pattern.search("eval/acc") is None and pattern.search("train/acc2") is None
    accented, _ = urlstate.compile_filter("CAFÉ")
    assert accented is not None and accented.search("menu/café")
    assert repr(pattern) == "Filter('^train/(acc|LR)$')"


def test_compile_filter_searches_the_first_max_subject_length_characters() -> None:
    pattern, _ = urlstate.compile_filter("needle")
    assert pattern is not None
    assert pattern.search("x" * (urlstate.MAX_SUBJECT_LENGTH - 6) + "needle")
    assert pattern.search("x" * urlstate.MAX_SUBJECT_LENGTH + "needle") is None
