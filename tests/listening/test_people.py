"""The people-to-engage page: ranked, filtered, states, CSV, and who may see and change it."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from listening import selectors, services
from listening.models import ListeningSettings, Topic, TopicAuthor
from metrics.models import Account
from tests.factories import AccountFactory, ConnectorFactory, PostFactory
from tests.listening.fakes import load
from tests.listening.helpers import found, write

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PEOPLE = reverse("listening:people")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def brand(team):
    own = AccountFactory(team=team, platform="mastodon", handle="loomwell@mastodon.example")
    AccountFactory(team=team, platform="bluesky", handle="kettle.bsky.social", is_competitor=True)
    return own


@pytest.fixture
def people(topic, brand):
    write(
        topic,
        found(
            "mastodon",
            "dara@fiber.example",
            NOW - timedelta(hours=2),
            "pour over #coffee",
            likes=20,
        ),
        found("mastodon", "dara@fiber.example", NOW - timedelta(days=1), "espresso today"),
        found("bluesky", "riley.bsky.social", NOW - timedelta(days=3), "espresso tips?"),
        found("mastodon", "loomwell@mastodon.example", NOW, "our espresso blend"),
        found("bluesky", "kettle.bsky.social", NOW, "espresso sale #coffee"),
        found("mastodon", "old@fiber.example", NOW - timedelta(days=40), "espresso"),
    )
    return topic


def handles(response):
    return [row.handle for row in response.context["page"]]


def test_people_are_ranked_without_the_brand_or_its_competitors(alice_client, people):
    response = alice_client.get(PEOPLE)
    assert response.status_code == 200
    assert handles(response) == ["dara@fiber.example", "riley.bsky.social", "old@fiber.example"]
    assert b"pour over #coffee" in response.content  # the matching posts are shown


def test_a_person_the_brand_replied_to_is_engaged(alice_client, people, brand):
    PostFactory(
        account=brand,
        published_at=NOW - timedelta(hours=1),
        addressed=["riley.bsky.social"],  # another platform: not the same person
    )
    PostFactory(
        account=brand, published_at=NOW - timedelta(hours=1), addressed=["dara@fiber.example"]
    )
    engaged = alice_client.get(PEOPLE, {"state": "engaged"})
    assert handles(engaged) == ["dara@fiber.example"]
    fresh = alice_client.get(PEOPLE, {"state": "new"})
    assert handles(fresh) == ["riley.bsky.social", "old@fiber.example"]


def test_filters_by_topic_and_platform(alice_client, people, team):
    other = Topic.objects.create(team=team, name="Tea", keywords="oolong")
    write(other, found("x", "tealeaf", NOW, "oolong"))
    assert handles(alice_client.get(PEOPLE, {"topic": other.pk})) == ["tealeaf"]
    assert handles(alice_client.get(PEOPLE, {"platform": "bluesky"})) == ["riley.bsky.social"]


def test_a_member_dismisses_a_person_and_brings_them_back(alice_client, people):
    riley = TopicAuthor.objects.get(handle="riley.bsky.social")
    url = reverse("listening:person_dismiss", args=[riley.pk])
    response = alice_client.post(url, {"next": PEOPLE})
    assert response.status_code == 302
    riley.refresh_from_db()
    assert riley.dismissed_at is not None and riley.dismissed_by.username == "alice"
    assert "riley.bsky.social" not in handles(alice_client.get(PEOPLE))
    assert handles(alice_client.get(PEOPLE, {"state": "dismissed"})) == ["riley.bsky.social"]
    alice_client.post(url, {"undo": "1"})
    riley.refresh_from_db()
    assert riley.dismissed_at is None


def test_a_viewer_may_look_but_not_dismiss_and_an_outsider_sees_nothing(
    bob_client, charlie_client, people
):
    riley = TopicAuthor.objects.get(handle="riley.bsky.social")
    url = reverse("listening:person_dismiss", args=[riley.pk])
    assert handles(bob_client.get(PEOPLE))[0] == "dara@fiber.example"
    assert bob_client.post(url).status_code == 403
    assert charlie_client.post(url).status_code == 404
    assert handles(charlie_client.get(PEOPLE)) == []
    riley.refresh_from_db()
    assert riley.dismissed_at is None
    assert charlie_client.get(PEOPLE, {"topic": people.pk}).status_code == 404


def test_the_csv_download_lists_the_people_in_rank_order(alice_client, people):
    write(people, found("x", "=cmd", NOW, "espresso"))
    response = alice_client.get(reverse("listening:people_csv"), {"platform": "x"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["rank", "platform", "handle", "name"]
    assert rows[1][1:3] == ["x", "'=cmd"]  # never a formula in a spreadsheet
    everyone = list(
        csv.reader(io.StringIO(alice_client.get(reverse("listening:people_csv")).content.decode()))
    )
    assert [r[2] for r in everyone[1:]] == [
        "dara@fiber.example",  # two posts, one with more terms and likes
        "'=cmd",
        "riley.bsky.social",
        "old@fiber.example",
    ]


def test_follows_come_from_the_brands_public_follow_lists(people, brand, mastodon, bluesky, team):
    ConnectorFactory(account=brand, kind="mastodon", base_url=mastodon.base_url)
    AccountFactory(team=team, platform="bluesky", handle="loomwellroasters.bsky.social")
    first = load("mastodon/following.json")[0]
    mastodon.following = [
        dict(first, id="1", acct="someone@else.example", url="https://else.example/@someone"),
        dict(first, id="2", acct="other@else.example", url="https://else.example/@other"),
        first,  # dara, on the second page
    ]
    bluesky.follows = load("bluesky/follows.json")["follows"]
    changed = services.topic_follows_refresh(team=team, http_options={"sleep": lambda _: None})
    assert changed == 2
    assert mastodon.requests_to("/api/v1/accounts/109412345678901234/following")[1] == {
        "max_id": "2"
    }  # the Link header's next page
    followed = set(
        TopicAuthor.objects.filter(followed_at__isnull=False).values_list("handle", flat=True)
    )
    assert followed == {"dara@fiber.example", "riley.bsky.social"}
    rows = selectors.people_to_engage(team_ids=[team.pk], now=NOW, state="followed")
    assert [r.handle for r in rows] == ["dara@fiber.example", "riley.bsky.social"]
    # Unfollowed since: the next check says so.
    mastodon.following = []
    services.topic_follows_refresh(team=team, http_options={"sleep": lambda _: None})
    assert TopicAuthor.objects.get(handle="dara@fiber.example").unfollowed_at == NOW


def test_ranking_twenty_people_takes_a_fixed_number_of_queries(
    people, team, django_assert_max_num_queries
):
    write(
        people,
        *(found("x", f"fan{i}", NOW - timedelta(hours=i), "espresso") for i in range(20)),
    )
    with django_assert_max_num_queries(6):
        rows = selectors.people_to_engage(team_ids=[team.pk], now=NOW)
    assert len(rows) == 23


def test_the_page_says_what_to_do_without_topics(alice_client, team):
    ListeningSettings.objects.create(team=team)
    response = alice_client.get(PEOPLE)
    assert b"add a topic" in response.content
    assert not Account.objects.exists()
