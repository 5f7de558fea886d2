"""Tests of the Text page: its spec on the grid template, layout as data, every callback called directly, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import flask
import pytest
from dash import dcc, html, no_update

from dashboard import data
from dashboard.components import run_picker, tag_sections
from dashboard.pages import _grid, text
from dashboard.pages.text import ids
from dashboard.pages.text.view import LOG_HINT
from dashboard.render.text_cards import card_key
from dashboard.render.text_cards import ids as card_ids
from dashboard.settings import Settings
from tests.dashboard.dashtest import call, dash_post, find, find_all, route
from tests.dashboard.test_data_text import NOTES, write_text_logdir

RUNS = ["alpha", "beta", "gamma"]
XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
NOTES_STATE = {"group": "notes", "tags": [NOTES], "open": True}
ROOT = _grid.ids.root("text")


@pytest.fixture
def text_app(make_app: Callable[..., dash.Dash], logdir: Path) -> dash.Dash:
    """An app over write_text_logdir (alpha: 25 notes + a 2x2 table; beta: 3 notes; gamma: scalars)."""
    return make_app(logdir=str(write_text_logdir(logdir)))


@pytest.fixture
def in_text(text_app: dash.Dash) -> Iterator[flask.Flask]:
    """Run the test inside a request of text_app, as callbacks and layouts are."""
    with text_app.server.test_request_context("/_dash-update-component", method="POST"):
        yield text_app.server


def _cards(children: Any) -> list[Any]:
    return find_all(children, lambda c: "text-card" in (getattr(c, "className", "") or "").split())


def _steps(card: Any) -> list[int]:
    return [int(getattr(block, "data-step")) for block in find_all(card, lambda c: isinstance(c, html.Article))]


def _store(card: Any) -> Any:
    (store,) = find_all(card, lambda c: isinstance(c, dcc.Store))
    return store


def _state(card: Any) -> dict[str, Any]:
    return _store(card).data


def _strings(tree: Any) -> list[str]:
    return [c.children for c in find_all(tree, lambda c: isinstance(getattr(c, "children", None), str))]


def _notes(tag: str) -> dict[str, Any]:
    return {"group": tag.split("/")[0], "tags": [tag], "open": True}


def _section(clicks: int = 0, page: int = 0, switches: list[str] | None = None, plotted: list[str] | None = None,
             version: str = "v", state: dict[str, Any] | None = None, drawn: list[Any] | None = None,
             triggered: Any = None) -> Any:
    """Fire the template's section callback for a Text section, as the renderer does."""
    state = state or NOTES_STATE
    view = {"toggles": ["markdown"] if switches is None else switches}
    body = tag_sections.ids.body("text", state["group"])
    return call(_grid.render_body, clicks, page, view, RUNS if plotted is None else plotted, version, state,
                drawn or [], body, triggered=triggered or _grid.ids.view("text"), prop="data")


def test_page_module_follows_the_contract() -> None:
    assert text.__doc__ and not hasattr(text, "PATH") and not hasattr(text, "TITLE")  # titles live in the registry
    public = {name for name in vars(text) if not name.startswith("_")}
    assert {"GRID", "layout", "collect_view", "turn_page", "cards", "ids"} <= public
    assert text.GRID.key == "text" and text.GRID.plugin == "text" and text.GRID.cards is text.cards


def test_app_installs_the_text_grid(text_app: dash.Dash, in_text: object) -> None:
    assert _grid.spec("text") is text.GRID


def test_grid_lists_tags_with_text_in_the_runs(text_app: dash.Dash, in_text: object) -> None:
    source = data.current()
    assert text.GRID.has_data(source)
    assert text.GRID.tags_of(source, RUNS, "") == [NOTES, "tables/t2"]
    assert text.GRID.tags_of(source, ["beta"], None) == [NOTES]
    assert text.GRID.tags_of(source, ["gamma"], "") == []
    assert text.GRID.tags_of(source, ["alpha"], "TABLE") == ["tables/t2"]  # case-insensitive, like TensorBoard


