"""Serves image and audio bytes from the cache by validated ids (being built: issue 4)."""

from __future__ import annotations

import flask


def install(server: flask.Flask) -> None:
    """Register the blob routes on server (none yet)."""
