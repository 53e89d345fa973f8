"""What every long background job shares (imports, summaries): claim, heartbeat, staleness.

A job row has `status`, `attempt` and `heartbeat_at`. A worker runs a job only after
claiming it with one conditional UPDATE (queued → running, or running with a stale
heartbeat → running again), which bumps `attempt`: the attempt number is the claim, and
a run that lost it (it was presumed dead and another took over) finds out when it writes
its result, and undoes its work. While it runs it writes a heartbeat (throttled); the
reaper (each app's `*_reap` service, on a beat schedule) retries or fails jobs whose
heartbeat stopped.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)


def stale_before(now: datetime | None = None) -> datetime:
    """A running job whose heartbeat is older than this is presumed dead."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_SECONDS)


def stale_q(*, running: str, now: datetime | None = None, since_field: str) -> Q:
    """Running jobs presumed dead: heartbeat too old, or (rows from before heartbeats)
    none at all and started too long ago."""
    limit = stale_before(now)
    return Q(status=running) & (
        Q(heartbeat_at__lt=limit)
        | Q(heartbeat_at__isnull=True, **{f"{since_field}__lt": limit})
        | Q(heartbeat_at__isnull=True, **{f"{since_field}__isnull": True})
    )


def seconds_until_stale(heartbeat_at: datetime | None, now: datetime | None = None) -> float:
    """How long a live job's heartbeat has before it would be presumed dead (≥ 1 s)."""
    if heartbeat_at is None:
        return 1.0
    return max(1.0, (heartbeat_at - stale_before(now)).total_seconds() + 1.0)


def job_claim(
    model: type[models.Model],
    pk: int,
    *,
    queued: str,
    running: str,
    since_field: str,
    now: datetime | None = None,
    **extra: Any,
) -> int | None:
    """Take a job for this worker, atomically: queued → running, or running but presumed
    dead (stale heartbeat) and attempts left → running with the next attempt. Returns the
    attempt now held, or None: someone alive holds it, it is finished, or it has used up
    its attempts (the reaper fails it)."""
    now = now or timezone.now()
    rows = model._default_manager.filter(pk=pk)
    values = {"status": running, "attempt": F("attempt") + 1, "heartbeat_at": now, **extra}
    claimed = rows.filter(status=queued).update(**values) or (
        rows.filter(stale_q(running=running, now=now, since_field=since_field))
        .filter(attempt__lt=settings.JOB_MAX_ATTEMPTS)
        .update(**values)
    )
    if not claimed:
        return None
    attempt: int = rows.values_list("attempt", flat=True).get()
    return attempt


class Heartbeat:
    """Writes `heartbeat_at` (and any progress fields) to a claimed job, at most every
    JOB_HEARTBEAT_SECONDS, and only while the claim is still this attempt's.

    The job's work may run in one long transaction (an import): a heartbeat written there
    would be seen by nobody until the end, so it goes through a second connection of its
    own. SQLite has one writer at a time, held by that transaction: there, inside a
    transaction, no heartbeat is written (SQLite runs jobs eagerly, in one process).
    """

    def __init__(self, model: type[models.Model], pk: int, attempt: int) -> None:
        self.model = model
        self.pk = pk
        self.attempt = attempt
        self.every = float(settings.JOB_HEARTBEAT_SECONDS)
        self._last = time.monotonic()  # the claim itself was a heartbeat
        self._side: Any = None

    def beat(self, *, force: bool = False, **fields: Any) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        values = {"heartbeat_at": timezone.now(), **fields}
        default = connections[DEFAULT_DB_ALIAS]
        if not default.in_atomic_block:
            self.model._default_manager.filter(pk=self.pk, attempt=self.attempt).update(**values)
        elif default.vendor != "sqlite":
            self._write_aside(values)

    def _write_aside(self, values: dict[str, Any]) -> None:
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
                if self._side.vendor == "postgresql":
                    with self._side.cursor() as cursor:
                        # Never wait on the job's own transaction (which holds the row
                        # only at its very end): a missed beat is better than a stall.
                        cursor.execute("SET lock_timeout = '2s'")
            side = self._side
            meta = self.model._meta
            fields = [_concrete(meta.get_field(name)) for name in values]
            qn = side.ops.quote_name
            # Only quoted column names are formatted in; every value is a parameter.
            table, key, attempt = qn(meta.db_table), qn(meta.pk.column), qn("attempt")
            columns = ", ".join(f"{qn(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {columns} WHERE {key} = %s AND {attempt} = %s"  # noqa: S608
            params = [
                f.get_db_prep_value(values[f.name], connection=side, prepared=False) for f in fields
            ]
            with side.cursor() as cursor:
                cursor.execute(sql, [*params, self.pk, self.attempt])
        except DatabaseError:
            logger.warning("Heartbeat of %s %s not written", self.model.__name__, self.pk)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _concrete(field: object) -> models.Field[Any, Any]:
    if not isinstance(field, models.Field):
        raise TypeError(f"{field!r} is not a column of the job's table.")
    return field
