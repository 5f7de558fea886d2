"""Build the C kernel with AddressSanitizer and UBSan in a temporary directory and scan the fuzz corpus with it.

    python tools/asan_fuzz.py [--source loaders/_fastscan.c]

The corpus (tests/loaders/fastpath_corpus.py) is written to the temporary directory and scanned by
a child interpreter that loads the sanitized module with libasan preloaded. Every file is scanned
whole (with and without checksum verification), cut short, and record by record, each time from a
buffer of exactly its size, so that reading one byte past the end is a heap-buffer-overflow.

Exit status: 0 clean (the last stdout line is a JSON summary), 1 a sanitizer report or another
failure (the report is printed), 77 the sanitizers cannot run here (no C compiler, libasan,
libubsan or Python headers; the reason is printed).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "loaders" / "_fastscan.c"
SKIP = 77  # "cannot run here", as automake's test drivers read it
FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g", "-O1"]
REPORTS = ("ERROR: AddressSanitizer", "runtime error:", "SUMMARY: AddressSanitizer",
           "SUMMARY: UndefinedBehaviorSanitizer", "ERROR: LeakSanitizer")
CHILD_TIMEOUT_S = 300


class Unavailable(Exception):
    """The sanitizers cannot run on this machine (the message says what is missing)."""


def find_compiler() -> str:
    """Return the C compiler: $CC, else the one Python was built with, else cc, gcc or clang on PATH."""
    for candidate in (os.environ.get("CC"), sysconfig.get_config_var("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate.split()[0]):
            return candidate.split()[0]
    raise Unavailable("no C compiler: set CC or install gcc (looked for $CC, cc, gcc, clang)")


def runtime_library(cc: str, name: str) -> str:
    """Return the path of the compiler's sanitizer runtime `name` (e.g. libasan.so)."""
    found = subprocess.run([cc, f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(found) or not os.path.exists(found):
        raise Unavailable(f"{cc} has no {name} (`{cc} -print-file-name={name}` said {found!r}): "
                          "install libasan and libubsan")
    return os.path.realpath(found)


def python_include() -> str:
    """Return the directory holding Python.h for this interpreter."""
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise Unavailable(f"no Python.h in {include}: install the Python development headers")
    return include


def build(cc: str, source: Path, out_dir: Path) -> Path:
    """Compile source into a sanitized extension module in out_dir and return its path.

    Raises:
        RuntimeError: the compiler failed (its output is in the message).
    """
    target = out_dir / f"_fastscan{sysconfig.get_config_var('EXT_SUFFIX')}"
    command = [cc, "-shared", "-fPIC", *FLAGS, f"-I{python_include()}", str(source), "-o", str(target)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"compiling {source} failed ({' '.join(command)}):\n{result.stderr}")
    return target


def write_corpus(directory: Path) -> int:
    """Write the fuzz corpus to directory (one file per entry, names in names.json); return its size."""
    sys.path.insert(0, str(ROOT))
    from tests.loaders.fastpath_corpus import corpus

    logging.getLogger("tensorboardX").setLevel(logging.ERROR)  # its NaN warnings for the writers' test data

    writers = directory / "writers"
    writers.mkdir()
    names = []
    for i, (name, data) in enumerate(corpus(writers)):
        (directory / f"{i:05d}.bin").write_bytes(data)
        names.append(name)
    (directory / "names.json").write_text(json.dumps(names))
    return len(names)


def run_child(module: Path, corpus_dir: Path, libasan: str) -> subprocess.CompletedProcess[str]:
    """Scan the corpus in a child interpreter with libasan preloaded and Python's allocator off."""
    env = dict(os.environ, LD_PRELOAD=" ".join(filter(None, [libasan, os.environ.get("LD_PRELOAD")])),
               ASAN_OPTIONS="detect_leaks=0:halt_on_error=1", UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
               PYTHONMALLOC="malloc")  # every object its own malloc block, so redzones border each buffer
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(module), str(corpus_dir)]
    try:
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"the sanitized scan ran past {CHILD_TIMEOUT_S} s") from err


