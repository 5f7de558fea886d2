"""The derived readers of Logdir: hparams sessions and graphs built from other tables at read time, profiles."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from loaders.api.assemble import reader_form
from loaders.api.options import options_by_keyword
from loaders.api.readers import KindReaders
from loaders.api.select import Selector
from loaders.discovery import Discovery, ProfileCapture, printable
from loaders.errors import Problem
from loaders.schemas import SCHEMAS

if TYPE_CHECKING:
    import threading

    from loaders.cache import Cache
    from loaders.tables.custom_scalars import Category
    from loaders.tables.graphs import Graph
    from loaders.tables.profile import CaptureStore


class DerivedReaders(KindReaders):
    """Mixin: hparams(), graph(), profiles(), trace() and profile_table(), on top of what Logdir provides.

    Attributes:
        path: the logdir.
    """

    path: str
    _discovery: Discovery
    _derived_problems: dict[str, list[Problem]]
    _cache: Cache
    _lock: threading.RLock

    def runs(self) -> list[str]:
        """Return the run names, sorted (Logdir implements it)."""
        raise NotImplementedError

    def _select_runs(self, runs: Selector) -> list[str]:
        """Return the run names runs selects (Logdir implements it)."""
        raise NotImplementedError

    def _assembled(self, run: str, kind: str) -> pa.Table:
        """Return one run's table of one kind in reader form (Logdir implements it)."""
        raise NotImplementedError

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
        self._derived_problems["hparams"] = [
            Problem(self.path, -1, "bad_hparams", f"{self.path}: hparams: {message}")
            for message in frame.attrs.get("problems", [])
        ]
        return frame

    def hparams_table(self) -> pa.Table:
        """Arrow twin of hparams(): the same columns; the schema metadata key b"eventscope.hparams" holds
        the frame's attrs (hparams, metrics, domains, domain_kinds, problems) as JSON."""
        frame = self.hparams()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        fields = [f.with_type(pa.string()) if f.type == pa.large_string() else f for f in table.schema]
        table = table.cast(pa.schema(fields))
        keys = ("hparams", "metrics", "domains", "domain_kinds", "problems")
        attrs = json.dumps({key: frame.attrs.get(key, []) for key in keys})
        return table.replace_schema_metadata({**(table.schema.metadata or {}), b"eventscope.hparams": attrs.encode()})

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
        self._derived_problems[f"graph:{run}"] = [
            Problem(where, -1, "bad_graph", f"{where}: graph: {message}") for message in messages
        ]
        return graph

    def custom_scalars_layout(self) -> list[Category]:
        """Return the custom scalars layout (add_custom_scalars, TF's custom_scalar summary) of every run, merged.

        Returns:
            loaders.tables.custom_scalars Category objects (title, charts, closed): multiline charts of
            tag regexes matched from the start of the tag, margin charts of value/lower/upper tags.
            Categories of the same title from several runs are merged (TensorBoard's rule); each run's
            newest layout counts. Layouts that could not be read are reported by problems().
        """
        from loaders.tables.custom_scalars import CONFIG_TAG, layout_from_tensors

        rows = self._read("tensors", None, re.compile(f"^{re.escape(CONFIG_TAG)}$"))
        categories, messages = layout_from_tensors(rows.select(["run", "tag", "step", "data"]).to_pandas())
        self._derived_problems["custom_scalars"] = [
            Problem(self.path, -1, "bad_custom_scalars", f"{self.path}: custom scalars: {message}")
            for message in messages
        ]
        return categories

    def profiles(self) -> pd.DataFrame:
        """Return the profiler captures found: run, session, host, format, path."""
        rows = [(p.run, p.session, p.host, p.format, printable(p.path)) for p in self._discovery.profiles]
        return pd.DataFrame(rows, columns=["run", "session", "host", "format", "path"])

    @options_by_keyword
    def trace(self, run: str, *, session: str | None = None, host: str | None = None) -> pd.DataFrame:
        """Return the events of one profiler capture (same as profile_table(run, "events", ...)).

        Args:
            run: a run holding a capture (profiles() lists them).
            session: the capture session; default the newest (last in sorted order).
            host: the host or worker; default the first.

        Returns:
            One row per event: device, track, track_order, name, category, kind, start_ns, dur_ns,
            depth, parent, step, correlation, external_id, shape, args (see
            loaders.tables.profile.EVENT_SCHEMA). attrs["meta"] holds capture facts (devices,
            source), attrs["problems"] what could not be read (also in problems()).

        Raises:
            TypeError: run, session or host is not a string.
            ValueError: no capture matches (the message lists the ones there are).
        """
        return self.profile_table(run, "events", session=session, host=host)

    @options_by_keyword
    def profile_table(
        self, run: str, kind: str = "events", *, session: str | None = None, host: str | None = None
    ) -> pd.DataFrame:
        """Return one table of a profiler capture, parsed once and then read from the cache.

        Args:
            run: a run holding a capture (profiles() lists them).
            kind: "events" (as trace()), "steps", "breakdown" (step, category, dur_ns; the
                categories of each step add up to its time), "ops", "ops_by_shape", "kernels",
                "memory"; loaders.tables.profile.PROFILE_TABLES.
            session: the capture session; default the newest.
            host: the host or worker; default the first.

        Returns:
            The table as a DataFrame with attrs "meta", "problems" and "capture" (the file).

        Raises:
            TypeError: run, session or host is not a string.
            ValueError: kind is unknown, or no capture matches.
        """
        from loaders.tables.profile import PROFILE_TABLES, derive

        if kind not in PROFILE_TABLES:
            raise ValueError(f"kind={kind!r} is not a profile table; use one of {list(PROFILE_TABLES)}")
        capture = self._profile_capture(run, session, host)
        store = self._profile_store()
        try:
            parsed = store.capture(capture.path, capture.format)
            table = parsed.events if kind == "events" else store.table(capture.path, capture.format, kind, derive)
        except OSError as error:
            raise ValueError(f"{capture.path}: the capture cannot be read ({error})") from error
        self._derived_problems[f"profile:{capture.path}"] = [
            Problem(capture.path, -1, "bad_profile", message) for message in parsed.problems
        ]
        frame = table.to_pandas()
        frame.attrs.update(meta=dict(parsed.meta), problems=list(parsed.problems), capture=printable(capture.path))
        return frame

    def _profile_store(self) -> CaptureStore:
        """Return this Logdir's capture store (made on first use, on the same cache dir)."""
        from loaders.tables.profile import CaptureStore

        with self._lock:
            store = self.__dict__.get("_captures")
            if store is None:
                store = self.__dict__["_captures"] = CaptureStore(self._cache.root)
            return store

    def _profile_capture(self, run: str, session: str | None, host: str | None) -> ProfileCapture:
        """Return the capture file that (run, session, host) names."""
        for name, value in (("run", run), ("session", session), ("host", host)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        found = [p for p in self._discovery.profiles if p.run == run]
        if not found:
            runs = sorted({p.run for p in self._discovery.profiles})
            raise ValueError(f"run {run!r} holds no profiler capture; runs with captures: {runs}")
        sessions = sorted({p.session for p in found})
        chosen = session if session is not None else sessions[-1]
        found = [p for p in found if p.session == chosen]
        if not found:
            raise ValueError(f"run {run!r} has no profile session {session!r}; sessions: {sessions}")
        hosts = sorted({p.host for p in found})
        chosen_host = host if host is not None else hosts[0]
        found = [p for p in found if p.host == chosen_host]
        if not found:
            raise ValueError(f"session {chosen!r} of run {run!r} has no host {host!r}; hosts: {hosts}")
        return min(found, key=lambda p: _FORMAT_PREFERENCE.get(p.format, len(_FORMAT_PREFERENCE)))


_FORMAT_PREFERENCE = {"xplane": 0, "pytorch_trace": 1, "trace_json": 2, "perfetto_json": 3}
