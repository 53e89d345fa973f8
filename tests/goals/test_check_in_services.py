"""One write path for check-ins: goals.services.check_in_create / check_in_update.

The service checks the team (owners and editors only), validates with the model's rules
and records the author. Each surface that writes check-ins (the key result page, the API,
the check-in admin and the check-ins inline on the key result admin) ends in it: every
surface test below watches the service being called, sees the author recorded, and sees a
rule of the model come back as a field error (a form error, or a 400), never a 500.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from goals import services
from goals.models import CheckIn, Confidence
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import KeyResultFactory, MembershipFactory, UserFactory

NO_VALUE = "A manual key result takes its values from check-ins: enter a value."


@pytest.fixture
def manual(team):
    return KeyResultFactory(
        objective__strategy__team=team,
        name="Two AMAs",
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(2),
    )


@pytest.fixture
def theirs(other_team):
    return KeyResultFactory(objective__strategy__team=other_team, metric_key="manual")


@pytest.fixture
def calls(monkeypatch):
    """The service calls a surface makes (the service still runs)."""
    made = []
    for name in ("check_in_create", "check_in_update"):
        real = getattr(services, name)

        def spy(*args, _name=name, _real=real, **kwargs):
            made.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)
    return made


def create(user, kr, **fields):
    values = {"day": date(2026, 8, 1), "value": Decimal(1), "confidence": "high", "note": ""}
    return services.check_in_create(user=user, key_result=kr, **{**values, **fields})


def update(user, check_in, **fields):
    values = {
        "key_result": check_in.key_result,
        "day": check_in.date,
        "value": check_in.value,
        "confidence": check_in.confidence,
        "note": check_in.note,
    }
    return services.check_in_update(user=user, check_in=check_in, **{**values, **fields})


# --- the service ------------------------------------------------------------------------------


def test_it_records_a_check_in_and_its_author(alice, manual):
    check_in = create(alice, manual, note="first")
    check_in.refresh_from_db()
    assert (check_in.value, check_in.author, check_in.note) == (Decimal(1), alice, "first")


def test_it_validates_with_the_models_rules(alice, manual):
    with pytest.raises(ValidationError) as caught:
        create(alice, manual, value=None)
    assert caught.value.message_dict == {"value": [NO_VALUE]}
    create(alice, manual)
    with pytest.raises(ValidationError, match="already has a check-in on this date"):
        create(alice, manual)
    assert CheckIn.objects.count() == 1


def test_bob_the_viewer_may_not_check_in(bob, manual):
    with pytest.raises(PermissionDenied):
        create(bob, manual)
    assert not CheckIn.objects.exists()


def test_charlie_may_not_check_in_on_another_teams_key_result(charlie, manual):
    with pytest.raises(PermissionDenied):
        create(charlie, manual)


def test_an_update_keeps_the_author(alice, manual, team):
    dana = UserFactory(username="dana")
    MembershipFactory(team=team, user=dana)  # an editor
    check_in = create(alice, manual)
    update(dana, check_in, value=Decimal(2), note="second AMA")
    check_in.refresh_from_db()
    assert (check_in.value, check_in.note, check_in.author) == (Decimal(2), "second AMA", alice)


def test_an_update_records_its_author_where_none_was(alice, manual):
    check_in = CheckIn.objects.create(key_result=manual, date=date(2026, 8, 1), value=1)
    update(alice, check_in, value=Decimal(2))
    check_in.refresh_from_db()
    assert (check_in.value, check_in.author) == (Decimal(2), alice)


def test_an_update_validates_with_the_models_rules(alice, manual):
    check_in = create(alice, manual)
    with pytest.raises(ValidationError) as caught:
        update(alice, check_in, value=None)
    assert caught.value.message_dict == {"value": [NO_VALUE]}
    assert CheckIn.objects.get().value == Decimal(1)


def test_bob_the_viewer_may_not_change_a_check_in(alice, bob, manual):
    check_in = create(alice, manual)
    with pytest.raises(PermissionDenied):
        update(bob, check_in, value=Decimal(2))
    assert CheckIn.objects.get().value == Decimal(1)


def test_a_check_in_moves_only_between_key_results_one_may_change(alice, charlie, manual, theirs):
    mine = create(alice, manual)
    with pytest.raises(PermissionDenied):
        update(alice, mine, key_result=theirs)  # into a team alice may not change
    charlies = create(charlie, theirs)
    with pytest.raises(PermissionDenied):
        update(alice, charlies, key_result=manual)  # out of a team alice may not change
    assert CheckIn.objects.get(pk=mine.pk).key_result == manual
    assert CheckIn.objects.get(pk=charlies.pk).key_result == theirs


# --- the key result page ----------------------------------------------------------------------


def page(kr):
    return reverse("goals:key_result", args=[kr.pk])


def test_the_key_result_page_checks_in_through_the_service(alice_client, alice, manual, calls):
    response = alice_client.post(
        page(manual), {"date": "2026-08-01", "value": "1", "confidence": "high", "note": ""}
    )
    assert response.status_code == 302
    assert calls == ["check_in_create"]
    assert CheckIn.objects.get().author == alice


def test_the_key_result_page_shows_the_models_rule_on_the_field(alice_client, manual, calls):
    response = alice_client.post(
        page(manual), {"date": "2026-08-01", "value": "", "confidence": "high"}
    )
    assert response.status_code == 400
    assert calls == ["check_in_create"]
    assert response.context["check_in_form"].errors["value"] == [NO_VALUE]


# --- the API ----------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_creates_a_check_in_through_the_service(alice, manual, calls):
    response = api(alice).post(
        reverse("api:checkin-list"),
        {"key_result": manual.pk, "date": "2026-08-01", "value": "1", "confidence": "high"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert calls == ["check_in_create"]
    assert response.json()["author"] == alice.pk
    assert CheckIn.objects.get().author == alice


def test_the_api_answers_400_with_the_models_rule_on_create(alice, manual, calls):
    response = api(alice).post(
        reverse("api:checkin-list"),
        {"key_result": manual.pk, "date": "2026-08-01", "confidence": "high"},
        format="json",
    )
    assert response.status_code == 400
    assert calls == ["check_in_create"]
    assert response.json() == {"value": [NO_VALUE]}
    assert not CheckIn.objects.exists()


def test_the_api_updates_a_check_in_through_the_service(alice, manual, calls):
    check_in = CheckIn.objects.create(key_result=manual, date=date(2026, 8, 1), value=1)
    response = api(alice).patch(
        reverse("api:checkin-detail", args=[check_in.pk]), {"value": "2"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert calls == ["check_in_update"]
    check_in.refresh_from_db()
    assert (check_in.value, check_in.author) == (Decimal(2), alice)


def test_the_api_answers_400_with_the_models_rule_on_update(alice, manual, calls):
    check_in = CheckIn.objects.create(key_result=manual, date=date(2026, 8, 1), value=1)
    response = api(alice).patch(
        reverse("api:checkin-detail", args=[check_in.pk]), {"value": None}, format="json"
    )
    assert response.status_code == 400
    assert calls == ["check_in_update"]
    assert response.json() == {"value": [NO_VALUE]}
    assert CheckIn.objects.get().value == Decimal(1)


# --- the check-in admin -----------------------------------------------------------------------


def test_the_check_in_admin_adds_through_the_service(alice_client, alice, manual, calls):
    url = reverse("admin:goals_checkin_add")
    data = post_data(
        alice_client.get(url),
        key_result=manual.pk,
        date="2026-08-01",
        value="1",
        confidence=Confidence.HIGH,
        note="first",
    )
    response = alice_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert calls == ["check_in_create"]
    check_in = CheckIn.objects.get()
    assert (check_in.value, check_in.author, check_in.note) == (Decimal(1), alice, "first")


def test_the_check_in_admin_changes_through_the_service(alice_client, alice, manual, calls):
    check_in = CheckIn.objects.create(key_result=manual, date=date(2026, 8, 1), value=1)
    url = reverse("admin:goals_checkin_change", args=[check_in.pk])
    response = alice_client.post(url, post_data(alice_client.get(url), value="2"))
    assert response.status_code == 302, errors_of(response)
    assert calls == ["check_in_update"]
    check_in.refresh_from_db()
    assert (check_in.value, check_in.author) == (Decimal(2), alice)


def test_the_check_in_admin_shows_the_models_rule_on_the_field(alice_client, manual, calls):
    url = reverse("admin:goals_checkin_add")
    data = post_data(
        alice_client.get(url), key_result=manual.pk, date="2026-08-01", value="", confidence="high"
    )
    response = alice_client.post(url, data)
    assert response.status_code == 200
    assert errors_of(response)["value"] == [NO_VALUE]
    assert not CheckIn.objects.exists()


# --- the check-ins inline on the key result admin ---------------------------------------------


def kr_admin(kr):
    return reverse("admin:goals_keyresult_change", args=[kr.pk])


def test_the_key_result_admin_checks_in_through_the_service(alice_client, alice, manual, calls):
    existing = CheckIn.objects.create(key_result=manual, date=date(2026, 7, 15), value=0)
    data = post_data(alice_client.get(kr_admin(manual)), **{"check_ins-0-value": "1"})
    add_inline_rows(
        data,
        "check_ins",
        [{"date": "2026-08-01", "value": "2", "confidence": "high", "note": "second"}],
    )
    response = alice_client.post(kr_admin(manual), data)
    assert response.status_code == 302, errors_of(response)
    assert sorted(calls) == ["check_in_create", "check_in_update"]
    existing.refresh_from_db()
    new = CheckIn.objects.get(date=date(2026, 8, 1))
    assert (existing.value, existing.author) == (Decimal(1), alice)
    assert (new.value, new.author, new.note) == (Decimal(2), alice, "second")


def test_the_key_result_admin_shows_the_models_rule_on_the_inline_field(alice_client, manual):
    data = post_data(alice_client.get(kr_admin(manual)))
    add_inline_rows(
        data, "check_ins", [{"date": "2026-08-01", "value": "", "confidence": "high", "note": ""}]
    )
    response = alice_client.post(kr_admin(manual), data)
    assert response.status_code == 200
    assert errors_of(response)["check_ins-0-value"] == [NO_VALUE]
    assert not CheckIn.objects.exists()


def test_the_key_result_admin_deletes_an_inline_check_in(alice_client, manual):
    check_in = CheckIn.objects.create(key_result=manual, date=date(2026, 8, 1), value=1)
    data = post_data(alice_client.get(kr_admin(manual)), **{"check_ins-0-DELETE": "on"})
    response = alice_client.post(kr_admin(manual), data)
    assert response.status_code == 302, errors_of(response)
    assert not CheckIn.objects.filter(pk=check_in.pk).exists()
