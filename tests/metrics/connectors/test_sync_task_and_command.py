"""The Celery task and `manage.py sync_connectors` around the sync service."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from metrics.connectors import credentials as vault
from metrics.connectors.sync import SyncOutcome
from metrics.models import Connector, Post
from metrics.tasks import connector_sync_task, retry_countdown
from tests.metrics.connectors.fake_mastodon import HANDLE, FakeMastodon, own_status

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


def test_the_task_syncs_and_a_refused_connector_waits_for_new_credentials(connector):
    assert connector_sync_task.delay(connector.pk).get() == "ok"
    assert Post.objects.count() == 1
    Connector.objects.filter(pk=connector.pk).update(credentials_refused=True)
    assert connector_sync_task.delay(connector.pk).get() == "skipped"
    # "Sync now" tries anyway: the person may have just fixed the token on the platform.
    assert connector_sync_task.delay(connector.pk, manual=True).get() == "ok"


def test_the_task_of_a_deleted_connector_removes_its_schedule(connector):
    from django_celery_beat.models import PeriodicTask

    from metrics.connectors.services import connector_schedule

    connector_schedule(connector=connector)
    pk = connector.pk
    Connector.objects.filter(pk=pk).delete()
    assert connector_sync_task.delay(pk).get() == "gone"
    assert not PeriodicTask.objects.filter(task="metrics.connector_sync").exists()


def test_retries_back_off_exponentially_and_honour_the_platforms_time():
    temporary = SyncOutcome(connector_id=1, retry=True)
    assert [retry_countdown(temporary, retries=n, now=NOW) for n in range(6)] == [
        60.0,
        120.0,
        240.0,
        480.0,
        960.0,
        None,
    ]
    limited = SyncOutcome(connector_id=1, retry=True, retry_at=NOW + timedelta(minutes=15))
    assert retry_countdown(limited, retries=0, now=NOW) == 900.0
    refused = SyncOutcome(connector_id=1, retry=False, message="401")
    assert retry_countdown(refused, retries=0, now=NOW) is None


def test_sync_now_in_the_admin_queues_a_run(
    alice_client, connector, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("admin:metrics_connector_changelist"),
            {"action": "sync_now", "_selected_action": [connector.pk]},
        )
    assert response.status_code == 302
    assert Post.objects.count() == 1
    assert Connector.objects.get().last_success_at == NOW


def test_the_command_runs_the_due_syncs_with_a_line_each(connector, capsys):
    call_command("sync_connectors")
    out = capsys.readouterr()
    assert f"Mastodon @{HANDLE} (loomwell): ok, " in out.out
    assert "1 posts" in out.out
    assert "page 1" in out.err  # progress while it runs
    call_command("sync_connectors")
    assert "No connector is due." in capsys.readouterr().out


def test_the_command_names_an_account_and_fails_loudly(connector, server, capsys):
    from werkzeug import Response

    server.fail_once("/api/v1/accounts/lookup", Response("gone", status=404))
    with pytest.raises(CommandError, match="1 of 1 sync"):
        call_command("sync_connectors", "--account", f"mastodon:{HANDLE}")
    assert "FAILED after 0 page(s): Mastodon" in capsys.readouterr().out


def test_the_command_refuses_unknown_names(connector):
    with pytest.raises(CommandError, match="No team with slug"):
        call_command("sync_connectors", "--team", "nope")
    with pytest.raises(CommandError, match="not PLATFORM:HANDLE"):
        call_command("sync_connectors", "--account", "myspace:tom")
    with pytest.raises(CommandError, match="No connector for x:loomwell"):
        call_command("sync_connectors", "--account", "x:loomwell")


def test_the_command_reencrypts_credentials_after_a_key_rotation(connector, settings, capsys):
    from cryptography.fernet import Fernet

    old = settings.CONNECTOR_CREDENTIALS_KEYS[0]
    settings.CONNECTOR_CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old]
    call_command("sync_connectors", "--reencrypt-credentials")
    assert "Re-encrypted the credentials of 1 connector(s)." in capsys.readouterr().out
    settings.CONNECTOR_CREDENTIALS_KEYS = settings.CONNECTOR_CREDENTIALS_KEYS[:1]
    assert vault.decrypt(Connector.objects.get().credentials_encrypted) == {
        "access_token": "test-token"
    }
