"""`python -m benchmarks.graphs`: server time of the Graphs page on a 20,000-node GraphDef with a 500-function library.

Targets (issue "Graphs dashboard"): the page opens collapsed in at most 1 s of server time, and each
expand/collapse round trip (the view update plus the new element set) takes at most 300 ms. The
graph has deep name scopes (model/stage_i/block_j/layer_k/...), series of numbered blocks, a
constant hub per stage, and a function library of 500 bodies of 12 nodes each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from loaders.proto import event_pb2, graph_pb2

OPEN_TARGET_S = 1.0
EXPAND_TARGET_S = 0.3


def make_graph_def(nodes: int = 20_000, functions: int = 500) -> graph_pb2.GraphDef:
    """Return a GraphDef of about `nodes` nodes in deep scopes plus a library of `functions` bodies."""
    graph = graph_pb2.GraphDef()
    previous = "input"
    graph.node.add(name="input", op="Placeholder")
    stage, count = 0, 1
    while count < nodes:
        hub = f"model/stage_{stage}/scale"
        graph.node.add(name=hub, op="Const")
        count += 1
        for block in range(8):
            for layer in range(6):
                scope = f"model/stage_{stage}/block_{block}/layer_{layer}"
                for op in ("MatMul", "BiasAdd", "Relu", "Mul"):
                    node = graph.node.add(name=f"{scope}/{op}", op=op, device=f"/gpu:{stage % 2}")
                    node.input.append(previous)
                    if op == "Mul":
                        node.input.append(hub)
                    previous = node.name
                    count += 1
        stage += 1
    for number in range(functions):
        function = graph.library.function.add()
        function.signature.name = f"__inference_fn_{number}"
        function.signature.input_arg.add(name="x", type=1)
        last = "x"
        for index in range(12):
            node = function.node_def.add(name=f"op_{index}", op="Relu" if index % 2 else "MatMul")
            node.input.append(last if last == "x" else f"{last}:output:0")
            last = node.name
    return graph


def write_logdir(root: Path, graph: graph_pb2.GraphDef) -> Path:
    """Write the graph as one run's event file and return the logdir."""
    from loaders.writer import EventWriter

    logdir = root / "logs"
    with EventWriter(str(logdir / "big")) as writer:
        writer.add_event(event_pb2.Event(step=0, wall_time=1.0, graph_def=graph.SerializeToString()))
    return logdir


def _time(action: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(reps: int = 5) -> list[tuple[str, float, float | None]]:
    """Measure and return (what, seconds, target seconds or None) rows."""
    import loaders
    from dashboard.figures import graph_elements
    from dashboard.figures.graph_hierarchy import build_model
    from dashboard.pages.graphs import view as graph_view

    graph_def = make_graph_def()
    with tempfile.TemporaryDirectory() as tmp:
        logdir = write_logdir(Path(tmp), graph_def)
        cache = str(Path(tmp) / "cache")
        loaders.Logdir(str(logdir), cache_dir=cache).graph("big")  # fill the cache (the page's first start)
        cold_logdir = loaders.Logdir(str(logdir), cache_dir=cache)
        start = time.perf_counter()
        graph = cold_logdir.graph("big")
        read_s = time.perf_counter() - start
    nodes = graph.nodes[graph.nodes["function"] == ""]
    edges = graph.edges[graph.edges["graph"] == "__run_graph__"]
    start = time.perf_counter()
    model = build_model(nodes, edges)
    build_s = time.perf_counter() - start
    collapsed_s = _time(lambda: graph_elements.build_elements(model, []), reps)
    view = graph_view.GraphView(run="big", graph="__run_graph__", expanded=("s:model",))
    deep = graph_view.expand_to_depth(view, model, 4)
    opened = set(deep.expanded)
    target = next(
        g for g in model.groups if g.kind == "scope" and g.id not in opened and model.groups[g.parent].id in opened
    )

    def round_trip() -> None:
        tapped = graph_view.tap(deep, model, {"id": target.id})
        json.dumps(graph_elements.build_elements(model, set(tapped.expanded)).elements)  # what Dash sends

    expand_s = _time(round_trip, reps)
    body = graph.nodes[graph.nodes["function"] == "__inference_fn_7"]
    fn_s = _time(lambda: graph_elements.build_elements(build_model(body, edges, strip="__inference_fn_7/"), []), reps)
    search_s = _time(lambda: graph_view.find(view, model, "stage_3/block_5/layer_2/Relu"), reps)
    shown = len(graph_elements.build_elements(model, set(deep.expanded)).elements)
    return [
        (f"read graph from cache ({len(graph.nodes):,} nodes incl. {len(graph.nodes) - len(nodes):,} in functions)",
         read_s, None),
        (f"build hierarchy ({len(nodes):,} nodes, {len(model.groups):,} groups)", build_s, None),
        ("open collapsed: read + hierarchy + elements (first view)", read_s + build_s + collapsed_s, OPEN_TARGET_S),
        ("open collapsed, hierarchy memoized (later views)", collapsed_s, OPEN_TARGET_S),
        (f"expand a scope at depth {target.depth} ({shown} elements drawn before)", expand_s, EXPAND_TARGET_S),
        ("open a function body", fn_s, EXPAND_TARGET_S),
        ("search + reveal a node", search_s, EXPAND_TARGET_S),
    ]  # fmt: skip


def table(rows: Sequence[tuple[str, float, float | None]]) -> str:
    """Return the rows as a text table with the target and whether it is met."""
    lines = [f"{'measurement':<72} {'ms':>9} {'target ms':>10}  ok", "-" * 98]
    for what, seconds, target in rows:
        ok = "" if target is None else ("yes" if seconds <= target else "NO")
        target_text = "" if target is None else f"{target * 1000:,.0f}"
        lines.append(f"{what:<72} {seconds * 1000:>9,.1f} {target_text:>10}  {ok}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.graphs", description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="repetitions per timing (median; default 5)")
    args = parser.parse_args(argv)
    print(table(run(max(args.reps, 1))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
