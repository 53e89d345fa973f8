"""Write an event and its deliveries (the outbox) in the caller's transaction.

An event is unique per (kind, object, day): a second trigger the same day writes nothing.
Who gets it: every member by e-mail as their preferences say (at once: a delivery row; in
the digest or off: none), minus members who muted it, and every team webhook that wants the
kind. A member without an e-mail address gets a row marked skipped, so the log says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from goals.alerts.models import (
    AlertDelivery,
    AlertEvent,
    AlertMute,
    AlertPreference,
    Channel,
    DeliveryStatus,
    EventKind,
    Mode,
    Webhook,
)
from strategy_tracker.celery import enqueue
from teams.models import Membership, Role, Team

DELIVER_TASK = "goals.alerts_deliver"

NO_EMAIL = "Skipped: this member has no e-mail address."

# Sent to the team's owners only (and never to webhooks: a failing webhook cannot say so).
OWNERS_ONLY = {EventKind.WEBHOOK_FAILING}


@dataclass
class Audience:
    """A team's members, preferences, mutes and webhooks, read once (four queries) and used
    for every event of the team in one evaluation."""

    team: Team
    members: list[tuple[User, str]] = field(default_factory=list)  # (user, role)
    preferences: dict[int, AlertPreference] = field(default_factory=dict)
    team_mutes: set[int] = field(default_factory=set)  # key result ids
    member_mutes: set[tuple[int, int]] = field(default_factory=set)  # (user id, kr id)
    webhooks: list[Webhook] = field(default_factory=list)

    @classmethod
    def load(cls, team: Team) -> Audience:
        audience = cls(team=team)
        for membership in Membership.objects.filter(team=team).select_related("user"):
            if membership.user.is_active:
                audience.members.append((membership.user, membership.role))
        for pref in AlertPreference.objects.filter(team=team):
            audience.preferences[pref.user_id] = pref
        for mute in AlertMute.objects.filter(team=team).only("key_result_id", "user_id"):
            if mute.user_id is None:  # the whole team's
                audience.team_mutes.add(mute.key_result_id)
            else:
                audience.member_mutes.add((mute.user_id, mute.key_result_id))
        audience.webhooks = list(Webhook.objects.filter(team=team, enabled=True))
        return audience

    def mode(self, user: User, kind: str) -> str:
        pref = self.preferences.get(user.pk)
        if pref is None:
            return Mode.IMMEDIATE
        if pref.muted:
            return Mode.OFF
        return str(pref.modes.get(kind, Mode.IMMEDIATE))


def record_event(
    *,
    audience: Audience,
    kind: str,
    object_key: str,
    day: date,
    title: str,
    message: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
    key_result_id: int | None = None,
    recipients: Iterable[int] | None = None,
    now: datetime | None = None,
) -> AlertEvent | None:
    """Write the event and its deliveries; None when it was already written (same kind,
    object and day) or its key result is muted for the team. Call inside the transaction of
    the change that caused it."""
    if key_result_id is not None and key_result_id in audience.team_mutes:
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work alone
            event = AlertEvent.objects.create(
                team=audience.team,
                kind=kind,
                object_key=object_key,
                day=day,
                title=title[:300],
                message=message,
                url=url,
                data=data or {},
                key_result_id=key_result_id,
            )
    except IntegrityError:
        return None
    rows: list[AlertDelivery] = []
    chosen = set(recipients) if recipients is not None else None
    for user, role in audience.members:
        if chosen is not None and user.pk not in chosen:
            continue
        if kind in OWNERS_ONLY and role != Role.OWNER:
            continue
        if kind == EventKind.DIGEST:
            pref = audience.preferences.get(user.pk)
            if pref is not None and not pref.weekly_digest:
                continue
        elif audience.mode(user, kind) != Mode.IMMEDIATE:
            continue
        if key_result_id is not None and (user.pk, key_result_id) in audience.member_mutes:
            continue
        row = AlertDelivery(
            event=event, channel=Channel.EMAIL, user=user, address=user.email, next_attempt_at=now
        )
        if not user.email:
            row.status, row.last_error = DeliveryStatus.SKIPPED, NO_EMAIL
        rows.append(row)
    if kind not in OWNERS_ONLY and kind != EventKind.DIGEST:
        for webhook in audience.webhooks:
            if webhook.wants(kind):
                rows.append(
                    AlertDelivery(
                        event=event, channel=Channel.WEBHOOK, webhook=webhook, next_attempt_at=now
                    )
                )
    AlertDelivery.objects.bulk_create(rows)
    if any(r.status == DeliveryStatus.PENDING for r in rows):
        deliver_on_commit()
    return event


def deliver_on_commit() -> None:
    transaction.on_commit(lambda: enqueue(DELIVER_TASK))
