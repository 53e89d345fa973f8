"""Reads behind the progress pages: every key result assessed, in a bounded number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from goals import progress
from goals.models import CheckIn, KeyResult, Objective, Status, Strategy
from goals.progress import Direction
from metrics import catalog
from metrics.models import Account
from metrics.selectors import Series, SeriesRequest, series_for
from teams import access


@dataclass
class KeyResultProgress:
    key_result: KeyResult
    assessment: progress.Assessment
    series: list[progress.Point]
    accounts: list[Account]

    @property
    def status(self) -> progress.Status:
        return self.assessment.status

    @property
    def metric(self) -> catalog.Metric | None:
        return self.key_result.metric

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

    @property
    def sparkline(self) -> str:
        """SVG polyline points (0–100 × 0–24) of the series, for a small inline chart."""
        values = [p.value for p in self.series][-60:]
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
    )


def key_results_with_relations(qs: QuerySet[KeyResult]) -> QuerySet[KeyResult]:
    return qs.select_related("objective__strategy__team", "objective__owner").prefetch_related(
        "accounts", Prefetch("check_ins", queryset=CheckIn.objects.order_by("date"))
    )


def assess_key_results(
    key_results: Sequence[KeyResult], *, today: date
) -> dict[int, KeyResultProgress]:
    """Assess many key results: their series come from one batch of queries."""
    team_ids = {kr.objective.strategy.team_id for kr in key_results}
    own: dict[int, list[Account]] = {}
    if team_ids:
        for account in Account.objects.filter(team_id__in=team_ids, is_competitor=False):
            own.setdefault(account.team_id, []).append(account)
    requests: list[SeriesRequest] = []
    chosen: dict[int, list[Account]] = {}
    for kr in key_results:
        # No accounts chosen: the key result counts all the team's own accounts.
        accounts = list(kr.accounts.all()) or own.get(kr.objective.strategy.team_id, [])
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
    series = series_for(requests)
    result: dict[int, KeyResultProgress] = {}
    for kr in key_results:
        if kr.is_manual:
            points = [
                progress.Point(c.date, float(c.value))
                for c in kr.check_ins.all()
                if c.value is not None
            ]
        else:
            found = series.get(kr.pk, Series())
            points = [progress.Point(d, v) for d, v in found.points]
        spec = spec_for(kr)
        result[kr.pk] = KeyResultProgress(
            key_result=kr,
            assessment=progress.assess(spec, points, today),
            series=points,
            accounts=chosen[kr.pk],
        )
    return result


@dataclass(frozen=True)
class DashboardFilters:
    team: int | None = None
    strategy: int | None = None
    status: str | None = None
    platform: str | None = None
    owner: int | None = None
    worst_first: bool = False


def dashboard(
    user: User | AnonymousUser, *, today: date, filters: DashboardFilters | None = None
) -> list[StrategyProgress]:
    """Every active strategy the user may see (or the chosen one), its objectives and key
    results assessed as of `today`. A fixed number of queries, whatever the plan's size."""
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
    assessed = assess_key_results(krs, today=today)

    objectives_qs = Objective.objects.filter(strategy__in=strategies).select_related(
        "owner", "strategy"
    )
    by_strategy: dict[int, StrategyProgress] = {
        s.pk: StrategyProgress(s) for s in strategies.order_by("team__name", "-period_start")
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
    if filters.worst_first:
        rank = {status: i for i, status in enumerate(progress.SEVERITY)}
        for strategy_row in by_strategy.values():
            for objective_row in strategy_row.objectives:
                objective_row.key_results.sort(key=lambda r: rank[r.status])
            strategy_row.objectives.sort(
                key=lambda o: min((rank[r.status] for r in o.key_results), default=99)
            )
    return list(by_strategy.values())


def key_result_for(user: User | AnonymousUser, pk: int) -> KeyResult:
    return access.get_object_for_user(
        user, key_results_with_relations(KeyResult.objects.all()), pk=pk
    )


def direction_label(kr: KeyResult) -> str:
    if kr.direction == Direction.BAND:
        return f"stay between {_fmt(kr.band_low)} and {_fmt(kr.band_high)}"
    return f"{_fmt(kr.baseline)} → {_fmt(kr.target)}"


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():,f}"


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
