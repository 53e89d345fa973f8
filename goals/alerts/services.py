"""What raises an alert, and the writes people make on their alerts.

Entry points the rest of the app calls (one line each, inside the transaction of the change):
- key_results_evaluate: after a check-in, an import, a sync; and each morning (beat);
- connector_sync_finished: after every sync run; connectors_check: hourly (stale data);
- summary_finished: when a requested summary is ready or failed;
- mentions_check: every quarter hour (mentions waiting past the team's answer target).

Key result status is goals.progress's, computed by goals.selectors.assess_key_results (the
pages' selector): an alert is a change into at risk, off track or stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from goals import progress
from goals.alerts import events
from goals.alerts.emails import absolute
from goals.alerts.models import (
    AlertMute,
    AlertPreference,
    AlertSettings,
    ConnectorAlertState,
    EventKind,
    KeyResultAlertState,
    Mode,
    Webhook,
)
from goals.alerts.outbox import Audience, EventSpec, record_event, record_events
from goals.alerts.secrets import new_secret, secret_store
from goals.models import KeyResult, Status, SummaryExport, SummaryOrigin, SummaryStatus
from goals.selectors import assess_key_results, key_results_with_relations
from metrics.connectors.status import State, connector_status
from metrics.models import Account, Connector, InboundMention
from teams import access
from teams.models import Team

# --- key results ------------------------------------------------------------------------------


def _active_key_results(teams: Iterable[int]) -> QuerySet[KeyResult]:
    return key_results_with_relations(
        KeyResult.objects.filter(
            objective__strategy__team_id__in=list(teams),
            objective__strategy__status=Status.ACTIVE,
        )
    )


def key_results_evaluate(
    *,
    team_ids: Iterable[int] | None = None,
    key_result_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Assess the key results (of active strategies) of these teams, or these key results,
    store each one's status, and write an alert for each change into at risk, off track or
    stale. Returns how many alerts were written. A bounded number of queries per team."""
    now = now or timezone.now()
    if key_result_ids is not None:
        qs = key_results_with_relations(
            KeyResult.objects.filter(
                pk__in=list(key_result_ids), objective__strategy__status=Status.ACTIVE
            )
        )
    else:
        qs = _active_key_results(team_ids or [])
    by_team: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in qs:
        by_team[kr.objective.strategy.team_id].append(kr)
    written = 0
    for krs in by_team.values():
        written += _evaluate_team(krs, now)
    return written


@transaction.atomic
def _evaluate_team(krs: list[KeyResult], now: datetime) -> int:
    team = krs[0].objective.strategy.team
    today = timezone.localdate(now, timezone=team.tzinfo)
    assessed = assess_key_results(krs, today=today)
    states = {s.key_result_id: s for s in KeyResultAlertState.objects.filter(key_result__in=krs)}
    new_states: list[KeyResultAlertState] = []
    changed: list[KeyResultAlertState] = []
    specs: list[EventSpec] = []
    for kr in krs:
        status = assessed[kr.pk].status
        state = states.get(kr.pk)
        kind = events.status_alert(state.status if state else None, status)
        if state is None:
            new_states.append(
                KeyResultAlertState(
                    key_result=kr, status=status.value, changed_on=today, evaluated_at=now
                )
            )
        elif state.status != status.value:
            state.status, state.changed_on, state.evaluated_at = status.value, today, now
            changed.append(state)
        if kind is not None:
            specs.append(_key_result_event(kr, assessed[kr.pk].assessment, kind, today))
    KeyResultAlertState.objects.bulk_create(new_states)
    KeyResultAlertState.objects.bulk_update(changed, ["status", "changed_on", "evaluated_at"])
    if not specs:
        return 0
    return len(record_events(audience=Audience.load(team), specs=specs, now=now))


def _key_result_event(
    kr: KeyResult, assessment: progress.Assessment, kind: str, today: date
) -> EventSpec:
    status = assessment.status
    pct = "" if assessment.progress is None else f"{assessment.progress * 100:.0f}%"
    expected = f"{assessment.expected_progress * 100:.0f}%"
    message = f"{kr.objective.strategy} › {kr.objective}: now {status.label.lower()}"
    if pct:
        message += f", {pct} of the way (expected {expected} by today)"
    required = assessment.required_per_week
    if required is not None:
        message += f"; needs {required:+,.1f} per week to reach the target"
    return EventSpec(
        kind=kind,
        object_key=f"kr:{kr.pk}",
        day=today,
        title=f"{kr.name}: {status.label.lower()}",
        message=message + ".",
        url=absolute(reverse("goals:key_result", args=[kr.pk])),
        data={
            "key_result": kr.pk,
            "status": status.value,
            "progress": assessment.progress,
            "expected": assessment.expected_progress,
            "current": assessment.current,
            "required_per_week": required,
        },
        key_result_id=kr.pk,
    )


