"""The Graphs page's ids, its URL-borne view, and how each control or click changes the view (a pure reducer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from dashboard import urlstate
from dashboard.figures import graph_elements
from dashboard.figures.graph_hierarchy import SCOPE, SERIES, GraphModel
from dashboard.pages._view import View, names, number, switched

PAGE = "graphs"
TOGGLES = {
    "series": "Group series (5+ numbered siblings)",
    "aux": "Move auxiliary nodes aside",
    "trace": "Trace inputs",
}
FN_SEP = "\x1f"  # between a graph source and a function name in the graph picker's value
MAX_EXPANDED = 400  # group ids kept in the view (the URL stays a reasonable size)


class ids:  # noqa: N801 - a namespace
    """Ids of the Graphs page's components (one of each, so plain strings)."""

    root = "graphs-root"
    run = "graphs-run"
    graph = "graphs-graph"
    stats = "graphs-stats"
    color = "graphs-color"
    toggles = "graphs-toggles"
    search = "graphs-search"
    matches = "graphs-matches"
    depth = "graphs-depth"
    expand_depth = "graphs-expand-depth"
    collapse_all = "graphs-collapse-all"
    fit = "graphs-fit"
    png = "graphs-png"
    svg = "graphs-svg"
    graphml = "graphs-graphml"
    json = "graphs-json"
    download = "graphs-download"
    cyto = "graphs-cytoscape"
    state = "graphs-state"
    legend = "graphs-legend"
    breadcrumb = "graphs-breadcrumb"
    summary = "graphs-summary"
    details = "graphs-details"

    @staticmethod
    def crumb(target: Any) -> dict[str, Any]:
        """A breadcrumb entry (target: a group id, or "" for the top level): collapses what is below it."""
        return {"type": "graphs-crumb", "target": target}


@dataclass(frozen=True)
class GraphView(View):
    """Everything a Graphs link reproduces.

    Attributes:
        run: the run (query "run1"; "run" is the run-picker's key on other pages).
        graph: the graph source (query "graph").
        fn: a function of its library whose body is shown ("" the graph itself; query "fn").
        stats: a RunMetadata tag whose step stats colour compute/memory (query "stats").
        color: "op", "device", "compute" or "memory" (query "color").
        expanded: the expanded group ids (query "open", repeated).
        node: the selected element id (query "node").
        search: the last search (query "q").
        series: group series (query "series=0" turns it off).
        aux: move auxiliary nodes aside (query "aux=0" turns it off).
        trace: highlight the inputs of the selected node (query "trace=1").
    """

    run: str = ""
    graph: str = ""
    fn: str = ""
    stats: str = ""
    color: str = "op"
    expanded: tuple[str, ...] = ()
    node: str = ""
    search: str = ""
    series: bool = True
    aux: bool = True
    trace: bool = False

    @classmethod
    def options_from_query(cls, query: Mapping[str, urlstate.QueryValue]) -> dict[str, Any]:
        """Return the page's fields from a URL query (never raises)."""
        return {
            "run": urlstate.as_text(query.get("run1")),
            "graph": urlstate.as_text(query.get("graph")),
            "fn": urlstate.as_text(query.get("fn")),
            "stats": urlstate.as_text(query.get("stats")),
            "color": urlstate.as_choice(query.get("color"), list(graph_elements.COLOR_MODES), "op"),
            "expanded": tuple(dict.fromkeys(urlstate.as_list(query.get("open"))))[:MAX_EXPANDED],
            "node": urlstate.as_text(query.get("node")),
            "search": urlstate.as_text(query.get("q")),
            "series": urlstate.as_bool(query.get("series"), True),
            "aux": urlstate.as_bool(query.get("aux"), True),
            "trace": urlstate.as_bool(query.get("trace"), False),
        }

    def options_query(self) -> dict[str, object]:
        """Return the query parameters that differ from the defaults."""
        return {
            "run1": self.run,
            "graph": self.graph,
            "fn": self.fn,
            "stats": self.stats,
            "color": None if self.color == "op" else self.color,
            "open": list(self.expanded) or None,
            "node": self.node,
            "q": self.search,
            "series": None if self.series else False,
            "aux": None if self.aux else False,
            "trace": True if self.trace else None,
        }

    def switches(self) -> list[str]:
        """Return the toggle checklist's value."""
        return [key for key, on in (("series", self.series), ("aux", self.aux), ("trace", self.trace)) if on]

    def graph_value(self) -> str:
        """Return the graph picker's value for this view."""
        return self.graph + (FN_SEP + self.fn if self.fn else "")

    def store(self) -> dict[str, Any]:
        """Return the view as the state store keeps it (JSON-able)."""
        values = asdict(self)
        values["expanded"] = list(self.expanded)
        values["ticked"] = list(self.ticked)
        return values

    @classmethod
    def from_store(cls, data: Any) -> GraphView:
        """Return the view a state store holds (anything unusable falls back to defaults)."""
        data = data if isinstance(data, dict) else {}
        text = {
            key: data[key]
            for key in ("run", "graph", "fn", "stats", "node", "search")
            if isinstance(data.get(key), str)
        }
        flags = {key: data[key] for key in ("series", "aux", "trace") if isinstance(data.get(key), bool)}
        color = data.get("color") if data.get("color") in graph_elements.COLOR_MODES else "op"
        return cls(expanded=tuple(names(data.get("expanded")))[:MAX_EXPANDED], color=str(color), **text, **flags)


