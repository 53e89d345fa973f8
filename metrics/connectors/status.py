"""What a connector's state means to a person: syncing fine, stale, or stopped and why.

Staleness is a status, not a silence: a connector that fails, waits for new credentials or
has not synced for three of its intervals (plus an hour of slack) says so, with the time its
data dates from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from metrics.models import Connector


class State(enum.StrEnum):
    OK = "ok"
    NEVER = "never"
    DISABLED = "disabled"
    STALE = "stale"
    FAILING = "failing"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class ConnectorStatus:
    connector: Connector
    state: State
    label: str
    data_since: datetime | None  # the last successful sync: how old the data is

    @property
    def needs_attention(self) -> bool:
        return self.state in (State.STALE, State.FAILING, State.REFUSED, State.RATE_LIMITED)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%-d %b %Y %H:%M") if moment else "never"


def connector_status(connector: Connector, now: datetime | None = None) -> ConnectorStatus:
    now = now or timezone.now()
    since = connector.last_success_at

    def status(state: State, label: str) -> ConnectorStatus:
        return ConnectorStatus(connector, state, label, since)

    if not connector.enabled:
        return status(State.DISABLED, "Disabled")
    stale = f"data stale since {_when(since)}" if since else "no data synced yet"
    if connector.credentials_refused:
        return status(
            State.REFUSED, f"Credentials refused: enter new ones to resume syncing ({stale})."
        )
    if connector.retry_after is not None and connector.retry_after > now:
        return status(
            State.RATE_LIMITED,
            f"Rate limited by the platform until {_when(connector.retry_after)} ({stale}).",
        )
    if connector.is_failing:
        return status(State.FAILING, f"Failing: {connector.last_error} ({stale}).")
    if since is None:
        if connector.last_attempt_at is None:
            return status(State.NEVER, "Not synced yet.")
        return status(State.NEVER, "No successful sync yet.")
    if now - since > timedelta(minutes=3 * connector.interval_minutes) + timedelta(hours=1):
        return status(State.STALE, f"No sync for a while: {stale}.")
    return status(State.OK, f"Synced {_when(since)}.")


def sync_blocker(connector: Connector, now: datetime) -> str | None:
    """Why a scheduled sync must not run now, or None when nothing stops it: the one rule
    the schedule, the command line and the Celery task all follow ("sync now" ignores it)."""
    if not connector.enabled:
        return "disabled"
    if connector.credentials_refused:
        return "waiting for new credentials"
    if connector.retry_after is not None and connector.retry_after > now:
        return "the platform asked to wait"
    return None


def is_due(connector: Connector, now: datetime) -> bool:
    """A scheduled sync is due: nothing stops it and its interval has passed since the last
    attempt (or it never ran)."""
    if sync_blocker(connector, now) is not None:
        return False
    last = connector.last_attempt_at
    return last is None or last + timedelta(minutes=connector.interval_minutes) <= now


def due_connectors(now: datetime | None = None) -> list[Connector]:
    now = now or timezone.now()
    return [c for c in Connector.objects.filter(enabled=True) if is_due(c, now)]


def connectors_needing_attention(connectors: QuerySet[Connector]) -> list[ConnectorStatus]:
    """The connectors among these that are stale or stopped, oldest data first."""
    now = timezone.now()
    found = [connector_status(c, now) for c in connectors.select_related("account__team")]
    attention = [s for s in found if s.needs_attention]
    return sorted(attention, key=lambda s: (s.data_since is not None, s.data_since or now))
