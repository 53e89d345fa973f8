"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from celery import Task, shared_task
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from metrics import services
from metrics.connectors import services as connector_services
from metrics.connectors.status import sync_blocker
from metrics.connectors.sync import SyncOutcome, connector_sync, connector_syncs_reap
from metrics.models import Connector, ImportStatus
from strategy_tracker import jobs


# Imports are idempotent (the same file again changes nothing, and a run that dies writes
# nothing): a message whose worker process was killed goes back to the queue instead of
# being acknowledged.
@shared_task(
    name=services.IMPORT_JOB_RUN_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def import_job_run_task(self: Task[Any, str], job_id: int) -> str:
    """Run an import job, once however often it is delivered. Held by another run that
    still beats: look again when its heartbeat would be stale (it may have died, as when
    this is the message of a killed worker process coming back)."""
    job = services.import_job_run(job_id=job_id)
    if job.status == ImportStatus.RUNNING and not self.request.is_eager:
        raise self.retry(countdown=jobs.seconds_until_stale(job.heartbeat_at))
    return job.status


@shared_task(name=services.IMPORT_JOBS_REAP_TASK, acks_late=False)
def import_jobs_reap_task() -> int:
    """Every minute (django-celery-beat): retry or fail imports whose worker died, and
    release connectors whose sync's worker died."""
    return services.import_jobs_reap() + connector_syncs_reap()


SYNC_MAX_RETRIES = 5


# A sync resumes from the cursor its last whole page stored: a message whose worker
# process was killed is safe to deliver again.
@shared_task(
    name=connector_services.TASK_NAME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=SYNC_MAX_RETRIES,
)
def connector_sync_task(self: Task[Any, str], connector_id: int, manual: bool = False) -> str:
    """Sync one connector (scheduled by django-celery-beat, or 'sync now').

    5xx, network errors and rate limits are retried with exponential backoff (or at the
    time the platform named); refused credentials are not retried at all.
    """
    connector = Connector.objects.filter(pk=connector_id).first()
    if connector is None:
        # Left behind by a connector deleted without the service: remove the schedule.
        PeriodicTask.objects.filter(task=self.name, args=json.dumps([connector_id])).delete()
        return "gone"
    now = timezone.now()
    if not manual and sync_blocker(connector, now) is not None:
        return "skipped"
    outcome = connector_sync(connector_id=connector_id)
    if outcome.skipped:
        return "skipped"
    if outcome.ok:
        return "ok"
    countdown = retry_countdown(outcome, retries=self.request.retries, now=now)
    # Eager runs (make run) do not retry in-process: the schedule comes back later.
    if countdown is not None and not self.request.is_eager:
        raise self.retry(countdown=countdown)
    return "failed"


def retry_countdown(outcome: SyncOutcome, *, retries: int, now: datetime) -> float | None:
    """Seconds until a failed sync is tried again, or None for no retry: the platform's
    own time for a rate limit, else 1, 2, 4, 8, 16 minutes; never for refused credentials
    or a response we cannot read (trying again would only fail the same way)."""
    if not outcome.retry or retries >= SYNC_MAX_RETRIES:
        return None
    if outcome.retry_at is not None:
        return max(1.0, (outcome.retry_at - now).total_seconds())
    return 60.0 * float(2**retries)
