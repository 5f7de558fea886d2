"""A graph's group hierarchy: name scopes, series of numbered siblings and auxiliary hubs, built once per graph.

The hierarchy is what the Graphs page collapses and expands. Groups are name scopes ("s:"),
series of 5 or more numbered siblings with the same structure ("r:") and, per scope, the box of
auxiliary nodes moved aside ("a:"). Leaves are the graph's nodes ("n:"). Leaves are stored in
depth-first order so that every group's leaves are one contiguous range, which makes the
per-group sums and the "which visible item stands for this node" question array operations.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SERIES_MIN = 5  # TensorBoard groups 5 or more similar siblings
AUX_MIN_CHILDREN = 15  # a scope needs this many children before its degree outliers are moved aside
AUX_MIN_DEGREE = 5
CONST_OPS = frozenset({"Const", "HostConst", "prim::Constant"})
AUX_OPS = frozenset({"NoOp"})
AUX_TOP_SCOPES = re.compile(r"^(init(_\d+)?|save(_\d+)?|report_uninitialized_\w*|Saver\w*)$")
_NUMBERED = re.compile(r"^(.*?)(\d+)(\D*)$")

SCOPE, SERIES, AUX = "scope", "series", "aux"


@dataclass
class Group:
    """One collapsible group.

    Attributes:
        id: the element id ("s:<scope>", "r:<parent>/<pattern>", "a:<scope>").
        label: what the node shows.
        kind: "scope", "series" or "aux".
        parent: the parent group's index (-1: top level).
        depth: 0 for top-level groups.
        lo: first leaf position (depth-first order) of its leaves.
        hi: one past the last.
        children: child items: ("n", leaf index) or ("g", group index).
    """

    id: str
    label: str
    kind: str
    parent: int
    depth: int = 0
    lo: int = 0
    hi: int = 0
    children: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class GraphModel:
    """A graph ready for the Graphs page: leaves in depth-first order, groups, edges as arrays.

    Attributes:
        nodes: the node rows (name, op, device, inputs, attrs, function, compute_us, memory_bytes),
            in depth-first order (position i is leaf i).
        names: leaf names (the full node names).
        labels: leaf labels (the last name part, relative to the function body when one is shown).
        parent: each leaf's parent group (-1: top level).
        aux: whether each leaf was moved aside as auxiliary.
        groups: the groups; their index is their number.
        group_index: group id -> index.
        top: the top-level items.
        ancestors: (depth, leaves) group index of each leaf's ancestor at each depth, -1 past its parent.
        sources: edge source leaf indices.
        targets: edge target leaf indices.
        control: whether each edge is a control edge.
        shapes: each edge's shape text ("" unknown).
        sizes: each edge's element count (0 unknown).
    """

    nodes: pd.DataFrame
    names: list[str]
    labels: list[str]
    parent: np.ndarray
    aux: np.ndarray
    groups: list[Group]
    group_index: dict[str, int]
    top: list[tuple[str, int]]
    ancestors: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    control: np.ndarray
    shapes: np.ndarray
    sizes: np.ndarray
    leaf_index: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """How many leaves (graph nodes) the model holds."""
        return len(self.names)

    def node_id(self, leaf: int) -> str:
        """Return a leaf's element id."""
        return "n:" + self.names[leaf]

    def group_ids(self, kinds: Sequence[str] = (SCOPE, SERIES, AUX), max_depth: int | None = None) -> list[str]:
        """Return the ids of the groups of these kinds (and below max_depth when given)."""
        return [g.id for g in self.groups if g.kind in kinds and (max_depth is None or g.depth < max_depth)]

    def path_of(self, item: str) -> list[int]:
        """Return the group indices from the top down to the group holding item (an element id); [] if unknown."""
        if item in self.group_index:
            index = self.groups[self.group_index[item]].parent
        elif item.startswith("n:") and item[2:] in self.leaf_index:
            index = int(self.parent[self.leaf_index[item[2:]]])
        else:
            return []
        path = []
        while index >= 0:
            path.append(index)
            index = self.groups[index].parent
        return path[::-1]


def build_model(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, strip: str = "", series: bool = True, auxiliary: bool = True
) -> GraphModel:
    """Build the hierarchy of one graph.

    Args:
        nodes: the graph's node rows (loaders.Graph.nodes of one `graph`, maybe one function body).
        edges: its edge rows (source, target, control, shape); edges naming unknown nodes are dropped.
        strip: a name prefix left out of scopes and labels (a function body's "<function>/").
        series: group 5 or more numbered siblings of the same structure.
        auxiliary: move high-degree hubs (NoOp, init/save scopes, constants and control fans) aside.

    Returns:
        The model.
    """
    nodes = nodes.drop_duplicates("name").reset_index(drop=True)
    names = nodes["name"].astype(str).tolist()
    index = {name: i for i, name in enumerate(names)}
    src = edges["source"].map(index)
    dst = edges["target"].map(index)
    keep = src.notna() & dst.notna()
    src_arr, dst_arr = src[keep].to_numpy(np.int64), dst[keep].to_numpy(np.int64)
    control = edges["control"].to_numpy(bool)[keep.to_numpy()]
    aux = _auxiliary(nodes, names, src_arr, dst_arr, control, strip) if auxiliary else np.zeros(len(names), bool)
    builder = _Builder(names, nodes["op"].astype(str).tolist(), aux, strip)
    builder.scopes()
    if auxiliary:
        builder.move_auxiliary()
    if series:
        builder.series()
    order = builder.order()
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    shapes = edges["shape"].astype(str).to_numpy()[keep.to_numpy()]
    return builder.model(nodes.iloc[order].reset_index(drop=True), position, (src_arr, dst_arr, control, shapes))


