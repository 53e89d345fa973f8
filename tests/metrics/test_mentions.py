"""Inbound mentions: storing them, linking the brand's answers, and the daily numbers."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from metrics import mentions
from metrics.ingest import mentions as inbound
from metrics.ingest.records import MentionRecord
from metrics.models import InboundMention, MetricObservation
from metrics.platforms import Platform
from tests.factories import AccountFactory, InboundMentionFactory, PostFactory

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@coffee.social")


def record(platform_id, author="ana@example.social", at=T0, **kwargs):
    return MentionRecord(
        platform_id=platform_id, published_at=at, author_handle=author, text="hi", **kwargs
    )


def numbers(account, day):
    return {
        o.metric: o.value
        for o in MetricObservation.objects.filter(account=account, date=day)
        if o.metric in ("inbound_mentions", "answered_mentions", "mentions_due")
    }


def test_it_stores_mentions_on_the_teams_day(account):
    late = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already 3 November in Berlin
    days = inbound.mentions_upsert(
        account=account, records=[record("1", at=late)], tz=ZoneInfo("Europe/Berlin")
    )
    assert days == {date(2026, 11, 3)}
    assert InboundMention.objects.get().local_date == date(2026, 11, 3)


def test_it_skips_the_account_itself_and_needs_no_answer_for_the_teams_own_accounts(account):
    AccountFactory(
        team=account.team, platform=Platform.MASTODON, handle="loomwell_jobs@coffee.social"
    )
    inbound.mentions_upsert(
        account=account,
        records=[
            record("1", author="loomwell@coffee.social"),
            record("2", author="@Loomwell_Jobs@coffee.social"),
            record("3"),
        ],
        tz=ZoneInfo("UTC"),
    )
    stored = dict(InboundMention.objects.values_list("platform_id", "needs_answer"))
    assert stored == {"2": False, "3": True}


def test_it_turns_markup_into_text_and_drops_links_that_are_not_web_links(account):
    inbound.mentions_upsert(
        account=account,
        records=[
            MentionRecord(
                platform_id="1",
                published_at=T0,
                author_handle="ana",
                text="<p>hi <script>alert(1)</script><b>there</b></p>",
                permalink="javascript:alert(1)",
            )
        ],
        tz=ZoneInfo("UTC"),
    )
    mention = InboundMention.objects.get()
    assert "<" not in mention.text and "there" in mention.text
    assert mention.permalink == ""


def test_a_second_sync_keeps_a_persons_choice_and_a_found_answer(account):
    inbound.mentions_upsert(account=account, records=[record("1")], tz=ZoneInfo("UTC"))
    InboundMention.objects.update(needs_answer=False, answered_at=T0 + timedelta(hours=1))
    inbound.mentions_upsert(account=account, records=[record("1")], tz=ZoneInfo("UTC"))
    mention = InboundMention.objects.get()
    assert mention.needs_answer is False
    assert mention.answered_at == T0 + timedelta(hours=1)


def test_the_first_reply_after_the_mention_answers_it(account):
    mention = InboundMentionFactory(account=account, platform_id="m1", published_at=T0)
    PostFactory(account=account, in_reply_to_id="m1", published_at=T0 + timedelta(minutes=95))
    first = PostFactory(
        account=account, in_reply_to_id="m1", published_at=T0 + timedelta(minutes=42)
    )
    PostFactory(account=account, in_reply_to_id="other", published_at=T0 + timedelta(minutes=5))
    days = inbound.mentions_link_answers(account=account)
    mention.refresh_from_db()
    assert days == {T0.date()}
    assert mention.answered_by == first
    assert mention.response_minutes == 42


@pytest.mark.parametrize("named", [3, 2_000])
def test_only_the_mentions_named_by_the_new_replies_are_linked(account, named):
    """An archive names thousands of replied-to posts; few or many, only those are linked."""
    wanted = InboundMentionFactory(account=account, platform_id="m1", published_at=T0)
    other = InboundMentionFactory(account=account, platform_id="m2", published_at=T0)
    for reply_to in ("m1", "m2"):
        PostFactory(account=account, in_reply_to_id=reply_to, published_at=T0 + timedelta(hours=1))
    ids = ["m1"] + [f"x{i}" for i in range(named - 1)]
    assert inbound.mentions_link_answers(account=account, platform_ids=ids) == {T0.date()}
    wanted.refresh_from_db()
    other.refresh_from_db()
    assert wanted.response_minutes == 60
    assert other.answered_at is None


def test_another_accounts_reply_does_not_answer(account):
    InboundMentionFactory(account=account, platform_id="m1", published_at=T0)
    other = AccountFactory(team=account.team, platform=Platform.MASTODON)
    PostFactory(account=other, in_reply_to_id="m1", published_at=T0 + timedelta(minutes=5))
    assert inbound.mentions_link_answers(account=account) == set()
    assert InboundMention.objects.get().answered_at is None


def test_daily_numbers_count_received_answered_and_due(account, settings):
    settings.MENTION_ANSWER_WITHIN_HOURS = 24
    InboundMentionFactory(
        account=account, published_at=T0, answered_at=T0 + timedelta(hours=2), response_minutes=120
    )
    InboundMentionFactory(account=account, published_at=T0)  # waits
    InboundMentionFactory(account=account, published_at=T0, needs_answer=False)
    with time_machine.travel(T0 + timedelta(hours=5)):
        inbound.mentions_rollup(account=account, days=[T0.date()])
    assert numbers(account, T0.date()) == {
        "inbound_mentions": Decimal(2),
        "answered_mentions": Decimal(1),
        "mentions_due": Decimal(1),  # the waiting one is not late yet
    }
    with time_machine.travel(T0 + timedelta(hours=25)):
        inbound.mentions_rollup(account=account, days=[T0.date()])
    assert numbers(account, T0.date())["mentions_due"] == Decimal(2)


def test_marking_a_mention_as_needing_no_answer_takes_it_out_of_the_numbers(account, alice, bob):
    mention = InboundMentionFactory(account=account, published_at=T0)
    inbound.mentions_rollup(account=account, days=[T0.date()])
    assert numbers(account, T0.date())["inbound_mentions"] == 1
    with pytest.raises(Exception, match="may not change"):
        mentions.mention_set_needs_answer(user=bob, mention=mention, needs_answer=False)
    mentions.mention_set_needs_answer(user=alice, mention=mention, needs_answer=False)
    assert numbers(account, T0.date())["inbound_mentions"] == 0
    assert not InboundMention.objects.waiting().exists()


def test_an_imported_archive_reply_answers_a_mention_from_the_api(team, tmp_path):
    import json

    from metrics.services import import_path

    account = AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    mention = InboundMentionFactory(
        account=account, platform_id="1855000000000000001", published_at=T0
    )
    tweet = {
        "tweet": {
            "id_str": "1855000000000000099",
            "created_at": "Mon Nov 02 10:30:00 +0000 2026",
            "full_text": "@ana Tomorrow morning!",
            "in_reply_to_status_id_str": "1855000000000000001",
            "in_reply_to_screen_name": "ana",
            "entities": {"user_mentions": [{"screen_name": "ana"}], "urls": []},
            "favorite_count": "0",
            "retweet_count": "0",
        }
    }
    archive = tmp_path / "data"
    archive.mkdir()
    (archive / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps([tweet]))
    (archive / "account.js").write_text(
        "window.YTD.account.part0 = "
        + json.dumps([{"account": {"username": "loomwellroast", "accountId": "1"}}])
    )
    job = import_path(team=team, path=archive)
    assert job.status == "succeeded", job.message
    mention.refresh_from_db()
    assert mention.response_minutes == 90
    assert numbers(account, T0.date())["answered_mentions"] == 1
