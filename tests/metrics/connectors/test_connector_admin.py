"""The connector admin: credentials go in encrypted and never come back out."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from metrics.connectors import credentials as vault
from metrics.models import Connector
from metrics.platforms import Platform
from tests.admin_forms import errors_of, post_data
from tests.factories import AccountFactory, ConnectorFactory

ADD = reverse("admin:metrics_connector_add")
CHANGELIST = reverse("admin:metrics_connector_changelist")
KEY = "AIzaSyTEST-not-a-real-key-123456"


@pytest.fixture
def channel(team):
    return AccountFactory(team=team, platform=Platform.YOUTUBE, handle="loomwellroast")


@pytest.fixture
def connector(channel):
    c = ConnectorFactory(account=channel, kind="youtube")
    c.credentials_encrypted = vault.encrypt({"api_key": KEY})
    c.save()
    return c


def change_url(connector):
    return reverse("admin:metrics_connector_change", args=[connector.pk])


def test_alice_adds_a_connector_with_its_key_encrypted_and_scheduled(alice_client, channel):
    data = post_data(
        alice_client.get(ADD),
        account=channel.pk,
        kind="youtube",
        interval_minutes=30,
        credential_youtube_api_key=KEY,
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)
    connector = Connector.objects.get()
    assert KEY not in connector.credentials_encrypted
    assert vault.decrypt(connector.credentials_encrypted) == {"api_key": KEY}
    task = PeriodicTask.objects.get(pk=connector.periodic_task_id)
    assert (task.task, task.args, task.interval.every, task.enabled) == (
        "metrics.connector_sync",
        f"[{connector.pk}]",
        30,
        True,
    )


def test_a_required_credential_is_asked_for(alice_client, channel):
    data = post_data(alice_client.get(ADD), account=channel.pk, kind="youtube")
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    assert "needs the API key" in str(errors_of(response))
    assert not Connector.objects.exists()


def test_a_connector_must_match_the_accounts_platform(alice_client, channel):
    data = post_data(
        alice_client.get(ADD), account=channel.pk, kind="x", credential_x_bearer_token="t"
    )
    response = alice_client.post(ADD, data)
    assert "reads X (Twitter) accounts" in str(errors_of(response))
    assert not Connector.objects.exists()


def test_the_change_page_never_shows_the_key_and_blank_keeps_it(alice_client, connector):
    page = alice_client.get(change_url(connector))
    assert KEY not in page.content.decode()
    assert "api_key (values are never shown)" in page.content.decode()
    data = post_data(page, interval_minutes=15)
    assert data["credential_youtube_api_key"] == ""
    response = alice_client.post(change_url(connector), data)
    assert response.status_code == 302, errors_of(response)
    connector.refresh_from_db()
    assert connector.interval_minutes == 15
    assert vault.decrypt(connector.credentials_encrypted) == {"api_key": KEY}


def test_new_credentials_lift_a_refusal(alice_client, connector):
    connector.credentials_refused = True
    connector.save()
    data = post_data(alice_client.get(change_url(connector)), credential_youtube_api_key="new")
    alice_client.post(change_url(connector), data)
    connector.refresh_from_db()
    assert connector.credentials_refused is False
    assert vault.decrypt(connector.credentials_encrypted) == {"api_key": "new"}


def test_bob_may_look_but_not_change(bob_admin_client, connector):
    assert bob_admin_client.get(change_url(connector)).status_code == 200
    data = post_data(bob_admin_client.get(change_url(connector)), interval_minutes=5)
    assert bob_admin_client.post(change_url(connector), data).status_code == 403
    add_page = bob_admin_client.get(ADD)
    assert connector.account not in add_page.context["adminform"].form.fields["account"].queryset


def test_charlie_sees_nothing(charlie_client, connector):
    assert charlie_client.get(change_url(connector)).status_code in (302, 404)
    response = charlie_client.get(CHANGELIST)
    assert list(response.context["cl"].queryset) == []


def test_deleting_a_connector_removes_its_schedule(alice_client, channel):
    data = post_data(
        alice_client.get(ADD), account=channel.pk, kind="youtube", credential_youtube_api_key=KEY
    )
    alice_client.post(ADD, data)
    connector = Connector.objects.get()
    response = alice_client.post(
        reverse("admin:metrics_connector_delete", args=[connector.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Connector.objects.exists()
    assert not PeriodicTask.objects.filter(task="metrics.connector_sync").exists()
