"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from goals.summaries import services


@shared_task(name=services.SUMMARY_EXPORT_RUN_TASK, acks_late=True)
def summary_export_run_task(export_id: int) -> str:
    return services.summary_export_run(export_id=export_id).status


@shared_task(name="goals.summaries_for_previous_quarter")
def summaries_for_previous_quarter_task() -> int:
    """Scheduled on the first day of each quarter (django-celery-beat, editable in the admin)."""
    return len(services.summaries_for_previous_quarter())
