"""Logdir: discovery, lazy loading through the cache, run assembly, metadata, problems."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

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
from loaders.api.readers import KindReaders
from loaders.api.select import Selector, check_selector, select
from loaders.cache import SETTLE_S, Cache, FileEntry
from loaders.chunk import TagInfo
from loaders.discovery import Discovery, check_logdir, discover, printable
from loaders.errors import CacheError, Problem
from loaders.tables import SCHEMAS

if TYPE_CHECKING:
    from loaders.tables.graphs import Graph

Progress = Callable[[int, int, int, int], None]
"""progress(files_done, files_total, bytes_done, bytes_total), called as files are brought up to date."""

RESTART_POLICIES = ("purge", "keep")


class Logdir(KindReaders):
    """A TensorBoard logdir read through the on-disk cache.

    Creating one only discovers runs; each reader loads (from the cache, or by decoding) the
    files of the runs it is asked for, and keeps the assembled tables until refresh() sees a
    change. Readers return tidy DataFrames; the ``*_table`` twins return the same columns as
    pyarrow Tables. Safe to share between threads.
    """

    def __init__(self, logdir: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None, *,
                 restarts: str = "purge", progress: Progress | None = None, settle_s: float = SETTLE_S) -> None:
        """Discover the runs of logdir.

        Args:
            logdir: the directory the writers wrote to.
            cache_dir: where decoded tables are kept; default $EVENTSCOPE_CACHE or ~/.cache/eventscope.
            restarts: "purge" (default, like TensorBoard): a SessionLog.START at step S drops the
                run's earlier rows with step >= S; "keep": keep every row.
            progress: called as files are read (see Progress).
            settle_s: an incomplete last record of a file unchanged for this many seconds is damage,
                reported, not a record still being written (pass about the reload interval).

        Raises:
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
            self._file_problems[path] = Problem(path, -1, "unreadable_file",
                                                f"{path}: cannot read this event file ({error.strerror or error}); "
                                                f"skipped it")
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

    def _assembled_tags(self, run: str, kind: str, wanted: list[str],
                        index: dict[str, tuple[int, int, int]] | None) -> pa.Table:
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

    def _assemble(self, run: str, kind: str, entries: tuple[FileEntry, ...],
                  wanted: list[str] | None = None) -> pa.Table:
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
            self._file_problems[entry.path] = Problem(entry.path, -1, "unreadable_file",
                                                      f"{error}; its rows are left out")
            return SCHEMAS[kind].empty_table()

    def _file_table(self, entry: FileEntry, kind: str, known: dict[str, TagInfo],
                    wanted: list[str] | None = None) -> pa.Table:
        """Return one file's rows of kind (only the wanted tags', if given), plugin-less tensors resolved."""
        exact = entry.index is not None and not entry.unresolved
        if wanted is not None and exact and not any(tag in entry.index.get(kind, {}) for tag in wanted):
            return SCHEMAS[kind].empty_table()
        table = self._resolved_table(entry, kind, known)
        if wanted is None:
            return table
        return filter_tags(table, wanted, entry.index.get(kind, {}) if exact else None)

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
            indexes = {run: self._index(run) for run in selected}
            choices = sorted({tag for run in selected for tag in self._kind_tags(run, kind, indexes[run])})
            if isinstance(tag_selector, list) and not set(tag_selector) <= set(choices):  # see plugin_tags
                declared = (tag for run in selected for tag in plugin_tags(self._run_entries(run), kind))
                choices = sorted({*choices, *declared})
            wanted = select("tags", tag_selector, choices, what=f"{kind} tags in the selected runs")
            parts = [self._assembled_tags(run, kind, wanted, None if indexes[run] is None
                                          else indexes[run].get(kind, {})) for run in selected]
        return pa.concat_tables(parts) if parts else reader_form(SCHEMAS[kind].empty_table())

    def _index(self, run: str) -> Index | None:
        """Return the run's tag index, or None when it may differ from the assembled tables (see exact_index)."""
        return exact_index(self._run_entries(run), purge=self.restarts == "purge")

    def _kind_tags(self, run: str, kind: str, index: Index | None) -> list[str]:
        """Return the tags the run has rows of kind for (from its index when it has one)."""
        if index is not None:
            return list(index.get(kind, {}))
        return pc.unique(self._assembled(run, kind)["tag"]).to_pylist()

    # ----- derived tables and profiles -------------------------------------------------------

    def hparams(self) -> pd.DataFrame:
        """Return one row per hparams session: run, session, hparam columns, metric columns, status, times.

        Returns:
            The frame from loaders.tables.hparams.sessions_frame; attrs name the hparam and
            metric columns. Records that could not be read are reported by problems().
        """
        from loaders.tables.hparams import sessions_frame

        runs = self.runs()
        rows = self._read("hparams", None, None)
        holders = sorted(set(rows["run"].to_pylist()))
        under = [run for run in runs if any(h in (".", run) or run.startswith(h + "/") for h in holders)]
        scalars = self.scalars(under) if under else reader_form(SCHEMAS["scalars"].empty_table()).to_pandas()
        frame = sessions_frame(rows.to_pandas(), scalars, runs)
        self._derived_problems["hparams"] = [Problem(self.path, -1, "bad_hparams", f"{self.path}: hparams: {message}")
                                             for message in frame.attrs.get("problems", [])]
        return frame

    def graph(self, run: str) -> Graph:
        """Return the graph(s) logged in one run.

        Args:
            run: a run name.

        Returns:
            A loaders.Graph with .nodes and .edges DataFrames (empty when nothing could be read;
            graph sources that could not be read are reported by problems()).

        Raises:
            ValueError: run is not a run of this logdir.
            TypeError: run is not a string.
        """
        from loaders.tables.graphs import build_graph, empty_graph

        if not isinstance(run, str):
            raise TypeError(f"run must be one run name (str), got {type(run).__name__}")
        self._select_runs([run])
        where = os.path.join(self.path, run) if run != "." else self.path
        try:
            graph = build_graph(self._assembled(run, "graphs").to_pandas())
            messages = list(graph.problems)
        except ValueError as error:
            graph, messages = empty_graph(), [str(error)]
        self._derived_problems[f"graph:{run}"] = [Problem(where, -1, "bad_graph", f"{where}: graph: {message}")
                                                   for message in messages]
        return graph

    def profiles(self) -> pd.DataFrame:
        """Return the profiler captures found: run, session, host, format, path."""
        rows = [(p.run, p.session, p.host, p.format, printable(p.path)) for p in self._discovery.profiles]
        return pd.DataFrame(rows, columns=["run", "session", "host", "format", "path"])

    def trace(self, run: str, session: str | None = None, host: str | None = None) -> pd.DataFrame:
        """Return the trace events of one profiler capture (not implemented yet).

        Raises:
            NotImplementedError: always, for now; profiles() lists the capture files.
        """
        raise NotImplementedError(f"Logdir.trace({run!r}, session={session!r}, host={host!r}): reading profiler "
                                  f"traces is not implemented yet; Logdir.profiles() lists the capture files")

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
            frames.append(tag_stats(run, entries, self._assembled) if index is None
                          else index_stats(run, entries, index))
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
        rows = [(run, printable(entry.path), info.tag, info.plugin, info.display_name, info.description,
                 info.data_class)
                for run in selected for entry in self._run_entries(run) for info in entry.tags.values()]
        return pd.DataFrame(rows, columns=["run", "path", "tag", "plugin", "display_name", "description", "data_class"])

    def files(self, runs: Selector = None) -> pd.DataFrame:
        """Return one row per event file: run, path, size, records, end_offset, truncated, stopped, file_version.

        Args:
            runs: which runs (same forms as for scalars()); default all.
        """
        selected = self._select_runs(runs)
        self._load(selected)
        rows = [(run, printable(e.path), e.size, e.num_records, e.end_offset, e.truncated, e.stopped, e.file_version)
                for run in selected for e in self._run_entries(run)]
        return pd.DataFrame(rows, columns=["run", "path", "size", "records", "end_offset", "truncated", "stopped",
                                           "file_version"])

    def problems(self) -> pd.DataFrame:
        """Return everything wrong found so far: path, offset, kind, message (one row each; see printable())."""
        with self._lock:
            found = [*self._discovery.problems, *self._cache.problems, *self._file_problems.values(), *self._vanished]
            found += [problem for problems in self._derived_problems.values() for problem in problems]
            found += [problem for entries in self._entries.values() for entry in entries for problem in entry.problems]
        rows = list(dict.fromkeys((printable(p.path), p.offset, p.kind, printable(p.message)) for p in found))
        return pd.DataFrame(rows, columns=["path", "offset", "kind", "message"])


def _vanished(logdir: str, run: str) -> Problem:
    """Return the notice for a run whose event files are gone (reported by the refresh that finds it gone)."""
    where = os.path.normpath(os.path.join(logdir, run))
    return Problem(where, -1, "vanished", f"{where}: run {run!r} is gone (its event files were deleted or moved); "
                                          f"its data is no longer shown")


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
