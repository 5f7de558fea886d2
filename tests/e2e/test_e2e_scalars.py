"""Browser tests of the Scalars page: the real CLI on a tensorboardX logdir, driven in Debian's chromium."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import Server, Tab, start_cli, stop

pytestmark = pytest.mark.e2e

STEPS = 30
RUNS = ("alpha", "beta", "gamma")
TRACES_JS = """() => Array.from(document.querySelectorAll('.card')).map(card => ({
    tag: card.querySelector('.card-title').textContent,
    traces: card.querySelector('.js-plotly-plot')._fullData.map(t => ({
        run: t.meta.run, role: t.meta.role, x: Array.from(t.x), y: Array.from(t.y)}))}))"""


def loss(run_index: int, step: int) -> float:
    """The loss curve each run logs (noisy, so smoothing visibly changes it)."""
    return 1.0 / (1 + step) + 0.1 * run_index + 0.05 * math.sin(step * 1.7 + run_index)


def tensorboard_ema(values: list[float], weight: float) -> list[float]:
    """TensorBoard's debiased EMA, written out independently of the app's vectorized version."""
    last, count, out = 0.0, 0, []
    for value in values:
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count))
    return out


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any]]:
    """The CLI (reload interval 2 s) on a tensorboardX logdir; alpha's writer stays open for appends."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("e2e")
    writers = {run: SummaryWriter(str(root / "logs" / run), max_queue=1, flush_secs=1) for run in RUNS}
    for index, (run, writer) in enumerate(writers.items()):
        for step in range(STEPS):
            writer.add_scalar("loss", loss(index, step), step)
            writer.add_scalar("train/accuracy", step / STEPS, step)
            if run == "gamma":
                writer.add_scalar("gamma_only/metric", 2.0 * step, step)
        if run != "alpha":
            writer.close()
    writers["alpha"].flush()
    server = start_cli(["--logdir", str(root / "logs"), "--reload-interval", "2", "--cache-dir", str(root / "cache")],
                       root)
    yield server, writers["alpha"]
    writers["alpha"].close()
    stop(server)


def cards(tab: Tab) -> dict[str, list[dict[str, Any]]]:
    """Return tag -> the plotted traces (run, role, x, y) as the browser holds them."""
    return {card["tag"]: card["traces"] for card in tab.page.evaluate(TRACES_JS)}


def smoothed(traces: list[dict[str, Any]], run: str) -> list[float]:
    return next(trace["y"] for trace in traces if trace["run"] == run and trace["role"] == "smoothed")


def open_scalars(tab: Tab, server: Server, query: str = "", *, count: int = 1) -> None:
    """Open /scalars?query and wait until at least `count` charts are drawn (sections load separately)."""
    tab.page.goto(f"{server.url}/scalars{query}")
    tab.page.wait_for_function("n => document.querySelectorAll('.card .js-plotly-plot').length >= n && "
                               "Array.from(document.querySelectorAll('.js-plotly-plot')).every(g => g._fullData)",
                               arg=count)


def assert_one_grid_in_tag_order(tab: Tab, group: str, tags: list[str]) -> None:
    """The section's cards (the first ones from render_section, the rest from render_rest) fill one
    grid in tag order: every row but the last is full, none is left with a hole."""
    boxes = tab.page.evaluate(
        "group => Array.from(document.querySelectorAll('details.section'))"
        ".filter(s => s.querySelector('.section-name').textContent === group)"
        ".flatMap(s => Array.from(s.querySelectorAll('.card')).map(c => { const r = c.getBoundingClientRect();"
        " return [c.querySelector('.card-title').textContent, Math.round(r.y), Math.round(r.x)]; }))", group)
    assert [tag for tag, _, _ in boxes] == tags
    assert sorted(boxes, key=lambda box: (box[1], box[2])) == boxes  # reading order is tag order
    rows = [sum(1 for _, y, _ in boxes if y == top) for top in sorted({y for _, y, _ in boxes})]
    assert len(rows) > 1 and all(count == rows[0] for count in rows[:-1]) and rows[-1] <= rows[0], rows


def wait_smoothing_to_be(tab: Tab, weight: float) -> None:
    tab.page.wait_for_function(f"() => window.location.search.includes('smoothing={weight:g}')")
    tab.page.wait_for_function(
        "expected => { const card = Array.from(document.querySelectorAll('.card'))"
        ".find(c => c.querySelector('.card-title').textContent === 'loss');"
        " const t = card && card.querySelector('.js-plotly-plot')._fullData"
        ".find(t => t.meta.run === 'alpha' && t.meta.role === 'smoothed');"
        " return t && Math.abs(t.y[5] - expected) < 1e-9; }",
        arg=smoothed_alpha_loss(weight)[5], timeout=10_000)


def smoothed_alpha_loss(weight: float) -> list[float]:
    raw = [float(np.float32(loss(0, step))) for step in range(STEPS)]
    return tensorboard_ema(raw, weight) if weight else raw


