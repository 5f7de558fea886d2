"""Cytoscape elements of a graph for one expansion state: only what is visible, edges bundled between visible items.

The server never sends the whole expanded graph: a collapsed group is one node, and every edge
is redirected to the visible item that stands for each end (its nearest collapsed ancestor), then
edges between the same two items are bundled into one with a count. Also here: colours and
legends, regex search, "trace inputs" and the details of one node, all pure functions of a
GraphModel (dashboard.figures.graph_hierarchy).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dashboard.figures.graph_hierarchy import AUX, SCOPE, SERIES, GraphModel, dominant

COLOR_MODES = {"op": "Op type", "device": "Device", "compute": "Compute time", "memory": "Memory"}
PALETTE = (
    "#8fb8de", "#f2b880", "#9fd39a", "#e99c9c", "#c3aee0", "#c9a79c", "#f0b5dc", "#c4c4c4", "#dede8a",
    "#8fdde6", "#a3a7d6", "#7fc3b8", "#d6a3a1", "#cfa3cc", "#f3dda6", "#b5b7ea", "#a8a8a8", "#fcc0b8",
    "#bfdd9f", "#d3bf94",
)  # fmt: skip
GROUP_FILL = "#e8eef5"
NONE_COLOR = "#eeeeee"
SCALE = ("#fff5eb", "#fd8d3c", "#7f2704")  # light to dark orange for compute time and memory
MAX_LEGEND = 12
MAX_MATCHES = 50
MAX_ATTR_TEXT = 200


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a colour and what it means."""

    color: str
    label: str


@dataclass(frozen=True)
class ElementSet:
    """What the page draws for one expansion state.

    Attributes:
        elements: Cytoscape element dicts (nodes first, compound parents before their children).
        legend: the colour legend of the visible items.
        visible_nodes: how many nodes (groups and ops) are drawn.
        hidden_edges: edges left out because they touch an auxiliary node moved aside.
    """

    elements: list[dict[str, Any]]
    legend: list[LegendEntry]
    visible_nodes: int
    hidden_edges: int


def category_color(value: str) -> str:
    """Return the stable palette colour of an op type or device ("" gets the neutral grey)."""
    return PALETTE[zlib.crc32(value.encode()) % len(PALETTE)] if value else NONE_COLOR


def expanded_mask(model: GraphModel, expanded: Iterable[str]) -> np.ndarray:
    """Return, per group, whether it is expanded AND visible (every ancestor expanded too); unknown ids are ignored."""
    mask = np.zeros(len(model.groups), bool)
    for gid in expanded:
        number = model.group_index.get(gid) if isinstance(gid, str) else None
        if number is not None:
            mask[number] = True
    for number, group in enumerate(model.groups):
        parent = group.parent
        while mask[number] and parent >= 0:
            if not mask[parent]:
                mask[number] = False
            parent = model.groups[parent].parent
    return mask


def representatives(model: GraphModel, open_: np.ndarray) -> np.ndarray:
    """Return, per leaf, the visible item standing for it: the leaf itself (i) or its top collapsed group (size + g)."""
    rep = np.arange(model.size, dtype=np.int64)
    undecided = np.ones(model.size, bool)
    for level in model.ancestors:
        collapsed = undecided & (level >= 0)
        collapsed[collapsed] = ~open_[level[collapsed]]
        rep[collapsed] = model.size + level[collapsed]
        undecided &= ~collapsed
    return rep


def visible_items(model: GraphModel, open_: np.ndarray) -> list[tuple[str, int, int]]:
    """Return (kind, number, parent group) of every drawn item, parents before children ("n" leaf, "g" group)."""
    items: list[tuple[str, int, int]] = []
    stack = [(kind, number, -1) for kind, number in reversed(model.top)]
    while stack:
        kind, number, parent = stack.pop()
        items.append((kind, number, parent))
        if kind == "g" and open_[number]:
            stack.extend((k, n, number) for k, n in reversed(model.groups[number].children))
    return items


