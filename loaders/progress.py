"""A one-line progress bar on stderr for long reads (files done / total, bytes), quiet otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY_S = 0.5
_WIDTH = 30


class ProgressBar:
    """Draws files done / total and bytes read, once a read has taken longer than DELAY_S.

    Use an instance as the Logdir progress callback; call close() when the read is over.
    """

    def __init__(self, stream: TextIO | None = None, *, force: bool = False, delay_s: float = DELAY_S) -> None:
        """Prepare the bar.

        Args:
            stream: where to draw (default sys.stderr).
            force: draw even when stream is not a terminal.
            delay_s: stay quiet for reads shorter than this.
        """
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = force or _is_tty(self.stream)
        self.delay_s = delay_s
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int, done_bytes: int, total_bytes: int) -> None:
        """Report progress (the Logdir progress callback signature)."""
        if not self.enabled or time.monotonic() - self.started < self.delay_s:
            return
        self.stream.write("\r" + render(done, total, done_bytes, total_bytes))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line if one was drawn."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def render(done: int, total: int, done_bytes: int, total_bytes: int) -> str:
    """Return the bar text, e.g. "[######----] 3/10 files, 1.2/4.0 MB".

    Args:
        done: files read so far.
        total: files to read.
        done_bytes: bytes of those files.
        total_bytes: bytes of all files to read.

    Returns:
        One line without a newline.
    """
    fraction = done_bytes / total_bytes if total_bytes else (done / total if total else 1.0)
    filled = round(_WIDTH * min(max(fraction, 0.0), 1.0))
    return (
        f"[{'#' * filled}{'-' * (_WIDTH - filled)}] {done}/{total} files, "
        f"{_megabytes(done_bytes)}/{_megabytes(total_bytes)} MB"
    )


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f}"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
