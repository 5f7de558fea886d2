"""Browser tests of the Images and Audio pages: the real CLI on tensorboardX/PyTorch logs, driven in chromium."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

STEPS = (0, 10, 20, 30, 40)
# A distinct colour per step, so the browser's pixels tell which step's image it shows.
COLORS = {0: (230, 25, 75), 10: (60, 180, 75), 20: (0, 130, 200), 30: (245, 130, 48), 40: (145, 30, 180)}
TONE_RATE = 8000

CARD_JS = """card => ({
    caption: card.querySelector('.media-caption').textContent,
    step: card.querySelector('.media-step-input input, input.media-step-input').value,
    src: (card.querySelector('img, audio') || {}).src})"""
PIXEL_JS = """img => { const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight; const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    return Array.from(g.getImageData(1, 1, 1, 1).data.slice(0, 3)); }"""


def chw(color: tuple[int, int, int], size: int = 16) -> np.ndarray:
    return np.broadcast_to(np.array(color, dtype=np.uint8)[:, None, None], (3, size, size)).copy()


def encoded(fmt: str, color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 40), color).save(out, format=fmt)
    return out.getvalue()


def write_logs(root: Path) -> Any:
    """train (tensorboardX, left open): inputs/color at STEPS; eval: inputs/color at 0, 10 plus a JPEG and a GIF;
    voice (PyTorch): speech/tone at steps 0-2, plus two labelled clips (our writer)."""
    from tensorboardX import SummaryWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from loaders.writer import EventWriter

    train = SummaryWriter(str(root / "train"), max_queue=1, flush_secs=1)
    for step in STEPS:
        train.add_image("inputs/color", chw(COLORS[step]), step)
    train.flush()
    with SummaryWriter(str(root / "eval")) as writer:
        for step in STEPS[:2]:
            writer.add_image("inputs/color", chw(COLORS[step]), step)
    with EventWriter(str(root / "eval"), filename_suffix=".own") as writer:
        writer.add_image("formats/jpeg", encoded("JPEG", (250, 200, 0)), 1)
        writer.add_image("formats/gif", encoded("GIF", (0, 160, 160)), 1)
        writer.add_audio("speech/pair", np.zeros((2, 800, 1), np.float32), 4000, 5, labels=["left", "right"])
    with TorchWriter(str(root / "voice")) as writer:
        tone = (0.4 * np.sin(np.linspace(0, 2 * np.pi * 330, TONE_RATE))).astype(np.float32)
        for step in range(3):
            writer.add_audio("speech/tone", tone[None, :], step, sample_rate=TONE_RATE)
    return train


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any]]:
    """The CLI (reload interval 2 s) on the media logs; train's writer stays open for appends."""
    root = tmp_path_factory.mktemp("e2e-media")
    train = write_logs(root / "logs")
    server = start_cli(["--logdir", str(root / "logs"), "--reload-interval", "2", "--cache-dir", str(root / "cache")],
                       root, probe="/images")
    yield server, train
    train.close()
    stop(server)


def card(tab: Tab, tag: str, run: str) -> Any:
    return tab.page.locator(".media-card").filter(has=tab.page.locator(".card-title", has_text=tag)) \
        .filter(has=tab.page.locator(".media-run", has_text=run))


def shown(tab: Tab, tag: str, run: str) -> dict[str, str]:
    return card(tab, tag, run).evaluate(CARD_JS)


def wait_loaded(tab: Tab, tag: str, run: str, step: int) -> list[int]:
    """Wait until the card's image is the one of `step` and decoded; return its pixel colour."""
    img = card(tab, tag, run).locator("img")
    tab.page.wait_for_function("([img, step]) => img.src.includes('/' + step + '/0?v=') && img.complete "
                               "&& img.naturalWidth > 0", arg=[img.element_handle(), step])
    return img.evaluate(PIXEL_JS)


def snap(tab: Tab, name: str) -> None:
    """Save a screenshot scrolled to the top (a focused box scrolls the page, which the sticky bar then hides)."""
    tab.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    tab.screenshot(name)


def open_page(tab: Tab, server: Server, path: str, selector: str, count: int) -> None:
    tab.page.goto(f"{server.url}{path}")
    tab.page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n", arg=[selector, count])


