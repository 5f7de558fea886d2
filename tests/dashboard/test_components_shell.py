"""Tests of dashboard.components.shell: top bar tabs, banners, the layout's stores and interval."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.components import shell
from dashboard.components.shell import NavItem

TITLES = ["Scalars", "Histograms", "Images", "Runs"]


def _titles(links: list) -> list[str]:
    return [link.children for link in links if isinstance(link, dcc.Link)]


def _items(*active: str) -> list[NavItem]:
    return [NavItem(title, "/" + title.lower(), title in active) for title in TITLES]


def test_nav_links_put_inactive_dashboards_in_a_menu(app: dash.Dash, in_request: object) -> None:
    links = shell.nav_links(_items("Scalars", "Runs"), current="/", query="?runs=a")
    assert _titles(links) == ["Scalars", "Runs"]
    scalars = links[0]
    assert scalars.href == "/scalars?runs=a" and "current" in scalars.className
    menu = links[-1]
    assert isinstance(menu, html.Details)
    assert _titles(menu.children[1].children) == ["Histograms", "Images"]


def test_nav_links_without_any_data_still_reach_every_dashboard(app: dash.Dash, in_request: object) -> None:
    links = shell.nav_links(_items(), current="/histograms", query="")
    menu = links[-1]
    assert len(links) == 1 and len(menu.children[1].children) == len(TITLES)
    current = [link for link in menu.children[1].children if "current" in link.className]
    assert [link.children for link in current] == ["Histograms"]


def test_problems_banner_lists_messages() -> None:
    assert shell.problems_banner([]) is None
    rows = [{"path": "f", "offset": 8, "kind": "payload_crc", "message": f"f: bad checksum at byte {n}"} for n in range(25)]
    (banner,) = shell.problems_banner(rows).children
    assert banner.children[0].children.startswith("25 problems reading the event files")
    items = banner.children[1].children
    assert len(items) == 21 and items[0].children == "f: bad checksum at byte 0" and "5 more" in items[-1].children


def test_problems_banner_leaves_out_a_record_still_being_written() -> None:
    writing = {"path": "f", "offset": 96, "kind": "truncated", "message": "f: incomplete record at byte 96"}
    assert shell.problems_banner([writing]) is None
    bad = {"path": "g", "offset": 8, "kind": "payload_crc", "message": "g: bad checksum at byte 8"}
    (banner,) = shell.problems_banner([writing, bad]).children
    assert banner.children[0].children.startswith("1 problem reading") and len(banner.children[1].children) == 1


def test_interval_off_when_reload_interval_is_zero() -> None:
    layout = shell.shell(version="v", runs=["a"], last_loaded="never", problems=[], demo_logdir=None, reload_interval=0)
    interval = next(child for child in layout.children if isinstance(child, dcc.Interval))
    assert interval.disabled is True
    assert not any(getattr(child, "id", None) == "demo-banner" for child in layout.children)
    live = shell.shell(version="v", runs=["a"], last_loaded="never", problems=[], demo_logdir="/demo",
                       reload_interval=2)
    interval = next(child for child in live.children if isinstance(child, dcc.Interval))
    assert interval.disabled is False and interval.interval == 2000
    assert any(getattr(child, "id", None) == "demo-banner" for child in live.children)
    runs = next(child for child in live.children if getattr(child, "id", None) == shell.ids.runs)
    assert runs.data == ["a"]


def test_page_query_takes_the_page_on_screen() -> None:
    assert shell.page_query(["?tags=x"]) == "?tags=x"
    assert shell.page_query([]) == "" and shell.page_query(None) == "" and shell.page_query([{"a": 1}]) == ""
    assert shell.page_query([], ["?x=wall"]) == "?x=wall" and shell.page_query(None, None) == ""


def test_problems_banner_gives_cache_problems_and_vanished_runs_their_own_headings() -> None:
    rows = [{"path": "c", "offset": -1, "kind": "cache_full", "message": "cache directory full"},
            {"path": "r", "offset": -1, "kind": "vanished", "message": "run 'r' is gone"},
            {"path": "f", "offset": 8, "kind": "bad_length", "message": "f: bad length at byte 8"},
            {"path": "g", "offset": 9, "kind": "ends_mid_record", "message": "g: ends mid-record"}]
    cache, vanished, files = shell.problems_banner(rows).children
    assert cache.children[0].children.startswith("1 problem with the cache")
    assert [item.children for item in cache.children[1].children] == ["cache directory full"]
    assert vanished.children[0].children.startswith("1 run no longer found")
    assert files.children[0].children.startswith("2 problems reading the event files")
    assert [item.children for item in files.children[1].children] == ["f: bad length at byte 8", "g: ends mid-record"]
