"""Custom scalars layouts: add_custom_scalars parsed, merged across runs, regexes matched from the start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorboardX
import torch.utils.tensorboard

from loaders import Logdir
from loaders.proto import plugins_pb2
from loaders.tables.custom_scalars import (
    CONFIG_TAG,
    Category,
    MarginChart,
    MarginSeries,
    MultilineChart,
    layout_from_tensors,
    merge_layouts,
    parse_layout,
)
from loaders.writer import EventWriter

LAYOUT = {
    "Losses": {"loss": ["Multiline", ["loss/", r"val_loss$"]]},
    "Accuracy": {"acc band": ["Margin", ["acc/mean", "acc/lo", "acc/hi"]]},
}
WRITERS = {"tbx": tensorboardX.SummaryWriter, "torch": torch.utils.tensorboard.SummaryWriter}


def _logdir(tmp_path: Path) -> Logdir:
    return Logdir(str(tmp_path / "logs"), cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_custom_scalars_layout_reads_add_custom_scalars(tmp_path: Path, name: str) -> None:
    with WRITERS[name](str(tmp_path / "logs" / name)) as writer:
        writer.add_custom_scalars(LAYOUT)
        writer.add_scalar("loss/train", 1.0, 0)

    layout = _logdir(tmp_path).custom_scalars_layout()

    assert layout == [
        Category("Losses", (MultilineChart("loss", ("loss/", r"val_loss$")),)),
        Category("Accuracy", (MarginChart("acc band", (MarginSeries("acc/mean", "acc/lo", "acc/hi"),)),)),
    ]


def test_custom_scalars_layout_reads_helper_charts_of_tensorboardx(tmp_path: Path) -> None:
    with tensorboardX.SummaryWriter(str(tmp_path / "logs" / "run")) as writer:
        writer.add_custom_scalars_multilinechart(["a/x", "a/y"], category="cat", title="lines")
        writer.add_custom_scalars_marginchart(["m", "lo", "hi"], category="cat", title="margin")

    (category,) = _logdir(tmp_path).custom_scalars_layout()

    # each helper writes a whole layout: the newest one of the run counts
    assert category.title == "cat"
    assert category.charts == (MarginChart("margin", (MarginSeries("m", "lo", "hi"),)),)


def test_custom_scalars_layout_empty_without_a_layout(tmp_path: Path) -> None:
    with tensorboardX.SummaryWriter(str(tmp_path / "logs" / "run")) as writer:
        writer.add_scalar("loss", 1.0, 0)

    assert _logdir(tmp_path).custom_scalars_layout() == []


def test_custom_scalars_layout_merges_runs_by_category_title(tmp_path: Path) -> None:
    with EventWriter(str(tmp_path / "logs" / "b")) as writer:
        writer.add_custom_scalars({"Shared": {"one": ["Multiline", ["x"]], "two": ["Multiline", ["y"]]}})
    with EventWriter(str(tmp_path / "logs" / "a")) as writer:
        writer.add_custom_scalars({"Shared": {"one": ["Multiline", ["x"]]}, "Own": {"z": ["Multiline", ["z"]]}})

    layout = _logdir(tmp_path).custom_scalars_layout()

    # runs in name order: a's categories first; b's duplicate chart "one" is dropped, "two" appended
    assert [c.title for c in layout] == ["Shared", "Own"]
    assert [chart.title for chart in layout[0].charts] == ["one", "two"]


def test_custom_scalars_layout_reports_an_unreadable_layout(tmp_path: Path) -> None:
    with EventWriter(str(tmp_path / "logs" / "bad")) as writer:
        writer.add_tensor(CONFIG_TAG, np.array(b"\xff\xff not a layout", dtype=object), 0, plugin="custom_scalars")
    with EventWriter(str(tmp_path / "logs" / "good")) as writer:
        writer.add_custom_scalars({"Fine": {"c": ["Multiline", ["x"]]}})
    logdir = _logdir(tmp_path)

    layout = logdir.custom_scalars_layout()

    assert [c.title for c in layout] == ["Fine"]
    problems = logdir.problems()
    bad = problems[problems["kind"] == "bad_custom_scalars"]
    assert len(bad) == 1 and "'bad'" in bad["message"].iloc[0] and CONFIG_TAG in bad["message"].iloc[0]


def test_custom_scalars_layout_reads_a_tf_shaped_summary(tmp_path: Path) -> None:
    """TF's custom_scalar.summary.pb: a scalar string tensor holding the Layout, plugin custom_scalars."""
    layout = plugins_pb2.Layout(
        category=[
            plugins_pb2.Category(
                title="tf",
                closed=True,
                chart=[plugins_pb2.Chart(title="c", multiline=plugins_pb2.MultilineChartContent(tag=["t"]))],
            )
        ]
    )
    with EventWriter(str(tmp_path / "logs")) as writer:
        writer.add_tensor(CONFIG_TAG, np.array(layout.SerializeToString(), dtype=object), 0, plugin="custom_scalars")

    assert _logdir(tmp_path).custom_scalars_layout() == [Category("tf", (MultilineChart("c", ("t",)),), True)]


def test_multiline_chart_matches_from_the_start_of_the_tag() -> None:
    chart = MultilineChart("c", ("loss", r"acc/(train|test)$"))
    tags = ["loss/train", "val/loss", "acc/train", "acc/trainx", "x/acc/test", "acc/test"]

    assert chart.matches(tags) == ["loss/train", "acc/train", "acc/test"]


def test_multiline_chart_invalid_or_empty_regex_matches_nothing() -> None:
    chart = MultilineChart("c", ("loss(", "", "acc"))

    assert chart.matches(["loss(", "acc/x", "other"]) == ["acc/x"]
    assert chart.invalid == ("loss(",)


def test_parse_layout_rejects_bytes_that_are_not_a_layout() -> None:
    with pytest.raises(ValueError, match="not a custom scalars Layout"):
        parse_layout(b"\xff\xff\xff")


def test_parse_layout_skips_a_chart_without_content() -> None:
    layout = plugins_pb2.Layout(category=[plugins_pb2.Category(title="t", chart=[plugins_pb2.Chart(title="empty")])])

    assert parse_layout(layout.SerializeToString()) == [Category("t", ())]


def test_merge_layouts_keeps_the_first_closed_flag_and_order() -> None:
    first = [Category("a", (MultilineChart("x", ("x",)),), True)]
    second = [Category("b", ()), Category("a", (MultilineChart("y", ("y",)), MultilineChart("x", ("x",))))]

    merged = merge_layouts([first, second])

    assert merged == [
        Category("a", (MultilineChart("x", ("x",)), MultilineChart("y", ("y",))), True),
        Category("b", ()),
    ]


def test_layout_from_tensors_ignores_other_tags_and_empty_input() -> None:
    rows = pd.DataFrame({"run": ["r"], "tag": ["other"], "step": [0], "data": [b"junk"]})

    assert layout_from_tensors(rows) == ([], [])
    assert layout_from_tensors(rows.iloc[:0]) == ([], [])
