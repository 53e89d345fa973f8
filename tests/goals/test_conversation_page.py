"""The conversation health page, for alice, bob, charlie and anonymous visitors."""

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.urls import reverse

from metrics.ingest.records import PostKind
from metrics.models import Post
from metrics.platforms import Platform
from tests.factories import AccountFactory, StrategyFactory

PAGE = reverse("goals:conversation")
_ids = count(1)


def make_post(account, when, *, kind=PostKind.ORIGINAL, **fields):
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, 12, tzinfo=UTC)
    return Post.objects.create(
        account=account,
        platform_id=str(next(_ids)),
        published_at=when,
        local_date=when.date(),
        kind=kind,
        **fields,
    )


@pytest.fixture(autouse=True)
def _in_october_2026():
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def own(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwell")


@pytest.fixture
def strategy(team):
    # The plan: 40% conversation, 25% sharing, 20% helpful, 15% promotional.
    return StrategyFactory(team=team, name="Conversation first — 2026 Q3")


@pytest.fixture
def posts(own):
    day = date(2026, 7, 8)
    make_post(own, day, kind=PostKind.REPLY, addressed=["tova"], text="@tova thank you!")
    make_post(own, day, kind=PostKind.RESHARE)
    make_post(own, day, is_question=True, text="Which roast should we try next?")
    for n in range(3):  # promotional, in a burst, from a template: 3 of 6 posts = 50%
        make_post(
            own,
            datetime(2026, 7, 9, 9, 3 * n, tzinfo=UTC),
            text=f"Shop drop {n}: https://loomwell.example/shop/{n}",
            link_domains=["loomwell.example"],
            is_promotional=True,
            permalink=f"https://x.com/loomwell/status/{n}",
        )


def test_alice_sees_the_planned_and_the_actual_mix(alice_client, strategy, posts):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    assert response.status_code == 200
    report = response.context["report"]
    # 6 posts: 1 conversation, 1 sharing, 1 helpful (the question), 3 promotional.
    assert [(s.key, s.count, s.planned) for s in report.mix] == [
        ("conversation", 1, 40),
        ("sharing", 1, 25),
        ("helpful", 1, 20),
        ("promotional", 3, 15),
    ]
    content = response.content.decode()
    assert "Conversation is replies and original posts that address someone" in content
    assert 'id="mix-figure"' in content and "plotly/plotly.min.js" in content
    assert '"name":"Planned"' in response.context["mix_json"]
    # The warnings: 50% promotional against 15% planned, the template, the burst.
    assert "50% of posts are promotional; the plan allows 15%" in content
    assert "“shop drop :” — 3 times" in content
    assert "3 posts between 9 Jul 2026 09:00 and 09:06" in content
    assert (report.questions, report.people.total, report.people.new) == (1, 1, 1)


def test_the_default_is_the_most_recent_active_strategy_and_all_own_accounts(
    alice_client, team, own, strategy, posts
):
    competitor = AccountFactory(team=team, handle="rival", is_competitor=True)
    make_post(competitor, date(2026, 7, 8), kind=PostKind.REPLY, addressed=["x"])
    response = alice_client.get(PAGE)
    selection = response.context["selection"]
    assert selection.strategy == strategy and selection.accounts == (own,)
    assert response.context["report"].post_count == 6


def test_the_current_strategy_without_data_yet_is_kept_and_links_to_the_last_with_data(
    alice_client, team, own, strategy, posts
):
    q4 = StrategyFactory(
        team=team,
        name="Conversation first — 2026 Q4",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 12, 31),
    )
    # A competitor's post in Q4 is not the team's own conversation.
    competitor = AccountFactory(team=team, handle="rival", is_competitor=True)
    make_post(competitor, date(2026, 10, 2))
    response = alice_client.get(PAGE)
    selection = response.context["selection"]
    assert selection.strategy == q4 and selection.period.label == "2026 Q4"
    assert selection.no_data_yet and selection.with_data == strategy
    html = response.content.decode()
    assert "No data for Conversation first — 2026 Q4 yet." in html
    assert f'<a href="?strategy={strategy.pk}">See Conversation first — 2026 Q3</a>' in html
    # Once Q4 has a post of its own, the message goes.
    make_post(own, date(2026, 10, 3))
    response = alice_client.get(PAGE)
    assert response.context["selection"].strategy == q4
    assert not response.context["selection"].no_data_yet
    assert "No data for" not in response.content.decode()


def test_without_a_current_strategy_the_latest_with_data_is_the_default(
    alice_client, team, own, strategy, posts
):
    # Ended after Q3 began, but nothing was posted in it; a 2027 plan has not begun.
    StrategyFactory(
        team=team, name="Harvest week", period_start=date(2026, 9, 1), period_end=date(2026, 10, 7)
    )
    StrategyFactory(
        team=team, name="2027 plan", period_start=date(2027, 1, 1), period_end=date(2027, 3, 31)
    )
    response = alice_client.get(PAGE)
    selection = response.context["selection"]
    assert selection.strategy == strategy and not selection.no_data_yet
    assert response.context["report"].post_count == 6
    assert "No data for" not in response.content.decode()


