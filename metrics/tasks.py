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
from metrics.connectors.sync import SyncOutcome, connector_sync
from metrics.models import Connector


@shared_task(name=services.IMPORT_JOB_RUN_TASK, acks_late=True)
def import_job_run_task(job_id: int) -> str:
    """Run an import job; safe to run twice (a finished job is not run again)."""
    return services.import_job_run(job_id=job_id).status


SYNC_MAX_RETRIES = 5


@shared_task(
    name=connector_services.TASK_NAME, bind=True, acks_late=True, max_retries=SYNC_MAX_RETRIES
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
