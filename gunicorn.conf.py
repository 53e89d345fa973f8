"""Gunicorn's settings for `gunicorn strategy_tracker.wsgi` (read from the working directory).

Every value can still be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os

from strategy_tracker.env import env_int, env_str

# Worker processes: WEB_CONCURRENCY, or gunicorn's own rule of thumb (2 × cores + 1). Each
# worker is one Django process answering one request at a time, with its own database
# connection (kept open for DATABASE_CONN_MAX_AGE seconds).
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1, minimum=1)
bind = env_str("BIND", "127.0.0.1:8000")
# A page should answer in well under a second; a worker stuck this long is restarted.
timeout = env_int("WEB_TIMEOUT", 30, minimum=1)
# Access log on stdout, errors on stderr: the service manager keeps both.
accesslog = env_str("WEB_ACCESS_LOG", "-") or None
errorlog = "-"
