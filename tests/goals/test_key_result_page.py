import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import CheckIn
from metrics.models import MetricObservation, Post
from metrics.platforms import Platform
from tests.factories import AccountFactory, KeyResultFactory


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwell")


@pytest.fixture
def followers(team, account):
    kr = KeyResultFactory(
        objective__strategy__team=team,
        name="Followers to 200",
        baseline=Decimal(100),
        target=Decimal(200),
    )
    kr.accounts.set([account])
    for day, value in ((1, 100), (8, 115), (15, 130), (31, 160)):
        MetricObservation.objects.create(
            account=account, metric="followers", date=date(2026, 7, day), value=value
        )
    return kr


@pytest.fixture
def manual(team):
    return KeyResultFactory(
        objective__strategy__team=team,
        name="Two AMAs",
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(2),
    )


def url(kr, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("goals:key_result", args=[kr.pk]) + (f"?{query}" if query else "")


def test_the_page_shows_the_chart_data_and_the_numbers(alice_client, followers):
    response = alice_client.get(url(followers, as_of="2026-08-01"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="kr-figure"' in content and "plotly/plotly.min.js" in content
    figure = response.context["figure_json"]
    assert '"name":"Actual"' in figure and '"name":"Target"' in figure
    assert '"name":"Forecast"' in figure
    row = response.context["row"]
    # (160 - 100) / (200 - 100) = 60%
    assert row.assessment.current == 160.0
    assert row.percent == pytest.approx(60.0)


def test_alice_adds_a_check_in_to_a_manual_key_result(alice_client, alice, manual):
    response = alice_client.post(
        url(manual), {"date": "2026-08-01", "value": "1", "confidence": "high", "note": "first"}
    )
    assert response.status_code == 302
    check_in = CheckIn.objects.get()
    assert (check_in.value, check_in.author, check_in.note) == (Decimal(1), alice, "first")


def test_a_check_in_without_a_value_is_refused_next_to_the_field(alice_client, manual):
    response = alice_client.post(
        url(manual), {"date": "2026-08-01", "value": "", "confidence": "high"}
    )
    assert response.status_code == 400
    assert response.context["check_in_form"].errors["value"] == [
        "A manual key result takes its values from check-ins: enter a value."
    ]
    assert not CheckIn.objects.exists()


def test_bob_may_look_but_not_add_check_ins(bob_client, manual):
    page = bob_client.get(url(manual))
    assert page.status_code == 200 and page.context["check_in_form"] is None
    response = bob_client.post(
        url(manual), {"date": "2026-08-01", "value": "1", "confidence": "high"}
    )
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_charlie_gets_404_for_another_teams_key_result(charlie_client, followers):
    assert charlie_client.get(url(followers)).status_code == 404
    response = charlie_client.post(
        url(followers), {"date": "2026-08-01", "value": "1", "confidence": "high"}
    )
    assert response.status_code == 404


def test_top_posts_link_only_to_web_addresses_and_escape_text(alice_client, team, account):
    kr = KeyResultFactory(
        objective__strategy__team=team,
        metric_key="impressions",
        baseline=Decimal(0),
        target=Decimal(1000),
    )
    kr.accounts.set([account])
    Post.objects.create(
        account=account,
        platform_id="1",
        local_date=date(2026, 7, 2),
        published_at=datetime(2026, 7, 2, 9, tzinfo=UTC),
        text="<script>alert(1)</script>",
        permalink="javascript:alert(1)",
        engagements=10,
    )
    Post.objects.create(
        account=account,
        platform_id="2",
        local_date=date(2026, 7, 3),
        published_at=datetime(2026, 7, 3, 9, tzinfo=UTC),
        text="Hello",
        permalink="https://x.com/loomwell/status/2",
        engagements=5,
    )
    content = alice_client.get(url(kr, as_of="2026-08-01")).content.decode()
    assert "javascript:alert" not in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert 'href="https://x.com/loomwell/status/2"' in content


def test_current_shows_the_change_against_the_same_day_last_quarter(alice_client, followers):
    # The same level in Q2: 100 on 1 Apr, 120 on 17 May (46 days in, like 16 Aug in Q3).
    account = followers.accounts.get()
    for day, value in ((date(2026, 4, 1), 100), (date(2026, 5, 17), 120)):
        MetricObservation.objects.create(account=account, metric="followers", date=day, value=value)
    MetricObservation.objects.create(
        account=account, metric="followers", date=date(2026, 8, 16), value=170
    )
    response = alice_client.get(url(followers, as_of="2026-08-16"))
    row = response.context["row"]
    assert (row.assessment.current, row.previous, row.change) == (170.0, 120.0, 50.0)
    assert "170 <span" in response.content.decode()
    assert "(+50 vs same day last quarter: 120)" in response.content.decode()


def test_without_data_last_quarter_the_page_shows_no_change(alice_client, followers, manual):
    for kr in (followers, manual):
        response = alice_client.get(url(kr, as_of="2026-08-01"))
        assert response.context["row"].change is None
        assert "vs same day last" not in response.content.decode()


def test_percentages_and_counts_read_as_people_say_them(alice_client, team, account):
    kr = KeyResultFactory(
        objective__strategy__team=team,
        name="Reply share reaches 12%",
        metric_key="reply_share",
        unit="%",
        baseline=Decimal(9),
        target=Decimal(12),
    )
    kr.accounts.set([account])
    for day, replies, posts in ((date(2026, 7, 2), 1, 10), (date(2026, 7, 3), 0, 2)):
        MetricObservation.objects.create(account=account, metric="replies", date=day, value=replies)
        MetricObservation.objects.create(account=account, metric="posts", date=day, value=posts)
    content = alice_client.get(url(kr, as_of="2026-07-10")).content.decode()
    assert "9% → 12%" in content  # targets entered as 12 for 12%
    assert '<td class="num">8.3%' in content  # 1 reply of 12 posts
    text = re.sub(r"<[^>]+>", " ", content)  # what the page shows, titles left out
    assert "Reply share  · 9% → 12% ·" in text and "(ratio, %)" not in text
    assert 'title="Reply share (ratio, %)' in content
