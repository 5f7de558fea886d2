"""Profile: one profiler capture (PyTorch trace, TF/JAX XSpace) as Overview, Trace, Operators, Kernels, Memory tabs.

A capture selector (run · session · host) heads the page; each tab is filled by its own callback
only while it is shown. The trace viewer asks the server for the visible window at about pixel
resolution on every zoom or pan, so traces of any size stay fast.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component

from dashboard import data, urlstate
from dashboard.callbacks import callback
from dashboard.components.empty_state import empty_state
from dashboard.components.shell import ids as shell_ids
from dashboard.data import profile as profile_data
from dashboard.figures import profile as profile_figures
from dashboard.pages.profile.view import (
    EMPTY_CODE,
    EMPTY_HINT,
    EMPTY_TITLE,
    GROUPINGS,
    PAGE,
    TABS,
    ProfileView,
    ids,
)
from dashboard.render import profile as render

__all__ = ["ids", "layout"]


def layout(**query: Any) -> html.Div:
    """Return the page for a URL query (bad values fall back to defaults)."""
    source = data.current()
    captures = profile_data.captures(source)
    if not captures:
        return html.Div(empty_state(EMPTY_TITLE, hint=EMPTY_HINT, code=EMPTY_CODE), className="page page-profile")
    view = ProfileView.from_query(query, source.runs())
    keys = [capture.key for capture in captures]
    chosen = view.capture if view.capture in keys else keys[0]
    options = [{"label": " · ".join(key.split("\t")), "value": key} for key in keys]
    panels = [html.Div(id=ids.panel_prefix + key, className="profile-panel", hidden=key != view.tab) for key in TABS]
    panels[list(TABS).index("trace")].children = _trace_panel(view.search)
    panels[list(TABS).index("operators")].children = _operators_panel(view.grouping)
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Capture", htmlFor=ids.capture, className="profile-label"),
                    dcc.Dropdown(
                        id=ids.capture, options=options, value=chosen, clearable=False, className="profile-capture"
                    ),
                ],
                className="profile-selector",
            ),
            dcc.Tabs(id=ids.tabs, value=view.tab, children=[dcc.Tab(label=t, value=k) for k, t in TABS.items()]),
            *panels,
            dcc.Store(id=shell_ids.page_query(PAGE), data=view.to_query([])),
        ],
        className="page page-profile",
    )


def _trace_panel(search: str) -> list[Component]:
    return [
        html.Div(
            [
                dcc.Input(
                    id=ids.trace_search,
                    type="search",
                    value=search,
                    placeholder="Search events by name",
                    debounce=True,
                    className="profile-search",
                ),
                html.Span(id=ids.trace_info, className="profile-trace-info"),
            ],
            className="profile-toolbar",
        ),
        dcc.Loading(dcc.Graph(id=ids.trace_graph, config={"displaylogo": False, "scrollZoom": True}), delay_show=300),
        html.Div(render.event_details(None), id=ids.trace_details),
    ]


def _operators_panel(grouping: str) -> list[Component]:
    return [
        dcc.RadioItems(
            id=ids.grouping,
            options=[{"label": label, "value": key} for key, label in GROUPINGS.items()],
            value=grouping,
            inline=True,
            className="profile-grouping",
        ),
        html.Div(id=ids.operators_body),
    ]


@callback(
    *(Output(ids.panel_prefix + key, "hidden") for key in TABS),
    Input(ids.tabs, "value"),
)
def show_tab(tab: Any) -> tuple[bool, ...]:
    """Show the chosen tab's panel only."""
    chosen = tab if isinstance(tab, str) and tab in TABS else "overview"
    return tuple(key != chosen for key in TABS)


@callback(
    Output(shell_ids.page_query(PAGE), "data"),
    Input(ids.capture, "value"),
    Input(ids.tabs, "value"),
    Input(ids.grouping, "value"),
    Input(ids.trace_search, "value"),
    prevent_initial_call=True,
)
def sync_query(capture: Any, tab: Any, grouping: Any, search: Any) -> str:
    """Write the view to the URL query."""
    view = ProfileView.from_controls({"capture": capture, "tab": tab, "grouping": grouping, "search": search})
    return view.to_query([])


