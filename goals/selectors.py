"""Reads behind the pages, each in a bounded number of queries: every key result assessed
(dashboard, key result page, API, summaries); the posts and counts behind conversation health
(goals.conversation) and the competitor benchmark (goals.competitors)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models import Window as SqlWindow
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone

from goals import competitors, conversation, display, periods, progress
from goals.models import CheckIn, KeyResult, Objective, Status, Strategy, Window
from goals.progress import Direction
from metrics import catalog
from metrics.connectors.status import ConnectorStatus, State, connector_status
from metrics.ingest.records import PostKind
from metrics.models import Account, Connector, MetricObservation, Post
from metrics.selectors import Series, SeriesRequest, series_for
from teams import access
from teams.models import Team


@dataclass
class KeyResultProgress:
    key_result: KeyResult
    assessment: progress.Assessment
    series: list[progress.Point]
    accounts: list[Account]
    # The day the page looks from (its "as of"): nothing after it is drawn.
    today: date | None = None
    # The value at the same point of the previous period (None: manual, or no data then).
    previous: float | None = None
    previous_period: periods.Period | None = None

    @property
    def status(self) -> progress.Status:
        return self.assessment.status

    @property
    def metric(self) -> catalog.Metric | None:
        return self.key_result.metric

    @property
    def unit(self) -> str:
        return unit_of(self.key_result)

    @property
    def change(self) -> float | None:
        """Current minus the value at the same point of the previous period."""
        current = self.assessment.current
        if current is None or self.previous is None:
            return None
        return current - self.previous

    @property
    def change_label(self) -> str:
        """What the change is against: "same day last quarter" (half, year, period)."""
        if self.previous_period is None:
            return ""
        return f"same day last {periods.kind_label(self.previous_period)}"

    @property
    def platforms(self) -> set[str]:
        return {a.platform for a in self.accounts}

    @property
    def percent(self) -> float | None:
        p = self.assessment.progress
        return None if p is None else p * 100

    @property
    def bar_percent(self) -> float:
        """The bar's width: progress clamped to 0–100 (the number shown is unclamped)."""
        p = self.assessment.progress
        return 0.0 if p is None else max(0.0, min(100.0, p * 100))

    @property
    def expected_percent(self) -> float:
        return self.assessment.expected_progress * 100

    @cached_property  # the dashboard row reads the sparkline twice
    def sparkline_points(self) -> list[progress.Point]:
        """The series as the page may show it: from the start to min(as of, due date)."""
        kr = self.key_result
        last = kr.due_date if self.today is None else min(self.today, kr.due_date)
        return [p for p in self.series if kr.start_date <= p.day <= last]

    @cached_property
    def sparkline(self) -> str:
        """SVG polyline points (0–100 × 0–24) of the series up to the page's "as of" (or the
        due date, if earlier), for a small inline chart."""
        values = [p.value for p in sorted(self.sparkline_points, key=lambda p: p.day)][-60:]
        if len(values) < 2:
            return ""
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        step = 100 / (len(values) - 1)
        return " ".join(
            f"{i * step:.1f},{22 - (v - low) / span * 20:.1f}" for i, v in enumerate(values)
        )


@dataclass
class ObjectiveProgress:
    objective: Objective
    key_results: list[KeyResultProgress] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        return progress.weighted_mean(
            [(kr.assessment.progress, float(kr.key_result.weight)) for kr in self.key_results]
        )

    @property
    def percent(self) -> float | None:
        p = self.progress
        return None if p is None else p * 100


@dataclass
class StrategyProgress:
    strategy: Strategy
    objectives: list[ObjectiveProgress] = field(default_factory=list)

    @property
    def progress(self) -> float | None:
        return progress.weighted_mean(
            [(o.progress, float(o.objective.weight)) for o in self.objectives]
        )

    @property
    def percent(self) -> float | None:
        p = self.progress
        return None if p is None else p * 100

    @property
    def key_results(self) -> list[KeyResultProgress]:
        return [kr for o in self.objectives for kr in o.key_results]


