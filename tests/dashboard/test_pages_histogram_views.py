"""Tests of dashboard.pages._histogram: the Histograms and Distributions views, the compare step, card notes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dashboard import data
from dashboard.figures.histograms import relative_labels
from dashboard.pages._grid import Context
from dashboard.pages._histogram import (
    DistributionView,
    HistogramView,
    follow_latest,
    is_finite_step,
    settle_step,
    step_range,
    steps_note,
)
from dashboard.settings import Settings
from tests.dashboard.test_data_histograms import write_histogram_logdir

ALL_RUNS = ["alpha", "beta", "gamma"]


def _parse(query: str) -> dict[str, str]:
    return dict(item.split("=") for item in query[1:].split("&"))


def test_histogram_view_round_trips_through_the_query() -> None:
    view = HistogramView(mode="compare", time_axis="wall", step=40, normalize=True, run_regex="a",
                         tag_regex="layer", ticked=("alpha",))
    query = view.to_query(ALL_RUNS)
    assert query == "?runs=a&tags=layer&mode=compare&x=wall&step=40&norm=1&run=alpha"
    assert HistogramView.from_query(_parse(query), ALL_RUNS) == view
    assert HistogramView(ticked=tuple(ALL_RUNS)).to_query(ALL_RUNS) == ""
    assert HistogramView(mode="overlay", step=40, normalize=True, ticked=("alpha", "beta")).to_query(
        ALL_RUNS) == "?mode=overlay&hide=gamma"


def test_histogram_view_round_trips_through_the_controls() -> None:
    view = HistogramView(mode="compare", time_axis="relative", step=40, normalize=True, step_max=90)
    assert view.controls() == {"mode": "compare", "x": "relative", "step": 40, "toggles": ["normalize"],
                               "step_max": 90}
    assert HistogramView.from_controls(view.controls()) == view


def test_histogram_view_leaves_a_compare_step_at_the_end_out_of_the_link() -> None:
    def query(step: int | None, step_max: int | None) -> str:
        return HistogramView(mode="compare", step=step, step_max=step_max).to_query([])

    assert query(40, 90) == "?mode=compare&step=40"
    assert query(90, 90) == "?mode=compare" and query(95, 90) == "?mode=compare"  # the last step follows new data
    assert query(None, 90) == "?mode=compare"
    assert query(40, None) == "?mode=compare&step=40"  # a link's step (no slider yet) is kept


def test_histogram_view_bad_query_values_fall_back_to_defaults() -> None:
    view = HistogramView.from_query({"mode": "ridge", "x": "epoch", "step": "abc", "norm": "maybe"}, ALL_RUNS)
    assert view == HistogramView(ticked=tuple(ALL_RUNS))
    assert HistogramView.from_query({"step": "12.7"}, ALL_RUNS).step == 12
    assert HistogramView.from_controls({"mode": "bogus", "x": None, "step": "x", "toggles": None}).mode == "offset"


def test_histogram_view_survives_anything_a_client_sends() -> None:
    sent = {"mode": ["compare"], "x": {"a": 1}, "step": True, "toggles": "normalize", "step_max": float("inf")}
    assert HistogramView.from_controls(sent) == HistogramView()
    assert HistogramView.from_controls("not a dict") == HistogramView()
    assert HistogramView.from_controls({"step": "37", "step_max": 90.0}).step == 37


def test_distribution_view_keeps_only_the_time_axis() -> None:
    view = DistributionView.from_query({"x": "wall", "mode": "compare", "step": "40", "norm": "1"}, ALL_RUNS)
    assert view == DistributionView(time_axis="wall", ticked=tuple(ALL_RUNS))
    assert view.to_query(ALL_RUNS) == "?x=wall"
    assert view.controls() == {"x": "wall"} and DistributionView.from_controls({"x": "wall"}).time_axis == "wall"
    assert DistributionView.from_controls({"x": "epoch"}).time_axis == "step"


def test_step_range_moves_by_the_common_gap_and_snaps_to_logged_steps() -> None:
    logged = [0, 10, 20, 35, 40]
    assert step_range(logged, None) == {"min": 0, "max": 40, "step": 5, "value": 40,
                                        "marks": {0: "0", 40: "40"}, "disabled": False}
    assert step_range(logged, 26)["value"] == 20 and step_range(logged, 28)["value"] == 35  # nearest
    assert step_range(logged, 15)["value"] == 10  # a tie takes the earlier step
    assert step_range(logged, 10_000)["value"] == 40 and step_range(logged, -3)["value"] == 0
    assert step_range([7], None) == {"min": 7, "max": 7, "step": 1, "value": 7, "marks": {7: "7"}, "disabled": True}
    assert step_range([], 3) == {"min": 0, "max": 0, "step": 1, "value": None, "marks": {}, "disabled": True}
    assert step_range([0, 1000, 2000], None)["marks"] == {0: "0", 2000: "2,000"}


def test_follow_latest_only_at_the_last_step() -> None:
    assert follow_latest(90, 90) is None and follow_latest(None, 90) is None
    assert follow_latest(40, 90) == 40 and follow_latest(40, None) is None
    assert follow_latest("40", 90) is None  # not a number: the latest


def test_is_finite_step_rejects_what_is_not_a_number() -> None:
    assert is_finite_step(40) and is_finite_step(40.5)
    assert not any(is_finite_step(value) for value in (None, "40", True, float("nan"), float("inf")))


def test_settle_step_snaps_a_compare_link_to_a_logged_step(logdir: Path, tmp_path: Path) -> None:
    write_histogram_logdir(logdir)
    source = data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))
    context = Context(source, ALL_RUNS, ["alpha", "beta"], ["layer1/weight"])
    # alpha logs 0..90, beta 5..95 (both every 10): 37 snaps to 35, no step means the latest (95).
    assert settle_step(HistogramView(mode="compare", step=37), context) == HistogramView(
        mode="compare", step=35, step_max=95)
    assert settle_step(HistogramView(mode="compare"), context) == HistogramView(mode="compare", step=95, step_max=95)
    offset = HistogramView(step=37)
    assert settle_step(offset, context) is offset  # only compare mode reads steps
    nothing = Context(source, ALL_RUNS, ["gamma"], [])
    assert settle_step(HistogramView(mode="compare", step=37), nothing) == HistogramView(mode="compare")


def test_steps_note_says_how_many_are_shown_of_how_many() -> None:
    assert steps_note(1, 1) == "1 step" and steps_note(20, 20) == "20 steps"
    assert steps_note(50, 1200) == "50 of 1,200 steps shown"


def test_relative_labels_pick_one_unit_for_all_ticks() -> None:
    assert relative_labels(np.array([0.0, 1.0, 2.0])) == ["0 h", "1 h", "2 h"]
    assert relative_labels(np.array([0.0, 0.25, 1.5])) == ["0 min", "15 min", "90 min"]
    assert relative_labels(np.array([0.0, 10 / 3600])) == ["0 s", "10 s"]

