"""Mastodon hashtag timelines through the listening collection, against a local instance
serving the documented shapes (responses/SOURCES.md)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from werkzeug import Response

from listening import services
from listening.models import ListeningSettings, TopicAuthor, TopicMatch, TopicPost
from tests.listening.conftest import collect
from tests.listening.fakes import load, status

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TAG = "/api/v1/timelines/tag/pourover"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_stores_matching_public_posts_with_their_permalinks(listening, topic, mastodon):
    mastodon.tags["pourover"] = load("mastodon/tag_timeline.json")
    outcome = collect(topic.team)
    assert outcome.ok, outcome.message
    post = TopicPost.objects.get()  # the giveaway post holds an excluded word
    assert post.platform_id == "https://fiber.example/users/dara/statuses/113512345678901234"
    assert post.permalink == "https://fiber.example/@dara/113512345678901234"
    assert post.author.handle == "dara@fiber.example"  # a local acct takes its host
    assert (post.likes, post.replies, post.reshares) == (7, 3, 1)
    assert post.mentions == ["loomwell@mastodon.example"]
    assert TopicMatch.objects.get().terms == ["#pourover"]
    assert "Any tips for a light roast?" in post.text


def test_it_pages_back_with_max_id_and_reads_only_newer_posts_next_time(listening, topic, mastodon):
    mastodon.tags["pourover"] = [
        status(NOW - timedelta(minutes=i), f"fan{i}", f"Brew {i}") for i in range(95)
    ]
    first = collect(topic.team)
    assert first.ok and TopicPost.objects.count() == 95
    pages = mastodon.requests_to(TAG)
    # 40 + 40 + 15, then an empty page: Mastodon's Link header names a next page even
    # after the last one, so only an empty answer ends the walk.
    assert len(pages) == 4
    assert pages[1]["max_id"] == min(
        (s["id"] for s in mastodon.tags["pourover"][:40]), key=lambda i: (len(i), i)
    )
    mastodon.server.clear_log()
    mastodon.tags["pourover"].append(status(NOW + timedelta(seconds=1), "newcomer", "Hello"))
    second = collect(topic.team)
    assert second.ok
    assert len(mastodon.requests_to(TAG)) == 1  # the newest page reaches the stored id
    assert TopicPost.objects.count() == 96
    assert second.created == 1


def test_a_post_seen_on_two_instances_is_one_post(listening, topic, mastodon, second_instance):
    listening.mastodon_instances = f"{mastodon.base_url}\n{second_instance.base_url}"
    listening.save()
    shared = status(NOW - timedelta(hours=1), "dara", "Same post")
    mastodon.tags["pourover"] = [shared]
    elsewhere = dict(shared, id="42")  # another local id, the same uri
    second_instance.tags["pourover"] = [elsewhere]
    assert collect(topic.team).ok
    assert TopicPost.objects.count() == 1
    assert TopicAuthor.objects.count() == 1


def test_a_429_with_retry_after_is_waited_out(listening, topic, mastodon):
    mastodon.tags["pourover"] = [status(NOW - timedelta(hours=1), "dara", "Brew")]
    mastodon.fail_next(
        TAG,
        Response('{"error": "Too many requests"}', status=429, headers={"Retry-After": "7"}),
    )
    sleeps = []
    outcome = collect(topic.team, sleeps)
    assert outcome.ok
    assert 7.0 in sleeps
    assert TopicPost.objects.count() == 1


def test_a_long_429_is_a_note_and_the_next_run_resumes(listening, topic, mastodon):
    mastodon.tags["pourover"] = [status(NOW - timedelta(hours=1), "dara", "Brew")]
    mastodon.fail_next(
        TAG, Response('{"error": "Too many requests"}', status=429, headers={"Retry-After": "3600"})
    )
    outcome = collect(topic.team)
    assert outcome.ok
    assert any("rate limited" in note for note in outcome.notes)
    assert TopicPost.objects.count() == 0
    assert collect(topic.team).ok
    assert TopicPost.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "body"),
    [
        (401, '{"error": "This API requires an authenticated user"}'),
        (422, '{"error": "This method requires an authenticated user"}'),
    ],
)
def test_an_instance_that_requires_sign_in_is_a_clear_note_not_a_crash(
    listening, topic, mastodon, second_instance, code, body
):
    listening.mastodon_instances = f"{mastodon.base_url}\n{second_instance.base_url}"
    listening.save()
    mastodon.fail_next(TAG, Response(body, status=code, content_type="application/json"))
    second_instance.tags["pourover"] = [status(NOW - timedelta(hours=1), "dara", "Brew")]
    outcome = collect(topic.team)
    assert outcome.ok
    host = mastodon.base_url.split("//")[1].split(":")[0]
    assert any(
        f"Mastodon {host} shows hashtag timelines only to signed-in users" in note
        for note in outcome.notes
    )
    assert TopicPost.objects.count() == 1  # the other instance still counted
    stored = ListeningSettings.objects.get(pk=listening.pk)
    assert stored.last_notes == outcome.notes and stored.running_since is None


@pytest.mark.parametrize("answer", ["<html><body>My blog</body></html>", {"name": "not mastodon"}])
def test_a_server_that_is_not_mastodon_is_named_in_a_note(listening, topic, mastodon, answer):
    mastodon.instance = answer
    outcome = collect(topic.team)
    assert outcome.ok
    assert any("is not a Mastodon server" in note for note in outcome.notes)
    assert mastodon.requests_to(TAG) == []
    assert TopicPost.objects.count() == 0


def test_deleted_and_private_statuses_are_not_kept(listening, topic, mastodon):
    gone = status(NOW - timedelta(hours=1), "gone", "Deleted")
    gone["account"] = None  # the author's account was deleted meanwhile
    private = status(NOW - timedelta(hours=2), "shy", "Followers only", sid="5")
    private["visibility"] = "private"
    kept = status(NOW - timedelta(hours=3), "dara", "Public", sid="4")
    mastodon.tags["pourover"] = [gone, private, kept]
    assert collect(topic.team).ok
    assert list(TopicPost.objects.values_list("author__handle", flat=True)) == [
        "dara@fiber.example"
    ]


def test_posts_older_than_the_retention_are_not_collected(listening, topic, mastodon):
    listening.retention_days = 30
    listening.save()
    mastodon.tags["pourover"] = [
        status(NOW - timedelta(days=1), "new", "Fresh"),
        status(NOW - timedelta(days=31), "old", "Stale"),
    ]
    assert collect(topic.team).ok
    assert list(TopicPost.objects.values_list("author__handle", flat=True)) == ["new@fiber.example"]


def test_in_production_a_private_instance_address_is_refused(listening, topic, mastodon, settings):
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False
    settings.DEBUG = False
    outcome = collect(topic.team)
    assert outcome.ok
    assert any("private or local address" in note for note in outcome.notes)
    assert mastodon.server.log == []
    with pytest.raises(ValidationError, match="private or local address"):
        services.listening_settings_save(user=None, listening=listening)


def test_an_instance_address_that_is_no_server_is_a_clear_error(team):
    found = ListeningSettings(
        team=team, mastodon_instances="mastodon.social\nhttps://x.example/@me"
    )
    with pytest.raises(ValidationError) as error:
        found.full_clean()
    assert "“https://x.example/@me” is not a server address" in str(error.value)