def test_grid_of_a_missing_logdir_has_no_text(tmp_path: Path) -> None:
    source = data.DataSource(Settings(logdir=str(tmp_path / "nope"), cache_dir=str(tmp_path / "cache"),
                                      reload_interval=0))
    assert not text.GRID.has_data(source) and text.GRID.tags_of(source, ["alpha"], "") == []


def test_layout_shows_sections_for_text_tags(text_app: dash.Dash, in_text: object) -> None:
    page = text.layout()
    assert find(page, _grid.ids.summary("text")).children == "2 tags in 2 sections"
    assert find(page, tag_sections.ids.state("text", "notes")).data == NOTES_STATE
    assert find(page, tag_sections.ids.state("text", "tables")).data["tags"] == ["tables/t2"]
    assert find(page, ids.toggles).value == ["markdown"] and find(page, run_picker.ids.runs("text")).value == RUNS
    assert find(page, _grid.ids.view("text")).data == {"toggles": ["markdown"]}
    assert page.className == "page page-grid page-text"


def test_layout_reads_the_view_from_the_query(text_app: dash.Dash, in_text: object) -> None:
    page = text.layout(markdown="0", run="beta", tags="note")
    assert find(page, ids.toggles).value == [] and find(page, run_picker.ids.runs("text")).value == ["beta"]
    assert find(page, run_picker.ids.tag_regex("text")).value == "note"
    assert find(page, _grid.ids.summary("text")).children == "1 tag in 1 section"
    assert find(page, _grid.ids.view("text")).data == {"toggles": []}


def test_layout_survives_bad_query_values(text_app: dash.Dash, in_text: object) -> None:
    page = text.layout(markdown="maybe", runs="(", tags="[", run="nobody", extra="x")
    assert find(page, ids.toggles).value == ["markdown"] and find(page, run_picker.ids.runs("text")).value == []
    assert find(page, _grid.ids.summary("text")).children == "0 tags"


def test_layout_without_text_says_what_to_log(app: dash.Dash, in_request: object) -> None:
    page = text.layout()  # `app` serves the scalars-only logdir of conftest
    strings = _strings(page)
    assert "No text data was found" in strings and LOG_HINT in strings
    assert page.className == "page page-grid page-text page-empty"


