"""TensorBoard as a competitor: its Rust data server alone, and the whole server polled over HTTP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from benchmarks.harness import Sample, free_port, group_peak_mib, kill_group, wait_exit

_FINISHED = "Finished load cycle"
_DURATION = re.compile(r"\(([0-9.]+)(ns|µs|us|ms|s)\)")
_UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
_POLL_S = 0.1


def rust_binary() -> str:
    """Return the path of the tensorboard-data-server binary (the wheel's server_binary())."""
    import tensorboard_data_server

    return tensorboard_data_server.server_binary()


def rust_server(logdir: str, *, samples: str | None, timeout: float) -> Sample:
    """Time the Rust data server from spawn to its "Finished load cycle" log line.

    Args:
        logdir: the logdir to load.
        samples: the --samples-per-plugin value (e.g. "scalars=all"); None keeps its default sampling.
        timeout: give up after this many seconds.

    Returns:
        The Sample: wall seconds, peak RSS (os.wait4 after the kill), the server's own reported
        load time in result["reported"].
    """
    command = [rust_binary(), "--logdir", logdir, "--reload", "once", "-v", "--host", "127.0.0.1", "--port", "0"]
    if samples:
        command += ["--samples-per-plugin", samples]
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    found: dict[str, float] = {}
    reader = threading.Thread(target=_watch_stderr, args=(proc, t0, found), daemon=True)
    reader.start()
    reader.join(timeout)
    rss = group_peak_mib(proc.pid)
    kill_group(proc)
    wait_exit(proc)
    if "seconds" not in found:
        return Sample(seconds=timeout, rss_mib=rss, timed_out=True)
    return Sample(seconds=found["seconds"], rss_mib=rss, result={"reported": found["reported"]})


def _watch_stderr(proc: subprocess.Popen, t0: float, found: dict[str, float]) -> None:
    for raw in proc.stderr:
        line = raw.decode("utf-8", "replace")
        if _FINISHED in line:
            found["seconds"] = time.monotonic() - t0
            match = _DURATION.search(line)
            found["reported"] = float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")
            return


@dataclass(frozen=True)
class Expected:
    """What the whole server must serve: every run x tag of one plugin, each up to last_step."""

    plugin: str
    runs: tuple[str, ...]
    tags: tuple[str, ...]
    last_step: int


def whole_tensorboard(logdir: str, expected: Expected, *, samples: str | None, timeout: float) -> Sample:
    """Start `tensorboard --load_fast=true` and poll its HTTP API until every series has its last step.

    Args:
        logdir: the logdir to serve.
        expected: the runs, tags and last step every series must reach.
        samples: the --samples_per_plugin value, or None for TensorBoard's default sampling.
        timeout: give up after this many seconds.

    Returns:
        The Sample: seconds to every series served, marks["first"] = first chart's data served
        (the first tag with points for some run), peak RSS summed over TensorBoard and its data server.
    """
    port = free_port()
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--load_fast=true", "--port", str(port),
               "--host", "127.0.0.1"]
    if samples:
        command.append(f"--samples_per_plugin={samples}")
    log = tempfile.TemporaryFile()
    t0 = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=log, start_new_session=True)
    poller = _Poller(f"http://127.0.0.1:{port}", expected, t0, proc)
    try:
        done = poller.run(t0 + timeout)
        seconds = time.monotonic() - t0 if done else timeout
    finally:
        rss = group_peak_mib(proc.pid)
        kill_group(proc)
        wait_exit(proc)
    if poller.error:
        log.seek(0)
        poller.error += ": " + " | ".join(log.read().decode("utf-8", "replace").splitlines()[-4:])
    log.close()
    sample = Sample(seconds=seconds, rss_mib=rss, timed_out=not done and not poller.error, marks=poller.marks,
                    result={"series_done": poller.done_count}, error=poller.error)
    if sample.timed_out and poller.progress:
        sample.projected = poller.progress[0] / poller.progress[1]
    return sample


class _Poller:
    """Asks a TensorBoard server for each pending series until all have their last step."""

    def __init__(self, base: str, expected: Expected, t0: float, proc: subprocess.Popen) -> None:
        self.base, self.expected, self.t0, self.proc = base, expected, t0, proc
        self.error = ""
        self.marks: dict[str, float] = {}
        self.pending = {tag: set(expected.runs) for tag in expected.tags}
        self.done_count = 0
        self.progress: tuple[float, float] | None = None

    def run(self, deadline: float) -> bool:
        """Poll until every series is complete (True) or the deadline passes (False)."""
        while self.pending and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.error = f"tensorboard exited with status {self.proc.returncode} before serving every series"
                return False
            progressed = False
            for tag in list(self.pending):
                if time.monotonic() >= deadline:
                    return False
                progressed |= self._poll_tag(tag)
            if not progressed:
                time.sleep(_POLL_S)
        return not self.pending

    def _poll_tag(self, tag: str) -> bool:
        """Fetch one tag for its pending runs; return whether any run completed."""
        try:
            served = self._fetch(tag, sorted(self.pending[tag]))
        except (OSError, ValueError):  # not up yet, or the tag is not known yet
            return False
        if "first" not in self.marks and any(served.values()):
            self.marks["first"] = time.monotonic() - self.t0
        complete = {run for run, last in served.items() if last is not None and last >= self.expected.last_step}
        self.pending[tag] -= complete
        if not self.pending[tag]:
            del self.pending[tag]
        self.done_count += len(complete)
        total = len(self.expected.runs) * len(self.expected.tags)
        if complete:
            self.progress = (time.monotonic() - self.t0, self.done_count / total)
        return bool(complete)

    def _fetch(self, tag: str, runs: list[str]) -> dict[str, int | None]:
        """Return run -> last step served for tag (None: nothing yet)."""
        if self.expected.plugin == "scalars":
            body = urllib.parse.urlencode([("tag", tag), *[("runs", run) for run in runs]]).encode()
            data = _get_json(f"{self.base}/data/plugin/scalars/scalars_multirun", body)
            return {run: (points[-1][1] if points else None) for run, points in data.items()}
        last: dict[str, int | None] = {}
        for run in runs:
            query = urllib.parse.urlencode({"run": run, "tag": tag})
            try:
                points = _get_json(f"{self.base}/data/plugin/histograms/histograms?{query}")
            except OSError:
                points = []
            last[run] = points[-1][1] if points else None
        return last


def _get_json(url: str, body: bytes | None = None) -> object:
    with urllib.request.urlopen(url, data=body, timeout=60) as response:
        return json.loads(response.read())


def tensorboard_available() -> str:
    """Return "" when tensorboard and its data server can be run, else why not."""
    try:
        binary = rust_binary()
    except ImportError as error:
        return f"tensorboard-data-server is not installed ({error}); pip install tensorboard"
    if not os.access(binary, os.X_OK):
        return f"{binary} is not executable"
    return ""