def _auxiliary(
    nodes: pd.DataFrame, names: list[str], src: np.ndarray, dst: np.ndarray, control: np.ndarray, strip: str
) -> np.ndarray:
    """Return which nodes are auxiliary: NoOps, init/save scopes, constant and control fans, degree outliers."""
    count = len(names)
    out_degree = np.bincount(src, minlength=count)
    in_degree = np.bincount(dst, minlength=count)
    control_degree = np.bincount(src[control], minlength=count) + np.bincount(dst[control], minlength=count)
    ops = nodes["op"].astype(str).to_numpy()
    inputs = nodes["inputs"].map(len).to_numpy() if count else np.zeros(0, np.int64)
    top = [name[len(strip) :].split("/", 1)[0] if "/" in name[len(strip) :] else "" for name in names]
    aux = np.isin(ops, list(AUX_OPS)) | np.array([bool(AUX_TOP_SCOPES.match(t)) for t in top], bool)
    aux |= np.isin(ops, list(CONST_OPS)) & (out_degree >= AUX_MIN_DEGREE) & (inputs == 0)
    aux |= control_degree >= AUX_MIN_DEGREE
    degree = out_degree + in_degree
    scopes = pd.Series([name.rpartition("/")[0] for name in names])
    for _, members in scopes.groupby(scopes, sort=False).groups.items():
        if len(members) < AUX_MIN_CHILDREN:
            continue
        values = degree[np.asarray(members)]
        q1, q3 = np.percentile(values, [25, 75])
        limit = max(AUX_MIN_DEGREE, q3 + 4 * (q3 - q1))
        aux[np.asarray(members)[values > limit]] = True
    return aux


