"""The alert pages for alice (owner), bob (viewer) and charlie (another team's owner)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from goals.alerts.models import (
    AlertDelivery,
    AlertMute,
    AlertPreference,
    EventKind,
    Mode,
    Webhook,
    WebhookFormat,
)
from goals.alerts.outbox import Audience, record_event
from tests.goals.alerts.helpers import TODAY, manual_key_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(team, alice, bob):
    Webhook.objects.create(
        team=team, name="Ops channel", format=WebhookFormat.SLACK, url="https://hooks.test/x"
    )
    bob.email = ""
    bob.save()
    record_event(
        audience=Audience.load(team),
        kind=EventKind.KR_AT_RISK,
        object_key="kr:1",
        day=TODAY,
        title="Replies per week: at risk",
    )
    AlertDelivery.objects.filter(webhook__isnull=False).update(
        status="failed", last_error="The webhook answered 500."
    )


def test_it_shows_the_delivery_log_to_members(alice_client, bob_client, team, logged):
    url = reverse("goals:alert_log", args=[team.slug])
    for client in (alice_client, bob_client):
        html = client.get(url).content.decode()
        assert "Replies per week: at risk" in html
        assert "The webhook answered 500." in html
        assert "Skipped: this member has no e-mail address." in html
        assert html.count('data-delivery="') == 3


def test_another_teams_log_is_a_404(charlie_client, team, logged):
    assert charlie_client.get(reverse("goals:alert_log", args=[team.slug])).status_code == 404
    assert charlie_client.get("/teams/nope/alerts/").status_code == 404


def test_a_member_saves_their_preferences(bob_client, team, bob):
    url = reverse("goals:alert_preferences", args=[team.slug])
    assert bob_client.get(url).status_code == 200
    response = bob_client.post(
        url, {"mode_kr_off_track": "digest", "mode_mention_waiting": "off", "muted": "on"}
    )
    assert response.status_code == 302
    pref = AlertPreference.objects.get(team=team, user=bob)
    assert pref.modes["kr_off_track"] == Mode.DIGEST
    assert pref.modes["mention_waiting"] == Mode.OFF
    assert pref.modes["kr_at_risk"] == Mode.IMMEDIATE
    assert pref.muted and not pref.weekly_digest


def test_an_unknown_mode_falls_back_to_immediate(bob_client, team, bob):
    url = reverse("goals:alert_preferences", args=[team.slug])
    bob_client.post(url, {"mode_kr_off_track": "<script>", "weekly_digest": "on"})
    assert AlertPreference.objects.get(user=bob).modes["kr_off_track"] == Mode.IMMEDIATE


def test_a_viewer_mutes_a_key_result_for_himself_not_for_the_team(bob_client, team, bob):
    kr = manual_key_result(team)
    url = reverse("goals:key_result_mute", args=[kr.pk])
    assert bob_client.post(url, {"scope": "me"}).status_code == 302
    assert bob_client.post(url, {"scope": "team"}).status_code == 302
    assert list(AlertMute.objects.values_list("user__username", flat=True)) == ["bob"]
    bob_client.post(url, {"scope": "me", "muted": "off"})
    assert not AlertMute.objects.exists()


def test_an_owner_mutes_a_key_result_for_the_team(alice_client, team):
    kr = manual_key_result(team)
    alice_client.post(reverse("goals:key_result_mute", args=[kr.pk]), {"scope": "team"})
    assert AlertMute.objects.get().user is None


def test_another_teams_key_result_cannot_be_muted(charlie_client, team):
    kr = manual_key_result(team)
    response = charlie_client.post(reverse("goals:key_result_mute", args=[kr.pk]), {})
    assert response.status_code == 404
    assert not AlertMute.objects.exists()


def test_the_key_result_page_offers_muting(alice_client, bob_client, team):
    kr = manual_key_result(team)
    url = reverse("goals:key_result", args=[kr.pk])
    assert "Mute for the whole team" in alice_client.get(url).content.decode()
    html = bob_client.get(url).content.decode()
    assert "Mute alerts about it for me" in html and "Mute for the whole team" not in html
