"""The competitor benchmark page, for alice, bob, charlie and anonymous visitors."""

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.urls import reverse

from metrics.ingest.records import PostKind
from metrics.models import MetricObservation, Post
from metrics.platforms import Platform
from tests.factories import AccountFactory, StrategyFactory

PAGE = reverse("goals:competitors")
_ids = count(1)


def make_post(account, day, *, kind=PostKind.ORIGINAL, **fields):
    return Post.objects.create(
        account=account,
        platform_id=str(next(_ids)),
        published_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        local_date=day,
        kind=kind,
        **fields,
    )


def level(account, day, value):
    MetricObservation.objects.create(account=account, metric="followers", date=day, value=value)


@pytest.fixture(autouse=True)
def _in_october_2026():
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def strategy(team):
    # 2026 Q3 shortened to 91 days (13 weeks) so the weekly numbers come out round.
    return StrategyFactory(
        team=team, name="Q3 plan", period_start=date(2026, 7, 1), period_end=date(2026, 9, 29)
    )


@pytest.fixture
def accounts(team):
    own = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    rival = AccountFactory(
        team=team, platform=Platform.X, handle="kettle", display_name="Kettle", is_competitor=True
    )
    quiet = AccountFactory(team=team, platform=Platform.BLUESKY, handle="quiet", is_competitor=True)
    # Own: 2000 -> 2500 followers (+25%); 26 posts (2 a week), 13 of them replies (50%);
    # engagements known on 20 posts, 40 each: 40 a post, 40 / 2500 = 16 per 1,000 followers.
    level(own, date(2026, 7, 1), 2000)
    level(own, date(2026, 9, 29), 2500)
    for n in range(26):
        make_post(
            own,
            date(2026, 7, 1) + timedelta(days=3 * n),
            kind=PostKind.REPLY if n % 2 else PostKind.ORIGINAL,
            engagements=40 if n < 20 else None,
        )
    # Rival: 1000 -> 900 followers (-10%); 13 posts (1 a week), no replies; 10 engagements
    # each: 10 a post, 10 / 900 = 11.11 per 1,000 followers.
    level(rival, date(2026, 7, 2), 1000)
    level(rival, date(2026, 9, 20), 900)
    for n in range(13):
        make_post(rival, date(2026, 7, 1) + timedelta(days=7 * n), engagements=10)
    # Quiet: nothing imported at all.
    return {"own": own, "rival": rival, "quiet": quiet}


def _measures(row):
    return (
        row.follower_growth_percent,
        row.posts_per_week,
        row.engagement_per_post,
        row.engagement_per_1000_followers,
        row.reply_share_percent,
    )


