"""Graphs: a run's op graph, Keras conceptual graph or tf.function body as collapsible name scopes; served at /graphs.

The server builds only the visible element set for the current expansion state (a collapsed
scope is one node, edges are bundled between visible items), so the browser never receives a
whole large graph. Every click goes through one state store (GraphView, also the URL query).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dash_cytoscape as cyto
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data
from dashboard.callbacks import callback
from dashboard.components.controls import field, radio_control, toggles
from dashboard.components.empty_state import empty_state
from dashboard.components.shell import ids as shell_ids
from dashboard.data import graphs as graph_data
from dashboard.figures import graph_elements
from dashboard.figures.graph_hierarchy import GraphModel, build_model
from dashboard.pages.graphs.view import (
    FN_SEP,
    PAGE,
    TOGGLES,
    GraphView,
    collapse_to,
    expand_to_depth,
    find,
    ids,
    jump,
    settle,
    split_graph_value,
    tap,
    with_controls,
)
from dashboard.render import graph_details
from dashboard.render.graph_details import ids as detail_ids

__all__ = ["ids", "layout"]

cyto.load_extra_layouts()  # dagre, and the SVG export

LAYOUT = {"name": "dagre", "rankDir": "TB", "nodeSep": 14, "rankSep": 30, "edgeSep": 8, "padding": 16, "animate": False}
EMPTY_TITLE = "No graph was found"
EMPTY_HINT = (
    "Log a model graph: PyTorch/tensorboardX writer.add_graph(model, example_input), Keras "
    "TensorBoard(write_graph=True), or tf.summary.trace_on(graph=True) + trace_export."
)
STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "label": "data(label)", "background-color": "data(color)", "shape": "round-rectangle", "font-size": 10,
        "text-valign": "center", "text-halign": "center", "width": "data(w)", "height": 22,
        "border-width": 1, "border-color": "#8a8a8a", "color": "#212121"}},
    {"selector": "node.scope.collapsed, node.series.collapsed", "style": {
        "height": 30, "border-width": 2, "border-color": "#4a6f96", "font-weight": "bold"}},
    {"selector": "node.series.collapsed", "style": {"border-style": "double", "border-width": 4}},
    {"selector": "node.aux.collapsed", "style": {"border-style": "dashed", "background-color": "#f6f6f6"}},
    {"selector": "node.aux-node", "style": {"opacity": 0.8}},
    {"selector": ":parent", "style": {
        "background-color": "#f3f6fa", "background-opacity": 0.7, "border-style": "dashed", "border-color": "#7b93ad",
        "text-valign": "top", "text-halign": "center", "font-weight": "bold", "padding": 10}},
    {"selector": "node.aux:parent", "style": {"background-color": "#fafafa", "border-color": "#bbbbbb"}},
    {"selector": "edge", "style": {
        "curve-style": "bezier", "target-arrow-shape": "triangle", "width": "data(width)", "line-color": "#a0a0a0",
        "target-arrow-color": "#a0a0a0", "label": "data(label)", "font-size": 8, "color": "#555",
        "text-background-color": "#ffffff", "text-background-opacity": 0.8, "arrow-scale": 0.8}},
    {"selector": "edge.control", "style": {"line-style": "dashed", "width": 1}},
    {"selector": ".match", "style": {"border-color": "#c2185b", "border-width": 3}},
    {"selector": ".traced", "style": {"border-color": "#d32f2f", "border-width": 3}},
    {"selector": "edge.traced", "style": {"line-color": "#d32f2f", "target-arrow-color": "#d32f2f"}},
    {"selector": ".selected", "style": {"border-color": "#ff6d00", "border-width": 4}},
]  # fmt: skip


def _model(source: data.DataSource, view: GraphView) -> GraphModel | None:
    """Return the view's graph hierarchy, built once per data version."""

    def build() -> GraphModel | None:
        tables = graph_data.graph_tables(source, view.run, view.graph, function=view.fn, stats_tag=view.stats)
        if tables is None:
            return None
        strip = view.fn + "/" if view.fn else ""
        return build_model(*tables, strip=strip, series=view.series, auxiliary=view.aux)

    key = ("graphs-model", view.run, view.graph, view.fn, view.stats, view.series, view.aux)
    return source.memo(key, build)


