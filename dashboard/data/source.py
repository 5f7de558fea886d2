"""DataSource: one per app, owning the loaders.Logdir, refreshed at most every reload interval."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import flask
import pandas as pd

import loaders
from dashboard.colors import extend_colors
from dashboard.settings import Settings
from dashboard.sorting import natural_sorted
from loaders.cache import SETTLE_S

CONFIG_KEY = "EVENTSCOPE_DATA"
SCALAR_COLUMNS = ["run", "tag", "step", "wall_time", "value"]
TAG_COLUMNS = ["run", "tag", "plugin", "count", "first_step", "last_step"]
DEMO_DIRNAME = "demo"
_BIRTH = re.compile(r"tfevents\.(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Status:
    """Whether there is anything to show, and if not, what the user should do.

    Attributes:
        state: "ok", "missing" (the logdir does not exist or is unusable) or "empty" (no event files).
        logdir: the logdir being served (absolute when known).
        message: one sentence for people ("" when state is "ok").
    """

    state: str
    logdir: str
    message: str = ""


T = TypeVar("T")


class Matcher(Protocol):
    """A compiled filter (dashboard.urlstate.compile_filter's result, or an re.Pattern): truthy search on a match."""

    def search(self, text: str) -> Any:
        """Return a match (truthy) or None."""


# Results kept by DataSource.memo (figures, compressed histograms, ...); dropped when the data changes.
MEMO_SIZE = 512


class DataSource:
    """Owns one loaders.Logdir; refreshes it at most every reload_interval seconds; thread-safe.

    Every query returns plain DataFrames or lists. A missing logdir is retried at each refresh,
    so a logdir created after start-up is picked up without a restart.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Open the logdir of settings (writing the demo logdir first when settings.demo).

        Args:
            settings: logdir, cache_dir, reload_interval and demo are used.
            clock: monotonic seconds, replaceable in tests.
        """
        self.settings = settings
        self._clock = clock
        self._lock = threading.RLock()
        self._logdir_path = demo_logdir(settings) if settings.demo else str(settings.logdir)
        self._logdir: loaders.Logdir | None = None
        self._error = ""
        self._checked_at = float("-inf")
        self._loaded_at: float | None = None
        self._version = ""
        self._tags = pd.DataFrame(columns=TAG_COLUMNS)
        self._runs: list[str] = []
        self._run_colors: dict[str, str] = {}
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._memo_lock = threading.Lock()
        self.refresh(force=True)

    @property
    def logdir(self) -> str:
        """The logdir being served (the demo's path in demo mode)."""
        return self._logdir_path

    @property
    def loader(self) -> loaders.Logdir | None:
        """The loaders.Logdir (None while the logdir is missing); for the dashboard.data modules only."""
        return self._logdir

    # ----- refresh ------------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> bool:
        """Read what was appended since the last refresh, if reload_interval has passed (or force).

        Args:
            force: refresh now whatever the interval (the reload button, start-up).

        Returns:
            True when the data changed (a new version()).
        """
        with self._lock:
            now = self._clock()
            interval = self.settings.reload_interval
            if not force and (interval <= 0 or now - self._checked_at < 0.9 * interval):
                return False
            self._checked_at = now
            self._open_or_refresh()
            self._loaded_at = time.time()
            old = self._version
            self._version = self._compute_version()
            if old != self._version:
                self._tags = self._compute_tags()
                self._runs = self._compute_runs()
                self._run_colors = extend_colors(self._run_colors, self._runs_by_birth())
                with self._memo_lock:
                    self._memo.clear()
            return old != self._version

    def _open_or_refresh(self) -> None:
        try:
            if self._logdir is None:
                self._logdir = loaders.Logdir(
                    self._logdir_path, cache_dir=self.settings.cache_dir, settle_s=self._settle_s()
                )
            else:
                self._logdir.refresh()
            self._error = ""
        except (loaders.LoaderError, OSError) as error:
            self._logdir, self._error = None, str(error)

    def _settle_s(self) -> float:
        """Seconds a file must stay unchanged before a cut last record is reported as damage, not a live write."""
        return max(SETTLE_S, 2 * self.settings.reload_interval)

    def _compute_version(self) -> str:
        """Return the data version: a hash of every file's path, size and offset reached."""
        if self._logdir is None:
            return "missing:" + self._error
        files = self._logdir.files()
        hashes = pd.util.hash_pandas_object(files[["path", "size", "end_offset"]], index=False)
        return hashlib.sha1(hashes.to_numpy().tobytes()).hexdigest()[:16]

    def _compute_tags(self) -> pd.DataFrame:
        if self._logdir is None:
            return pd.DataFrame(columns=TAG_COLUMNS)
        return self._logdir.tags()

    def _compute_runs(self) -> list[str]:
        """Return the runs with data, in natural order: rows of any kind (tags()) or a profiler capture.

        A run whose event files are empty, hold only the file_version header, or cannot be read is left
        out, as TensorBoard does; what was wrong with a damaged file stays in problems().
        """
        if self._logdir is None:
            return []
        with_data = set(self._tags["run"].astype(str)) | set(self._logdir.profiles()["run"].astype(str))
        return natural_sorted(run for run in self._logdir.runs() if run in with_data)

    def _runs_by_birth(self) -> list[str]:
        """Return the listed runs oldest first: by the earliest time in their event file names, then by name.

        A writer puts its creation time in the file name (events.out.tfevents.<seconds>.<host>...), so
        every worker, whenever it started, sees the same order, and a run written later sorts after the
        runs that existed before it. A name without a time sorts last (by name).
        """
        if self._logdir is None or not self._runs:
            return list(self._runs)
        files = self._logdir.files(self._runs)
        births: dict[str, float] = {}
        for run, path in zip(files["run"], files["path"]):
            match = _BIRTH.search(Path(str(path)).name)
            born = float(match.group(1)) if match else float("inf")
            births[run] = min(births.get(run, float("inf")), born)
        return sorted(self._runs, key=lambda run: (births.get(run, float("inf")), run))

    # ----- queries ------------------------------------------------------------------------------

    def version(self) -> str:
        """Return a token that changes whenever the loaded data changes (equal across workers)."""
        return self._version

    def status(self) -> Status:
        """Return whether there is data, and if not, why and what to do."""
        if self._logdir is None:
            return Status("missing", self._logdir_path, self._error or f"cannot open logdir {self._logdir_path!r}")
        if not self._logdir.runs():
            message = (
                f"No event files under {self._logdir.path}: a run is a directory holding a file "
                f"named *tfevents*. Point --logdir at the directory your SummaryWriter writes to."
            )
            return Status("empty", self._logdir.path, message)
        return Status("ok", self._logdir.path)

    def runs(self) -> list[str]:
        """Return the names of the runs with data (see _compute_runs) in natural order, as of the last refresh."""
        return list(self._runs)

    def run_colors(self) -> dict[str, str]:
        """Return run -> colour for every run seen since start-up, as of the last refresh.

        The map only grows: a run keeps its colour for the life of the process (across refreshes, and if
        it vanishes and comes back), and a new run takes a free colour. Runs are coloured in order of
        their event files' creation times (see _runs_by_birth), so workers agree; they can differ only
        for a run that vanished before a worker started, or one that appears with files older than runs
        already coloured (a copied-in old run), which may then take another colour in a later worker.
        """
        return dict(self._run_colors)

    def tags(self, plugin: str | None = None) -> pd.DataFrame:
        """Return run, tag, plugin, count, first_step, last_step rows, optionally of one plugin.

        Args:
            plugin: e.g. "scalars"; None returns every plugin's tags.

        Returns:
            One row per (run, tag) of the plugin (a tag reused across kinds has a row per kind).
        """
        frame = self._tags
        if plugin is not None:
            frame = frame[frame["plugin"] == plugin]
        return frame.reset_index(drop=True)

    def plugins_with_data(self) -> set[str]:
        """Return the plugin names that have at least one tag ("profile" also when a profiler capture exists)."""
        found = set(self._tags["plugin"].astype(str))
        if self._logdir is not None and not self._logdir.profiles().empty:
            found.add("profile")
        return found

    def scalar_tags(self, runs: Iterable[str], pattern: Matcher | None = None) -> list[str]:
        """Return the scalar tags that have data in the given runs, filtered, in natural order.

        Args:
            runs: run names (tags only other runs have are left out, like TensorBoard's hidden empty cards).
            pattern: keep tags it matches (re.search); None keeps all.

        Returns:
            Tag names.
        """
        return self.plugin_tags("scalars", runs, pattern)

    def plugin_tags(self, plugin: str, runs: Iterable[str], pattern: Matcher | None = None) -> list[str]:
        """Return one plugin's tags that have data in the given runs, filtered, in natural order.

        Args:
            plugin: e.g. "histograms".
            runs: run names (tags only other runs have are left out).
            pattern: keep tags it matches (re.search); None keeps all.

        Returns:
            Tag names.
        """
        frame = self.tags(plugin)
        tags = set(frame.loc[frame["run"].isin(set(runs)), "tag"].astype(str))
        return natural_sorted(tag for tag in tags if pattern is None or pattern.search(tag))

    def runs_by_tag(self, plugin: str, runs: Iterable[str], tags: Iterable[str]) -> dict[str, list[str]]:
        """Return tag -> the given runs that logged it for one plugin (runs in the order given).

        Args:
            plugin: e.g. "histograms".
            runs: run names, in display order.
            tags: tag names.

        Returns:
            One entry per tag that some run has, in the order of tags.
        """
        order = list(runs)
        frame = self.tags(plugin)
        present = set(zip(frame["run"].astype(str), frame["tag"].astype(str)))
        pairs = {tag: [run for run in order if (run, tag) in present] for tag in tags}
        return {tag: found for tag, found in pairs.items() if found}

    def has_scalars(self) -> bool:
        """Return whether any run has a scalar tag."""
        return "scalars" in self.plugins_with_data()

    def scalar_series(self, runs: Iterable[str], tags: Iterable[str]) -> pd.DataFrame:
        """Return every scalar point of the given runs and tags (names that do not exist are ignored).

        Args:
            runs: run names.
            tags: tag names.

        Returns:
            run, tag, step, wall_time, value; each (run, tag) in point (file) order.
        """
        wanted_runs, wanted_tags = set(runs), set(tags)
        present = self.tags("scalars")
        present = present[present["run"].isin(wanted_runs) & present["tag"].isin(wanted_tags)]
        if self._logdir is None or present.empty:
            return pd.DataFrame({column: pd.Series(dtype=_DTYPES[column]) for column in SCALAR_COLUMNS})
        frame = self._logdir.scalars(sorted(set(present["run"])), sorted(set(present["tag"])))
        return frame[frame["tag"].isin(wanted_tags)].reset_index(drop=True)

    def scalar_series_by_tag(self, runs: Iterable[str], tags: Iterable[str]) -> dict[str, pd.DataFrame]:
        """Return each tag's points of the given runs, one frame per tag (names that do not exist are ignored).

        Served by the loaders' per-tag read (loaders.Logdir.scalar_series: a per-run tag index
        over the memory-mapped cache, built once per data version).

        Args:
            runs: run names.
            tags: tag names.

        Returns:
            tag -> frame (run, tag, step, wall_time, value; runs in run order, each in point order;
            run and tag are categorical); tags without data in these runs are left out.
        """
        wanted_tags = list(dict.fromkeys(tags))
        present = self.tags("scalars")
        present = present[present["tag"].isin(set(wanted_tags)) & present["run"].isin(set(runs))]
        if self._logdir is None or present.empty:
            return {}
        have_runs, have_tags = set(present["run"].astype(str)), set(present["tag"].astype(str))
        try:
            return self._logdir.scalar_series(
                [run for run in dict.fromkeys(runs) if run in have_runs],
                [tag for tag in wanted_tags if tag in have_tags],
            )
        except ValueError:  # a run or tag went away between tags() and this read
            return {}

    def warm_scalars(self) -> threading.Thread:
        """Start indexing every scalar run by tag in a daemon thread, so the first group of cards does
        not pay for it (the browser spends about a second loading the page meanwhile).

        Returns:
            The started thread (join it to wait; the work is the one the first request would do).
        """
        logdir = self._logdir
        thread = threading.Thread(
            target=logdir.warm_scalar_series if logdir is not None else (lambda: None),
            name="eventscope-warm-scalars",
            daemon=True,
        )
        thread.start()
        return thread

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """Return build()'s result for key, computed once per data version (the MEMO_SIZE most recent kept).

        Callers must treat the result as read-only: the same object is returned until the data changes.

        Args:
            key: what the result depends on besides the data (kind, run, tag, options).
            build: computes the result from the current data.

        Returns:
            The result.
        """
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        version = self._version
        value = build()
        with self._memo_lock:
            if version == self._version:  # data that changed meanwhile is not memoized under the new version
                self._memo[key] = value
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        return value

    def loaded_at(self) -> float | None:
        """Return the epoch seconds of the last refresh (None before the first)."""
        return self._loaded_at

    def last_loaded(self) -> str:
        """Return the local time of the last refresh as HH:MM:SS ("never" before the first)."""
        if self._loaded_at is None:
            return "never"
        return time.strftime("%H:%M:%S", time.localtime(self._loaded_at))

    def problems(self) -> pd.DataFrame:
        """Return path, offset, kind, message of everything wrong found in the logdir so far."""
        if self._logdir is None:
            return pd.DataFrame(columns=["path", "offset", "kind", "message"])
        return self._logdir.problems()


_DTYPES = {"run": "str", "tag": "str", "step": "int64", "wall_time": "float64", "value": "float64"}


def demo_logdir(settings: Settings) -> str:
    """Write (once) and return the bundled demo logdir, kept under the cache directory.

    Args:
        settings: cache_dir decides where the demo lives.

    Returns:
        The demo logdir's path.
    """
    from loaders.demo import write_demo_logdir

    return write_demo_logdir(Path(settings.resolved_cache_dir()) / DEMO_DIRNAME)


def install(server: flask.Flask, source: DataSource) -> None:
    """Attach source to the Flask app so callbacks find it with current()."""
    server.config[CONFIG_KEY] = source


def current() -> DataSource:
    """Return the DataSource of the app serving the current request.

    Raises:
        RuntimeError: called outside a request of an app made by create_app.
    """
    source = flask.current_app.config.get(CONFIG_KEY)
    if source is None:
        raise RuntimeError("no DataSource on this Flask app; build the app with dashboard.app.create_app")
    return source
