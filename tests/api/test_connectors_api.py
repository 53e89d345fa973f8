"""Connectors and inbound mentions over the API."""

from datetime import UTC, datetime

from rest_framework.test import APIClient

from metrics.connectors import credentials as vault
from tests.factories import AccountFactory, ConnectorFactory, InboundMentionFactory


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_connector_shows_its_health_but_never_its_credentials(alice, team):
    account = AccountFactory(team=team, platform="mastodon", handle="loomwell@c.example")
    connector = ConnectorFactory(
        account=account,
        credentials_encrypted=vault.encrypt({"access_token": "very-secret-token"}),
        last_error="Mastodon refused the credentials (401).",
        last_error_at=datetime(2026, 11, 21, 8, tzinfo=UTC),
        credentials_refused=True,
    )
    response = client_for(alice).get(f"/api/v1/connectors/{connector.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["has_credentials"] is True and body["state"] == "refused"
    assert "Credentials refused" in body["status"]
    raw = response.content.decode()
    assert "very-secret-token" not in raw and connector.credentials_encrypted not in raw


def test_mentions_can_be_narrowed_to_the_people_still_waiting(alice, charlie, team):
    account = AccountFactory(team=team)
    waiting = InboundMentionFactory(account=account)
    InboundMentionFactory(account=account, answered_at=datetime(2026, 11, 2, 10, tzinfo=UTC))
    InboundMentionFactory(account=account, needs_answer=False)
    response = client_for(alice).get("/api/v1/mentions/", {"waiting": "true"})
    assert [m["id"] for m in response.json()["results"]] == [waiting.pk]
    assert client_for(alice).get("/api/v1/mentions/").json()["count"] == 3
    assert client_for(alice).get("/api/v1/mentions/", {"waiting": "false"}).json()["count"] == 2
    assert client_for(charlie).get("/api/v1/mentions/").json()["count"] == 0
