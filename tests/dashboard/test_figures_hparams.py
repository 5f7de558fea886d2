"""dashboard.figures.hparams: parallel coordinates, reading a brush back, scatter matrix, importance bars."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.figures import hparams as fig

FRAME = pd.DataFrame(
    {
        "session": ["a", "b", "c"],
        "lr": [0.1, 0.01, 0.001],
        "opt": ["adam", "sgd", "adam"],
        "acc": [0.5, 0.7, 0.9],
    }
)
AXES = [fig.Axis("lr", log=True, kept=(0.005, None)), fig.Axis("opt", ("adam", "sgd"), kept=("sgd",)), fig.Axis("acc")]


def test_parallel_coordinates_log_axis_categories_and_filters_as_brushes() -> None:
    figure = fig.parallel_coordinates(FRAME, AXES, "acc")
    lr, opt, acc = figure.data[0].dimensions
    assert lr.label == "lr (log)" and lr.values == pytest.approx((-1.0, -2.0, -3.0))
    assert lr.constraintrange[0] == pytest.approx(math.log10(0.005)) and lr.constraintrange[1] > -1.0
    assert list(lr.ticktext)[:1] and "0.01" in lr.ticktext
    assert opt.values == (0, 1, 0) and list(opt.ticktext) == ["adam", "sgd"]
    assert list(opt.constraintrange) == pytest.approx([0.6, 1.4])
    assert acc.constraintrange is None
    assert list(figure.data[0].line.color) == [0.5, 0.7, 0.9]
    assert figure.layout.meta["axes"][0] == {"name": "lr", "categories": [], "log": True}


def test_brushed_reads_ranges_back_in_data_units() -> None:
    figure = fig.parallel_coordinates(FRAME, AXES, "acc").to_plotly_json()
    restyle = [{"dimensions[0].constraintrange": [[-2.5, -0.5]], "dimensions[1].constraintrange": [[-0.2, 0.3]]}, [0]]
    found = fig.brushed(restyle, {"layout": figure["layout"]})
    low, high, _ = found["lr"]
    assert low == pytest.approx(10**-2.5, rel=1e-3) and high == pytest.approx(10**-0.5, rel=1e-3)
    assert found["opt"] == (None, None, ("adam",))
    cleared = fig.brushed([{"dimensions[2].constraintrange": None}, [0]], {"layout": figure["layout"]})
    assert cleared == {"acc": (None, None, ())}
    assert fig.brushed("junk", None) == {} and fig.brushed([{"dimensions[9].constraintrange": [1, 2]}], figure) == {}


def test_scatter_matrix_has_a_panel_per_metric_and_hparam_with_sessions_as_customdata() -> None:
    figure = fig.scatter_matrix(FRAME, ["lr", "opt"], ["acc"], "acc", selected="b")
    assert len(figure.data) == 2
    assert list(figure.data[0].customdata) == ["a", "b", "c"]
    assert list(figure.data[0].marker.size) == [7, 12, 7]
    assert len(fig.scatter_matrix(FRAME, [], ["acc"], None).data) == 0


def test_importance_figure_one_panel_per_metric() -> None:
    table = pd.DataFrame(
        {"metric": ["acc", "acc", "loss"], "hparam": ["lr", "opt", "lr"], "importance": [0.9, 0.2, 0.5],
         "rho": [0.9, -0.2, -0.5], "sessions": [3, 3, 3]}
    )  # fmt: skip
    figure = fig.importance_figure(table, ["acc", "loss"])
    assert len(figure.data) == 2 and list(figure.data[0].y) == ["opt", "lr"]
    assert [a.text for a in figure.layout.annotations] == ["acc", "loss"]
    assert "Spearman" in figure.layout.xaxis.title.text
    assert len(fig.importance_figure(table.iloc[:0], ["acc"]).data) == 0
