"""Reads that aggregate: the series behind key results, in a bounded number of queries.

Numbers follow the catalogue's kinds (DESIGN.md):
- stock: the latest value on or before a day, summed over the accounts;
- flow: a sum of daily values over the window (the period so far, or the last N days);
- ratio: sum(numerator) / sum(denominator) over the same window, never a mean of ratios;
- distinct: distinct handles addressed in posts over the window;
- percentile: a percentile of the response times of mentions received in the window.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from metrics import catalog
from metrics.catalog import Kind
from metrics.models import Account, InboundMention, MetricObservation, Post
from metrics.responses import is_due, percentile

WINDOW_DAYS = {"7d": 7, "28d": 28, "90d": 90}


@dataclass(frozen=True)
class SeriesRequest:
    """What one key result measures."""

    key: int  # the caller's id for this request (the key result's pk)
    metric: str
    account_ids: tuple[int, ...]
    start: date
    end: date  # the last day to compute (today, or the due date if earlier)
    window: str = "period"  # "period" (since start) or "7d" / "28d" / "90d"


@dataclass
class Series:
    """Daily values of a key result's number, and the last day that had data."""

    points: list[tuple[date, float]] = field(default_factory=list)
    as_of: date | None = None

    @property
    def current(self) -> float | None:
        return self.points[-1][1] if self.points else None


