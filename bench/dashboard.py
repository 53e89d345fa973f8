"""`make bench` (part 2): the progress pages on a large PostgreSQL table.

A team with 20 key results over 30 accounts and two years of daily data, in a table that
other teams fill to about 10 million observations. Prints the server time of the dashboard
and of a key result page (target: under 300 ms each), and the database time of their
queries next to the same aggregation written by hand in SQL (target: within 2x).
"""

from __future__ import annotations

import io
import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

ROWS_TARGET = int(os.environ.get("BENCH_OBSERVATIONS", "10000000"))
METRICS = [
    "followers",
    "impressions",
    "engagements",
    "likes",
    "replies_received",
    "reshares_received",
    "link_clicks",
    "video_views",
    "posts",
    "replies",
    "with_posts",
    "broadcast_posts",
    "promo_posts",
    "questions",
    "reach",
]
DAYS = 730
TODAY = date(2026, 11, 15)


def _copy_observations(cursor, account_ids: list[int], start: date) -> int:  # type: ignore[no-untyped-def]
    rng = random.Random(3)  # noqa: S311 - reproducible benchmark data
    written = 0
    with cursor.copy(
        "COPY metrics_metricobservation (account_id, metric, date, value, source) FROM STDIN"
    ) as copy:
        for account_id in account_ids:
            level = rng.randint(500, 5000)
            for offset in range(DAYS):
                day = start + timedelta(days=offset)
                level += rng.randint(-2, 8)
                for metric in METRICS:
                    value = level if metric == "followers" else rng.randint(0, 500)
                    copy.write_row((account_id, metric, day, value, "file"))
                    written += 1
    return written


@dataclass
class Dataset:
    """The measured team: its owner, its 30 accounts and 20 key results (4 objectives)."""

    team: Any
    user: Any
    own: list[Any]
    krs: list[Any]
    quarter: Any


def build() -> Dataset:
    """Fill the database DATABASE_URL names (migrated, empty; PostgreSQL) with the data set:
    the measured team plus other teams' rows up to BENCH_OBSERVATIONS observations."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from goals import periods
    from goals.models import KeyResult, Objective, Strategy
    from metrics.models import Account
    from teams.models import Membership, Role, Team

    if connection.vendor != "postgresql":
        raise SystemExit("the dashboard benchmark runs on PostgreSQL")
    start = TODAY - timedelta(days=DAYS - 1)
    team = Team.objects.create(name="Bench", slug="bench-dashboard")
    filler_team = Team.objects.create(name="Others", slug="bench-others")
    own = [Account.objects.create(team=team, platform="x", handle=f"own{i}") for i in range(30)]
    per_account = DAYS * len(METRICS)
    filler_count = max(0, (ROWS_TARGET - 30 * per_account) // per_account)
    others = Account.objects.bulk_create(
        [Account(team=filler_team, platform="x", handle=f"other{i}") for i in range(filler_count)]
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        written = _copy_observations(cursor.cursor, [a.pk for a in own], start)
        written += _copy_observations(cursor.cursor, [a.pk for a in others], start)
        cursor.execute("ANALYZE metrics_metricobservation")
    print(
        f"  loaded {written:,} observations in {time.perf_counter() - started:.1f} s "
        f"({30 * per_account:,} for the measured team)"
    )

    user = get_user_model().objects.create_user("bench")
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    quarter = periods.quarter_of(TODAY)
    strategy = Strategy.objects.create(
        team=team, name="Bench", period_start=quarter.start, period_end=quarter.end, status="active"
    )
    kr_metrics = [
        "followers",
        "impressions",
        "engagement_rate",
        "reply_share",
        "with_at_ratio",
        "likes",
        "link_clicks",
        "video_views",
        "posts",
        "promo_posts",
    ] * 2
    krs = []
    for o in range(4):
        objective = Objective.objects.create(strategy=strategy, title=f"Objective {o}", order=o)
        for k in range(5):
            metric = kr_metrics[o * 5 + k]
            kr = KeyResult.objects.create(
                objective=objective,
                name=f"KR {o}.{k} {metric}",
                metric_key=metric,
                baseline=0,
                target=10**6,
                start_date=quarter.start,
                due_date=quarter.end,
                window="28d" if k % 2 else "period",
            )
            kr.accounts.set(own[(o * 5 + k) % 10 * 3 : (o * 5 + k) % 10 * 3 + 10])
            krs.append(kr)
    return Dataset(team=team, user=user, own=own, krs=krs, quarter=quarter)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data = build()
    user, own, krs, quarter = data.user, data.own, data.krs, data.quarter

    client = Client()
    client.force_login(user)

    def timed(url: str) -> tuple[float, float, int, float]:
        times, db_times, queries, reads = [], [], 0, []
        for _ in range(7):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url, {"as_of": TODAY.isoformat()})
                times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
            db_times.append(sum(float(q["time"]) for q in captured.captured_queries))
            reads.append(
                sum(
                    float(q["time"])
                    for q in captured.captured_queries
                    if "metrics_metricobservation" in q["sql"]
                )
            )
            queries = len(captured.captured_queries)
        return (
            statistics.median(times) * 1000,
            statistics.median(db_times) * 1000,
            queries,
            statistics.median(reads) * 1000,
        )

    dash, dash_db, dash_q, dash_read = timed("/")
    page, page_db, page_q, _ = timed(f"/key-results/{krs[2].pk}/")

    # The same aggregation by hand: daily sums per key result's accounts, metrics and days.
    wanted = []
    for kr in krs:
        measured = kr.metric
        assert measured is not None
        names = (
            [str(measured.numerator), str(measured.denominator)]
            if measured.numerator
            else [measured.key]
        )
        wanted.append(([a.pk for a in kr.accounts.all()], names))

    def hand_sql() -> float:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            for ids, names in wanted:
                cursor.execute(
                    "SELECT metric, date, SUM(value) FROM metrics_metricobservation "
                    "WHERE account_id = ANY(%s) AND metric = ANY(%s) AND date BETWEEN %s AND %s "
                    "GROUP BY metric, date",
                    [ids, names, quarter.start - timedelta(days=27), TODAY],
                )
                cursor.fetchall()
        return (time.perf_counter() - began) * 1000

    hand = statistics.median(hand_sql() for _ in range(7))
    print(
        f"  dashboard (20 key results): {dash:6.0f} ms server, {dash_db:6.0f} ms in "
        f"{dash_q} queries (target < 300 ms)"
    )
    print(
        f"  key result page:            {page:6.0f} ms server, {page_db:6.0f} ms in "
        f"{page_q} queries (target < 300 ms)"
    )
    print(
        f"  hand-written SQL, same aggregation for the 20 key results: {hand:6.1f} ms; the "
        f"dashboard's observation read {dash_read:.1f} ms = {dash_read / hand:.2f}x (target <= 2x)"
    )
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT account_id, metric, date, value FROM metrics_metricobservation "
            "WHERE account_id = ANY(%s) AND metric = ANY(%s) AND date BETWEEN %s AND %s",
            [[a.pk for a in own[:10]], ["impressions"], quarter.start, TODAY],
        )
        for (line,) in cursor.fetchall():
            buffer.write(f"    {line}\n")
    print("  plan of one key result's read:\n" + buffer.getvalue().rstrip())


if __name__ == "__main__":
    main()
