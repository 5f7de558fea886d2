"""The HParams page: layout from the URL, the query as the view, table/plot/count, session, brush, export."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import dash
import pytest

from dashboard.data.hparams import Filters
from dashboard.pages import hparams as page
from dashboard.pages.hparams.view import HParamsView, ids, parse_query
from tests.dashboard.dashtest import call, find

TF2 = Path(__file__).resolve().parents[1] / "fixtures" / "tf2" / "tf_hparams"
QUERY = {"type": "page-query", "page": "hparams"}
RANGE_COLUMNS = ["learning_rate", "dropout", "accuracy", "loss"]


@pytest.fixture
def in_app(make_app: Callable[..., dash.Dash], tmp_path: Path) -> Iterator[object]:
    shutil.copytree(TF2, tmp_path / "logs")
    app = make_app(logdir=str(tmp_path / "logs"))
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        yield app.server


def test_layout_reads_the_view_from_the_query(in_app: object) -> None:
    tree = page.layout(**{"in.optimizer": "sgd", "min.accuracy": "0.6", "color": "loss", "tab": "matrix", "off": "run"})
    assert find(tree, ids.control("values", "optimizer")).value == ["sgd"]
    assert find(tree, ids.control("min", "accuracy")).value == 0.6
    assert find(tree, ids.color).value == "loss"
    assert find(tree, ids.tab_prefix + "matrix").hidden is False
    assert "run" not in find(tree, ids.hidden).value
    assert "in.optimizer=sgd" in find(tree, QUERY).data
    bad = page.layout(**{"min.accuracy": ["x"], "color": "nope", "tab": "zzz", "status": "bogus"})
    assert find(bad, ids.color).value == "accuracy" and find(bad, ids.tabs).value == "table"


def test_layout_without_sessions_is_an_empty_state(make_app: Callable[..., dash.Dash], tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter  # type: ignore[import-untyped]  # tensorboardX ships no type hints

    with SummaryWriter(str(tmp_path / "logs" / "plain")) as writer:
        writer.add_scalar("loss", 1.0, 0)
    app = make_app(logdir=str(tmp_path / "logs"))
    with app.server.test_request_context("/"):
        tree = page.layout()
    assert "No hparams sessions" in str(tree.to_plotly_json())


def test_show_draws_the_filtered_table_and_the_whole_plot(in_app: object) -> None:
    rows, columns, style, parcoords, matrix, importance, count = page.show("?in.optimizer=adam&min.accuracy=0.65", "v")
    assert [row["session"] for row in rows] == ["session_2"] and rows[0]["batch_norm"] == "true"
    assert [c["id"] for c in columns][:3] == ["session", "run", "learning_rate"]
    assert count == "1 of 3 sessions shown"
    assert len(parcoords.data[0].dimensions[0].values) == 3  # filtered sessions stay as brushed-out lines
    assert parcoords.data[0].dimensions[1].constraintrange is not None
    assert style == []
    rows, *_ = page.show({"not": "a string"}, None)  # a client can send anything
    assert len(rows) == 3


def test_sync_query_writes_filters_options_and_session(in_app: object) -> None:
    query = call(
        page.sync_query,
        [["adam"], ["true", "false"]], [0.001, None, None, None], [None] * 4, [], ["success"], "loss",
        ["learning_rate"], ["session", "run", "loss"], "session_1", "matrix",
        [ids.control("values", "optimizer"), ids.control("values", "batch_norm")],
        [ids.control("min", c) for c in RANGE_COLUMNS], [ids.control("max", c) for c in RANGE_COLUMNS], [],
    )  # fmt: skip
    view = HParamsView.from_query(parse_query(query), [])
    assert view.filters == Filters({"optimizer": ("adam",)}, {"learning_rate": (0.001, None)}, {}, ("success",))
    assert (view.color, view.log, view.session, view.tab) == ("loss", ("learning_rate",), "session_1", "matrix")
    assert "optimizer" in view.hidden and "loss" not in view.hidden and "run=" not in query.replace("session=", "")
    junk = call(page.sync_query, *([None] * 14))
    assert HParamsView.from_query(parse_query(junk), []).filters == Filters()


def test_select_session_from_table_or_matrix_and_show_its_curves(in_app: object) -> None:
    assert (
        call(page.select_session, {"row_id": "session_2"}, None, triggered=ids.table, prop="active_cell") == "session_2"
    )
    click = {"points": [{"customdata": "session_0"}]}
    assert call(page.select_session, None, click, triggered=ids.matrix, prop="clickData") == "session_0"
    details = page.show_session("session_1", "v")
    assert isinstance(details, list)
    text = str([d.to_plotly_json() for d in details])
    assert "session_1" in text and "'tag': 'loss'" in text and "'tag': 'accuracy'" in text
    empty = page.show_session(["junk"], None)
    assert not isinstance(empty, list) and "Click a session" in str(empty.to_plotly_json())


def test_brush_writes_the_columns_filter_controls(in_app: object) -> None:
    _, _, _, parcoords, *_ = page.show("?log=learning_rate", "v")
    figure = parcoords.to_plotly_json()
    restyle = [{"dimensions[0].constraintrange": [[-2.5, -1.5]], "dimensions[1].constraintrange": [[0.8, 1.2]]}, [0]]
    mins, maxs, ticked = page.brush(
        restyle, {"layout": figure["layout"]}, [ids.control("min", "learning_rate"), ids.control("min", "loss")],
        [ids.control("max", "learning_rate")], [ids.control("values", "optimizer")],
    )  # fmt: skip
    assert mins[0] == pytest.approx(10**-2.5, rel=1e-3) and maxs[0] == pytest.approx(10**-1.5, rel=1e-3)
    assert mins[1] is dash.no_update
    assert ticked == [["sgd"]]


EXPORTS = [(ids.export_csv, "session,learning_rate"), (ids.export_json, '"session"'), (ids.export_latex, "\\begin{tab")]


@pytest.mark.parametrize(("button", "needle"), EXPORTS)
def test_export_downloads_the_shown_sessions(in_app: object, button: str, needle: str) -> None:
    clicks = [1 if b == button else 0 for b in (ids.export_csv, ids.export_json, ids.export_latex)]
    out = call(page.export, *clicks, "?in.optimizer=sgd&off=run", triggered=button)
    assert needle in out["content"] and "session_1" in out["content"] and "session_0" not in out["content"]
    assert "run" not in out["content"].split("\n")[0].replace("session", "")
