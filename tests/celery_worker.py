"""A real Celery worker on Redis, for the tests that prove the queued path.

Everywhere else tasks run eagerly, as in `make run`. On CI a missing Redis fails the test;
on a developer's machine it is skipped, saying why.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError
from kombu import pools

from strategy_tracker import celery_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_broker():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required on CI and does not answer at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); the eager path is tested elsewhere")
    redis.Redis.from_url(REDIS_URL).flushdb()
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    _reset_connections()
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ):
            yield
    finally:
        celery_app.conf.update(saved)
        _reset_connections()


def _reset_connections() -> None:
    """Make the app connect afresh to whichever broker its configuration now names."""
    # kombu keeps connection pools per broker URL process-wide, and Celery caches them on
    # the app (private attributes: there is no public reset).
    pools.reset()
    app: Any = celery_app
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)  # the result backend, cached per thread


def wait_until(check: Callable[[], bool], *, what: str, seconds: float = 60) -> None:
    """Poll `check` while a worker runs, until it holds or `seconds` pass (then fail).

    On SQLite the test and the worker thread share one in-memory database in shared-cache
    mode, where a read that meets the worker's write lock fails at once with "database table
    is locked" (SQLite's busy timeout does not apply to shared-cache locks): that means "not
    yet", and the poll tries again. Any other error fails the test."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
        time.sleep(0.2)
    pytest.fail(f"waited {seconds:.0f} s for {what}")