def build_elements(
    model: GraphModel,
    expanded: Collection[str],
    *,
    color: str = "op",
    selected: str = "",
    matches: Collection[str] = (),
    traced: np.ndarray | None = None,
) -> ElementSet:
    """Return the Cytoscape elements for one expansion state.

    Args:
        model: the graph.
        expanded: ids of the expanded groups (ids of groups inside collapsed ones are ignored).
        color: "op", "device", "compute" or "memory" (anything else: "op").
        selected: the selected element id (class "selected").
        matches: element ids of search matches (class "match").
        traced: per leaf, whether it is an ancestor of the selection ("trace inputs"); None: no trace.

    Returns:
        The element set.
    """
    open_ = expanded_mask(model, expanded)
    rep = representatives(model, open_)
    items = visible_items(model, open_)
    fills, legend = _colors(model, items, open_, color)
    traced_reps = set(np.unique(rep[traced]).tolist()) if traced is not None and traced.any() else set()
    nodes = [_node(model, item, open_, fills[i], selected, matches, traced_reps) for i, item in enumerate(items)]
    edges, hidden = _edges(model, rep, traced)
    return ElementSet(nodes + edges, legend, len(nodes), hidden)


def _item_id(model: GraphModel, kind: str, number: int) -> str:
    return model.groups[number].id if kind == "g" else model.node_id(number)


def _node(
    model: GraphModel,
    item: tuple[str, int, int],
    open_: np.ndarray,
    fill: str,
    selected: str,
    matches: Collection[str],
    traced: set[int],
) -> dict[str, Any]:
    kind, number, parent = item
    element_id = _item_id(model, kind, number)
    if kind == "g":
        group = model.groups[number]
        count = group.hi - group.lo
        label = group.label if group.kind != SCOPE else f"{group.label} ({count})"
        data = {"id": element_id, "label": label, "kind": group.kind, "count": count, "op": "", "color": fill}
        classes = [group.kind, "expanded" if open_[number] else "collapsed"]
        key = model.size + number
    else:
        op = str(model.nodes["op"].iat[number])
        data = {"id": element_id, "label": model.labels[number], "kind": "op", "op": op, "color": fill}
        classes = ["op"] + (["aux-node"] if model.aux[number] else [])
        key = number
    data["w"] = node_width(str(data["label"]))
    if parent >= 0:
        data["parent"] = model.groups[parent].id
    classes += [name for name, on in (("selected", element_id == selected), ("match", element_id in matches)) if on]
    if key in traced:
        classes.append("traced")
    return {"data": data, "classes": " ".join(classes)}


def _edges(model: GraphModel, rep: np.ndarray, traced: np.ndarray | None) -> tuple[list[dict[str, Any]], int]:
    """Return bundled edges between visible items and how many edges were hidden (auxiliary ends)."""
    src, dst = rep[model.sources], rep[model.targets]
    hidden_mask = model.aux[model.sources] | model.aux[model.targets]
    keep = (src != dst) & ~hidden_mask
    hidden = int(((src != dst) & hidden_mask).sum())
    if not keep.any():
        return [], hidden
    width = model.size + len(model.groups)
    keys = src[keep] * width + dst[keep]
    unique, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    data_only = np.bincount(inverse, weights=(~model.control[keep]).astype(float), minlength=len(unique))
    sizes = np.bincount(inverse, weights=model.sizes[keep], minlength=len(unique))
    shapes = model.shapes[keep]
    lit = traced[model.sources[keep]] & traced[model.targets[keep]] if traced is not None else None
    lit_counts = np.bincount(inverse, weights=lit.astype(float), minlength=len(unique)) if lit is not None else None
    edges = []
    for i, key in enumerate(unique.tolist()):
        source, target = divmod(key, width)
        count = int(counts[i])
        control = data_only[i] == 0
        label = str(shapes[first[i]]) if count == 1 else f"{count} tensors"
        classes = ["control"] if control else []
        if lit_counts is not None and lit_counts[i] > 0:
            classes.append("traced")
        edges.append(
            {
                "data": {
                    "id": f"e{i}",
                    "source": _rep_id(model, source),
                    "target": _rep_id(model, target),
                    "label": "" if control else label,
                    "count": count,
                    "width": round(edge_width(float(sizes[i]), count), 2),
                },
                "classes": " ".join(classes),
            }
        )
    return edges, hidden


def _rep_id(model: GraphModel, rep: int) -> str:
    return model.node_id(rep) if rep < model.size else model.groups[rep - model.size].id


