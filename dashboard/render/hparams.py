"""HParams presentation that is not a figure: the sessions table and the filter panel."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from dash import dash_table, dcc, html
from dash.development.base_component import Component

IdOf = Callable[[str, str], dict[str, Any]]  # (control kind, column) -> a dict id
STATUS_LABELS = {"success": "Success", "failure": "Failure", "running": "Running", "unknown": "Unknown"}


def records(frame: pd.DataFrame, columns: Sequence[str], id_column: str = "session") -> list[dict[str, Any]]:
    """Return the table's rows: JSON-safe cells (NaN -> None, bools as true/false), "id" = the id_column's value."""
    rows = []
    for row in frame.to_dict("records"):
        cells = {column: _cell(row.get(column)) for column in columns}
        cells["id"] = row.get(id_column)
        rows.append(cells)
    return rows


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return _cell(value.item())
    return value


def table_columns(frame: pd.DataFrame, columns: Sequence[str], metrics: Sequence[str]) -> list[dict[str, Any]]:
    """Return DataTable column specs; numbers right-aligned with 6 significant digits."""
    specs = []
    for column in columns:
        values = frame[column] if column in frame else pd.Series(dtype="object")
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        spec: dict[str, Any] = {"name": column, "id": column, "type": "numeric" if numeric else "text"}
        if numeric and column not in ("start_time", "end_time"):
            spec["format"] = {"specifier": ".6~g"}
        specs.append(spec)
    return specs


def sessions_table(table_id: str, selected_style: str = "") -> Component:
    """Return the (empty) sessions table: sortable by any column, one row selectable by a click."""
    return dash_table.DataTable(  # type: ignore[attr-defined]  # dash_table ships no type stubs for it
        id=table_id,
        data=[],
        columns=[],
        sort_action="native",
        sort_mode="single",
        page_action="native",
        page_size=25,
        cell_selectable=True,
        style_table={"overflowX": "auto"},
        style_cell={"fontFamily": "inherit", "fontSize": "12px", "padding": "4px 8px", "maxWidth": "240px"},
        style_header={"fontWeight": "600", "backgroundColor": "#f5f5f5"},
        style_data_conditional=highlight(selected_style),
    )


def highlight(session: str) -> list[dict[str, Any]]:
    """Return the table's conditional style that marks the selected session's row."""
    if not session:
        return []
    return [{"if": {"row_id": session}, "backgroundColor": "#e3f2fd", "fontWeight": "600"}]


def filter_panel(
    columns: Sequence[Any],
    kept: Mapping[str, Any],
    id_of: IdOf,
) -> list[Component]:
    """Return one filter control per column: value checkboxes, min/max boxes, or a regex box.

    Args:
        columns: dashboard.data.hparams.Column objects (name, role, kind, values).
        kept: the current filters: {"values": {col: labels}, "ranges": {col: (lo, hi)}, "regex": {col: text}}.
        id_of: builds a control's dict id from its kind ("values", "min", "max", "regex") and column.

    Returns:
        The controls, hparams first then metrics, each under its column's name.
    """
    values, ranges, regex = kept.get("values", {}), kept.get("ranges", {}), kept.get("regex", {})
    blocks: list[Component] = []
    for role, heading in (("hparam", "Hyperparameters"), ("metric", "Metrics")):
        chosen = [c for c in columns if c.role == role]
        if chosen:
            blocks.append(html.H4(heading, className="hparams-filter-heading"))
        for column in chosen:
            blocks.append(_filter(column, values, ranges, regex, id_of))
    return blocks


def _filter(
    column: Any, values: Mapping[str, Any], ranges: Mapping[str, Any], regex: Mapping[str, Any], id_of: IdOf
) -> Component:
    name = column.name
    if column.kind == "discrete":
        control: Component = dcc.Checklist(
            id=id_of("values", name),
            options=[{"label": v, "value": v} for v in column.values],
            value=list(values.get(name, column.values)),
            className="hparams-checklist",
            inputClassName="hparams-check",
        )
    elif column.kind == "text":
        control = dcc.Input(
            id=id_of("regex", name), type="text", value=regex.get(name, ""), placeholder="regex", debounce=True,
            className="hparams-regex",
        )  # fmt: skip
    else:
        low, high = ranges.get(name, (None, None))
        control = html.Div(
            [
                dcc.Input(id=id_of("min", name), type="number", value=low, placeholder="min", debounce=True),
                html.Span("–"),
                dcc.Input(id=id_of("max", name), type="number", value=high, placeholder="max", debounce=True),
            ],
            className="hparams-range",
        )
    return html.Details(
        [html.Summary(name, className="hparams-filter-name"), control], open=True, className="hparams-filter"
    )


def session_summary(row: pd.Series, hparams: Sequence[str], metrics: Sequence[str]) -> Component:
    """Return the selected session's heading: its name, run, status, hparam values and metric values."""

    def pairs(names: Sequence[str]) -> list[Component]:
        return [
            html.Span([html.B(f"{name} "), html.Span(_shown(row.get(name)))], className="hparams-pair")
            for name in names
        ]

    return html.Div(
        [
            html.H4(str(row.get("session")), className="hparams-session-name"),
            html.Div([f"run {row.get('run')} · status {row.get('status')}"], className="hparams-session-meta"),
            html.Div(pairs(hparams), className="hparams-pairs"),
            html.Div(pairs(metrics), className="hparams-pairs hparams-metric-pairs"),
        ],
        className="hparams-session",
    )


def _shown(value: Any) -> str:
    cell = _cell(value)
    if cell is None:
        return "—"
    return f"{cell:.6g}" if isinstance(cell, float) else str(cell)
