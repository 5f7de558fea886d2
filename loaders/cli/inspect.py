"""`python -m loaders inspect`: per run, tags by plugin with counts and step ranges, and every problem."""

from __future__ import annotations

import os
import re
from typing import TextIO

import numpy as np
import pandas as pd

from loaders.api import READER_KINDS, Logdir
from loaders.cli import EXIT_EMPTY, EXIT_OK
from loaders.discovery import printable


def inspect(logdir: Logdir, *, runs: re.Pattern | None, out: TextIO) -> int:
    """Print what logdir holds and what is wrong with it.

    Args:
        logdir: the logdir to read.
        runs: only runs matching this regex.
        out: where to print.

    Returns:
        0 when runs were found, 1 when none (matched).
    """
    selected = logdir.runs() if runs is None else [run for run in logdir.runs() if runs.search(run)]
    if not selected:
        print(
            f"{printable(logdir.path)}: no runs found (no file with 'tfevents' in its name"
            f"{' in runs matching ' + repr(runs.pattern) if runs is not None else ''})",
            file=out,
        )
        _print_profiles(logdir, out)
        return EXIT_EMPTY
    files, tags = logdir.files(selected), logdir.tags(selected)
    findings = _findings(logdir, selected, files)
    print(
        f"{printable(logdir.path)}: {len(selected)} runs, {len(files)} event files, "
        f"{int(files['records'].sum())} records, "
        f"{sum(len(items) for items in findings.values())} problems",
        file=out,
    )
    for run in selected:
        _print_run(run, files[files["run"] == run], tags[tags["run"] == run], findings.get(run, []), out)
    if findings.get(""):
        print("\nlogdir and cache:", file=out)
        for message in findings[""]:
            print(f"  ! {message}", file=out)
    _print_profiles(logdir, out)
    return EXIT_OK


def _print_run(run: str, files: pd.DataFrame, tags: pd.DataFrame, findings: list[str], out: TextIO) -> None:
    """Print one run's section."""
    print(f"\nrun {run!r}: {len(files)} files, {int(files['records'].sum())} records", file=out)
    for plugin, group in tags.groupby("plugin", sort=True):
        items = ", ".join(
            f"{tag} ({count} x, {_steps(first, last)})"
            for tag, count, first, last in zip(group["tag"], group["count"], group["first_step"], group["last_step"])
        )
        print(f"  {plugin}: {items}", file=out)
    if not len(tags):
        print("  (no summaries)", file=out)
    for message in findings:
        print(f"  ! {message}", file=out)


def _steps(first: int, last: int) -> str:
    return f"step {first}" if first == last else f"steps {first}..{last}"


def _findings(logdir: Logdir, runs: list[str], files: pd.DataFrame) -> dict[str, list[str]]:
    """Return run -> problem sentences ("" for problems not about one run's files)."""
    run_of = dict(zip(files["path"], files["run"]))
    findings: dict[str, list[str]] = {}
    problems = logdir.problems()
    for path, message in zip(problems["path"], problems["message"]):
        findings.setdefault(run_of.get(path) or _run_holding(logdir, path, runs), []).append(message)
    for run in runs:
        findings.setdefault(run, []).extend(_backwards_steps(logdir, run) + _plugin_conflicts(logdir, run))
    return {run: items for run, items in findings.items() if items}


def _run_holding(logdir: Logdir, path: str, runs: list[str]) -> str:
    """Return the run whose directory directly holds path (a file that could not be read), else ""."""
    rel = os.path.relpath(os.path.dirname(path), printable(logdir.path)).replace(os.sep, "/")
    return rel if rel in runs else ""


def _backwards_steps(logdir: Logdir, run: str) -> list[str]:
    """Return a sentence per tag whose steps go backwards (after the restart policy)."""
    messages = []
    for kind in READER_KINDS:
        table = getattr(logdir, f"{kind}_table")([run]).select(["tag", "step"])
        if not table.num_rows:
            continue
        frame = table.to_pandas()
        for tag, steps in frame.groupby("tag", sort=True)["step"]:
            values = steps.to_numpy()
            drops = np.flatnonzero(np.diff(values) < 0)
            if drops.size:
                first = drops[0]
                messages.append(
                    f"{kind} tag {tag!r}: steps go backwards {drops.size} times (first from step "
                    f"{values[first]} to {values[first + 1]}); a restart without a SessionLog.START "
                    f"or two writers on one run"
                )
    return messages


def _plugin_conflicts(logdir: Logdir, run: str) -> list[str]:
    """Return a sentence per tag whose first metadata names different plugins in different files."""
    meta = logdir.tag_metadata([run])
    messages = []
    for tag, group in meta.groupby("tag", sort=True):
        plugins = list(dict.fromkeys(group["plugin"]))
        if len(plugins) > 1:
            where = "; ".join(f"{plugin} in {path}" for plugin, path in zip(group["plugin"], group["path"]))
            messages.append(
                f"tag {tag!r} has different plugins in different files ({where}); "
                f"the first file's plugin ({plugins[0]}) is used"
            )
    return messages


def _print_profiles(logdir: Logdir, out: TextIO) -> None:
    """Print the profiler captures found, if any."""
    profiles = logdir.profiles()
    if len(profiles):
        print(f"\nprofiler captures: {len(profiles)}", file=out)
        for row in profiles.itertuples(index=False):
            print(f"  {row.run}: session {row.session}, host {row.host}, {row.format}: {row.path}", file=out)
