"""Drain the outbox: claim one message with a lease, send it, mark it sent.

Guarantee (README "Alerts and digest"): every message is delivered at least once, and
repeated at most for the message a worker was sending when it died. A claim is a lease
(ALERT_DELIVERY_LEASE_SECONDS) written with a token; a worker killed mid-send leaves its
one message claimed until the lease ends, then another worker sends it again, with the same
`Idempotency-Key` (the delivery id) so a receiver can drop the repeat. Messages already
marked sent are never sent again; a worker whose lease ran out does not overwrite the work
of the one that took over (every write is conditional on its token).

Failures: a webhook answering non-2xx or not answering, and an SMTP error, are retried with
exponential backoff (ALERT_RETRY_BASE_SECONDS × 1, 4, 16, ...) up to
ALERT_DELIVERY_MAX_ATTEMPTS; then the delivery is failed, and for a webhook the webhook is
marked failing and the team's owners get an alert. A refused address (private network,
redirect to one) fails at once.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from goals.alerts import emails, events, outbox, webhooks
from goals.alerts.models import (
    AlertDelivery,
    Channel,
    DeliveryStatus,
    EventKind,
    Webhook,
)
from goals.digest import services as digest

logger = logging.getLogger(__name__)


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    # Seconds until the next message falls due (a retry, or a lease running out); None: none.
    next_in: float | None = None


def _claimable(now: datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )


CLAIM_BATCH = 20


def claim(now: datetime | None = None, *, size: int = CLAIM_BATCH) -> list[AlertDelivery]:
    """Claim up to `size` due messages (or ones whose sender's lease ran out) for this
    worker, oldest first, under one new token (each row's `claim`). One round trip for the
    batch; each message is still marked sent on its own, so a worker that dies leaves only
    the one it was sending in doubt (the others were never sent)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.ALERT_DELIVERY_LEASE_SECONDS)
    with transaction.atomic():
        # Two simple queries rather than one with an OR, so each uses the (status, ...) index.
        due = AlertDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        expired = AlertDelivery.objects.filter(
            status=DeliveryStatus.SENDING, lease_until__lt=now
        ).order_by("lease_until", "pk")
        pks: list[int] = []
        for qs in (expired, due):  # a dead worker's messages first: they are the oldest
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            pks += qs.values_list("pk", flat=True)[: size - len(pks)]
            if len(pks) >= size:
                break
        if not pks:
            return []
        # Still claimable when written: without row locks (SQLite), a worker that read the
        # same rows and wrote first keeps them.
        AlertDelivery.objects.filter(_claimable(now), pk__in=pks).update(
            status=DeliveryStatus.SENDING,
            lease_until=lease,
            claim=token,
            attempts=F("attempts") + 1,
        )
    return list(
        AlertDelivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
        .select_related("event__team", "event__key_result", "webhook", "user")
        .order_by("next_attempt_at", "pk")
    )


def claim_one(now: datetime | None = None) -> tuple[AlertDelivery, str] | None:
    """Claim one message; (it, its token) or None."""
    batch = claim(now, size=1)
    return (batch[0], batch[0].claim) if batch else None


def _release(rows: list[AlertDelivery]) -> None:
    """Give back claimed messages this worker will not send before its lease ends."""
    for row in rows:
        AlertDelivery.objects.filter(
            pk=row.pk, claim=row.claim, status=DeliveryStatus.SENDING
        ).update(status=DeliveryStatus.PENDING, lease_until=None, attempts=F("attempts") - 1)


def _send(delivery: AlertDelivery, now: datetime) -> None:
    if delivery.channel == Channel.EMAIL:
        if delivery.event.kind == EventKind.DIGEST:
            message = digest.digest_message(delivery=delivery, now=now)
        else:
            message = emails.alert_message(delivery.event, to=delivery.address)
        message.send()
        return
    webhook = delivery.webhook
    if webhook is None:
        raise webhooks.WebhookFailed("The webhook was deleted.", permanent=True)
    request = webhooks.build_request(delivery, timestamp=str(int(now.timestamp())))
    webhooks.post(webhook.url, request)


def deliver(row: AlertDelivery) -> DeliveryStatus:
    """Send one claimed message and record how it went (only while the claim is ours)."""
    now = timezone.now()
    mine = AlertDelivery.objects.filter(pk=row.pk, claim=row.claim)
    try:
        _send(row, now)
    except Exception as exc:
        permanent = isinstance(exc, webhooks.WebhookFailed) and exc.permanent
        if not isinstance(exc, webhooks.WebhookFailed):
            logger.warning("Alert delivery %s failed: %r", row.pk, exc)
        message = str(exc) or type(exc).__name__
        if permanent or row.attempts >= settings.ALERT_DELIVERY_MAX_ATTEMPTS:
            with transaction.atomic():
                if mine.update(
                    status=DeliveryStatus.FAILED, lease_until=None, last_error=message[:2000]
                ):
                    _webhook_failed(row, message, now)
            return DeliveryStatus.FAILED
        delay = events.retry_delay(row.attempts, base_seconds=settings.ALERT_RETRY_BASE_SECONDS)
        mine.update(
            status=DeliveryStatus.PENDING,
            lease_until=None,
            next_attempt_at=now + timedelta(seconds=delay),
            last_error=message[:2000],
        )
        return DeliveryStatus.PENDING
    mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="")
    if row.webhook is not None and row.webhook.failing_since is not None:
        Webhook.objects.filter(pk=row.webhook.pk).update(failing_since=None, last_error="")
    return DeliveryStatus.SENT


