"""A closed period stays closed. After a key result's due date a check-in is only accepted as
a late correction, with a note saying what it corrects, and it counts as the value at the due
date. Every surface (the service, the key result page, the admin, the API) obeys the rule."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from goals import periods, services
from goals.models import CheckIn, Confidence
from goals.selectors import assess_key_results, key_results_with_relations
from goals.summaries.services import summary_export_create, summary_export_run
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import CheckInFactory, KeyResultFactory

DUE = date(2026, 9, 30)
CLOSED = (
    "This key result closed on 30 Sep 2026: a check-in after that date must be marked as a "
    "late correction, with a note saying what it corrects."
)
NO_NOTE = "A late correction needs a note saying what it corrects (the value at 30 Sep 2026)."


def not_late(day: str) -> str:
    return (
        "Only a check-in dated after the key result closed (30 Sep 2026) can be a late "
        f"correction; {day} is within its period."
    )


@pytest.fixture
def manual(team):
    return KeyResultFactory(
        objective__strategy__team=team,
        name="Two AMAs",
        metric_key="manual",
        baseline=Decimal(0),
        target=Decimal(2),
    )


def check_in(user, kr, **fields):
    values = {
        "day": date(2026, 10, 3),
        "value": Decimal(2),
        "confidence": Confidence.HIGH,
        "note": "",
        "late_correction": False,
    }
    return services.check_in_create(user=user, key_result=kr, **{**values, **fields})


def assessed(kr, today):
    kr = key_results_with_relations(type(kr).objects.filter(pk=kr.pk)).get()
    return assess_key_results([kr], today=today)[kr.pk].assessment


# --- the service (and the model's rule behind it) --------------------------------------------


def test_it_refuses_a_check_in_after_the_due_date_without_late_correction(alice, manual):
    with pytest.raises(ValidationError) as caught:
        check_in(alice, manual, note="The second AMA happened on 29 Sep")
    assert caught.value.message_dict == {"date": [CLOSED]}
    assert not CheckIn.objects.exists()


def test_it_refuses_a_late_correction_without_a_note(alice, manual):
    with pytest.raises(ValidationError) as caught:
        check_in(alice, manual, late_correction=True, note="  ")
    assert caught.value.message_dict == {"note": [NO_NOTE]}
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(("day", "label"), [(DUE, "30 Sep 2026"), (date(2026, 9, 1), "1 Sep 2026")])
def test_it_refuses_a_late_correction_on_or_before_the_due_date(alice, manual, day, label):
    with pytest.raises(ValidationError) as caught:
        check_in(alice, manual, day=day, late_correction=True, note="Counted twice")
    assert caught.value.message_dict == {"late_correction": [not_late(label)]}
    assert not CheckIn.objects.exists()


def test_an_update_obeys_the_rule_too(alice, manual):
    saved = check_in(alice, manual, day=DUE)
    with pytest.raises(ValidationError) as caught:
        services.check_in_update(
            user=alice,
            check_in=saved,
            key_result=manual,
            day=date(2026, 10, 1),
            value=saved.value,
            confidence=saved.confidence,
            note=saved.note,
        )
    assert caught.value.message_dict == {"date": [CLOSED]}
    assert CheckIn.objects.get().date == DUE


def test_a_metric_key_result_is_closed_as_well(alice, team):
    followers = KeyResultFactory(objective__strategy__team=team, metric_key="followers")
    with pytest.raises(ValidationError) as caught:
        check_in(alice, followers, value=None, note="Export arrived late")
    assert caught.value.message_dict == {"date": [CLOSED]}
    correction = check_in(alice, followers, value=None, late_correction=True, note="Export late")
    assert correction.late_correction


def test_a_late_correction_counts_as_the_value_at_the_due_date(alice, manual):
    check_in(alice, manual, day=date(2026, 9, 15), value=Decimal(1))
    check_in(
        alice,
        manual,
        value=Decimal(2),
        late_correction=True,
        note="The second AMA on 29 Sep was not recorded",
    )
    at_due = assessed(manual, DUE)
    assert (at_due.current, at_due.as_of, at_due.status.value) == (2.0, DUE, "achieved")
    later = assessed(manual, date(2026, 11, 1))
    assert (later.current, later.as_of) == (2.0, DUE)
    before = assessed(manual, date(2026, 9, 20))
    assert (before.current, before.as_of) == (1.0, date(2026, 9, 15))


def test_a_late_correction_wins_over_the_check_in_of_the_due_date(alice, manual):
    check_in(alice, manual, day=DUE, value=Decimal(1))
    check_in(alice, manual, day=date(2026, 10, 2), value=Decimal(3), late_correction=True, note="a")
    check_in(alice, manual, day=date(2026, 10, 9), value=Decimal(2), late_correction=True, note="b")
    at_due = assessed(manual, date(2026, 10, 31))
    assert (at_due.current, at_due.as_of) == (2.0, DUE)  # the later correction
    series = assess_key_results([manual], today=DUE)[manual.pk].series
    assert [(p.day, p.value) for p in series] == [(DUE, 2.0)]


# --- the key result page ----------------------------------------------------------------------


def page(kr):
    return reverse("goals:key_result", args=[kr.pk])


def test_the_page_shows_the_refusal_next_to_the_date(alice_client, manual):
    response = alice_client.post(
        page(manual), {"date": "2026-10-03", "value": "2", "confidence": "high", "note": "late"}
    )
    assert response.status_code == 400
    assert response.context["check_in_form"].errors["date"] == [CLOSED]
    assert not CheckIn.objects.exists()


def test_the_page_records_a_late_correction_and_lists_it(alice_client, manual):
    response = alice_client.post(
        page(manual),
        {
            "date": "2026-10-03",
            "value": "2",
            "confidence": "high",
            "note": "Second AMA was on 29 Sep",
            "late_correction": "on",
        },
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().late_correction
    html = alice_client.get(page(manual)).content.decode()
    assert "Late correction" in html and "Second AMA was on 29 Sep" in html


@pytest.mark.parametrize(
    ("now", "proposed"),
    [(date(2026, 8, 15), date(2026, 8, 15)), (date(2026, 10, 20), DUE)],
)
def test_the_page_proposes_today_but_never_after_the_due_date(alice_client, manual, now, proposed):
    with time_machine.travel(now, tick=False):
        response = alice_client.get(page(manual))
    assert response.context["check_in_form"]["date"].value() == proposed


# --- the admin --------------------------------------------------------------------------------


def test_the_check_in_admin_refuses_a_check_in_after_the_due_date(alice_client, manual):
    url = reverse("admin:goals_checkin_add")
    data = post_data(
        alice_client.get(url),
        key_result=manual.pk,
        date="2026-10-03",
        value="2",
        confidence="high",
        note="late",
    )
    response = alice_client.post(url, data)
    assert response.status_code == 200
    assert errors_of(response)["date"] == [CLOSED]
    assert not CheckIn.objects.exists()


def test_the_check_in_admin_accepts_a_late_correction(alice_client, manual):
    url = reverse("admin:goals_checkin_add")
    data = post_data(
        alice_client.get(url),
        key_result=manual.pk,
        date="2026-10-03",
        value="2",
        confidence="high",
        note="The second AMA was not recorded",
        late_correction="on",
    )
    response = alice_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert CheckIn.objects.get().late_correction


def test_the_key_result_admin_inline_refuses_a_late_correction_without_a_note(alice_client, manual):
    url = reverse("admin:goals_keyresult_change", args=[manual.pk])
    data = post_data(alice_client.get(url))
    add_inline_rows(
        data,
        "check_ins",
        [
            {
                "date": "2026-10-03",
                "value": "2",
                "confidence": "high",
                "note": "",
                "late_correction": "on",
            }
        ],
    )
    response = alice_client.post(url, data)
    assert response.status_code == 200
    assert errors_of(response)["check_ins-0-note"] == [NO_NOTE]
    assert not CheckIn.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_answers_400_with_the_rule(alice, manual):
    response = api(alice).post(
        reverse("api:checkin-list"),
        {"key_result": manual.pk, "date": "2026-10-03", "value": "2", "note": "late"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"date": [CLOSED]}
    assert not CheckIn.objects.exists()


def test_the_api_records_and_shows_a_late_correction(alice, manual):
    response = api(alice).post(
        reverse("api:checkin-list"),
        {
            "key_result": manual.pk,
            "date": "2026-10-03",
            "value": "2",
            "note": "The second AMA was not recorded",
            "late_correction": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["late_correction"] is True
    assert CheckIn.objects.get().late_correction


def test_an_api_patch_keeps_a_late_correction_marked(alice, manual):
    correction = CheckInFactory(
        key_result=manual, date=date(2026, 10, 3), late_correction=True, note="missed one"
    )
    response = api(alice).patch(
        reverse("api:checkin-detail", args=[correction.pk]), {"value": "2"}, format="json"
    )
    assert response.status_code == 200, response.json()
    correction.refresh_from_db()
    assert (correction.value, correction.late_correction) == (Decimal(2), True)


# --- quarterly summaries ----------------------------------------------------------------------


def test_a_stored_summary_keeps_its_numbers_and_a_regenerated_one_shows_the_correction(
    alice, manual, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    team, q3 = manual.objective.strategy.team, periods.parse("2026Q3")

    def generate():
        export = summary_export_create(user=None, team=team, quarter=q3, fmt="csv", enqueue=False)
        return summary_export_run(export_id=export.pk, today=date(2026, 10, 20))

    def value_at_end(export):
        [strategy] = export.snapshot["strategies"]
        [objective] = strategy["objectives"]
        [row] = objective["key_results"]
        return row["value_at_end"]

    check_in(alice, manual, day=date(2026, 9, 15), value=Decimal(1))
    first = generate()
    with first.file.open("rb") as fh:
        stored = fh.read()
    check_in(alice, manual, value=Decimal(2), late_correction=True, note="Second AMA unrecorded")

    first.refresh_from_db()
    with first.file.open("rb") as fh:
        assert fh.read() == stored
    assert value_at_end(first) == 1.0
    second = generate()
    assert (second.version, value_at_end(second)) == (2, 2.0)
    with second.file.open("rb") as fh:
        assert fh.read() != stored
