"""Tests of the Images page: contract, view, layout as data, its callbacks and the template's for it, the route."""

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
from dashboard.callbacks import Clientside
from dashboard.components import run_picker, tag_sections
from dashboard.components.shell import ids as shell_ids
from dashboard.pages import _grid, images
from dashboard.pages.images import ImageView, ids
from dashboard.pages.registry import REGISTRY
from dashboard.render.media_cards import ids as card_ids
from tests.dashboard.dashtest import call, find, find_all, route
from tests.dashboard.test_data_media import COLORS, media_logdir, solid  # noqa: F401 - module-scoped fixture

PAGE = "images"
ALL_RUNS = ["alpha", "beta", "only_scalars", "voice"]
RUNS = ["alpha", "beta", "gamma"]
SAMPLES = {"group": "samples", "tags": ["samples/digit", "samples/wide"], "open": True}
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


def render_section(clicks: int, state: dict, plotted: list[str], shown: list, *,
                   triggered: object = PLOTTED) -> object:
    """Call the template's section callback for a section of the Images page, as Dash would."""
    body = tag_sections.ids.body(PAGE, state["group"])
    return call(_grid.render_body, clicks, 0, {}, plotted, "v", state, shown, body, triggered=triggered, prop="data")


def sliders(cards: list) -> dict[tuple[str, str, int], dcc.Slider]:
    return {(s.id["run"], s.id["tag"], s.id["index"]): s for s in find_all(cards, lambda c: isinstance(c, dcc.Slider))}


def stores(cards: list) -> list[dcc.Store]:
    return find_all(cards, lambda c: isinstance(c, dcc.Store) and c.id.get("type") == "grid-card")


def srcs(cards: list) -> list[str]:
    return [img.src for img in find_all(cards, lambda c: isinstance(c, html.Img))]


def test_images_page_module_follows_the_contract() -> None:
    assert images.__doc__ and not hasattr(images, "PATH") and not hasattr(images, "TITLE")
    (entry,) = [page for page in REGISTRY if page.module == "dashboard.pages.images"]
    assert (entry.title, entry.path, entry.plugins) == ("Images", "/images", ("images",))
    assert (images.GRID.key, images.GRID.plugin, images.GRID.view) == (PAGE, "images", ImageView)
    public = {name for name in vars(images) if not name.startswith("_")}
    assert {"GRID", "layout", "collect_display", "apply_view", "reset_filters", "show_step"} <= public
    assert "collect_view" not in public  # no control changes a card: nothing feeds the view store


def test_images_collect_display_gathers_the_filter_controls_into_the_display_store() -> None:
    declared = images.collect_display
    assert isinstance(declared, Clientside)
    output, *inputs = declared.args
    assert (output.component_id, output.component_property) == (_grid.ids.display(PAGE), "data")
    assert [(i.component_id, i.component_property) for i in inputs] == [
        (ids.brightness, "value"), (ids.contrast, "value"), (ids.actual, "value")]
    assert '["brightness", "contrast", "actual"]' in declared.function


def test_image_view_parses_the_query_tolerantly_and_round_trips() -> None:
    view = ImageView.from_query({"runs": "a", "tags": "x", "brightness": "2.5", "contrast": "9", "actual": "1",
                                 "hide": "beta"}, RUNS)
    assert view == ImageView("a", "x", ("alpha", "gamma"), 2.5, 5.0, True)
    assert view.to_query(RUNS) == "?runs=a&tags=x&brightness=2.5&contrast=5&actual=1&hide=beta"
    assert ImageView.from_query({"brightness": "NaN", "contrast": "x", "actual": "maybe"}, RUNS) == \
        ImageView(ticked=tuple(RUNS))
    assert ImageView(ticked=tuple(RUNS)).to_query(RUNS) == ""


