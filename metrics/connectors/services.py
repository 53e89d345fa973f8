"""Writes with rules for connectors: saving one (with its credentials and schedule),
queueing a sync now, deleting one. The admin, the command line and the API use these."""

from __future__ import annotations

import json

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from metrics.connectors import credentials as vault
from metrics.models import Connector
from strategy_tracker.celery import enqueue
from teams import access

# Queued and scheduled by name (metrics.tasks registers it): services never import tasks.
TASK_NAME = "metrics.connector_sync"


def _periodic_task_name(connector: Connector) -> str:
    return f"Sync connector #{connector.pk} ({connector.kind} {connector.account.handle})"[:200]


def connector_schedule(*, connector: Connector) -> None:
    """Create or update the connector's django-celery-beat entry (every N minutes)."""
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=connector.interval_minutes, period=IntervalSchedule.MINUTES
    )
    task = connector.periodic_task
    if task is None:
        task = PeriodicTask(task=TASK_NAME)
    task.name = _periodic_task_name(connector)
    task.interval = interval
    task.args = json.dumps([connector.pk])
    task.enabled = connector.enabled
    task.description = "Pulls posts, numbers and mentions from the platform's API."
    task.save()
    if connector.periodic_task_id != task.pk:
        connector.periodic_task = task
        connector.save(update_fields=["periodic_task"])


def _check_rights(user: User | AnonymousUser | None, connector: Connector) -> None:
    if user is not None and not access.can_edit(user, connector.account.team):
        raise PermissionDenied("You may not change this team's connectors.")


@transaction.atomic
def connector_save(
    *,
    user: User | AnonymousUser | None,
    connector: Connector,
    credentials: dict[str, str] | None = None,
    clear_credentials: bool = False,
) -> Connector:
    """Validate and save a connector. Credential values given replace the stored ones of the
    same name (blank values keep them); new credentials lift a 'credentials refused' stop."""
    _check_rights(user, connector)
    connector.full_clean()
    stored = {} if clear_credentials else vault.decrypt(connector.credentials_encrypted)
    given = {name: value.strip() for name, value in (credentials or {}).items() if value.strip()}
    if given or clear_credentials:
        connector.credentials_encrypted = vault.encrypt({**stored, **given})
        connector.credentials_refused = False
        connector.retry_after = None
    connector.save()
    if given and not connector.account.is_competitor:
        # The team's competitors' connectors of this kind use these credentials when they
        # have none (sync.team_credentials): a stop waiting for them is lifted too.
        Connector.objects.filter(
            account__team_id=connector.account.team_id,
            account__is_competitor=True,
            kind=connector.kind,
            credentials_refused=True,
        ).update(credentials_refused=False, retry_after=None)
    connector_schedule(connector=connector)
    return connector


def connector_delete(*, user: User | AnonymousUser | None, connector: Connector) -> None:
    _check_rights(user, connector)
    with transaction.atomic():
        task_id = connector.periodic_task_id
        connector.delete()
        if task_id is not None:
            PeriodicTask.objects.filter(pk=task_id).delete()


def connector_sync_enqueue(*, user: User | AnonymousUser | None, connector: Connector) -> None:
    """'Sync now': queue a run, even if the connector is not due or was refused."""
    _check_rights(user, connector)
    connector_id = connector.pk
    transaction.on_commit(lambda: enqueue(TASK_NAME, args=(connector_id, True)))


def credentials_reencrypt() -> int:
    """Re-encrypt every stored credential with the first configured key (after rotation)."""
    changed = 0
    for connector in Connector.objects.exclude(credentials_encrypted=""):
        connector.credentials_encrypted = vault.rotate(connector.credentials_encrypted)
        connector.save(update_fields=["credentials_encrypted"])
        changed += 1
    return changed