def _worst_send_seconds() -> float:
    """The longest one send may take: a request and its redirects, each up to the timeout."""
    return float(settings.ALERT_WEBHOOK_TIMEOUT_SECONDS * (webhooks.MAX_REDIRECTS + 1))


def _webhook_failed(delivery: AlertDelivery, message: str, now: datetime) -> None:
    """Mark the webhook failing and tell the team's owners (once a day per webhook)."""
    webhook = delivery.webhook
    if webhook is None:
        return
    Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
    Webhook.objects.filter(pk=webhook.pk).update(last_error=message[:2000])
    team = delivery.event.team
    outbox.record_event(
        audience=outbox.Audience.load(team),
        kind=EventKind.WEBHOOK_FAILING,
        object_key=f"webhook:{webhook.pk}",
        day=timezone.localdate(now, timezone=team.tzinfo),
        title=f"Webhook “{webhook.name}” is failing",
        message=(
            f"Alerts could not be delivered to {webhook.name} "
            f"after {delivery.attempts} attempt(s): {message}"
        ),
        url=emails.absolute(reverse("goals:alert_log", args=[team.slug])),
        now=now,
    )


def drain(*, max_messages: int | None = None, max_seconds: float | None = None) -> DrainResult:
    """Deliver due messages, a claimed batch at a time, until none is due (or a limit is
    reached). A message whose lease would run out before its send could end is given back."""
    result = DrainResult()
    started = time.monotonic()

    def done() -> int:
        return result.sent + result.failed + result.retrying

    while max_messages is None or done() < max_messages:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
        size = CLAIM_BATCH if max_messages is None else min(CLAIM_BATCH, max_messages - done())
        batch = claim(size=size)
        if not batch:
            break
        for i, row in enumerate(batch):
            left = (row.lease_until - timezone.now()).total_seconds() if row.lease_until else 0
            if left < _worst_send_seconds():
                _release(batch[i:])
                break
            status = deliver(row)
            if status == DeliveryStatus.SENT:
                result.sent += 1
            elif status == DeliveryStatus.FAILED:
                result.failed += 1
            else:
                result.retrying += 1
    result.next_in = seconds_until_next_due()
    return result


def seconds_until_next_due(now: datetime | None = None) -> float | None:
    now = now or timezone.now()
    pending = (
        AlertDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    leased = (
        AlertDelivery.objects.filter(status=DeliveryStatus.SENDING)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    moments = [m for m in (pending, leased) if m is not None]
    if not moments:
        return None
    return max(0.0, (min(moments) - now).total_seconds())
