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


def claim_one(now: datetime | None = None) -> tuple[AlertDelivery, str] | None:
    """Claim the oldest due message (or one whose sender's lease ran out) for this worker."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    lease = now + timedelta(seconds=settings.ALERT_DELIVERY_LEASE_SECONDS)
    for _ in range(5):  # another worker may claim the same row between our read and write
        with transaction.atomic():
            qs = AlertDelivery.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            row = qs.values_list("pk", "claim").first()
            if row is None:
                return None
            pk, old_claim = row
            won = (
                AlertDelivery.objects.filter(_claimable(now), pk=pk, claim=old_claim).update(
                    status=DeliveryStatus.SENDING,
                    lease_until=lease,
                    claim=token,
                    attempts=F("attempts") + 1,
                )
                == 1
            )
        if won:
            delivery = AlertDelivery.objects.select_related(
                "event__team", "event__key_result", "webhook", "user"
            ).get(pk=pk)
            return delivery, token
    return None


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


def deliver_one(now: datetime | None = None) -> DeliveryStatus | None:
    """Claim and send one message; its new status, or None when nothing is due."""
    claimed = claim_one(now)
    if claimed is None:
        return None
    delivery, token = claimed
    now = timezone.now()
    mine = AlertDelivery.objects.filter(pk=delivery.pk, claim=token)
    try:
        _send(delivery, now)
    except Exception as exc:
        permanent = isinstance(exc, webhooks.WebhookFailed) and exc.permanent
        if not isinstance(exc, webhooks.WebhookFailed):
            logger.warning("Alert delivery %s failed: %r", delivery.pk, exc)
        message = str(exc) or type(exc).__name__
        if permanent or delivery.attempts >= settings.ALERT_DELIVERY_MAX_ATTEMPTS:
            with transaction.atomic():
                if mine.update(
                    status=DeliveryStatus.FAILED, lease_until=None, last_error=message[:2000]
                ):
                    _webhook_failed(delivery, message, now)
            return DeliveryStatus.FAILED
        delay = events.retry_delay(
            delivery.attempts, base_seconds=settings.ALERT_RETRY_BASE_SECONDS
        )
        mine.update(
            status=DeliveryStatus.PENDING,
            lease_until=None,
            next_attempt_at=now + timedelta(seconds=delay),
            last_error=message[:2000],
        )
        return DeliveryStatus.PENDING
    mine.update(status=DeliveryStatus.SENT, sent_at=now, lease_until=None, last_error="")
    if delivery.webhook is not None and delivery.webhook.failing_since is not None:
        Webhook.objects.filter(pk=delivery.webhook.pk).update(failing_since=None, last_error="")
    return DeliveryStatus.SENT


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
    """Deliver due messages one at a time until none is due (or a limit is reached)."""
    result = DrainResult()
    started = time.monotonic()
    while max_messages is None or result.sent + result.failed + result.retrying < max_messages:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
        status = deliver_one()
        if status is None:
            break
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
