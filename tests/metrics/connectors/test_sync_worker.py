"""End to end: a real Celery worker on Redis syncs a connector from a local Mastodon
server, and the posts, inbound mentions and response metrics land in the database."""

from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from metrics.connectors import credentials as vault
from metrics.connectors.services import connector_sync_enqueue
from metrics.models import Connector, InboundMention, MetricObservation, Post
from metrics.platforms import Platform
from metrics.selectors import SeriesRequest, series_for
from tests.celery_worker import wait_until
from tests.factories import AccountFactory, ConnectorFactory, TeamFactory
from tests.metrics.connectors.fake_mastodon import (
    HANDLE,
    NOTIFICATIONS,
    FakeMastodon,
    own_status,
    their_status,
)


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_redis_syncs_a_connector(redis_broker, httpserver):
    now = timezone.now().replace(microsecond=0)
    server = FakeMastodon(httpserver)
    post = own_status(now - timedelta(days=2), "New colours are in. Which one first?")
    ana = their_status(
        now - timedelta(days=2) + timedelta(hours=1), "ana", "The moss one!", reply_to=post
    )
    ben = their_status(now - timedelta(hours=5), "ben", "Restock date?")
    server.statuses = [
        post,
        own_status(
            ana_time := now - timedelta(days=2) + timedelta(hours=1, minutes=30),
            "@ana Good choice!",
            reply_to=ana,
        ),
    ]
    server.mentions = [ana, ben]
    server.fail_once(NOTIFICATIONS, Response("upstream down", status=503))  # retried in-process

    team = TeamFactory(slug="loomwell")
    account = AccountFactory(team=team, platform=Platform.MASTODON, handle=HANDLE)
    connector = ConnectorFactory(
        account=account,
        kind="mastodon",
        base_url=server.base_url,
        credentials_encrypted=vault.encrypt({"access_token": "test-token"}),
    )
    connector_sync_enqueue(user=None, connector=connector)  # on commit: autocommit here

    def finished() -> bool:
        connector.refresh_from_db()
        return connector.last_attempt_at is not None and connector.running_since is None

    wait_until(finished, what="the sync to finish")
    assert connector.last_success_at is not None, connector.last_error
    assert connector.last_summary["mentions"] == 2

    assert Post.objects.filter(account=account).count() == 2
    answered = InboundMention.objects.get(author_handle="ana@fiber.example")
    assert answered.response_minutes == 30
    assert answered.answered_by.text.startswith("@ana Good choice")
    assert InboundMention.objects.get(author_handle="ben@fiber.example").answered_at is None
    assert MetricObservation.objects.get(account=account, metric="followers").value == 4821
    day = timezone.localdate(ana_time, timezone=team.tzinfo)
    assert (
        MetricObservation.objects.get(account=account, metric="answered_mentions", date=day).value
        == 1
    )
    median = series_for(
        [
            SeriesRequest(
                1,
                "median_response_minutes",
                (account.pk,),
                day,
                timezone.localdate(timezone=team.tzinfo),
            )
        ]
    )[1]
    assert median.current == 30.0
    assert Connector.objects.get(pk=connector.pk).cursor["mentions_newest_id"] == ben["id"]
