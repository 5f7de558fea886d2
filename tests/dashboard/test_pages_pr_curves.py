"""Tests of the PR curves page: its spec on the grid template, cards as data, the per-run step callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest
from dash import dcc, no_update

from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, pr_curves
from dashboard.pages._view import View
from dashboard.pages.pr_curves import ids
from dashboard.pages.registry import REGISTRY
from tests.dashboard.dashtest import call, find, find_all
from tests.dashboard.test_data_pr_curves import PR_STEPS, write_pr_logdir

PAGE = "pr_curves"
EVAL = {"group": "eval", "tags": ["eval/pr"], "open": True}
PLOTTED = run_picker.ids.plotted(PAGE)


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], logdir: Path) -> dash.Dash:
    return make_app(logdir=str(write_pr_logdir(logdir)))


@pytest.fixture
def in_request(app: dash.Dash) -> Iterator[flask.Flask]:
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def _section(state: dict[str, Any], plotted: list[str], shown: list[Any], *, triggered: Any = PLOTTED) -> Any:
    body = tag_sections.ids.body(PAGE, state["group"])
    return call(_grid.render_body, 0, 0, {}, plotted, "v", state, shown, body, triggered=triggered, prop="data")


def _cards(children: Any) -> list[Any]:
    return find_all(children, lambda c: "pr-card" in (getattr(c, "className", "") or "").split())


def _sliders(card: Any) -> list[Any]:
    return find_all(card, lambda c: isinstance(c, dcc.Slider))


def test_pr_curves_page_is_registered_on_the_grid_template() -> None:
    (entry,) = [page for page in REGISTRY if page.module == "dashboard.pages.pr_curves"]
    assert (entry.title, entry.path, entry.plugins) == ("PR curves", "/pr-curves", ("pr_curves",))
    assert (pr_curves.GRID.key, pr_curves.GRID.plugin, pr_curves.GRID.view) == (PAGE, "pr_curves", View)
    assert pr_curves.__doc__ and {"GRID", "layout", "ids", "show_steps"} <= set(vars(pr_curves))


def test_pr_curves_layout_lists_the_tags_in_sections(in_request: flask.Flask) -> None:
    page = pr_curves.layout()

    states = find_all(
        page,
        lambda c: (
            isinstance(c, dcc.Store)
            and isinstance(c.id, dict)
            and c.id.get("type") == tag_sections.ids.state(PAGE, "x")["type"]
        ),
    )
    assert sorted(state.data["group"] for state in states) == ["eval", "train"]
    assert "page-empty" not in page.className


def test_pr_curves_cards_one_per_tag_with_a_slider_per_run_at_the_newest_step(in_request: flask.Flask) -> None:
    (card,) = _cards(_section(EVAL, ["alpha", "beta", "gamma"], []))

    graph = find(card, ids.graph("eval/pr"))
    assert [trace.meta for trace in graph.figure.data] == [{"run": "alpha", "step": 10}, {"run": "beta", "step": 2}]
    sliders = _sliders(card)
    assert [slider.id for slider in sliders] == [ids.step("eval/pr", "alpha"), ids.step("eval/pr", "beta")]
    assert [(slider.max, slider.value) for slider in sliders] == [(2, 2), (0, 0)]
    assert "pr-slider-single" in sliders[1].className  # one step: nothing to slide
    assert find(card, ids.caption("eval/pr", "alpha")).children.startswith("step 10")


def test_pr_curves_cards_kept_on_new_data_when_tags_and_runs_did_not_change(in_request: flask.Flask) -> None:
    shown = [{"tag": "eval/pr", "runs": ["alpha", "beta"]}]

    kept = _section(EVAL, ["alpha", "beta"], shown, triggered=shell_ids.version)
    redrawn = _section(EVAL, ["alpha"], shown, triggered=shell_ids.version)

    assert kept is no_update
    assert len(_cards(redrawn)) == 1


def test_pr_curves_show_steps_draws_each_run_at_its_slider(in_request: flask.Flask) -> None:
    keys = [ids.step("eval/pr", "alpha"), ids.step("eval/pr", "beta")]

    figure, values, lasts, marks, classes, captions = call(
        pr_curves.show_steps, [0, 0], "v", [2, 0], keys, triggered=keys[0], prop="value"
    )

    assert [trace.meta for trace in figure.data] == [{"run": "alpha", "step": 0}, {"run": "beta", "step": 2}]
    assert values == [0, 0] and lasts == [2, 0]
    assert marks[0] == {i: str(step) for i, step in enumerate(PR_STEPS)}
    assert captions[0].startswith("step 0") and "pr-slider-single" in classes[1]


def test_pr_curves_show_steps_follows_new_data_only_at_the_newest_step(in_request: flask.Flask) -> None:
    keys = [ids.step("eval/pr", "alpha")]

    # the slider sat at its end (old max 1): it moves to the newest step; one further back stays put
    at_end = call(pr_curves.show_steps, [1], "v2", [1], keys, triggered=shell_ids.version, prop="data")
    behind = call(pr_curves.show_steps, [0], "v2", [1], keys, triggered=shell_ids.version, prop="data")

    assert at_end[1] == [2] and at_end[0].data[0].meta["step"] == 10
    assert behind[1] == [0] and behind[0].data[0].meta["step"] == 0


@pytest.mark.parametrize(
    "args",
    [(None, "v", None, None), ([0], "v", [2], ["junk"]), ([0, 1], "v", [2], [ids.step("eval/pr", "alpha")])],
)
def test_pr_curves_show_steps_ignores_malformed_inputs(in_request: flask.Flask, args: tuple[Any, ...]) -> None:
    assert call(pr_curves.show_steps, *args, triggered=shell_ids.version, prop="data") == (no_update,) * 6


def test_pr_curves_show_steps_tolerates_a_gone_run_and_bad_positions(in_request: flask.Flask) -> None:
    keys = [ids.step("eval/pr", "ghost"), ids.step("eval/pr", "alpha")]

    figure, values, *_, captions = call(
        pr_curves.show_steps, ["x", None], "v", [None, "y"], keys, triggered=keys[1], prop="value"
    )

    assert [trace.meta["run"] for trace in figure.data] == ["alpha"]
    assert values == [0, 2] and captions[0] == "no data"


def test_pr_curves_empty_state_names_add_pr_curve(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = pr_curves.layout()

    assert "page-empty" in page.className
    codes = find_all(page, lambda c: "add_pr_curve" in str(getattr(c, "children", "")))
    assert codes