def _capture(value: Any) -> profile_data.Capture | None:
    capture = profile_data.Capture.parse(value)
    return capture if capture in profile_data.captures(data.current()) else None


def _unreadable(error: ValueError) -> html.Div:
    return empty_state("This capture cannot be shown", hint=str(error))


@callback(Output(ids.overview, "children"), Input(ids.capture, "value"), Input(ids.tabs, "value"))
def fill_overview(value: Any, tab: Any) -> Any:
    """Fill the Overview tab: KPI cards, step-time breakdown, devices, recommendations."""
    capture = _capture(value)
    if (tab is not None and tab != "overview") or capture is None:
        return no_update
    try:
        found = profile_data.overview(data.current(), capture)
    except ValueError as error:
        return _unreadable(error)
    return [
        render.problems(found.problems),
        render.kpi_cards(_kpis(found)),
        html.H4("Step-time breakdown"),
        dcc.Graph(figure=profile_figures.step_breakdown(found.breakdown, found.steps), config={"displaylogo": False}),
        render.recommendations(found.recommendations),
        render.devices(found.devices),
    ]


def _kpis(found: profile_data.Overview) -> list[tuple[str, str, str]]:
    shares = {name: value / found.step_ns for name, value in found.average.items()} if found.step_ns else {}
    top = max(shares, key=lambda name: shares[name]) if shares else ""
    return [
        ("Average step time", f"{found.step_ns / 1e6:.3f} ms", f"{len(found.steps)} step(s) captured"),
        (
            "GPU utilization",
            f"{found.gpu_util:.0%}" if found.gpu_util is not None else "—",
            "share of step time with a kernel running" if found.gpu_util is not None else "no device activity captured",
        ),
        ("Top category", profile_figures.CATEGORY_LABELS.get(top, "—"), f"{shares.get(top, 0):.0%} of step time"),
        ("Source", found.source or "—", "trace format"),
    ]


@callback(
    Output(ids.trace_graph, "figure"),
    Output(ids.trace_info, "children"),
    Input(ids.capture, "value"),
    Input(ids.tabs, "value"),
    Input(ids.trace_graph, "relayoutData"),
    Input(ids.trace_search, "value"),
)
def draw_trace(value: Any, tab: Any, relayout: Any, search: Any) -> tuple[Any, Any]:
    """Draw the trace for the visible window (re-queried at pixel resolution on every zoom or pan)."""
    capture = _capture(value)
    if tab != "trace" or capture is None:
        return no_update, no_update
    source = data.current()
    try:
        layout_ = profile_data.lanes(source, capture)
        window = _window(relayout, layout_.span_ns / 1000)
        text = search if isinstance(search, str) else ""
        segments = profile_data.trace_window(source, capture, window[0] * 1000, window[1] * 1000, 1200, text)
        steps = profile_data.table(source, capture, "steps")
    except ValueError as error:
        return no_update, str(error)
    figure = profile_figures.trace(segments, layout_.tracks, layout_.rows, window)
    figure = profile_figures.step_bands(figure, steps)
    merged = int((segments["row"] < 0).sum())
    info = f"{len(segments)} bars drawn ({merged} merged sub-pixel groups) for {window[1] - window[0]:,.1f} µs"
    return figure, info


def _window(relayout: Any, span_us: float) -> tuple[float, float]:
    """Return the x range a relayout event asks for (the whole capture on reset or anything unusable)."""
    full = (0.0, max(span_us, 1.0))
    if not isinstance(relayout, dict) or relayout.get("xaxis.autorange"):
        return full
    lo, hi = relayout.get("xaxis.range[0]"), relayout.get("xaxis.range[1]")
    if lo is None and isinstance(relayout.get("xaxis.range"), list) and len(relayout["xaxis.range"]) == 2:
        lo, hi = relayout["xaxis.range"]
    first, second = urlstate.as_optional_float(str(lo)), urlstate.as_optional_float(str(hi))
    if first is None or second is None or first == second:
        return full
    return (min(first, second), max(first, second))