def test_scalars_page_draws_one_chart_per_tag_and_one_line_per_run(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, count=3)
    plotted = cards(tab)
    assert sorted(plotted) == ["gamma_only/metric", "loss", "train/accuracy"]
    for tag in ("loss", "train/accuracy"):
        lines = {trace["run"] for trace in plotted[tag] if trace["role"] == "smoothed"}
        assert lines == set(RUNS) and len(plotted[tag]) == 2 * len(RUNS)
    assert [trace["run"] for trace in plotted["gamma_only/metric"] if trace["role"] == "smoothed"] == ["gamma"]
    assert tab.page.locator(".section-name").all_inner_texts() == ["gamma_only", "loss", "train"]
    assert tab.page.locator(".nav-link.current").inner_text().lower() == "scalars"
    tab.page.evaluate("() => { const g = Array.from(document.querySelectorAll('.card')).find(c => c.querySelector("
                      "'.card-title').textContent === 'loss').querySelector('.js-plotly-plot');"
                      " Plotly.Fx.hover(g, [{curveNumber: 1, pointNumber: 5}]); }")
    tooltip = tab.page.locator(".hoverlayer .hovertext").first.text_content()
    assert re.fullmatch(r"alphastep 5value [\d.]+smoothed [\d.]+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", tooltip), tooltip
    tab.screenshot("scalars.png")
    tab.assert_clean()


def test_smoothing_box_and_slider_plot_tensorboards_ema(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, count=3)
    assert smoothed(cards(tab)["loss"], "alpha") == pytest.approx(smoothed_alpha_loss(0.6), rel=1e-9)
    box = tab.page.locator(".smoothing-input input, input.smoothing-input").first
    box.fill("0.9")
    box.press("Enter")
    wait_smoothing_to_be(tab, 0.9)
    assert smoothed(cards(tab)["loss"], "alpha") == pytest.approx(smoothed_alpha_loss(0.9), rel=1e-9)
    slider = tab.page.locator(".smoothing-slider [role=slider]").first
    slider.focus()
    tab.page.keyboard.press("End")
    wait_smoothing_to_be(tab, 0.999)
    plotted = cards(tab)["loss"]
    assert smoothed(plotted, "alpha") == pytest.approx(smoothed_alpha_loss(0.999), rel=1e-9)
    expect(box).to_have_value("0.999")
    tab.page.keyboard.press("Home")
    wait_smoothing_to_be(tab, 0)
    assert smoothed(cards(tab)["loss"], "alpha") == pytest.approx(smoothed_alpha_loss(0), rel=1e-9)
    tab.assert_clean()


def test_run_regex_filter_removes_lines(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, count=3)
    tab.page.get_by_placeholder("Filter runs (regex)").fill("^(alpha|beta)$")
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 2 && "
                               "!Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".some(g => g._fullData.some(t => t.meta.run === 'gamma'))")
    plotted = cards(tab)
    assert sorted(plotted) == ["loss", "train/accuracy"]
    assert {trace["run"] for trace in plotted["loss"]} == {"alpha", "beta"}
    tab.page.wait_for_function("() => location.search.includes('runs=%5E%28alpha%7Cbeta%29%24')")
    assert tab.page.locator(".run-picker .run-name").all_inner_texts() == ["alpha", "beta"]
    tab.page.get_by_placeholder("Filter runs (regex)").fill("(")
    tab.page.wait_for_function("() => document.querySelector('.run-picker .field-error').textContent.includes('bad regex')")
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 3")  # a bad regex filters nothing
    tab.screenshot("scalars-run-filter.png")
    tab.assert_clean()


def test_none_then_one_run_and_section_toggles_log_no_console_error(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, count=3)
    tab.page.locator(".run-picker button", has_text="None").click()
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 0")
    tab.page.locator(".run-picker .run-option", has_text="alpha").click()
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 2")
    for _ in range(2):  # close and reopen every section
        for summary in tab.page.locator("summary.section-summary").all():
            summary.click()
        tab.page.wait_for_timeout(300)
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 2")
    tab.page.locator(".run-picker button", has_text="All").click()
    tab.page.wait_for_function("() => document.querySelectorAll('.card').length === 3")
    tab.page.wait_for_timeout(500)
    tab.assert_clean()


def test_zoom_requeries_and_double_click_resets(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, "?tags=%5Eloss")
    graph = "document.querySelector('.js-plotly-plot')"
    tab.page.evaluate(f"() => Plotly.relayout({graph}, {{'xaxis.range': [10.5, 14.5]}})")
    tab.page.wait_for_function(f"() => {graph}._fullData[0].x.length === 6")
    assert cards(tab)["loss"][0]["x"] == [10, 11, 12, 13, 14, 15]
    tab.page.evaluate(f"() => Plotly.relayout({graph}, {{'xaxis.autorange': true, 'yaxis.autorange': true}})")
    tab.page.wait_for_function(f"() => {graph}._fullData[0].x.length === {STEPS}")
    tab.assert_clean()


