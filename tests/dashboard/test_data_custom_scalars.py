"""Tests of the custom scalars queries: charts of the layout, sections, regex-matched tags and margin points."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import dash
import pytest

from dashboard import data
from dashboard.data import custom_scalars as cs_data

LAYOUT = {
    "Losses": {"all": ["Multiline", ["loss/", "bad("]], "val": ["Multiline", [r"loss/val$"]]},
    "A/B": {"band": ["Margin", ["acc/mean", "acc/low", "acc/high"]]},
}


def write_custom_logdir(logdir: Path) -> Path:
    """Write alpha (the layout; loss/train, loss/val, val_loss/x, acc/mean|low|high at steps 0-9, acc/low without
    step 9) and beta (loss/train only) with tensorboardX."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir / "alpha")) as writer:
        writer.add_custom_scalars(LAYOUT)
        for step in range(10):
            for tag in ("loss/train", "loss/val", "val_loss/x", "acc/mean", "acc/high"):
                writer.add_scalar(tag, float(step), step)
            if step < 9:
                writer.add_scalar("acc/low", step - 0.5, step)
    with SummaryWriter(str(logdir / "beta")) as writer:
        writer.add_scalar("loss/train", 2.0, 0)
    return logdir


@pytest.fixture
def source(make_app: Callable[..., dash.Dash], logdir: Path) -> data.DataSource:
    app = make_app(logdir=str(write_custom_logdir(logdir)))
    with app.server.test_request_context("/"):
        return data.current()


def test_charts_follow_the_layout_with_unique_keys(source: data.DataSource) -> None:
    specs = cs_data.charts(source)

    assert [(s.key, s.category, s.title, s.kind) for s in specs] == [
        ("Losses/all", "Losses", "all", "multiline"),
        ("Losses/val", "Losses", "val", "multiline"),
        ("A/B/band", "A/B", "band", "margin"),
    ]
    assert specs[0].invalid == ("bad(",) and specs[2].margins == (("acc/mean", "acc/low", "acc/high"),)


def test_sections_group_keys_by_category_in_layout_order(source: data.DataSource) -> None:
    keys = cs_data.chart_keys(source, re.compile("band|val"))

    assert keys == ["Losses/val", "A/B/band"]
    assert cs_data.sections(source, keys) == {"Losses": ["Losses/val"], "A/B": ["A/B/band"]}


def test_matched_tags_match_from_the_start_in_the_shown_runs(source: data.DataSource) -> None:
    spec = cs_data.chart(source, "Losses/all")
    assert spec is not None

    assert cs_data.matched_tags(source, spec, ["alpha", "beta"]) == ["loss/train", "loss/val"]
    assert cs_data.matched_tags(source, spec, ["beta"]) == ["loss/train"]
    frame = cs_data.multiline_points(source, spec, ["alpha", "beta"])
    assert sorted(set(zip(frame["tag"], frame["run"]))) == [
        ("loss/train", "alpha"),
        ("loss/train", "beta"),
        ("loss/val", "alpha"),
    ]


def test_margin_points_join_value_lower_upper_on_steps(source: data.DataSource) -> None:
    spec = cs_data.chart(source, "A/B/band")
    assert spec is not None

    frame = cs_data.margin_points(source, spec, ["alpha", "beta"])

    assert list(frame.columns) == cs_data.MARGIN_COLUMNS
    assert frame["step"].tolist() == list(range(9))  # step 9 has no lower bound
    assert (frame["lower"] == frame["value"] - 0.5).all() and (frame["upper"] == frame["value"]).all()
    assert cs_data.margin_points(source, spec, ["beta"]).empty


def test_chart_of_an_unknown_key_is_none(source: data.DataSource) -> None:
    assert cs_data.chart(source, "nope") is None


def test_charts_without_a_layout_are_empty(make_app: Callable[..., dash.Dash], scalar_logdir: Path) -> None:
    app = make_app(logdir=str(scalar_logdir))
    with app.server.test_request_context("/"):
        assert cs_data.charts(data.current()) == []