def key_results_evaluate_for_accounts(*, account_ids: Iterable[int]) -> int:
    """After an import or a sync: the key results that may count these accounts' numbers
    (those naming them, and those of their teams naming none)."""
    ids = list(account_ids)
    team_ids = set(Account.objects.filter(pk__in=ids).values_list("team_id", flat=True))
    return key_results_evaluate(team_ids=team_ids)


def morning_evaluate(*, now: datetime | None = None) -> int:
    """Hourly (beat): the teams for which it is now their morning hour get their key results
    evaluated (a team without settings: 07:00 in its time zone)."""
    now = now or timezone.now()
    hours = dict(AlertSettings.objects.values_list("team_id", "morning_hour"))
    due = [
        team.pk
        for team in Team.objects.all()
        if now.astimezone(team.tzinfo).hour == hours.get(team.pk, 7)
    ]
    return key_results_evaluate(team_ids=due, now=now) if due else 0


# --- connectors ---------------------------------------------------------------------------------


@transaction.atomic
def connector_sync_finished(*, connector_id: int, ok: bool) -> int:
    """Count failures in a row; the third raises an alert. A success resets the count and
    evaluates the team's key results on the new numbers."""
    state, _ = ConnectorAlertState.objects.select_for_update().get_or_create(
        connector_id=connector_id
    )
    if ok:
        if state.failures_in_a_row or state.stale_alerted:
            state.failures_in_a_row, state.stale_alerted = 0, False
            state.save()
        # New numbers: the key results that count them may have changed status.
        team_id = Connector.objects.filter(pk=connector_id).values_list(
            "account__team_id", flat=True
        )
        return key_results_evaluate(team_ids=list(team_id))
    state.failures_in_a_row += 1
    state.save(update_fields=["failures_in_a_row"])
    if not events.connector_failure_alert(state.failures_in_a_row):
        return 0
    connector = Connector.objects.select_related("account__team").get(pk=connector_id)
    team = connector.account.team
    now = timezone.now()
    event = record_event(
        audience=Audience.load(team),
        kind=EventKind.CONNECTOR_FAILING,
        object_key=f"connector:{connector_id}",
        day=timezone.localdate(now, timezone=team.tzinfo),
        title=f"{connector} failed {state.failures_in_a_row} times in a row",
        message=connector.last_error,
        url=absolute(reverse("admin:metrics_connector_change", args=[connector_id])),
        data={"connector": connector_id, "failures_in_a_row": state.failures_in_a_row},
        now=now,
    )
    return int(event is not None)


def connectors_check(*, now: datetime | None = None) -> int:
    """Hourly (beat): connectors whose data turned stale raise one alert until they sync."""
    now = now or timezone.now()
    written = 0
    for connector in Connector.objects.filter(enabled=True).select_related(
        "account__team", "alert_state"
    ):
        if connector_status(connector, now).state != State.STALE:
            continue
        with transaction.atomic():
            state, _ = ConnectorAlertState.objects.select_for_update().get_or_create(
                connector=connector
            )
            if state.stale_alerted:
                continue
            state.stale_alerted = True
            state.save(update_fields=["stale_alerted"])
            team = connector.account.team
            event = record_event(
                audience=Audience.load(team),
                kind=EventKind.CONNECTOR_STALE,
                object_key=f"connector:{connector.pk}",
                day=timezone.localdate(now, timezone=team.tzinfo),
                title=f"{connector}: data is stale",
                message=connector_status(connector, now).label,
                url=absolute(reverse("admin:metrics_connector_change", args=[connector.pk])),
                data={"connector": connector.pk},
                now=now,
            )
            written += int(event is not None)
    return written


# --- summaries ----------------------------------------------------------------------------------


def summary_finished(*, export: SummaryExport) -> int:
    """A summary someone asked for is ready or failed: tell them (and the webhooks)."""
    if export.origin != SummaryOrigin.USER or export.status not in (
        SummaryStatus.READY,
        SummaryStatus.FAILED,
    ):
        return 0
    ready = export.status == SummaryStatus.READY
    team = export.team
    now = timezone.now()
    event = record_event(
        audience=Audience.load(team),
        kind=EventKind.SUMMARY_READY if ready else EventKind.SUMMARY_FAILED,
        object_key=f"summary:{export.pk}",
        day=timezone.localdate(now, timezone=team.tzinfo),
        title=f"Summary {export.quarter} ({export.get_format_display()}) "
        + ("is ready" if ready else "failed"),
        message=export.message,
        url=absolute(reverse("goals:summary", args=[export.pk])),
        data={"summary": export.pk, "quarter": export.quarter, "format": export.format},
        recipients=[export.created_by_id] if export.created_by_id else [],
        now=now,
    )
    return int(event is not None)


