"""Key result status alerts: written with the check-in that caused them, once a day, to the
members who want them at once, minus mutes; a member without an address is noted."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from goals import services
from goals.alerts import services as alerts
from goals.alerts.models import (
    AlertDelivery,
    AlertEvent,
    AlertMute,
    AlertPreference,
    DeliveryStatus,
    EventKind,
    KeyResultAlertState,
    Mode,
)
from goals.alerts.outbox import NO_EMAIL
from goals.models import KeyResult
from goals.selectors import assess_key_results, key_results_with_relations
from tests.goals.alerts.helpers import NOW, TODAY, manual_key_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def kr(team):
    return manual_key_result(team)


def _check_in(user, kr, value: str):
    with time_machine.travel(NOW, tick=False):
        return services.check_in_create(user=user, key_result=kr, day=TODAY, value=Decimal(value))


def test_a_check_in_that_puts_a_key_result_off_track_raises_one_alert(alice, bob, kr):
    _check_in(alice, kr, "10")  # 10% with half the quarter gone
    event = AlertEvent.objects.get()
    assert event.kind == EventKind.KR_OFF_TRACK
    assert event.object_key == f"kr:{kr.pk}" and event.day == TODAY
    assert event.url.endswith(f"/key-results/{kr.pk}/")
    # The status is the pages' own (the selector behind the dashboard).
    fresh = key_results_with_relations(KeyResult.objects.filter(pk=kr.pk))
    assert event.data["status"] == assess_key_results(list(fresh), today=TODAY)[kr.pk].status
    assert sorted(AlertDelivery.objects.values_list("address", flat=True)) == [
        alice.email,
        bob.email,
    ]
    assert KeyResultAlertState.objects.get(key_result=kr).status == "off_track"


def test_the_same_alert_is_not_written_twice_the_same_day(alice, kr):
    _check_in(alice, kr, "10")
    with time_machine.travel(NOW, tick=False):
        KeyResultAlertState.objects.update(status="on_track")  # as if it had recovered
        assert alerts.key_results_evaluate(team_ids=[kr.objective.strategy.team_id]) == 0
    assert AlertEvent.objects.count() == 1


def test_a_key_result_on_track_raises_nothing(alice, kr):
    _check_in(alice, kr, "60")
    assert not AlertEvent.objects.exists()
    assert KeyResultAlertState.objects.get(key_result=kr).status == "on_track"


def test_a_key_result_muted_for_the_team_raises_nothing(alice, kr, team):
    AlertMute.objects.create(team=team, key_result=kr)
    _check_in(alice, kr, "10")
    assert not AlertEvent.objects.exists()


def test_a_member_who_muted_the_key_result_is_not_written_to(alice, bob, kr, team):
    AlertMute.objects.create(team=team, key_result=kr, user=bob)
    _check_in(alice, kr, "10")
    assert list(AlertDelivery.objects.values_list("user__username", flat=True)) == ["alice"]


def test_a_member_who_wants_it_in_the_digest_gets_no_e_mail_now(alice, bob, kr, team):
    AlertPreference.objects.create(team=team, user=bob, modes={EventKind.KR_OFF_TRACK: Mode.DIGEST})
    AlertPreference.objects.create(team=team, user=alice, muted=True)
    _check_in(alice, kr, "10")
    assert AlertEvent.objects.count() == 1
    assert not AlertDelivery.objects.exists()


def test_a_member_without_an_e_mail_address_is_skipped_and_the_log_says_so(alice, bob, kr):
    bob.email = ""
    bob.save()
    _check_in(alice, kr, "10")
    skipped = AlertDelivery.objects.get(user=bob)
    assert skipped.status == DeliveryStatus.SKIPPED
    assert skipped.last_error == NO_EMAIL
    assert AlertDelivery.objects.get(user=alice).status == DeliveryStatus.PENDING


def test_a_refused_check_in_writes_no_alert(bob, kr):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _check_in(bob, kr, "10")  # bob is a viewer
    assert not AlertEvent.objects.exists()
    assert not KeyResultAlertState.objects.exists()


def test_the_morning_check_evaluates_teams_in_their_morning_hour(alice, kr, team):
    team.time_zone = "Europe/Berlin"
    team.save()
    with time_machine.travel(NOW, tick=False):
        services.check_in_create(user=alice, key_result=kr, day=TODAY, value=Decimal("60"))
    AlertEvent.objects.all().delete()
    KeyResultAlertState.objects.update(status="on_track")
    # 60% on 15 Aug; by 20 Sep with no new check-in it is behind pace.
    at_six_utc = NOW.replace(month=9, day=20, hour=6)  # 08:00 in Berlin: not the morning hour (7)
    assert alerts.morning_evaluate(now=at_six_utc) == 0
    at_five_utc = NOW.replace(month=9, day=20, hour=5)  # 07:00 in Berlin
    assert alerts.morning_evaluate(now=at_five_utc) == 1
    assert AlertEvent.objects.get().kind in (EventKind.KR_OFF_TRACK, EventKind.KR_STALE)
