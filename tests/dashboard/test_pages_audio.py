"""Tests of the Audio page: its contract, layout as data, its callbacks called directly, and the Flask route."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash import html, no_update

from dashboard import blobs
from dashboard.components import tag_sections
from dashboard.pages import audio
from dashboard.pages.audio import ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_media import TONE_RATE, media_logdir  # noqa: F401 - module-scoped fixture

SPEECH = {"group": "speech", "tags": ["speech/pair", "speech/tone"], "open": True}


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


def test_audio_page_module_follows_the_contract() -> None:
    assert audio.__doc__ and audio.PATH == "/audio" and audio.TITLE == "Audio"
    public = {name for name in vars(audio) if not name.startswith("_")}
    assert {"layout", "render_sections", "render_section", "show_step", "sync_url"} <= public


def test_audio_layout_shows_audio_tags_without_image_controls(app: dash.Dash, in_request: object) -> None:
    page = audio.layout(tags="speech")
    assert find(page, ids.summary).children == "2 tags in 1 section"
    assert find(page, tag_sections.ids.state("audio", "speech")).data == SPEECH
    assert find(page, ids.brightness) is None and find(page, ids.actual) is None
    assert page.className == "page page-media page-audio"


def test_audio_layout_without_audio_says_what_to_log(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = audio.layout()
    assert "No audio data was found" in texts(page) and any("writer.add_audio(" in t for t in texts(page))
    assert page.className.endswith("page-empty")


def test_audio_layout_of_a_missing_logdir_says_so(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    app = make_app(logdir=str(tmp_path / "nope"))
    with app.server.test_request_context("/"):
        page = audio.layout()
    assert "Logdir not found" in texts(page) and any("does not exist" in t for t in texts(page))


def test_audio_render_section_builds_a_player_per_clip(app: dash.Dash, in_request: object) -> None:
    cards = call(audio.render_section, 0, 0, ["voice", "alpha"], "v", SPEECH, [], triggered=ids.plotted, prop="data")
    players = find_all(cards, lambda c: isinstance(c, html.Audio))
    assert [(p.id["tag"], p.id["index"]) for p in players] == [("speech/pair", 0), ("speech/pair", 1),
                                                                ("speech/tone", 0)]
    assert all(p.controls and p.preload == "metadata" for p in players)
    assert players[2].src.startswith(f"/_eventscope/blob/audio/{blobs.encode_name('voice')}/"
                                     f"{blobs.encode_name('speech/tone')}/2/0?v=")
    pair_info = find(cards, ids.info("voice", "speech/pair", 1))
    assert [span.children for span in pair_info.children] == ["4000 Hz · 0.1 s · 2 channels", "right clip"]
    tone_info = find(cards, ids.info("voice", "speech/tone", 0))
    assert [span.children for span in tone_info.children] == [f"{TONE_RATE} Hz · 1 s · 1 channel"]
    single = find(cards, ids.slider("voice", "speech/pair", 0))
    assert single.className == "media-slider media-slider-single" and single.max == 0


def test_audio_show_step_changes_the_clip_and_caption(app: dash.Dash, in_request: object) -> None:
    card = ids.slider("voice", "speech/tone", 0)
    last, marks, position, slider_class, step, src, caption, info = call(audio.show_step, 1, 2, "v", 2, card,
                                                                         triggered=card, prop="value")
    assert (last, marks, position, step) == (2, {0: "0", 1: "1", 2: "2"}, 1, 1)
    assert "/1/0?v=" in src and caption.startswith("step 1 · ")
    response = app.server.test_client().get(src)
    assert response.status_code == 200 and response.mimetype == "audio/wav" and response.data[:4] == b"RIFF"
    typed = call(audio.show_step, 1, -7, "v", 2, card, triggered=ids.step_input("voice", "speech/tone", 0),
                 prop="value")
    assert (typed[2], typed[4]) == (0, 0)
    vanished = ids.slider("voice", "speech/gone", 0)
    assert call(audio.show_step, 0, 0, "v", 0, vanished, triggered=vanished, prop="value") == (no_update,) * 8


def test_audio_sections_and_url(app: dash.Dash, in_request: object) -> None:
    content, summary, page_class = audio.render_sections(["voice"], "tone", "v", [], [])
    assert summary == "1 tag in 1 section" and page_class == "page page-media page-audio"
    assert audio.render_sections(["voice"], "tone", "v", [{"group": "speech", "tags": ["speech/tone"]}], [0]) == \
        (no_update, no_update, no_update)
    assert audio.sync_url("", "tone", ["voice"]) == "?tags=tone&run=voice"


def test_audio_page_is_served_through_dash_pages(app: dash.Dash) -> None:
    response = route(app.server.test_client(), "/audio", "?run=voice")
    body = json.dumps(response.get_json())
    assert response.status_code == 200 and "2 tags in 1 section" in body and "coming soon" not in body
