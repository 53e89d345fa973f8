"""Writers of one account at the same time: imports and bulk requests wait for each other
in a fixed order (the account locks, by account id) instead of deadlocking.

These tests need real concurrency, so they run on PostgreSQL (SQLite allows one writer
at a time for the whole database and would only measure its busy timeout)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from bench.generate import daily_series
from metrics.models import ImportStatus, MetricObservation
from metrics.services import import_path
from tests.factories import AccountFactory

BULK = reverse("api:observation-bulk")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers need PostgreSQL; SQLite serialises every write",
    ),
]


def _in_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread (its own connection), started together; a job's
    exception is returned as its result. Each thread closes its connection."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[i] = job()
        except Exception as exc:  # reported by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _post(user, rows: list[dict[str, Any]]) -> Callable[[], int]:
    def post() -> int:
        client = APIClient()
        client.force_authenticate(user)
        client.raise_request_exception = False  # a crash is a 500, as a client sees it
        return client.post(BULK, {"rows": rows}, format="json").status_code

    return post


def _value(metric: str, day: date) -> int:
    return day.toordinal() % 1000 + len(metric)


def test_it_answers_every_request_posting_the_same_rows_in_another_order(alice, team):
    accounts = [
        AccountFactory(team=team, platform="x", handle="loomwell"),
        AccountFactory(team=team, platform="bluesky", handle="loomwell.bsky.social"),
    ]
    first = date(2023, 1, 1)
    rows = [
        {
            "account": account.pk,
            "metric": metric,
            "date": (first + timedelta(days=d)).isoformat(),
            "value": _value(metric, first + timedelta(days=d)),
        }
        for account in accounts
        for metric in ("impressions", "likes", "link_clicks")
        for d in range(500)
    ]
    orders = []
    for seed in range(3):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)  # noqa: S311 - reproducible test data
        orders.append(shuffled)

    statuses = _in_threads([_post(alice, order) for order in orders for _ in range(2)])

    assert statuses == [200] * 6
    stored = MetricObservation.objects.all()
    assert stored.count() == 3000
    assert all(o.value == _value(o.metric, o.date) for o in stored)


def test_an_import_and_bulk_batches_of_the_same_account_wait_for_each_other(
    tmp_path, alice, team, settings
):
    # The generated series starts in 1900 (bench/generate.py): open the accepted window.
    settings.INGEST_FIRST_DAY, settings.INGEST_DAYS_AHEAD = date(1800, 1, 1), 2_000_000
    account = AccountFactory(team=team, platform="facebook", handle="loomwellroasters")
    path = daily_series(tmp_path / "follows.csv", 20_000)  # new_followers from 1900-01-01
    first = date(1900, 1, 1)
    # Bulk batches of the same account: other metrics on the import's days, and the
    # import's own metric on days after its file ends.
    batches = [
        [
            {
                "account": account.pk,
                "metric": metric,
                "date": (first + timedelta(days=batch * 2000 + d)).isoformat(),
                "value": _value(metric, first + timedelta(days=batch * 2000 + d)),
            }
            for d in range(2000)
        ]
        for batch in range(5)
        for metric in ["impressions"]
    ]
    batches += [
        [
            {
                "account": account.pk,
                "metric": "new_followers",
                "date": (first + timedelta(days=20_000 + batch * 1000 + d)).isoformat(),
                "value": 7,
            }
            for d in range(1000)
        ]
        for batch in range(5)
    ]

    def run_import() -> Any:
        return import_path(team=team, path=path, account=account)

    results = _in_threads([run_import, *(_post(alice, batch) for batch in batches)])

    job, statuses = results[0], results[1:]
    assert not isinstance(job, Exception), job
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert job.rows_created == 20_000
    assert statuses == [200] * len(batches)
    stored = MetricObservation.objects.filter(account=account)
    assert stored.filter(metric="new_followers").count() == 25_000
    assert stored.filter(metric="impressions").count() == 10_000
    assert all(
        o.value == _value("impressions", o.date) for o in stored.filter(metric="impressions")
    )
    end = first + timedelta(days=20_000)
    assert stored.filter(metric="new_followers", date__gte=end, value=7).count() == 5000
    imported = stored.filter(metric="new_followers", date__lt=end)
    assert imported.count() == 20_000 and not imported.filter(value=7, source="bulk").exists()
