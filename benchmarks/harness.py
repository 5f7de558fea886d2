"""Run one measurement in a fresh process: wall time on the parent's clock, the child's peak RSS, a timeout.

A child speaks a tiny line protocol on stdout (see benchmarks.child): ``progress F`` (fraction of
the work done, for projecting a timed-out run), ``mark NAME`` (a moment worth timing, stamped by
the child against the parent's clock), ``wait NAME`` (the child blocks on stdin until the parent
has run the hook of that name), ``result {json}`` (counts and the child's own timings) and
``peak KIB`` (its VmHWM).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from benchmarks.child import T0_ENV, event_files

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUNG_S = 1800.0  # no measurement of ours takes this long; a child past it is hung, not slow


@dataclass
class Sample:
    """One repetition of one measurement.

    Attributes:
        seconds: wall time from spawn to exit (or to the event the runner waited for).
        rss_mib: peak resident memory of the measured process in MiB (None when unknown).
        timed_out: the run was stopped at the timeout; seconds is then the timeout.
        projected: for a timed-out run, the full time projected from its last progress report.
        marks: mark name -> seconds since spawn.
        result: what the child reported (counts, its own timings).
        error: why the run failed ("" when it did not).
    """

    seconds: float | None = None
    rss_mib: float | None = None
    timed_out: bool = False
    projected: float | None = None
    marks: dict[str, float] = field(default_factory=dict)
    result: dict[str, object] = field(default_factory=dict)
    error: str = ""


class _Lines:
    """Reads a child's stdout in a thread: records marks, progress and the result; runs wait hooks."""

    def __init__(self, proc: subprocess.Popen, t0: float, hooks: Mapping[str, Callable[[], None]]) -> None:
        self.proc, self.t0, self.hooks = proc, t0, hooks
        self.marks: dict[str, float] = {}
        self.result: dict[str, object] = {}
        self.progress: tuple[float, float] | None = None  # (seconds since spawn, fraction)
        self.tail: list[str] = []
        self.peak_kib = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            word, _, rest = line.partition(" ")
            if word == "mark":
                name, _, stamp = rest.partition(" ")
                self.marks[name] = float(stamp) if stamp else time.monotonic() - self.t0
            elif word == "progress":
                self.progress = (time.monotonic() - self.t0, float(rest))
            elif word == "result":
                self.result = json.loads(rest)
            elif word == "peak":
                self.peak_kib = int(rest)
            elif word == "wait":
                self._run_hook(rest)
            else:
                self.tail = (self.tail + [line])[-20:]

    def _run_hook(self, name: str) -> None:
        """Run hook `name`, then let the child go on (even when the hook failed: the child reports it)."""
        try:
            self.hooks[name]()
        except Exception as error:  # noqa: BLE001 (shown in the row instead of hanging the child)
            self.tail.append(f"parent hook {name!r} failed: {error!r}")
        finally:
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.flush()


def child_command(task: str, args: Mapping[str, object]) -> list[str]:
    """Return the command line that runs task in a fresh interpreter."""
    return [sys.executable, "-m", "benchmarks.child", task, json.dumps(dict(args))]


def run_child(task: str, args: Mapping[str, object], *, timeout: float = HUNG_S,
              hooks: Mapping[str, Callable[[], None]] | None = None) -> Sample:
    """Run one child task in a fresh process and measure it.

    Args:
        task: a name from benchmarks.child.TASKS.
        args: the task's JSON arguments.
        timeout: stop the child after this many seconds.
        hooks: wait-name -> function the parent runs while the child blocks.

    Returns:
        The Sample; a failed child gives a Sample whose error holds the end of its output.
    """
    t0 = time.monotonic()
    env = {**os.environ, T0_ENV: repr(t0), "PYTHONPATH": _pythonpath()}
    proc = subprocess.Popen(child_command(task, args), cwd=_ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines = _Lines(proc, t0, hooks or {})
    lines.thread.join(timeout)
    timed_out = lines.thread.is_alive()
    peak = group_peak_mib(proc.pid) if timed_out else None
    if timed_out:
        os.killpg(proc.pid, signal.SIGKILL)
    status = wait_exit(proc)
    seconds = time.monotonic() - t0
    lines.thread.join(5)
    if lines.peak_kib:
        peak = lines.peak_kib / 1024.0
    sample = Sample(seconds=timeout if timed_out else seconds, rss_mib=peak, timed_out=timed_out,
                    marks=lines.marks, result=lines.result)
    if timed_out and lines.progress and lines.progress[1] > 0:
        sample.projected = lines.progress[0] / lines.progress[1]
    elif not timed_out and status != 0:
        sample.error = f"{task} exited with status {status}: " + " | ".join(lines.tail[-6:])
    return sample


def wait_exit(proc: subprocess.Popen) -> int:
    """Reap proc and return its exit code.

    Peak memory is not taken from os.wait4's ru_maxrss: on Linux it includes the address space
    the child had between fork and exec (a copy of this parent's), so it reads as at least the
    parent's own size. Children report their VmHWM instead (see group_peak_mib).
    """
    proc.wait()
    return proc.returncode


def _pythonpath() -> str:
    existing = os.environ.get("PYTHONPATH", "")
    return _ROOT + (os.pathsep + existing if existing else "")


def warm_page_cache(paths: Iterable[str]) -> int:
    """Read every file once so the measurement finds them in the page cache; return the bytes read."""
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                total += len(chunk)
    return total


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_peak_mib(pgid: int) -> float:
    """Return the summed peak resident memory (VmHWM, MiB) of every live process in process group pgid.

    VmHWM belongs to the process's own address space since its exec, so unlike os.wait4's
    ru_maxrss it does not inherit the parent's resident size at fork time. Summing the peaks of
    several processes (TensorBoard and its data server) is an upper bound of their joint peak.
    """
    total_kib = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            total_kib += _hwm_kib(int(entry), pgid)
    return total_kib / 1024.0


def _hwm_kib(pid: int, pgid: int | None = None) -> int:
    """Return pid's VmHWM in KiB (0 when it is gone, or not in process group pgid when one is given)."""
    try:
        if pgid is not None:
            with open(f"/proc/{pid}/stat") as handle:
                if int(handle.read().rsplit(")", 1)[1].split()[2]) != pgid:
                    return 0
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
    except (OSError, StopIteration, IndexError, ValueError):
        return 0


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the process group proc leads (started with start_new_session=True); ignore if gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
