"""A real Celery worker on Redis runs the topic collection queued by 'Collect now'."""

from datetime import UTC, datetime, timedelta

import pytest

from listening import services
from listening.models import ListeningSettings, TopicPost
from strategy_tracker import celery_app
from tests.celery_worker import wait_until
from tests.factories import UserFactory
from tests.listening.fakes import bluesky_post, status


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_collects_a_teams_topics(redis_broker, team, topic, mastodon, bluesky):
    now = datetime.now(UTC)
    ListeningSettings.objects.create(team=team, mastodon_instances=mastodon.base_url)
    mastodon.tags["pourover"] = [
        status(now - timedelta(hours=i), f"m{i}", "Brew") for i in range(3)
    ]
    bluesky.posts = [bluesky_post(now - timedelta(hours=1), "riley", "espresso at home")]
    user = UserFactory(username="root", is_superuser=True)
    services.listening_collect_enqueue(user=user, team=team)  # on commit: autocommit here

    def finished() -> bool:
        run = ListeningSettings.objects.get(team=team)
        return run.last_run_at is not None and run.running_since is None

    wait_until(finished, what="the collection to finish")
    found = ListeningSettings.objects.get(team=team)
    assert found.last_error == "", found.last_error
    assert TopicPost.objects.filter(team=team).count() == 4
    # Delivered again, the same task changes nothing: the cursors stop it at what it has.
    result = celery_app.send_task(services.COLLECT_TEAM_TASK, args=[team.pk])
    summary = result.get(timeout=30)
    assert summary["ok"] is True and summary["created"] == 0
    assert TopicPost.objects.filter(team=team).count() == 4
