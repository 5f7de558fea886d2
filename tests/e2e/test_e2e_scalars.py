"""Browser tests of the Scalars page: the real CLI on a tensorboardX logdir, driven in Debian's chromium."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
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
    with tab.page.expect_download() as info:
        tab.page.locator(".card", has_text="train/accuracy").get_by_role("button", name="TB JSON").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    points = json.loads(path.read_text())  # TensorBoard's {run: [[wall_time, step, value], ...]}
    assert info.value.suggested_filename == "scalars_train_accuracy.tensorboard.json" and sorted(points) == ["alpha", "gamma"]
    assert [step for _, step, _ in points["gamma"]] == list(range(STEPS))
    assert [value for _, _, value in points["gamma"]] == [float(np.float32(step / STEPS)) for step in range(STEPS)]
    tab.assert_clean()


def test_link_reproduces_the_view(live: tuple[Server, Any], tab: Tab) -> None:
    server, _ = live
    open_scalars(tab, server, "?smoothing=0.3&x=relative&runs=beta&logy=1", count=2)
    assert tab.page.locator(".smoothing-input input, input.smoothing-input").first.input_value() == "0.3"
    assert tab.page.get_by_label("Relative", exact=True).is_checked()
    layout = tab.page.evaluate("() => { const g = document.querySelector('.js-plotly-plot');"
                               " return [g._fullLayout.xaxis.title.text, g._fullLayout.yaxis.type]; }")
    assert layout == ["relative time (s)", "log"]  # points logged seconds apart: a seconds axis, not "100µ" hours
    assert tab.page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.xaxis.ticksuffix") == " s"
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
        expect(tab.page.locator(".empty-state")).to_contain_text("No PR curve data was found")  # a live page now
    finally:
        tab.page.wait_for_load_state("networkidle")  # no callback of this page in flight when its server stops
        stop(prefixed)
    tab.assert_clean()


TOOLTIP_ROWS_JS = """() => Array.from(document.querySelectorAll('.scalars-tooltip tbody tr')).map(
    tr => Array.from(tr.querySelectorAll('td')).slice(1).map(td => td.textContent))"""


def wait_tooltip_bound(tab: Tab) -> None:
    """Wait until assets/scalars.js has attached its tooltip to every chart on the page."""
    tab.page.wait_for_function("() => { const g = Array.from(document.querySelectorAll('.card-graph .js-plotly-plot'));"
                               " return g.length > 0 && g.every(x => x.__esTooltip); }")


def hover_chart(tab: Tab, title: str, x_fraction: float, y_fraction: float = 0.5) -> None:
    """Move the mouse over a card's plot area at these fractions of its width and height."""
    wait_tooltip_bound(tab)
    box = tab.page.locator(".card", has_text=title).locator(".nsewdrag").first.bounding_box()
    assert box is not None
    tab.page.mouse.move(box["x"] + box["width"] * x_fraction, box["y"] + box["height"] * y_fraction)


def hover_until_tooltip(tab: Tab, title: str, x_fraction: float) -> None:
    """Hover a chart until its tooltip table shows (a redraw that lands meanwhile hides the tooltip: hover again)."""
    for attempt in range(5):
        tab.page.mouse.move(5, 5)
        hover_chart(tab, title, x_fraction)
        try:
            tab.page.wait_for_selector(".scalars-tooltip tbody tr", timeout=6_000)
            return
        except PlaywrightTimeout:
            if attempt == 4:
                raise


def hover_step(tab: Tab, title: str, step: float) -> None:
    """Move the mouse over a card's plot at this x (data units), half way up."""
    wait_tooltip_bound(tab)
    x, y = tab.page.evaluate(
        "([title, step]) => { const card = Array.from(document.querySelectorAll('.card'))"
        ".find(c => c.querySelector('.card-title').textContent === title);"
        " const g = card.querySelector('.js-plotly-plot'), box = g.getBoundingClientRect(), xa = g._fullLayout.xaxis,"
        " ya = g._fullLayout.yaxis; return [box.left + xa._offset + xa.l2p(step), box.top + ya._offset + ya._length / 2]; }",
        [title, step])
    tab.page.mouse.move(x, y)


