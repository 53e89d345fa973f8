import re
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
    rows = response.context["worst_first"]
    assert [r.key_result.name for r in rows] == ["Two AMAs", "Followers to 200"]
    # One table for all: each row names its strategy and objective.
    html = response.content.decode()
    assert 'aria-label="Worst first"' in html and "Q3 plan · Grow" in html
    assert "Plan order</a>" in html


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


# --- the change against the previous period ----------------------------------------------


@pytest.fixture
def followers_q2_and_q3(team, alice):
    """A level with values in Q2 and Q3: 1,200 on 17 May (46 days into Q2), 1,720 on
    16 Aug (46 days into Q3)."""
    x = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    kr = KeyResultFactory(
        objective=ObjectiveFactory(
            strategy=StrategyFactory(team=team, name="Q3 plan"), title="Grow", owner=alice
        ),
        name="Followers to 2,000",
        metric_key="followers",
        baseline=Decimal(1300),
        target=Decimal(2000),
    )
    kr.accounts.set([x])
    for day, value in (
        (date(2026, 4, 1), 1000),
        (date(2026, 5, 17), 1200),
        (date(2026, 6, 30), 1300),
        (date(2026, 7, 1), 1300),
        (date(2026, 8, 16), 1720),
        (date(2026, 9, 20), 1900),
    ):
        MetricObservation.objects.create(account=x, metric="followers", date=day, value=value)
    return kr


def test_current_shows_the_change_against_the_same_day_last_quarter(
    alice_client, followers_q2_and_q3
):
    response = alice_client.get(DASHBOARD, {"as_of": TODAY})
    row = response.context["strategies"][0].key_results[0]
    # 16 Aug is 46 days into Q3; 46 days into Q2 is 17 May: 1,720 - 1,200.
    assert (row.assessment.current, row.previous, row.change) == (1720.0, 1200.0, 520.0)
    assert "1,720<br><span" in response.content.decode()
    assert "(+520 vs same day last quarter)" in response.content.decode()


def test_the_change_compares_the_same_offset_not_the_end_of_last_quarter(
    alice_client, followers_q2_and_q3
):
    # Data up to 16 Aug, looked at on 20 Aug: still compared with 17 May (as the current
    # value is from 16 Aug), not with 21 May, and never with 30 Jun's 1,300.
    response = alice_client.get(DASHBOARD, {"as_of": "2026-08-20"})
    assert response.context["strategies"][0].key_results[0].change == 520.0


def test_no_change_shows_without_data_last_quarter_or_for_manual_key_results(alice_client, plan):
    response = alice_client.get(DASHBOARD, {"as_of": TODAY})
    rows = response.context["strategies"][0].key_results
    assert [(r.key_result.name, r.change) for r in rows] == [
        ("Followers to 200", None),  # nothing observed before 1 Jul
        ("Two AMAs", None),  # manual
    ]
    assert "vs same day last" not in response.content.decode()


def test_numbers_read_as_people_say_them(alice_client, plan, team):
    reply_share = KeyResultFactory(
        objective=plan["followers"].objective,
        name="Reply share reaches 12%",
        metric_key="reply_share",
        unit="%",
        baseline=Decimal(9),
        target=Decimal(12),
    )
    reply_share.accounts.set([plan["x"]])
    html = alice_client.get(DASHBOARD, {"as_of": TODAY}).content.decode()
    assert '<td class="num">12%</td>' in html  # the ratio's target, entered as 12
    assert '<td class="num">180</td>' in html  # a count: no "count" after it
    text = re.sub(r"<[^>]+>", " ", html)  # what the page shows, without tags and titles
    assert not re.search(r"\bcount\b", text) and "(stock" not in text
    assert 'title="Followers (stock, count)' in html  # the details stay in the tooltip
