"""Tests of dashboard.components.shell: top bar tabs, banners, live reload callback."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import dcc, html, no_update

from dashboard.components import shell
from dashboard.pages import DASHBOARDS
from tests.dashboard.dashtest import call


def _titles(links: list) -> list[str]:
    return [link.children for link in links if isinstance(link, dcc.Link)]


def test_nav_links_put_dashboards_without_data_or_page_in_inactive_menu(app: dash.Dash, in_request: object) -> None:
    links = shell.nav_links(DASHBOARDS, built=["/scalars", "/runs"], plugins={"scalars", "images"}, has_runs=True,
                            current="/", query="?runs=a")
    assert _titles(links) == ["Scalars", "Runs"]
    scalars = links[0]
    assert scalars.href == "/scalars?runs=a" and "current" in scalars.className
    menu = links[-1]
    assert isinstance(menu, html.Details)
    inactive = _titles(menu.children[1].children)
    assert "Images" in inactive and "Histograms" in inactive and len(inactive) == len(DASHBOARDS) - 2


def test_nav_links_without_any_data_still_reach_every_dashboard(app: dash.Dash, in_request: object) -> None:
    links = shell.nav_links(DASHBOARDS, built=["/scalars"], plugins=set(), has_runs=False, current="/histograms",
                            query="")
    menu = links[-1]
    assert len(links) == 1 and len(menu.children[1].children) == len(DASHBOARDS)
    current = [link for link in menu.children[1].children if "current" in link.className]
    assert [link.children for link in current] == ["Histograms"]


def test_problems_banner_lists_messages() -> None:
    assert shell.problems_banner([]) is None
    rows = [{"path": "f", "offset": 8, "kind": "payload_crc", "message": f"f: bad checksum at byte {n}"} for n in range(25)]
    banner = shell.problems_banner(rows)
    assert banner.children[0].children.startswith("25 problems reading the event files")
    items = banner.children[1].children
    assert len(items) == 21 and items[0].children == "f: bad checksum at byte 0" and "5 more" in items[-1].children


def test_problems_banner_leaves_out_a_record_still_being_written() -> None:
    writing = {"path": "f", "offset": 96, "kind": "truncated", "message": "f: incomplete record at byte 96"}
    assert shell.problems_banner([writing]) is None
    bad = {"path": "g", "offset": 8, "kind": "payload_crc", "message": "g: bad checksum at byte 8"}
    banner = shell.problems_banner([writing, bad])
    assert banner.children[0].children.startswith("1 problem reading") and len(banner.children[1].children) == 1


def test_update_nav_marks_the_current_page(app: dash.Dash, in_request: object) -> None:
    links = shell.update_nav("v", "/scalars", "?tags=loss")
    assert _titles(links) == ["Scalars"] and links[0].href == "/scalars?tags=loss"


def test_reload_data_bumps_version_only_when_data_changed(app: dash.Dash, in_request: object,
                                                          scalar_logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    source = app.server.config["EVENTSCOPE_DATA"]
    version, text, _ = call(shell.reload_data, 1, 0, "old", triggered=shell.ids.interval, prop="n_intervals")
    assert version == source.version() and text.startswith("Last loaded ")
    unchanged = call(shell.reload_data, 2, 1, version, triggered=shell.ids.reload)
    assert unchanged[0] is no_update
    with SummaryWriter(str(scalar_logdir / "delta")) as writer:
        writer.add_scalar("loss", 0.5, 0)
    changed = call(shell.reload_data, 2, 2, version, triggered=shell.ids.reload)
    assert changed[0] not in (no_update, version) and "delta" in source.runs()


def test_interval_off_when_reload_interval_is_zero(app: dash.Dash, in_request: object) -> None:
    source = app.server.config["EVENTSCOPE_DATA"]
    layout = shell.shell(source, demo=False, reload_interval=0)
    interval = next(child for child in layout.children if isinstance(child, dcc.Interval))
    assert interval.disabled is True
    live = shell.shell(source, demo=True, reload_interval=2)
    interval = next(child for child in live.children if isinstance(child, dcc.Interval))
    assert interval.disabled is False and interval.interval == 2000
    assert any(getattr(child, "id", None) == "demo-banner" for child in live.children)
