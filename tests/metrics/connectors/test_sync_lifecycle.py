"""A connector whose sync's worker died (heartbeat stopped) is released with a message; a
live run keeps it, and a run that lost it writes no further page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from metrics.connectors import sync as sync_service
from metrics.connectors.sync import SYNC_WORKER_STOPPED, connector_sync, connector_syncs_reap
from metrics.models import Connector, Post
from tests.metrics.connectors.fake_mastodon import FakeMastodon, own_status

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def server(httpserver):
    fake = FakeMastodon(httpserver)
    fake.statuses = [own_status(NOW - timedelta(days=1), "Hello, knitters")]
    return fake


def _running(connector: Connector, *, heartbeat_minutes_ago: int) -> None:
    Connector.objects.filter(pk=connector.pk).update(
        running_since=NOW - timedelta(minutes=20),
        heartbeat_at=NOW - timedelta(minutes=heartbeat_minutes_ago),
    )


def test_the_reaper_releases_a_sync_whose_heartbeat_stopped(connector):
    _running(connector, heartbeat_minutes_ago=10)

    assert connector_syncs_reap() == 1

    connector.refresh_from_db()
    assert connector.running_since is None
    assert connector.last_error == SYNC_WORKER_STOPPED
    assert "it may have run out of memory" in connector.last_error
    assert connector.is_failing


def test_the_reaper_leaves_a_sync_with_a_fresh_heartbeat_alone(connector):
    _running(connector, heartbeat_minutes_ago=0)

    assert connector_syncs_reap() == 0

    connector.refresh_from_db()
    assert connector.running_since == NOW - timedelta(minutes=20)
    assert connector.last_error == ""


def test_a_live_run_keeps_the_connector_and_a_dead_one_does_not(connector, server):
    _running(connector, heartbeat_minutes_ago=0)
    assert connector_sync(connector_id=connector.pk).skipped
    assert server.httpserver.log == []

    _running(connector, heartbeat_minutes_ago=10)
    outcome = connector_sync(connector_id=connector.pk)

    assert outcome.ok and Post.objects.count() == 1
    connector.refresh_from_db()
    assert connector.running_since is None and connector.heartbeat_at is None


def test_each_page_is_a_heartbeat(connector, server, monkeypatch):
    beats = []
    write_page = sync_service._write_page

    def spy(connector, page, ctx, outcome, source):
        write_page(connector, page, ctx, outcome, source)
        beats.append(Connector.objects.get(pk=connector.pk).heartbeat_at)

    monkeypatch.setattr(sync_service, "_write_page", spy)
    assert connector_sync(connector_id=connector.pk).ok
    assert beats and all(beat == NOW for beat in beats)


def test_a_run_that_lost_the_connector_writes_no_page(connector, server, monkeypatch):
    claim = sync_service._claim

    def taken_over(connector_id, now):
        claimed = claim(connector_id, now)
        # Presumed dead meanwhile, and another run took the connector over.
        Connector.objects.filter(pk=connector_id).update(running_since=now + timedelta(1))
        return claimed

    monkeypatch.setattr(sync_service, "_claim", taken_over)

    outcome = connector_sync(connector_id=connector.pk)

    assert not outcome.ok and "another took over" in outcome.message
    assert not Post.objects.exists()
    connector.refresh_from_db()
    assert connector.running_since == NOW + timedelta(1)  # the other run's, untouched
