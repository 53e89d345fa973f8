"""The outbox worker against a local webhook receiver (pytest-httpserver): signed generic
payloads, Slack-compatible ones, retries then failing (owners told), a redirect to a
private address refused, leases."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from werkzeug import Response

from goals.alerts import delivery, webhooks
from goals.alerts.models import (
    AlertDelivery,
    AlertEvent,
    DeliveryStatus,
    EventKind,
    Webhook,
    WebhookFormat,
)
from goals.alerts.outbox import Audience, record_event
from goals.alerts.secrets import new_secret, secret_store
from metrics.connectors.sync import public_addresses
from tests.goals.alerts.helpers import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_retries(settings):
    settings.ALERT_RETRY_BASE_SECONDS = 0
    settings.ALERT_DELIVERY_MAX_ATTEMPTS = 3


def _webhook(team, url, fmt=WebhookFormat.GENERIC, secret="s3cret"):  # noqa: S107
    return Webhook.objects.create(
        team=team, name="Ops", format=fmt, url=url, secret_encrypted=secret_store(secret)
    )


def _event(team, **kwargs):
    return record_event(
        audience=Audience.load(team),
        kind=kwargs.pop("kind", EventKind.KR_AT_RISK),
        object_key=kwargs.pop("object_key", "kr:1"),
        day=TODAY,
        title="Replies per week: at risk",
        message="Needs +12 per week.",
        url="http://tracker.test/key-results/1/",
        **kwargs,
    )


def test_a_generic_payload_is_signed_with_the_webhooks_secret(team, httpserver):
    hook = _webhook(team, httpserver.url_for("/hook"), secret="top-secret")
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    event = _event(team)
    assert delivery.drain().sent == 1
    request, _ = httpserver.log[0]
    body = request.get_data()
    timestamp = request.headers[webhooks.TIMESTAMP_HEADER]
    assert webhooks.verify(
        "top-secret", timestamp, body, request.headers[webhooks.SIGNATURE_HEADER]
    )
    assert not webhooks.verify("wrong", timestamp, body, request.headers[webhooks.SIGNATURE_HEADER])
    payload = json.loads(body)
    row = AlertDelivery.objects.get(webhook=hook)
    assert payload["id"] == row.pk == int(request.headers["Idempotency-Key"])
    assert payload["event"] == "kr_at_risk" and payload["object"] == "kr:1"
    assert payload["team"] == team.slug and payload["day"] == TODAY.isoformat()
    assert payload["title"] == event.title
    assert row.status == DeliveryStatus.SENT and row.sent_at is not None


def test_a_slack_payload_is_text_with_the_link(team, httpserver):
    _webhook(team, httpserver.url_for("/slack"), fmt=WebhookFormat.SLACK)
    httpserver.expect_oneshot_request("/slack", method="POST").respond_with_data("ok")
    _event(team)
    assert delivery.drain().sent == 1
    payload = json.loads(httpserver.log[0][0].get_data())
    assert set(payload) == {"text"}
    assert payload["text"].startswith("*Replies per week: at risk*\n")
    assert "http://tracker.test/key-results/1/" in payload["text"]


def test_a_webhook_answering_500_is_retried_then_failing_and_the_owners_are_told(
    team, alice, bob, httpserver, fast_retries
):
    hook = _webhook(team, httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("boom", status=500)
    _event(team, recipients=[])  # the webhook only
    result = delivery.drain()
    assert len(httpserver.log) == 3
    row = AlertDelivery.objects.get(webhook=hook)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 3
    assert "answered 500" in row.last_error
    hook.refresh_from_db()
    assert hook.failing_since is not None and "500" in hook.last_error
    told = AlertEvent.objects.get(kind=EventKind.WEBHOOK_FAILING)
    # Owners only, by e-mail (and the failing webhook is not asked to say it).
    assert list(told.deliveries.values_list("user__username", "channel")) == [("alice", "email")]
    assert result.failed == 1 and result.sent == 1
    assert [m.to for m in mail.outbox] == [[alice.email]]


def test_a_webhook_that_does_not_answer_times_out_and_is_retried_later(team, settings):
    settings.ALERT_WEBHOOK_TIMEOUT_SECONDS = 1
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never answers
    try:
        hook = _webhook(team, f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
        _event(team, recipients=[])
        result = delivery.drain()
    finally:
        silent.close()
    row = AlertDelivery.objects.get(webhook=hook)
    assert result.retrying == 1
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1
    assert "No answer within 1 s" in row.last_error
    assert row.next_attempt_at > timezone.now()


def test_a_redirect_to_a_private_address_is_refused(team, httpserver, settings, monkeypatch):
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = False

    def resolve(host: str) -> list[str]:  # the test's "public" host is the local receiver
        return ["127.0.0.1"] if host == "hooks.test" else public_addresses(host)

    monkeypatch.setattr(webhooks, "resolve", resolve)
    port = httpserver.port
    httpserver.expect_request("/hook").respond_with_response(
        Response(status=307, headers={"Location": f"http://127.0.0.1:{port}/internal"})
    )
    httpserver.expect_request("/internal").respond_with_data("should never be reached")
    hook = _webhook(team, f"http://hooks.test:{port}/hook")
    _event(team, recipients=[])
    assert delivery.drain().failed == 1
    assert [r.path for r, _ in httpserver.log] == ["/hook"]
    row = AlertDelivery.objects.get(webhook=hook)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert "private or local address" in row.last_error


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease(team, httpserver):
    hook = _webhook(team, httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("ok")
    _event(team, recipients=[])
    claimed = delivery.claim_one()
    assert claimed is not None  # ... and the worker holding it is killed here
    assert delivery.claim_one() is None  # held: nobody else sends it meanwhile
    later = timezone.now() + timedelta(seconds=200)
    again = delivery.claim_one(now=later)
    assert again is not None and again[0].pk == claimed[0].pk and again[1] != claimed[1]
    # The dead worker's token no longer writes anything.
    assert not AlertDelivery.objects.filter(pk=claimed[0].pk, claim=claimed[1]).exists()
    row = AlertDelivery.objects.get(webhook=hook)
    assert row.status == DeliveryStatus.SENDING and row.attempts == 2


def test_a_sent_message_is_never_sent_again(team, httpserver):
    _webhook(team, httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("ok")
    _event(team, recipients=[])
    assert delivery.drain().sent == 1
    assert delivery.drain().sent == 0
    assert delivery.claim_one(now=timezone.now() + timedelta(days=1)) is None
    assert len(httpserver.log) == 1


def test_a_webhook_listening_for_other_events_gets_nothing(team, httpserver):
    hook = _webhook(team, httpserver.url_for("/hook"))
    hook.events = [EventKind.SUMMARY_READY]
    hook.save()
    _event(team, recipients=[])
    assert not AlertDelivery.objects.exists()


def test_secrets_are_stored_encrypted(team):
    secret = new_secret()
    hook = _webhook(team, "https://hooks.example.org/x", secret=secret)
    assert secret not in hook.secret_encrypted
    assert webhooks.secret_of(hook) == secret
