"""Tests of dashboard.pages.text.view: the URL view, the sidebar switch, card stores and pager arithmetic."""

from __future__ import annotations

from dash import dcc

from dashboard.data.text import TextCard
from dashboard.pages.text.view import TextView, card_state, controls, drawn_cards, ids, next_page, shown_page

RUNS = ["alpha", "beta"]


def test_text_view_round_trips_through_the_query() -> None:
    view = TextView.from_query({"markdown": "0", "runs": "a", "tags": "x", "run": "beta"}, RUNS)
    assert view == TextView(markdown=False, run_regex="a", tag_regex="x", ticked=("beta",))
    assert view.to_query(RUNS) == "?runs=a&tags=x&markdown=0&run=beta"
    default = TextView(ticked=tuple(RUNS))
    assert TextView.from_query({}, RUNS) == default and default.to_query(RUNS) == ""
    assert TextView.from_query({"markdown": "maybe"}, RUNS).markdown is True


def test_text_view_reads_the_markdown_switch_from_the_controls() -> None:
    assert TextView.from_controls({"toggles": ["markdown"]}, None, None, None).switches() == ["markdown"]
    assert TextView.from_controls({"toggles": None}).markdown is False  # an empty checklist sends null
    assert TextView.from_controls({"toggles": []}).markdown is False
    assert TextView.from_controls(None).markdown is True  # no usable store: the default
    assert TextView(markdown=False).controls() == {"toggles": []}
    for view in (TextView(), TextView(markdown=False)):
        assert TextView.from_controls(view.controls()) == view


def test_controls_show_the_markdown_switch_as_the_view_has_it() -> None:
    (switch,) = [c for c in _walk(controls(TextView(markdown=False))) if isinstance(c, dcc.Checklist)]
    assert switch.id == ids.toggles and switch.value == []
    assert [option["value"] for option in switch.options] == ["markdown"]


def test_card_state_keeps_what_a_redraw_would_change() -> None:
    state = card_state(TextCard("alpha", "notes", 3, 24), 1, False)
    assert state == {"run": "alpha", "tag": "notes", "page": 1, "count": 3, "last_step": 24, "markdown": False}


def test_drawn_cards_keys_the_stores_by_run_and_tag() -> None:
    shown = [{"run": "alpha", "tag": "a/x", "page": 1}, {"tag": "b/y"}, {"run": 3, "tag": "a/x"},
             {"run": "beta", "tag": "b/y", "page": 0}]
    assert drawn_cards(shown) == {("alpha", "a/x"): {"run": "alpha", "tag": "a/x", "page": 1},
                                  ("beta", "b/y"): {"run": "beta", "tag": "b/y", "page": 0}}


def test_shown_page_is_the_stored_page_or_the_newest() -> None:
    assert [shown_page(state) for state in ({"page": 2}, None, {}, {"page": "2"}, {"page": True})] == [2, 0, 0, 0, 0]


def test_next_page_moves_and_marks_the_oldest_as_minus_one() -> None:
    assert [next_page(action, 2) for action in ("newest", "newer", "older", "oldest", None)] == [0, 1, 3, -1, 2]
    assert next_page("newer", 0) == 0


def _walk(component: object) -> list[object]:
    found = [component]
    children = component if isinstance(component, list) else getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json") or isinstance(child, list):
            found.extend(_walk(child))
    return found