def test_tooltip_table_lists_every_run_at_the_step_sorted_as_chosen(live: tuple[Server, Any], tab: Tab) -> None:
    """Issue 14 items 9 and 14: TensorBoard's tooltip table, numbers at up to 4 significant digits."""
    server, _ = live
    open_scalars(tab, server, "?tags=%5Etrain/accuracy&smoothing=0", count=1)
    tab.page.get_by_label("Default", exact=True).check()
    hover_until_tooltip(tab, "train/accuracy", 0.5)
    rows = tab.page.evaluate(TOOLTIP_ROWS_JS)
    assert [row[0] for row in rows] == list(RUNS)  # every run, in run order
    step = int(rows[0][3])
    assert all(row[3] == str(step) for row in rows) and 0 < step < STEPS
    expected = f"{float(np.float32(step / STEPS)):.4g}"  # TensorBoard's .4~r: no trailing zeros
    assert all(row[1] == row[2] == expected for row in rows), rows
    assert all(re.fullmatch(r"[\d.]+ (ms|sec)|0", row[5]) for row in rows), rows
    assert tab.page.evaluate("() => getComputedStyle(document.querySelector('.hoverlayer .hovertext')"
                             " || document.body).display") in ("none", "block")
    tab.screenshot("scalars-tooltip.png")
    tab.page.mouse.move(5, 5)
    tab.page.get_by_label("Descending", exact=True).check()
    open_scalars(tab, server, "?tags=%5Eloss&smoothing=0", count=1)
    hover_until_tooltip(tab, "loss", 0.3)
    smoothed_column = [float(row[1]) for row in tab.page.evaluate(TOOLTIP_ROWS_JS)]
    assert len(smoothed_column) == 3 and smoothed_column == sorted(smoothed_column, reverse=True)
    tab.page.mouse.move(5, 5)
    tab.page.get_by_label("Ascending", exact=True).check()
    hover_chart(tab, "loss", 0.31)
    tab.page.wait_for_function("() => { const c = Array.from(document.querySelectorAll('.scalars-tooltip tbody tr'))"
                               ".map(tr => parseFloat(tr.children[2].textContent));"
                               " return c.length === 3 && c[0] <= c[1] && c[1] <= c[2]; }")
    tab.assert_clean()


def test_nan_and_infinities_are_marked_and_counted(live: tuple[Server, Any], tab: Tab) -> None:
    """Issue 14 item 3."""
    server, writer = live
    for step in range(10):
        value = {4: math.nan, 6: math.inf, 7: -math.inf}.get(step, 0.5 + 0.01 * step)
        writer.add_scalar("broken/metric", value, step)
    writer.flush()
    tab.page.wait_for_timeout(3000)  # the server's reload interval is 2 s
    tab.page.goto(f"{server.url}/scalars?tags=%5Ebroken&run=alpha")
    tab.page.wait_for_function("() => document.querySelector('.card .js-plotly-plot') &&"
                               " document.querySelector('.card .js-plotly-plot')._fullData", timeout=20_000)
    subtitle = tab.page.locator(".card .card-subtitle").first.inner_text()
    assert "1 NaN" in subtitle and "1 +inf" in subtitle and "1 -inf" in subtitle, subtitle
    marks = tab.page.evaluate("() => document.querySelector('.js-plotly-plot')._fullData"
                              ".filter(t => t.meta.role === 'nonfinite').map(t => [Array.from(t.x), t.marker.symbol])")
    assert marks == [[[4, 6, 7], ["triangle-up", "arrow-bar-up", "arrow-bar-down"]]]
    assert tab.page.locator(".js-plotly-plot .scatterlayer .point").count() >= 3  # drawn
    hover_step(tab, "broken/metric", 4)
    tab.page.wait_for_function("() => Array.from(document.querySelectorAll('.scalars-tooltip td'))"
                               ".some(td => td.textContent === 'NaN')")
    assert tab.page.evaluate(TOOLTIP_ROWS_JS) == [["alpha", "NaN", "NaN", "4", "", ""]]  # the NaN, not step 3
    tab.screenshot("scalars-nan.png")
    tab.assert_clean()


