"""A real worker process killed with SIGKILL in the middle of an import (what the OOM
killer or the hard time limit does): the job is retried and ends imported, never stays
"running", and no row is written twice.

It needs what production has: a prefork worker in a process of its own, Redis, and a
database both processes see (PostgreSQL). On CI a missing Redis or PostgreSQL fails the
test; on a developer's machine it is skipped, saying why.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.generate import daily_series
from metrics import services
from metrics.models import ImportStatus, MetricObservation
from metrics.platforms import Platform
from tests.factories import AccountFactory, TeamFactory

REDIS_URL = os.environ.get("TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parent.parent
# Several seconds of import on PostgreSQL, so the kill lands mid-way (the columnar reader
# imports 150,000 days in about 1.5 s).
DAYS = 600_000


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"required on CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def shared_database() -> None:
    # The SQLite run of the suite (CI has one too) skips it; the PostgreSQL run has it.
    if "postgresql" not in django_settings.DATABASES["default"]["ENGINE"]:
        pytest.skip(
            "needs PostgreSQL (run with a postgres:// DATABASE_URL): the worker runs in "
            "another process, which cannot see SQLite's in-memory test database, and the "
            "issue is about production's database"
        )


@pytest.fixture
def broker(shared_database):
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        _skip_or_fail(f"no Redis at {REDIS_URL} ({exc})")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


@pytest.fixture
def worker(broker, tmp_path):
    """`celery worker --pool=prefork --concurrency=1` in a process of its own, on the test
    database; short heartbeat and staleness so the test needs seconds, not minutes."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(tmp_path),
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_STALE_SECONDS": "3",
        # The generated series starts in 1900 and runs for centuries (bench/generate.py).
        "INGEST_FIRST_DAY": "1800-01-01",
        "INGEST_DAYS_AHEAD": "2000000",
    }
    env.pop("CACHE_URL", None)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "strategy_tracker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if process.poll() is not None:
                break
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        log.close()


def _wait_for(check, *, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_pool_process_is_killed_is_retried_and_written_once(
    worker, broker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.INGEST_FIRST_DAY, settings.INGEST_DAYS_AHEAD = date(1800, 1, 1), 2_000_000
    log = tmp_path / "worker.log"
    team = TeamFactory(slug="loomwell")
    account = AccountFactory(team=team, platform=Platform.FACEBOOK, handle="loomwell")
    path = daily_series(tmp_path / "Follows.csv", DAYS)
    job = services.import_job_create(
        team=team,
        user=None,
        account=account,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        enqueue=False,
    )
    producer = Celery("strategy_tracker", broker=broker)
    producer.send_task(services.IMPORT_JOB_RUN_TASK, args=[job.pk])

    def busy() -> bool:
        job.refresh_from_db()
        return bool(job.status == ImportStatus.RUNNING and job.progress_done > 0)

    _wait_for(busy, seconds=30, what="the import to report progress", log=log)
    pool = _children(worker.pid)
    assert len(pool) == 1, pool
    os.kill(pool[0], signal.SIGKILL)

    def finished() -> bool:
        job.refresh_from_db()
        return bool(job.is_finished)

    _wait_for(finished, seconds=45, what="the import to finish after the kill", log=log)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert job.attempt == 2  # the killed run, then the retry of its returned message
    assert services.IMPORT_RETRIED in job.summary["notes"]
    stored = MetricObservation.objects.filter(account=account).count()
    assert stored == DAYS
    assert job.rows_created == DAYS  # the retry's own, honest count
