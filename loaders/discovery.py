"""Find runs (directories holding tfevents files) and profiler captures under a logdir."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from loaders.errors import LoaderError, LogdirNotFound, Problem

# torch-tb-profiler's rule: <worker>[.<span>].pt.trace.json[.gz]
_PYTORCH_TRACE = re.compile(r"^(.*?)(\.\d+)?\.pt\.trace\.json(\.gz)?$")
# XProf's layout: <run>/plugins/profile/<session>/<host>.<suffix>
_PROFILE_SUFFIXES = ((".xplane.pb", "xplane"), (".trace.json.gz", "trace_json"))
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class ProfileCapture:
    """One profiler capture file.

    Attributes:
        run: the run it belongs to ("." for the logdir root).
        session: the capture session (XProf's session folder, or PyTorch's "<worker>.<span>").
        host: the host (XProf) or worker (PyTorch) that wrote it.
        format: "xplane", "trace_json", "pytorch_trace" or "perfetto_json".
        path: the file's absolute path.
    """

    run: str
    session: str
    host: str
    format: str
    path: str


@dataclass
class Discovery:
    """What one walk of a logdir found.

    Attributes:
        logdir: the logdir's absolute path.
        runs: run name -> its summary event files (absolute paths, in event_file_order).
        profiles: every profiler capture found, sorted by (run, session, host, format).
        problems: directories that could not be read.
    """

    logdir: str
    runs: dict[str, list[str]] = field(default_factory=dict)
    profiles: list[ProfileCapture] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_logdir(logdir: str | os.PathLike[str]) -> str:
    """Return logdir as an absolute path after checking it is a local directory.

    Args:
        logdir: the directory to read.

    Returns:
        The absolute path.

    Raises:
        TypeError: logdir is not a path.
        LoaderError: logdir is a URL (remote logdirs are not supported yet).
        LogdirNotFound: logdir is empty, does not exist or is not a directory.
    """
    try:
        text = os.fsdecode(logdir)
    except TypeError:
        raise TypeError(f"logdir must be a path (str or os.PathLike), got {type(logdir).__name__}") from None
    if not text:
        raise LogdirNotFound(
            "logdir is an empty string (an unset variable?); pass the directory your SummaryWriter wrote to"
        )
    if _URL.match(text):
        raise LoaderError(
            f"logdir {text!r}: remote logdirs (URLs) are not supported yet; "
            f"copy or mount the files locally and pass a local path"
        )
    path = os.path.abspath(os.path.expanduser(text))
    if not os.path.isdir(path):
        raise LogdirNotFound(f"logdir {path!r} {_why_not_a_dir(path)}; pass the directory your SummaryWriter wrote to")
    return path


def _why_not_a_dir(path: str) -> str:
    """Return why path is no directory: not one, a dangling or looping symbolic link, or missing."""
    if os.path.exists(path):
        return "is not a directory"
    if os.path.islink(path):
        return f"is a symbolic link to {os.readlink(path)!r}, which does not resolve (missing, or a link loop)"
    return "does not exist"


def discover(logdir: str | os.PathLike[str], *, skip: str | os.PathLike[str] | None = None) -> Discovery:
    """Walk logdir once and return its runs and profiler captures.

    Symbolic links to directories are followed, and every directory is walked once: a link loop
    ends, and a directory reachable by several paths is one run, not several (TensorBoard would
    list each path and so show the same curves twice). Its name is its real path inside logdir
    when it has one (the real tree is walked before any link), else the first link path in
    sorted order. Unreadable directories become problems, not errors.

    Args:
        logdir: the directory to walk.
        skip: a directory not to walk into (the cache's folder when it lies inside logdir).

    Returns:
        A Discovery.

    Raises:
        LoaderError: logdir is a URL.
        LogdirNotFound: logdir does not exist or is not a directory.
    """
    root = check_logdir(logdir)
    found = Discovery(logdir=root)
    skip_real = os.path.realpath(skip) if skip is not None else None
    visited: set[tuple[int, int]] = set()
    links: list[str] = []
    _walk(found, root, root, visited, skip_real, links)
    while links:  # links found in the real tree, then links found under those, breadth first
        pending, links = sorted(links), []
        for link in pending:
            _walk(found, root, link, visited, skip_real, links)
    found.runs = dict(sorted(found.runs.items()))
    found.profiles.sort(key=lambda p: (p.run, p.session, p.host, p.format, p.path))
    return found


def _walk(
    found: Discovery, root: str, top: str, visited: set[tuple[int, int]], skip_real: str | None, links: list[str]
) -> None:
    """Walk the real directories under top (links to directories are appended to links, not entered)."""

    def on_error(error: OSError) -> None:
        where = error.filename or top
        found.problems.append(
            Problem(
                str(where),
                -1,
                "unreadable_dir",
                f"{where}: cannot list this directory ({error.strerror}); its runs are skipped",
            )
        )

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=False):
        if not _first_visit(dirpath, visited, skip_real):
            dirnames.clear()
            continue
        dirnames.sort()
        links.extend(os.path.join(dirpath, name) for name in dirnames if os.path.islink(os.path.join(dirpath, name)))
        run = _run_name(root, dirpath)
        _collect_events(found, run, dirpath, filenames)
        _collect_profiles(found, root, run, dirpath, filenames)


def _first_visit(dirpath: str, visited: set[tuple[int, int]], skip_real: str | None) -> bool:
    """Return True the first time a directory is reached (and it is not the skipped one)."""
    try:
        info = os.stat(dirpath)
    except OSError:
        return False
    key = (info.st_dev, info.st_ino)
    if key in visited or (skip_real is not None and os.path.realpath(dirpath) == skip_real):
        return False
    visited.add(key)
    return True


def _run_name(root: str, dirpath: str) -> str:
    """Return the run name of dirpath: its path relative to root with "/" separators, made printable."""
    rel = os.path.relpath(dirpath, root)
    return "." if rel == os.curdir else printable(rel.replace(os.sep, "/"))


def printable(name: str) -> str:
    """Return a file name or path as valid UTF-8 text: bytes it could not be decoded from become \\xNN.

    Python hands a name that is not valid UTF-8 to us with "surrogate escapes", which Arrow and
    pandas cannot store; run names, paths in tables and problem messages go through this first.

    Args:
        name: a name from os.listdir / os.walk (or any text holding one).

    Returns:
        name itself when it is valid UTF-8, else the same name with each undecodable byte as \\xNN.
    """
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that escapes no byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _collect_events(found: Discovery, run: str, dirpath: str, filenames: list[str]) -> None:
    """Record dirpath as a run if it directly holds a tfevents file."""
    events = sorted((name for name in filenames if "tfevents" in name), key=event_file_order)
    if not events:
        return
    found.runs[run] = [os.path.join(dirpath, name) for name in events if not name.endswith(".profile-empty")]


def event_file_order(name: str) -> list[str | int]:
    """Return the sort key of an event file name: natural order, so numbers compare as numbers.

    Writers name files events.out.tfevents.<unix time>.<host>.<pid>.<counter><suffix>; plain
    lexicographic order (TensorBoard's) puts a process's 10th writer before its 9th, and so reads a
    restarted writer's file before the file it restarted from. Natural order keeps writing order.
    """
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _collect_profiles(found: Discovery, root: str, run: str, dirpath: str, filenames: list[str]) -> None:
    """Record the profiler capture files directly inside dirpath."""
    parts = run.split("/")
    in_session = len(parts) >= 3 and parts[-3:-1] == ["plugins", "profile"]
    for name in sorted(filenames):
        path = os.path.join(dirpath, name)
        match = _PYTORCH_TRACE.match(name)
        if match:
            worker, span = match.group(1), match.group(2) or ""
            found.profiles.append(
                ProfileCapture(run, printable(worker + span), printable(worker), "pytorch_trace", path)
            )
            continue
        if not in_session:
            continue
        if name == "perfetto_trace.json.gz":  # JAX's create_perfetto_trace=True: one per session, no host
            owner = "/".join(parts[:-3]) or "."
            found.profiles.append(ProfileCapture(owner, parts[-1], "perfetto", "perfetto_json", path))
            continue
        for suffix, fmt in _PROFILE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                owner = "/".join(parts[:-3]) or "."
                found.profiles.append(ProfileCapture(owner, parts[-1], printable(name[: -len(suffix)]), fmt, path))