def test_dates_and_accounts_narrow_the_page(alice_client, team, own, strategy, posts):
    other = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@m.example")
    make_post(other, date(2026, 7, 9))
    response = alice_client.get(
        PAGE, {"strategy": strategy.pk, "account": other.pk, "start": "2026-07-09"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.post_count == 1 and report.mix[2].count == 1  # helpful
    assert f'value="{other.pk}" checked' in response.content.decode()


def test_without_a_strategy_the_page_shows_the_quarter_without_a_plan(alice_client, own):
    make_post(own, date(2026, 10, 2), is_promotional=True)
    response = alice_client.get(PAGE)
    assert response.status_code == 200
    selection = response.context["selection"]
    assert selection.strategy is None and selection.period.label == "2026 Q4"
    report = response.context["report"]
    assert report.mix[3].percent == 100.0 and report.promo_warning is None
    assert "no planned mix" in response.content.decode()
    assert '"name":"Planned"' not in response.context["mix_json"]


def test_bob_the_viewer_may_look(bob_client, strategy, posts):
    response = bob_client.get(PAGE, {"strategy": strategy.pk})
    assert response.status_code == 200 and response.context["report"].post_count == 6


@pytest.mark.parametrize("param", ["strategy", "account", "team"])
def test_charlie_gets_404_for_alices_ids(charlie_client, team, own, strategy, param):
    ids = {"strategy": strategy.pk, "account": own.pk, "team": team.pk}
    response = charlie_client.get(PAGE, {param: ids[param]})
    assert response.status_code == 404


def test_charlie_sees_his_own_team_and_none_of_alices_choices(
    charlie_client, other_team, strategy, posts
):
    response = charlie_client.get(PAGE)
    assert response.status_code == 200
    assert response.context["selection"].team == other_team
    assert response.context["report"].post_count == 0
    form = response.context["form"]
    assert list(form.fields["strategy"].queryset) == []
    assert "Conversation first" not in response.content.decode()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_competitor_account_is_refused_here(alice_client, team, own):
    competitor = AccountFactory(team=team, handle="rival", is_competitor=True)
    response = alice_client.get(PAGE, {"account": competitor.pk})
    assert response.status_code == 400
    assert "is a competitor&#x27;s account" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-09-01", "end": "2026-08-01"}, "cannot end"),
        ({"start": "yesterday"}, "Enter a valid date"),
    ],
)
def test_a_wrong_period_is_explained(alice_client, own, params, message):
    response = alice_client.get(PAGE, params)
    assert response.status_code == 400 and message in response.content.decode()


def test_post_text_is_escaped_and_only_http_links_are_followed(alice_client, own, strategy):
    for n in range(3):
        make_post(
            own,
            datetime(2026, 7, 9, 9, n, tzinfo=UTC),
            text="<script>alert('x')</script> what? https://a.example/",
            link_domains=["a.example"],
            is_question=True,
            permalink="javascript:alert(1)" if n else "https://x.com/loomwell/status/7",
        )
    content = alice_client.get(PAGE, {"strategy": strategy.pk}).content.decode()
    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(" in content
    assert "javascript:" not in content
    assert 'href="https://x.com/loomwell/status/7"' in content


def _add_data(own, team, n):
    other = AccountFactory(team=team, platform=Platform.BLUESKY, handle=f"b{n}.bsky.social")
    for k in range(n):
        when = datetime(2026, 7, 1, 8, tzinfo=UTC) + timedelta(hours=7 * k)
        make_post(
            [own, other][k % 2],
            when,
            kind=[PostKind.ORIGINAL, PostKind.REPLY, PostKind.QUOTE][k % 3],
            addressed=[f"p{k % 17}"],
            is_question=k % 4 == 0,
            text=f"Post {k} https://a.example/{k}",
            link_domains=["a.example"],
        )
    make_post(own, date(2026, 6, 1), addressed=["p1"])


def test_the_page_runs_a_fixed_number_of_queries(
    alice_client, team, own, strategy, django_assert_max_num_queries
):
    _add_data(own, team, 5)
    # 11: the annotations on the weekly charts are one query more.
    with django_assert_max_num_queries(11):
        small = alice_client.get(PAGE, {"strategy": strategy.pk, "team": team.pk})
    _add_data(own, team, 300)
    with django_assert_max_num_queries(11):
        large = alice_client.get(PAGE, {"strategy": strategy.pk, "team": team.pk})
    assert small.context["report"].post_count == 5
    assert large.context["report"].post_count == 5 + 300


def test_the_conversation_coming_in_is_summed_up_with_a_link_to_who_waits(
    alice_client, own, strategy
):
    from tests.factories import InboundMentionFactory

    at = datetime(2026, 7, 8, 9, tzinfo=UTC)
    for minutes in (30, 90):
        InboundMentionFactory(
            account=own,
            published_at=at,
            local_date=at.date(),
            answered_at=at + timedelta(minutes=minutes),
            response_minutes=minutes,
        )
    InboundMentionFactory(account=own, published_at=at, local_date=at.date())  # overdue
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    inbound = response.context["inbound"]
    assert (inbound.inbound, inbound.answered, inbound.due, inbound.waiting) == (3, 2, 3, 1)
    assert inbound.median_minutes == 60.0
    html = response.content.decode()
    assert "The conversation coming in" in html
    assert "response rate <strong>67%</strong>" in html
    assert "median response <strong>60 min</strong>" in html
    assert "1 still waiting for an answer" in html


def test_without_mentions_the_page_says_where_they_come_from(alice_client, own, strategy):
    html = alice_client.get(PAGE, {"strategy": strategy.pk}).content.decode()
    assert "add a connector for an account" in html
