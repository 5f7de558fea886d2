"""Tests of dashboard.components.text_views: the URL view, pager arithmetic and labels, and the cards."""

from __future__ import annotations

import time

import pandas as pd
from dash import dcc, html

from dashboard.components.text_views import (
    TextView, card, cards_view, drawn_cards, next_page, pager_disabled, position_text, wall_time_text,
)
from dashboard.data.text import TextCard, TextPage, page_of

RUNS = ["alpha", "beta"]


def _page(steps: list[int], page: int = 0, pages: int = 1, total: int | None = None) -> TextPage:
    rows = pd.DataFrame({"step": steps, "wall_time": [1.7e9] * len(steps), "value": [f"s{s}" for s in steps],
                         "shape": [[]] * len(steps), "values": [[f"s{s}"] for s in steps]})
    return TextPage("alpha", "notes", page, pages, len(steps) if total is None else total, rows)


def test_text_view_round_trips_through_the_query() -> None:
    view = TextView.from_query({"markdown": "0", "runs": "a", "tags": "x", "run": "beta"}, RUNS)
    assert view == TextView(markdown=False, run_regex="a", tag_regex="x", ticked=("beta",))
    assert view.to_query(RUNS) == "?runs=a&tags=x&markdown=0&run=beta"
    default = TextView(ticked=tuple(RUNS))
    assert TextView.from_query({}, RUNS) == default and default.to_query(RUNS) == ""
    assert TextView.from_controls(["markdown"], None, None, None).switches() == ["markdown"]
    assert TextView.from_controls(None).markdown is False


def test_next_page_moves_and_marks_the_oldest_as_minus_one() -> None:
    assert [next_page(action, 2) for action in ("newest", "newer", "older", "oldest", None)] == [0, 1, 3, -1, 2]
    assert next_page("newer", 0) == 0


def test_pager_labels_and_buttons_follow_the_page() -> None:
    first = _page([24, 23, 22], page=0, pages=3, total=25)
    assert position_text(first) == "Page 1 of 3 · steps 24–22"
    assert pager_disabled(first) == {"newest": True, "newer": True, "older": False, "oldest": False}
    last = _page([0], page=2, pages=3, total=25)
    assert position_text(last) == "Page 3 of 3 · step 0"
    assert pager_disabled(last) == {"newest": False, "newer": False, "older": True, "oldest": True}
    assert position_text(_page([])) == "Page 1 of 1"


def test_wall_time_text_is_local_time_or_empty() -> None:
    assert wall_time_text(1.7e9) == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1.7e9))
    assert wall_time_text(float("nan")) == "" and wall_time_text(1e300) == ""


def test_drawn_cards_keeps_one_sections_stores() -> None:
    drawn = [{"run": "alpha", "tag": "a/x", "page": 1}, None, {"run": "beta", "tag": "b/y", "page": 0}]
    assert drawn_cards(drawn, ["a/x"]) == {("alpha", "a/x"): {"run": "alpha", "tag": "a/x", "page": 1}}


def test_card_shows_title_run_steps_and_store() -> None:
    item = TextCard("alpha", "notes", 3, 24)
    built = card(item, _page([24, 23, 22], total=3), "#123456", markdown=False)
    strings = [c.children for c in _walk(built) if isinstance(getattr(c, "children", None), str)]
    assert "notes" in strings and "alpha" in strings and " · 3 steps" in strings
    assert ["Step 24", "Step 23", "Step 22"] == [s for s in strings if s.startswith("Step ")]
    assert [c.children for c in _walk(built) if isinstance(c, html.Pre)] == ["s24", "s23", "s22"]
    (store,) = [c for c in _walk(built) if isinstance(c, dcc.Store)]
    assert store.data == {"run": "alpha", "tag": "notes", "page": 0, "count": 3, "last_step": 24, "markdown": False}


def test_cards_view_leaves_out_cards_without_a_page() -> None:
    rows = _page([1]).rows
    pages = {("alpha", "notes"): page_of("alpha", "notes", rows, 0)}
    items = [TextCard("alpha", "notes", 1, 1), TextCard("beta", "notes", 1, 1)]
    assert [getattr(c, "data-run") for c in cards_view(items, pages, {"alpha": "#000"}, True)] == ["alpha"]


def _walk(component: object) -> list[object]:
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found.extend(_walk(child))
    return found
