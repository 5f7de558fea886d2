"""Logdir: discovery, lazy loading through the cache, run assembly, per-tag scalar series, metadata, problems."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loaders.api.assemble import (
    Index,
    exact_index,
    filter_tags,
    first_tag_infos,
    index_stats,
    plugin_tags,
    purge_restarted,
    reader_form,
    restart_thresholds,
    tag_stats,
)
from loaders.api.derived import DerivedReaders
from loaders.api.options import options_by_keyword
from loaders.api.select import Selector, check_selector, select
from loaders.api.series import TagRows, tag_frame
from loaders.cache import SETTLE_S, Cache, FileEntry
from loaders.chunk import TagInfo
from loaders.discovery import Discovery, check_logdir, discover, printable
from loaders.errors import CacheError, Problem
from loaders.schemas import SCHEMAS

Progress = Callable[[int, int, int, int], None]
"""progress(files_done, files_total, bytes_done, bytes_total), called as files are brought up to date."""

RESTART_POLICIES = ("purge", "keep")


class Logdir(DerivedReaders):
    """A TensorBoard logdir read through the on-disk cache.

    Creating one only discovers runs; each reader loads (from the cache, or by decoding) the
    files of the runs it is asked for, and keeps the assembled tables until refresh() sees a
    change. Readers return tidy DataFrames; the ``*_table`` twins return the same columns as
    pyarrow Tables. Safe to share between threads.
    """

    @options_by_keyword
    def __init__(
        self,
        logdir: str | os.PathLike[str],
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        restarts: str = "purge",
        progress: Progress | None = None,
        settle_s: float = SETTLE_S,
    ) -> None:
        """Discover the runs of logdir.

        The options are keyword-only: Logdir("runs", cache_dir="/tmp/cache").

        Args:
            logdir: the directory the writers wrote to.
            cache_dir: where decoded tables are kept; default $EVENTSCOPE_CACHE or ~/.cache/eventscope.
            restarts: "purge" (default, like TensorBoard): a SessionLog.START at step S drops the
                run's earlier rows with step >= S; "keep": keep every row.
            progress: called as files are read (see Progress).
            settle_s: an incomplete last record of a file unchanged for this many seconds is damage,
                reported, not a record still being written (pass about the reload interval).

        Raises:
            TypeError: an option was passed positionally (the message shows the keyword form).
            ValueError: restarts is not one of RESTART_POLICIES.
            LogdirNotFound: logdir does not exist.
            LoaderError: logdir is a URL (not supported yet).
        """
        if restarts not in RESTART_POLICIES:
            raise ValueError(f"restarts={restarts!r} is not valid; use one of {list(RESTART_POLICIES)}")
        self.path = check_logdir(logdir)
        self.restarts = restarts
        self._progress = progress
        self._cache = Cache(cache_dir, settle_s=settle_s)
        self._lock = threading.RLock()
        self._discovery: Discovery = discover(self.path, skip=self._cache.root)
        self._entries: dict[str, tuple[FileEntry, ...]] = {}
        self._memo: dict[tuple[str, str], tuple[tuple[object, ...], pa.Table]] = {}
        self._tag_index: dict[str, tuple[tuple[object, ...], TagRows]] = {}
        self._file_problems: dict[str, Problem] = {}
        self._derived_problems: dict[str, list[Problem]] = {}
        self._vanished: list[Problem] = []  # runs the last refresh no longer found

    def __repr__(self) -> str:
        return f"Logdir({self.path!r}, runs={len(self._discovery.runs)})"

    # ----- discovery and refresh -------------------------------------------------------------

    def refresh(self) -> Logdir:
        """Re-discover runs and read what was appended to the files of the runs already loaded.

        Returns:
            self.

        Raises:
            LogdirNotFound: the logdir was removed since this Logdir was made.
        """
        with self._lock:
            before = self._discovery.runs
            self._discovery = discover(self.path, skip=self._cache.root)
            self._vanished = [_vanished(self.path, run) for run in before if run not in self._discovery.runs]
            found = {path for paths in self._discovery.runs.values() for path in paths}
            self._file_problems = {path: problem for path, problem in self._file_problems.items() if path in found}
            loaded = [run for run in self._entries if run in self._discovery.runs]
            self._entries = {}
            self._load(loaded)
            self._memo = {key: value for key, value in self._memo.items() if key[0] in self._entries}
            self._tag_index = {run: value for run, value in self._tag_index.items() if run in self._entries}
        return self

    def runs(self) -> list[str]:
        """Return the run names, sorted ("." is the logdir itself)."""
        return list(self._discovery.runs)

    def _load(self, runs: Iterable[str]) -> None:
        """Bring the cache entries of the given runs up to date (decoding what is new, in parallel when big)."""
        with self._lock:
            todo = [run for run in runs if run not in self._entries]
            paths = [path for run in todo for path in self._discovery.runs[run]]
            sizes = {path: _size(path) for path in paths}
            counts = [0, len(sizes), 0, sum(sizes.values())]  # files done, files, bytes done, bytes

            def tick(path: str) -> None:
                counts[0], counts[2] = counts[0] + 1, counts[2] + sizes[path]
                if self._progress is not None:
                    self._progress(*counts)

            ready = self._cache.prepare(paths, on_done=tick)
            for run in todo:
                entries = []
                for path in self._discovery.runs[run]:
                    entry = self._entry(path)
                    if entry is not None:
                        entries.append(entry)
                    if path not in ready:
                        tick(path)
                self._entries[run] = tuple(entries)

    def _entry(self, path: str) -> FileEntry | None:
        """Return path's current cache entry, or None (with a problem) when it cannot be read."""
        try:
            entry = self._cache.entry(path)
        except OSError as error:
            self._file_problems[path] = Problem(
                path,
                -1,
                "unreadable_file",
                f"{path}: cannot read this event file ({error.strerror or error}); skipped it",
            )
            return None
        self._file_problems.pop(path, None)
        return entry

    def _run_entries(self, run: str) -> tuple[FileEntry, ...]:
        """Return the run's current cache entries, loading them if needed."""
        with self._lock:
            self._load([run])
            return self._entries[run]

    # ----- argument checking -----------------------------------------------------------------

    def _select_runs(self, runs: Selector) -> list[str]:
        """Return the run names runs selects (checked against the discovered runs)."""
        return select("runs", check_selector("runs", runs), self.runs())

    # ----- assembly --------------------------------------------------------------------------

    def _assembled(self, run: str, kind: str) -> pa.Table:
        """Return one run's table of one kind: run column first, restarts applied, no _offset."""
        with self._lock:
            entries = self._run_entries(run)
            key = (tuple(entry.signature for entry in entries), self.restarts)
            cached = self._memo.get((run, kind))
            if cached is not None and cached[0] == key:
                return cached[1]
            table = self._assemble(run, kind, entries)
            self._memo[(run, kind)] = (key, table)
            return table

    def _assembled_tags(
        self, run: str, kind: str, wanted: list[str], index: dict[str, tuple[int, int, int]] | None
    ) -> pa.Table:
        """Return _assembled(run, kind)'s rows of the wanted tags, without assembling the other tags' rows.

        Args:
            run, kind: as for _assembled.
            wanted: the tags to keep.
            index: the run's tag index for kind, when known (runs without a wanted tag cost nothing).
        """
        with self._lock:
            entries = self._run_entries(run)
            key = (tuple(entry.signature for entry in entries), self.restarts)
            cached = self._memo.get((run, kind))
            if cached is not None and cached[0] == key:
                return filter_tags(cached[1], wanted, index)
            if index is not None and not any(tag in index for tag in wanted):
                return reader_form(SCHEMAS[kind].empty_table())
            return self._assemble(run, kind, entries, wanted)

    def _assemble(
        self, run: str, kind: str, entries: tuple[FileEntry, ...], wanted: list[str] | None = None
    ) -> pa.Table:
        """Concatenate the run's files' rows of kind in file order, apply the restart policy, add `run`.

        wanted, when given, keeps only those tags' rows (filtered per file, before anything is copied).
        """
        known = first_tag_infos(entries)
        thresholds = restart_thresholds(entries) if self.restarts == "purge" else None
        pieces = []
        for index, entry in enumerate(entries):
            table = self._file_table(entry, kind, known, wanted)
            if thresholds is not None and table.num_rows:
                table = purge_restarted(table, *thresholds[index])
            pieces.append(table)
        table = pa.concat_tables([SCHEMAS[kind].empty_table(), *pieces]) if pieces else SCHEMAS[kind].empty_table()
        table = table.drop_columns(["_offset"])
        return table.add_column(0, "run", pa.repeat(pa.scalar(run, pa.string()), table.num_rows))

    def _cached_table(self, entry: FileEntry, kind: str) -> pa.Table:
        """Return one file's rows of kind from the cache; none (with a problem) when they are lost."""
        try:
            return self._cache.table(entry.path, kind)
        except CacheError as error:
            self._file_problems[entry.path] = Problem(
                entry.path, -1, "unreadable_file", f"{error}; its rows are left out"
            )
            return SCHEMAS[kind].empty_table()

    def _file_table(
        self, entry: FileEntry, kind: str, known: dict[str, TagInfo], wanted: list[str] | None = None
    ) -> pa.Table:
        """Return one file's rows of kind (only the wanted tags', if given), plugin-less tensors resolved."""
        # the file's tag index for kind, when it describes the rows exactly (no plugin-less tensors to resolve)
        tags = entry.index.get(kind, {}) if entry.index is not None and not entry.unresolved else None
        if wanted is not None and tags is not None and not any(tag in tags for tag in wanted):
            return SCHEMAS[kind].empty_table()
        table = self._resolved_table(entry, kind, known)
        if wanted is None:
            return table
        return filter_tags(table, wanted, tags)

    def _resolved_table(self, entry: FileEntry, kind: str, known: dict[str, TagInfo]) -> pa.Table:
        """Return one file's rows of kind, with its plugin-less tensors resolved by run-level metadata."""
        table = self._cached_table(entry, kind)
        if not any(known.get(tag) and known[tag].plugin for tag in entry.unresolved):
            return table
        from loaders.events import resolve_tensors

        problems: list[Problem] = []
        resolved = resolve_tensors(self._cached_table(entry, "tensors"), known, path=entry.path, problems=problems)
        self._derived_problems[f"resolve:{entry.path}"] = problems
        if kind == "tensors":
            return resolved.get("tensors", SCHEMAS["tensors"].empty_table()).cast(SCHEMAS["tensors"])
        extra = resolved.get(kind)
        if extra is None or not extra.num_rows:
            return table
        return pa.concat_tables([table, extra.cast(SCHEMAS[kind])]).sort_by("_offset")

    def _read(self, kind: str, runs: Selector, tags: Selector) -> pa.Table:
        """Return the rows of kind for the selected runs and tags (filtered per run, before concatenating)."""
        tag_selector = check_selector("tags", tags)
        selected = self._select_runs(runs)
        self._load(selected)
        if tag_selector is None:
            parts = [self._assembled(run, kind) for run in selected]
        else:
            wanted, indexes = self._select_tags(kind, selected, tag_selector)
            parts = [self._assembled_tags(run, kind, wanted, _kind_index(indexes[run], kind)) for run in selected]
        return pa.concat_tables(parts) if parts else reader_form(SCHEMAS[kind].empty_table())

    def _select_tags(
        self, kind: str, selected: list[str], tag_selector: list[str] | re.Pattern[str] | None
    ) -> tuple[list[str], dict[str, Index | None]]:
        """Return the tags of kind tag_selector picks in the selected runs (sorted), and each run's tag index.

        Raises:
            ValueError: tag_selector lists a tag none of the runs has for kind (the message lists the valid ones).
        """
        indexes = {run: self._index(run) for run in selected}
        choices = sorted({tag for run in selected for tag in self._kind_tags(run, kind, indexes[run])})
        if isinstance(tag_selector, list) and not set(tag_selector) <= set(choices):  # see plugin_tags
            declared = (tag for run in selected for tag in plugin_tags(self._run_entries(run), kind))
            choices = sorted({*choices, *declared})
        return select("tags", tag_selector, choices, what=f"{kind} tags in the selected runs"), indexes

    def _index(self, run: str) -> Index | None:
        """Return the run's tag index, or None when it may differ from the assembled tables (see exact_index)."""
        return exact_index(self._run_entries(run), purge=self.restarts == "purge")

    def _kind_tags(self, run: str, kind: str, index: Index | None) -> list[str]:
        """Return the tags the run has rows of kind for (from its index when it has one)."""
        if index is not None:
            return list(index.get(kind, {}))
        return pc.unique(self._assembled(run, kind)["tag"]).to_pylist()

    # ----- per-tag scalar series -------------------------------------------------------------

    def scalar_series(self, runs: Selector = None, tags: Selector = None) -> dict[str, pd.DataFrame]:
        """Return the scalars of the selected runs one frame per tag, fast when called again per tag.

        Each run's scalars are indexed by tag the first time a call needs them (kept until the
        run's files change), so asking for a few tags costs a few takes, not a scan of every row.
        Runs whose files' tag index (meta.json) shows none of the tags are not read at all.
        frames[tag] holds the same rows, in the same order, as scalars(runs, tag).

        Args:
            runs: None (all), a run name, a list of run names, or a compiled regex (re.search).
            tags: None (all), a tag, a list of tags, or a compiled regex (re.search).

        Returns:
            tag -> frame with columns run, tag, step (int64), wall_time (float64), value (float64);
            rows grouped by run in runs() order, each run's in point (file) order. run and tag are
            pandas Categoricals (scalars() returns them as str): every frame's run column has the
            same categories, the selected runs in runs() order (runs without the tag included),
            so its codes index one list of runs. Keys are in the order a list of tags gives them
            (sorted for None or a regex); tags without rows in these runs are left out.

        Raises:
            TypeError: runs or tags is not one of the accepted forms.
            ValueError: a listed run, or a listed tag that none of the selected runs has, does not
                exist (the message lists the valid ones).
        """
        tag_selector = check_selector("tags", tags)
        selected = self._select_runs(runs)
        self._load(selected)
        wanted, indexes = self._select_tags("scalars", selected, tag_selector)
        if isinstance(tag_selector, list):
            wanted = list(dict.fromkeys(tag_selector))
        run_dtype = pd.CategoricalDtype(pd.Index(selected, dtype="str"))
        parts: dict[str, list[tuple[int, dict[str, np.ndarray]]]] = {tag: [] for tag in wanted}
        for code, run in enumerate(selected):
            known = _kind_index(indexes[run], "scalars")
            if known is not None and not any(tag in known for tag in wanted):
                continue
            rows = self._tag_rows(run)
            for tag in wanted:
                if tag in rows.rows:
                    parts[tag].append((code, rows.series(tag)))
        return {tag: tag_frame(tag, run_dtype, found) for tag, found in parts.items() if found}

    def warm_scalar_series(self, runs: Selector = None) -> None:
        """Index the selected runs' scalars by tag now, as the first scalar_series() call would.

        For a server that wants its first charts fast: call it in a background thread at start-up.

        Args:
            runs: which runs (same forms as for scalars()); default all.
        """
        selected = self._select_runs(runs)
        self._load(selected)
        for run in selected:
            self._tag_rows(run)

    def _tag_rows(self, run: str) -> TagRows:
        """Return the run's scalars indexed by tag, built once per data version of the run."""
        with self._lock:
            entries = self._run_entries(run)
            key = (tuple(entry.signature for entry in entries), self.restarts)
            cached = self._tag_index.get(run)
            if cached is not None and cached[0] == key:
                return cached[1]
            table = self._assembled(run, "scalars")
        rows = TagRows(table)  # built outside the lock; a stale key is rebuilt on the next call
        with self._lock:
            self._tag_index[run] = (key, rows)
        return rows

    # ----- metadata and problems -------------------------------------------------------------

    def tags(self, runs: Selector = None) -> pd.DataFrame:
        """Return one row per (run, tag): run, tag, plugin, count, first_step, last_step.

        A tag whose values are in several tables (a writer reused the name for a scalar and an
        image) has one row per table, each under the plugin whose reader returns those rows.

        Args:
            runs: which runs (same forms as for scalars()); default all.

        Returns:
            A DataFrame sorted by run then tag; counts are after the restart policy.
        """
        selected = self._select_runs(runs)
        self._load(selected)
        frames = []
        for run in selected:
            index, entries = self._index(run), self._run_entries(run)
            frames.append(
                tag_stats(run, entries, self._assembled) if index is None else index_stats(run, entries, index)
            )
        columns = ["run", "tag", "plugin", "count", "first_step", "last_step"]
        frames = [frame for frame in frames if len(frame)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def tag_metadata(self, runs: Selector = None) -> pd.DataFrame:
        """Return the first SummaryMetadata of every tag in every file.

        Args:
            runs: which runs (same forms as for scalars()); default all.

        Returns:
            run, path, tag, plugin, display_name, description, data_class (one row per file and tag).
        """
        selected = self._select_runs(runs)
        self._load(selected)
        rows = [
            (run, printable(entry.path), info.tag, info.plugin, info.display_name, info.description, info.data_class)
            for run in selected
            for entry in self._run_entries(run)
            for info in entry.tags.values()
        ]
        return pd.DataFrame(rows, columns=["run", "path", "tag", "plugin", "display_name", "description", "data_class"])

    def files(self, runs: Selector = None) -> pd.DataFrame:
        """Return one row per event file: run, path, size, records, end_offset, truncated, stopped, file_version.

        Args:
            runs: which runs (same forms as for scalars()); default all.
        """
        selected = self._select_runs(runs)
        self._load(selected)
        rows = [
            (run, printable(e.path), e.size, e.num_records, e.end_offset, e.truncated, e.stopped, e.file_version)
            for run in selected
            for e in self._run_entries(run)
        ]
        return pd.DataFrame(
            rows, columns=["run", "path", "size", "records", "end_offset", "truncated", "stopped", "file_version"]
        )

    def problems(self) -> pd.DataFrame:
        """Return everything wrong found so far: path, offset, kind, message (one row each; see printable())."""
        with self._lock:
            found = [*self._discovery.problems, *self._cache.problems, *self._file_problems.values(), *self._vanished]
            found += [problem for problems in self._derived_problems.values() for problem in problems]
            found += [problem for entries in self._entries.values() for entry in entries for problem in entry.problems]
        rows = list(dict.fromkeys((printable(p.path), p.offset, p.kind, printable(p.message)) for p in found))
        return pd.DataFrame(rows, columns=["path", "offset", "kind", "message"])


def _kind_index(index: Index | None, kind: str) -> dict[str, tuple[int, int, int]] | None:
    """Return a run's tag index of one kind (empty when the run has no rows of kind), None when unknown."""
    return None if index is None else index.get(kind, {})


def _vanished(logdir: str, run: str) -> Problem:
    """Return the notice for a run whose event files are gone (reported by the refresh that finds it gone)."""
    where = os.path.normpath(os.path.join(logdir, run))
    return Problem(
        where,
        -1,
        "vanished",
        f"{where}: run {run!r} is gone (its event files were deleted or moved); its data is no longer shown",
    )


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