def test_image_view_from_controls_clamps_multipliers() -> None:
    view = ImageView.from_controls({"brightness": -1, "contrast": "0.25", "actual": ["actual"]}, None, None, ["beta"])
    assert (view.brightness, view.contrast, view.actual_size, view.ticked) == (0.0, 0.25, True, ("beta",))
    assert ImageView.from_controls({"brightness": None, "contrast": None, "actual": None}).brightness == 1.0
    assert ImageView.from_controls("not a dict") == ImageView()
    assert ImageView(brightness=2, actual_size=True).display() == {"brightness": 2, "contrast": 1.0,
                                                                    "actual": ["actual"]}
    assert ImageView().controls() == {}  # the view store stays empty: the filters are display-only


def test_images_view_style_sets_the_filter_variable_and_actual_size_class() -> None:
    assert images.view_style(ImageView()) == {"style": {"--media-filter": "none"}, "className": "main media-main"}
    assert images.view_style(ImageView(brightness=1.5, contrast=0.8, actual_size=True)) == {
        "style": {"--media-filter": "brightness(1.5) contrast(0.8)"}, "className": "main media-main media-actual"}


def test_images_grid_lists_image_tags_with_data_in_the_runs_in_natural_order(app: dash.Dash,
                                                                            in_request: object) -> None:
    source = data.current()
    assert images.GRID.tags_of(source, ["alpha"], "") == ["samples/digit", "samples/wide"]
    assert images.GRID.tags_of(source, ["alpha", "beta"], "pair|jpeg|gif") == ["batch/pair", "formats/gif",
                                                                               "formats/jpeg"]
    assert images.GRID.tags_of(source, ["voice", "only_scalars"], "") == []
    assert images.GRID.has_data(source)


def test_images_layout_shows_sections_of_image_tags(app: dash.Dash, in_request: object) -> None:
    page = images.layout()
    assert find(page, _grid.ids.summary(PAGE)).children == "5 tags in 3 sections"
    assert find(page, tag_sections.ids.state(PAGE, "samples")).data == SAMPLES
    assert find(page, tag_sections.ids.state(PAGE, "batch")).data["tags"] == ["batch/pair"]
    assert find(page, run_picker.ids.runs(PAGE)).value == ALL_RUNS and page.className == "page page-grid page-images"
    assert find(page, ids.brightness).value == 1.0 and find(page, ids.actual).value == []
    assert find(page, _grid.ids.display(PAGE)).data == {"brightness": 1.0, "contrast": 1.0, "actual": []}
    assert find(page, _grid.ids.view(PAGE)).data == {}


def test_images_layout_applies_the_query(app: dash.Dash, in_request: object) -> None:
    page = images.layout(run="alpha", tags="digit", brightness="2", contrast="0.5", actual="1")
    assert find(page, _grid.ids.summary(PAGE)).children == "1 tag in 1 section"
    assert (find(page, ids.brightness).value, find(page, ids.contrast).value) == (2.0, 0.5)
    assert find(page, ids.actual).value == ["actual"]
    main = find(page, _grid.ids.main(PAGE))
    assert main.style == {"--media-filter": "brightness(2) contrast(0.5)"} and "media-actual" in main.className
    assert find(page, _grid.ids.display(PAGE)).data == {"brightness": 2.0, "contrast": 0.5, "actual": ["actual"]}


def test_images_layout_survives_bad_query_values(app: dash.Dash, in_request: object) -> None:
    page = images.layout(brightness="bright", contrast="-3", actual="2", runs="(", tags="[", run="nobody")
    assert (find(page, ids.brightness).value, find(page, ids.contrast).value) == (1.0, 0.0)
    assert find(page, run_picker.ids.runs(PAGE)).value == [] and find(page, _grid.ids.summary(PAGE)).children == \
        "0 tags"


