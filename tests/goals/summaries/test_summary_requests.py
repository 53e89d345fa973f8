"""Asking for summaries: an identical pending request is answered with the pending one,
a team may ask for SUMMARY_REQUESTS_PER_HOUR an hour, and parallel requests get distinct
versions (no 500s)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from goals import periods
from goals.models import SummaryExport, SummaryStatus
from goals.summaries import services
from goals.summaries.services import (
    SummaryRateLimited,
    summary_export_create,
    summary_export_request,
)
from tests.factories import StrategyFactory

Q3 = periods.parse("2026Q3")
SUMMARIES = reverse("api:summary-list")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def queued(monkeypatch):
    """The queue, which leaves the machine: requests stay pending, as behind a busy worker."""
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(services, "enqueue_task", lambda name, *, args, task_id: sent.append(args))
    return sent


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- an identical pending request --------------------------------------------------------


def test_it_answers_an_identical_pending_request_with_the_pending_one(alice, team, queued):
    first, new = summary_export_request(user=alice, team=team, quarter=Q3, fmt="pdf")
    again, again_new = summary_export_request(user=alice, team=team, quarter=Q3, fmt="pdf")
    assert (new, again_new) == (True, False)
    assert again.pk == first.pk and SummaryExport.objects.count() == 1


def test_it_makes_a_new_version_once_the_pending_one_is_finished(alice, team, queued):
    first = summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
    SummaryExport.objects.filter(pk=first.pk).update(status=SummaryStatus.READY)
    fresh = summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
    assert fresh.pk != first.pk and fresh.version == 2


def test_it_does_not_share_a_pending_request_across_strategies_or_formats(alice, team, queued):
    strategy = StrategyFactory(team=team)
    exports = {
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf").pk,
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="csv").pk,
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf", strategy=strategy).pk,
    }
    assert len(exports) == 3


def test_it_answers_the_second_identical_api_request_with_the_first(alice, team, queued):
    body = {"team": team.pk, "quarter": "2026Q3", "format": "pdf"}
    first = _api(alice).post(SUMMARIES, body, format="json")
    second = _api(alice).post(SUMMARIES, body, format="json")
    assert first.status_code == 202 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second["Location"] == first["Location"]
    assert SummaryExport.objects.count() == 1


def test_it_sends_the_second_identical_page_request_to_the_first(alice_client, team, queued):
    data = {"team": team.pk, "quarter": "2026-Q3", "format": "pdf"}
    first = alice_client.post(reverse("goals:summaries"), data)
    second = alice_client.post(reverse("goals:summaries"), data, follow=True)
    export = SummaryExport.objects.get()
    assert first.url == reverse("goals:summary", args=[export.pk])
    assert second.redirect_chain[-1][0] == first.url
    assert "already asked for" in second.content.decode()


# --- the rate ----------------------------------------------------------------------------


@pytest.fixture
def two_an_hour(settings):
    settings.SUMMARY_REQUESTS_PER_HOUR = 2


def test_it_refuses_a_request_over_the_teams_rate_with_429_and_retry_after(
    alice, bob, team, queued, two_an_hour
):
    with time_machine.travel(NOW, tick=False):
        assert (
            _api(alice)
            .post(SUMMARIES, {"team": team.pk, "quarter": "2026Q3", "format": "pdf"}, format="json")
            .status_code
            == 202
        )
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        assert (
            _api(bob)
            .post(SUMMARIES, {"team": team.pk, "quarter": "2026Q3", "format": "csv"}, format="json")
            .status_code
            == 202
        )
        response = _api(bob).post(
            SUMMARIES, {"team": team.pk, "quarter": "2026Q3", "format": "xlsx"}, format="json"
        )
    assert response.status_code == 429
    assert response["Retry-After"] == str(40 * 60)  # when the first is an hour old
    assert "2 summaries in the last hour" in response.json()["detail"]
    assert SummaryExport.objects.count() == 2


def test_an_identical_pending_request_is_answered_even_over_the_rate(
    alice, team, queued, two_an_hour
):
    first = summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
    summary_export_create(user=alice, team=team, quarter=Q3, fmt="csv")
    assert summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf").pk == first.pk


def test_the_page_says_why_a_request_over_the_rate_is_refused(
    alice, alice_client, team, queued, two_an_hour
):
    summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
    summary_export_create(user=alice, team=team, quarter=Q3, fmt="csv")
    response = alice_client.post(
        reverse("goals:summaries"), {"team": team.pk, "quarter": "2026-Q3", "format": "xlsx"}
    )
    assert response.status_code == 429 and response["Retry-After"]
    assert "2 summaries in the last hour" in response.content.decode()
    assert SummaryExport.objects.count() == 2


def test_the_rate_frees_up_after_an_hour(alice, team, queued, two_an_hour):
    with time_machine.travel(NOW, tick=False):
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="csv")
        with pytest.raises(SummaryRateLimited):
            summary_export_create(user=alice, team=team, quarter=Q3, fmt="xlsx")
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        summary_export_create(user=alice, team=team, quarter=Q3, fmt="xlsx")
    assert SummaryExport.objects.count() == 3


def test_the_command_is_not_held_to_the_rate(alice, team, queued, two_an_hour, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    summary_export_create(user=alice, team=team, quarter=Q3, fmt="pdf")
    summary_export_create(user=alice, team=team, quarter=Q3, fmt="html")
    output = tmp_path / "q3.csv"
    call_command(
        "export_summary", "--team", team.slug, "--quarter", "2026Q3", "--format", "csv",
        "--output", str(output), stdout=StringIO(),
    )  # fmt: skip
    assert output.exists() and SummaryExport.objects.count() == 3
    # ... nor counted against the people's requests.
    SummaryExport.objects.filter(format="html").delete()
    assert summary_export_create(user=alice, team=team, quarter=Q3, fmt="xlsx").version == 1


# --- parallel requests (PostgreSQL) --------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel requests need PostgreSQL; SQLite serialises every write",
)


def _in_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
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
        thread.join(timeout=120)
    return results


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_strategy", [False, True])
def test_parallel_summaries_get_distinct_consecutive_versions(team, with_strategy):
    strategy = StrategyFactory(team=team) if with_strategy else None

    def make() -> int:
        export = summary_export_create(
            user=None,
            team=team,
            quarter=Q3,
            fmt="csv",
            strategy=strategy,
            enqueue=False,
            limit_rate=False,
        )
        return export.version

    versions = _in_threads([make] * 8)
    assert not [v for v in versions if isinstance(v, Exception)], versions
    assert sorted(versions) == list(range(1, 9)), versions


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_strategy", [False, True])
def test_parallel_identical_api_requests_share_one_summary(alice, team, queued, with_strategy):
    body = {"team": team.pk, "quarter": "2026Q3", "format": "pdf"}
    if with_strategy:
        body["strategy"] = StrategyFactory(team=team).pk

    def ask() -> tuple[int, int]:
        client = _api(alice)
        client.raise_request_exception = False  # a crash is a 500, as a client sees it
        response = client.post(SUMMARIES, body, format="json")
        return response.status_code, response.json().get("id")

    answers = _in_threads([ask] * 8)
    assert sorted(code for code, _ in answers) == [200] * 7 + [202], answers
    export = SummaryExport.objects.get()
    assert {pk for _, pk in answers} == {export.pk} and export.version == 1
    assert len(queued) == 1
