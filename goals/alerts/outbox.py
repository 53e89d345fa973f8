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


@dataclass(frozen=True)
class EventSpec:
    kind: str
    object_key: str
    day: date
    title: str
    message: str = ""
    url: str = ""
    data: dict[str, Any] | None = None
    key_result_id: int | None = None
    recipients: frozenset[int] | None = None  # user ids; None: every member

    @property
    def key(self) -> tuple[str, str, date]:
        return (self.kind, self.object_key, self.day)

    def build(self, team: Team) -> AlertEvent:
        return AlertEvent(
            team=team,
            kind=self.kind,
            object_key=self.object_key,
            day=self.day,
            title=self.title[:300],
            message=self.message,
            url=self.url,
            data=self.data or {},
            key_result_id=self.key_result_id,
        )


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
    spec = EventSpec(
        kind=kind,
        object_key=object_key,
        day=day,
        title=title,
        message=message,
        url=url,
        data=data,
        key_result_id=key_result_id,
        recipients=frozenset(recipients) if recipients is not None else None,
    )
    written = record_events(audience=audience, specs=[spec], now=now)
    return written[0] if written else None


def record_events(
    *, audience: Audience, specs: Iterable[EventSpec], now: datetime | None = None
) -> list[AlertEvent]:
    """Write a team's events and their deliveries in a fixed number of queries (one to find
    those already written, one to insert the rest, one for their deliveries); returns those
    written. Call inside the transaction of the change that caused them."""
    now = now or timezone.now()
    wanted: dict[tuple[str, str, date], EventSpec] = {}
    for spec in specs:
        if spec.key_result_id is not None and spec.key_result_id in audience.team_mutes:
            continue
        wanted.setdefault(spec.key, spec)
    if not wanted:
        return []
    for key in AlertEvent.objects.filter(
        kind__in={k for k, _, _ in wanted},
        object_key__in={o for _, o, _ in wanted},
        day__in={d for _, _, d in wanted},
    ).values_list("kind", "object_key", "day"):
        wanted.pop(key, None)
    if not wanted:
        return []
    fresh = list(wanted.values())
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work alone
            events = AlertEvent.objects.bulk_create([s.build(audience.team) for s in fresh])
    except IntegrityError:
        # Another transaction wrote one of them meanwhile: one at a time, skipping those.
        events = [e for s in fresh if (e := _create_one(s, audience.team)) is not None]
    by_key = {spec.key: spec for spec in fresh}
    rows: list[AlertDelivery] = []
    for event in events:
        rows += _deliveries(audience, event, by_key[(event.kind, event.object_key, event.day)], now)
    AlertDelivery.objects.bulk_create(rows)
    if any(r.status == DeliveryStatus.PENDING for r in rows):
        deliver_on_commit()
    return events


def _create_one(spec: EventSpec, team: Team) -> AlertEvent | None:
    try:
        with transaction.atomic():
            event = spec.build(team)
            event.save()
            return event
    except IntegrityError:
        return None


def _deliveries(
    audience: Audience, event: AlertEvent, spec: EventSpec, now: datetime
) -> list[AlertDelivery]:
    kind = spec.kind
    rows: list[AlertDelivery] = []
    for user, role in audience.members:
        if spec.recipients is not None and user.pk not in spec.recipients:
            continue
        if kind in OWNERS_ONLY and role != Role.OWNER:
            continue
        if kind == EventKind.DIGEST:
            pref = audience.preferences.get(user.pk)
            if pref is not None and not pref.weekly_digest:
                continue
        elif audience.mode(user, kind) != Mode.IMMEDIATE:
            continue
        if (
            spec.key_result_id is not None
            and (user.pk, spec.key_result_id) in audience.member_mutes
        ):
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
    return rows


def deliver_on_commit() -> None:
    transaction.on_commit(lambda: enqueue(DELIVER_TASK))
