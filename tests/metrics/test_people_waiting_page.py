"""The people waiting page: the team's unanswered mentions, oldest first."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from metrics.models import InboundMention
from metrics.platforms import Platform
from tests.factories import AccountFactory, ConnectorFactory, InboundMentionFactory, PostFactory

URL = reverse("metrics:people_waiting")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell@coffee.social")


@pytest.fixture
def waiting(account):
    old = InboundMentionFactory(
        account=account,
        author_handle="ana",
        published_at=NOW - timedelta(days=4),
        text="Is the Ethiopia roast back?",
        permalink="https://coffee.social/@ana/1",
    )
    new = InboundMentionFactory(
        account=account,
        author_handle="ben",
        published_at=NOW - timedelta(hours=2),
        text="<script>alert(1)</script> love it",
    )
    return old, new


def test_alice_sees_who_waits_oldest_first_with_overdue_marked(alice_client, waiting, account):
    InboundMentionFactory(  # answered: not waiting
        account=account,
        published_at=NOW - timedelta(days=1),
        answered_at=NOW - timedelta(hours=20),
        response_minutes=240,
    )
    response = alice_client.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["mention"].author_handle for r in rows] == ["ana", "ben"]
    assert [r["overdue"] for r in rows] == [True, False]
    html = response.content.decode()
    assert "4 days" in html and "2 h" in html
    assert 'href="https://coffee.social/@ana/1"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    recent = response.context["recent"]
    assert (recent.inbound, recent.answered, recent.median_minutes) == (3, 1, 240.0)


def test_competitors_and_other_teams_mentions_are_not_listed(
    alice_client, team, other_team, waiting
):
    competitor = AccountFactory(team=team, platform=Platform.X, is_competitor=True)
    InboundMentionFactory(account=competitor, author_handle="theirfan")
    InboundMentionFactory(account=AccountFactory(team=other_team), author_handle="rivalfan")
    handles = [r["mention"].author_handle for r in alice_client.get(URL).context["rows"]]
    assert handles == ["ana", "ben"]


def test_charlie_sees_none_of_loomwells_mentions(charlie_client, waiting, team):
    response = charlie_client.get(URL)
    assert response.context["rows"] == []
    assert charlie_client.get(URL, {"team": team.pk}).status_code == 404


def test_alice_marks_a_mention_as_needing_no_answer(alice_client, waiting):
    old, _ = waiting
    url = reverse("metrics:mention_no_answer", args=[old.pk])
    response = alice_client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == URL
    old.refresh_from_db()
    assert old.needs_answer is False
    assert [r["mention"].author_handle for r in alice_client.get(URL).context["rows"]] == ["ben"]


def test_bob_may_not_mark_and_sees_no_button(bob_client, waiting):
    old, _ = waiting
    assert "No answer needed" not in bob_client.get(URL).content.decode()
    url = reverse("metrics:mention_no_answer", args=[old.pk])
    assert bob_client.post(url).status_code == 403
    assert InboundMention.objects.get(pk=old.pk).needs_answer is True


def test_charlie_cannot_mark_loomwells_mention(charlie_client, waiting):
    old, _ = waiting
    url = reverse("metrics:mention_no_answer", args=[old.pk])
    assert charlie_client.post(url).status_code == 404
    assert InboundMention.objects.get(pk=old.pk).needs_answer is True


def test_a_failing_connector_warns_that_mentions_may_be_missing(alice_client, account):
    ConnectorFactory(
        account=account,
        last_success_at=NOW - timedelta(days=2),
        last_error="Mastodon refused the credentials",
        last_error_at=NOW - timedelta(hours=1),
    )
    html = alice_client.get(URL).content.decode()
    assert "Mentions may be missing" in html
    assert "data stale since" in html


def test_an_answer_found_later_takes_the_mention_off_the_list(alice_client, waiting, account):
    from metrics.ingest.mentions import mentions_link_answers

    old, _ = waiting
    PostFactory(
        account=account, in_reply_to_id=old.platform_id, published_at=NOW - timedelta(days=3)
    )
    mentions_link_answers(account=account)
    assert [r["mention"].author_handle for r in alice_client.get(URL).context["rows"]] == ["ben"]
