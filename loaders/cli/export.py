"""`python -m loaders export`: one table kind of a logdir to CSV, Parquet, Feather or JSON."""

from __future__ import annotations

import base64
import difflib
import json
import re
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

from loaders.api import Logdir
from loaders.cli import EXIT_EMPTY, EXIT_OK, EXIT_USAGE
from loaders.tables.graphs.export import GRAPH_FORMATS, graph_records, to_graphml, to_json


def export(
    logdir: Logdir, kind: str, fmt: str, output: str, *, runs: re.Pattern | None = None, tags: re.Pattern | None = None
) -> int:
    """Write the rows of one kind to output.

    Args:
        logdir: the logdir to read.
        kind: a reader kind, or "hparams".
        fmt: "csv", "parquet", "feather" or "json".
        output: the file to write.
        runs: only runs matching this regex.
        tags: only tags matching this regex (ignored, with a warning, for hparams).

    Returns:
        0 when rows were written, 1 when nothing matched (no file is written then), 2 when output
        cannot be written.
    """
    if kind == "graph" or fmt == "graphml":
        return export_graph(logdir, kind, fmt, output, runs=runs)
    table = _hparams_table(logdir, runs, tags) if kind == "hparams" else getattr(logdir, f"{kind}_table")(runs, tags)
    if table.num_rows == 0:
        print(f"{explain_empty(logdir, kind, runs, tags)}; nothing written", file=sys.stderr)
        return EXIT_EMPTY
    try:
        WRITERS[fmt](table, output)
    except OSError as error:  # a missing folder, a directory, no permission, a full disk
        print(
            f"error: cannot write {output!r}: {error.strerror or error}; pass a file path in a writable folder with -o",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"wrote {table.num_rows} {kind} rows to {output}", file=sys.stderr)
    return EXIT_OK


def export_graph(logdir: Logdir, kind: str, fmt: str, output: str, *, runs: re.Pattern | None = None) -> int:
    """Write every graph of the matching runs (all nodes and edges; ids "run:graph:name") as GraphML or JSON.

    Returns:
        0 when a graph was written, 1 when no run has one, 2 for a format or kind that do not go together.
    """
    if kind != "graph" or fmt not in GRAPH_FORMATS:
        print(f"error: --kind graph is written as {' or '.join(GRAPH_FORMATS)}, and graphml holds only --kind graph; "
              f"got --kind {kind} --format {fmt}", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    nodes: list[dict] = []
    edges: list[dict] = []
    for run in logdir.runs():
        if runs is not None and not runs.search(run):
            continue
        graph = logdir.graph(run)
        if graph.nodes.empty:
            continue
        run_nodes, run_edges = graph_records(graph.nodes, graph.edges, prefix=f"{run}:")
        nodes += [{"run": run, **node} for node in run_nodes]
        edges += [{"run": run, **edge} for edge in run_edges]
    if not nodes:
        print(f"no graph found in {logdir.path}; nothing written", file=sys.stderr)
        return EXIT_EMPTY
    text = to_graphml(nodes, edges) if fmt == "graphml" else to_json(nodes, edges)
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        reason = error.strerror or error
        print(
            f"error: cannot write {output!r}: {reason}; pass a file path in a writable folder with -o", file=sys.stderr
        )
        return EXIT_USAGE
    print(f"wrote {len(nodes)} graph nodes and {len(edges)} edges to {output}", file=sys.stderr)
    return EXIT_OK


def explain_empty(logdir: Logdir, kind: str, runs: re.Pattern | None, tags: re.Pattern | None) -> str:
    """Say why an export found no rows: a --runs or --tags filter that matched nothing (with close names), or no data.

    Args:
        logdir: the logdir read.
        kind: the table kind exported.
        runs: the --runs regex, if given.
        tags: the --tags regex, if given (not used for hparams).

    Returns:
        One sentence, e.g. "--tags 'los$' matches none of the 2 scalars tags in runs/; close tags: loss".
    """
    names = logdir.runs()
    selected = [run for run in names if runs is None or runs.search(run)]
    if runs is not None and not selected and names:
        close = _close("runs", runs.pattern, names)
        return f"--runs {runs.pattern!r} matches none of the {_count(names, 'run')} in {logdir.path}; {close}"
    where = f" matching --runs {runs.pattern!r}" if runs is not None else ""
    if tags is None or kind == "hparams" or not selected:
        return f"no {kind} found in {logdir.path}{where}"
    frame = logdir.tags(selected)
    of_kind = sorted(set(frame.loc[frame["plugin"] == kind, "tag"])) if len(frame) else []
    if not of_kind:  # tensors are listed under their own plugin's name: ask the table itself
        of_kind = sorted(set(getattr(logdir, f"{kind}_table")(selected, None).column("tag").to_pylist()))
    if not of_kind:
        return f"no {kind} found in {logdir.path}{where}"
    return (
        f"--tags {tags.pattern!r} matches none of the {_count(of_kind, kind + ' tag')} in {logdir.path}{where}; "
        f"{_close(f'{kind} tags', tags.pattern, of_kind)}"
    )


def _count(names: list[str], noun: str) -> str:
    """Return e.g. "1 run" or "3 runs"."""
    return f"{len(names)} {noun}{'' if len(names) == 1 else 's'}"


def _close(what: str, pattern: str, names: list[str], shown: int = 10) -> str:
    """Return "close <what>: a, b" (difflib), or the first names there when none is close."""
    close = difflib.get_close_matches(pattern, names, n=5, cutoff=0.5)
    if close:
        return f"close {what}: {', '.join(close)}"
    more = f" (+{len(names) - shown} more)" if len(names) > shown else ""
    return f"{what} there: {', '.join(sorted(names)[:shown])}{more}"


def _hparams_table(logdir: Logdir, runs: re.Pattern | None, tags: re.Pattern | None) -> pa.Table:
    """Return the hparams sessions frame as a table, filtered by run."""
    if tags is not None:
        print("note: --tags does not apply to --kind hparams; ignored", file=sys.stderr)
    frame = logdir.hparams()
    if runs is not None and len(frame):
        frame = frame[[bool(runs.search(run)) for run in frame["run"]]]
    return pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)


def write_csv(table: pa.Table, output: str) -> None:
    """Write table as CSV: binary columns base64, list columns JSON strings."""
    pacsv.write_csv(_text_columns(table, lists_as_json=True), output)


def write_json(table: pa.Table, output: str) -> None:
    """Write table as a JSON array of records: binary columns base64, lists as arrays."""
    records = _text_columns(table, lists_as_json=False).to_pylist()
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(records, handle)


def write_parquet(table: pa.Table, output: str) -> None:
    """Write table as Parquet (zstd)."""
    pq.write_table(table, output, compression="zstd")


def write_feather(table: pa.Table, output: str) -> None:
    """Write table as Feather v2 (Arrow IPC)."""
    feather.write_feather(table, output)


WRITERS = {"csv": write_csv, "parquet": write_parquet, "feather": write_feather, "json": write_json}


def _text_columns(table: pa.Table, *, lists_as_json: bool) -> pa.Table:
    """Return table with binary columns as base64 strings (and list columns as JSON text if asked)."""
    for index, column in enumerate(table.columns):
        kind = column.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            encoded = [
                None if value is None else base64.b64encode(value).decode("ascii") for value in column.to_pylist()
            ]
            table = table.set_column(index, table.field(index).name, pa.array(encoded, pa.string()))
        elif lists_as_json and (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
            encoded = [None if value is None else json.dumps(value) for value in column.to_pylist()]
            table = table.set_column(index, table.field(index).name, pa.array(encoded, pa.string()))
    return table
