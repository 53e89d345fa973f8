"""The competitor benchmark's conversation posture (reply share, with:at), engagement per
post from public counts, top posts, each account's data freshness and the weekly
reply-share chart: on the page, in the quarterly summary, and filled by the demo's saved
public API pages."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from itertools import count

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from goals import competitors, periods
from goals.summaries.html import summary_html
from goals.summaries.snapshot import build_summary
from goals.summaries.static_charts import reply_share_chart_png
from goals.summaries.tabular import summary_xlsx
from metrics.ingest.records import PostKind
from metrics.models import Account, Connector, MetricObservation, Post
from metrics.platforms import Platform
from teams.models import Team
from tests.factories import AccountFactory, ConnectorFactory, StrategyFactory

PAGE = reverse("goals:competitors")
Q3 = periods.parse("2026Q3")
_ids = count(1)


def make_post(account, day, *, kind=PostKind.ORIGINAL, **fields):
    return Post.objects.create(
        account=account,
        platform_id=f"p{next(_ids)}",
        published_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        local_date=day,
        kind=kind,
        **fields,
    )


@pytest.fixture(autouse=True)
def _in_october_2026():
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def strategy(team):
    return StrategyFactory(
        team=team, name="Q3 plan", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)
    )


@pytest.fixture
def accounts(team):
    own = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    rival = AccountFactory(
        team=team,
        platform=Platform.MASTODON,
        handle="rival@mastodon.example",
        is_competitor=True,
    )
    # Own, week of 6 Jul: a reply, an original naming someone, a reshare, two broadcasts.
    make_post(own, date(2026, 7, 6), kind=PostKind.REPLY, addressed=["ana"], engagements=9)
    make_post(own, date(2026, 7, 7), addressed=["ben"], engagements=30)
    make_post(own, date(2026, 7, 8), kind=PostKind.RESHARE)
    make_post(own, date(2026, 7, 9), engagements=3)
    make_post(own, date(2026, 7, 10), engagements=12)
    # Rival (public counts only, as Mastodon publishes them): week of 6 Jul, one reply of
    # two posts; week of 13 Jul, three broadcasts.
    make_post(rival, date(2026, 7, 6), kind=PostKind.REPLY, addressed=["ana"], likes=1)
    make_post(rival, date(2026, 7, 7), likes=10, replies=2, reshares=3, text="Big launch")
    for day in (13, 14, 15):
        make_post(rival, date(2026, 7, day), likes=4, text=f"Sale {day}")
    make_post(rival, date(2026, 7, 16), text="No counts known")
    return {"own": own, "rival": rival}


def _rows(response):
    return {r.account.handle: r for r in response.context["rows"]}


def test_it_shows_reply_share_and_with_at_from_the_classified_posts(
    alice_client, strategy, accounts
):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    rows = _rows(response)
    own, rival = rows["loomwell"], rows["rival@mastodon.example"]
    # Own: with = reply + original naming ben + reshare = 3; broadcasts = 2.
    assert (own.with_posts, own.broadcast_posts, own.with_at) == (3, 2, pytest.approx(1.5))
    assert own.reply_share == pytest.approx(1 / 5)
    # Rival: with = its reply; broadcasts = 5 originals naming nobody.
    assert rival.with_at == pytest.approx(1 / 5)
    assert rival.reply_share == pytest.approx(1 / 6)


def test_engagement_per_post_uses_public_counts_where_no_engagement_number_exists(
    alice_client, strategy, accounts
):
    rival = _rows(alice_client.get(PAGE, {"strategy": strategy.pk}))["rival@mastodon.example"]
    # 1 + (10 + 2 + 3) + 4 + 4 + 4 over the 5 posts with any count; the last has none.
    assert (rival.engagements, rival.engaged_posts) == (28, 5)
    assert rival.engagement_per_post == pytest.approx(28 / 5)


def test_it_lists_each_account_s_top_posts_best_first(alice_client, strategy, accounts):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    rows = _rows(response)
    assert [p.engagements for p in rows["loomwell"].top_posts] == [30, 12, 9]
    top = rows["rival@mastodon.example"].top_posts
    assert top[0].text == "Big launch" and top[0].engagements == 15
    content = response.content.decode()
    assert "Top posts in the period" in content and "Big launch" in content


def test_the_weekly_reply_share_chart_has_every_account_competitors_dashed(
    alice_client, strategy, accounts
):
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    figure = json.loads(response.context["reply_share_json"])
    lines = {trace["name"]: trace for trace in figure["data"]}
    own = lines["X (Twitter) @loomwell"]
    rival = lines["Mastodon @rival@mastodon.example (competitor)"]
    assert own["x"] == ["2026-07-06"] and own["y"] == [pytest.approx(20.0)]
    assert rival["x"] == ["2026-07-06", "2026-07-13"]
    assert rival["y"] == [pytest.approx(50.0), pytest.approx(0.0)]
    assert rival["line"]["dash"] == "dash" and "dash" not in own.get("line", {})
    content = response.content.decode()
    assert 'id="reply-share-figure"' in content
    assert content.count("<script nonce=") == content.count("<script") - content.count(
        '<script type="application/json"'
    ) - content.count("<script src=")


def test_weekly_reply_share_is_counted_by_iso_week():
    daily = [
        (1, date(2026, 7, 6), 2, 1),
        (1, date(2026, 7, 12), 2, 0),
        (1, date(2026, 7, 13), 1, 1),
    ]
    assert competitors.weekly_reply_share(daily) == {
        1: [(date(2026, 7, 6), 25.0), (date(2026, 7, 13), 100.0)]
    }


def test_each_row_says_how_fresh_its_data_is_and_a_stale_sync_needs_attention(
    alice_client, strategy, accounts
):
    rival = accounts["rival"]
    ConnectorFactory(
        account=rival,
        kind="mastodon",
        last_attempt_at=datetime(2026, 9, 30, 20, tzinfo=UTC),
        last_success_at=datetime(2026, 9, 30, 20, tzinfo=UTC),
    )
    response = alice_client.get(PAGE, {"strategy": strategy.pk})
    rows = _rows(response)
    fresh = rows["rival@mastodon.example"].freshness
    assert fresh.data_up_to == date(2026, 7, 16)
    assert fresh.needs_attention and "No sync for a while" in fresh.sync_label
    assert rows["loomwell"].freshness.sync_label == ""  # imported, no connector
    assert "No sync for a while: data stale since 30 Sep 2026" in response.content.decode()


def test_charlie_cannot_reach_the_rival_s_posts(charlie_client, strategy, accounts):
    response = charlie_client.get(PAGE, {"account": accounts["rival"].pk})
    assert response.status_code == 404
    assert b"Big launch" not in response.content


# --- the quarterly summary ------------------------------------------------------------------


def test_the_summary_table_has_posture_and_top_posts_beside_own_accounts(team, accounts):
    summary = build_summary(team=team, quarter=Q3, today=date(2026, 10, 15))
    rows = {row["account"]: row for row in summary["competitors"]}
    own, rival = rows["X (Twitter) @loomwell"], rows["Mastodon @rival@mastodon.example"]
    assert (own["competitor"], rival["competitor"]) == (False, True)
    assert own["with_at"] == pytest.approx(1.5) and rival["reply_share"] == pytest.approx(1 / 6)
    assert rival["top_post"]["text"] == "Big launch"
    assert summary["reply_share_weeks"]["Mastodon @rival@mastodon.example"] == [
        ("2026-07-06", pytest.approx(50.0)),
        ("2026-07-13", pytest.approx(0.0)),
    ]
    html = summary_html(summary)
    assert "Reply share per week" in html and "With:at" in html and "Big launch" in html
    sheet = openpyxl.load_workbook(io.BytesIO(summary_xlsx(summary)))["Competitors"]
    header = [cell.value for cell in sheet[1]]
    assert header[5:] == ["Reply share (%)", "With:at", "Top post", "Top post engagements"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Mastodon @rival@mastodon.example"][7] == "Big launch"


def test_a_summary_stored_before_the_posture_columns_still_renders(team, accounts):
    summary = build_summary(team=team, quarter=Q3, today=date(2026, 10, 15))
    for row in summary["competitors"]:
        for key in ("reply_share", "with_at", "top_post"):
            row.pop(key)
    summary.pop("reply_share_weeks")
    html = summary_html(summary)
    assert "Reply share per week" not in html
    assert "X (Twitter) @loomwell" in html
    assert summary_xlsx(summary)


def test_the_pdf_chart_of_reply_share_is_an_image():
    png = reply_share_chart_png(
        [("X @a", False, [(date(2026, 7, 6), 20.0)]), ("B", True, [(date(2026, 7, 6), 5.0)])]
    )
    assert png.startswith(b"\x89PNG") and reply_share_chart_png([]).startswith(b"\x89PNG")


# --- the demo: saved public API pages, synced through the connectors ---------------------------


@pytest.fixture
def demo(db):
    with time_machine.travel(date(2026, 11, 25)):
        out = StringIO()
        call_command("load_demo", stdout=out)
    assert "synced the competitor's saved public API pages (8 syncs)" in out.getvalue()
    return Team.objects.get(slug="demo")


def test_the_demo_competitors_are_filled_from_their_saved_public_pages(demo):
    competitors_ = Account.objects.filter(team=demo, is_competitor=True)
    assert {(a.platform, a.handle) for a in competitors_} == {
        (Platform.MASTODON, "kettleandcrumb@mastodon.example"),
        (Platform.BLUESKY, "kettleandcrumb.bsky.social"),
    }
    for account in competitors_:
        connector = Connector.objects.get(account=account)
        # Synced by the real connector: its cursor and the saved pages' fetch time.
        assert connector.cursor and not connector.enabled
        assert connector.last_success_at == datetime(2026, 9, 30, 20, tzinfo=UTC)
        levels = MetricObservation.objects.filter(account=account, metric="followers")
        assert levels.filter(date__range=(Q3.start, Q3.end)).count() == 4
        posts = Post.objects.filter(account=account, local_date__range=(Q3.start, Q3.end))
        assert posts.count() > 30 and posts.filter(kind=PostKind.REPLY).exists()
        assert posts.filter(is_promotional=False, shares_others_link=False).exists()


def test_the_demo_summary_and_page_show_the_competitors_numbers(demo, client):
    summary = build_summary(team=demo, quarter=Q3, today=date(2026, 11, 25))
    rows = {r["account"]: r for r in summary["competitors"] if r["competitor"]}
    assert set(rows) == {
        "Mastodon @kettleandcrumb@mastodon.example",
        "Bluesky @kettleandcrumb.bsky.social",
    }
    for row in rows.values():
        for key in ("follower_growth", "posts_per_week", "engagement_per_post", "reply_share"):
            assert row[key] is not None and row[key] > 0, (row["account"], key)
        assert row["with_at"] is not None and row["top_post"] is not None
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    strategy = demo.strategies.get(period_start=Q3.start)
    response = client.get(PAGE, {"strategy": strategy.pk})
    rival = next(r for r in response.context["rows"] if r.account.is_competitor)
    assert rival.posts_per_week and rival.follower_growth and rival.reply_share is not None
    # The demo's connectors are disabled (fictional hosts): the page still dates the data.
    assert "Sync disabled: data synced 30 Sep 2026" in response.content.decode()


def test_loading_the_demo_again_replays_nothing_twice(demo):
    posts = Post.objects.filter(account__team=demo).count()
    with time_machine.travel(date(2026, 11, 25) + timedelta(days=1)):
        out = StringIO()
        call_command("load_demo", stdout=out)
    assert "synced the competitor" not in out.getvalue()
    assert Post.objects.filter(account__team=demo).count() == posts


def test_the_weekly_reply_share_is_one_query_whatever_the_data(
    alice, team, strategy, accounts, django_assert_num_queries
):
    from goals import selectors

    for n in range(60):
        make_post(accounts["rival"], date(2026, 7, 1) + timedelta(days=n))
    selection = selectors.selection_for(
        alice, strategy=strategy, today=date(2026, 10, 15), own_only=False
    )
    with django_assert_num_queries(1):
        weeks = selectors.weekly_reply_share(selection)
    # Own: the week of 6 Jul. Rival: 1 Jul – 29 Aug = the nine weeks from 29 Jun to 24 Aug.
    assert len(weeks[accounts["own"].pk]) == 1 and len(weeks[accounts["rival"].pk]) == 9
