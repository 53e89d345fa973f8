"""Webhooks in the admin: owners add them; the secret is shown once and stored encrypted; a
private address is refused in production; others may not add or see them."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from goals.alerts.models import Webhook, WebhookFormat
from goals.alerts.secrets import secret_of
from tests.admin_forms import errors_of, post_data

pytestmark = pytest.mark.django_db

ADD = reverse("admin:goals_webhook_add")


def test_alice_adds_a_webhook_and_sees_its_secret_once(alice_client, team):
    data = post_data(
        alice_client.get(ADD),
        team=team.pk,
        name="Ops channel",
        format=WebhookFormat.GENERIC,
        url="https://hooks.example.org/strategy",
        events=["kr_off_track", "mention_waiting"],
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 302, errors_of(response)
    hook = Webhook.objects.get()
    shown = " | ".join(str(m) for m in get_messages(response.wsgi_request))
    secret = re.search(r"copy it now\): (\S+)", shown)
    assert secret is not None
    assert secret.group(1) == secret_of(hook)
    assert secret.group(1) not in hook.secret_encrypted
    assert hook.events == ["kr_off_track", "mention_waiting"]
    after = alice_client.get(response["Location"])  # where the admin goes: the message, once
    assert secret.group(1) in after.content.decode()
    page = alice_client.get(reverse("admin:goals_webhook_change", args=[hook.pk]))
    assert secret.group(1) not in page.content.decode()


def test_a_private_address_is_refused_in_production(alice_client, team, settings):
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False
    data = post_data(
        alice_client.get(ADD),
        team=team.pk,
        name="Internal",
        format=WebhookFormat.SLACK,
        url="http://127.0.0.1:8080/hook",
    )
    response = alice_client.post(ADD, data)
    assert response.status_code == 200
    assert "private or local address" in str(errors_of(response))
    assert not Webhook.objects.exists()


def test_a_viewer_may_not_add_a_webhook(bob_admin_client, team):
    assert bob_admin_client.get(ADD).status_code == 403


def test_charlie_does_not_see_loomwells_webhooks(charlie_client, team):
    hook = Webhook.objects.create(
        team=team, name="Ops", format=WebhookFormat.SLACK, url="https://hooks.example.org/x"
    )
    changelist = charlie_client.get(reverse("admin:goals_webhook_changelist"))
    assert "hooks.example.org" not in changelist.content.decode()
    change = charlie_client.get(reverse("admin:goals_webhook_change", args=[hook.pk]))
    assert change.status_code in (302, 404)
