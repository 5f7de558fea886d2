"""Profile presentation that is not a figure: KPI cards, advice, device facts, sortable tables, event details."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dash import dash_table, html
from dash.development.base_component import Component


def kpi_cards(cards: Sequence[tuple[str, str, str]]) -> html.Div:
    """Return a row of KPI cards from (title, value, note) triples."""
    return html.Div(
        [
            html.Div(
                [
                    html.Div(title, className="kpi-title"),
                    html.Div(value, className="kpi-value"),
                    html.Div(note, className="kpi-note"),
                ],
                className="kpi-card",
            )
            for title, value, note in cards
        ],
        className="kpi-row",
    )


def recommendations(tips: Sequence[str]) -> html.Div:
    """Return the list of plain-language recommendations."""
    return html.Div(
        [html.H4("Recommendations"), html.Ul([html.Li(tip) for tip in tips], className="profile-tips")],
        className="profile-section",
    )


def devices(facts: Mapping[str, Mapping[str, Any]]) -> html.Div:
    """Return a small table of device facts (name, memory, compute capability, SMs)."""
    if not facts:
        return html.Div()
    rows = [
        html.Tr(
            [html.Td(device)]
            + [html.Td(_fact(key, info.get(key))) for key in ("name", "memory", "compute capability", "SMs")]
        )
        for device, info in facts.items()
    ]
    head = html.Tr([html.Th(text) for text in ("Device", "Name", "Memory", "Compute capability", "SMs")])
    return html.Div([html.H4("Devices"), html.Table([html.Thead(head), html.Tbody(rows)], className="profile-devices")])


def _fact(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "memory" and isinstance(value, int | float):
        return f"{value / 2**30:.1f} GiB"
    return str(value)


def problems(messages: Sequence[str]) -> html.Div:
    """Return the capture's read problems as a warning box (nothing when there are none)."""
    if not messages:
        return html.Div()
    return html.Div(
        [html.Strong("Parts of this capture could not be read: "), html.Ul([html.Li(m) for m in messages[:10]])],
        className="profile-problems",
        role="alert",
    )


def data_table(frame: pd.DataFrame, table_id: str, *, page_size: int = 20) -> Component:
    """Return a sortable, filterable, paged table of frame (numbers right-aligned)."""
    return dash_table.DataTable(  # type: ignore[attr-defined]  # dash_table ships no type stubs for it
        id=table_id,
        data=frame.to_dict("records"),
        columns=[{"name": column, "id": column, "type": _type(frame[column])} for column in frame.columns],
        sort_action="native",
        filter_action="native",
        page_action="native",
        page_size=page_size,
        style_table={"overflowX": "auto"},
        style_cell={
            "fontFamily": "inherit",
            "fontSize": "12px",
            "maxWidth": "420px",
            "overflow": "hidden",
            "textOverflow": "ellipsis",
        },
        style_header={"fontWeight": "600"},
        tooltip_duration=None,
    )


def _type(column: pd.Series) -> str:
    return "numeric" if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column) else "text"


def event_details(details: Mapping[str, Any] | None) -> Component:
    """Return the details panel of a clicked event (a hint when nothing is selected)."""
    if not details:
        return html.P(
            "Click an event to see its details; drag to zoom, double-click to zoom out.", className="profile-hint"
        )
    facts = [
        ("Name", details["name"]),
        ("Kind", details["kind"]),
        ("Track", details["track"]),
        ("Start", f"{details['start_us']:.3f} µs"),
        ("Duration", f"{details['dur_us']:.3f} µs"),
        ("Step", str(details["step"]) if details["step"] >= 0 else "—"),
        ("Inside", details["parent"] or "—"),
    ]
    if details.get("shape"):
        facts.append(("Input shapes", details["shape"]))
    children: list[Component] = [
        html.Table([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts], className="profile-facts")
    ]
    if details.get("linked"):
        children += [html.H5("Linked by correlation id"), html.Ul([html.Li(text) for text in details["linked"]])]
    if details.get("args"):
        children += [
            html.H5("Args"),
            html.Pre(json.dumps(details["args"], indent=1, default=str), className="profile-args"),
        ]
    return html.Div(children, className="profile-details")
