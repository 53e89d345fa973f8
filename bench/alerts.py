"""`make bench` (alerts): evaluate alerts for 1,000 teams × 20 key results (time, and the
queries each team costs), then deliver 10,000 outbox rows to a local webhook receiver
(messages per second), on the database DATABASE_URL names.

Half of each team's key results are behind pace, so the first evaluation writes alerts
(events and their deliveries); the second finds nothing changed, which is the everyday case.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Queue

TEAMS = int(os.environ.get("BENCH_ALERT_TEAMS", "1000"))
KRS = 20
MESSAGES = int(os.environ.get("BENCH_ALERT_MESSAGES", "10000"))
NOW = datetime(2026, 8, 15, 9, 0, tzinfo=UTC)


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms)
    protocol_version = "HTTP/1.1"  # keep-alive, as a real webhook endpoint

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _serve(port: Queue[int]) -> None:
    """The receiver, in a process of its own: in the benchmark's process it would compete
    with the delivering loop for the GIL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port.put(server.server_address[1])
    server.serve_forever()


def _plan() -> list[int]:
    from django.contrib.auth import get_user_model

    from goals.models import CheckIn, KeyResult, Objective, Status, Strategy
    from teams.models import Membership, Role, Team

    stamp = time.time_ns()
    teams = Team.objects.bulk_create(
        Team(name=f"Bench {i}", slug=f"alerts-{stamp}-{i}") for i in range(TEAMS)
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"alerts-{stamp}-{i}", email=f"member{i}@example.org")
        for i in range(TEAMS)
    )
    Membership.objects.bulk_create(
        Membership(team=t, user=u, role=Role.OWNER) for t, u in zip(teams, users, strict=True)
    )
    strategies = Strategy.objects.bulk_create(
        Strategy(
            team=t,
            name="Q3",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 9, 30),
            status=Status.ACTIVE,
        )
        for t in teams
    )
    objectives = Objective.objects.bulk_create(
        Objective(strategy=s, title="Talk with people") for s in strategies
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            objective=o,
            name=f"KR {k}",
            metric_key="manual",
            baseline=Decimal(0),
            target=Decimal(100),
            start_date=date(2026, 7, 1),
            due_date=date(2026, 9, 30),
        )
        for o in objectives
        for k in range(KRS)
    )
    # Half behind pace (10% at mid-quarter), half ahead (60%).
    CheckIn.objects.bulk_create(
        CheckIn(key_result=kr, date=date(2026, 8, 14), value=Decimal(10 if i % 2 else 60))
        for i, kr in enumerate(krs)
    )
    return [t.pk for t in teams]


def _evaluate(team_ids: list[int]) -> tuple[float, int, int]:
    from django.db import connection

    from goals.alerts import services

    queries = 0

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        written = services.key_results_evaluate(team_ids=team_ids, now=NOW)
        seconds = time.perf_counter() - started
    return seconds, queries, written


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from goals.alerts import delivery
    from goals.alerts.models import (
        AlertDelivery,
        AlertEvent,
        Channel,
        DeliveryStatus,
        EventKind,
        Webhook,
        WebhookFormat,
    )
    from goals.alerts.secrets import secret_store
    from strategy_tracker.celery import app as celery_app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Queue the delivery tasks the evaluation asks for (in memory) instead of running them
    # here: the evaluation is timed alone, the delivery below.
    celery_app.conf.update(task_always_eager=False, broker_url="memory://")
    vendor = connection.vendor
    team_ids = _plan()
    first = _evaluate(team_ids)
    again = _evaluate(team_ids)
    one = _evaluate(team_ids[:1])
    from goals.alerts.models import KeyResultAlertState

    # One team whose key results all just changed (back from "on track"): the worst case.
    KeyResultAlertState.objects.filter(key_result__objective__strategy__team_id=team_ids[1]).update(
        status="on_track", changed_on=date(2026, 8, 14)
    )
    from goals.alerts.models import AlertEvent as _Event

    _Event.objects.filter(team_id=team_ids[1]).delete()
    worst = _evaluate(team_ids[1:2])
    for label, (seconds, queries, written) in (
        ("first (alerts raised)", first),
        ("again (nothing changed)", again),
    ):
        print(
            f"  [{vendor}] evaluate {TEAMS:,} teams × {KRS} KRs, {label}: {seconds:6.2f} s, "
            f"{seconds / TEAMS * 1000:5.1f} ms/team, {queries / TEAMS:5.1f} queries/team, "
            f"{written:,} alerts"
        )
    print(
        f"  [{vendor}] one team alone: {one[1]} queries with nothing changed, {worst[1]} with "
        f"{worst[2]} alerts raised (a fixed number however many alerts)"
    )

    port: Queue[int] = Queue()
    receiver = Process(target=_serve, args=(port,), daemon=True)
    receiver.start()
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = True
    team_id = team_ids[0]
    hook = Webhook.objects.create(
        team_id=team_id,
        name="Bench receiver",
        format=WebhookFormat.GENERIC,
        url=f"http://127.0.0.1:{port.get(timeout=10)}/hook",
        secret_encrypted=secret_store("bench"),
    )
    # The evaluation's e-mails are not part of this measure.
    AlertDelivery.objects.update(status=DeliveryStatus.SKIPPED)
    now = timezone.now()
    events = AlertEvent.objects.bulk_create(
        AlertEvent(
            team_id=team_id,
            kind=EventKind.MENTION_WAITING,
            object_key=f"bench:{i}",
            day=now.date(),
            title=f"Message {i}",
        )
        for i in range(MESSAGES)
    )
    AlertDelivery.objects.bulk_create(
        AlertDelivery(event=e, channel=Channel.WEBHOOK, webhook=hook, next_attempt_at=now)
        for e in events
    )
    started = time.perf_counter()
    result = delivery.drain()
    seconds = time.perf_counter() - started
    receiver.terminate()
    receiver.join()
    sent = AlertDelivery.objects.filter(webhook=hook, status=DeliveryStatus.SENT).count()
    print(
        f"  [{vendor}] deliver {MESSAGES:,} outbox rows to a local receiver (one worker): "
        f"{seconds:6.2f} s, {result.sent / seconds:6.0f} messages/s, {sent:,} marked sent"
    )


if __name__ == "__main__":
    main()
