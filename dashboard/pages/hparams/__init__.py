"""HParams: the sessions of a hyperparameter sweep as a filterable table, parallel coordinates, a scatter
plot matrix and parameter importance; clicking a session shows its curves.

The page's view lives in its query store (shell_ids.page_query): the filter panel, colour, log axes,
columns and selected session write it, and every view is drawn from it, so a link reproduces the
page. Brushing a parallel-coordinates axis writes that column's filter controls.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import Input, Output, State, callback_context, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components.chart_card import chart_card
from dashboard.components.empty_state import empty_state
from dashboard.components.shell import ids as shell_ids
from dashboard.data import hparams as hparams_data
from dashboard.figures import hparams as figures
from dashboard.figures.scalars import ChartOptions, scalar_figure
from dashboard.pages.hparams.view import (
    EMPTY_CODE,
    EMPTY_HINT,
    EMPTY_TITLE,
    PAGE,
    TABS,
    HParamsView,
    filters_from_controls,
    ids,
    parse_query,
)
from dashboard.render import hparams as render

__all__ = ["ids", "layout"]
FIXED_SHOWN = ["session", "run"]
TAIL_SHOWN = ["status"]
IMPORTANCE_NOTE = (
    "Absolute Spearman rank correlation |ρ| between each hyperparameter and the metric, over the sessions shown "
    "(green: the metric rises with the hparam, red: it falls). This is correlation only, not a model-based "
    "importance; string hparams are ranked by their sorted values, booleans as 0/1."
)


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults)."""
    source = data.current()
    found = hparams_data.sessions(source)
    if found.frame.empty:
        return html.Div(empty_state(EMPTY_TITLE, hint=EMPTY_HINT, code=EMPTY_CODE), className="page page-hparams")
    view = HParamsView.from_query(query, source.runs())
    kept = {"values": view.filters.values, "ranges": view.filters.ranges, "regex": view.filters.regex}
    columns = _all_columns(found)
    numeric = [c.name for c in found.columns if c.kind == "interval"]
    sidebar = html.Aside(
        [
            html.H4("Status", className="hparams-filter-heading"),
            dcc.Checklist(
                id=ids.status,
                options=[{"label": label, "value": key} for key, label in render.STATUS_LABELS.items()],
                value=list(view.filters.status or render.STATUS_LABELS),
                className="hparams-checklist",
            ),
            *render.filter_panel(found.columns, kept, ids.control),
            html.Details(
                [
                    html.Summary("Columns shown", className="hparams-filter-name"),
                    dcc.Checklist(
                        id=ids.hidden,
                        options=[{"label": c, "value": c} for c in columns],
                        value=[c for c in columns if c not in view.hidden],
                        className="hparams-checklist",
                    ),
                ],
                className="hparams-filter",
            ),
        ],
        className="hparams-sidebar",
    )
    toolbar = html.Div(
        [
            html.Span(id=ids.count, className="hparams-count"),
            html.Label("Colour by", htmlFor=ids.color),
            dcc.Dropdown(
                id=ids.color,
                options=found.metrics,
                value=view.color if view.color in found.metrics else (found.metrics[0] if found.metrics else None),
                clearable=False,
                className="hparams-dropdown",
            ),
            html.Label("Log axes", htmlFor=ids.log),
            dcc.Dropdown(
                id=ids.log,
                options=numeric,
                value=[c for c in view.log if c in numeric],
                multi=True,
                placeholder="linear",
                className="hparams-dropdown hparams-log",
            ),  # fmt: skip
            html.Span("Export", className="hparams-export-label"),
            *(
                html.Button(text, id=button, n_clicks=0, className="hparams-export")
                for text, button in (("CSV", ids.export_csv), ("JSON", ids.export_json), ("LaTeX", ids.export_latex))
            ),
            dcc.Download(id=ids.download),
        ],
        className="hparams-toolbar",
    )
    panels = [
        html.Div(render.sessions_table(ids.table, view.session), id=ids.tab_prefix + "table"),
        html.Div(dcc.Graph(id=ids.matrix, config={"displaylogo": False}), id=ids.tab_prefix + "matrix"),
        html.Div(
            [
                html.P(IMPORTANCE_NOTE, className="hparams-note"),
                dcc.Graph(id=ids.importance, config={"displaylogo": False}),
            ],
            id=ids.tab_prefix + "importance",
        ),
    ]
    for key, panel in zip(TABS, panels):
        setattr(panel, "hidden", key != view.tab)  # noqa: B010 - Dash components take props as attributes
        setattr(panel, "className", "hparams-panel")  # noqa: B010
    main = html.Div(
        [
            toolbar,
            dcc.Graph(id=ids.parcoords, config={"displaylogo": False}, className="hparams-parcoords"),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Tabs(
                                id=ids.tabs,
                                value=view.tab,
                                children=[dcc.Tab(label=t, value=k) for k, t in TABS.items()],
                            ),
                            *panels,
                        ],
                        className="hparams-views",
                    ),
                    html.Div(id=ids.details, className="hparams-details"),
                ],
                className="hparams-lower",
            ),
            dcc.Store(id=ids.session, data=view.session),
            dcc.Store(id=shell_ids.page_query(PAGE), data=view.to_query(source.runs())),
        ],
        className="hparams-main",
    )
    return html.Div([sidebar, main], className="page page-hparams")