@callback(
    Output(ids.trace_details, "children"),
    Input(ids.trace_graph, "clickData"),
    State(ids.capture, "value"),
    prevent_initial_call=True,
)
def show_event(click: Any, value: Any) -> Component:
    """Show the details of the clicked event (merged groups have none)."""
    capture = _capture(value)
    points = click.get("points") if isinstance(click, dict) else None
    row = points[0].get("customdata") if isinstance(points, list) and points and isinstance(points[0], dict) else None
    if capture is None or not isinstance(row, int) or row < 0:
        return render.event_details(None)
    return render.event_details(profile_data.event_details(data.current(), capture, row))


@callback(
    Output(ids.operators_body, "children"),
    Input(ids.capture, "value"),
    Input(ids.tabs, "value"),
    Input(ids.grouping, "value"),
)
def fill_operators(value: Any, tab: Any, grouping: Any) -> Any:
    """Fill the Operators tab: the op table (times in µs), grouped by name or name + input shape."""
    capture = _capture(value)
    if tab != "operators" or capture is None:
        return no_update
    kind = "ops_by_shape" if grouping == "shape" else "ops"
    try:
        ops = profile_data.table(data.current(), capture, kind)
    except ValueError as error:
        return _unreadable(error)
    if ops.empty:
        return empty_state("No operators in this capture", hint="Host ops appear when the CPU activity is profiled.")
    return render.data_table(_in_us(ops if grouping == "shape" else ops.drop(columns="shape")), ids.ops_table)


@callback(Output(ids.kernels, "children"), Input(ids.capture, "value"), Input(ids.tabs, "value"))
def fill_kernels(value: Any, tab: Any) -> Any:
    """Fill the Kernels tab: top kernels, tensor-core share and the kernel table."""
    capture = _capture(value)
    if tab != "kernels" or capture is None:
        return no_update
    try:
        kernels = profile_data.table(data.current(), capture, "kernels")
    except ValueError as error:
        return _unreadable(error)
    if kernels.empty:
        return empty_state(
            "No GPU kernels in this capture",
            hint="Kernels are recorded when the GPU is profiled.",
            code="torch.profiler.profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])",
        )
    total = kernels["total_ns"].sum()
    share = kernels.loc[kernels["tensor_cores"], "total_ns"].sum() / total if total else 0.0
    return [
        html.P(
            f"{len(kernels)} kernel/op pairs; {share:.0%} of kernel time ran on Tensor Cores.", className="profile-note"
        ),
        dcc.Graph(figure=profile_figures.top_kernels(kernels), config={"displaylogo": False}),
        render.data_table(_in_us(kernels).round({"blocks_per_sm": 2, "occupancy": 1}), ids.kernels_table),
    ]


@callback(Output(ids.memory, "children"), Input(ids.capture, "value"), Input(ids.tabs, "value"))
def fill_memory(value: Any, tab: Any) -> Any:
    """Fill the Memory tab: allocated / reserved per device, and the largest allocations."""
    capture = _capture(value)
    if tab != "memory" or capture is None:
        return no_update
    try:
        memory = profile_data.table(data.current(), capture, "memory")
    except ValueError as error:
        return _unreadable(error)
    if memory.empty:
        return empty_state(
            "No memory records in this capture",
            hint="PyTorch records allocations with profile_memory=True.",
            code="torch.profiler.profile(..., profile_memory=True)",
        )
    largest = memory[memory["bytes"] > 0].nlargest(200, "bytes").assign(time_ms=lambda f: f["start_ns"] / 1e6)
    return [
        dcc.Graph(id=ids.memory_graph, figure=profile_figures.memory_curve(memory), config={"displaylogo": False}),
        html.H4("Largest allocations"),
        render.data_table(largest[["time_ms", "device", "bytes", "allocated", "reserved", "op"]], ids.memory_table),
    ]


def _in_us(frame: Any) -> Any:
    """Return frame with *_ns columns as µs (rounded to 0.1)."""
    renamed = {column: column.removesuffix("_ns") + "_us" for column in frame.columns if column.endswith("_ns")}
    out = frame.rename(columns=renamed)
    for column in renamed.values():
        out[column] = (out[column] / 1000).round(1)
    return out
