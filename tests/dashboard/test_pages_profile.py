"""The Profile page: layout, tab callbacks, trace windows at pixel resolution, figures and advice."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import data
from dashboard.data import profile as profile_data
from dashboard.figures import profile as profile_figures
from dashboard.pages import profile as page
from dashboard.pages.profile.view import ProfileView, ids
from tests.dashboard.dashtest import find
from tests.eventfiles import shared_fixture

GPU = shared_fixture("gpu-profiles")
pytestmark = pytest.mark.skipif(not GPU.exists(), reason="shared GPU captures not present")
TORCH = "torch_mlp\tgpuworker.1795685073928612123\tgpuworker"
JAX = "jax_mlp\t2026_11_26_09_24_40\tvm"


@pytest.fixture
def profile_app(make_app: Callable[..., dash.Dash], tmp_path: Path) -> dash.Dash:
    logdir = tmp_path / "logs"
    shutil.copytree(GPU, logdir)
    return make_app(logdir=str(logdir))


@pytest.fixture
def in_app(profile_app: dash.Dash) -> Iterator[object]:
    with profile_app.server.test_request_context("/_dash-update-component", method="POST"):
        yield profile_app.server


def test_layout_lists_captures_and_reads_the_view_from_the_query(in_app: object) -> None:
    tree = page.layout(run="jax_mlp", session="2026_11_26_09_24_40", host="vm", tab="kernels")
    dropdown = find(tree, ids.capture)
    assert dropdown.value == JAX and {o["value"] for o in dropdown.options} == {JAX, TORCH}
    assert find(tree, ids.tabs).value == "kernels"
    assert find(tree, ids.kernels).hidden is False and find(tree, ids.overview).hidden is True
    bad = page.layout(run=["x"], tab={"a": 1}, group=3)  # a link can hold anything
    assert find(bad, ids.tabs).value == "overview"


def test_layout_without_captures_says_what_to_capture(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    app = make_app(logdir=str(tmp_path / "empty"))
    with app.server.test_request_context("/"):
        text = str(page.layout())
    assert "No profiler captures" in text and "tensorboard_trace_handler" in text


def test_overview_shows_kpis_breakdown_and_advice(in_app: object) -> None:
    children = page.fill_overview(TORCH, "overview")
    text = str(children)
    assert "Average step time" in text and "GPU utilization" in text and "NVIDIA H200" in text
    graph = next(child for child in children if isinstance(child, dash.dcc.Graph))
    assert [bar.name for bar in graph.figure.data][:2] == ["Kernel", "Memcpy"]
    assert list(graph.figure.data[0].x) == ["2", "3", "4", "Average"]
    assert page.fill_overview(TORCH, "trace") is dash.no_update
    assert page.fill_overview("not a capture", "overview") is dash.no_update
    assert page.fill_overview(None, None) is dash.no_update


def test_overview_average_bar_is_the_mean_of_the_steps(in_app: object) -> None:
    found = profile_data.overview(data.current(), profile_data.Capture.parse(TORCH))
    figure = profile_figures.step_breakdown(found.breakdown, found.steps)
    totals = np.sum([np.asarray(bar.y, dtype=float) for bar in figure.data], axis=0)
    assert totals[:-1] == pytest.approx(found.steps["dur_ns"].to_numpy() / 1e6)
    assert totals[-1] == pytest.approx(found.step_ns / 1e6)


def test_trace_window_merges_sub_pixel_events_and_requeries_on_zoom(in_app: object) -> None:
    source, capture = data.current(), profile_data.Capture.parse(JAX)
    lanes = profile_data.lanes(source, capture)
    whole = profile_data.trace_window(source, capture, 0, lanes.span_ns, 1000)
    assert (whole["row"] < 0).any()  # many python events are far below a pixel of the whole capture
    assert len(whole) < 5000
    steps = profile_data.table(source, capture, "steps")
    lo, hi = int(steps["start_ns"].iloc[2]), int(steps["end_ns"].iloc[2])
    zoomed = profile_data.trace_window(source, capture, lo, hi, 1000)
    assert (zoomed["start_ns"] <= hi).all() and (zoomed["end_ns"] >= lo).all()
    assert zoomed.loc[zoomed["row"] >= 0, "kind"].isin(["kernel"]).any()
    found = profile_data.trace_window(source, capture, 0, lanes.span_ns, 1000, search="gemm_fusion")
    assert set(found.loc[found["row"] >= 0, "name"]) <= {"gemm_fusion_dot_3", "gemm_fusion_dot_general_4"}


def test_draw_trace_callback_follows_the_zoom(in_app: object) -> None:
    figure, info = page.draw_trace(TORCH, "trace", {"xaxis.range[0]": 1000, "xaxis.range[1]": 2000}, "")
    assert isinstance(figure, go.Figure) and list(figure.layout.xaxis.range) == [1000, 2000]
    assert "bars drawn" in info
    full, _ = page.draw_trace(TORCH, "trace", {"xaxis.autorange": True}, None)
    assert full.layout.xaxis.range[0] == 0 and full.layout.xaxis.range[1] > 7000
    assert any(trace.type == "scattergl" for trace in full.data)
    assert page.draw_trace(TORCH, "overview", None, "") == (dash.no_update, dash.no_update)
    junk, _ = page.draw_trace(TORCH, "trace", {"xaxis.range[0]": "x", "xaxis.range[1]": [1]}, 5)
    assert junk.layout.xaxis.range[0] == 0


def test_clicking_a_kernel_shows_its_launching_call(in_app: object) -> None:
    events = profile_data.table(data.current(), profile_data.Capture.parse(TORCH), "events")
    row = int(np.flatnonzero(events["kind"].to_numpy() == "kernel")[0])
    panel = str(page.show_event({"points": [{"customdata": row}]}, TORCH))
    assert "runtime: cudaLaunchKernel" in panel and "grid" in panel
    assert "Click an event" in str(page.show_event({"points": [{"customdata": -1}]}, TORCH))
    assert "Click an event" in str(page.show_event("junk", TORCH))


def test_operator_kernel_and_memory_tabs(in_app: object) -> None:
    table = page.fill_operators(TORCH, "operators", "shape")
    assert table.id == ids.ops_table and "shape" in [c["id"] for c in table.columns]
    assert "device_total_us" in [c["id"] for c in table.columns]
    assert "shape" not in [c["id"] for c in page.fill_operators(TORCH, "operators", "name").columns]
    kernels = page.fill_kernels(JAX, "kernels")
    assert "Tensor Cores" in str(kernels[0])
    memory = page.fill_memory(TORCH, "memory")
    assert isinstance(memory[0], dash.dcc.Graph)
    assert page.fill_memory(TORCH, "overview") is dash.no_update


def test_view_round_trips_through_the_query() -> None:
    view = ProfileView.from_controls({"capture": JAX, "tab": "trace", "grouping": "shape", "search": "gemm"})
    query = view.to_query([])
    assert "tab=trace" in query and "group=shape" in query and "run=jax_mlp" in query
    parsed = dict(pair.split("=", 1) for pair in query.lstrip("?").split("&"))
    assert ProfileView.from_query(parsed, []).tab == "trace"
    assert ProfileView.from_controls({"capture": 5, "tab": [1]}).tab == "overview"


def test_recommendations_name_the_input_bound_share() -> None:
    average = dict.fromkeys(profile_figures.CATEGORY_COLORS, 0.0)
    average.update(kernel=30.0, dataloader=38.0, cpu_exec=32.0)
    tips = profile_data.recommend(average, 100.0, True, pd.DataFrame({"tensor_cores": [True]}), {})
    assert tips[0].startswith("Input-bound: 38% of step time waits for data")
    assert any("GPU is idle" in tip for tip in tips)
    cpu = profile_data.recommend(average, 100.0, False, pd.DataFrame(), {})
    assert any("No GPU activity" in tip for tip in cpu)


def test_top_kernels_keeps_kernels_whose_shortened_names_collide() -> None:
    long = "x" * 80
    kernels = pd.DataFrame({"name": ["a" + long, "b" + long], "total_ns": [2e6, 1e6], "tensor_cores": [True, False]})
    figure = profile_figures.top_kernels(kernels)
    assert len(set(figure.data[0].y)) == 2 and figure.layout.yaxis.ticktext[0] == figure.layout.yaxis.ticktext[1]