def series_kind(kr: KeyResult) -> progress.SeriesKind:
    """What a key result's series is, for the forecast: a count or a ratio over the period
    since its start accumulates; anything read per day or over a rolling window is a level."""
    if kr.is_manual or kr.window != Window.PERIOD:
        return progress.SeriesKind.LEVEL
    kind = catalog.get(kr.metric_key).kind
    if kind in (catalog.Kind.FLOW, catalog.Kind.DISTINCT):
        return progress.SeriesKind.CUMULATIVE
    if kind is catalog.Kind.RATIO:
        return progress.SeriesKind.RATIO
    return progress.SeriesKind.LEVEL


def spec_for(kr: KeyResult) -> progress.Spec:
    strategy = kr.objective.strategy
    return progress.Spec(
        baseline=float(kr.baseline),
        target=float(kr.target) if kr.target is not None else None,
        direction=progress.Direction(kr.direction),
        start=kr.start_date,
        due=kr.due_date,
        band_low=float(kr.band_low) if kr.band_low is not None else None,
        band_high=float(kr.band_high) if kr.band_high is not None else None,
        tolerance_points=float(strategy.at_risk_tolerance),
        stale_after_days=strategy.stale_after_days,
        kind=series_kind(kr),
        # A ceiling, or a number over a rolling window, can cross back over the line.
        decided_at_due=kr.direction == Direction.DECREASE or kr.window != Window.PERIOD,
    )


