"""Retention: topic posts older than the team's retention are deleted every day."""

from datetime import UTC, datetime, timedelta

from django_celery_beat.models import PeriodicTask

from listening import services
from listening.models import ListeningSettings, TopicAuthor, TopicMatch, TopicPost
from tests.listening.helpers import found, write

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_posts_past_the_retention_go_and_so_do_people_left_without_posts(topic, team, other_team):
    ListeningSettings.objects.create(team=team, retention_days=30)
    write(
        topic,
        found("x", "recent", NOW - timedelta(days=29), "espresso"),
        found("x", "stale", NOW - timedelta(days=31), "espresso"),
        found("x", "kept", NOW - timedelta(days=40), "espresso"),
    )
    TopicAuthor.objects.filter(handle="kept").update(dismissed_at=NOW)  # their mark stays
    theirs = topic.__class__.objects.create(team=other_team, name="T", keywords="espresso")
    write(theirs, found("x", "default", NOW - timedelta(days=100), "espresso"))  # 180 days
    assert services.listening_purge(now=NOW) == 2
    assert set(TopicPost.objects.values_list("author__handle", flat=True)) == {
        "recent",
        "default",
    }
    assert set(TopicAuthor.objects.values_list("handle", flat=True)) == {
        "recent",
        "kept",
        "default",
    }
    assert TopicMatch.objects.count() == 2


def test_the_collection_and_the_purge_are_scheduled(db):
    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["listening.collect_all"] is True
    assert tasks["listening.purge"] is True
