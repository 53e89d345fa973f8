"""The weekly digest: its numbers are the pages' (dashboard and people waiting), it is
written once per team on Monday from 08:00 in the team's time zone, reaches each member by
SMTP with text and HTML parts, and "send me a preview" sends it now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from goals import selectors
from goals.alerts import delivery
from goals.alerts.models import AlertDelivery, AlertEvent, AlertPreference, EventKind
from goals.digest import services
from goals.digest.selectors import digest_for
from metrics import selectors as metric_selectors
from tests.factories import AccountFactory, CheckInFactory, InboundMentionFactory
from tests.goals.alerts.helpers import manual_key_result
from tests.goals.alerts.smtp import parts, smtp  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 8, 17)
MONDAY_8_BERLIN = datetime(2026, 8, 17, 6, 0, tzinfo=UTC)  # 08:00 CEST


@pytest.fixture
def week(team, alice, bob):
    """Three key results that moved differently over the week, and people waiting."""
    team.time_zone = "Europe/Berlin"
    team.save()
    slipping = manual_key_result(team, "Community calls held")
    CheckInFactory(key_result=slipping, date=MONDAY - timedelta(days=8), value=Decimal("45"))
    CheckInFactory(key_result=slipping, date=MONDAY - timedelta(days=1), value=Decimal("46"))
    rising = manual_key_result(team, "Newsletter sign-ups")
    CheckInFactory(key_result=rising, date=MONDAY - timedelta(days=8), value=Decimal("20"))
    CheckInFactory(key_result=rising, date=MONDAY - timedelta(days=1), value=Decimal("70"))
    steady = manual_key_result(team, "Meetups")
    CheckInFactory(key_result=steady, date=MONDAY - timedelta(days=8), value=Decimal("50"))
    CheckInFactory(key_result=steady, date=MONDAY - timedelta(days=1), value=Decimal("55"))
    account = AccountFactory(team=team)
    for hours, answered in ((30, None), (50, 3), (60, 5), (70, 9)):
        published = MONDAY_8_BERLIN - timedelta(hours=hours)
        InboundMentionFactory(
            account=account,
            published_at=published,
            local_date=published.date(),
            answered_at=None if answered is None else published + timedelta(hours=answered),
            response_minutes=None if answered is None else answered * 60,
        )
    return {"slipping": slipping, "rising": rising, "steady": steady, "account": account}


def test_the_digests_numbers_are_the_dashboards(team, alice, alice_client, week):
    digest = digest_for(team=team, user=alice, today=MONDAY, now=MONDAY_8_BERLIN)
    page = alice_client.get(reverse("goals:dashboard"), {"as_of": MONDAY, "team": team.pk})
    on_page = {row.key_result.pk: row for s in page.context["strategies"] for row in s.key_results}
    week_ago = {
        row.key_result.pk: row
        for s in selectors.dashboard(
            alice,
            today=MONDAY - timedelta(days=7),
            filters=selectors.DashboardFilters(team=team.pk),
        )
        for row in s.key_results
    }
    assert (
        {k.pk for k in digest.key_results}
        == set(on_page)
        == {
            week["slipping"].pk,
            week["rising"].pk,
            week["steady"].pk,
        }
    )
    for k in digest.key_results:
        assert k.percent == on_page[k.pk].percent
        assert k.status == on_page[k.pk].status
        assert k.required_per_week == on_page[k.pk].assessment.required_per_week
        assert k.previous_percent == week_ago[k.pk].percent
    assert digest.movers[0].pk == week["rising"].pk  # +50 points
    assert digest.movers[0].moved == pytest.approx(50)
    assert {k.pk for k in digest.at_risk} == {
        k.pk for k in digest.key_results if k.status.value in ("at_risk", "off_track")
    }
    assert week["slipping"].pk in {k.pk for k in digest.at_risk}


def test_the_digests_people_waiting_are_the_selectors(team, alice, week):
    digest = digest_for(team=team, user=alice, today=MONDAY, now=MONDAY_8_BERLIN)
    ids = [week["account"].pk]
    assert digest.waiting == metric_selectors.mentions_waiting(ids).count() == 1
    summary = metric_selectors.inbound_summary(
        ids,
        start=MONDAY - timedelta(days=7),
        end=MONDAY,
        now=MONDAY_8_BERLIN,
        limit=timedelta(hours=24),
    )
    assert digest.median_minutes == summary.median_minutes == 300
    assert digest.target_hours == 24


def test_the_digest_is_written_once_on_monday_from_eight_local_time(team, alice, bob, week):
    assert services.digests_send(now=MONDAY_8_BERLIN - timedelta(minutes=1)) == 0
    assert services.digests_send(now=MONDAY_8_BERLIN) == 1
    assert services.digests_send(now=MONDAY_8_BERLIN + timedelta(hours=1)) == 0
    event = AlertEvent.objects.get(kind=EventKind.DIGEST)
    assert event.day == MONDAY
    assert sorted(event.deliveries.values_list("user__username", flat=True)) == ["alice", "bob"]
    assert services.digests_send(now=MONDAY_8_BERLIN + timedelta(days=1)) == 0  # Tuesday


def test_a_member_who_turned_the_digest_off_gets_none(team, alice, bob, week):
    AlertPreference.objects.create(team=team, user=bob, weekly_digest=False)
    services.digests_send(now=MONDAY_8_BERLIN)
    assert list(AlertDelivery.objects.values_list("user__username", flat=True)) == ["alice"]


def test_the_digest_reaches_members_by_smtp_with_text_and_html(team, alice, bob, week, smtp):  # noqa: F811
    services.digests_send(now=MONDAY_8_BERLIN)
    with time_machine.travel(MONDAY_8_BERLIN, tick=False):
        assert delivery.drain().sent == 2
    assert sorted(r[0] for r, _ in smtp.messages) == sorted([alice.email, bob.email])
    body = parts(smtp.messages[0][1])
    text, html = body["text/plain"], body["text/html"]
    digest = digest_for(team=team, user=alice, today=MONDAY, now=MONDAY_8_BERLIN)
    top = digest.movers[0]
    assert f"{top.name}: +50 pts" in text
    assert "1 waiting for an answer; median answer time this week 5.0 h (target 24 h)" in text
    assert "Community calls held" in html and "<h2" in html
    assert f"/key-results/{week['slipping'].pk}/" in html


def test_send_me_a_preview(team, alice_client, alice, week):
    url = reverse("goals:alert_preferences", args=[team.slug])
    with time_machine.travel(MONDAY_8_BERLIN, tick=False):
        response = alice_client.post(url, {"preview": "1"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert message.subject.startswith("Preview: [Loomwell] Weekly digest")
    assert message.alternatives[0][1] == "text/html"


def test_a_preview_for_another_team_is_a_404(team, charlie_client, week):
    url = reverse("goals:alert_preferences", args=[team.slug])
    assert charlie_client.post(url, {"preview": "1"}).status_code == 404
    assert mail.outbox == []