def key_results_with_relations(qs: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
    return qs.select_related("objective__strategy__team", "objective__owner").prefetch_related(
        "accounts", Prefetch("check_ins", queryset=CheckIn.objects.order_by("date"))
    )


def _check_in_points(kr: KeyResult) -> list[progress.Point]:
    """A manual key result's series: one point per day, in day order. A late correction is
    the value at the due date (its period is closed), so it replaces a check-in of that day;
    of two corrections, the later one wins."""
    by_day: dict[date, float] = {}
    corrections: list[tuple[date, float]] = []
    for check_in in kr.check_ins.all():
        if check_in.value is None:
            continue
        if check_in.late_correction:
            corrections.append((check_in.date, float(check_in.value)))
        else:
            by_day[check_in.date] = float(check_in.value)
    for _day, value in sorted(corrections):
        by_day[kr.due_date] = value
    return [progress.Point(day, value) for day, value in sorted(by_day.items())]


def _spans(kr: KeyResult) -> tuple[periods.Period, periods.Period]:
    """The key result's own period and the one before it (the previous quarter of a quarter)."""
    span = periods.Period(kr.start_date, kr.due_date)
    return span, periods.preceding(span)


def _previous_request(kr: KeyResult, account_ids: tuple[int, ...], today: date) -> SeriesRequest:
    """The same measure over the previous period, up to the same point in it as today's.

    Its key is the key result's pk negated, so it travels in the same batch as the current
    series (series_for's keys are only the caller's ids)."""
    span, before = _spans(kr)
    return SeriesRequest(
        key=-kr.pk,
        metric=kr.metric_key,
        account_ids=account_ids,
        start=before.start,
        end=periods.shift_within(min(today, kr.due_date), span, before),
        window=kr.window,
    )


def _value_at_same_point(kr: KeyResult, as_of: date | None, found: Series | None) -> float | None:
    """The previous period's value on the day at the same offset as the current value's day
    (its latest value on or before that day, as the current value is)."""
    if as_of is None or found is None:
        return None
    span, before = _spans(kr)
    if not span.contains(as_of):
        return None
    day = periods.shift_within(as_of, span, before)
    values = [value for d, value in found.points if d <= day]
    return values[-1] if values else None


def assess_key_results(
    key_results: Sequence[KeyResult], *, today: date, previous_period: bool = False
) -> dict[int, KeyResultProgress]:
    """Assess many key results: their series come from one batch of queries.

    With `previous_period`, each measured key result also gets its value at the same point
    of the previous period (for "+520 vs same day last quarter"), read in the same batch."""
    chosen: dict[int, list[Account]] = {kr.pk: list(kr.accounts.all()) for kr in key_results}
    # No accounts chosen: the key result counts all the team's own accounts (read only when
    # a key result needs them).
    team_ids = {kr.objective.strategy.team_id for kr in key_results if not chosen[kr.pk]}
    own: dict[int, list[Account]] = {}
    if team_ids:
        for account in Account.objects.filter(team_id__in=team_ids, is_competitor=False):
            own.setdefault(account.team_id, []).append(account)
    requests: list[SeriesRequest] = []
    for kr in key_results:
        accounts = chosen[kr.pk] or own.get(kr.objective.strategy.team_id, [])
        chosen[kr.pk] = accounts
        if kr.is_manual:
            continue
        ids = tuple(a.pk for a in accounts)
        requests.append(
            SeriesRequest(
                key=kr.pk,
                metric=kr.metric_key,
                account_ids=ids,
                start=kr.start_date,
                end=min(today, kr.due_date) if today >= kr.start_date else kr.start_date,
                window=kr.window,
            )
        )
        if previous_period and today >= kr.start_date:
            requests.append(_previous_request(kr, ids, today))
    series = series_for(requests)
    result: dict[int, KeyResultProgress] = {}
    for kr in key_results:
        if kr.is_manual:
            points = _check_in_points(kr)
        else:
            found = series.get(kr.pk, Series())
            points = [progress.Point(d, v) for d, v in found.points]
        spec = spec_for(kr)
        assessment = progress.assess(spec, points, today)
        result[kr.pk] = KeyResultProgress(
            key_result=kr,
            assessment=assessment,
            series=points,
            accounts=chosen[kr.pk],
            today=today,
            previous=_value_at_same_point(kr, assessment.as_of, series.get(-kr.pk)),
            previous_period=_spans(kr)[1] if previous_period else None,
        )
    return result


@dataclass(frozen=True)
class DashboardFilters:
    team: int | None = None
    strategy: int | None = None
    status: str | None = None
    platform: str | None = None
    owner: int | None = None


def plan_order(strategy: Strategy, today: date) -> tuple[bool, date, str, int]:
    """Strategies under way before those whose period has not started (a 2027 plan never
    sits on top of the current one), then in plan order: period start, then name."""
    return (strategy.period_start > today, strategy.period_start, strategy.name, strategy.pk)


def dashboard(
    user: User | AnonymousUser, *, today: date, filters: DashboardFilters | None = None
) -> list[StrategyProgress]:
    """Every active strategy the user may see (or the chosen one), its objectives and key
    results assessed as of `today`, each with its value at the same point of the previous
    period. In plan order (`plan_order`); `worst_first` lists their key results by severity.
    A fixed number of queries, whatever the plan's size."""
    filters = filters or DashboardFilters()
    strategies = access.visible_to(user, Strategy.objects.select_related("team"))
    if filters.strategy:
        strategies = strategies.filter(pk=filters.strategy)
    else:
        strategies = strategies.filter(status=Status.ACTIVE)
    if filters.team:
        strategies = strategies.filter(team_id=filters.team)
    key_results = key_results_with_relations(
        KeyResult.objects.filter(objective__strategy__in=strategies)
    ).order_by("objective__strategy", "objective__order", "objective__pk", "order", "pk")
    krs = list(key_results)
    assessed = assess_key_results(krs, today=today, previous_period=True)

    objectives_qs = Objective.objects.filter(strategy__in=strategies).select_related(
        "owner", "strategy"
    )
    by_strategy: dict[int, StrategyProgress] = {
        s.pk: StrategyProgress(s) for s in sorted(strategies, key=lambda s: plan_order(s, today))
    }
    by_objective: dict[int, ObjectiveProgress] = {}
    for objective in objectives_qs.order_by("order", "pk"):
        row = ObjectiveProgress(objective)
        by_objective[objective.pk] = row
        by_strategy[objective.strategy_id].objectives.append(row)
    for kr in krs:
        item = assessed[kr.pk]
        if filters.status and item.status != filters.status:
            continue
        if filters.platform and filters.platform not in item.platforms:
            continue
        if filters.owner and kr.objective.owner_id != filters.owner:
            continue
        by_objective[kr.objective_id].key_results.append(item)
    if filters.status or filters.platform or filters.owner:
        for strategy_row in by_strategy.values():
            strategy_row.objectives = [o for o in strategy_row.objectives if o.key_results]
    return list(by_strategy.values())


def worst_first(strategies: Sequence[StrategyProgress]) -> list[KeyResultProgress]:
    """Every key result of the strategies in one list, across objectives and strategies,
    by progress.SEVERITY (off track, at risk, stale, no data, on track, achieved, not
    started); plan order among equals. Each row knows its objective and strategy
    (key_result.objective.strategy, already loaded)."""
    rank = {status: i for i, status in enumerate(progress.SEVERITY)}
    rows = [kr for s in strategies for kr in s.key_results]
    return sorted(rows, key=lambda r: rank[r.status])


def key_result_for(user: User | AnonymousUser, pk: int) -> KeyResult:
    return access.get_object_for_user(
        user, key_results_with_relations(KeyResult.objects.all()), pk=pk
    )


def unit_of(kr: KeyResult) -> str:
    """The unit a key result's numbers are said in: its own, else its metric's."""
    return kr.unit or catalog.unit_for(kr.metric_key)


def direction_label(kr: KeyResult) -> str:
    """Baseline to target as people say them: 9% → 12%, 3,500 → 4,300, or for a band
    "stay between 1% and 2%"."""
    unit = unit_of(kr)
    if kr.direction == Direction.BAND:
        low, high = display.number(kr.band_low, unit), display.number(kr.band_high, unit)
        return f"stay between {low} and {high}"
    return f"{display.number(kr.baseline, unit)} → {display.number(kr.target, unit)}"


def as_dict(row: KeyResultProgress) -> dict[str, Any]:
    a = row.assessment
    return {
        "id": row.key_result.pk,
        "status": a.status.value,
        "current": a.current,
        "as_of": a.as_of.isoformat() if a.as_of else None,
        "progress": a.progress,
        "expected": a.expected,
    }


# --- conversation health and the competitor benchmark ------------------------------------


@dataclass(frozen=True)
class Selection:
    """The team, period, plan and accounts a page covers, resolved from the query string."""

    team: Team
    strategy: Strategy | None
    start: date
    end: date
    accounts: tuple[Account, ...]
    # The accounts one could choose on this page (for the form's checkboxes).
    choices: tuple[Account, ...]
    # Chosen by default although nothing was imported for its period yet (the current
    # strategy, kept): the page says so and links to `with_data`, the latest one with data.
    no_data_yet: bool = False
    with_data: Strategy | None = None

    @property
    def account_ids(self) -> tuple[int, ...]:
        return tuple(a.pk for a in self.accounts)

    @property
    def period(self) -> periods.Period:
        return periods.Period(self.start, self.end)

    @property
    def planned_mix(self) -> dict[str, int] | None:
        return self.strategy.mix if self.strategy is not None else None


def selection_for(
    user: User | AnonymousUser,
    *,
    team: Team | None = None,
    strategy: Strategy | None = None,
    start: date | None = None,
    end: date | None = None,
    accounts: Sequence[Account] = (),
    today: date,
    own_only: bool,
) -> Selection | None:
    """Fill in what the query string left out; None when the user sees no team at all.

    The arguments come from a form whose choices are limited to what the user may see;
    here they are checked against each other (ValidationError keyed by form field).
    Defaults: the strategy's team, else the accounts' team; the team's (else the user's)
    current strategy, else the latest with data (`default_strategy`); its period, else the
    current quarter without a plan.
    """
    errors: dict[str, str] = {}
    if strategy is not None and team is not None and strategy.team_id != team.pk:
        errors["strategy"] = f"“{strategy}” is a strategy of {strategy.team}, not of {team}."
    if team is None and strategy is not None:
        team = strategy.team
    if team is None and accounts:
        teams = {a.team_id for a in accounts}
        if len(teams) > 1:
            errors["account"] = "Choose accounts of one team."
        team = accounts[0].team
    if errors:
        raise ValidationError(errors)

    default: DefaultStrategy | None = None
    if strategy is None:
        default = default_strategy(
            user,
            team=team,
            today=today,
            own_only=own_only,
            account_ids=[a.pk for a in accounts],
        )
        strategy = default.strategy
        if team is None and strategy is not None:
            team = strategy.team
    if team is None:
        team = access.visible_teams(user).order_by("name").first()
        if team is None:
            return None

    candidates = access.visible_to(user, Account.objects.filter(team=team))
    if own_only:
        candidates = candidates.filter(is_competitor=False)
    choices = tuple(candidates.order_by("is_competitor", "platform", "handle"))
    for account in accounts:
        if account.team_id != team.pk:
            errors["account"] = f"{account} is not an account of {team}."
        elif own_only and account.is_competitor:
            errors["account"] = (
                f"{account} is a competitor's account; conversation health covers the "
                "team's own accounts."
            )
    base = strategy.period if strategy is not None else periods.quarter_of(today)
    start, end = start or base.start, end or base.end
    if end < start:
        errors["end"] = (
            f"The period cannot end ({end:%-d %b %Y}) before it starts ({start:%-d %b %Y})."
        )
    if errors:
        raise ValidationError(errors)
    wanted = set(accounts)
    chosen = tuple(a for a in choices if a in wanted) if wanted else choices
    return Selection(
        team=team,
        strategy=strategy,
        start=start,
        end=end,
        accounts=chosen,
        choices=choices,
        no_data_yet=default is not None and strategy is not None and not default.has_data,
        with_data=default.with_data if default is not None else None,
    )


@dataclass(frozen=True)
class DefaultStrategy:
    strategy: Strategy | None
    has_data: bool = False
    with_data: Strategy | None = None  # the latest earlier one with data, when `strategy` has none


def default_strategy(
    user: User | AnonymousUser,
    *,
    team: Team | None,
    today: date,
    own_only: bool,
    account_ids: Sequence[int] = (),
) -> DefaultStrategy:
    """The strategy a page shows when none is asked for (one query).

    Among the active strategies the user may see (of `team`, if given) whose period has
    begun, a strategy "has data" when its team's accounts (own ones only if `own_only`; the
    chosen ones if any) have posts or observations in its period up to today.
    - The current strategy (its period holds today) is kept, with or without data; without,
      `with_data` is the latest earlier strategy of its team that has data, to link to.
    - Without a current one: the latest strategy with data, else the latest one begun.
    A strategy whose period has not begun is never the default."""
    posts = Post.objects.filter(
        account__team=OuterRef("team"),
        local_date__gte=OuterRef("period_start"),
        local_date__lte=OuterRef("period_end"),
    ).filter(local_date__lte=today)
    observations = MetricObservation.objects.filter(
        account__team=OuterRef("team"),
        date__gte=OuterRef("period_start"),
        date__lte=OuterRef("period_end"),
    ).filter(date__lte=today)
    if own_only:
        posts = posts.filter(account__is_competitor=False)
        observations = observations.filter(account__is_competitor=False)
    if account_ids:
        posts = posts.filter(account_id__in=account_ids)
        observations = observations.filter(account_id__in=account_ids)
    begun = access.visible_to(
        user,
        Strategy.objects.select_related("team").filter(
            status=Status.ACTIVE, period_start__lte=today
        ),
    )
    if team is not None:
        begun = begun.filter(team=team)
    rows = [
        (s, bool(s.has_posts or s.has_observations))
        for s in begun.annotate(
            has_posts=Exists(posts), has_observations=Exists(observations)
        ).order_by("-period_start", "-pk")
    ]
    if not rows:
        return DefaultStrategy(None)
    current = next(((s, data) for s, data in rows if s.period_end >= today), None)
    if current is not None:
        strategy, has_data = current
        earlier = (
            None
            if has_data
            else next(
                (
                    s
                    for s, data in rows
                    if data and s.team_id == strategy.team_id and s.pk != strategy.pk
                ),
                None,
            )
        )
        return DefaultStrategy(strategy, has_data, earlier)
    strategy, has_data = next(((s, data) for s, data in rows if data), rows[0])
    return DefaultStrategy(strategy, has_data)


_POST_FIELDS = (
    "pk",
    "account_id",
    "local_date",
    "kind",
    "is_question",
    "is_promotional",
    "shares_others_link",
    "text",
    "permalink",
)


def _utc(text: str) -> datetime:
    """A timestamp read as text (PostgreSQL: "2026-10-01 09:00:00+00"; SQLite: naive UTC,
    "2026-10-01 09:00:00.250000") as the aware UTC datetime the ORM would give."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def post_rows(account_ids: Sequence[int], start: date, end: date) -> list[conversation.PostRow]:
    """The accounts' posts in the period, in publication order, as the pure functions see them.

    A quarter holds thousands of posts: the publication time and the two JSON lists come as
    text and are parsed here (a JSON list once per distinct text: most are "[]" or a few
    handles), which costs a fifth of the ORM's per-row converters for the same values."""
    rows = (
        Post.objects.filter(account_id__in=account_ids, local_date__range=(start, end))
        .order_by("published_at", "pk")
        .values_list(
            *_POST_FIELDS,
            Cast("published_at", TextField()),
            Cast("addressed", TextField()),
            Cast("link_domains", TextField()),
        )
    )
    lists: dict[str | None, tuple[str, ...]] = {}

    def as_tuple(text: str | None) -> tuple[str, ...]:
        found = lists.get(text)
        if found is None:
            found = lists[text] = tuple((json.loads(text) if text else None) or ())
        return found

    return [
        conversation.PostRow(
            pk=pk,
            account_id=account_id,
            published_at=_utc(published_at),
            local_date=local_date,
            kind=kind,
            addressed=as_tuple(addressed),
            is_question=is_question,
            is_promotional=is_promotional,
            shares_others_link=shares_others_link,
            link_domains=as_tuple(link_domains),
            text=text,
            permalink=permalink,
        )
        for (
            pk,
            account_id,
            local_date,
            kind,
            is_question,
            is_promotional,
            shares_others_link,
            text,
            permalink,
            published_at,
            addressed,
            link_domains,
        ) in rows.iterator(chunk_size=5000)
    ]


def addressed_before(account_ids: Sequence[int], start: date) -> set[str]:
    """Everyone these accounts addressed before the start (one query)."""
    handles: set[str] = set()
    if not account_ids:
        return handles
    earlier = (
        Post.objects.filter(account_id__in=account_ids, local_date__lt=start)
        .exclude(addressed=[])
        .order_by()  # no ordering column in the SELECT DISTINCT
        .values_list("addressed", flat=True)
        .distinct()
    )
    for addressed in earlier.iterator(chunk_size=5000):
        handles.update(addressed or ())
    return handles


def conversation_health(selection: Selection) -> conversation.ConversationHealth:
    """Everything on the conversation health page, in two queries."""
    ids = selection.account_ids
    return conversation.report(
        post_rows(ids, selection.start, selection.end) if ids else [],
        planned_mix=selection.planned_mix,
        addressed_before=addressed_before(ids, selection.start),
        accounts={a.pk: a for a in selection.accounts},
    )


def _engagements() -> Case:
    """A post's engagements: the platform's number where it gives one, else the public
    interactions it shows (likes + replies + reshares, the known ones); None when neither is
    known. Accounts synced from public APIs (Mastodon, Bluesky) have only the latter."""
    parts = [Coalesce(F(name), Value(0)) for name in ("likes", "replies", "reshares")]
    return Case(
        When(engagements__isnull=False, then=F("engagements")),
        When(
            Q(likes__isnull=False) | Q(replies__isnull=False) | Q(reshares__isnull=False),
            then=parts[0] + parts[1] + parts[2],
        ),
        default=None,
        output_field=BigIntegerField(),
    )


# The rollup's definitions (metrics.ingest.rollup), as goals.conversation.weekly counts them.
_WITH = ~Q(kind=PostKind.ORIGINAL) | ~Q(addressed=[])
_BROADCAST = Q(kind=PostKind.ORIGINAL, addressed=[])


def post_counts(
    account_ids: Sequence[int], start: date, end: date
) -> dict[int, competitors.PostCounts]:
    """Posts, replies, posts with and at people, and engagements per account in the period
    (one query)."""
    return {
        row["account_id"]: competitors.PostCounts(
            posts=int(row["n_posts"] or 0),
            replies=int(row["n_replies"] or 0),
            engagements=int(row["engagement_sum"] or 0),
            engaged_posts=int(row["n_engaged"] or 0),
            with_posts=int(row["n_with"] or 0),
            broadcast_posts=int(row["n_broadcast"] or 0),
        )
        for row in Post.objects.filter(account_id__in=account_ids, local_date__range=(start, end))
        .annotate(engaged=_engagements())
        .order_by()
        .values("account_id")
        .annotate(
            n_posts=Count("pk"),
            n_replies=Count("pk", filter=Q(kind=PostKind.REPLY)),
            engagement_sum=Sum("engaged"),
            n_engaged=Count("engaged"),
            n_with=Count("pk", filter=_WITH),
            n_broadcast=Count("pk", filter=_BROADCAST),
        )
    }


def top_posts(
    account_ids: Sequence[int], start: date, end: date, *, per_account: int = 3
) -> dict[int, list[competitors.TopPost]]:
    """Each account's most engaging posts in the period (one query, ranked in the database)."""
    ranked = (
        Post.objects.filter(account_id__in=account_ids, local_date__range=(start, end))
        .annotate(engaged=_engagements())
        .filter(engaged__isnull=False)
        .annotate(
            rank=SqlWindow(
                RowNumber(),
                partition_by=[F("account_id")],
                order_by=[F("engaged").desc(), F("published_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=per_account)
        .order_by("account_id", "rank")
        .values_list("account_id", "published_at", "text", "permalink", "engaged")
    )
    found: dict[int, list[competitors.TopPost]] = defaultdict(list)
    for account_id, published_at, text, permalink, engaged in ranked:
        found[account_id].append(
            competitors.TopPost(account_id, published_at, text, permalink, int(engaged))
        )
    return found


def freshness(accounts: Sequence[Account]) -> dict[int, competitors.Freshness]:
    """How old each account's data is: its latest post or level, and the state of its
    connector if it has one (two queries)."""
    ids = [a.pk for a in accounts]
    latest = Account.objects.filter(pk__in=ids).annotate(
        last_post=Subquery(
            Post.objects.filter(account=OuterRef("pk"))
            .order_by("-local_date")
            .values("local_date")[:1]
        ),
        last_level=Subquery(
            MetricObservation.objects.filter(account=OuterRef("pk"))
            .order_by("-date")
            .values("date")[:1]
        ),
    )
    days = {
        pk: max((d for d in (last_post, last_level) if d is not None), default=None)
        for pk, last_post, last_level in latest.values_list("pk", "last_post", "last_level")
    }
    states: dict[int, list[ConnectorStatus]] = defaultdict(list)
    now = timezone.now()
    for connector in Connector.objects.filter(account_id__in=ids).order_by("pk"):
        states[connector.account_id].append(connector_status(connector, now))
    found = {}
    for account in accounts:
        statuses = states.get(account.pk, [])
        found[account.pk] = competitors.Freshness(
            data_up_to=days.get(account.pk),
            sync_label=" ".join(_sync_label(s) for s in statuses),
            needs_attention=any(s.needs_attention for s in statuses),
        )
    return found


def _sync_label(status: ConnectorStatus) -> str:
    if status.state == State.DISABLED and status.data_since is not None:
        # Still say how old the data is: a disabled sync is the stalest of all.
        synced = timezone.localtime(status.data_since)
        return f"Sync disabled: data synced {synced:%-d %b %Y %H:%M}."
    return status.label


def weekly_reply_share(selection: Selection) -> dict[int, list[tuple[date, float]]]:
    """Each chosen account's reply share per week of the period, in % (one query)."""
    ids = selection.account_ids
    if not ids:
        return {}
    daily = (
        Post.objects.filter(account_id__in=ids, local_date__range=(selection.start, selection.end))
        .order_by()
        .values_list("account_id", "local_date")
        .annotate(n=Count("pk"), r=Count("pk", filter=Q(kind=PostKind.REPLY)))
    )
    return competitors.weekly_reply_share(daily)


def follower_levels(
    account_ids: Sequence[int], start: date, end: date
) -> dict[int, list[tuple[date, Decimal]]]:
    """Each account's daily followers observations in the period, by day (one query)."""
    levels: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for account_id, day, value in (
        MetricObservation.objects.filter(
            account_id__in=account_ids, metric="followers", date__range=(start, end)
        )
        .order_by("account_id", "date")
        .values_list("account_id", "date", "value")
    ):
        levels[account_id].append((day, value))
    return levels


def benchmark(selection: Selection, *, today: date) -> list[competitors.Benchmark]:
    """Own accounts, then competitors, each with its numbers over the period: five queries
    (posts counted per account; followers levels in the period; top posts; how fresh each
    account's data is, two)."""
    ids = selection.account_ids
    if not ids:
        return []
    return competitors.benchmark(
        selection.accounts,
        counts=post_counts(ids, selection.start, selection.end),
        levels=follower_levels(ids, selection.start, selection.end),
        weeks=competitors.weeks_elapsed(selection.start, selection.end, today),
        top_posts=top_posts(ids, selection.start, selection.end),
        freshness=freshness(selection.accounts),
    )
