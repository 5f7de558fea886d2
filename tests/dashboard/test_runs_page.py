"""The Runs page: the runs table (times, steps, tag counts, hparams, metric summaries), selection link and export."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import pyarrow.parquet as pq
import pytest

from dashboard import data
from dashboard.data import runs as runs_data
from dashboard.pages import runs as page
from tests.dashboard.dashtest import call, find

TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_hparams"


@pytest.fixture
def in_app(make_app: Callable[..., dash.Dash], tmp_path: Path) -> Iterator[object]:
    shutil.copytree(TF2, tmp_path / "logs")
    app = make_app(logdir=str(tmp_path / "logs"))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def test_runs_table_has_times_steps_tag_counts_hparams_and_metrics(in_app: object) -> None:
    frame = runs_data.runs_table(data.current(), ["loss"]).set_index("run")
    assert list(frame.columns[:4]) == ["start_utc", "last_utc", "duration_s", "steps"]
    assert frame.loc["session_1", "steps"] == 2 and frame.loc["session_1", "tags: scalars"] == 2
    assert frame.loc["session_1", "optimizer"] == "sgd"
    assert frame.loc["session_1", "loss max"] == pytest.approx(0.5)
    assert frame.loc["session_1", "loss last"] == pytest.approx(0.25) == frame.loc["session_1", "loss min"]
    assert frame.loc[".", "start_utc"] == ""


def test_show_filters_by_regex_and_ticks_the_url_runs(in_app: object) -> None:
    tree = page.layout(metric=["loss", "nope"], runs="sess")
    assert find(tree, page.ids.metrics).value == ["loss"]
    rows, columns, selected, count = page.show("session_[12]", ["loss"], "v", "?run=session_2")
    assert [r["id"] for r in rows] == ["session_1", "session_2"] and selected == [1] and count == "2 runs"
    assert "loss last" in [c["id"] for c in columns]
    rows, *_ = page.show({"x": 1}, "junk", None, 5)  # a client can send anything
    assert len(rows) == 4


def test_selection_writes_the_url_and_the_scalars_link(in_app: object) -> None:
    query, href = call(page.sync_query, "", ["loss"], ["session_1", "session_2"])
    assert query == "?metric=loss&run=session_1&run=session_2"
    assert href == "/scalars?run=session_1&run=session_2"
    assert call(page.sync_query, None, None, None)[1] == "/scalars"


def test_export_zips_one_parquet_per_kind_of_the_selected_runs(in_app: object) -> None:
    archive = zipfile.ZipFile(io.BytesIO(runs_data.export_zip(data.current(), ["session_1", "bogus"])))
    assert archive.namelist() == ["scalars.parquet"]
    table = pq.read_table(io.BytesIO(archive.read("scalars.parquet")))
    assert set(table.column("run").to_pylist()) == {"session_1"} and table.num_rows == 6
    out = call(page.export, 1, ["session_1"], triggered=page.ids.export)
    assert out["filename"] == "runs.zip" and out["base64"]
    assert call(page.export, 1, [], triggered=page.ids.export) is dash.no_update
