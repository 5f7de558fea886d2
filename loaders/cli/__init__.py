"""Command line of the loaders: argument parsing and dispatch to `export` and `inspect`."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence

from loaders.api import RESTART_POLICIES, Logdir
from loaders.errors import LoaderError
from loaders.progress import ProgressBar

EXIT_OK, EXIT_EMPTY, EXIT_USAGE = 0, 1, 2
EXPORT_KINDS = ("scalars", "histograms", "images", "audio", "text", "tensors", "pr_curves", "hparams")
FORMATS = ("csv", "parquet", "feather", "json")
GRAPH_KIND, GRAPH_FORMAT = "graph", "graphml"  # not a table: --kind graph is written as graphml or json

_EXPORT_NOTES = """\
Column encodings: parquet and feather keep every column's Arrow type. In csv and json, binary
columns (image/audio data, serialized tensors) are base64 strings; in csv, list columns (histogram
buckets, shapes, PR curves) are JSON arrays in one cell. json is one array of records; non-finite
numbers are written as NaN / Infinity / -Infinity (Python's json and pandas.read_json read them).
Exit status: 0 ok, 1 nothing matched, 2 bad arguments or logdir."""


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `python -m loaders`."""
    parser = argparse.ArgumentParser(
        prog="python -m loaders", description="Read TensorBoard event files through the Eventscope cache."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export",
        help="write one table kind of a logdir to a file",
        description="Write one table kind of a logdir to a file.",
        epilog=_EXPORT_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("logdir", help="the directory the writers wrote to")
    kinds, formats = (*EXPORT_KINDS, GRAPH_KIND), (*FORMATS, GRAPH_FORMAT)
    export.add_argument("--kind", required=True, choices=kinds, help="which table (graph: nodes and edges) to export")
    export.add_argument("--format", required=True, choices=formats, help="output file format (graphml: graph only)")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    export.add_argument(
        "--runs", metavar="REGEX", type=_regex("--runs"), help="only runs whose name matches (re.search)"
    )
    export.add_argument(
        "--tags", metavar="REGEX", type=_regex("--tags"), help="only tags that match (re.search; not for hparams)"
    )
    inspect = commands.add_parser(
        "inspect",
        help="print runs, tags and every problem found",
        description="Print per run: tags by plugin with counts and step ranges, "
        "and every problem found (corrupt records, truncation, "
        "steps going backwards, plugins that differ between files).",
    )
    inspect.add_argument("logdir", help="the directory the writers wrote to")
    inspect.add_argument(
        "--runs", metavar="REGEX", type=_regex("--runs"), help="only runs whose name matches (re.search)"
    )
    for sub in (export, inspect):
        sub.add_argument(
            "--cache-dir", metavar="DIR", help="cache directory (default $EVENTSCOPE_CACHE or ~/.cache/eventscope)"
        )
        sub.add_argument(
            "--restarts",
            choices=RESTART_POLICIES,
            default="purge",
            help="purge (default, like TensorBoard): a restart drops the earlier steps it "
            "overlaps; keep: keep every row",
        )
        sub.add_argument(
            "--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments (default sys.argv[1:]).

    Returns:
        The exit status: 0 ok, 1 nothing found, 2 usage or logdir errors.
    """
    args = build_parser().parse_args(argv)
    bar = ProgressBar(force=args.progress)
    try:
        logdir = Logdir(args.logdir, cache_dir=args.cache_dir, restarts=args.restarts, progress=bar)
        if args.command == "export":
            from loaders.cli.export import export

            return export(logdir, args.kind, args.format, args.output, runs=args.runs, tags=args.tags)
        from loaders.cli.inspect import inspect

        return inspect(logdir, runs=args.runs, out=sys.stdout)
    except LoaderError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `... | head` closed stdout: stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        bar.close()


def _regex(flag: str) -> Callable[[str], re.Pattern]:
    """Return an argparse type that compiles a regex, naming flag when it does not compile."""

    def compile_pattern(pattern: str) -> re.Pattern:
        try:
            return re.compile(pattern)
        except re.error as error:
            raise argparse.ArgumentTypeError(f"bad {flag} regex {pattern!r}: {error}") from error

    return compile_pattern
