"""Tests of the Audio page: its contract, layout as data, its callback and the template's for it, the route."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash import html, no_update

from dashboard import blobs, data
from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, audio
from dashboard.pages._view import View
from dashboard.pages.registry import REGISTRY
from dashboard.render.media_cards import ids as card_ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_media import TONE_RATE, media_logdir  # noqa: F401 - module-scoped fixture

PAGE = "audio"
SPEECH = {"group": "speech", "tags": ["speech/pair", "speech/tone"], "open": True}
ROOT = _grid.ids.root(PAGE)
PLOTTED = run_picker.ids.plotted(PAGE)


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], media_logdir: Path) -> dash.Dash:  # noqa: F811
    """An app serving the media logdir."""
    return make_app(logdir=str(media_logdir))


@pytest.fixture
def in_request(app: dash.Dash) -> object:
    """Run the test inside a request of `app`."""
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def texts(tree: object) -> list[str]:
    return [c.children for c in find_all(tree, lambda c: isinstance(getattr(c, "children", None), str))]


def render_section(state: dict, plotted: list[str], shown: list, *, triggered: object = PLOTTED) -> object:
    """Call the template's section callback for an open section of the Audio page, as Dash would."""
    body = tag_sections.ids.body(PAGE, state["group"])
    return call(_grid.render_body, 0, 0, {}, plotted, "v", state, shown, body, triggered=triggered, prop="data")


def test_audio_page_module_follows_the_contract() -> None:
    assert audio.__doc__ and not hasattr(audio, "PATH") and not hasattr(audio, "TITLE")
    (entry,) = [page for page in REGISTRY if page.module == "dashboard.pages.audio"]
    assert (entry.title, entry.path, entry.plugins) == ("Audio", "/audio", ("audio",))
    assert (audio.GRID.key, audio.GRID.plugin, audio.GRID.view) == (PAGE, "audio", View)
    public = {name for name in vars(audio) if not name.startswith("_")}
    assert {"GRID", "layout", "show_step"} <= public


def test_audio_grid_lists_audio_tags_with_data_in_the_runs(app: dash.Dash, in_request: object) -> None:
    source = data.current()
    assert audio.GRID.tags_of(source, source.runs(), "") == ["speech/pair", "speech/tone"]
    assert audio.GRID.tags_of(source, ["alpha", "only_scalars"], "") == []
    assert audio.GRID.has_data(source)


def test_audio_layout_shows_audio_tags_without_image_controls(app: dash.Dash, in_request: object) -> None:
    page = audio.layout(tags="speech", brightness="2")
    assert find(page, _grid.ids.summary(PAGE)).children == "2 tags in 1 section"
    assert find(page, tag_sections.ids.state(PAGE, "speech")).data == SPEECH
    ids = [str(getattr(c, "id", "")) for c in find_all(page, lambda c: True)]
    assert not [i for i in ids if "brightness" in i or "contrast" in i or "actual" in i]
    assert page.className == "page page-grid page-audio"
    assert find(page, _grid.ids.display(PAGE)).data == {} and find(page, _grid.ids.main(PAGE)).className == "main"


