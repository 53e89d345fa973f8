"""A real Celery worker (prefork, its own process, Redis, PostgreSQL) delivering a batch of
100 webhook messages to a local receiver is killed with SIGKILL mid-batch: every message
arrives, and none twice except, at most, the one it was sending when it died (which the
receiver recognises by its Idempotency-Key: the same delivery id).

On CI a missing Redis or PostgreSQL fails the test; on a developer's machine it is skipped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.utils import timezone

from goals.alerts.models import (
    AlertDelivery,
    AlertEvent,
    Channel,
    DeliveryStatus,
    EventKind,
    Webhook,
    WebhookFormat,
)
from goals.alerts.outbox import DELIVER_TASK
from goals.alerts.secrets import secret_store
from tests.conftest import TEST_CREDENTIALS_KEY
from tests.goals.alerts.helpers import TODAY
from tests.test_worker_killed_mid_import import (  # the same harness as the import's test
    _children,
    _database_url,
    _skip_or_fail,
    _wait_for,
    shared_database,  # noqa: F401 (fixture)
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[3]
BATCH = 100


class Receiver:
    """A webhook endpoint that takes 40 ms per message and records each Idempotency-Key."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                assert json.loads(body)["id"] == int(key)
                time.sleep(0.04)
                with receiver.lock:
                    receiver.keys.append(key)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.keys)


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def broker(shared_database):  # noqa: F811
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        _skip_or_fail(f"no Redis at {REDIS_URL} ({exc})")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def worker(broker, tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "ALERT_DELIVERY_LEASE_SECONDS": "5",
        "ALERT_WEBHOOK_TIMEOUT_SECONDS": "1",
        "ALERT_RETRY_BASE_SECONDS": "0",
        "CONNECTOR_ALLOW_PRIVATE_NETWORKS": "true",
        "CONNECTOR_CREDENTIALS_KEYS": TEST_CREDENTIALS_KEY,  # to read the webhook's secret
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


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_one_in_flight(
    team, worker, broker, receiver, tmp_path
):
    log = tmp_path / "worker.log"
    hook = Webhook.objects.create(
        team=team,
        name="Receiver",
        format=WebhookFormat.GENERIC,
        url=receiver.url,
        secret_encrypted=secret_store("s"),
    )
    now = timezone.now()
    events = AlertEvent.objects.bulk_create(
        AlertEvent(
            team=team, kind=EventKind.KR_AT_RISK, object_key=f"kr:{i}", day=TODAY, title=f"KR {i}"
        )
        for i in range(BATCH)
    )
    AlertDelivery.objects.bulk_create(
        AlertDelivery(event=e, channel=Channel.WEBHOOK, webhook=hook, next_attempt_at=now)
        for e in events
    )
    Celery("strategy_tracker", broker=broker).send_task(DELIVER_TASK)

    _wait_for(lambda: receiver.count() >= 20, seconds=60, what="deliveries to start", log=log)
    pool = _children(worker.pid)
    assert len(pool) == 1, pool
    os.kill(pool[0], signal.SIGKILL)
    killed_at = receiver.count()
    assert killed_at < BATCH, "the batch finished before the kill: make the receiver slower"

    def all_sent() -> bool:
        return AlertDelivery.objects.filter(status=DeliveryStatus.SENT).count() == BATCH

    _wait_for(all_sent, seconds=90, what="every message to be sent after the kill", log=log)
    time.sleep(1)  # nothing more should arrive
    received = Counter(receiver.keys)
    assert len(received) == BATCH  # every message arrived
    repeated = [key for key, n in received.items() if n > 1]
    assert len(repeated) <= 1, repeated  # at most the one in flight, with the same key
    assert sum(received.values()) <= BATCH + 1
    assert set(received) == {str(pk) for pk in AlertDelivery.objects.values_list("pk", flat=True)}