def test_images_layout_without_images_says_what_to_log(make_app: Callable[..., dash.Dash],
                                                       scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        page = images.layout()
    texts = [c.children for c in find_all(page, lambda c: isinstance(getattr(c, "children", None), str))]
    assert "No image data was found" in texts and any("writer.add_image(" in text for text in texts)
    assert page.className == "page page-grid page-images page-empty"


def test_images_render_section_builds_one_card_per_run_tag_and_sample(app: dash.Dash, in_request: object) -> None:
    cards = render_section(0, SAMPLES, ALL_RUNS, [])
    found = sliders(cards)
    assert list(found) == [("alpha", "samples/digit", 0), ("beta", "samples/digit", 0), ("alpha", "samples/wide", 0)]
    digit = found[("alpha", "samples/digit", 0)]
    assert (digit.min, digit.max, digit.value, digit.step, digit.marks) == (0, 2, 2, 1, {0: "0", 1: "10", 2: "20"})
    assert srcs(cards)[0].startswith(f"/_eventscope/blob/images/{blobs.encode_name('alpha')}/"
                                     f"{blobs.encode_name('samples/digit')}/20/0?v=")
    classes = [img.className for img in find_all(cards, lambda c: isinstance(c, html.Img))]
    assert classes == ["media-image pixelated", "media-image pixelated", "media-image"]
    assert "data:" not in json.dumps([card.to_plotly_json() for card in cards], default=str)
    assert [store.data for store in stores(cards)] == [
        {"tag": "samples/digit", "run": "alpha", "index": 0}, {"tag": "samples/digit", "run": "beta", "index": 0},
        {"tag": "samples/wide", "run": "alpha", "index": 0}]
    assert all(store.id["page"] == PAGE for store in stores(cards))
    assert len({store.id["key"] for store in stores(cards)}) == 3


def test_images_render_section_shows_every_sample_of_a_batch(app: dash.Dash, in_request: object) -> None:
    state = {"group": "batch", "tags": ["batch/pair"], "open": True}
    cards = render_section(0, state, ["beta"], [])
    assert list(sliders(cards)) == [("beta", "batch/pair", 0), ("beta", "batch/pair", 1)]


def test_images_render_section_leaves_cards_alone_when_only_data_changed(app: dash.Dash, in_request: object) -> None:
    cards = render_section(0, SAMPLES, ALL_RUNS, [])
    shown = [store.data for store in stores(cards)]
    assert render_section(0, SAMPLES, ALL_RUNS, shown, triggered=shell_ids.version) is no_update
    rebuilt = render_section(0, SAMPLES, ALL_RUNS, shown[:1], triggered=shell_ids.version)
    assert len(sliders(rebuilt)) == 3
    assert len(sliders(render_section(0, SAMPLES, ALL_RUNS, shown, triggered=PLOTTED))) == 3  # not data alone
    other = [{"tag": "formats/gif", "run": "beta", "index": 0}]  # another section's card is not one of these
    assert render_section(0, SAMPLES, ALL_RUNS, shown + other, triggered=shell_ids.version) is no_update
    assert render_section(1, SAMPLES, ALL_RUNS, []) == []


def test_images_show_step_follows_the_slider_and_the_step_box(app: dash.Dash, in_request: object) -> None:
    card = card_ids.slider(PAGE, "alpha", "samples/digit", 0)
    moved = call(images.show_step, 0, 20, "v", 2, card, triggered=card, prop="value")
    last, marks, position, slider_class, step, src, alt, img_class, caption, info = moved
    assert (last, position, step, slider_class) == (2, 0, 0, "media-slider")
    assert "/0/0?v=" in src and alt == "samples/digit · alpha · step 0" and caption.startswith("step 0 · ")
    box = card_ids.step_input(PAGE, "alpha", "samples/digit", 0)
    typed = call(images.show_step, 0, 14, "v", 2, card, triggered=box, prop="value")
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
    card = card_ids.slider(PAGE, "live", "live/img", 0)
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        writer.add_image("live/img", solid((200, 0, 0)).transpose(1, 2, 0), 2)
        writer.flush()
        app.server.config[data.CONFIG_KEY].refresh(force=True)
        at_newest = call(images.show_step, 1, 1, "v2", 1, card, triggered=shell_ids.version, prop="data")
        elsewhere = call(images.show_step, 0, 0, "v2", 1, card, triggered=shell_ids.version, prop="data")
    writer.close()
    assert (at_newest[0], at_newest[2], at_newest[4]) == (2, 2, 2) and at_newest[1] == {0: "0", 1: "1", 2: "2"}
    assert (elsewhere[0], elsewhere[2], elsewhere[4]) == (2, 0, 0)


def test_images_show_step_of_a_vanished_or_forged_card_changes_nothing(app: dash.Dash, in_request: object) -> None:
    card = card_ids.slider(PAGE, "alpha", "no/such", 0)
    assert call(images.show_step, 0, 0, "v", 0, card, triggered=card, prop="value") == (no_update,) * 10
    forged = {**card_ids.slider(PAGE, "alpha", "samples/digit", 0), "index": "0"}
    assert call(images.show_step, 0, 0, "v", 0, forged, triggered=forged, prop="value") == (no_update,) * 10


def test_images_apply_view_and_reset(app: dash.Dash, in_request: object) -> None:
    assert images.apply_view({"brightness": 3, "contrast": 0.5, "actual": ["actual"]}) == (
        {"--media-filter": "brightness(3) contrast(0.5)"}, "main media-main media-actual")
    assert images.apply_view({"brightness": 1, "contrast": 1, "actual": []}) == ({"--media-filter": "none"},
                                                                                 "main media-main")
    assert images.apply_view(None) == ({"--media-filter": "none"}, "main media-main")
    assert images.reset_filters(1) == (1.0, 1.0) and images.reset_filters(0) == (no_update, no_update)


def test_images_sync_query_encodes_the_view(app: dash.Dash, in_request: object) -> None:
    def sync(display: object, run_regex: str, tag_regex: str, ticked: list[str]) -> str:
        return _grid.sync_query({}, display, run_regex, tag_regex, ticked, ALL_RUNS, ROOT)

    assert sync({"brightness": 1.0, "contrast": 1.0, "actual": []}, "", "", ALL_RUNS) == ""
    assert sync({"brightness": 2.5, "contrast": 1.0, "actual": ["actual"]}, "a", "digit", ["alpha"]) == \
        "?runs=a&tags=digit&brightness=2.5&actual=1&run=alpha"


def test_images_sync_query_keeps_the_linked_filters_when_another_control_moves(app: dash.Dash,
                                                                              in_request: object) -> None:
    page = images.layout(brightness="2", actual="1")
    display = find(page, _grid.ids.display(PAGE)).data  # the display store as loaded, before any slider moved
    query = _grid.sync_query(find(page, _grid.ids.view(PAGE)).data, display, "alph", "", ALL_RUNS, ALL_RUNS, ROOT)
    assert query == "?runs=alph&brightness=2&actual=1"


def test_images_render_sections_rebuilds_only_when_tags_change(app: dash.Dash, in_request: object) -> None:
    states = [{"group": "samples", "tags": ["samples/digit", "samples/wide"], "open": True}]
    assert _grid.render_sections(["alpha"], "", "v", states, [0], ROOT) == (no_update, no_update, no_update)
    content, summary, page_class = _grid.render_sections(["beta"], "", "v", states, [1], ROOT)
    assert summary == "4 tags in 3 sections" and page_class == "page page-grid page-images"
    assert [section.open for section in content] == [True, True, False]  # batch, formats new; samples was closed


def test_images_callbacks_are_bound_by_the_app(app: dash.Dash) -> None:
    outputs = " ".join(app.callback_map)
    assert '"page":"images"' in outputs and '"type":"media-slider"' in outputs and "alt" in outputs
    assert '"type":"grid-main"' in outputs


def test_images_page_is_served_through_dash_pages(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert client.get("/images").status_code == 200
    response = route(client, "/images", "?tags=wide")
    body = json.dumps(response.get_json())
    assert response.status_code == 200 and "1 tag in 1 section" in body and "samples/wide" in body
    assert "coming soon" not in body
