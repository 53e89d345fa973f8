"""Alert e-mails through a real local SMTP server: a text part and an HTML part, one per
member, and a member without an address skipped."""

from __future__ import annotations

import pytest

from goals.alerts import delivery
from goals.alerts.models import AlertDelivery, DeliveryStatus, EventKind
from goals.alerts.outbox import Audience, record_event
from tests.goals.alerts.helpers import TODAY
from tests.goals.alerts.smtp import parts, smtp  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_an_alert_reaches_each_member_by_smtp_with_text_and_html(team, alice, bob, smtp):  # noqa: F811
    bob.email = ""
    bob.save()
    record_event(
        audience=Audience.load(team),
        kind=EventKind.KR_OFF_TRACK,
        object_key="kr:7",
        day=TODAY,
        title="Replies per week: off track",
        message="Loomwell Q3 › Talk with people: now off track, 12% of the way.",
        url="http://tracker.test/key-results/7/",
    )
    result = delivery.drain()
    assert result.sent == 1
    [(recipients, message)] = smtp.messages
    assert recipients == [alice.email]
    assert message["Subject"] == "[Loomwell] Replies per week: off track"
    body = parts(message)
    assert "12% of the way" in body["text/plain"]
    assert "http://tracker.test/key-results/7/" in body["text/plain"]
    assert '<a href="http://tracker.test/key-results/7/">' in body["text/html"]
    assert "/teams/loomwell/alerts/preferences/" in body["text/plain"]
    skipped = AlertDelivery.objects.get(user=bob)
    assert skipped.status == DeliveryStatus.SKIPPED and "no e-mail address" in skipped.last_error


def test_an_smtp_server_that_is_down_means_a_retry_not_a_loss(team, alice, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    record_event(
        audience=Audience.load(team),
        kind=EventKind.KR_AT_RISK,
        object_key="kr:8",
        day=TODAY,
        title="At risk",
    )
    assert delivery.drain().retrying == 1
    row = AlertDelivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and row.last_error
