"""Bluesky post search through the listening collection, against a local AppView / PDS
serving the documented shapes (responses/SOURCES.md)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from werkzeug import Response

from listening import services
from listening.models import ListeningSettings, TopicPost
from tests.listening.conftest import collect
from tests.listening.fakes import bluesky_post, load

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def quiet(team):
    """Listening with no Mastodon instance: only Bluesky (and X when configured)."""
    return ListeningSettings.objects.create(team=team)


def test_it_searches_every_term_and_skips_deleted_posts(quiet, topic, bluesky):
    bluesky.posts = load("bluesky/search_posts.json")["posts"]
    outcome = collect(topic.team)
    assert outcome.ok, outcome.message
    post = TopicPost.objects.get()
    assert post.platform_id == "at://did:plc:riley123/app.bsky.feed.post/3lbqa2kz7ws2a"
    assert post.permalink == "https://bsky.app/profile/riley.bsky.social/post/3lbqa2kz7ws2a"
    assert post.author.handle == "riley.bsky.social"
    assert (post.likes, post.replies, post.reshares) == (12, 2, 1)
    asked = [r.args["q"] for r in bluesky.requests_to(SEARCH)]
    assert asked == ["pour over", "espresso", "#pourover", "#coffee"]
    assert all(r.args["sort"] == "latest" for r in bluesky.requests_to(SEARCH))
    assert set(post.matches.get().terms) == {"espresso", "#coffee"}


def test_it_pages_with_the_cursor_and_asks_only_for_newer_posts_next_time(quiet, topic, bluesky):
    bluesky.page_size = 10
    bluesky.posts = [
        bluesky_post(NOW - timedelta(minutes=i), f"p{i}", f"espresso {i}") for i in range(25)
    ]
    assert collect(topic.team).ok
    espresso = [r for r in bluesky.requests_to(SEARCH) if r.args["q"] == "espresso"]
    assert [r.args.get("cursor") for r in espresso] == [None, "10", "20"]
    assert TopicPost.objects.count() == 25
    bluesky.server.clear_log()
    assert collect(topic.team).ok
    again = [r for r in bluesky.requests_to(SEARCH) if r.args["q"] == "espresso"]
    assert again[0].args["since"] == "2026-11-20T12:00:00Z"  # the newest post seen
    assert TopicPost.objects.count() == 25


def test_search_that_asks_to_sign_in_is_a_note(quiet, topic, bluesky):
    bluesky.require_auth = True
    bluesky.posts = load("bluesky/search_posts.json")["posts"]
    outcome = collect(topic.team)
    assert outcome.ok
    assert any("Bluesky asks to sign in for post search" in n for n in outcome.notes)
    assert TopicPost.objects.count() == 0


def test_with_the_teams_app_password_it_signs_in_and_searches_with_the_token(quiet, topic, bluesky):
    bluesky.require_auth = True
    bluesky.posts = load("bluesky/search_posts.json")["posts"]
    quiet.bluesky_identifier = "loomwellroasters.bsky.social"
    quiet.bluesky_pds_url = bluesky.base_url
    services.listening_settings_save(user=None, listening=quiet, app_password="abcd-efgh-ijkl")
    assert "abcd" not in quiet.credentials_encrypted  # stored encrypted
    outcome = collect(topic.team)
    assert outcome.ok, outcome.notes
    session = bluesky.requests_to("/xrpc/com.atproto.server.createSession")
    assert len(session) == 1
    assert session[0].get_json() == {
        "identifier": "loomwellroasters.bsky.social",
        "password": "abcd-efgh-ijkl",
    }
    searches = bluesky.requests_to(SEARCH)
    assert searches and all(
        r.headers["Authorization"] == "Bearer eyJhbGciOiJFUzI1NksifQ.access.signature"
        for r in searches
    )
    assert TopicPost.objects.count() == 1


def test_a_429_is_waited_out(quiet, topic, bluesky):
    bluesky.posts = [bluesky_post(NOW - timedelta(hours=1), "riley", "espresso time")]
    bluesky.failures.append(
        Response('{"error": "RateLimitExceeded"}', status=429, headers={"Retry-After": "4"})
    )
    sleeps = []
    assert collect(topic.team, sleeps).ok
    assert sleeps == [4.0]
    assert TopicPost.objects.count() == 1
