"""`python -m benchmarks` (= `make bench`): Eventscope against TensorBoard and tbparse, printed as one table."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
from collections.abc import Sequence

from benchmarks import generate
from benchmarks.report import HIST_TARGETS, SCALAR_TARGETS, Row, table
from benchmarks.suite import GROUPS, SLOW, Options, Suite

SIZES = (*generate.SPECS, "all")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (see --help)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="small",
                        help="which logdir: small (a few minutes), large (50 runs x 50 tags x 5,000 steps), "
                             "hist (histograms), all (default: small)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per measurement (medians; default 3)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds before a slow competitor is stopped and projected (default 120)")
    parser.add_argument("--skip", default="", help=f"comma-separated groups to leave out: {', '.join(GROUPS)}, "
                                                   f"or 'slow' for {', '.join(SLOW)}")
    parser.add_argument("--json", metavar="FILE",
                        help="also save every number as JSON (e.g. benchmarks/results/x.json)")
    parser.add_argument("--quiet", action="store_true", help="no per-repetition progress on stderr")
    args = parser.parse_args(argv)
    args.skip = _skips(parser, args.skip)
    if args.reps < 1:
        parser.error(f"--reps must be at least 1, got {args.reps}")
    if args.timeout <= 0:
        parser.error(f"--timeout must be positive seconds, got {args.timeout}")
    return args


def _skips(parser: argparse.ArgumentParser, text: str) -> frozenset[str]:
    names = {name.strip() for name in text.split(",") if name.strip()}
    if "slow" in names:
        names = (names - {"slow"}) | set(SLOW)
    unknown = sorted(names - set(GROUPS))
    if unknown:
        parser.error(f"--skip: unknown group(s) {unknown}; choose from {', '.join(GROUPS)} or 'slow'")
    return frozenset(names)


def run(args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    """Run the suites args ask for; return the printed text and the JSON-able results."""
    options = Options(reps=args.reps, timeout=args.timeout, skip=args.skip, verbose=not args.quiet)
    names = list(generate.SPECS) if args.size == "all" else [args.size]
    texts, results = [], {}
    for name in names:
        spec = generate.SPECS[name]
        suite = Suite(spec, options)
        rows = suite.run()
        texts.append(table(_title(spec, suite), rows, SCALAR_TARGETS if spec.kind == "scalars" else HIST_TARGETS))
        results[name] = {"spec": vars(spec) | {"bytes": suite.bytes}, "rows": [row.as_dict() for row in rows]}
    header = _machine()
    options_json = vars(args) | {"skip": sorted(args.skip)}
    return header + "\n\n" + "\n\n".join(texts), {"machine": header, "options": options_json, "results": results}


def _title(spec: generate.Spec, suite: Suite) -> str:
    return (f"== {spec.name}: {spec.runs} runs x {spec.tags} {spec.kind} tags x {spec.steps:,} steps = "
            f"{spec.events:,} events, {suite.bytes / 1e6:.0f} MB (page cache warm; medians) ==")


def _machine() -> str:
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    return (f"eventscope benchmarks {stamp}: {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.machine()}; times are seconds from process spawn unless the row says 'floor' "
            f"(work only); ratios vs TB Rust data server (default) and whole TB (every series served)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    args = parse_args(argv)
    text, results = run(args)
    print(text)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
