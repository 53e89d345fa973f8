"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from goals.alerts import delivery, outbox
from goals.alerts import services as alert_services
from goals.digest import services as digest_services
from goals.models import SummaryStatus
from goals.summaries import services
from strategy_tracker import jobs


# Generating a summary again for the same record is harmless (the claim lets one run
# write it): a message whose worker process was killed goes back to the queue.
@shared_task(
    name=services.SUMMARY_EXPORT_RUN_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def summary_export_run_task(self: Task[Any, str], export_id: int) -> str:
    """Generate a summary, once however often it is delivered; held by a run that still
    beats, look again when its heartbeat would be stale."""
    export = services.summary_export_run(export_id=export_id)
    if export.status == SummaryStatus.RUNNING and not self.request.is_eager:
        raise self.retry(countdown=jobs.seconds_until_stale(export.heartbeat_at))
    return export.status


@shared_task(name=services.SUMMARY_EXPORTS_REAP_TASK, acks_late=False)
def summary_exports_reap_task() -> int:
    """Every minute (django-celery-beat): retry or fail summaries whose worker died."""
    return services.summary_exports_reap()


# Not idempotent (each run adds a new version for every team): acknowledged on delivery,
# so a worker killed mid-run does not start the whole round again.
@shared_task(name="goals.summaries_for_previous_quarter", acks_late=False)
def summaries_for_previous_quarter_task() -> int:
    """Scheduled on the first day of each quarter (django-celery-beat, editable in the admin)."""
    return len(services.summaries_for_previous_quarter())


# --- alerts and the weekly digest (goals/alerts, goals/digest) ---------------------------
ALERT_DRAIN_SECONDS = 20 * 60  # below the task time limit; the schedule continues the rest


# Re-delivered when its worker dies (acks_late, reject_on_worker_lost): safe, since each
# message is claimed with a lease (goals.alerts.delivery), never sent twice by two workers.
@shared_task(
    name=outbox.DELIVER_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def alerts_deliver_task(self: Task[Any, int]) -> int:
    """Drain the alert outbox; come back soon for a retry or a lease running out (the
    every-minute schedule picks up anything later)."""
    result = delivery.drain(max_seconds=ALERT_DRAIN_SECONDS)
    if result.next_in is not None and result.next_in <= 60 and not self.request.is_eager:
        raise self.retry(countdown=max(1.0, result.next_in))
    return result.sent


@shared_task(name="goals.alerts_hourly", acks_late=False)
def alerts_hourly_task() -> int:
    """Hourly: the morning key result check where it is morning, stale connectors."""
    return alert_services.morning_evaluate() + alert_services.connectors_check()


@shared_task(name="goals.alerts_mentions", acks_late=False)
def alerts_mentions_task() -> int:
    """Every quarter hour: mentions waiting past the team's answer target."""
    return alert_services.mentions_check()


@shared_task(name="goals.digests_send", acks_late=False)
def digests_send_task() -> int:
    """Hourly: the weekly digest where it is Monday 08:00 or later (once per week)."""
    return digest_services.digests_send()
