"""Tests of dashboard.components.run_picker: options, filters, all/none, new runs, the plotted store."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import dcc

from dashboard.components import run_picker
from dashboard.components.run_picker import ids
from tests.dashboard.dashtest import call, find


def test_run_options_carry_the_run_colour() -> None:
    option = run_picker.run_options(["alpha"], {"alpha": "#123456"})[0]
    swatch = option["label"].children[0]
    assert option["value"] == "alpha" and swatch.style == {"backgroundColor": "#123456"}


def test_plotted_runs_are_ticked_and_match_the_filter() -> None:
    runs = ["alpha", "beta", "gamma"]
    assert run_picker.plotted_runs(runs, ["alpha", "gamma"], "") == ["alpha", "gamma"]
    assert run_picker.plotted_runs(runs, ["alpha", "gamma"], "^g") == ["gamma"]
    assert run_picker.plotted_runs(runs, ["gamma", "alpha"], "(bad") == ["alpha", "gamma"]


def test_run_picker_layout_shows_filtered_options_and_error() -> None:
    picker = run_picker.run_picker("p", ["alpha", "beta"], ["alpha"], "(bad")
    checklist = find(picker, ids.runs("p"))
    assert isinstance(checklist, dcc.Checklist) and checklist.value == ["alpha"]
    assert [option["value"] for option in checklist.options] == ["alpha", "beta"]
    assert find(picker, ids.run_error("p")).children.startswith("bad regex '(bad'")
    assert find(picker, ids.plotted("p")).data == ["alpha"]
    assert find(picker, ids.count("p")).children == "1 of 2 shown"


def test_update_runs_filters_by_regex(app: dash.Dash, in_request: object) -> None:
    options, value, error, count, plotted, known, key = call(
        run_picker.update_runs, "^(alpha|gamma)$", ["alpha", "beta", "gamma"], 0, 0, ["alpha", "beta", "gamma"], ["alpha", "beta", "gamma"],
        triggered=ids.run_regex("scalars"), prop="value")
    assert [option["value"] for option in options] == ["alpha", "gamma"]
    assert value == ["alpha", "beta", "gamma"] and plotted == ["alpha", "gamma"]
    assert error == "" and count == "2 of 3 shown" and known == ["alpha", "beta", "gamma"]
    assert key == run_picker.options_key(["alpha", "gamma"])


def test_update_runs_all_and_none_act_on_visible_runs_only(app: dash.Dash, in_request: object) -> None:
    _, value, *_ = call(run_picker.update_runs, "^b", ["alpha"], 1, 0, ["alpha", "beta", "gamma"], ["alpha", "beta", "gamma"],
                        triggered=ids.select_all("scalars"))
    assert value == ["alpha", "beta"]
    every = ["alpha", "beta", "gamma"]
    _, value, _, _, plotted, *_ = call(run_picker.update_runs, "^b", ["alpha", "beta"], 1, 1, every, every,
                                       triggered=ids.select_none("scalars"))
    assert value == ["alpha"] and plotted == []


def test_update_runs_ticks_runs_that_appeared(app: dash.Dash, in_request: object) -> None:
    _, value, *_ = call(run_picker.update_runs, "", ["alpha"], 0, 0, ["alpha", "beta", "gamma"], ["alpha", "beta"],
                        triggered="shell-runs", prop="data")
    assert value == ["alpha", "gamma"]


def test_update_runs_remounts_the_checklist_when_the_listed_runs_change(app: dash.Dash, in_request: object) -> None:
    picker = run_picker.run_picker("scalars", ["alpha", "delta", "gamma"], ["alpha"])
    first_key = find(picker, ids.list_box("scalars")).key
    *_, same = call(run_picker.update_runs, "", ["alpha"], 0, 0, ["alpha", "delta", "gamma"],
                    ["alpha", "delta", "gamma"], triggered=ids.runs("scalars"), prop="value")
    *_, grown = call(run_picker.update_runs, "", ["alpha"], 0, 0, ["alpha", "delta", "epsilon", "gamma"],
                     ["alpha", "delta", "gamma"], triggered="shell-runs", prop="data")
    *_, filtered = call(run_picker.update_runs, "^g", ["alpha"], 0, 0, ["alpha", "delta", "gamma"],
                        ["alpha", "delta", "gamma"], triggered=ids.run_regex("scalars"), prop="value")
    assert same == first_key and len({first_key, grown, filtered}) == 3


def test_update_runs_explains_a_bad_regex_and_filters_nothing(app: dash.Dash, in_request: object) -> None:
    options, _, error, *_ = call(run_picker.update_runs, "[", ["alpha"], 0, 0, ["alpha", "beta", "gamma"], ["alpha", "beta", "gamma"],
                                 triggered=ids.run_regex("scalars"), prop="value")
    assert len(options) == 3 and error.startswith("bad regex '['")


def test_check_tag_regex_message() -> None:
    assert run_picker.check_tag_regex("loss|acc") == ""
    assert run_picker.check_tag_regex("*x").startswith("bad regex '*x': nothing to repeat")


def test_tag_filter_input_keeps_value(tmp_path: Path) -> None:
    box = find(run_picker.tag_filter_input("p", "^train"), ids.tag_regex("p"))
    assert box.value == "^train" and box.placeholder == "Filter tags (regex)"
