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
    assert urlstate.as_list("x") == ["x"] and urlstate.as_list(["x", "y"]) == ["x", "y"]
    assert urlstate.as_list(None) == []
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


def test_compile_filter_bounds_catastrophic_patterns() -> None:
    # Python's backtracking re never finishes these over 30+ characters; run them in a child so a
    # regression fails on the timeout instead of hanging the test session. (.*.*)*! runs on RE2
    # (linear); the lookahead needs the fallback, whose searches share FALLBACK_BUDGET seconds.
    script = ("import time; from dashboard import urlstate\n"
              "names = ['experiment_lr0.001_batch256_seed1' * k for k in (1, 30)] * 20\n"
              "for text in ('(.*.*)*!', '(?=(.|.)*!)'):\n"
              "    pattern, error = urlstate.compile_filter(text)\n"
              "    start = time.perf_counter()\n"
              "    hits = {bool(pattern.search(name)) for name in names}\n"
              "    print(hits, error == '', time.perf_counter() - start)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    (linear, budgeted) = done.stdout.splitlines()
    assert linear.startswith("{False} True ") and float(linear.split()[-1]) < 1.0
    assert budgeted.startswith("{False} True ") and float(budgeted.split()[-1]) < urlstate.FALLBACK_BUDGET + 1.0


@pytest.mark.parametrize(("text", "message"), [
    ("a{99999999999}", "bad regex 'a{99999999999}': the repetition number is too large"),
    ("(" * 1000 + ")" * 1000, "limited to 500 characters"),
    ("(" * 240 + ")" * 240 + "[", "bad regex '((((("),
    ("x" * 501, "limited to 500 characters, this one has 501"),
    ("[z-a]", "bad regex '[z-a]': bad character range z-a"),
    ("(?<n>x)", "bad regex '(?<n>x)': unknown extension ?<n"),  # RE2 and regex take it; Python does not
    ("(?P=nope)", "bad regex '(?P=nope)': unknown group name 'nope'"),
])
def test_compile_filter_turns_every_failure_into_a_message(text: str, message: str) -> None:
    pattern, error = urlstate.compile_filter(text)
    assert pattern is None and message in error


@pytest.mark.parametrize(("text", "matching", "other"), [
    ("^(?!train/lr)", "train/acc", "TRAIN/LR"),  # TensorBoard users exclude tags this way
    ("acc(?=uracy)", "eval/accuracy", "eval/acc"),
    ("(?<=train/)loss", "train/loss", "eval/loss"),
    ("(?<!eval/)loss$", "train/loss", "eval/loss"),
    (r"(\d)_\1", "seed_7_7", "seed_7_8"),
    ("(?P<x>a)(?P=x)", "baab", "abab"),
    ("lo++ss", "loss", "lss"),
    ("(?>train)/", "train/x", "training/x"),
    (r"loss\Z", "train/loss", "loss/train"),
    ("(?x) l o s s", "train/loss", "train/acc"),
    ("[a-z]{1000}", "a" * 1000, "a" * 999),  # more than MAX_PROGRAM_SIZE RE2 instructions
])
def test_compile_filter_runs_what_re2_cannot_on_the_budgeted_fallback(text: str, matching: str, other: str) -> None:
    pattern, error = urlstate.compile_filter(text)
    assert error == "" and pattern is not None
    assert pattern.search(matching) and pattern.search(other) is None


def test_compile_filter_fallback_stops_matching_once_its_budget_is_spent(caplog: pytest.LogCaptureFixture,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urlstate, "FALLBACK_BUDGET", 0.05)
    pattern, _ = urlstate.compile_filter("^(?=(.|.)*!)|x")
    assert pattern is not None and pattern.search("x")
    assert pattern.search("a" * 40) is None  # times out: the budget is spent
    assert pattern.search("x") is None  # so later names count as not matching
    assert "ran out of its 0.05 s budget" in caplog.text
    fresh, _ = urlstate.compile_filter("^(?=(.|.)*!)|x")
    assert fresh is not None and fresh.search("x")  # each compile_filter call gets its own budget


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
