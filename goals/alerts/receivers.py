"""New numbers from metrics (files, connectors) may change key results' status: evaluate the
team's alerts in the same transaction (connected in GoalsConfig.ready)."""

from typing import Any

from django.dispatch import receiver

from goals.alerts import services
from metrics import signals


@receiver(signals.import_succeeded, dispatch_uid="alerts-import-succeeded")
def evaluate_after_import(sender: Any, *, team_id: int, **kwargs: Any) -> None:
    services.key_results_evaluate(team_ids=[team_id])


@receiver(signals.connector_sync_finished, dispatch_uid="alerts-connector-sync-finished")
def count_connector_outcome(sender: Any, *, connector_id: int, ok: bool, **kwargs: Any) -> None:
    services.connector_sync_finished(connector_id=connector_id, ok=ok)
