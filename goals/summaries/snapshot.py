"""Quarterly summaries: the snapshot of numbers a summary document is made from.

`build_summary` reads the database once and returns plain data (goals.summaries.types):
every format (HTML, PDF, XLSX, CSV) renders from it, and it is stored with the document,
so a summary downloaded later is the same document even if the data changed since.
Key results are assessed with the same selectors and engine as the progress pages, as of
the quarter's end (or today, while the quarter runs), so the numbers agree with the pages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import F, Max, Q
from django.utils import timezone

from goals import periods, progress, selectors
from goals.annotations import selectors as annotation_selectors
from goals.models import CheckIn, KeyResult, Status, Strategy
from goals.periods import Period
from goals.summaries.types import (
    AnnotationSummary,
    CheckInInfo,
    CompetitorRow,
    ConversationNumbers,
    Freshness,
    KeyResultSummary,
    Mix,
    ObjectiveSummary,
    PostSummary,
    QuarterInfo,
    StrategySummary,
    Summary,
)
from metrics.models import Account, MetricObservation, Post
from metrics.selectors import Series, SeriesRequest, series_for
from teams.models import Team

SNAPSHOT_VERSION = 1
MIX_KEYS = ("conversation", "sharing", "helpful", "promotional")


def previous_quarter(quarter: Period) -> Period:
    return periods.preceding(quarter)


def _quarter_info(period: Period) -> QuarterInfo:
    return {
        "code": period.code,
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def build_summary(
    *,
    team: Team,
    quarter: Period,
    strategy: Strategy | None = None,
    generated_by: str = "",
    today: date | None = None,
    now: datetime | None = None,
) -> Summary:
    today = today or timezone.localdate()
    as_of = min(quarter.end, today)
    previous = previous_quarter(quarter)
    strategies = Strategy.objects.filter(
        team=team, period_start__lte=quarter.end, period_end__gte=quarter.start
    ).exclude(status=Status.DRAFT)
    if strategy is not None:
        strategies = strategies.filter(pk=strategy.pk)
    strategies = strategies.order_by("period_start", "pk")
    accounts = list(
        Account.objects.filter(team=team).order_by("is_competitor", "platform", "handle")
    )
    own = [a for a in accounts if not a.is_competitor]

    summary: Summary = {
        "version": SNAPSHOT_VERSION,
        "team": team.name,
        "team_slug": team.slug,
        "time_zone": team.time_zone,
        "quarter": _quarter_info(quarter),
        "previous_quarter": _quarter_info(previous),
        "strategy_filter": strategy.name if strategy is not None else None,
        "generated_at": (now or timezone.now()).isoformat(),
        "generated_by": generated_by,
        "freshness": _freshness(accounts, as_of),
        "strategies": _strategies(list(strategies), quarter, previous, as_of),
        "conversation": _conversation(team, own, list(strategies), quarter, previous, today),
        "top_posts": _posts(own, quarter, order="engagements"),
        "threads": _posts(own, quarter, order="replies"),
        "competitors": [],
        "follower_series": {},
        "annotations": _annotations(team, quarter, list(strategies) if strategy else None),
    }
    _competitors(summary, team, accounts, quarter, today)
    return summary


def _annotations(
    team: Team, quarter: Period, strategies: list[Strategy] | None
) -> list[AnnotationSummary]:
    """The team's annotations in the quarter; for a summary of one strategy, those of other
    strategies' key results are left out."""
    rows: list[AnnotationSummary] = []
    chosen = None if strategies is None else {s.pk for s in strategies}
    for a in annotation_selectors.annotations_in_period(
        team_id=team.pk, start=quarter.start, end=quarter.end
    ):
        kr = a.key_result
        if kr is not None and chosen is not None and kr.objective.strategy_id not in chosen:
            continue
        rows.append(
            {
                "date": a.date.isoformat(),
                "end_date": a.end_date.isoformat() if a.end_date else None,
                "title": a.title,
                "note": a.note,
                "scope": a.scope_label,
                "account": str(a.account) if a.account is not None else None,
                "key_result": kr.name if kr is not None else None,
            }
        )
    return rows


def _freshness(accounts: list[Account], as_of: date) -> list[Freshness]:
    ids = [a.pk for a in accounts]
    last_observation = dict(
        MetricObservation.objects.filter(account_id__in=ids, date__lte=as_of)
        .values("account_id")
        .annotate(last=Max("date"))
        .values_list("account_id", "last")
    )
    last_post = dict(
        Post.objects.filter(account_id__in=ids, local_date__lte=as_of)
        .values("account_id")
        .annotate(last=Max("local_date"))
        .values_list("account_id", "last")
    )
    rows: list[Freshness] = []
    for account in accounts:
        days = [d for d in (last_observation.get(account.pk), last_post.get(account.pk)) if d]
        rows.append(
            {
                "account": str(account),
                "platform": account.platform,
                "competitor": account.is_competitor,
                "data_up_to": max(days).isoformat() if days else None,
            }
        )
    return rows