def test_images_cards_and_step_slider(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_page(tab, server, "/images", ".media-card img", 4)
    assert tab.page.locator(".section-name").all_inner_texts() == ["formats", "inputs"]
    assert tab.page.locator(".nav-link.current").inner_text().lower() == "images"
    tab.page.wait_for_function("() => Array.from(document.querySelectorAll('.media-card img'))"
                               ".every(img => img.complete && img.naturalWidth > 0)")  # PNG, JPEG and GIF all decode
    types = tab.page.evaluate("() => Array.from(document.querySelectorAll('.media-card img')).map(i => i.naturalWidth)")
    assert types == [64, 64, 16, 16]
    # tensorboardX's writer thread may hand over the last image after the server's first read;
    # the card then follows the newest step on the next reload (2 s).
    tab.page.wait_for_function("c => c.querySelector('.media-caption').textContent.startsWith('step 40 ')",
                               arg=card(tab, "inputs/color", "train").element_handle())
    assert wait_loaded(tab, "inputs/color", "train", 40) == list(COLORS[40])
    before = shown(tab, "inputs/color", "train")["src"]
    thumb = card(tab, "inputs/color", "train").locator("[role=slider]")
    thumb.focus()
    tab.page.keyboard.press("Home")
    tab.page.wait_for_function("c => c.querySelector('.media-caption').textContent.startsWith('step 0 ')",
                               arg=card(tab, "inputs/color", "train").element_handle())
    assert wait_loaded(tab, "inputs/color", "train", 0) == list(COLORS[0])
    after = shown(tab, "inputs/color", "train")
    assert after["src"] != before and after["step"] == "0"
    tab.page.keyboard.press("ArrowRight")
    assert wait_loaded(tab, "inputs/color", "train", 10) == list(COLORS[10])
    box = card(tab, "inputs/color", "train").locator(".media-step-input input, input.media-step-input")
    box.fill("27")
    box.press("Enter")
    assert wait_loaded(tab, "inputs/color", "train", 30) == list(COLORS[30])
    assert shown(tab, "inputs/color", "train")["caption"].startswith("step 30 · ")
    assert shown(tab, "inputs/color", "eval")["caption"].startswith("step 10 · ")  # other cards keep their step
    snap(tab, "images.png")
    tab.assert_clean()


def test_images_brightness_contrast_and_actual_size(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_page(tab, server, "/images?tags=color&contrast=2", ".media-card img", 2)
    img = tab.page.locator(".media-card img").first
    assert img.evaluate("i => getComputedStyle(i).filter") == "brightness(1) contrast(2)"
    assert img.evaluate("i => getComputedStyle(i).imageRendering") == "pixelated"
    assert img.evaluate("i => i.getBoundingClientRect().width") > 200  # a 16 px image fills its card
    thumb = tab.page.locator(".media-filter-slider [role=slider]").first
    thumb.focus()
    tab.page.keyboard.press("End")
    tab.page.wait_for_function("() => location.search.includes('brightness=5')")
    tab.page.wait_for_function("i => getComputedStyle(i).filter === 'brightness(5) contrast(2)'",
                               arg=img.element_handle())
    tab.page.get_by_text("Show actual image size").click()
    tab.page.wait_for_function("i => i.getBoundingClientRect().width === 16", arg=img.element_handle())
    snap(tab, "images-filters.png")
    tab.page.get_by_role("button", name="Reset brightness and contrast").click()
    tab.page.wait_for_function("i => getComputedStyle(i).filter === 'none'", arg=img.element_handle())
    tab.page.wait_for_function("() => location.search === '?tags=color&actual=1'")
    tab.assert_clean()


def test_audio_players_step_slider_and_clip_details(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_page(tab, server, "/audio", ".media-card audio", 3)
    tab.page.wait_for_function("() => Array.from(document.querySelectorAll('.media-card audio'))"
                               ".every(a => a.readyState >= 1 && a.duration > 0)")
    durations = tab.page.evaluate("() => Array.from(document.querySelectorAll('audio')).map(a => a.duration)")
    assert durations == pytest.approx([0.2, 0.2, 1.0], abs=0.01)
    tone = card(tab, "speech/tone", "voice")
    assert tone.locator(".media-info").inner_text() == f"{TONE_RATE} Hz · 1 s · 1 channel"
    assert card(tab, "speech/pair", "eval").locator(".media-label").all_inner_texts() == ["left", "right"]
    assert shown(tab, "speech/tone", "voice")["caption"].startswith("step 2 · ")
    before = shown(tab, "speech/tone", "voice")["src"]
    tone.locator("[role=slider]").focus()
    tab.page.keyboard.press("ArrowLeft")
    tab.page.wait_for_function("c => c.querySelector('audio').src.includes('/1/0?v=') && "
                               "c.querySelector('audio').readyState >= 1", arg=tone.element_handle())
    after = shown(tab, "speech/tone", "voice")
    assert after["src"] != before and after["caption"].startswith("step 1 · ") and after["step"] == "1"
    snap(tab, "audio.png")
    tab.assert_clean()


def test_new_image_steps_appear_without_reload(live: tuple[Server, Any], tab: Tab) -> None:
    server, train = live
    open_page(tab, server, "/images?run=train", ".media-card img", 1)
    tab.page.evaluate("() => { window.__not_reloaded = true; }")
    train.add_image("inputs/color", chw((255, 255, 255)), 50)
    train.flush()
    tab.page.wait_for_function("() => document.querySelector('.media-caption').textContent.startsWith('step 50 ')",
                               timeout=20_000)
    assert wait_loaded(tab, "inputs/color", "train", 50) == [255, 255, 255]
    assert tab.page.evaluate("() => window.__not_reloaded") is True
    snap(tab, "images-live.png")
    tab.assert_clean()


def test_media_under_a_path_prefix(live: tuple[Server, Any], tab: Tab, tmp_path: Path) -> None:
    server, _ = live
    logdir = server.process.args[server.process.args.index("--logdir") + 1]
    prefixed = start_cli(["--logdir", logdir, "--path-prefix", "/tb", "--cache-dir", str(tmp_path / "cache")],
                         tmp_path, probe="/tb/images")
    try:
        open_page(tab, prefixed, "/tb/images?tags=formats", ".media-card img", 2)
        tab.page.wait_for_function("() => Array.from(document.querySelectorAll('.media-card img'))"
                                   ".every(i => i.src.includes('/tb/_eventscope/blob/') && i.naturalWidth === 64)")
    finally:
        stop(prefixed)
    tab.assert_clean()
