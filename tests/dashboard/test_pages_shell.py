"""Tests of dashboard.pages.shell: the shell filled from the data, the reload and tab callbacks."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import dcc, no_update

from dashboard.components import shell
from dashboard.pages import shell as shell_page
from dashboard.pages.registry import REGISTRY
from tests.dashboard.dashtest import call


def _titles(links: list) -> list[str]:
    return [link.children for link in links if isinstance(link, dcc.Link)]


def test_nav_items_are_active_with_a_page_and_data(app: dash.Dash, in_request: object) -> None:
    items = shell_page.nav_items(app.server.config["EVENTSCOPE_DATA"])
    assert [item.path for item in items] == [page.path for page in REGISTRY]
    active = {item.title for item in items if item.active}
    assert "Scalars" in active and "Images" not in active  # the logdir has scalars only
    assert all(not item.active for item, page in zip(items, REGISTRY) if page.module is None)


def test_update_nav_marks_the_current_page(app: dash.Dash, in_request: object) -> None:
    links = shell_page.update_nav("v", "/scalars", ["?tags=loss"])
    assert _titles(links)[0] == "Scalars" and links[0].href == "/scalars?tags=loss"
    assert "current" in links[0].className


def test_update_nav_survives_inputs_of_the_wrong_type(app: dash.Dash, in_request: object) -> None:
    links = shell_page.update_nav(None, ["x"], {"a": 1})
    assert _titles(links)[0] == "Scalars" and links[0].href == "/scalars"


def test_reload_data_bumps_version_only_when_data_changed(app: dash.Dash, in_request: object,
                                                          scalar_logdir: Path) -> None:
    from tensorboardX import SummaryWriter

    source = app.server.config["EVENTSCOPE_DATA"]
    version, runs, colors, text, _ = call(shell_page.reload_data, 1, 0, "old", triggered=shell.ids.interval,
                                  prop="n_intervals")
    assert version == source.version() and text.startswith("Last loaded ") and runs == source.runs()
    unchanged = call(shell_page.reload_data, 2, 1, version, triggered=shell.ids.reload)
    assert unchanged[0] is no_update and unchanged[1] is no_update
    with SummaryWriter(str(scalar_logdir / "delta")) as writer:
        writer.add_scalar("loss", 0.5, 0)
    changed = call(shell_page.reload_data, 2, 2, version, triggered=shell.ids.reload)
    assert changed[0] not in (no_update, version) and "delta" in changed[1]
    assert changed[2] == {**colors, "delta": changed[2]["delta"]}  # the others keep theirs; delta takes a free one
    assert changed[2]["delta"] not in colors.values()


def test_layout_fills_the_shell_from_the_data(app: dash.Dash, in_request: object) -> None:
    source = app.server.config["EVENTSCOPE_DATA"]
    layout = shell_page.layout(source, reload_interval=5)
    stores = {child.id: child.data for child in layout.children if isinstance(child, dcc.Store)}
    assert stores[shell.ids.version] == source.version() and stores[shell.ids.runs] == source.runs()