def _value_on(points: list[progress.Point], day: date) -> float | None:
    before = [p.value for p in points if p.day <= day]
    return before[-1] if before else None


def _previous_values(krs: list[KeyResult], previous: Period) -> dict[int, float | None]:
    """Each key result's measure over the previous quarter (its value at that quarter's end)."""
    requests = []
    for kr in krs:
        if kr.is_manual:
            continue
        ids = tuple(a.pk for a in kr.accounts.all()) or tuple(
            Account.objects.filter(
                team_id=kr.objective.strategy.team_id, is_competitor=False
            ).values_list("pk", flat=True)
        )
        requests.append(
            SeriesRequest(kr.pk, kr.metric_key, ids, previous.start, previous.end, kr.window)
        )
    found = series_for(requests)
    values: dict[int, float | None] = {}
    for kr in krs:
        if kr.is_manual:
            earlier = [
                c for c in kr.check_ins.all() if c.date <= previous.end and c.value is not None
            ]
            values[kr.pk] = float(earlier[-1].value) if earlier else None  # type: ignore[arg-type]
        else:
            values[kr.pk] = found.get(kr.pk, Series()).current
    return values


def _strategies(
    strategies: list[Strategy], quarter: Period, previous: Period, as_of: date
) -> list[StrategySummary]:
    krs = list(
        selectors.key_results_with_relations(
            KeyResult.objects.filter(objective__strategy__in=strategies)
        ).order_by("objective__order", "objective__pk", "order", "pk")
    )
    assessed = selectors.assess_key_results(krs, today=as_of)
    before = _previous_values(krs, previous)
    result: list[StrategySummary] = []
    for strategy in strategies:
        objectives: list[ObjectiveSummary] = []
        for objective in strategy.objectives.select_related("owner").order_by("order", "pk"):
            rows = [
                _kr_summary(kr, assessed[kr.pk], quarter, as_of, before.get(kr.pk))
                for kr in krs
                if kr.objective_id == objective.pk
            ]
            objectives.append(
                {
                    "title": objective.title,
                    "owner": objective.owner.get_full_name() or objective.owner.get_username()
                    if objective.owner
                    else "",
                    "weight": float(objective.weight),
                    "progress": progress.weighted_mean(
                        [(r["progress"], r["weight"]) for r in rows]
                    ),
                    "key_results": rows,
                }
            )
        result.append(
            {
                "name": strategy.name,
                "status": strategy.status,
                "period_start": strategy.period_start.isoformat(),
                "period_end": strategy.period_end.isoformat(),
                "purpose": strategy.purpose,
                "progress": progress.weighted_mean(
                    [(o["progress"], o["weight"]) for o in objectives]
                ),
                "objectives": objectives,
            }
        )
    return result


def _kr_summary(
    kr: KeyResult, row: Any, quarter: Period, as_of: date, previous_value: float | None
) -> KeyResultSummary:
    a: progress.Assessment = row.assessment
    spec = progress.Spec(
        baseline=float(kr.baseline),
        target=_f(kr.target),
        direction=progress.Direction(kr.direction),
        start=kr.start_date,
        due=kr.due_date,
        band_low=_f(kr.band_low),
        band_high=_f(kr.band_high),
    )
    runs_past = kr.due_date > quarter.end
    latest = [c for c in kr.check_ins.all() if c.date <= as_of]
    check_in: CheckInInfo | None = None
    if latest:
        c: CheckIn = latest[-1]
        check_in = {
            "date": c.date.isoformat(),
            "value": _f(c.value),
            "confidence": c.get_confidence_display(),
            "note": c.note,
        }
    start_day = max(quarter.start, kr.start_date)
    metric = kr.metric
    return {
        "id": kr.pk,
        "name": kr.name,
        "metric_key": kr.metric_key,
        "metric_label": metric.label if metric else "Manual",
        "unit": kr.unit,
        "direction": kr.direction,
        "baseline": float(kr.baseline),
        "target": _f(kr.target),
        "band_low": _f(kr.band_low),
        "band_high": _f(kr.band_high),
        "start_date": kr.start_date.isoformat(),
        "due_date": kr.due_date.isoformat(),
        "weight": float(kr.weight),
        "value_at_start": _value_on(row.series, start_day),
        "value_at_end": a.current,
        "as_of": a.as_of.isoformat() if a.as_of else None,
        "previous_value": previous_value,
        "change_vs_previous": (
            a.current - previous_value
            if a.current is not None and previous_value is not None
            else None
        ),
        "progress": a.progress,
        "expected_at_end": progress.expected_value(spec, quarter.end),
        "status": a.status.value,
        "status_label": a.status.label,
        "forecast_at_due": a.forecast.at_due if runs_past and a.forecast else None,
        "forecast_low": a.forecast.low if runs_past and a.forecast else None,
        "forecast_high": a.forecast.high if runs_past and a.forecast else None,
        "latest_check_in": check_in,
        "series": [(p.day.isoformat(), p.value) for p in row.series],
    }


