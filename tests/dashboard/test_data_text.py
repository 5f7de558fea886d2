"""Tests of dashboard.data.text: cards from the tag index, rows newest first, paging (tags: test_pages_text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import data
from dashboard.data.text import PLUGIN, TextCard, page_of, text_cards, text_page, text_pages, text_rows
from dashboard.settings import Settings


def write_text_logdir(logdir: Path) -> Path:
    """alpha: notes at steps 0..24 (tensorboardX) and tables/t2; beta: notes at 5, 7, 9; gamma: scalars only."""
    from tensorboardX import SummaryWriter

    from loaders.writer import EventWriter

    with SummaryWriter(str(logdir / "alpha")) as writer:
        for step in range(25):
            writer.add_text("notes", f"alpha note {step}", step)
    with EventWriter(str(logdir / "alpha")) as writer:
        writer.add_text("tables/t2", [["a", "b"], ["c", "d"]], 3)
    with SummaryWriter(str(logdir / "beta")) as writer:
        for step in (5, 7, 9):
            writer.add_text("notes", f"beta note {step}", step)
    with SummaryWriter(str(logdir / "gamma")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    return logdir


@pytest.fixture
def source(logdir: Path, tmp_path: Path) -> data.DataSource:
    write_text_logdir(logdir)
    return data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))


NOTES = "notes/text_summary"  # tensorboardX appends /text_summary to text tags, as TensorBoard shows them


def test_text_cards_go_tag_by_tag_then_run_by_run(source: data.DataSource) -> None:
    cards = text_cards(source, ["beta", "alpha", "gamma"], [NOTES, "tables/t2"])
    assert cards == [TextCard("beta", NOTES, 3, 9), TextCard("alpha", NOTES, 25, 24),
                     TextCard("alpha", "tables/t2", 1, 3)]
    assert cards[0].key == ("beta", NOTES)
    assert text_cards(source, ["gamma"], [NOTES]) == []


def test_text_rows_are_newest_first_and_only_for_the_pairs_asked(source: data.DataSource) -> None:
    rows = text_rows(source, [("beta", NOTES), ("alpha", "tables/t2"), ("gamma", NOTES)])
    assert list(zip(rows["run"], rows["step"])) == [("alpha", 3), ("beta", 9), ("beta", 7), ("beta", 5)]
    table = rows[rows["tag"] == "tables/t2"].iloc[0]
    assert list(table["shape"]) == [2, 2] and list(table["values"]) == ["a", "b", "c", "d"]
    assert list(rows.loc[rows["run"] == "beta", "value"]) == ["beta note 9", "beta note 7", "beta note 5"]


def test_text_rows_of_nothing_is_an_empty_frame_with_the_columns(source: data.DataSource) -> None:
    rows = text_rows(source, [("gamma", "loss")])
    assert rows.empty and list(rows.columns) == ["run", "tag", "step", "wall_time", "value", "shape", "values"]


def test_text_pages_cut_ten_steps_a_page_newest_first(source: data.DataSource) -> None:
    pages = text_pages(source, {("alpha", NOTES): 0, ("beta", NOTES): 0})
    first = pages["alpha", NOTES]
    assert (first.page, first.pages, first.total) == (0, 3, 25)
    assert first.steps == list(range(24, 14, -1))
    assert pages["beta", NOTES].steps == [9, 7, 5] and pages["beta", NOTES].pages == 1
    assert text_page(source, "alpha", NOTES, 1).steps == list(range(14, 4, -1))
    assert text_page(source, "alpha", NOTES, 2).steps == [4, 3, 2, 1, 0]


def test_text_page_clamps_and_counts_negative_pages_from_the_oldest(source: data.DataSource) -> None:
    assert text_page(source, "alpha", NOTES, -1).page == 2
    assert text_page(source, "alpha", NOTES, -2).steps == list(range(14, 4, -1))
    assert text_page(source, "alpha", NOTES, 99).page == 2
    assert text_page(source, "alpha", NOTES, -99).page == 0
    assert text_page(source, "alpha", NOTES, 0, page_size=7).pages == 4
    assert text_page(source, "gamma", NOTES, 0) is None


def test_text_pages_rejects_a_page_size_below_one(source: data.DataSource) -> None:
    with pytest.raises(ValueError, match="page_size must be at least 1, got 0"):
        text_pages(source, {("alpha", NOTES): 0}, page_size=0)


def test_page_of_an_empty_card_is_one_empty_page(source: data.DataSource) -> None:
    empty = text_rows(source, [])
    page = page_of("alpha", NOTES, empty, 3)
    assert (page.page, page.pages, page.total, page.steps) == (0, 1, 0, [])


def test_text_queries_on_a_missing_logdir_are_empty(tmp_path: Path) -> None:
    source = data.DataSource(Settings(logdir=str(tmp_path / "nope"), cache_dir=str(tmp_path / "cache"),
                                      reload_interval=0))
    assert text_cards(source, ["alpha"], [NOTES]) == [] and text_pages(source, {("alpha", NOTES): 0}) == {}


def test_text_from_pytorch_writer_pages_like_any_other(logdir: Path, tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(logdir / "torch")) as writer:
        for step in range(12):
            writer.add_text("log", f"epoch {step} **done**", step)
    source = data.DataSource(Settings(logdir=str(logdir), cache_dir=str(tmp_path / "cache"), reload_interval=0))
    (tag,) = source.plugin_tags(PLUGIN, ["torch"])
    page = text_page(source, "torch", tag, 1)
    assert tag == "log/text_summary" and page.steps == [1, 0] and page.pages == 2
    assert list(page.rows["value"]) == ["epoch 1 **done**", "epoch 0 **done**"]