def split_graph_value(value: Any) -> tuple[str, str]:
    """Return (graph source, function) of the graph picker's value."""
    if not isinstance(value, str):
        return "", ""
    graph, _, fn = value.partition(FN_SEP)
    return graph, fn


def settle(
    view: GraphView, runs: Sequence[str], graphs: Sequence[str], functions: Mapping[str, Sequence[str]]
) -> GraphView:
    """Return the view fitted to the data: a known run, a graph it has, a function that graph holds.

    Args:
        view: the view.
        runs: the runs with graphs (the first is the default).
        graphs: the chosen run's graph sources (the first is the default).
        functions: graph source -> its functions.
    """
    run = view.run if view.run in runs else (runs[0] if runs else "")
    if run != view.run:
        view = replace(view, run=run, graph="", fn="", stats="")
    graph = view.graph if view.graph in graphs else (graphs[0] if graphs else "")
    fn = view.fn if view.fn in functions.get(graph, ()) else ""
    if view.graph and (graph, fn) != (view.graph, view.fn):  # a graph that is gone: start collapsed
        return replace(view, graph=graph, fn=fn, expanded=(), node="")
    return replace(view, graph=graph, fn=fn)


def tap(view: GraphView, model: GraphModel, data: Any) -> GraphView:
    """Return the view after a click on a node: a group toggles open/closed, anything is selected."""
    element_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(element_id, str):
        return view
    if element_id in model.group_index:
        expanded = list(view.expanded)
        if element_id in expanded:
            closing = {element_id} | _inside(model, element_id)
            expanded = [gid for gid in expanded if gid not in closing]
        else:
            expanded.append(element_id)
        return replace(view, expanded=tuple(expanded)[-MAX_EXPANDED:], node=element_id)
    if graph_elements.leaf_of(model, element_id) is None:
        return view
    return replace(view, node=element_id)


def _inside(model: GraphModel, group_id: str) -> set[str]:
    group = model.groups[model.group_index[group_id]]
    return {g.id for g in model.groups if g.lo >= group.lo and g.hi <= group.hi and g.id != group_id}


def jump(view: GraphView, model: GraphModel, element_id: Any) -> GraphView:
    """Return the view with an element selected and every group above it expanded."""
    if not isinstance(element_id, str) or (
        element_id not in model.group_index and graph_elements.leaf_of(model, element_id) is None
    ):
        return view
    expanded = list(dict.fromkeys([*view.expanded, *graph_elements.reveal(model, element_id)]))
    return replace(view, expanded=tuple(expanded)[-MAX_EXPANDED:], node=element_id)


def find(view: GraphView, model: GraphModel, pattern: Any) -> GraphView:
    """Return the view after a search: the first match selected and revealed ("" clears the search)."""
    text = pattern if isinstance(pattern, str) else ""
    view = replace(view, search=text)
    found = graph_elements.search(model, text)
    return jump(view, model, model.node_id(found[0])) if found else view


def expand_to_depth(view: GraphView, model: GraphModel, depth: Any) -> GraphView:
    """Return the view with every scope and series group above the given depth expanded (1: the top level)."""
    value = number(depth)
    levels = int(value) if value is not None and value >= 0 else 1
    return replace(view, expanded=tuple(model.group_ids((SCOPE, SERIES), max_depth=levels))[:MAX_EXPANDED])


def collapse_to(view: GraphView, model: GraphModel, group_id: Any) -> GraphView:
    """Return the view with everything inside a group closed ("" closes everything); the group is selected."""
    if not isinstance(group_id, str):
        return view
    if not group_id:
        return replace(view, expanded=(), node="")
    if group_id not in model.group_index:
        return view
    inside = _inside(model, group_id)
    return replace(view, expanded=tuple(g for g in view.expanded if g not in inside), node=group_id)


def with_controls(view: GraphView, color: Any, toggles: Any, stats: Any) -> GraphView:
    """Return the view with the sidebar's colour, toggles and step-stats tag applied (bad values ignored)."""
    on = switched(toggles)
    return replace(
        view,
        color=color if color in graph_elements.COLOR_MODES else view.color,
        series="series" in on,
        aux="aux" in on,
        trace="trace" in on,
        stats=stats if isinstance(stats, str) else "",
    )
