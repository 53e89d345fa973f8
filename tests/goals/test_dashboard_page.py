from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import CheckIn, Status
from metrics.models import MetricObservation
from metrics.platforms import Platform
from tests.factories import AccountFactory, KeyResultFactory, ObjectiveFactory, StrategyFactory

DASHBOARD = reverse("goals:dashboard")
TODAY = "2026-08-16"  # half way through 2026 Q3 (46 of 91 days: pacing 0.5)


@pytest.fixture
def plan(team, alice):
    strategy = StrategyFactory(team=team, name="Q3 plan", status=Status.ACTIVE)
    objective = ObjectiveFactory(strategy=strategy, title="Grow", owner=alice)
    x = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    followers = KeyResultFactory(
        objective=objective,
        name="Followers to 200",
        metric_key="followers",
        baseline=Decimal(100),
        target=Decimal(200),
    )
    followers.accounts.set([x])
    MetricObservation.objects.create(
        account=x, metric="followers", date=date(2026, 7, 1), value=100
    )
    MetricObservation.objects.create(
        account=x, metric="followers", date=date(2026, 8, 15), value=180
    )
    manual = KeyResultFactory(
        objective=objective,
        name="Two AMAs",
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(2),
    )
    CheckIn.objects.create(key_result=manual, date=date(2026, 8, 10), value=0)
    return {"strategy": strategy, "followers": followers, "manual": manual, "x": x}


def _statuses(response):
    return {
        r.key_result.name: r.status.value
        for s in response.context["strategies"]
        for r in s.key_results
    }


def test_alice_sees_each_key_result_with_its_status(alice_client, plan):
    response = alice_client.get(DASHBOARD, {"as_of": TODAY})
    assert response.status_code == 200
    # Followers: (180 - 100) / (200 - 100) = 80% against 50% expected: on track.
    # AMAs: 0 of 2 with half the quarter gone: off track.
    assert _statuses(response) == {"Followers to 200": "on_track", "Two AMAs": "off_track"}
    content = response.content.decode()
    assert "80%" in content and "Q3 plan" in content


def test_worst_first_puts_off_track_first(alice_client, plan):
    response = alice_client.get(DASHBOARD, {"as_of": TODAY, "sort": "worst"})
    rows = response.context["strategies"][0].key_results
    assert [r.key_result.name for r in rows] == ["Two AMAs", "Followers to 200"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"status": "on_track"}, {"Followers to 200"}),
        # A key result without chosen accounts counts all the team's own (here: one on X).
        ({"platform": "x"}, {"Followers to 200", "Two AMAs"}),
        ({"platform": "mastodon"}, set()),
    ],
)
def test_filters_narrow_the_key_results(alice_client, plan, params, names):
    response = alice_client.get(DASHBOARD, {"as_of": TODAY, **params})
    assert set(_statuses(response)) == names


def test_bob_the_viewer_sees_the_dashboard(bob_client, plan):
    response = bob_client.get(DASHBOARD, {"as_of": TODAY})
    assert response.status_code == 200 and len(_statuses(response)) == 2


def test_charlie_sees_nothing_of_alices_team(charlie_client, plan):
    response = charlie_client.get(DASHBOARD, {"as_of": TODAY})
    assert response.status_code == 200 and _statuses(response) == {}
    # Asking for alice's strategy by id is not a choice charlie has.
    response = charlie_client.get(DASHBOARD, {"strategy": plan["strategy"].pk})
    assert _statuses(response) == {}


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/accounts/login/" in response.url


KINDS = ["impressions", "engagement_rate", "followers", "people_addressed", "manual"]


def _add_key_results(plan, count):
    objective = plan["followers"].objective
    for n in range(count):
        kr = KeyResultFactory(
            objective=objective,
            name=f"KR {objective.key_results.count()}",
            metric_key=KINDS[n % len(KINDS)],
        )
        kr.accounts.set([plan["x"]])


def test_the_dashboard_runs_a_fixed_number_of_queries(
    alice_client, plan, django_assert_max_num_queries
):
    _add_key_results(plan, len(KINDS))  # one of every kind of metric
    with django_assert_max_num_queries(20) as small:
        alice_client.get(DASHBOARD, {"as_of": TODAY})
    _add_key_results(plan, 4 * len(KINDS))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = alice_client.get(DASHBOARD, {"as_of": TODAY})
    assert len(_statuses(response)) == 2 + 5 * len(KINDS)


def test_a_failing_connector_shows_since_when_its_data_is_stale(alice_client, charlie_client, team):
    from datetime import UTC, datetime

    from tests.factories import ConnectorFactory

    account = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@c.social")
    ConnectorFactory(
        account=account,
        last_success_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        last_error="Mastodon refused the credentials (401).",
        last_error_at=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
        credentials_refused=True,
    )
    html = alice_client.get(DASHBOARD).content.decode()
    assert "Data sources needing attention" in html
    assert "Credentials refused" in html and "data stale since 20 Nov 2026" in html
    assert "Data sources needing attention" not in charlie_client.get(DASHBOARD).content.decode()


def test_a_healthy_connector_raises_no_alert(alice_client, team):
    from django.utils import timezone

    from tests.factories import ConnectorFactory

    account = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@c.social")
    ConnectorFactory(account=account, last_success_at=timezone.now())
    assert "Data sources needing attention" not in alice_client.get(DASHBOARD).content.decode()
