"""Tests of dashboard.render.media_cards: card ids, positions, updates and the cards built from a frame."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial

import pandas as pd
import pytest
from dash import MATCH, dcc, html

from dashboard import blobs
from dashboard.render import media_cards
from dashboard.render.media_cards import ids
from tests.dashboard.dashtest import find, find_all


def image_rows(steps: list[int], width: int = 8, height: int = 8, run: str = "alpha",
               tag: str = "t/img") -> pd.DataFrame:
    return pd.DataFrame({"run": run, "tag": tag, "step": steps, "wall_time": [1.7e9 + s for s in steps], "index": 0,
                         "width": width, "height": height, "content_type": "image/png"})


def store_id(key: str) -> dict[str, str]:
    return {"type": "test-card", "key": key}


@pytest.mark.parametrize(("trigger", "position", "typed", "old_last", "expected"), [
    ("slider", 2, 20, 4, 2),        # the slider moved: show that position
    ("slider", 99, 20, 4, 4),       # clamped to the last step
    ("slider", None, None, None, 4),
    ("step", 4, 27, 4, 3),          # typed 27: nearest logged step is 30 (position 3)
    ("step", 1, 24, 4, 2),          # a tie goes to the earlier step (20)
    ("step", 1, None, 4, 1),        # an emptied box keeps the step shown
    ("data", 3, 30, 3, 4),          # was at the newest (old max 3): follow the new newest
    ("data", 1, 10, 3, 1),          # was elsewhere: stay on the same step
    ("data", 1, 30, 3, 3),          # ... found by step, not position
    ("data", None, None, None, 4),
])
def test_choose_position(trigger: str, position: object, typed: object, old_last: object, expected: int) -> None:
    steps = [0, 10, 20, 30, 40]
    assert media_cards.choose_position(steps, trigger, position, typed, old_last) == expected


def test_trigger_of_names_the_input_that_fired() -> None:
    assert media_cards.trigger_of(ids.slider("images", "a", "t", 0)) == "slider"
    assert media_cards.trigger_of(ids.step_input("audio", "a", "t", 0)) == "step"
    assert media_cards.trigger_of("shell-data-version") == "data"


def test_card_update_points_at_the_blob_and_marks_every_step() -> None:
    rows = image_rows(list(range(0, 700, 7)))  # 100 steps: 100 positions, about 10 labelled
    shown = media_cards.card_update("images", rows, 3, partial(blobs.url, "/tb/", "images"))
    assert (shown.position, shown.last, shown.step) == (3, 99, 21)
    assert shown.src == blobs.url("/tb/", "images", "alpha", "t/img", 21, 0, 1.7e9 + 21)
    assert len(shown.marks) == 10 and shown.marks[0] == "0" and shown.marks[99] == "693"
    assert shown.caption.startswith("step 21 · ") and shown.media_class == "media-image pixelated"
    assert shown.slider_class == "media-slider" and shown.alt == "t/img · alpha · step 21"
    assert find_all(shown.info, lambda c: isinstance(c, html.Span))[0].children == "8 × 8 px"
    big = media_cards.card_update("images", image_rows([5], 640, 480), 0, partial(blobs.url, "/", "images"))
    assert big.media_class == "media-image" and big.slider_class == "media-slider media-slider-single"


def test_card_update_asks_the_address_function_for_the_shown_step() -> None:
    asked = []

    def address(run: str, tag: str, step: int, index: int, wall_time: float) -> str:
        asked.append((run, tag, step, index, wall_time))
        return f"/blob/{step}"

    shown = media_cards.card_update("images", image_rows([0, 5, 9]), 1, address)
    assert shown.src == "/blob/5" and asked == [("alpha", "t/img", 5, 0, 1.7e9 + 5)]


def test_card_update_of_audio_describes_the_clip_and_label() -> None:
    rows = pd.DataFrame({"run": "v", "tag": "a", "step": [1, 2], "wall_time": [1.0, 2.0], "index": 1,
                         "sample_rate": 16000.0, "channels": 2, "frames": 24000, "content_type": "audio/wav",
                         "label": ["", "hello *there*"]})
    first, second = (media_cards.card_update("audio", rows, position, partial(blobs.url, "/", "audio"))
                     for position in (0, 1))
    assert [span.children for span in first.info] == ["16000 Hz · 1.5 s · 2 channels"]
    assert [span.children for span in second.info] == ["16000 Hz · 1.5 s · 2 channels", "hello *there*"]
    assert second.src.startswith("/_eventscope/blob/audio/") and "/2/1?v=" in second.src


def test_card_update_values_follow_the_step_outputs() -> None:
    shown = media_cards.card_update("images", image_rows([0, 5]), 0, lambda *parts: "/src")
    image_props = [(o.component_id["type"], o.component_property)
                   for o in media_cards.step_outputs("images", MATCH, MATCH, MATCH)]
    assert image_props == [("media-slider", "max"), ("media-slider", "marks"), ("media-slider", "value"),
                           ("media-slider", "className"), ("media-step-input", "value"), ("media-element", "src"),
                           ("media-element", "alt"), ("media-element", "className"), ("media-caption", "children"),
                           ("media-info", "children")]
    assert shown.values("images") == (1, {0: "0", 1: "5"}, 0, "media-slider", 0, "/src", "t/img · alpha · step 0",
                                      "media-image pixelated", shown.caption, shown.info)
    audio = media_cards.step_outputs("audio", "v", "a", 1)
    assert len(audio) == len(shown.values("audio")) == 8 and "alt" not in {o.component_property for o in audio}
    assert audio[0].component_id == {"type": "media-slider", "page": "audio", "run": "v", "tag": "a", "index": 1}


def test_cards_make_one_card_per_run_tag_and_sample_at_the_newest_step() -> None:
    frame = pd.concat([image_rows([0, 5]), image_rows([0], run="beta"),
                       image_rows([0]).assign(index=1)]).sort_values(["run", "index", "step"], kind="stable")
    built = media_cards.cards("images", frame, {"alpha": "#123456"}, partial(blobs.url, "/", "images"), store_id)
    assert len(built) == 3
    first = find(built[0], ids.slider("images", "alpha", "t/img", 0))
    assert (first.max, first.value, first.marks) == (1, 1, {0: "0", 1: "5"})
    assert find(built[0], ids.step_input("images", "alpha", "t/img", 0)).value == 5
    assert isinstance(find(built[1], ids.media("images", "alpha", "t/img", 1)), html.Img)
    subtitles = [find_all(card, lambda c: getattr(c, "className", "") == "card-subtitle media-run")[0]
                 for card in built]
    assert [[part.children for part in s.children[1:]] for s in subtitles] == [
        ["alpha", "· sample 1 of 2"], ["alpha", "· sample 2 of 2"], ["beta"]]
    assert subtitles[0].children[0].style == {"backgroundColor": "#123456"}
    assert media_cards.card_keys(frame) == {("alpha", "t/img", 0), ("alpha", "t/img", 1), ("beta", "t/img", 0)}
    stores = find_all(built, lambda c: isinstance(c, dcc.Store))
    assert [store.id for store in stores] == [store_id(media_cards.card_key(*key)) for key in
                                              [("alpha", "t/img", 0), ("alpha", "t/img", 1), ("beta", "t/img", 0)]]
    assert media_cards.shown_keys([store.data for store in stores]) == media_cards.card_keys(frame)


def test_cards_of_audio_have_players_and_say_the_page_in_every_id() -> None:
    rows = pd.DataFrame({"run": "v", "tag": "a", "step": [1], "wall_time": [1.0], "index": 0, "sample_rate": 8000.0,
                         "channels": 1, "frames": 8000, "content_type": "audio/wav", "label": ""})
    (card,) = media_cards.cards("audio", rows, {}, partial(blobs.url, "/", "audio"), store_id)
    player = find(card, ids.media("audio", "v", "a", 0))
    assert isinstance(player, html.Audio) and player.controls and card.className == "card media-card media-card-audio"
    assert {c.id["page"] for c in find_all(card, lambda c: isinstance(getattr(c, "id", None), dict)
                                           and c.id.get("type", "").startswith("media-"))} == {"audio"}


def test_shown_keys_leave_out_what_a_client_forged() -> None:
    good = {"tag": "t", "run": "r", "index": 2}
    assert media_cards.shown_keys([good, {"tag": "t", "run": "r", "index": "2"}, {"tag": "t"}, None, "x",
                                   {"tag": "t", "run": "r", "index": True}]) == {("r", "t", 2)}
    assert media_cards.shown_keys(None) == set()


def test_card_key_is_one_unambiguous_text() -> None:
    assert json.loads(media_cards.card_key("a/b", "c", 3)) == ["a/b", "c", 3]
    assert media_cards.card_key("a", "b/c", 0) != media_cards.card_key("a/b", "c", 0)


def test_render_media_cards_imports_neither_data_nor_pages() -> None:
    code = ("import sys, dashboard.render.media_cards; "
            "print([m for m in sys.modules if m.startswith(('dashboard.data', 'dashboard.pages', 'dashboard.blobs', "
            "'loaders'))])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