def check(result: subprocess.CompletedProcess[str], module: Path) -> dict:
    """Return the child's summary; RuntimeError with its output on any sanitizer report or failure."""
    report = next((marker for marker in REPORTS if marker in result.stderr), None)
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if result.returncode or report or not summary:
        raise RuntimeError(f"sanitized scan failed (exit {result.returncode}"
                           f"{', ' + report if report else ''}):\n{result.stdout}\n{result.stderr}")
    if not summary["sanitized"] or summary["module"] != str(module):
        raise RuntimeError(f"the scan did not run the sanitized build {module}: {summary}")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Build, scan, report; return the exit status (0 clean, 1 failed, 77 cannot run here)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the C file to build (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        if not sys.platform.startswith("linux"):
            raise Unavailable(f"LD_PRELOAD of libasan is Linux-only (this is {sys.platform})")
        cc = find_compiler()
        libasan, _ = runtime_library(cc, "libasan.so"), runtime_library(cc, "libubsan.so")
        with tempfile.TemporaryDirectory(prefix="asan_fuzz_") as tmp:
            module = build(cc, args.source.resolve(), Path(tmp))
            corpus_dir = Path(tmp) / "corpus"
            corpus_dir.mkdir()
            files = write_corpus(corpus_dir)
            summary = check(run_child(module, corpus_dir, libasan), module)
    except Unavailable as err:
        print(f"asan_fuzz: cannot run: {err}", file=sys.stderr)
        return SKIP
    except RuntimeError as err:
        print(f"asan_fuzz: FAILED: {err}", file=sys.stderr)
        return 1
    summary.update(files=files, compiler=cc, seconds=round(time.monotonic() - started, 1))
    print(json.dumps(summary))
    return 0


# ---------- the child: runs under the sanitizers, imports nothing but the standard library ----------


def load(path: Path) -> ModuleType:
    """Import the extension module at path (not the one in the source tree)."""
    spec = importlib.util.spec_from_file_location("_fastscan", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exact(data: bytes) -> ctypes.Array[ctypes.c_char] | bytes:
    """Return a copy of data in a malloc block of exactly its size (a bytes object has a spare NUL byte)."""
    return (ctypes.c_char * len(data)).from_buffer_copy(data) if data else b""


def records(data: bytes) -> list[bytes]:
    """Return the framed records of data one by one, up to the first one that does not fit."""
    out, pos = [], 0
    while pos + 12 <= len(data):
        end = pos + 16 + int.from_bytes(data[pos : pos + 8], "little")
        if end > len(data):
            break
        out.append(data[pos:end])
        pos = end
    return out


def scan_all(kernel: ModuleType, data: bytes) -> tuple[int, int]:
    """Scan data every way the fuzz run does; return (scans, records scanned alone)."""
    scans = 0
    for verify in (True, False):
        kernel.scan(exact(data), verify)
        scans += 1
    for cut in {1, 8, 11, 12, 16, len(data) - 5, len(data) - 4, len(data) - 1}:
        if 0 < cut < len(data):
            kernel.scan(exact(data[:cut]), False)
            scans += 1
    alone = records(data)
    for record in alone:
        kernel.scan(exact(record))
        kernel.masked_crc(exact(record))
    return scans + len(alone), len(alone)


def child(module_path: str, corpus_dir: str) -> int:
    """Scan every corpus file with the sanitized kernel; print a JSON summary line."""
    kernel = load(Path(module_path))
    with open("/proc/self/maps") as maps:
        loaded = maps.read()
    sanitized = "libasan" in loaded and "libubsan" in loaded
    names = json.loads(Path(corpus_dir, "names.json").read_text())
    scans = total = 0
    for i in range(len(names)):
        more_scans, more_records = scan_all(kernel, Path(corpus_dir, f"{i:05d}.bin").read_bytes())
        scans, total = scans + more_scans, total + more_records
    print(json.dumps({"sanitized": sanitized, "module": kernel.__file__, "records": total, "scans": scans}))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child(*sys.argv[2:4]))
    sys.exit(main())