def own_account_ids(team_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Each team's own (not competitor) accounts: what a key result without accounts covers."""
    result: dict[int, list[int]] = defaultdict(list)
    for team_id, account_id in (
        Account.objects.filter(team_id__in=list(team_ids), is_competitor=False)
        .order_by("pk")
        .values_list("team_id", "pk")
    ):
        result[team_id].append(account_id)
    return {team: tuple(ids) for team, ids in result.items()}


def series_for(requests: Sequence[SeriesRequest]) -> dict[int, Series]:
    """The series of many key results at once: at most six queries whatever their number
    (daily sums per key result; levels per account; the last levels before the start, two;
    posts for people addressed; mentions for response times)."""
    if not requests:
        return {}
    by_kind: dict[Kind, list[SeriesRequest]] = defaultdict(list)
    elsewhere: dict[catalog.Source, list[SeriesRequest]] = defaultdict(list)
    for request in requests:
        metric = catalog.get(request.metric)
        if metric.source in catalog.SERIES_PROVIDERS:
            elsewhere[metric.source].append(request)
        else:
            by_kind[metric.kind].append(request)
    result: dict[int, Series] = {}
    # Metrics another app computes (listening), through the provider it registered.
    for source, grouped in elsewhere.items():
        result.update(catalog.SERIES_PROVIDERS[source](grouped))
    summed = _daily_sums([*by_kind.get(Kind.FLOW, []), *by_kind.get(Kind.RATIO, [])])
    for request in by_kind.get(Kind.FLOW, []):
        result[request.key] = _flow(request, summed)
    for request in by_kind.get(Kind.RATIO, []):
        result[request.key] = _ratio(request, summed)
    stocks = by_kind.get(Kind.STOCK, [])
    if stocks:
        daily = _daily_values(stocks)
        before = _levels_before(stocks)
        for request in stocks:
            result[request.key] = _stock(request, daily, before)
    distinct = by_kind.get(Kind.DISTINCT, [])
    if distinct:
        addressed = _addressed_by_day(distinct)
        for request in distinct:
            result[request.key] = _distinct(request, addressed)
    percentiles = by_kind.get(Kind.PERCENTILE, [])
    if percentiles:
        waits = _response_minutes_by_day(percentiles)
        for request in percentiles:
            result[request.key] = _percentile(request, waits)
    return result


# --- daily numbers ---------------------------------------------------------------------

DailyValues = dict[tuple[int, str], dict[date, Decimal]]


def _metrics_read(request: SeriesRequest) -> list[str]:
    metric = catalog.get(request.metric)
    if metric.kind is Kind.RATIO:
        return [str(metric.numerator), str(metric.denominator)]
    if metric.kind in (Kind.DISTINCT, Kind.PERCENTILE):
        return []
    return [metric.key]


def _window_start(request: SeriesRequest) -> date:
    days = WINDOW_DAYS.get(request.window)
    return request.start - timedelta(days=days - 1) if days else request.start


def _read_spans(
    requests: Sequence[SeriesRequest],
) -> tuple[list[tuple[tuple[int, ...], str, date, date]], dict[tuple[int, str], int]]:
    """The daily sums to read: one span of days per accounts and metric, overlapping
    windows merged, so that key results measuring the same accounts (the same one with
    two windows; this period and the previous one's stretch that overlaps it) read each
    row once. Returns the spans and, per (request key, metric), the index of its span.

    A day's sum does not depend on the window, and the windowed sums only look at the
    days of their own window: a span holding more days changes no number."""
    wanted: dict[tuple[tuple[int, ...], str], list[tuple[date, date, int, str]]] = defaultdict(list)
    for request in requests:
        if request.end < request.start or not request.account_ids:
            continue
        for metric in _metrics_read(request):
            wanted[(request.account_ids, metric)].append(
                (_window_start(request), request.end, request.key, metric)
            )
    spans: list[tuple[tuple[int, ...], str, date, date]] = []
    span_of: dict[tuple[int, str], int] = {}
    for (account_ids, metric), reads in wanted.items():
        reads.sort()
        first, last = reads[0][0], reads[0][1]
        members: list[tuple[int, str]] = []
        for read_first, read_last, key, read_metric in reads:
            if read_first > last + timedelta(days=1):
                for member in members:
                    span_of[member] = len(spans)
                spans.append((account_ids, metric, first, last))
                first, last, members = read_first, read_last, []
            last = max(last, read_last)
            members.append((key, read_metric))
        for member in members:
            span_of[member] = len(spans)
        spans.append((account_ids, metric, first, last))
    return spans, span_of


def _daily_sums(requests: Sequence[SeriesRequest]) -> DailyValues:
    """Per key result, metric and day, the sum over its accounts — summed in the database,
    in one query: a list of (span, account, metric, days) joined to the unique
    (account, metric, date) index, then grouped (spans: `_read_spans`)."""
    spans, span_of = _read_spans(requests)
    wanted: list[tuple[int, int, str, date, date]] = [
        (number, account_id, metric, first, last)
        for number, (account_ids, metric, first, last) in enumerate(spans)
        for account_id in account_ids
    ]
    sums: DailyValues = defaultdict(dict)
    if not wanted:
        return sums
    params: list[Any]
    if connection.vendor == "postgresql":
        # Five arrays, not a VALUES list of five parameters a row: psycopg splits a query
        # with thousands of placeholders in Python on every call (over 100 ms for the
        # dashboard's 20 key results, the page's largest cost under load).
        params = [list(column) for column in zip(*wanted, strict=True)]
        wanted_sql = (
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[], %s::date[])"
        )
    else:
        adapt = connection.ops.adapt_datefield_value
        params = []
        for number, account_id, metric, first, last in wanted:
            params += [number, account_id, metric, adapt(first), adapt(last)]
        wanted_sql = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(wanted))
    table = MetricObservation._meta.db_table
    sql = (
        f"WITH wanted (span, account_id, metric, first_day, last_day) AS ({wanted_sql}) "  # noqa: S608
        f"SELECT w.span, o.date, SUM(o.value) FROM wanted w JOIN {table} o "
        "ON o.account_id = w.account_id AND o.metric = w.metric "
        "AND o.date BETWEEN w.first_day AND w.last_day "
        "GROUP BY w.span, o.date"
    )
    date_field = MetricObservation._meta.get_field("date")
    value_field = MetricObservation._meta.get_field("value")
    by_span: dict[int, dict[date, Decimal]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for number, day, total in cursor.fetchall():
            if not isinstance(day, date):  # SQLite hands back text
                day = date_field.to_python(day)
            if not isinstance(total, Decimal):  # SQLite's SUM is a float or an int
                total = value_field.to_python(total)
            by_span[number][day] = total
    for member, number in span_of.items():
        if number in by_span:
            sums[member] = by_span[number]  # shared by the key results reading the span
    return sums


def _daily_values(requests: Sequence[SeriesRequest]) -> DailyValues:
    """Each account's daily values (levels are not summed by day: each account's latest
    level counts), in one query."""
    condition = Q()
    for request in requests:
        metrics = _metrics_read(request)
        if metrics and request.account_ids and request.end >= request.start:
            condition |= Q(
                account_id__in=request.account_ids,
                metric__in=metrics,
                date__range=(_window_start(request), request.end),
            )
    values: DailyValues = defaultdict(dict)
    if not condition:
        return values
    rows = (
        MetricObservation.objects.filter(condition)
        .order_by()  # no join to the accounts' ordering: the days are keyed, not listed
        .values_list("account_id", "metric", "date", "value")
    )
    for account_id, metric, day, value in rows:
        values[(account_id, metric)][day] = value
    return values


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _windowed(request: SeriesRequest, by_day: dict[date, Decimal]) -> list[tuple[date, Decimal]]:
    """Running sums up to each day: since the start ("period"), or over the last N days."""
    last_data = max((d for d in by_day if request.start <= d <= request.end), default=None)
    if last_data is None:
        return []
    days = WINDOW_DAYS.get(request.window)
    points: list[tuple[date, Decimal]] = []
    running = Decimal(0)
    if days:
        # A sliding window: the days before the start that the first window reaches, then
        # each day in and the day that falls out (exact: Decimal sums well within precision).
        running = sum(
            (by_day.get(request.start - timedelta(days=k), Decimal(0)) for k in range(1, days)),
            Decimal(0),
        )
    for day in _days(request.start, last_data):
        running += by_day.get(day, Decimal(0))
        points.append((day, running))
        if days:
            running -= by_day.get(day - timedelta(days=days - 1), Decimal(0))
    return points


def _flow(request: SeriesRequest, sums: DailyValues) -> Series:
    by_day = sums.get((request.key, request.metric), {})
    points = _windowed(request, by_day)
    return Series([(d, float(v)) for d, v in points], points[-1][0] if points else None)


def _ratio(request: SeriesRequest, sums: DailyValues) -> Series:
    metric = catalog.get(request.metric)
    numerators = _windowed(request, sums.get((request.key, str(metric.numerator)), {}))
    denominators = dict(_windowed(request, sums.get((request.key, str(metric.denominator)), {})))
    points = []
    for day, num in numerators:
        den = denominators.get(day)
        if den:
            points.append((day, float(num / den) * metric.scale))
    return Series(points, points[-1][0] if points else None)


def _levels_before(requests: Sequence[SeriesRequest]) -> DailyValues:
    """For levels, each account's last value before the start of each request reading it
    (a key result and its previous period read the same account from two starts: each gets
    its own), in two queries: the day, found by the (account, metric, date) index for each
    (account, metric, start), then the values. _stock picks the one before its start."""
    wanted = sorted(
        {
            (account_id, request.metric, request.start)
            for request in requests
            for account_id in request.account_ids
        }
    )
    found: DailyValues = defaultdict(dict)
    if not wanted:
        return found
    params: list[Any]
    if connection.vendor == "postgresql":
        params = [list(column) for column in zip(*wanted, strict=True)]
        wanted_sql = "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::date[])"
    else:
        adapt = connection.ops.adapt_datefield_value
        params = []
        for account_id, metric, day in wanted:
            params += [account_id, metric, adapt(day)]
        wanted_sql = "VALUES " + ", ".join(["(%s, %s, %s)"] * len(wanted))
    table = MetricObservation._meta.db_table
    sql = (
        f"WITH wanted (account_id, metric, first_day) AS ({wanted_sql}) "  # noqa: S608
        f"SELECT w.account_id, w.metric, (SELECT MAX(o.date) FROM {table} o "
        "WHERE o.account_id = w.account_id AND o.metric = w.metric AND o.date < w.first_day) "
        "FROM wanted w"
    )
    date_field = MetricObservation._meta.get_field("date")
    pairs = Q()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for account_id, metric, last in cursor.fetchall():
            if last is None:
                continue
            if not isinstance(last, date):  # SQLite hands back text
                last = date_field.to_python(last)
            pairs |= Q(account_id=account_id, metric=metric, date=last)
    if pairs:
        rows = (
            MetricObservation.objects.filter(pairs)
            .order_by()  # no join to the accounts' ordering
            .values_list("account_id", "metric", "date", "value")
        )
        for account_id, metric, day, value in rows:
            found[(account_id, metric)][day] = value
    return found


def _stock(request: SeriesRequest, daily: DailyValues, before: DailyValues) -> Series:
    """The sum over accounts of each account's latest level, on the days that had data."""
    latest: dict[int, Decimal] = {}
    for account_id in request.account_ids:
        earlier = before.get((account_id, request.metric), {})
        days = [day for day in earlier if day < request.start]
        if days:
            latest[account_id] = earlier[max(days)]
    changes: dict[date, dict[int, Decimal]] = defaultdict(dict)
    for account_id in request.account_ids:
        for day, value in daily.get((account_id, request.metric), {}).items():
            if request.start <= day <= request.end:
                changes[day][account_id] = value
    points = []
    for day in sorted(changes):
        latest.update(changes[day])
        points.append((day, float(sum(latest.values(), Decimal(0)))))
    return Series(points, points[-1][0] if points else None)


def _local_days_in_windows(requests: Sequence[SeriesRequest]) -> Q:
    """Rows (posts, mentions) of the requests' accounts on the days their windows cover."""
    condition = Q()
    for request in requests:
        if request.account_ids:
            condition |= Q(
                account_id__in=request.account_ids,
                local_date__range=(_window_start(request), request.end),
            )
    return condition


def _addressed_by_day(requests: Sequence[SeriesRequest]) -> dict[int, dict[date, set[str]]]:
    condition = _local_days_in_windows(requests)
    found: dict[int, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    if not condition:
        return found
    for account_id, day, addressed in Post.objects.filter(condition).values_list(
        "account_id", "local_date", "addressed"
    ):
        if addressed:
            found[account_id][day].update(addressed)
    return found


def _distinct(request: SeriesRequest, addressed: dict[int, dict[date, set[str]]]) -> Series:
    """Distinct people addressed over the window, day by day (not a sum of daily counts)."""
    by_day: dict[date, set[str]] = defaultdict(set)
    for account_id in request.account_ids:
        for day, handles in addressed.get(account_id, {}).items():
            by_day[day] |= handles
    last = max((d for d in by_day if request.start <= d <= request.end), default=None)
    if last is None:
        return Series()
    days = WINDOW_DAYS.get(request.window)
    points = []
    seen: set[str] = set()
    for day in _days(request.start, last):
        if days:
            seen = set().union(*(by_day.get(day - timedelta(days=k), set()) for k in range(days)))
        else:
            seen |= by_day.get(day, set())
        points.append((day, float(len(seen))))
    return Series(points, last)


def _response_minutes_by_day(
    requests: Sequence[SeriesRequest],
) -> dict[int, dict[date, list[int]]]:
    condition = _local_days_in_windows(requests)
    found: dict[int, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    if not condition:
        return found
    answered = InboundMention.objects.filter(
        condition, needs_answer=True, response_minutes__isnull=False
    )
    for account_id, day, minutes in answered.values_list(
        "account_id", "local_date", "response_minutes"
    ):
        if minutes is not None:
            found[account_id][day].append(minutes)
    return found


def _percentile(request: SeriesRequest, waits: dict[int, dict[date, list[int]]]) -> Series:
    """A percentile of the response times of mentions received in the window, day by day."""
    pct = catalog.get(request.metric).percentile or 50
    by_day: dict[date, list[int]] = defaultdict(list)
    for account_id in request.account_ids:
        for day, minutes in waits.get(account_id, {}).items():
            by_day[day].extend(minutes)
    last = max((d for d in by_day if request.start <= d <= request.end), default=None)
    if last is None:
        return Series()
    days = WINDOW_DAYS.get(request.window)
    points = []
    running: list[int] = []
    for day in _days(request.start, last):
        if days:
            window = sorted(m for k in range(days) for m in by_day.get(day - timedelta(days=k), []))
        else:
            for wait in by_day.get(day, []):
                insort(running, wait)
            window = running
        value = percentile(window, pct)
        if value is not None:
            points.append((day, value))
    return Series(points, last)


# --- the conversation coming in -----------------------------------------------------------


@dataclass
class InboundSummary:
    """The conversation coming in over a window: who talked to the brand and how it answered."""

    inbound: int = 0
    answered: int = 0
    due: int = 0
    waiting: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.due if self.due else None


def inbound_summary(
    account_ids: Iterable[int], *, start: date, end: date, now: datetime, limit: timedelta
) -> InboundSummary:
    """Mentions received between start and end (the team's days), in one query."""
    summary = InboundSummary()
    waits: list[int] = []
    rows = InboundMention.objects.filter(
        account_id__in=list(account_ids), local_date__range=(start, end), needs_answer=True
    ).values_list("published_at", "answered_at", "response_minutes")
    for published_at, answered_at, minutes in rows:
        summary.inbound += 1
        if answered_at is not None:
            summary.answered += 1
            if minutes is not None:
                waits.append(minutes)
        else:
            summary.waiting += 1
        summary.due += is_due(
            published_at=published_at, answered_at=answered_at, now=now, limit=limit
        )
    waits.sort()
    summary.median_minutes = percentile(waits, 50)
    summary.p90_minutes = percentile(waits, 90)
    return summary


def mentions_waiting(account_ids: Iterable[int]) -> QuerySet[InboundMention]:
    """The accounts' unanswered mentions, oldest first: the conversation debt."""
    return (
        InboundMention.objects.waiting()
        .filter(account_id__in=list(account_ids))
        .select_related("account")
        .order_by("published_at", "pk")
    )
