"""The Graphs page's node details panel, legend and breadcrumb, from plain dicts (graph_elements.node_details)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html
from dash.development.base_component import Component


class ids:  # noqa: N801 - a namespace
    """Dict ids of the links in the details panel and the search results."""

    @staticmethod
    def node_link(target: Any) -> dict[str, Any]:
        """A link that selects and reveals an element (an input, an output, a search match)."""
        return {"type": "graphs-node-link", "target": target}

    @staticmethod
    def function_link(name: Any) -> dict[str, Any]:
        """A link that opens a function's body."""
        return {"type": "graphs-fn-link", "target": name}


def details_panel(details: dict[str, Any] | None) -> list[Component]:
    """Return the panel's content for one element (a hint when nothing is selected)."""
    if details is None:
        return [html.P("Click a node to see its op, attributes, inputs and outputs.", className="graph-hint")]
    if details["group"]:
        ops = [html.Li(f"{op or '(unknown)'} × {count}") for op, count in details["ops"].items()]
        return [
            html.H4(details["name"], className="graph-details-name"),
            _row("Kind", details["kind"]),
            _row("Nodes", str(details["count"])),
            html.Div("Ops inside", className="field-label"),
            html.Ul(ops, className="graph-op-counts"),
        ]
    children: list[Component] = [
        html.H4(details["name"], className="graph-details-name"),
        _row("Op", details["op"], class_name="graph-details-op"),
        _row("Device", details["device"] or "—"),
    ]
    if details["compute_us"] is not None:
        children.append(_row("Compute", f"{details['compute_us']:,.1f} µs"))
    if details["memory_bytes"] is not None:
        children.append(_row("Memory", f"{details['memory_bytes']:,.0f} bytes"))
    if details["calls"]:
        children.append(html.Div("Calls", className="field-label"))
        children += [html.Button(name, id=ids.function_link(name), className="graph-link") for name in details["calls"]]
    children += _attrs(details["attrs"])
    children += _neighbours("Inputs", details["inputs"])
    children += _neighbours("Outputs", details["outputs"])
    return children


def _row(label: str, value: str, *, class_name: str = "") -> html.Div:
    return html.Div(
        [html.Span(label, className="graph-row-label"), html.Span(value, className=class_name)], className="graph-row"
    )


def _attrs(attrs: dict[str, tuple[str, str]]) -> list[Component]:
    if not attrs:
        return []
    rows = []
    for key, (short, full) in attrs.items():
        value: Component = (
            html.Code(full) if short == full else html.Details([html.Summary(html.Code(short)), html.Pre(full)])
        )
        rows.append(html.Tr([html.Td(key, className="graph-attr-key"), html.Td(value)]))
    return [html.Div("Attributes", className="field-label"), html.Table(rows, className="graph-attrs")]


def _neighbours(title: str, items: Sequence[dict[str, Any]]) -> list[Component]:
    if not items:
        return [html.Div(f"{title}: none", className="field-label")]
    rows = [
        html.Li(
            [
                html.Button(item["name"], id=ids.node_link(item["id"]), className="graph-link"),
                html.Span(" (control)" if item["control"] else (f" {item['shape']}" if item["shape"] else ""),
                          className="graph-shape"),
            ]
        )
        for item in items[:100]
    ]  # fmt: skip
    more = [html.Li(f"… and {len(items) - 100} more")] if len(items) > 100 else []
    return [html.Div(f"{title} ({len(items)})", className="field-label"), html.Ul(rows + more, className="graph-links")]


def legend(entries: Sequence[tuple[str, str]]) -> list[Component]:
    """Return the colour legend: a swatch and a label per entry."""
    return [
        html.Div(
            [html.Span(className="graph-swatch", style={"background": color}), html.Span(label)],
            className="graph-legend-row",
        )
        for color, label in entries
    ]


def breadcrumb(path: Sequence[tuple[str, str]], crumb_id: Any) -> list[Component]:
    """Return the breadcrumb: "Graph" then each group from the top down; crumb_id(target) makes each button's id."""
    parts: list[Component] = [html.Button("Graph", id=crumb_id(""), className="graph-link graph-crumb")]
    for target, label in path:
        parts += [
            html.Span(" / ", className="graph-crumb-sep"),
            html.Button(label, id=crumb_id(target), className="graph-link graph-crumb"),
        ]
    return parts


def search_results(matches: Sequence[tuple[str, str]], total_text: str) -> list[Component]:
    """Return the list of search matches (element id, label) as links, and a count line."""
    if not matches:
        return [html.Div(total_text, className="graph-hint")] if total_text else []
    return [
        html.Div(total_text, className="graph-hint"),
        html.Ul(
            [html.Li(html.Button(text, id=ids.node_link(key), className="graph-link")) for key, text in matches],
            className="graph-links graph-matches",
        ),
    ]  # fmt: skip
