"""What a member's weekly digest says, read through the pages' own selectors: the
dashboard (key results, as of today and a week ago), conversation health (mix against the
plan) and the people-waiting selectors (waiting, median answer time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.urls import reverse

from goals import progress, selectors
from goals.alerts.emails import absolute
from goals.alerts.models import AlertEvent, AlertPreference, AlertSettings, Mode
from goals.conversation import MixShare
from metrics import selectors as metric_selectors
from metrics.models import Account
from teams.models import Team

MOVERS = 3


@dataclass(frozen=True)
class DigestKeyResult:
    pk: int
    name: str
    url: str
    status: progress.Status
    previous_status: progress.Status | None
    percent: float | None  # progress now, percent (unclamped)
    previous_percent: float | None  # a week ago
    required_per_week: float | None
    unit: str

    @property
    def moved(self) -> float | None:
        """Percentage points of progress gained (or lost) over the week."""
        if self.percent is None or self.previous_percent is None:
            return None
        return self.percent - self.previous_percent


@dataclass
class Digest:
    team: Team
    start: date  # the week covered: start .. end
    end: date
    key_results: list[DigestKeyResult] = field(default_factory=list)
    waiting: int = 0
    median_minutes: float | None = None
    target_hours: int = 24
    mix: list[MixShare] = field(default_factory=list)
    alerts: list[AlertEvent] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> list[DigestKeyResult]:
        return [k for k in self.key_results if k.status != k.previous_status]

    @property
    def movers(self) -> list[DigestKeyResult]:
        moved = [k for k in self.key_results if k.moved is not None]
        return sorted(moved, key=lambda k: (-abs(k.moved or 0.0), k.pk))[:MOVERS]

    @property
    def at_risk(self) -> list[DigestKeyResult]:
        return [
            k
            for k in self.key_results
            if k.status in (progress.Status.AT_RISK, progress.Status.OFF_TRACK)
        ]

    @property
    def median_hours(self) -> float | None:
        return None if self.median_minutes is None else self.median_minutes / 60


def digest_for(*, team: Team, user: User, today: date, now: datetime) -> Digest:
    """The digest of the week ending `today` for `user` (a member of `team`)."""
    filters = selectors.DashboardFilters(team=team.pk)
    current = selectors.dashboard(user, today=today, filters=filters)
    before = {
        row.key_result.pk: row
        for row in selectors.worst_first(
            selectors.dashboard(user, today=today - timedelta(days=7), filters=filters)
        )
    }
    digest = Digest(team=team, start=today - timedelta(days=7), end=today)
    for row in selectors.worst_first(current):
        kr = row.key_result
        old = before.get(kr.pk)
        digest.key_results.append(
            DigestKeyResult(
                pk=kr.pk,
                name=kr.name,
                url=absolute(reverse("goals:key_result", args=[kr.pk])),
                status=row.status,
                previous_status=old.status if old else None,
                percent=row.percent,
                previous_percent=old.percent if old else None,
                required_per_week=row.assessment.required_per_week,
                unit=row.unit,
            )
        )
    settings_row = AlertSettings.objects.filter(team=team).first()
    digest.target_hours = settings_row.answer_target_hours if settings_row else 24
    account_ids = list(Account.objects.own().filter(team=team).values_list("pk", flat=True))
    digest.waiting = metric_selectors.mentions_waiting(account_ids).count()
    inbound = metric_selectors.inbound_summary(
        account_ids,
        start=digest.start,
        end=today,
        now=now,
        limit=timedelta(hours=digest.target_hours),
    )
    digest.median_minutes = inbound.median_minutes
    selection = selectors.selection_for(user, team=team, today=today, own_only=True)
    if selection is not None:
        digest.mix = selectors.conversation_health(selection).mix
    pref = AlertPreference.objects.filter(team=team, user=user).first()
    if pref is not None and not pref.muted:
        kinds = [k for k, mode in pref.modes.items() if mode == Mode.DIGEST]
        digest.alerts = list(
            AlertEvent.objects.filter(
                team=team, kind__in=kinds, day__gt=digest.start, day__lte=today
            ).order_by("day", "pk")
        )
    digest.links = {
        "dashboard": absolute(reverse("goals:dashboard") + f"?team={team.pk}"),
        "conversation": absolute(reverse("goals:conversation") + f"?team={team.pk}"),
        "people_waiting": absolute(reverse("metrics:people_waiting") + f"?team={team.pk}"),
        "preferences": absolute(reverse("goals:alert_preferences", args=[team.slug])),
    }
    return digest