def test_layout_of_missing_logdir_says_what_to_do(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    with app.server.test_request_context("/"):
        page = text.layout()
    assert "Logdir not found" in _strings(page) and page.className.endswith("page-empty")


def test_render_sections_rebuilds_only_when_tags_change(text_app: dash.Dash, in_text: object) -> None:
    states = [NOTES_STATE, {"group": "tables", "tags": ["tables/t2"], "open": True}]
    assert _grid.render_sections(RUNS, "", "v", states, [0, 0], ROOT) == (no_update, no_update, no_update)
    children, summary, page_class = _grid.render_sections(["beta"], "", "v", states, [0, 0], ROOT)
    assert summary == "1 tag in 1 section" and page_class == "page page-grid page-text"
    assert [section.children[1].data for section in children] == [NOTES_STATE]
    _, summary, _ = _grid.render_sections(RUNS, "[", "v", states[:1], [0], ROOT)  # a bad filter filters nothing
    assert summary == "2 tags in 2 sections"


def test_render_sections_without_a_tag_left_says_what_to_do(text_app: dash.Dash, in_text: object) -> None:
    children, summary, _ = _grid.render_sections(["gamma"], "", "v", [NOTES_STATE], [0], ROOT)
    assert summary == "0 tags" and text.GRID.no_match in _strings(children)
    assert text.GRID.no_match.startswith("No text tag has data in the selected runs")


def test_render_section_draws_one_card_per_run_newest_first(text_app: dash.Dash, in_text: object) -> None:
    cards = _cards(_section())
    assert [getattr(card, "data-run") for card in cards] == ["alpha", "beta"]
    alpha, beta = cards
    assert _steps(alpha) == list(range(24, 14, -1)) and _steps(beta) == [9, 7, 5]
    assert "alpha note 24" in [m.children for m in find_all(alpha, lambda c: isinstance(c, dcc.Markdown))]
    alpha_key, beta_key = card_key("alpha", NOTES), card_key("beta", NOTES)
    assert find(alpha, card_ids.position(alpha_key)).children == "Page 1 of 3 · steps 24–15"
    assert find(beta, card_ids.position(beta_key)).children == "Page 1 of 1 · steps 9–5"
    assert find(alpha, card_ids.pager_button("older", alpha_key)).disabled is False
    assert find(alpha, card_ids.pager_button("newer", alpha_key)).disabled is True
    pagers = [find_all(card, lambda c: getattr(c, "className", None) == "text-pager")[0] for card in cards]
    assert [pager.style for pager in pagers] == [None, {"display": "none"}]  # one page: no pager
    assert _store(alpha).id == _grid.ids.card("text", alpha_key)
    assert _state(alpha) == {"run": "alpha", "tag": NOTES, "page": 0, "count": 25, "last_step": 24, "markdown": True}
    assert "25 steps" in " ".join(_strings(alpha))


def test_render_section_draws_string_tensors_as_tables(text_app: dash.Dash, in_text: object) -> None:
    state = {"group": "tables", "tags": ["tables/t2"], "open": True}
    (card,) = _cards(_section(state=state))
    (table,) = find_all(card, lambda c: isinstance(c, html.Table))
    cells = [[cell.children[0].children for cell in row.children] for row in table.children.children]
    assert cells == [["a", "b"], ["c", "d"]]  # Markdown cells, like TensorBoard


def test_render_section_keeps_unchanged_cards_and_their_pages(text_app: dash.Dash, in_text: object) -> None:
    drawn = [_state(card) for card in _cards(_section())]
    other = _state(_cards(_section(state={"group": "tables", "tags": ["tables/t2"], "open": True}))[0])
    assert _section(drawn=[*drawn, other]) is no_update  # e.g. only scalars were appended: nothing to redraw
    assert _section(drawn=drawn, triggered="shell-data-version") is no_update  # a live reload alone
    drawn[0] = {**drawn[0], "page": 2, "count": 24}  # alpha on its oldest page, drawn before step 24 came
    alpha, _ = _cards(_section(drawn=drawn))
    assert _steps(alpha) == [4, 3, 2, 1, 0] and _state(alpha)["page"] == 2
    assert _cards(_section(switches=[], drawn=drawn))  # the raw/Markdown switch redraws
    assert _cards(_section(drawn=drawn[:1]))  # beta's card is not on screen (yet): redraw


def test_render_section_clamps_a_stored_page_that_is_gone_or_garbled(text_app: dash.Dash, in_text: object) -> None:
    drawn = [{**_state(card), "page": page, "count": 0} for card, page in zip(_cards(_section()), (99, "x"))]
    alpha, beta = _cards(_section(drawn=drawn))
    assert _state(alpha)["page"] == 2 and _steps(alpha) == [4, 3, 2, 1, 0]
    assert _state(beta)["page"] == 0 and _steps(beta) == [9, 7, 5]


def test_render_section_raw_switch_shows_text_as_logged(text_app: dash.Dash, in_text: object) -> None:
    alpha, _ = _cards(_section(switches=[]))
    assert not find_all(alpha, lambda c: isinstance(c, dcc.Markdown))
    assert [pre.children for pre in find_all(alpha, lambda c: isinstance(c, html.Pre))][:2] == \
        ["alpha note 24", "alpha note 23"]
    assert _state(alpha)["markdown"] is False


def test_render_section_keeps_html_in_summaries_inert(text_app: dash.Dash, logdir: Path) -> None:
    from loaders.writer import EventWriter

    with EventWriter(str(logdir / "evil")) as writer:
        writer.add_text("xss/text", XSS + "\n\n[link](javascript:alert(1))", 0)
        writer.add_text("xss/table", [[XSS, "b"]], 0)
    text_app.server.config["EVENTSCOPE_DATA"].refresh(force=True)
    state = {"group": "xss", "tags": ["xss/table", "xss/text"], "open": True}
    with text_app.server.test_request_context("/"):
        rendered = _section(plotted=["evil"], state=state)
        raw = _section(plotted=["evil"], state=state, switches=[])
    markdown = find_all(rendered, lambda c: isinstance(c, dcc.Markdown))
    assert len(markdown) == 3 and all(m.dangerously_allow_html is False for m in markdown)
    # Raw HTML is shown as text by the renderer; the javascript: URL is dropped before it (render.text).
    assert markdown[-1].children == XSS + "\n\n[link]()"
    dangerous = (html.Script, html.Img, html.Iframe, html.Embed)
    assert not find_all([rendered, raw], lambda c: isinstance(c, dangerous))
    assert XSS in [c.children for c in find_all(raw, lambda c: isinstance(c, (html.Pre, html.Td)))]


def test_render_section_closed_or_without_runs_builds_nothing(text_app: dash.Dash, in_text: object) -> None:
    assert _section(clicks=1) == []
    assert _section(plotted=["gamma"]) == []


def test_render_section_shows_steps_appended_since(text_app: dash.Dash, logdir: Path) -> None:
    from loaders.writer import EventWriter

    source = text_app.server.config["EVENTSCOPE_DATA"]
    with EventWriter(str(logdir / "delta")) as writer:  # one file that grows, as in training
        writer.add_text("notes", "delta note 0", 0)
        writer.flush()
        source.refresh(force=True)
        with text_app.server.test_request_context("/"):
            drawn = [_state(card) for card in _cards(_section(plotted=["delta"], state=_notes("notes")))]
            writer.add_text("notes", "delta note 1", 1)
            writer.flush()
            source.refresh(force=True)
            (delta,) = _cards(_section(plotted=["delta"], version="v2", state=_notes("notes"), drawn=drawn,
                                       triggered="shell-data-version"))
    assert [state["count"] for state in drawn] == [1]
    assert _steps(delta) == [1, 0] and _state(delta)["count"] == 2


def _press(action: str, current: Any, run: str = "alpha") -> tuple[Any, ...]:
    clicks = [1 if name == action else 0 for name in ("newest", "newer", "older", "oldest")]
    return call(text.turn_page, *clicks, current, triggered=card_ids.pager_button(action, card_key(run, NOTES)))


def test_turn_page_walks_older_and_newer(text_app: dash.Dash, in_text: object) -> None:
    state = {"run": "alpha", "tag": NOTES, "page": 0, "count": 25, "last_step": 24, "markdown": True}
    stored, steps, position, *disabled = _press("older", state)
    assert stored == {**state, "page": 1} and position == "Page 2 of 3 · steps 14–5"
    assert [int(getattr(block, "data-step")) for block in steps] == list(range(14, 4, -1))
    assert disabled == [False, False, False, False]
    stored, steps, position, *disabled = _press("oldest", stored)
    assert stored["page"] == 2 and position == "Page 3 of 3 · steps 4–0" and disabled == [False, False, True, True]
    assert _press("older", stored)[2] == "Page 3 of 3 · steps 4–0"  # already the oldest: stays
    assert _press("newer", stored)[0]["page"] == 1
    stored, _, position, *disabled = _press("newest", stored)
    assert stored["page"] == 0 and position == "Page 1 of 3 · steps 24–15" and disabled == [True, True, False, False]


def test_turn_page_of_a_vanished_or_garbled_card_changes_nothing(text_app: dash.Dash, in_text: object) -> None:
    state = {"run": "gamma", "tag": NOTES, "page": 0, "count": 1, "last_step": 0, "markdown": True}
    assert _press("older", state, "gamma") == (no_update,) * 7
    assert _press("older", None) == (no_update,) * 7
    assert _press("older", {"run": ["alpha"], "tag": NOTES}) == (no_update,) * 7


def test_sync_query_writes_only_what_differs_from_default(text_app: dash.Dash, in_text: object) -> None:
    assert _grid.sync_query({"toggles": ["markdown"]}, {}, "", "", RUNS, RUNS, ROOT) == ""
    assert _grid.sync_query({"toggles": []}, {}, "a", "notes", ["alpha"], RUNS, ROOT) == \
        "?runs=a&tags=notes&markdown=0&run=alpha"


def test_router_serves_the_text_page(text_app: dash.Dash) -> None:
    response = route(text_app.server.test_client(), "/text", "?markdown=0&tags=[")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and '"type":"grid-sections","page":"text"' in body.replace(" ", "")
    assert "Traceback" not in body


def test_callback_request_renders_a_section_over_http(text_app: dash.Dash) -> None:
    client = text_app.server.test_client()
    output = next(item["output"] for item in client.get("/_dash-dependencies").json
                  if "tag-section-body" in item["output"])
    section = {"group": "notes", "page": "text"}
    inputs = [
        {"id": {**section, "type": "tag-section-summary"}, "property": "n_clicks", "value": 0},
        {"id": {**section, "type": "tag-section-pager"}, "property": "value", "value": 0},
        {"id": _grid.ids.view("text"), "property": "data", "value": {"toggles": ["markdown"]}},
        {"id": run_picker.ids.plotted("text"), "property": "data", "value": ["beta"]},
        {"id": "shell-data-version", "property": "data", "value": "v"},
    ]
    state = [{"id": {**section, "type": "tag-section-state"}, "property": "data", "value": NOTES_STATE},
             [{"id": _grid.ids.card("text", card_key("alpha", NOTES)), "property": "data",
               "value": {"run": "alpha", "tag": NOTES, "page": 1}}],
             {"id": {**section, "type": "tag-section-body"}, "property": "id",
              "value": {**section, "type": "tag-section-body"}}]
    body = {"id": {**section, "type": "tag-section-body"}, "property": "children"}
    response = dash_post(client, output, body, inputs, state)
    content = json.loads(response.get_data(as_text=True))["response"]
    cards = json.dumps(content)
    assert response.status_code == 200 and cards.count('"type": "grid-card"') == 1
    assert "beta note 9" in cards and "alpha note" not in cards


def test_callback_request_turns_a_cards_page_over_http(text_app: dash.Dash) -> None:
    client = text_app.server.test_client()
    output = next(item["output"] for item in client.get("/_dash-dependencies").json
                  if "text-card-steps" in item["output"])
    key = card_key("alpha", NOTES)
    inputs = [{"id": card_ids.pager_button(action, key), "property": "n_clicks", "value": int(action == "older")}
              for action in ("newest", "newer", "older", "oldest")]
    stored = {"run": "alpha", "tag": NOTES, "page": 0, "count": 25, "last_step": 24, "markdown": True}
    state = [{"id": _grid.ids.card("text", key), "property": "data", "value": stored}]
    outputs = [{"id": _grid.ids.card("text", key), "property": "data"},
               {"id": card_ids.steps(key), "property": "children"},
               {"id": card_ids.position(key), "property": "children"},
               *({"id": card_ids.pager_button(action, key), "property": "disabled"}
                 for action in ("newest", "newer", "older", "oldest"))]
    older = json.dumps(card_ids.pager_button("older", key), sort_keys=True, separators=(",", ":"))
    response = client.post("/_dash-update-component", json={
        "output": output, "outputs": outputs, "inputs": inputs, "state": state,
        "changedPropIds": [f"{older}.n_clicks"]})  # the renderer names only the button pressed
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    content = json.loads(response.get_data(as_text=True))["response"]
    by_id = [(json.loads(component), value) for component, value in content.items()]
    position = next(value["children"] for component, value in by_id if component == card_ids.position(key))
    stored = next(value["data"] for component, value in by_id if component == _grid.ids.card("text", key))
    assert position == "Page 2 of 3 · steps 14–5" and stored["page"] == 1
