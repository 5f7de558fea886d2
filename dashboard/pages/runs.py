"""Runs: every run in one sortable, filterable table; ticked rows become the run selection of the other pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dash
from dash import Input, Output, State, dash_table, dcc, html, no_update

from dashboard import data, urlstate
from dashboard.callbacks import callback
from dashboard.components.empty_state import empty_state
from dashboard.components.shell import ids as shell_ids
from dashboard.data import runs as runs_data
from dashboard.pages._view import View, names
from dashboard.pages.hparams.view import parse_query
from dashboard.render import hparams as table_render

__all__ = ["ids", "layout"]
PAGE = "runs"


class ids:  # noqa: N801 - a namespace
    """Ids of the Runs page's components (one of each, so plain strings)."""

    regex = "runs-regex"
    metrics = "runs-metrics"
    table = "runs-table"
    open_scalars = "runs-open-scalars"
    export = "runs-export"
    download = "runs-download"
    count = "runs-count"


@dataclass(frozen=True)
class RunsView(View):
    """Everything a Runs link reproduces: the run regex, the ticked runs and the summarised metrics.

    Attributes:
        metrics: scalar tags shown as last/min/max columns.
    """

    metrics: tuple[str, ...] = ()

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the metrics (query "metric", repeated)."""
        return {"metrics": tuple(urlstate.as_list(query.get("metric")))[:10]}

    @classmethod
    def options_from_controls(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return the metrics the dropdown holds."""
        return {"metrics": tuple(names(values.get("metrics")))[:10]}

    def options_query(self) -> dict[str, object]:
        """Return the metrics."""
        return {"metric": list(self.metrics)}


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults)."""
    source = data.current()
    runs = source.runs()
    if not runs:
        return html.Div(
            empty_state(
                "No runs yet", hint="A run is a directory holding an event file.", code="SummaryWriter('runs/exp1')"
            ),
            className="page page-runs",
        )
    view = RunsView.from_query(query, runs)
    tags = source.plugin_tags("scalars", runs)
    return html.Div(
        [
            html.Div(
                [
                    dcc.Input(
                        id=ids.regex,
                        type="search",
                        value=view.run_regex,
                        placeholder="Filter runs (regex)",
                        debounce=True,
                        className="runs-regex",
                    ),
                    dcc.Dropdown(
                        id=ids.metrics,
                        options=tags,
                        value=[t for t in view.metrics if t in tags],
                        multi=True,
                        placeholder="Metrics: last / min / max of scalar tags",
                        className="runs-metrics",
                    ),
                    html.Span(id=ids.count, className="hparams-count"),
                    dcc.Link("Open selected in Scalars", id=ids.open_scalars, href="/scalars", className="runs-link"),
                    html.Button(
                        "Export selected (zip of Parquet)", id=ids.export, n_clicks=0, className="hparams-export"
                    ),
                    dcc.Download(id=ids.download),
                ],
                className="hparams-toolbar",
            ),
            dash_table.DataTable(  # type: ignore[attr-defined]  # dash_table ships no type stubs for it
                id=ids.table,
                data=[],
                columns=[],
                sort_action="native",
                filter_action="native",
                row_selectable="multi",
                selected_rows=[],
                page_action="none",
                style_table={"overflowX": "auto"},
                style_cell={"fontFamily": "inherit", "fontSize": "12px", "padding": "4px 8px"},
                style_header={"fontWeight": "600", "backgroundColor": "#f5f5f5"},
            ),
            dcc.Store(id=shell_ids.page_query(PAGE), data=view.to_query(runs)),
        ],
        className="page page-runs",
    )


@callback(
    Output(ids.table, "data"),
    Output(ids.table, "columns"),
    Output(ids.table, "selected_rows"),
    Output(ids.count, "children"),
    Input(ids.regex, "value"),
    Input(ids.metrics, "value"),
    Input(shell_ids.version, "data"),
    State(shell_ids.page_query(PAGE), "data"),
)
def show(regex: Any, metrics: Any, _version: Any, query: Any) -> tuple[Any, ...]:
    """Fill the table with the runs the regex keeps; tick the runs the URL selects."""
    source = data.current()
    frame = runs_data.runs_table(source, names(metrics)[:10])
    pattern, _ = urlstate.compile_filter(regex if isinstance(regex, str) else "")
    if pattern is not None:
        frame = frame[[bool(pattern.search(run)) for run in frame["run"]]]
    parsed = parse_query(query)
    ticked = set(urlstate.decode_runs(parsed, source.runs())) if "run" in parsed or "hide" in parsed else set()
    columns = list(frame.columns)
    rows = table_render.records(frame, columns, id_column="run")
    selected = [i for i, run in enumerate(frame["run"]) if run in ticked]
    return rows, table_render.table_columns(frame, columns, []), selected, f"{len(frame)} runs"


@callback(
    Output(shell_ids.page_query(PAGE), "data"),
    Output(ids.open_scalars, "href"),
    Input(ids.regex, "value"),
    Input(ids.metrics, "value"),
    Input(ids.table, "derived_virtual_selected_row_ids"),
    prevent_initial_call=True,
)
def sync_query(regex: Any, metrics: Any, selected: Any) -> tuple[str, str]:
    """Write the view to the URL, and point the Scalars link at the ticked runs."""
    runs = data.current().runs()
    ticked = names(selected) or runs
    view = RunsView.from_controls({"metrics": metrics}, run_regex=regex, ticked=ticked)
    return view.to_query(runs), dash.get_relative_path("/scalars") + urlstate.encode(urlstate.encode_runs(ticked, runs))


@callback(
    Output(ids.download, "data"),
    Input(ids.export, "n_clicks"),
    State(ids.table, "derived_virtual_selected_row_ids"),
    prevent_initial_call=True,
)
def export(clicks: Any, selected: Any) -> Any:
    """Download the ticked runs' data (every kind) as a zip of one Parquet file per kind."""
    runs = names(selected)
    if not clicks or not runs:
        return no_update
    return dcc.send_bytes(runs_data.export_zip(data.current(), runs), "runs.zip")