def node_width(label: str) -> int:
    """Return a node's width in pixels for its label (10 px font)."""
    return max(36, round(6.2 * len(label)) + 16)


def edge_width(elements: float, count: int) -> float:
    """Return an edge's width in pixels: thicker for larger tensors (log scale) and more bundled edges."""
    size_part = math.log10(elements) / 2 if elements > 1 else 0.0
    return min(1.0 + size_part + math.log2(count) / 2, 7.0)


def _colors(
    model: GraphModel, items: list[tuple[str, int, int]], open_: np.ndarray, mode: str
) -> tuple[list[str], list[LegendEntry]]:
    """Return each item's fill and the legend: categories for op/device, an orange scale for compute/memory."""
    if mode in ("compute", "memory"):
        column = model.nodes["compute_us" if mode == "compute" else "memory_bytes"].to_numpy(float)
        totals = np.concatenate([[0.0], np.cumsum(np.nan_to_num(column))])
        values = [_range_sum(model, totals, kind, number) for kind, number, _ in items]
        top = max(values, default=0.0)
        fills = [_scale(value / top) if top > 0 and value > 0 else NONE_COLOR for value in values]
        unit = "µs" if mode == "compute" else "bytes"
        legend = [LegendEntry(_scale(0.0), "0"), LegendEntry(_scale(1.0), f"{top:,.0f} {unit}")]
        if top <= 0:
            legend = [LegendEntry(NONE_COLOR, "no step stats for this graph: pick a RunMetadata tag")]
        return fills, legend
    column_name = "device" if mode == "device" else "op"
    values_all = model.nodes[column_name].astype(str).tolist()
    labels = [_category(model, values_all, kind, number, open_) for kind, number, _ in items]
    fills = [GROUP_FILL if label is None else category_color(label) for label in labels]
    counts: dict[str, int] = {}
    for label in labels:
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    ranked = sorted(counts, key=lambda v: (-counts[v], v))[:MAX_LEGEND]
    legend = [
        LegendEntry(category_color(v), v or ("(no device)" if mode == "device" else "(unknown op)")) for v in ranked
    ]
    return fills, legend


def _category(model: GraphModel, values: list[str], kind: str, number: int, open_: np.ndarray) -> str | None:
    if kind == "n":
        return values[number]
    if open_[number]:
        return None  # an open box is drawn as a frame
    group = model.groups[number]
    return dominant(values[group.lo : group.hi])


def _range_sum(model: GraphModel, totals: np.ndarray, kind: str, number: int) -> float:
    if kind == "n":
        return float(totals[number + 1] - totals[number])
    group = model.groups[number]
    return float(totals[group.hi] - totals[group.lo])


def _scale(fraction: float) -> str:
    """Return a colour on the light-to-dark orange scale (0..1)."""
    fraction = min(max(fraction, 0.0), 1.0)
    low, high, t = (SCALE[0], SCALE[1], fraction * 2) if fraction < 0.5 else (SCALE[1], SCALE[2], fraction * 2 - 1)
    mix = [round(int(low[i : i + 2], 16) * (1 - t) + int(high[i : i + 2], 16) * t) for i in (1, 3, 5)]
    return "#" + "".join(f"{channel:02x}" for channel in mix)


# ----- search, trace, reveal -------------------------------------------------------------------


def search(model: GraphModel, pattern: str) -> list[int]:
    """Return the leaves whose name or op the regex matches (re.search; at most MAX_MATCHES; [] for a bad regex)."""
    try:
        regex = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return []
    if not pattern:
        return []
    ops = model.nodes["op"].astype(str).tolist()
    found = [i for i, name in enumerate(model.names) if regex.search(name) or regex.search(ops[i])]
    return found[:MAX_MATCHES]


def reveal(model: GraphModel, element_id: str) -> list[str]:
    """Return the ids of the groups to expand so that an element (leaf or group) is drawn."""
    return [model.groups[number].id for number in model.path_of(element_id)]