def test_zoom_is_kept_through_smoothing_changes_and_new_points(live: tuple[Server, Any], tab: Tab) -> None:
    """Issue 14 item 2: the user's x and y ranges stay until a double-click."""
    server, writer = live
    for step in range(STEPS):
        writer.add_scalar("zoomed/metric", loss(0, step), step)
    writer.flush()
    tab.page.wait_for_timeout(3000)  # the server's reload interval is 2 s
    tab.page.goto(f"{server.url}/scalars?tags=%5Ezoomed&run=alpha")
    tab.page.wait_for_function("() => document.querySelector('.card .js-plotly-plot') &&"
                               " document.querySelector('.card .js-plotly-plot')._fullData", timeout=20_000)
    graph = "document.querySelector('.js-plotly-plot')"
    ranges = f"() => [{graph}._fullLayout.xaxis.range, {graph}._fullLayout.yaxis.range]"
    expect(tab.page.locator(".card .card-subtitle").first).to_contain_text("30 points")
    tab.page.wait_for_timeout(2500)  # any data refresh from the writes above has come
    drag = tab.page.locator(".card .nsewdrag").first.bounding_box()
    assert drag is not None
    tab.page.mouse.move(drag["x"] + drag["width"] * 0.3, drag["y"] + drag["height"] * 0.3)
    tab.page.mouse.down()  # a box zoom, as a user makes it
    tab.page.mouse.move(drag["x"] + drag["width"] * 0.55, drag["y"] + drag["height"] * 0.7, steps=6)
    tab.page.mouse.up()
    tab.page.wait_for_function(f"() => {graph}._fullData[0].x.length < {STEPS}", timeout=10_000)  # re-queried
    zoomed = tab.page.evaluate(ranges)
    points = tab.page.evaluate(f"() => {graph}._fullData[0].x.length")
    assert 8 < zoomed[0][0] < zoomed[0][1] < 18, zoomed
    box = tab.page.locator(".smoothing-input input, input.smoothing-input").first
    box.fill("0.95")
    box.press("Enter")
    tab.page.wait_for_function("() => window.location.search.includes('smoothing=0.95')")
    first = tab.page.evaluate(f"() => {graph}._fullData[0].x[0]")
    tab.page.wait_for_function(
        f"() => {{ const t = {graph}._fullData.find(t => t.meta.role === 'smoothed');"
        f" return t && Math.abs(t.y[0] - {smoothed_alpha_loss(0.95)[first]!r}) < 1e-9; }}", timeout=10_000)
    assert tab.page.evaluate(ranges) == zoomed
    assert tab.page.evaluate(f"() => {graph}._fullData[0].x.length") == points  # still at full resolution
    for step in range(STEPS, STEPS + 10):
        writer.add_scalar("zoomed/metric", loss(0, step), step)
    writer.flush()
    tab.page.wait_for_function("() => document.querySelector('.card .card-subtitle').textContent.includes('40 points')",
                               timeout=20_000)
    tab.page.wait_for_timeout(300)
    assert tab.page.evaluate(ranges) == zoomed
    tab.screenshot("scalars-zoom-kept.png")
    tab.page.locator(".card .nsewdrag").first.dblclick()
    tab.page.wait_for_function(f"() => {graph}._fullData[0].x.length === {STEPS + 10}")
    x_range = tab.page.evaluate(ranges)[0]
    assert x_range[0] < 1 and x_range[1] > STEPS + 8
    tab.assert_clean()


def test_smoothing_follows_the_slider_while_dragging(live: tuple[Server, Any], tab: Tab) -> None:
    """Issue 14 item 10: the browser smooths during the drag; the server's lines come on release."""
    server, _ = live
    open_scalars(tab, server, "?tags=%5Eloss&run=beta&smoothing=0", count=1)
    search = tab.page.evaluate("() => window.location.search")
    handle = tab.page.locator(".smoothing-slider [role=slider]").first
    box = handle.bounding_box()
    track = tab.page.locator(".smoothing-slider").first.bounding_box()
    assert box is not None and track is not None
    tab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.page.mouse.down()
    tab.page.mouse.move(track["x"] + track["width"] * 0.5, box["y"] + box["height"] / 2, steps=8)
    weight = float(handle.get_attribute("aria-valuenow") or "nan")
    assert 0.2 < weight < 0.8
    raw = [float(np.float32(loss(1, step))) for step in range(STEPS)]
    expected = tensorboard_ema(raw, weight)
    tab.page.wait_for_function(
        "expected => { const t = document.querySelector('.js-plotly-plot')._fullData"
        ".find(t => t.meta.role === 'smoothed'); return t && Math.abs(t.y[STEP] - expected) < 1e-6; }"
        .replace("STEP", "20"), arg=expected[20], timeout=5_000)
    assert tab.page.evaluate("() => window.location.search") == search  # not released yet: no server round
    tab.page.mouse.up()
    tab.page.wait_for_function("search => window.location.search !== search", arg=search)
    tab.assert_clean()
