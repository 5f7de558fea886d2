"""Gunicorn settings: `gunicorn -c python:dashboard.gunicorn_conf dashboard.wsgi:server` (threaded workers).

Gunicorn's default sync worker serves one connection at a time and reads the request body inside
it, so a client that sends a few bytes and then waits holds a whole worker: two such sockets stop
a two-worker server. Threaded workers (gthread) give each worker a pool of threads, and gunicorn
keeps connections that have sent nothing yet in its event loop instead of a thread. Command-line
flags (-w, -b, --threads, --timeout, ...) override these values.

On the open internet, put a buffering reverse proxy (nginx, Caddy) in front: it reads whole
requests before passing them on, which no worker setting can do.
"""

from __future__ import annotations

import os

# Worker processes: $WEB_CONCURRENCY (gunicorn's usual variable) or 2. Each holds its own copy of
# the indexes, and the on-disk cache is shared.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# Connections one worker serves at once; a slow client ties up one thread, not the worker.
threads = int(os.environ.get("EVENTSCOPE_THREADS", "16"))
# A worker that stops answering gunicorn's heartbeat for this long is restarted.
timeout = 60
graceful_timeout = 20
# Seconds an idle kept-alive connection waits for its next request before it is closed.
keepalive = 5
# Request line and headers: gunicorn's own limits, said out loud (bodies are capped by the app:
# dashboard.guards.MAX_BODY_BYTES, answered with 413).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
