"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from metrics import services


@shared_task(name="metrics.import_job_run", acks_late=True)
def import_job_run_task(job_id: int) -> str:
    """Run an import job; safe to run twice (a finished job is not run again)."""
    return services.import_job_run(job_id=job_id).status