def _numbers(selection: selectors.Selection) -> ConversationNumbers:
    report = selectors.conversation_health(selection)
    shares = {m.key: m for m in report.mix}
    weeks = report.weeks
    replies = sum(w.replies for w in weeks)
    posts = sum(w.posts for w in weeks)
    with_posts = sum(w.with_posts for w in weeks)
    broadcast = sum(w.broadcast_posts for w in weeks)
    mix: Mix = {
        key: (
            shares[key].count / shares[key].total if key in shares and shares[key].total else None
        )
        for key in MIX_KEYS
    }  # type: ignore[assignment]
    return {
        "posts": len(report.posts),
        "mix": mix,
        "reply_share": replies / posts if posts else None,
        "with_at_ratio": with_posts / broadcast if broadcast else None,
        "people_addressed": report.people.total,
        "new_people": report.people.new,
        "questions": report.questions,
    }


def _conversation(
    team: Team,
    own: list[Account],
    strategies: list[Strategy],
    quarter: Period,
    previous: Period,
    today: date,
) -> Any:
    plan = strategies[0] if strategies else None

    def selection(period: Period) -> selectors.Selection:
        return selectors.Selection(
            team=team,
            strategy=plan,
            start=period.start,
            end=period.end,
            accounts=tuple(own),
            choices=tuple(own),
        )

    planned: Mix | None = None
    if plan is not None:
        planned = {key: value / 100 for key, value in plan.mix.items()}  # type: ignore[assignment]
    return {
        "planned_mix": planned,
        "current": _numbers(selection(quarter)),
        "previous": _numbers(selection(previous)),
    }


def _posts(own: list[Account], quarter: Period, *, order: str) -> list[PostSummary]:
    posts = (
        Post.objects.filter(account__in=own, local_date__range=(quarter.start, quarter.end))
        .exclude(Q(**{f"{order}__isnull": True}))
        .select_related("account")
        .order_by(F(order).desc(nulls_last=True), "-published_at")[:10]
    )
    return [
        {
            "account": str(p.account),
            "published_at": p.published_at.isoformat(),
            "text": p.text,
            "permalink": p.permalink,
            "engagements": _f(p.engagements),
            "likes": _f(p.likes),
            "replies": _f(p.replies),
        }
        for p in posts
    ]


def _competitors(
    summary: Summary, team: Team, accounts: list[Account], quarter: Period, today: date
) -> None:
    selection = selectors.Selection(
        team=team,
        strategy=None,
        start=quarter.start,
        end=quarter.end,
        accounts=tuple(accounts),
        choices=tuple(accounts),
    )
    rows: list[CompetitorRow] = []
    for row in selectors.benchmark(selection, today=today):
        top = row.top_posts[0] if row.top_posts else None
        rows.append(
            {
                "account": str(row.account),
                "competitor": row.account.is_competitor,
                "follower_growth": row.follower_growth,
                "posts_per_week": row.posts_per_week,
                "engagement_per_post": row.engagement_per_post,
                "reply_share": row.reply_share,
                "with_at": row.with_at,
                "top_post": None
                if top is None
                else {
                    "account": str(row.account),
                    "published_at": top.published_at.isoformat(),
                    "text": top.text,
                    "permalink": top.permalink,
                    "engagements": float(top.engagements),
                    "likes": None,
                    "replies": None,
                },
            }
        )
        if row.levels:
            summary["follower_series"][str(row.account)] = [
                (day.isoformat(), float(value)) for day, value in row.levels
            ]
    names = {account.pk: str(account) for account in accounts}
    summary["reply_share_weeks"] = {
        names[account_id]: [(day.isoformat(), share) for day, share in weeks]
        for account_id, weeks in selectors.weekly_reply_share(selection).items()
        if account_id in names
    }
    summary["competitors"] = rows
