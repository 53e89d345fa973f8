"""Celery tasks: thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from listening import services


# A collection resumes from the cursors its written batches stored: delivering the message
# again after a killed worker is safe.
@shared_task(name=services.COLLECT_TEAM_TASK, acks_late=True, reject_on_worker_lost=True)
def collect_team_task(team_id: int) -> dict[str, object]:
    """Collect the team's topics now (queued by the schedule or by 'Collect now')."""
    outcome = services.listening_collect(team_id=team_id)
    return {"ok": outcome.ok, "skipped": outcome.skipped, **outcome.as_summary()}


@shared_task(name=services.COLLECT_ALL_TASK)
def collect_all_task() -> int:
    """Every 30 minutes (django-celery-beat): queue one collection per listening team."""
    return services.listening_collect_all()


@shared_task(name=services.PURGE_TASK)
def purge_task() -> int:
    """Daily (django-celery-beat): delete topic posts older than each team's retention."""
    return services.listening_purge()
