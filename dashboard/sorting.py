"""Natural ordering of run and tag names, like TensorBoard's (a2 < a10)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_CHUNKS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[int | str, ...]:
    """Return a sort key that orders digit runs by value: "a2" < "a10", "layer9/w" < "layer10/w".

    Args:
        name: a run or tag name.

    Returns:
        A tuple alternating lower-cased text and int chunks (always text first, maybe ""), so
        keys of any two names compare position by position without mixing types.
    """
    parts = _CHUNKS.split(name)
    return tuple(int(part) if index % 2 else part.lower() for index, part in enumerate(parts))


def natural_sorted(names: Iterable[str]) -> list[str]:
    """Return names in natural order (ties broken by the plain string)."""
    return sorted(names, key=lambda name: (natural_key(name), name))
