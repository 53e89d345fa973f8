"""The hooks where imports, syncs, check-ins and summaries finish, and the scheduled checks
(connectors turning stale, mentions waiting past the answer target)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from goals import periods
from goals.alerts import services as alerts
from goals.alerts.models import (
    AlertDelivery,
    AlertEvent,
    AlertSettings,
    ConnectorAlertState,
    EventKind,
)
from goals.models import SummaryFormat, SummaryStatus
from goals.summaries import services as summaries
from metrics.connectors.sync import connector_sync
from metrics.platforms import Platform
from tests.factories import AccountFactory, ConnectorFactory, InboundMentionFactory

pytestmark = pytest.mark.django_db


def test_a_connector_failing_three_times_in_a_row_raises_one_alert(team, alice, httpserver):
    account = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@social.test")
    connector = ConnectorFactory(account=account, base_url=httpserver.url_for("/"))
    # The platform refuses the token on every run (Mastodon's 401 body).
    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    for run in range(1, 5):
        outcome = connector_sync(connector_id=connector.pk)
        assert not outcome.ok
        state = ConnectorAlertState.objects.get(connector=connector)
        assert state.failures_in_a_row == run
        assert AlertEvent.objects.filter(kind=EventKind.CONNECTOR_FAILING).count() == (
            1 if run >= 3 else 0
        )
    event = AlertEvent.objects.get(kind=EventKind.CONNECTOR_FAILING)
    assert event.object_key == f"connector:{connector.pk}"
    assert "3 times in a row" in event.title
    connector.refresh_from_db()
    assert event.message == connector.last_error != ""  # the connector's own error


def test_a_success_resets_the_count(team):
    account = AccountFactory(team=team, platform=Platform.MASTODON)
    connector = ConnectorFactory(account=account)
    alerts.connector_sync_finished(connector_id=connector.pk, ok=False)
    alerts.connector_sync_finished(connector_id=connector.pk, ok=False)
    alerts.connector_sync_finished(connector_id=connector.pk, ok=True)
    alerts.connector_sync_finished(connector_id=connector.pk, ok=False)
    assert ConnectorAlertState.objects.get(connector=connector).failures_in_a_row == 1
    assert not AlertEvent.objects.exists()


def test_a_connector_whose_data_turned_stale_raises_one_alert(team, alice):
    account = AccountFactory(team=team, platform=Platform.MASTODON)
    long_ago = timezone.now() - timedelta(days=2)
    connector = ConnectorFactory(
        account=account, last_success_at=long_ago, last_attempt_at=long_ago
    )
    assert alerts.connectors_check() == 1
    assert alerts.connectors_check() == 0  # said once, until it syncs again
    event = AlertEvent.objects.get()
    assert event.kind == EventKind.CONNECTOR_STALE
    assert event.object_key == f"connector:{connector.pk}"


def test_a_requested_summary_ready_or_failed_is_told_to_who_asked(
    team, alice, bob, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    export = summaries.summary_export_create(
        user=bob,
        team=team,
        quarter=periods.parse("2026Q3"),
        fmt=SummaryFormat.CSV,
        enqueue=False,
    )
    export = summaries.summary_export_run(export_id=export.pk)
    assert export.status == SummaryStatus.READY
    event = AlertEvent.objects.get()
    assert event.kind == EventKind.SUMMARY_READY
    assert event.url.endswith(f"/summaries/{export.pk}/")
    assert list(event.deliveries.values_list("user__username", flat=True)) == ["bob"]


def test_a_mention_waiting_past_the_answer_target_raises_one_alert(team, alice):
    account = AccountFactory(team=team)
    published = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    mention = InboundMentionFactory(account=account, published_at=published)
    assert alerts.mentions_check(now=published + timedelta(hours=23)) == 0
    assert alerts.mentions_check(now=published + timedelta(hours=25)) == 1
    assert alerts.mentions_check(now=published + timedelta(hours=30)) == 0  # once
    event = AlertEvent.objects.get()
    assert event.kind == EventKind.MENTION_WAITING
    assert event.object_key == f"mention:{mention.pk}"
    assert f"@{mention.author_handle}" in event.title
    assert AlertDelivery.objects.filter(event=event, user=alice).exists()


def test_an_answered_mention_raises_nothing(team):
    account = AccountFactory(team=team)
    published = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    InboundMentionFactory(
        account=account, published_at=published, answered_at=published + timedelta(hours=1)
    )
    assert alerts.mentions_check(now=published + timedelta(hours=48)) == 0


def test_business_hours_and_the_teams_target_are_respected(team):
    team.time_zone = "Europe/Berlin"
    team.save()
    AlertSettings.objects.create(
        team=team,
        answer_target_hours=4,
        business_hours_only=True,
        business_start=time(9),
        business_end=time(17),
    )
    account = AccountFactory(team=team)
    friday_evening = datetime(2026, 11, 6, 18, 0, tzinfo=UTC)  # 19:00 in Berlin
    InboundMentionFactory(account=account, published_at=friday_evening)
    # Saturday and Sunday do not count; Monday 13:00 Berlin (12:00 UTC) is 4 business hours.
    assert alerts.mentions_check(now=datetime(2026, 11, 9, 11, 59, tzinfo=UTC)) == 0
    assert alerts.mentions_check(now=datetime(2026, 11, 9, 12, 1, tzinfo=UTC)) == 1
    assert AlertEvent.objects.get().day.isoformat() == "2026-11-09"


def test_a_check_in_hook_runs_in_the_check_ins_transaction(team, alice):
    """A check-in refused by validation (rolled back) leaves no alert state behind."""
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from goals import services
    from tests.goals.alerts.helpers import NOW, manual_key_result

    kr = manual_key_result(team)
    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationError):
        services.check_in_create(
            user=alice, key_result=kr, day=kr.due_date + timedelta(days=5), value=Decimal("1")
        )
    assert not AlertEvent.objects.exists()


def test_an_import_evaluates_the_key_results_it_touches(team, alice, settings, tmp_path):
    from datetime import date
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from metrics import services as metric_services
    from metrics.models import ImportStatus
    from tests.factories import KeyResultFactory, ObjectiveFactory, StrategyFactory
    from tests.metrics.importers.helpers import FIXTURES

    settings.MEDIA_ROOT = tmp_path
    x_q2 = (
        FIXTURES
        / "x"
        / "analytics_legacy"
        / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
    )
    AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    strategy = StrategyFactory(
        team=team, period_start=date(2026, 4, 1), period_end=date(2026, 6, 30)
    )
    kr = KeyResultFactory(
        objective=ObjectiveFactory(strategy=strategy),
        metric_key="posts",
        baseline=Decimal(0),
        target=Decimal(100000),
    )
    alerts.key_results_evaluate(team_ids=[team.pk])  # no data yet: nothing to say
    assert not AlertEvent.objects.exists()
    job = metric_services.import_job_create(
        team=team,
        user=alice,
        upload=SimpleUploadedFile(x_q2.name, x_q2.read_bytes()),
        enqueue=False,
    )
    job = metric_services.import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.SUCCEEDED
    event = AlertEvent.objects.get()
    assert event.kind == EventKind.KR_OFF_TRACK and event.key_result_id == kr.pk