def test_card_download_csv_has_every_visible_run(live: tuple[Server, Any], tab: Tab, tmp_path: Path) -> None:
    server, _ = live
    open_scalars(tab, server, "?tags=accuracy&hide=beta")
    with tab.page.expect_download() as info:
        tab.page.locator(".card", has_text="train/accuracy").get_by_role("button", name="CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert info.value.suggested_filename == "scalars_train_accuracy.csv"
    assert lines[0] == "run,tag,step,wall_time,value" and len(lines) == 1 + 2 * STEPS
    assert {line.split(",")[0] for line in lines[1:]} == {"alpha", "gamma"}
    tab.assert_clean()


def test_link_reproduces_the_view(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, "?smoothing=0.3&x=relative&runs=beta&logy=1", count=2)
    assert tab.page.locator(".smoothing-input input, input.smoothing-input").first.input_value() == "0.3"
    assert tab.page.get_by_label("Relative", exact=True).is_checked()
    layout = tab.page.evaluate("() => { const g = document.querySelector('.js-plotly-plot');"
                               " return [g._fullLayout.xaxis.title.text, g._fullLayout.yaxis.type]; }")
    assert layout[0].startswith("relative time (") and layout[1] == "log"
    assert {trace["run"] for traces in cards(tab).values() for trace in traces} == {"beta"}
    tab.assert_clean()


def test_appended_points_appear_without_reload(live: tuple[Server, Any], tab: Tab) -> None:
    server, writer = live
    open_scalars(tab, server, "?tags=%5Eloss")
    tab.page.evaluate("() => { window.__not_reloaded = true; }")
    for step in range(STEPS, STEPS + 10):
        writer.add_scalar("loss", loss(0, step), step)
    writer.flush()
    tab.page.wait_for_function(
        "() => { const t = document.querySelector('.js-plotly-plot')._fullData"
        ".find(t => t.meta.run === 'alpha' && t.meta.role === 'raw'); return t && t.x[t.x.length - 1] === 39; }",
        timeout=20_000)
    assert tab.page.evaluate("() => window.__not_reloaded") is True
    assert smoothed(cards(tab)["loss"], "beta")[-1] == pytest.approx(tensorboard_ema(
        [float(np.float32(loss(1, step))) for step in range(STEPS)], 0.6)[-1], rel=1e-9)
    tab.screenshot("scalars-live.png")
    tab.assert_clean()


def test_demo_and_missing_logdir_pages(tab: Tab, tmp_path: Path) -> None:
    demo = start_cli(["--cache-dir", str(tmp_path / "cache"), "--reload-interval", "0"], tmp_path)
    try:
        open_scalars(tab, demo, count=7)
        assert "demo data" in tab.page.locator("#demo-banner").inner_text().lower()
        assert_one_grid_in_tag_order(tab, "val", ["val/accuracy", "val/loss", "val/loss_lower", "val/loss_upper"])
        assert "serving demo data" in demo.stderr()
        tab.screenshot("demo.png")
    finally:
        stop(demo)
    missing = start_cli(["--logdir", str(tmp_path / "nowhere"), "--cache-dir", str(tmp_path / "cache")], tmp_path)
    try:
        tab.page.goto(f"{missing.url}/scalars")
        tab.page.wait_for_selector(".empty-state")
        assert "Logdir not found" in tab.page.locator(".empty-state").inner_text()
        assert "does not exist" in missing.stderr()
        tab.screenshot("missing-logdir.png")
    finally:
        stop(missing)
    tab.assert_clean()


def test_path_prefix_serves_page_assets_and_callbacks(live: tuple[Server, Any], tab: Tab, tmp_path: Path) -> None:
    server, _ = live
    logdir = server.process.args[server.process.args.index("--logdir") + 1]
    prefixed = start_cli(["--logdir", logdir, "--path-prefix", "/tb", "--cache-dir", str(tmp_path / "cache")],
                         tmp_path, probe="/tb/scalars")
    try:
        tab.page.goto(f"{prefixed.url}/tb/scalars?tags=loss")
        tab.page.wait_for_function("() => document.querySelectorAll('.card .js-plotly-plot').length === 1")
        assert tab.page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).backgroundColor") == \
            "rgb(245, 124, 0)"  # eventscope.css came from /tb/assets/
        tab.page.locator(".nav-inactive summary").click()
        tab.page.locator(".nav-inactive-menu a", has_text="PR curves").click()
        tab.page.wait_for_url("**/tb/pr-curves?tags=loss")
        assert "coming soon" in tab.page.locator(".empty-state").inner_text()
    finally:
        stop(prefixed)
    tab.assert_clean()