# --- mentions -----------------------------------------------------------------------------------


def _business(settings_row: AlertSettings | None) -> events.BusinessHours | None:
    if settings_row is None or not settings_row.business_hours_only:
        return None
    return events.BusinessHours(
        settings_row.business_start, settings_row.business_end, settings_row.weekdays
    )


def mentions_check(*, now: datetime | None = None, lookback_days: int = 14) -> int:
    """Every quarter hour (beat): a mention waiting past its team's answer target raises one
    alert (its day is the day it became overdue, so it is said once)."""
    now = now or timezone.now()
    rows = {s.team_id: s for s in AlertSettings.objects.all()}
    waiting = (
        InboundMention.objects.waiting()
        .filter(
            account__is_competitor=False,
            published_at__gte=now - timedelta(days=lookback_days),
            published_at__lte=now - timedelta(hours=1),
        )
        .select_related("account__team")
        .order_by("account__team_id", "published_at")
    )
    audiences: dict[int, Audience] = {}
    written = 0
    for mention in waiting:
        team = mention.account.team
        row = rows.get(team.pk)
        hours = row.answer_target_hours if row else 24
        deadline = events.answer_deadline(
            mention.published_at, hours=hours, tz=team.tzinfo, business=_business(row)
        )
        if deadline > now:
            continue
        audience = audiences.get(team.pk) or Audience.load(team)
        audiences[team.pk] = audience
        with transaction.atomic():
            event = record_event(
                audience=audience,
                kind=EventKind.MENTION_WAITING,
                object_key=f"mention:{mention.pk}",
                day=timezone.localdate(deadline, timezone=team.tzinfo),
                title=f"@{mention.author_handle} has waited over {hours} h for an answer",
                message=mention.text[:500],
                url=absolute(reverse("metrics:people_waiting") + f"?team={team.pk}"),
                data={
                    "mention": mention.pk,
                    "account": mention.account_id,
                    "published_at": mention.published_at.isoformat(),
                    "permalink": mention.permalink,
                },
                now=now,
            )
        written += int(event is not None)
    return written


# --- people's writes --------------------------------------------------------------------------


def _require_member(user: User | AnonymousUser, team: Team) -> User:
    if not isinstance(user, User) or not access.can_view(user, team):
        raise PermissionDenied("You are not a member of this team.")
    return user


@transaction.atomic
def alert_preference_update(
    *,
    user: User | AnonymousUser,
    team: Team,
    modes: dict[str, str],
    weekly_digest: bool,
    muted: bool,
) -> AlertPreference:
    member = _require_member(user, team)
    clean = {k: Mode(v).value for k, v in modes.items() if k in EventKind.values}
    pref, _ = AlertPreference.objects.update_or_create(
        team=team,
        user=member,
        defaults={"modes": clean, "weekly_digest": weekly_digest, "muted": muted},
    )
    return pref


def alert_preference_for(*, user: User, team: Team) -> AlertPreference:
    return AlertPreference.objects.filter(team=team, user=user).first() or AlertPreference(
        team=team, user=user
    )


@transaction.atomic
def key_result_mute_set(
    *, user: User | AnonymousUser, key_result: KeyResult, muted: bool, for_team: bool
) -> None:
    """Mute a key result for oneself (any member) or for the whole team (editors)."""
    team = key_result.objective.strategy.team
    member = _require_member(user, team)
    if for_team and not access.can_edit(member, team):
        raise PermissionDenied("Only owners and editors mute a key result for the team.")
    who = None if for_team else member
    mutes = AlertMute.objects.filter(key_result=key_result, user=who)
    if muted and not mutes.exists():
        AlertMute.objects.create(team=team, key_result=key_result, user=who)
    elif not muted:
        mutes.delete()


@transaction.atomic
def webhook_create(
    *,
    user: User | AnonymousUser,
    team: Team,
    name: str,
    format: str,
    url: str,
    kinds: list[str] | None = None,
) -> tuple[Webhook, str]:
    """Add a team webhook (owners); returns it and its signing secret (shown once)."""
    if not access.can_manage(user, team):
        raise PermissionDenied("Only the team's owners add webhooks.")
    secret = new_secret()
    webhook = Webhook(
        team=team,
        name=name,
        format=format,
        url=url,
        events=list(kinds or []),
        secret_encrypted=secret_store(secret),
    )
    webhook.full_clean()
    webhook.save()
    return webhook, secret
