"""Tests of dashboard.figures.histograms: the offset, overlay and compare-runs figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import loaders
from dashboard.figures.histograms import blend, compare_figure, offset_figure, overlay_figure
from tests.dashboard.histogram_rows import hist_frame, tf2_histograms
from tests.dashboard.test_figures_scalars import rendered_json


def test_offset_figure_one_ridge_per_step_newest_in_front_and_darkest() -> None:
    figure = offset_figure(hist_frame(range(0, 50, 10)), color="#0077bb", bins=4)
    assert [trace.meta["step"] for trace in figure.data] == [0, 10, 20, 30, 40]  # newest drawn last, in front
    assert all(trace.fill == "toself" for trace in figure.data)
    assert figure.data[-1].fillcolor == blend("#0077bb", "#ffffff", 0.15)
    assert figure.data[0].fillcolor == blend("#0077bb", "#ffffff", 0.9)
    assert figure.layout.yaxis.title.text == "step" and figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.meta == {"shown": 5, "total": 5, "steps": [0, 10, 20, 30, 40]}
    assert "count" in figure.data[0].hovertemplate and figure.layout.title.text is None


def test_offset_figure_ridge_heights_scale_with_counts() -> None:
    figure = offset_figure(hist_frame(range(0, 50, 10)), bins=4)
    newest = figure.data[-1]
    # Each step re-binned onto 4 shared bins over [0, 8]: step 40 spans (4, 8] -> counts 0, 0, 3, 7
    # (bin (4,6] holds 1 + 2; bin (6,8] holds 3 + 4). The tallest count in the chart (7) rises
    # 0.3 x the 40-step span = 12 above the baseline y=40 (up is smaller y on the reversed axis).
    assert list(newest.y) == pytest.approx([40, 40, 40, 40 - 12 * 3 / 7, 40 - 12, 40])
    assert list(newest.x) == [0.0, 1.0, 3.0, 5.0, 7.0, 8.0]


def test_offset_figure_thins_steps_and_reports_shown_of_total() -> None:
    figure = offset_figure(hist_frame(range(100)), max_steps=4)
    assert figure.layout.meta["shown"] == 4 and figure.layout.meta["total"] == 100
    assert [trace.meta["step"] for trace in figure.data] == [0, 33, 66, 99]


@pytest.mark.parametrize(("time_axis", "title"), [("relative", "relative (hours)"), ("wall", "wall time")])
def test_offset_figure_time_axes_label_ticks(time_axis: str, title: str) -> None:
    frame = hist_frame(range(0, 121, 60))  # wall times one hour apart
    figure = offset_figure(frame, time_axis=time_axis)
    assert figure.layout.yaxis.title.text == title
    if time_axis == "relative":
        assert list(figure.layout.yaxis.ticktext) == ["0 h", "1 h", "2 h"]
    else:
        ticks = figure.layout.yaxis.tickvals
        assert len(figure.layout.yaxis.ticktext) == 3 and ticks[1] - ticks[0] == 3_600_000


def test_overlay_figure_colours_steps_along_a_scale_with_colorbar() -> None:
    figure = overlay_figure(hist_frame(range(0, 50, 10)), color="#0077bb")
    lines, bar = figure.data[:-1], figure.data[-1]
    assert len(lines) == 5 and bar.meta == {"role": "colorbar"}
    assert bar.marker.showscale and bar.marker.colorbar.title.text == "step"
    assert list(bar.marker.colorbar.ticktext) == ["0", "40"]
    brightness = [sum(int(c) for c in line.line.color[4:-1].split(",")) for line in lines]
    assert brightness == sorted(brightness, reverse=True)  # oldest palest, newest darkest
    assert figure.layout.yaxis.title.text == "count"


def test_offset_and_overlay_figures_draw_tf2_constant_and_empty_histograms(tmp_path: Path) -> None:
    frame = tf2_histograms(tmp_path)
    constant = overlay_figure(frame[frame["tag"] == "hist/constant"], bins=2)
    assert list(constant.data[0].y) == [0.0, 0.0, 10.0, 0.0]  # bins [2.5,3) [3,3.5]: all ten 3.0s in the second
    empty = offset_figure(frame[frame["tag"] == "hist/empty"])
    assert len(empty.data) == 1 and max(empty.data[0].y) == 0.0
    normal = offset_figure(frame[frame["tag"] == "hist/normal"])
    assert len(normal.data) == 3 and sum(normal.data[-1].customdata[:, 3]) == pytest.approx(200.0)


def test_offset_figure_pytorch_histograms(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "logs" / "torch"))
    for step in range(3):
        writer.add_histogram("weights", np.random.default_rng(step).normal(step, 1.0, 300), step)
    writer.close()
    frame = loaders.Logdir(tmp_path / "logs", cache_dir=tmp_path / "cache").histograms()
    figure = offset_figure(frame, bins=30)
    assert [trace.meta["step"] for trace in figure.data] == [0, 1, 2]
    assert [trace.customdata[:, 3].sum() for trace in figure.data] == pytest.approx([300.0] * 3)


def test_compare_figure_one_line_per_run_at_nearest_step() -> None:
    frames = {"a": hist_frame(range(0, 50, 10)), "b": hist_frame(range(1, 50, 10), shift=1.0),
              "empty": hist_frame(range(0))}
    figure = compare_figure(frames, 25, {"a": "#ff0000", "b": "#0000ff"}, bins=8)
    assert [(t.meta["run"], t.meta["step"], t.line.color) for t in figure.data] == [
        ("a", 20, "#ff0000"), ("b", 21, "#0000ff")]
    assert figure.layout.meta == {"steps": {"a": 20, "b": 21}}
    assert figure.data[0].x.tolist() == figure.data[1].x.tolist()  # shared bins
    assert [t.customdata[:, 3].sum() for t in figure.data] == pytest.approx([10.0, 10.0])
    normalized = compare_figure(frames, 25, {}, bins=8, normalize=True)
    assert [sum(t.y) for t in normalized.data] == pytest.approx([1.0, 1.0])
    assert normalized.layout.yaxis.title.text == "fraction"


def test_compare_figure_escapes_run_names_plotly_would_read_as_markup() -> None:
    run = '<b>x</b><a href="javascript:alert(1)">y</a>'
    figure = compare_figure({run: hist_frame(range(0, 30, 10))}, 10, {}, bins=4)
    sent = rendered_json(figure)
    assert "<a" not in sent and "<b>x" not in sent and "</a>" not in sent
    assert figure.data[0].name == '&lt;b&gt;x&lt;/b&gt;&lt;a href="javascript:alert(1)"&gt;y&lt;/a&gt;'
    assert figure.data[0].meta["run"] == run and figure.layout.meta["steps"] == {run: 10}
