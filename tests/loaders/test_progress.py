"""The stderr progress bar: quiet for short reads and non-terminals, one redrawn line otherwise."""

from __future__ import annotations

import io

from loaders.progress import ProgressBar, render


def test_progress_render_shows_files_and_megabytes():
    assert render(3, 10, 1_500_000, 3_000_000) == "[" + "#" * 15 + "-" * 15 + "] 3/10 files, 1.5/3.0 MB"
    assert render(0, 0, 0, 0).startswith("[" + "#" * 30 + "]")


def test_progress_forced_bar_draws_on_one_line_and_ends_it():
    stream = io.StringIO()
    bar = ProgressBar(stream, force=True, delay_s=0)
    bar(1, 2, 10, 20)
    bar(2, 2, 20, 20)
    bar.close()
    assert stream.getvalue() == "\r" + render(1, 2, 10, 20) + "\r" + render(2, 2, 20, 20) + "\n"


def test_progress_quiet_when_not_a_terminal_or_before_the_delay():
    stream = io.StringIO()
    bar = ProgressBar(stream, delay_s=0)
    bar(1, 1, 5, 5)
    slow = ProgressBar(stream, force=True, delay_s=60)
    slow(1, 1, 5, 5)
    slow.close()
    assert stream.getvalue() == ""