def test_alice_sees_own_accounts_next_to_competitors(alice_client, strategy, accounts):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    assert response.status_code == 200
    rows = {r.account.handle: r for r in response.context["rows"]}
    assert list(rows) == ["loomwell", "quiet", "kettle"]  # own first, then competitors
    assert _measures(rows["loomwell"]) == pytest.approx((25.0, 2.0, 40.0, 16.0, 50.0))
    assert _measures(rows["kettle"]) == pytest.approx((-10.0, 1.0, 10.0, 100 / 9, 0.0))
    assert _measures(rows["quiet"]) == (None, None, None, None, None)
    content = response.content.decode()
    # As people say them: whole counts with separators, percentages without a needless ".0".
    own_row = content.split(f'data-account="{accounts["own"].pk}"', 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>", 1)[0] for cell in own_row.split('<td class="num">')[1:]]
    # With:at: 13 replies ÷ 13 originals naming nobody.
    assert cells == ["2,500", "25%", "2", "40", "16", "50%", "1"]
    assert "-10%" in content and "11.1" in content
    charts = response.context["measure_charts"]
    assert [c["title"] for c in charts] == [
        "Follower growth in the period",
        "Posts per week",
        "Engagements per post",
        "Engagements per post per 1,000 followers",
        "Reply share",
        "With:at ratio (posts with people per broadcast)",
    ]
    assert '"name":"Own accounts"' in charts[0]["json"]
    assert '"name":"Competitors"' in charts[0]["json"]


def test_accounts_without_data_show_a_dash_not_zero(alice_client, strategy, accounts):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    content = response.content.decode()
    quiet_row = content.split(f'data-account="{accounts["quiet"].pk}"', 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>", 1)[0] for cell in quiet_row.split('<td class="num">')[1:]]
    assert cells == ["—"] * 7
    # The rival's reply share and with:at are real zeros: it posted, only broadcasts.
    rival_row = content.split(f'data-account="{accounts["rival"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">0%</td>\n        <td class="num">0</td>' in rival_row


def test_chosen_accounts_and_dates_narrow_the_page(alice_client, strategy, accounts):
    response = alice_client.get(
        PAGE,
        {
            "strategy": strategy.pk,
            "account": [accounts["own"].pk, accounts["rival"].pk],
            "end": "2026-07-14",
        },
    )
    rows = response.context["rows"]
    assert [r.account.handle for r in rows] == ["loomwell", "kettle"]
    # 1–14 July: own posts on 1, 4, 7, 10, 13 July in 2 weeks; one follower level only.
    assert rows[0].posts_per_week == pytest.approx(2.5)
    assert rows[0].follower_growth is None


def test_the_current_strategy_without_data_yet_is_kept_and_links_to_the_last_with_data(
    alice_client, team, strategy, accounts
):
    q4 = StrategyFactory(
        team=team, name="Q4 plan", period_start=date(2026, 10, 1), period_end=date(2026, 12, 31)
    )
    response = alice_client.get(PAGE)
    selection = response.context["selection"]
    assert selection.strategy == q4 and selection.no_data_yet
    assert selection.with_data == strategy
    html = response.content.decode()
    assert "No data for Q4 plan yet." in html
    assert f'<a href="?strategy={strategy.pk}">See Q3 plan</a>' in html
    # A competitor's follower level counts here: the benchmark has something to show.
    level(accounts["rival"], date(2026, 10, 5), 950)
    response = alice_client.get(PAGE)
    assert not response.context["selection"].no_data_yet


def test_without_a_current_strategy_the_latest_with_data_is_the_default(
    alice_client, team, strategy, accounts
):
    StrategyFactory(
        team=team, name="Autumn push", period_start=date(2026, 10, 1), period_end=date(2026, 10, 12)
    )
    StrategyFactory(
        team=team, name="2027 plan", period_start=date(2027, 1, 1), period_end=date(2027, 3, 31)
    )
    response = alice_client.get(PAGE)
    selection = response.context["selection"]
    assert selection.strategy == strategy and not selection.no_data_yet
    assert len(response.context["rows"]) == 3


def test_bob_the_viewer_may_look(bob_client, strategy, accounts):
    response = bob_client.get(PAGE, {"strategy": strategy.pk})
    assert response.status_code == 200 and len(response.context["rows"]) == 3


@pytest.mark.parametrize("param", ["strategy", "account", "team"])
def test_charlie_gets_404_for_alices_ids(charlie_client, team, strategy, accounts, param):
    ids = {"strategy": strategy.pk, "account": accounts["rival"].pk, "team": team.pk}
    response = charlie_client.get(PAGE, {param: ids[param]})
    assert response.status_code == 404


def test_charlie_sees_only_his_own_team(charlie_client, other_team, strategy, accounts):
    response = charlie_client.get(PAGE)
    assert response.status_code == 200
    assert response.context["selection"].team == other_team
    assert response.context["rows"] == []
    assert "kettle" not in response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_account_names_are_escaped(alice_client, team, strategy):
    AccountFactory(team=team, handle="evil", display_name="<script>alert(1)</script>")
    content = alice_client.get(PAGE, {"strategy": strategy.pk}).content.decode()
    assert "<script>alert(1)" not in content and "&lt;script&gt;alert(1)" in content


def test_the_page_runs_a_fixed_number_of_queries(
    alice_client, team, strategy, accounts, django_assert_max_num_queries
):
    # Counts, levels, top posts, freshness (2), weekly reply share: fixed, whatever the data.
    with django_assert_max_num_queries(13):
        small = alice_client.get(PAGE, {"strategy": strategy.pk, "team": team.pk})
    for n in range(20):
        extra = AccountFactory(team=team, handle=f"rival{n}", is_competitor=n % 2 == 0)
        for k in range(10):
            make_post(extra, date(2026, 7, 1) + timedelta(days=k), engagements=k)
            level(extra, date(2026, 7, 1) + timedelta(days=k), 100 + k)
    with django_assert_max_num_queries(13):
        large = alice_client.get(PAGE, {"strategy": strategy.pk, "team": team.pk})
    assert len(small.context["rows"]) == 3 and len(large.context["rows"]) == 23