def _all_columns(found: hparams_data.Sessions) -> list[str]:
    return [*FIXED_SHOWN, *found.hparams, *found.metrics, *TAIL_SHOWN]


def _by_column(values: Any, id_list: Any) -> dict[str, Any]:
    """Return column -> value from an ALL callback's values and the matching ids."""
    if not isinstance(values, list) or not isinstance(id_list, list):
        return {}
    return {i["column"]: v for v, i in zip(values, id_list) if isinstance(i, dict) and isinstance(i.get("column"), str)}


@callback(
    Output(shell_ids.page_query(PAGE), "data"),
    Input(ids.controls("values"), "value"),
    Input(ids.controls("min"), "value"),
    Input(ids.controls("max"), "value"),
    Input(ids.controls("regex"), "value"),
    Input(ids.status, "value"),
    Input(ids.color, "value"),
    Input(ids.log, "value"),
    Input(ids.hidden, "value"),
    Input(ids.session, "data"),
    Input(ids.tabs, "value"),
    State(ids.controls("values"), "id"),
    State(ids.controls("min"), "id"),
    State(ids.controls("max"), "id"),
    State(ids.controls("regex"), "id"),
    prevent_initial_call=True,
)
def sync_query(
    values: Any, mins: Any, maxs: Any, regexes: Any, status: Any, color: Any, log: Any, shown: Any,
    session: Any, tab: Any, value_ids: Any, min_ids: Any, max_ids: Any, regex_ids: Any,
) -> str:  # fmt: skip
    """Write the view the controls hold to the page's query (every view is drawn from it)."""
    source = data.current()
    found = hparams_data.sessions(source)
    filters = filters_from_controls(
        found.columns,
        _by_column(values, value_ids),
        _by_column(mins, min_ids),
        _by_column(maxs, max_ids),
        _by_column(regexes, regex_ids),
        status,
    )
    shown_set = set(shown) if isinstance(shown, list) else set(_all_columns(found))
    hidden = [c for c in _all_columns(found) if c not in shown_set]
    options = {"filters": filters, "color": color, "log": log, "hidden": hidden, "session": session, "tab": tab}
    return HParamsView.from_controls(options, ticked=source.runs()).to_query(source.runs())


def _view(query: Any) -> HParamsView:
    return HParamsView.from_query(parse_query(query), data.current().runs())


@callback(
    Output(ids.table, "data"),
    Output(ids.table, "columns"),
    Output(ids.table, "style_data_conditional"),
    Output(ids.parcoords, "figure"),
    Output(ids.matrix, "figure"),
    Output(ids.importance, "figure"),
    Output(ids.count, "children"),
    Input(shell_ids.page_query(PAGE), "data"),
    Input(shell_ids.version, "data"),
)
def show(query: Any, _version: Any) -> tuple[Any, ...]:
    """Draw the table, parallel coordinates, scatter matrix and importance for the view in the query."""
    view = _view(query)
    found = hparams_data.sessions(data.current())
    shown = hparams_data.apply(found, view.filters)
    color = view.color if view.color in found.metrics else (found.metrics[0] if found.metrics else None)
    visible = [c for c in _all_columns(found) if c not in set(view.hidden)]
    axes = [_axis(found, name, view) for name in [*found.hparams, *found.metrics]]
    everyone = found.frame.assign(**{c.name: found.frame[c.name].map(hparams_data.label) for c in _categorical(found)})
    in_plot = everyone[everyone.index.isin(hparams_data.apply(found, _plot_filters(view)).index)]
    return (
        render.records(shown, visible),
        render.table_columns(shown, visible, found.metrics),
        render.highlight(view.session),
        figures.parallel_coordinates(in_plot, axes, color),
        figures.scatter_matrix(shown, found.hparams, found.metrics, color, view.session),
        figures.importance_figure(hparams_data.importance(shown, found.hparams, found.metrics), found.metrics),
        _count_text(len(shown), len(found.frame), found.inferred_metrics),
    )


def _categorical(found: hparams_data.Sessions) -> list[hparams_data.Column]:
    return [c for c in found.columns if c.kind != "interval"]


def _plot_filters(view: HParamsView) -> hparams_data.Filters:
    """The filters that remove lines from the plot (status, regex); the others show as brushed ranges."""
    return hparams_data.Filters(regex=view.filters.regex, status=view.filters.status)