def _settled(source: data.DataSource, view: GraphView) -> tuple[GraphView, graph_data.GraphChoice]:
    runs = graph_data.graph_runs(source)
    choice = graph_data.run_choices(source, view.run if view.run in runs else (runs[0] if runs else ""))
    view = settle(view, runs, choice.graphs, choice.functions)
    if view.stats and view.stats not in choice.stats_tags:
        view = replace(view, stats="")
    return view, choice


def _graph_options(choice: graph_data.GraphChoice) -> list[dict[str, str]]:
    options = []
    for name in choice.graphs:
        options.append({"label": graph_data.graph_label(name), "value": name})
        options += [{"label": f"  ƒ {fn}", "value": name + FN_SEP + fn} for fn in choice.functions.get(name, [])]
    return options


def _views(source: data.DataSource, view: GraphView) -> dict[str, Any]:
    """Return every output that depends on the view: elements, legend, breadcrumb, details, summary, matches, query."""
    model = _model(source, view)
    query = view.to_query([])
    if model is None:
        return {"elements": [], "legend": [], "crumbs": [], "details": graph_details.details_panel(None),
                "summary": "This graph is empty.", "matches": [], "query": query}  # fmt: skip
    found = graph_elements.search(model, view.search) if view.search else []
    leaf = graph_elements.leaf_of(model, view.node)
    traced = graph_elements.trace_inputs(model, leaf) if view.trace and leaf is not None else None
    built = graph_elements.build_elements(
        model,
        set(view.expanded),
        color=view.color,
        selected=view.node,
        matches={model.node_id(i) for i in found},
        traced=traced,
    )
    functions = [fn for fns in graph_data.run_choices(source, view.run).functions.values() for fn in fns]
    hidden = f"; {built.hidden_edges} edges of auxiliary nodes hidden" if built.hidden_edges else ""
    count = "no match" if view.search and not found else (f"{len(found)} match(es)" if found else "")
    return {
        "elements": built.elements,
        "legend": graph_details.legend([(entry.color, entry.label) for entry in built.legend]),
        "crumbs": graph_details.breadcrumb(graph_elements.breadcrumb(model, view.node), ids.crumb),
        "details": graph_details.details_panel(graph_elements.node_details(model, view.node, functions)),
        "summary": f"{built.visible_nodes} of {model.size + len(model.groups)} nodes and groups drawn{hidden}",
        "matches": graph_details.search_results([(model.node_id(i), model.names[i]) for i in found], count),
        "query": query,
    }


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults; see GraphView)."""
    source = data.current()
    view, choice = _settled(source, GraphView.from_query(query, []))
    runs = graph_data.graph_runs(source)
    if not runs:
        message = source.status().message if source.status().state != "ok" else ""
        return html.Div(
            [html.Main([empty_state(EMPTY_TITLE, hint=message or EMPTY_HINT, code="writer.add_graph(model, images)")],
                       className="main")],
            id=ids.root,
            className="page page-graphs page-empty",
        )  # fmt: skip
    shown = _views(source, view)
    return html.Div(
        [
            html.Aside(_sidebar(view, runs, choice, shown), className="sidebar graph-sidebar"),
            html.Main(
                [
                    html.Div(shown["crumbs"], id=ids.breadcrumb, className="graph-breadcrumb"),
                    html.Div(shown["summary"], id=ids.summary, className="summary-line"),
                    cyto.Cytoscape(
                        id=ids.cyto,
                        elements=shown["elements"],
                        layout=LAYOUT,
                        stylesheet=STYLESHEET,
                        minZoom=0.05,
                        maxZoom=3,
                        wheelSensitivity=0.3,
                        boxSelectionEnabled=False,
                        className="graph-canvas",
                        style={"width": "100%", "height": "calc(100vh - 150px)"},
                    ),
                ],
                className="main graph-main",
            ),
            html.Aside(shown["details"], id=ids.details, className="graph-details"),
            dcc.Store(id=ids.state, data=view.store()),
            dcc.Store(id=shell_ids.page_query(PAGE), data=shown["query"]),
            dcc.Download(id=ids.download),
        ],
        id=ids.root,
        className="page page-graphs",
    )


def _sidebar(
    view: GraphView, runs: list[str], choice: graph_data.GraphChoice, shown: dict[str, Any]
) -> list[Component]:
    stats_options = [{"label": "newest RunMetadata", "value": ""}] + [
        {"label": t, "value": t} for t in choice.stats_tags
    ]
    return [
        field("Run", dcc.Dropdown(id=ids.run, options=runs, value=view.run, clearable=False)),
        field("Graph", dcc.Dropdown(id=ids.graph, options=_graph_options(choice), value=view.graph_value(),
                                    clearable=False, optionHeight=28)),
        field(
            "Search nodes (regex on name or op)",
            dcc.Input(id=ids.search, type="search", value=view.search, debounce=True, placeholder="e.g. conv|relu",
                      className="text-input"),
            html.Div(shown["matches"], id=ids.matches),
        ),
        radio_control("Colour by", ids.color, graph_elements.COLOR_MODES, view.color),
        field("Step stats (compute, memory)", dcc.Dropdown(id=ids.stats, options=stats_options, value=view.stats,
                                                             clearable=False)),
        html.Div(shown["legend"], id=ids.legend, className="graph-legend"),
        field("Layout", toggles(ids.toggles, TOGGLES, view.switches())),
        field(
            "Expand",
            html.Div([
                dcc.Input(id=ids.depth, type="number", min=0, max=20, step=1, value=1, className="graph-depth"),
                html.Button("Expand to depth", id=ids.expand_depth, className="small-button"),
            ], className="graph-row-controls"),
            html.Div([
                html.Button("Collapse all", id=ids.collapse_all, className="small-button"),
                html.Button("Fit", id=ids.fit, className="small-button"),
            ], className="graph-row-controls"),
        ),
        field(
            "Download",
            html.Div([html.Button(label, id=button, className="small-button") for label, button in
                      (("PNG", ids.png), ("SVG", ids.svg), ("GraphML", ids.graphml), ("JSON", ids.json))],
                     className="graph-row-controls"),
        ),
    ]  # fmt: skip


def _clicked() -> bool:
    """Return whether the trigger is a real click (a button that was just added reports n_clicks None)."""
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


@callback(
    Output(ids.state, "data"),
    Output(ids.graph, "options"),
    Output(ids.graph, "value"),
    Input(ids.run, "value"),
    Input(ids.graph, "value"),
    Input(ids.color, "value"),
    Input(ids.toggles, "value"),
    Input(ids.stats, "value"),
    Input(ids.cyto, "tapNode"),
    Input(ids.search, "value"),
    Input(ids.expand_depth, "n_clicks"),
    Input(ids.collapse_all, "n_clicks"),
    Input(ids.crumb(ALL), "n_clicks"),
    Input(detail_ids.node_link(ALL), "n_clicks"),
    Input(detail_ids.function_link(ALL), "n_clicks"),
    State(ids.state, "data"),
    State(ids.depth, "value"),
    prevent_initial_call=True,
)
def change(
    run: Any, graph: Any, color: Any, switches: Any, stats: Any, tapped: Any, search: Any, *rest: Any
) -> tuple[Any, Any, Any]:
    """Apply one control change or click to the view (the state store); the graph picker follows the run."""
    state, depth = rest[-2], rest[-1]
    source, trigger = data.current(), ctx.triggered_id
    view = GraphView.from_store(state)
    if trigger == ids.run and isinstance(run, str):
        view = (
            replace(view, run=run, graph="", fn="", stats="", expanded=(), node="", search="")
            if run != view.run
            else view
        )
    elif trigger == ids.graph:
        name, fn = split_graph_value(graph)
        view = replace(view, graph=name, fn=fn, expanded=(), node="")
    view = with_controls(view, color, switches, stats)
    view, choice = _settled(source, view)
    model = _model(source, view)
    if model is not None:
        view = _apply(view, model, trigger, tapped, search, depth)
    return view.store(), _graph_options(choice), view.graph_value()


def _apply(view: GraphView, model: GraphModel, trigger: Any, tapped: Any, search: Any, depth: Any) -> GraphView:
    """Apply a click on the canvas, a search, an expand/collapse button or a link."""
    if trigger == ids.cyto:
        return tap(view, model, tapped.get("data") if isinstance(tapped, dict) else None)
    if trigger == ids.search:
        return find(view, model, search)
    if trigger == ids.expand_depth:
        return expand_to_depth(view, model, depth)
    if trigger == ids.collapse_all:
        return collapse_to(view, model, "")
    if isinstance(trigger, dict) and _clicked():
        target = trigger.get("target")
        kind = trigger.get("type")
        if kind == "graphs-crumb":
            return collapse_to(view, model, target)
        if kind == "graphs-node-link":
            return jump(view, model, target)
        if kind == "graphs-fn-link" and isinstance(target, str):
            return replace(view, fn=target, expanded=(), node="", search="")
    return view


@callback(
    Output(ids.cyto, "elements"),
    Output(ids.legend, "children"),
    Output(ids.breadcrumb, "children"),
    Output(ids.details, "children"),
    Output(ids.summary, "children"),
    Output(ids.matches, "children"),
    Output(shell_ids.page_query(PAGE), "data"),
    Input(ids.state, "data"),
    prevent_initial_call=True,
)
def render(state: Any) -> tuple[Any, ...]:
    """Draw the view: the visible elements only, and the panels around them."""
    shown = _views(data.current(), GraphView.from_store(state))
    keys = ("elements", "legend", "crumbs", "details", "summary", "matches", "query")
    return tuple(shown[key] for key in keys)


@callback(Output(ids.cyto, "layout"), Input(ids.fit, "n_clicks"), prevent_initial_call=True)
def fit(clicks: Any) -> dict[str, Any]:
    """Lay the graph out again and fit it to the canvas."""
    return {**LAYOUT, "fit": True, "refresh": clicks if isinstance(clicks, int) else 0}


@callback(
    Output(ids.cyto, "generateImage"),
    Input(ids.png, "n_clicks"),
    Input(ids.svg, "n_clicks"),
    prevent_initial_call=True,
)
def image(_png: Any, _svg: Any) -> dict[str, Any]:
    """Download the drawn view as PNG or SVG (made in the browser by Cytoscape)."""
    kind = "svg" if ctx.triggered_id == ids.svg else "png"
    return {"type": kind, "action": "download", "filename": "graph", "options": {"full": True, "bg": "#ffffff"}}


@callback(
    Output(ids.download, "data"),
    Input(ids.graphml, "n_clicks"),
    Input(ids.json, "n_clicks"),
    State(ids.state, "data"),
    prevent_initial_call=True,
)
def export(_graphml: Any, _json: Any, state: Any) -> Any:
    """Download the drawn element set (nodes with their parent group, bundled edges) as GraphML or JSON."""
    source, view = data.current(), GraphView.from_store(state)
    model = _model(source, view)
    if model is None:
        return no_update
    built = graph_elements.build_elements(model, set(view.expanded), color=view.color)
    nodes, edges = graph_elements.export_records(built.elements)
    fmt = "graphml" if ctx.triggered_id == ids.graphml else "json"
    text = graph_data.export_text(nodes, edges, fmt)
    return {
        "content": text,
        "filename": f"graph.{fmt}",
        "type": "application/xml" if fmt == "graphml" else "application/json",
    }
