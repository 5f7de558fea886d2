"""Parallel cold ingest: worker processes decode event files and write their cache entries themselves.

The parent hands each worker a path; the worker brings that file's cache entry up to date through
its own Cache on the same directory (the usual entry lock, chunk files and meta.json) and returns
only small numbers. The parent then reads the fresh meta.json files, so every result, problem and
error is exactly what the in-process path gives. Any failure in a worker just leaves its file to
the in-process path.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from loaders.errors import Problem

if TYPE_CHECKING:
    from loaders.cache.store import Cache

MIN_PARALLEL_BYTES = 8 * 1024 * 1024
"""Below this many bytes to decode (in all), starting worker processes costs more than it saves."""

TIMEOUT_S = 60.0
"""Seconds every parallel ingest may take on top of its bytes at MIN_BYTES_PER_S, before its workers are killed."""
MIN_BYTES_PER_S = 2 * 1024 * 1024
"""A decoding rate far below any real one (about 100 MB/s per worker): slower means a worker hangs."""
WATCH_PARENT_S = 1.0
"""How often a worker without PR_SET_PDEATHSIG checks that its parent is alive."""
_PR_SET_PDEATHSIG = 1

_worker_cache: Cache | None = None


def worker_count(files: int, cpus: int | None = None) -> int:
    """Return how many worker processes to use for files files (at most one per CPU the process may use).

    $EVENTSCOPE_WORKERS, when set to a number, caps it (1 turns parallel ingest off).

    Args:
        files: files that need decoding.
        cpus: CPUs available (default: those this process may run on, capped by $EVENTSCOPE_WORKERS).

    Returns:
        The worker count; 1 or less means "decode in-process".
    """
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        cap = os.environ.get("EVENTSCOPE_WORKERS", "").strip()
        if cap.isdigit():
            cpus = min(cpus, int(cap))
    return max(1, min(files, cpus))


def decode_in_workers(
    cache: Cache,
    work: Sequence[tuple[str, int]],
    on_done: Callable[[str], None] | None = None,
    *,
    workers: int | None = None,
    min_bytes: int | None = None,
) -> set[str]:
    """Bring the entries of the given files up to date in worker processes, when that pays.

    Args:
        cache: the parent's cache (its directory, decoder and counters are used).
        work: (path, bytes to decode) of every file that needs decoding.
        on_done: called with each path a worker finished.
        workers: worker processes (default: worker_count()).
        min_bytes: decode in-process (return nothing) below this many bytes in all (default
            MIN_PARALLEL_BYTES).

    Returns:
        The paths whose entries the workers stored; the caller handles the rest in-process.
    """
    context = _fork_context()
    min_bytes = MIN_PARALLEL_BYTES if min_bytes is None else min_bytes
    count = workers or worker_count(len(work))
    if cache.root is None or context is None or count < 2 or len(work) < 2 or sum(n for _, n in work) < min_bytes:
        return set()
    ordered = [path for path, _ in sorted(work, key=lambda item: -item[1])]  # biggest first balances the load
    timeout = TIMEOUT_S + sum(n for _, n in work) / MIN_BYTES_PER_S
    done: set[str] = set()
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_init, initargs=(cache, os.getpid()))
    futures: dict[Future[tuple[str, int, list[Problem]]], str] = {}
    try:
        futures = {pool.submit(_decode, path): path for path in ordered}
        for future in as_completed(futures, timeout=timeout):
            path, decoded, problems = future.result()
            if decoded < 0:
                continue
            cache.decoded_bytes += decoded
            cache.problems.extend(problems)
            done.add(path)
            if on_done is not None:
                on_done(path)
    except FuturesTimeout:
        hung = [path for future, path in futures.items() if future.running()]  # before the kill fails them all
        _kill_workers(pool)
        cache.problems.extend(_timeout_problem(path, timeout) for path in hung)
    except (BrokenProcessPool, OSError, pickle.PickleError):  # the in-process path redoes what is missing
        pass
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return done


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes and reap them (a hung worker ignores SIGTERM)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)


def _timeout_problem(path: str, timeout: float) -> Problem:
    return Problem(
        path,
        -1,
        "cache_worker_timeout",
        f"{path}: the worker processes did not decode this file within {timeout:.0f} s (one hung); stopped "
        f"the workers and decoded the file in this process instead",
    )


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Return the fork start method where it is safe (workers inherit the decoder unpickled); None elsewhere.

    macOS has fork, but system frameworks loaded in the parent may crash a forked child.
    """
    if sys.platform == "darwin":
        return None
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _init(parent: Cache, parent_pid: int) -> None:
    """Worker start: die with the parent, keep freed memory for reuse, open a Cache like the parent's."""
    from loaders.cache.store import Cache

    global _worker_cache
    _die_with_parent(parent_pid)
    _keep_freed_memory()
    _worker_cache = Cache(parent.base, decoder=parent._decode, settle_s=parent.settle_s)


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker end when the process that forked it (parent_pid) ends, however it ends.

    Linux sends SIGKILL on the parent's death once asked (PR_SET_PDEATHSIG); the parent may have
    died before the request, so the parent pid is checked after it. Without prctl, a daemon
    thread checks the parent pid every WATCH_PARENT_S seconds.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            prctl.restype = ctypes.c_int
            armed = prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker at once when its parent is gone (the worker's parent pid changes)."""
    while os.getppid() == parent_pid:
        time.sleep(WATCH_PARENT_S)
    os._exit(1)


_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # glibc's mallopt parameters


def _keep_freed_memory() -> None:
    """Make glibc's malloc reuse freed memory in this worker instead of handing it back to the OS.

    Decoding a file allocates and frees buffers about the file's size (the bytes read, the
    kernel's columns); glibc serves those with fresh mmaps and returns them on free, so every
    file faults in new zeroed pages, which costs about as much as the decoding itself (measured:
    decoding the hist benchmark's 10 files, 0.59 s -> 0.17 s). A worker lives for one ingest, so
    holding its peak is cheap. Elsewhere than glibc (no mallopt) nothing changes.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(_M_MMAP_MAX, 0)  # big blocks come from the heap, where freed memory is reused
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # and the heap's top is not trimmed after each file


def _decode(path: str) -> tuple[str, int, list[Problem]]:
    """Worker task: bring path's entry up to date; return (path, bytes decoded or -1 on failure, new problems)."""
    cache = _worker_cache
    if cache is None:
        return path, -1, []
    before, seen = cache.decoded_bytes, len(cache.problems)
    try:
        stored = cache.entry(path).memory is None
    except Exception:  # the parent reads the file again and reports it the usual way
        return path, -1, []
    if not stored:  # kept in the worker's memory only: the parent decodes it again
        return path, -1, []
    return path, cache.decoded_bytes - before, cache.problems[seen:]
