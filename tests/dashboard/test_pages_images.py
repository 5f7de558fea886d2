"""Tests of the Images page: its contract, layout as data, every callback called directly, and the Flask route."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash import dcc, html, no_update
from PIL import Image

from dashboard import blobs, data
from dashboard.components import tag_sections
from dashboard.pages import images
from dashboard.pages.images import ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_media import COLORS, media_logdir, solid  # noqa: F401 - module-scoped fixture

ALL_RUNS = ["alpha", "beta", "only_scalars", "voice"]
SAMPLES = {"group": "samples", "tags": ["samples/digit", "samples/wide"], "open": True}


@pytest.fixture
def app(make_app: Callable[..., dash.Dash], media_logdir: Path) -> dash.Dash:  # noqa: F811
    """An app serving the media logdir."""
    return make_app(logdir=str(media_logdir))


@pytest.fixture
def in_request(app: dash.Dash) -> object:
    """Run the test inside a request of `app`."""
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def sliders(cards: list) -> dict[tuple[str, str, int], dcc.Slider]:
    return {(s.id["run"], s.id["tag"], s.id["index"]): s for s in find_all(cards, lambda c: isinstance(c, dcc.Slider))}


def srcs(cards: list) -> list[str]:
    return [img.src for img in find_all(cards, lambda c: isinstance(c, html.Img))]


def test_images_page_module_follows_the_contract() -> None:
    assert images.__doc__ and images.PATH == "/images" and images.TITLE == "Images"
    public = {name for name in vars(images) if not name.startswith("_")}
    assert {"layout", "render_sections", "render_section", "show_step", "apply_view", "reset_filters",
            "sync_url"} <= public


def test_images_layout_shows_sections_of_image_tags(app: dash.Dash, in_request: object) -> None:
    page = images.layout()
    assert find(page, ids.summary).children == "5 tags in 3 sections"
    assert find(page, tag_sections.ids.state("images", "samples")).data == SAMPLES
    assert find(page, tag_sections.ids.state("images", "batch")).data["tags"] == ["batch/pair"]
    assert find(page, ids.runs).value == ALL_RUNS and page.className == "page page-media page-images"
    assert find(page, ids.brightness).value == 1.0 and find(page, ids.actual).value == []


def test_images_layout_applies_the_query(app: dash.Dash, in_request: object) -> None:
    page = images.layout(run="alpha", tags="digit", brightness="2", contrast="0.5", actual="1")
    assert find(page, ids.summary).children == "1 tag in 1 section"
    assert (find(page, ids.brightness).value, find(page, ids.contrast).value) == (2.0, 0.5)
    assert find(page, ids.actual).value == ["actual"]
    main = find(page, ids.main)
    assert main.style == {"--media-filter": "brightness(2) contrast(0.5)"} and "media-actual" in main.className


def test_images_layout_survives_bad_query_values(app: dash.Dash, in_request: object) -> None:
    page = images.layout(brightness="bright", contrast="-3", actual="2", runs="(", tags="[", run="nobody")
    assert (find(page, ids.brightness).value, find(page, ids.contrast).value) == (1.0, 0.0)
    assert find(page, ids.runs).value == [] and find(page, ids.summary).children == "0 tags"


def test_images_layout_without_images_says_what_to_log(make_app: Callable[..., dash.Dash],
                                                       scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = images.layout()
    texts = [c.children for c in find_all(page, lambda c: isinstance(getattr(c, "children", None), str))]
    assert "No image data was found" in texts and any("writer.add_image(" in text for text in texts)
    assert page.className.endswith("page-empty")


def test_images_render_section_builds_one_card_per_run_tag_and_sample(app: dash.Dash, in_request: object) -> None:
    cards = call(images.render_section, 0, 0, ALL_RUNS, "v", SAMPLES, [], triggered=ids.plotted, prop="data")
    found = sliders(cards)
    assert list(found) == [("alpha", "samples/digit", 0), ("beta", "samples/digit", 0), ("alpha", "samples/wide", 0)]
    digit = found[("alpha", "samples/digit", 0)]
    assert (digit.min, digit.max, digit.value, digit.step, digit.marks) == (0, 2, 2, 1, {0: "0", 1: "10", 2: "20"})
    assert srcs(cards)[0].startswith(f"/_eventscope/blob/images/{blobs.encode_name('alpha')}/"
                                     f"{blobs.encode_name('samples/digit')}/20/0?v=")
    classes = [img.className for img in find_all(cards, lambda c: isinstance(c, html.Img))]
    assert classes == ["media-image pixelated", "media-image pixelated", "media-image"]
    assert "data:" not in json.dumps([card.to_plotly_json() for card in cards], default=str)


def test_images_render_section_shows_every_sample_of_a_batch(app: dash.Dash, in_request: object) -> None:
    state = {"group": "batch", "tags": ["batch/pair"], "open": True}
    cards = call(images.render_section, 0, 0, ["beta"], "v", state, [], triggered=ids.plotted, prop="data")
    assert list(sliders(cards)) == [("beta", "batch/pair", 0), ("beta", "batch/pair", 1)]


def test_images_render_section_leaves_cards_alone_when_only_data_changed(app: dash.Dash, in_request: object) -> None:
    cards = call(images.render_section, 0, 0, ALL_RUNS, "v", SAMPLES, [], triggered=ids.plotted, prop="data")
    shown = [slider.id for slider in sliders(cards).values()]
    assert call(images.render_section, 0, 0, ALL_RUNS, "v2", SAMPLES, shown, triggered="shell-data-version",
                prop="data") is no_update
    rebuilt = call(images.render_section, 0, 0, ALL_RUNS, "v2", SAMPLES, shown[:1], triggered="shell-data-version",
                   prop="data")
    assert len(sliders(rebuilt)) == 3
    assert call(images.render_section, 1, 0, ALL_RUNS, "v", SAMPLES, [], triggered=ids.plotted, prop="data") == []


def test_images_show_step_follows_the_slider_and_the_step_box(app: dash.Dash, in_request: object) -> None:
    card = ids.slider("alpha", "samples/digit", 0)
    moved = call(images.show_step, 0, 20, "v", 2, card, triggered=card, prop="value")
    last, marks, position, slider_class, step, src, alt, img_class, caption, info = moved
    assert (last, position, step, slider_class) == (2, 0, 0, "media-slider")
    assert "/0/0?v=" in src and alt == "samples/digit · alpha · step 0" and caption.startswith("step 0 · ")
    typed = call(images.show_step, 0, 14, "v", 2, card, triggered=ids.step_input("alpha", "samples/digit", 0),
                 prop="value")
    assert (typed[2], typed[4]) == (1, 10) and "/10/0?v=" in typed[5]
    client = app.server.test_client()
    assert Image.open(io.BytesIO(client.get(typed[5]).data)).convert("RGB").getpixel((0, 0)) == COLORS[10]


def test_images_show_step_follows_new_steps_only_from_the_newest(make_app: Callable[..., dash.Dash],
                                                                 tmp_path: Path) -> None:
    from loaders.writer import EventWriter

    writer = EventWriter(str(tmp_path / "logs" / "live"))
    for step in (0, 1):
        writer.add_image("live/img", solid((step * 100, 0, 0)).transpose(1, 2, 0), step)
    writer.flush()
    app = make_app(logdir=str(tmp_path / "logs"))
    card = ids.slider("live", "live/img", 0)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        writer.add_image("live/img", solid((200, 0, 0)).transpose(1, 2, 0), 2)
        writer.flush()
        app.server.config[data.CONFIG_KEY].refresh(force=True)
        at_newest = call(images.show_step, 1, 1, "v2", 1, card, triggered="shell-data-version", prop="data")
        elsewhere = call(images.show_step, 0, 0, "v2", 1, card, triggered="shell-data-version", prop="data")
    writer.close()
    assert (at_newest[0], at_newest[2], at_newest[4]) == (2, 2, 2) and at_newest[1] == {0: "0", 1: "1", 2: "2"}
    assert (elsewhere[0], elsewhere[2], elsewhere[4]) == (2, 0, 0)


def test_images_show_step_of_a_vanished_card_changes_nothing(app: dash.Dash, in_request: object) -> None:
    card = ids.slider("alpha", "no/such", 0)
    assert call(images.show_step, 0, 0, "v", 0, card, triggered=card, prop="value") == (no_update,) * 10


def test_images_apply_view_and_reset(app: dash.Dash, in_request: object) -> None:
    assert images.apply_view(3, 0.5, ["actual"]) == ({"--media-filter": "brightness(3) contrast(0.5)"},
                                                     "main media-main media-actual")
    assert images.apply_view(1, 1, []) == ({"--media-filter": "none"}, "main media-main")
    assert images.reset_filters(1) == (1.0, 1.0) and images.reset_filters(0) == (no_update, no_update)


def test_images_sync_url_encodes_the_view(app: dash.Dash, in_request: object) -> None:
    assert images.sync_url("", "", ALL_RUNS, 1.0, 1.0, []) == ""
    assert images.sync_url("a", "digit", ["alpha"], 2.5, 1.0, ["actual"]) == \
        "?runs=a&tags=digit&brightness=2.5&actual=1&run=alpha"


def test_images_render_sections_rebuilds_only_when_tags_change(app: dash.Dash, in_request: object) -> None:
    states = [{"group": "samples", "tags": ["samples/digit", "samples/wide"], "open": True}]
    assert images.render_sections(["alpha"], "", "v", states, [0]) == (no_update, no_update, no_update)
    content, summary, page_class = images.render_sections(["beta"], "", "v", states, [1])
    assert summary == "4 tags in 3 sections" and page_class == "page page-media page-images"
    assert [section.open for section in content] == [True, True, False]  # batch, formats new; samples was closed


def test_images_page_is_served_through_dash_pages(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert client.get("/images").status_code == 200
    response = route(client, "/images", "?tags=wide")
    body = json.dumps(response.get_json())
    assert response.status_code == 200 and "1 tag in 1 section" in body and "samples/wide" in body
    assert "coming soon" not in body
