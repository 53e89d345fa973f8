"""One rule decides whether a scheduled sync runs now (metrics.connectors.status)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from metrics.connectors.status import due_connectors, is_due, sync_blocker
from metrics.models import Connector
from metrics.tasks import connector_sync_task
from tests.factories import AccountFactory, ConnectorFactory

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def connector(team):
    account = AccountFactory(team=team, platform="mastodon", handle="loomwell@coffee.social")
    return ConnectorFactory(account=account, kind="mastodon", interval_minutes=60)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enabled": False}, "disabled"),
        ({"credentials_refused": True}, "waiting for new credentials"),
        ({"retry_after": NOW + timedelta(minutes=5)}, "the platform asked to wait"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_blocked_connector_is_never_due_and_the_task_skips_it(connector, change, reason):
    Connector.objects.filter(pk=connector.pk).update(**change)
    connector.refresh_from_db()
    assert sync_blocker(connector, NOW) == reason
    assert not is_due(connector, NOW)
    assert connector not in due_connectors(NOW)
    assert connector_sync_task.apply(args=(connector.pk,)).get() == "skipped"


def test_a_connector_is_due_once_its_interval_has_passed_since_the_last_attempt(connector):
    assert is_due(connector, NOW)  # never ran
    Connector.objects.filter(pk=connector.pk).update(last_attempt_at=NOW)
    connector.refresh_from_db()
    assert not is_due(connector, NOW + timedelta(minutes=59))
    assert is_due(connector, NOW + timedelta(minutes=60))


def test_a_past_rate_limit_no_longer_blocks(connector):
    Connector.objects.filter(pk=connector.pk).update(retry_after=NOW - timedelta(seconds=1))
    connector.refresh_from_db()
    assert sync_blocker(connector, NOW) is None