class _Builder:
    """Builds the group tree step by step (scopes, auxiliary boxes, series), then orders the leaves."""

    def __init__(self, names: list[str], ops: list[str], aux: np.ndarray, strip: str) -> None:
        self.names, self.ops, self.aux, self.strip = names, ops, aux, strip
        self.groups: list[Group] = []
        self.index: dict[str, int] = {}
        self.top: list[tuple[str, int]] = []
        self.parent = np.full(len(names), -1, np.int64)
        self._aux_groups: dict[int, bool] = {}
        self._group_ops: dict[int, frozenset[str]] = {}

    def _children(self, group: int) -> list[tuple[str, int]]:
        return self.top if group < 0 else self.groups[group].children

    def _add(self, gid: str, label: str, kind: str, parent: int) -> int:
        self.groups.append(Group(gid, label, kind, parent))
        self.index[gid] = len(self.groups) - 1
        self._children(parent).append(("g", len(self.groups) - 1))
        return len(self.groups) - 1

    def _scope(self, path: str) -> int:
        """Return the group of a scope path ("" is the top level), creating it and its parents."""
        if not path:
            return -1
        found = self.index.get("s:" + self.strip + path)
        if found is not None:
            return found
        parent_path, _, label = path.rpartition("/")
        return self._add("s:" + self.strip + path, label, SCOPE, self._scope(parent_path))

    def scopes(self) -> None:
        """Put each node in its name scope; a node whose name is also a scope goes inside that scope."""
        relative = [name[len(self.strip) :] if name.startswith(self.strip) else name for name in self.names]
        known = {r.rpartition("/")[0] for r in relative}
        prefixes = {p for path in known for p in _prefixes(path)}
        for leaf, rel in enumerate(relative):
            group = self._scope(rel if rel in prefixes else rel.rpartition("/")[0])
            self.parent[leaf] = group
            self._children(group).append(("n", leaf))

    def _all_aux(self, item: tuple[str, int]) -> bool:
        kind, number = item
        if kind == "n":
            return bool(self.aux[number])
        if number not in self._aux_groups:
            self._aux_groups[number] = all(self._all_aux(child) for child in self.groups[number].children)
        return self._aux_groups[number]

    def move_auxiliary(self) -> None:
        """Move each scope's auxiliary children (leaves, or groups of only auxiliary leaves) into its "a:" box."""
        for group in [-1, *range(len(self.groups))]:
            children = self._children(group)
            moved = [child for child in children if self._all_aux(child)]
            if not moved or len(moved) == len(children):
                continue
            path = self.groups[group].id[2:] if group >= 0 else ""
            box = self._add("a:" + path, f"auxiliary ({len(moved)})", AUX, group)
            gone = set(moved) | {("g", box)}
            children[:] = [child for child in children if child not in gone] + [("g", box)]
            self._adopt(box, moved)

    def _adopt(self, group: int, items: list[tuple[str, int]]) -> None:
        self.groups[group].children = items
        for kind, number in items:
            if kind == "n":
                self.parent[number] = group
            else:
                self.groups[number].parent = group

    def series(self) -> None:
        """Group 5 or more numbered siblings with the same structure into a series group."""
        for group in [-1, *range(len(self.groups))]:
            if group >= 0 and self.groups[group].kind == SERIES:
                continue
            buckets: dict[tuple[str, str, str, object], list[tuple[int, tuple[str, int]]]] = {}
            for child in self._children(group):
                match = _NUMBERED.match(self._label(child))
                if match:
                    key = (match[1], match[3], child[0], self._signature(child))
                    buckets.setdefault(key, []).append((int(match[2]), child))
            for (prefix, suffix, _, _), members in buckets.items():
                if len(members) >= SERIES_MIN:
                    self._make_series(group, prefix, suffix, sorted(members, key=lambda m: m[0]))

    def _make_series(self, group: int, prefix: str, suffix: str, members: list[tuple[int, tuple[str, int]]]) -> None:
        path = self.groups[group].id + "/" if group >= 0 else self.strip
        low, high = members[0][0], members[-1][0]
        label = f"{prefix}{low}-{high}{suffix}" if prefix.endswith("[") else f"{prefix}[{low}-{high}]{suffix}"
        items = [member for _, member in members]
        children = self._children(group)
        first = children.index(items[0])
        box = self._add(f"r:{path}{prefix}#{suffix}", f"{label} ({len(items)})", SERIES, group)
        gone = set(items) | {("g", box)}
        rest = [child for child in children if child not in gone]
        first = min(first, len(rest))
        children[:] = rest[:first] + [("g", box)] + rest[first:]
        self._adopt(box, items)

    def _label(self, item: tuple[str, int]) -> str:
        kind, number = item
        return self.groups[number].label if kind == "g" else self.names[number].rpartition("/")[2]

    def _signature(self, item: tuple[str, int]) -> object:
        """Return what "the same structure" compares: the op of a leaf, the set of main-flow ops of a group."""
        kind, number = item
        if kind == "n":
            return self.ops[number]
        return self._ops(item)

    def _ops(self, item: tuple[str, int]) -> frozenset[str]:
        kind, number = item
        if kind == "n":
            return frozenset() if self.aux[number] else frozenset([self.ops[number]])
        if number not in self._group_ops:
            self._group_ops[number] = frozenset().union(*(self._ops(child) for child in self.groups[number].children))
        return self._group_ops[number]

    def order(self) -> list[int]:
        """Number the leaves depth-first and set each group's leaf range and depth; return old leaf indices."""
        order: list[int] = []
        stack: list[tuple[tuple[str, int], int, bool]] = [(item, 0, False) for item in reversed(self.top)]
        while stack:
            (kind, number), depth, done = stack.pop()
            if kind == "n":
                order.append(number)
                continue
            group = self.groups[number]
            if done:
                group.hi = len(order)
                continue
            group.depth, group.lo = depth, len(order)
            stack.append(((kind, number), depth, True))
            stack.extend((child, depth + 1, False) for child in reversed(group.children))
        return order

    def model(
        self,
        nodes: pd.DataFrame,
        position: np.ndarray,
        edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> GraphModel:
        """Return the model with leaves renumbered to their depth-first positions."""
        names = nodes["name"].astype(str).tolist()
        for group in self.groups:
            group.children = [(k, int(position[n]) if k == "n" else n) for k, n in group.children]
        top = [(k, int(position[n]) if k == "n" else n) for k, n in self.top]
        parent = np.empty(len(names), np.int64)
        parent[position] = self.parent
        aux = np.empty(len(names), bool)
        aux[position] = self.aux
        depth = max((g.depth for g in self.groups), default=-1) + 1
        ancestors = np.full((depth, len(names)), -1, np.int64)
        for number, group in enumerate(self.groups):
            ancestors[group.depth, group.lo : group.hi] = number
        src, dst, control, shapes = edges
        return GraphModel(
            nodes=nodes,
            names=names,
            labels=[name[len(self.strip) :].rpartition("/")[2] or name for name in names],
            parent=parent,
            aux=aux,
            groups=self.groups,
            group_index=self.index,
            top=top,
            ancestors=ancestors,
            sources=position[src],
            targets=position[dst],
            control=control,
            shapes=shapes,
            sizes=np.array([shape_size(shape) for shape in shapes], np.float64),
            leaf_index={name: i for i, name in enumerate(names)},
        )


def _prefixes(path: str) -> list[str]:
    parts = path.split("/") if path else []
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def shape_size(shape: str) -> float:
    """Return the element count of a shape text such as "[2,3,8]" (0 when unknown or partly unknown)."""
    dims = shape.strip("[]()").replace(" ", "").split(",") if shape else []
    if not dims or not all(d.isdigit() for d in dims if d):
        return 0.0
    return float(np.prod([int(d) for d in dims if d])) if any(dims) else 1.0


def dominant(values: Sequence[str]) -> str:
    """Return the most common value ("" for none)."""
    return Counter(values).most_common(1)[0][0] if len(values) else ""
