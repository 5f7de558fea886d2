"""Ingest workers keep freed memory for the next file (glibc), so big files stop faulting in fresh pages."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHILD = """
import sys
from loaders.cache import parallel

def rss_kib():
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))

if sys.argv[1] == "tuned":
    parallel._keep_freed_memory()
before = rss_kib()
block = b"x" * (64 << 20)  # what one decoded file's buffers look like to malloc
del block
print(rss_kib() - before)
"""


def _kept_kib(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return int(out.stdout)


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_cache_worker_memory_freed_blocks_stay_for_reuse() -> None:
    # Untuned, glibc hands a 64 MiB block back to the OS on free (and the next file faults it in
    # again); in a worker it stays in the heap for the next file's buffers.
    assert _kept_kib("plain") < 16 << 10
    assert _kept_kib("tuned") > 48 << 10
