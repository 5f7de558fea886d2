"""Tests of dashboard.render.text_cards: card keys and ids, pager labels, wall times, and the card itself."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pandas as pd
from dash import dcc, html

from dashboard.data.text import TextPage
from dashboard.render.text_cards import (
    card,
    card_key,
    ids,
    pager_disabled,
    position_text,
    steps_view,
    wall_time_text,
)


def _page(steps: list[int], page: int = 0, pages: int = 1, total: int | None = None) -> TextPage:
    rows = pd.DataFrame({"step": steps, "wall_time": [1.7e9] * len(steps), "value": [f"s{s}" for s in steps],
                         "shape": [[]] * len(steps), "values": [[f"s{s}"] for s in steps]})
    return TextPage("alpha", "notes", page, pages, len(steps) if total is None else total, rows)


def test_card_key_tells_every_run_and_tag_pair_apart() -> None:
    pairs = [("a/b", "c"), ("a", "b/c"), ('q"uote', "x"), ("[", "]"), (".", "notes")]
    keys = [card_key(run, tag) for run, tag in pairs]
    assert len(set(keys)) == len(pairs) and [tuple(json.loads(key)) for key in keys] == pairs
    assert ids.pager_button("older", keys[0]) == {"type": "text-card-older", "key": keys[0]}


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


def test_steps_view_renders_markdown_or_raw_text_per_step() -> None:
    rendered = steps_view(_page([2, 1]), markdown=True)
    assert [getattr(block, "data-step") for block in rendered] == ["2", "1"]
    assert [c.children for c in _walk(rendered[0]) if isinstance(c, dcc.Markdown)] == ["s2"]
    assert [c.children for c in _walk(steps_view(_page([2]), markdown=False)[0]) if isinstance(c, html.Pre)] == ["s2"]


def test_card_shows_title_run_steps_pager_and_the_given_store() -> None:
    store = dcc.Store(id="the-store", data={"page": 0})
    built = card(_page([24, 23, 22], total=3), "#123456", False, store)
    strings = [c.children for c in _walk(built) if isinstance(getattr(c, "children", None), str)]
    assert "notes" in strings and "alpha" in strings and " · 3 steps" in strings
    assert ["Step 24", "Step 23", "Step 22"] == [s for s in strings if s.startswith("Step ")]
    assert [c.children for c in _walk(built) if isinstance(c, html.Pre)] == ["s24", "s23", "s22"]
    assert [c for c in _walk(built) if isinstance(c, dcc.Store)] == [store]
    assert (getattr(built, "data-run"), getattr(built, "data-tag")) == ("alpha", "notes")
    key = card_key("alpha", "notes")
    (position,) = [c for c in _walk(built) if getattr(c, "id", None) == ids.position(key)]
    assert position.children == "Page 1 of 1 · steps 24–22"
    (pager,) = [c for c in _walk(built) if getattr(c, "className", None) == "text-pager"]
    assert pager.style == {"display": "none"}  # one page: no pager
    older = [c for c in _walk(built) if getattr(c, "id", None) == ids.pager_button("older", key)]
    assert older and getattr(older[0], "aria-label") == "Older steps"


def test_render_imports_neither_data_nor_pages() -> None:
    code = ("import sys, dashboard.render.text_cards; "
            "print([m for m in sys.modules if m.startswith(('dashboard.data', 'dashboard.pages'))])")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "[]"


def _walk(component: object) -> list[object]:
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found.extend(_walk(child))
    return found
