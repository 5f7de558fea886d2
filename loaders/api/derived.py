"""The derived readers of Logdir: hparams sessions and graphs built from other tables at read time, profiles."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from loaders.api.assemble import reader_form
from loaders.api.options import options_by_keyword
from loaders.api.readers import KindReaders
from loaders.api.select import Selector
from loaders.discovery import Discovery, printable
from loaders.errors import Problem
from loaders.schemas import SCHEMAS

if TYPE_CHECKING:
    from loaders.tables.custom_scalars import Category
    from loaders.tables.graphs import Graph


class DerivedReaders(KindReaders):
    """Mixin: hparams(), graph(), profiles() and trace(), on top of what Logdir provides.

    Attributes:
        path: the logdir.
    """

    path: str
    _discovery: Discovery
    _derived_problems: dict[str, list[Problem]]

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
        """Return the trace events of one profiler capture (not implemented yet).

        Raises:
            NotImplementedError: always, for now; profiles() lists the capture files.
        """
        raise NotImplementedError(
            f"Logdir.trace({run!r}, session={session!r}, host={host!r}): reading profiler "
            f"traces is not implemented yet; Logdir.profiles() lists the capture files"
        )
