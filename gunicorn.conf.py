"""Gunicorn's settings for `gunicorn strategy_tracker.wsgi` (read from the working directory).

Every value can still be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import gc
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

# The garbage collector, tuned for a web worker. A worker holds ~200,000 objects from
# start-up (Django, the app, its modules) that live as long as the process: gc.freeze()
# takes them out of every later collection, which otherwise walked them all a few times a
# minute (~5 ms a request on average on the load bench). A request allocates many
# short-lived objects (a quarter's posts on conversation health), and a young-generation
# threshold of 10,000 instead of 700 collects ten times less often for the same garbage.
# Reference cycles are still collected; the app creates few.
GC_THRESHOLDS = (10_000, 10, 10)


def post_worker_init(worker: object) -> None:
    """After the worker has loaded the app, before it answers a request."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
