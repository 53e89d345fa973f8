"""A real Celery worker on Redis runs an import queued by the upload service.

Everywhere else tasks run eagerly, as in `make run`; this test proves the queued path.
On CI a missing Redis fails the test; on a developer's machine it is skipped, saying why.
"""

import os
import time
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from kombu import pools

from metrics import services
from metrics.models import ImportJob, ImportStatus, Platform, Post
from strategy_tracker import celery_app
from tests.factories import AccountFactory, TeamFactory, UserFactory
from tests.metrics.importers.helpers import FIXTURES

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
X_Q2 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)


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


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_runs_a_queued_import(redis_broker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    team = TeamFactory(slug="loomwell")
    AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    user = UserFactory(username="alice", is_superuser=True)
    job = services.import_job_create(
        team=team, user=user, upload=SimpleUploadedFile(X_Q2.name, X_Q2.read_bytes())
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert job.task_id  # queued through the broker, not run inline
    assert Post.objects.filter(account__team=team).count() == job.rows_created > 0
    # Running the same task again is harmless: the job is finished and stays as it is.
    result = celery_app.send_task("metrics.import_job_run", args=[job.pk])
    assert result.get(timeout=30) == ImportStatus.SUCCEEDED
    assert ImportJob.objects.get(pk=job.pk).finished_at == job.finished_at
