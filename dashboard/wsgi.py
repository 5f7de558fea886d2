"""WSGI entry point: `gunicorn dashboard.wsgi:server`, configured by EVENTSCOPE_* environment variables."""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.settings import Settings

server = create_app(Settings.from_env()).server
