"""One-shot readers, like pandas.read_*: read_scalars(logdir, runs=..., tags=...) and friends."""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd

from loaders.api.logdir import Logdir
from loaders.api.select import Selector


def _reader(kind: str) -> Callable[..., pd.DataFrame]:
    """Return the one-shot read_<kind> function."""

    def read(
        logdir: str | os.PathLike[str],
        *,
        runs: Selector = None,
        tags: Selector = None,
        cache_dir: str | os.PathLike[str] | None = None,
        restarts: str = "purge",
    ) -> pd.DataFrame:
        return getattr(Logdir(logdir, cache_dir=cache_dir, restarts=restarts), kind)(runs, tags)

    read.__name__ = read.__qualname__ = f"read_{kind}"
    read.__doc__ = (
        f"Read the {kind} of a logdir in one call, like pandas.read_*.\n\n"
        f"    Args:\n        logdir: the directory the writers wrote to.\n"
        f"        runs, tags: None, a name, a list of names, or a compiled regex.\n"
        f"        cache_dir: the cache directory (default $EVENTSCOPE_CACHE or ~/.cache/eventscope).\n"
        f'        restarts: "purge" or "keep" (see Logdir).\n\n'
        f"    Returns:\n        The same DataFrame as Logdir(logdir).{kind}(runs, tags).\n\n"
        f"    Raises:\n        LogdirNotFound: logdir does not exist.\n"
        f"        TypeError, ValueError: bad runs or tags.\n"
    )
    return read


read_scalars = _reader("scalars")
read_histograms = _reader("histograms")
read_images = _reader("images")
read_audio = _reader("audio")
read_text = _reader("text")
read_tensors = _reader("tensors")
read_pr_curves = _reader("pr_curves")