def _axis(found: hparams_data.Sessions, name: str, view: HParamsView) -> figures.Axis:
    column = found.column(name)
    if column is not None and column.kind != "interval":
        values = column.values or tuple(sorted({hparams_data.label(v) for v in found.frame[name]}))
        return figures.Axis(name, values, kept=view.filters.values.get(name))
    return figures.Axis(name, log=name in view.log, kept=view.filters.ranges.get(name))


def _count_text(shown: int, total: int, inferred: bool) -> str:
    text = f"{shown} of {total} sessions shown"
    return text + " · metrics inferred from the sessions' scalars (no hparams config)" if inferred else text


@callback(
    *(Output(ids.tab_prefix + key, "hidden") for key in TABS),
    Input(ids.tabs, "value"),
)
def show_tab(tab: Any) -> tuple[bool, ...]:
    """Show the chosen tab's panel only."""
    chosen = tab if isinstance(tab, str) and tab in TABS else "table"
    return tuple(key != chosen for key in TABS)


@callback(
    Output(ids.session, "data"),
    Input(ids.table, "active_cell"),
    Input(ids.matrix, "clickData"),
    prevent_initial_call=True,
)
def select_session(cell: Any, click: Any) -> Any:
    """Select the session of the clicked table row or scatter point."""
    trigger = callback_context.triggered_id if callback_context else None
    if trigger == ids.matrix:
        points = click.get("points") if isinstance(click, dict) else None
        session = (
            points[0].get("customdata") if isinstance(points, list) and points and isinstance(points[0], dict) else None
        )
    else:
        session = cell.get("row_id") if isinstance(cell, dict) else None
    return session if isinstance(session, str) else no_update


@callback(Output(ids.details, "children"), Input(ids.session, "data"), Input(shell_ids.version, "data"))
def show_session(session: Any, _version: Any) -> Component | list[Component]:
    """Show the selected session's hparams, metrics and scalar curves (its run's, and its sub-run's)."""
    source = data.current()
    found = hparams_data.sessions(source)
    rows = found.frame[found.frame["session"] == session] if isinstance(session, str) and session else found.frame[:0]
    if rows.empty:
        return html.P(
            "Click a session in the table or the scatter plot matrix to see its curves.", className="hparams-note"
        )
    curves = hparams_data.session_curves(source, found, str(session))
    colors = source.run_colors()
    cards = [
        chart_card(tag, ids.curve(tag), scalar_figure(frame, colors, ChartOptions(), uirevision=tag), height=240)
        for tag, frame in curves.items()
    ]
    return (
        [render.session_summary(rows.iloc[0], found.hparams, found.metrics), *cards]
        if cards
        else [
            render.session_summary(rows.iloc[0], found.hparams, found.metrics),
            html.P("This session's runs have no scalars.", className="hparams-note"),
        ]
    )


@callback(
    Output(ids.controls("min"), "value"),
    Output(ids.controls("max"), "value"),
    Output(ids.controls("values"), "value"),
    Input(ids.parcoords, "restyleData"),
    State(ids.parcoords, "figure"),
    State(ids.controls("min"), "id"),
    State(ids.controls("max"), "id"),
    State(ids.controls("values"), "id"),
    prevent_initial_call=True,
)
def brush(restyle: Any, figure: Any, min_ids: Any, max_ids: Any, value_ids: Any) -> tuple[list[Any], ...]:
    """Write a brushed parallel-coordinates axis into its column's filter controls (min/max or ticked values)."""
    brushed = figures.brushed(restyle, figure)
    mins = [
        brushed[i["column"]][0] if i["column"] in brushed and not brushed[i["column"]][2] else no_update
        for i in min_ids or []
    ]
    maxs = [
        brushed[i["column"]][1] if i["column"] in brushed and not brushed[i["column"]][2] else no_update
        for i in max_ids or []
    ]
    ticked = [
        list(brushed[i["column"]][2]) if i["column"] in brushed and brushed[i["column"]][2] else no_update
        for i in value_ids or []
    ]
    return mins, maxs, ticked


@callback(
    Output(ids.download, "data"),
    Input(ids.export_csv, "n_clicks"),
    Input(ids.export_json, "n_clicks"),
    Input(ids.export_latex, "n_clicks"),
    State(shell_ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def export(_csv: Any, _json: Any, _latex: Any, query: Any) -> Any:
    """Download the shown sessions and columns as CSV, JSON or LaTeX."""
    trigger = callback_context.triggered_id if callback_context else None
    fmt = {ids.export_csv: "csv", ids.export_json: "json", ids.export_latex: "tex"}.get(trigger or "")
    if fmt is None:
        return no_update
    view = _view(query)
    found = hparams_data.sessions(data.current())
    frame = hparams_data.apply(found, view.filters)
    frame = frame[[c for c in _all_columns(found) if c not in set(view.hidden)]]
    return {"content": _export_text(frame, fmt), "filename": f"hparams.{fmt}", "type": "text/plain"}


def _export_text(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", indent=1) or "[]"
    return frame.to_latex(index=False, na_rep="", float_format="%.6g")