def trace_inputs(model: GraphModel, leaf: int) -> np.ndarray:
    """Return, per leaf, whether it is the leaf or one of its ancestors (follows every edge backwards)."""
    reached = np.zeros(model.size, bool)
    reached[leaf] = True
    order = np.argsort(model.targets, kind="stable")
    targets_sorted = model.targets[order]
    frontier = np.array([leaf])
    while frontier.size:
        lo = np.searchsorted(targets_sorted, frontier, "left")
        hi = np.searchsorted(targets_sorted, frontier, "right")
        found = np.concatenate([model.sources[order[a:b]] for a, b in zip(lo, hi)]) if frontier.size else frontier
        found = np.unique(found[~reached[found]]) if found.size else found
        reached[found] = True
        frontier = found
    return reached


def leaf_of(model: GraphModel, element_id: Any) -> int | None:
    """Return the leaf index of a node element id ("n:<name>"), None for anything else."""
    if isinstance(element_id, str) and element_id.startswith("n:"):
        return model.leaf_index.get(element_id[2:])
    return None


def breadcrumb(model: GraphModel, element_id: str) -> list[tuple[str, str]]:
    """Return (group id, label) from the top down to the group holding an element, the element's own group last."""
    path = [(model.groups[n].id, model.groups[n].label) for n in model.path_of(element_id)]
    if element_id in model.group_index:
        group = model.groups[model.group_index[element_id]]
        path.append((group.id, group.label))
    return path


# ----- details --------------------------------------------------------------------------------


def node_details(model: GraphModel, element_id: str, functions: Collection[str] = ()) -> dict[str, Any] | None:
    """Return what the details panel shows for one element (None for an unknown id).

    Args:
        model: the graph.
        element_id: a leaf ("n:") or group id.
        functions: the function names of the graph's library (attributes naming one become links).

    Returns:
        For a leaf: name, op, device, attrs (name -> (short text, full text)), inputs and outputs
        (name, shape, control), functions it calls, compute_us, memory_bytes. For a group: name,
        kind, count and the op counts of its nodes.
    """
    if element_id in model.group_index:
        group = model.groups[model.group_index[element_id]]
        ops = model.nodes["op"].astype(str).iloc[group.lo : group.hi].value_counts()
        kind = {SCOPE: "name scope", SERIES: "series", AUX: "auxiliary nodes"}[group.kind]
        name = element_id[2:] if group.kind == SCOPE else group.label
        return {"group": True, "name": name, "kind": kind, "count": group.hi - group.lo, "ops": ops.head(15).to_dict()}
    leaf = leaf_of(model, element_id)
    if leaf is None:
        return None
    row = model.nodes.iloc[leaf]
    attrs = _attrs(str(row["attrs"]))
    return {
        "group": False,
        "name": model.names[leaf],
        "op": str(row["op"]) or "(not in the graph: named by an input only)",
        "device": str(row["device"]),
        "attrs": {key: (_short(text), text) for key, text in attrs.items()},
        "inputs": _neighbours(model, leaf, incoming=True),
        "outputs": _neighbours(model, leaf, incoming=False),
        "calls": sorted(name for name in _called(attrs) if name in set(functions)),
        "compute_us": _number(row["compute_us"]),
        "memory_bytes": _number(row["memory_bytes"]),
    }


def _attrs(text: str) -> dict[str, str]:
    try:
        values = json.loads(text) if text else {}
    except ValueError:
        return {"attrs": text}
    if not isinstance(values, dict):
        return {"attrs": text}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in sorted(values.items())}


def _short(text: str) -> str:
    return text if len(text) <= MAX_ATTR_TEXT else text[: MAX_ATTR_TEXT - 1] + "…"


def _called(attrs: dict[str, str]) -> set[str]:
    return set(re.findall(r'"func": "([^"]+)"', " ".join(attrs.values())))


def _neighbours(model: GraphModel, leaf: int, *, incoming: bool) -> list[dict[str, Any]]:
    mine, other = (model.targets, model.sources) if incoming else (model.sources, model.targets)
    where = np.flatnonzero(mine == leaf)
    return [
        {"id": model.node_id(int(other[i])), "name": model.names[int(other[i])], "shape": str(model.shapes[i]),
         "control": bool(model.control[i])}
        for i in where
    ]  # fmt: skip


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def export_records(elements: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (node records, edge records) of an element set, for GraphML or JSON export (colours left out)."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for element in elements:
        record = {key: value for key, value in element["data"].items() if key not in ("color", "w")}
        (edges if "source" in record else nodes).append(record)
    return nodes, edges
