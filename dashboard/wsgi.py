"""WSGI entry point: `gunicorn dashboard.wsgi:server`, configured by EVENTSCOPE_* environment variables."""

from __future__ import annotations

from dashboard import data
from dashboard.app import create_app
from dashboard.settings import Settings

_app = create_app(Settings.from_env())
with _app.server.app_context():
    data.current().warm_scalars()  # each worker indexes the scalars in the background, as `python -m dashboard` does
server = _app.server