def test_audio_layout_without_audio_says_what_to_log(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = audio.layout()
    assert "No audio data was found" in texts(page) and any("writer.add_audio(" in t for t in texts(page))
    assert page.className == "page page-grid page-audio page-empty"
    assert find(page, _grid.ids.summary(PAGE)).children == ""


def test_audio_layout_of_a_missing_logdir_says_so(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    with app.server.test_request_context("/"):
        page = audio.layout()
        source = data.current()
        assert audio.GRID.tags_of(source, ["voice"], "") == [] and not audio.GRID.has_data(source)
    assert "Logdir not found" in texts(page) and any("does not exist" in t for t in texts(page))


def test_audio_render_section_builds_a_player_per_clip(app: dash.Dash, in_request: object) -> None:
    cards = render_section(SPEECH, ["voice", "alpha"], [])
    players = find_all(cards, lambda c: isinstance(c, html.Audio))
    assert [(p.id["tag"], p.id["index"]) for p in players] == [("speech/pair", 0), ("speech/pair", 1),
                                                                ("speech/tone", 0)]
    assert all(p.controls and p.preload == "metadata" and p.id["page"] == PAGE for p in players)
    assert players[2].src.startswith(f"/_eventscope/blob/audio/{blobs.encode_name('voice')}/"
                                     f"{blobs.encode_name('speech/tone')}/2/0?v=")
    pair_info = find(cards, card_ids.info(PAGE, "voice", "speech/pair", 1))
    assert [span.children for span in pair_info.children] == ["4000 Hz · 0.1 s · 2 channels", "right clip"]
    tone_info = find(cards, card_ids.info(PAGE, "voice", "speech/tone", 0))
    assert [span.children for span in tone_info.children] == [f"{TONE_RATE} Hz · 1 s · 1 channel"]
    single = find(cards, card_ids.slider(PAGE, "voice", "speech/pair", 0))
    assert single.className == "media-slider media-slider-single" and single.max == 0


def test_audio_render_section_leaves_cards_alone_when_only_data_changed(app: dash.Dash, in_request: object) -> None:
    shown = [{"tag": "speech/pair", "run": "voice", "index": 0}, {"tag": "speech/pair", "run": "voice", "index": 1},
             {"tag": "speech/tone", "run": "voice", "index": 0}]
    assert render_section(SPEECH, ["voice"], shown, triggered=shell_ids.version) is no_update
    assert len(find_all(render_section(SPEECH, ["voice"], shown[1:], triggered=shell_ids.version),
                        lambda c: isinstance(c, html.Audio))) == 3


def test_audio_show_step_changes_the_clip_and_caption(app: dash.Dash, in_request: object) -> None:
    card = card_ids.slider(PAGE, "voice", "speech/tone", 0)
    last, marks, position, slider_class, step, src, caption, info = call(audio.show_step, 1, 2, "v", 2, card,
                                                                         triggered=card, prop="value")
    assert (last, marks, position, step) == (2, {0: "0", 1: "1", 2: "2"}, 1, 1)
    assert "/1/0?v=" in src and caption.startswith("step 1 · ")
    response = app.server.test_client().get(src)
    assert response.status_code == 200 and response.mimetype == "audio/wav" and response.data[:4] == b"RIFF"
    typed = call(audio.show_step, 1, -7, "v", 2, card, triggered=card_ids.step_input(PAGE, "voice", "speech/tone", 0),
                 prop="value")
    assert (typed[2], typed[4]) == (0, 0)
    vanished = card_ids.slider(PAGE, "voice", "speech/gone", 0)
    assert call(audio.show_step, 0, 0, "v", 0, vanished, triggered=vanished, prop="value") == (no_update,) * 8


def test_audio_sections_and_url(app: dash.Dash, in_request: object) -> None:
    content, summary, page_class = _grid.render_sections(["voice"], "tone", "v", [], [], ROOT)
    assert summary == "1 tag in 1 section" and page_class == "page page-grid page-audio"
    assert _grid.render_sections(["voice"], "tone", "v", [{"group": "speech", "tags": ["speech/tone"]}], [0],
                                 ROOT) == (no_update, no_update, no_update)
    all_runs = ["alpha", "beta", "only_scalars", "voice"]
    assert _grid.sync_query({}, {}, "", "tone", ["voice"], all_runs, ROOT) == "?tags=tone&run=voice"


def test_audio_page_is_served_through_dash_pages(app: dash.Dash) -> None:
    response = route(app.server.test_client(), "/audio", "?run=voice")
    body = json.dumps(response.get_json())
    assert response.status_code == 200 and "2 tags in 1 section" in body and "coming soon" not in body
