"""Tests of dashboard.components.tag_sections: grouping, open state, paging."""

from __future__ import annotations

from dash import dcc, html

from dashboard.components import tag_sections
from dashboard.components.tag_sections import ids


def test_group_by_prefix_matches_tensorboard() -> None:
    groups = tag_sections.group_by_prefix(["train/loss", "val/acc", "loss", "train/acc10", "train/acc2", "a/b/c"])
    assert groups == {"a": ["a/b/c"], "loss": ["loss"], "train": ["train/acc2", "train/acc10", "train/loss"],
                      "val": ["val/acc"]}


def test_group_order_is_natural() -> None:
    assert list(tag_sections.group_by_prefix(["layer10/w", "layer2/w", "Layer1/w"])) == ["Layer1", "layer2", "layer10"]


def test_is_open_flips_with_each_click() -> None:
    assert tag_sections.is_open({"open": True}, 0) and not tag_sections.is_open({"open": True}, 1)
    assert tag_sections.is_open({"open": False}, 3) and not tag_sections.is_open(None, None)
    states = [{"group": "a", "open": True}, {"group": "b", "open": False}]
    assert tag_sections.open_groups(states, [1, 1]) == {"a": False, "b": True}


def test_page_slice_pages_by_twelve() -> None:
    tags = [f"t{i}" for i in range(30)]
    assert tag_sections.page_slice(tags, 0) == tags[:12]
    assert tag_sections.page_slice(tags, 2) == tags[24:]
    assert tag_sections.page_slice(tags, 99) == tags[24:] and tag_sections.page_slice(tags, None) == tags[:12]


def test_sections_open_while_cards_fit_and_keep_previous_state() -> None:
    groups = {f"g{i}": [f"g{i}/{j}" for j in range(i * 3)] or ["g0/x"] for i in range(6)}  # 1, 3, 6, 9, 12, 15 tags
    built = tag_sections.sections("p", groups, {"g0": False, "g5": True})
    assert [section.open for section in built] == [False, True, True, False, False, True]
    assert [section.open for section in tag_sections.sections("p", {"big": [f"t{i}" for i in range(99)]}, {})] == [True]
    first = built[1]
    assert isinstance(first, html.Details)
    store = next(child for child in first.children if isinstance(child, dcc.Store))
    assert store.id == ids.state("p", "g1") and store.data == {"group": "g1", "tags": ["g1/0", "g1/1", "g1/2"], "open": True}


def test_sections_show_a_pager_only_past_twelve_tags() -> None:
    small, big = tag_sections.sections("p", {"s": ["s/1"], "b": [f"b/{i}" for i in range(25)]}, {})
    pager_small = next(child for child in small.children if isinstance(child, dcc.RadioItems))
    pager_big = next(child for child in big.children if isinstance(child, dcc.RadioItems))
    assert pager_small.style == {"display": "none"}
    assert pager_big.style is None and [option["label"] for option in pager_big.options] == ["1", "2", "3"]


def test_section_grid_holds_the_body_then_the_rest() -> None:
    (section,) = tag_sections.sections("p", {"g": ["g/1", "g/2", "g/3"]}, {}, split=True)
    grid = next(child for child in section.children if getattr(child, "className", "") == "card-grid")
    loading, rest = grid.children
    assert isinstance(loading, dcc.Loading) and loading.parent_className == "card-grid-loading"
    assert loading.children.id == ids.body("p", "g") and loading.children.className == "card-grid-part"
    assert rest.id == ids.rest("p", "g") and rest.className == "card-grid-part" and rest.children is None


def test_section_grid_has_no_rest_part_unless_split() -> None:
    (section,) = tag_sections.sections("p", {"g": ["g/1"]}, {})
    grid = next(child for child in section.children if getattr(child, "className", "") == "card-grid")
    (loading,) = grid.children
    assert loading.children.id == ids.body("p", "g")
