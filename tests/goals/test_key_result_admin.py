from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import CheckIn
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import AccountFactory, KeyResultFactory


@pytest.fixture
def manual_kr(team):
    return KeyResultFactory(
        objective__strategy__team=team,
        metric_key="manual",
        name="Host two Q&As",
        baseline=Decimal("0"),
        target=Decimal("2"),
    )


def change_url(kr) -> str:
    return reverse("admin:goals_keyresult_change", args=[kr.pk])


def test_alice_records_a_check_in_and_is_its_author(alice_client, alice, manual_kr):
    data = post_data(alice_client.get(change_url(manual_kr)))
    add_inline_rows(
        data,
        "check_ins",
        [
            {"date": "2026-08-01", "value": "1", "confidence": "high", "note": "First one done"},
        ],
    )
    response = alice_client.post(change_url(manual_kr), data)
    assert response.status_code == 302, errors_of(response)
    check_in = CheckIn.objects.get()
    assert (check_in.value, check_in.author, check_in.note) == (
        Decimal("1"),
        alice,
        "First one done",
    )


def test_a_manual_check_in_without_a_value_is_refused(alice_client, manual_kr):
    data = post_data(alice_client.get(change_url(manual_kr)))
    add_inline_rows(
        data, "check_ins", [{"date": "2026-08-01", "value": "", "confidence": "high", "note": ""}]
    )
    response = alice_client.post(change_url(manual_kr), data)
    assert response.status_code == 200
    assert errors_of(response)["check_ins-0-value"] == [
        "A manual key result takes its values from check-ins: enter a value."
    ]
    assert not CheckIn.objects.exists()


def test_the_add_page_takes_the_objective_from_the_link(alice_client, manual_kr):
    url = reverse("admin:goals_keyresult_add") + f"?objective={manual_kr.objective.pk}"
    page = alice_client.get(url)
    assert page.context["adminform"].form.initial["objective"] == str(manual_kr.objective.pk)


def test_alice_adds_a_key_result_on_its_own_page(alice_client, manual_kr, team):
    account = AccountFactory(team=team)
    url = reverse("admin:goals_keyresult_add")
    data = post_data(
        alice_client.get(url),
        objective=manual_kr.objective.pk,
        name="Followers",
        metric_key="followers",
        direction="increase",
        baseline="1000",
        target="1500",
        accounts=[account.pk],
        window="period",
        weight="1",
        order="2",
        start_date="2026-08-01",
    )
    response = alice_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    kr = manual_kr.objective.key_results.get(name="Followers")
    assert (kr.start_date, kr.due_date) == (date(2026, 8, 1), date(2026, 9, 30))


def test_dates_outside_the_strategy_are_shown_on_the_field(alice_client, manual_kr):
    data = post_data(alice_client.get(change_url(manual_kr)), due_date="2026-12-31")
    response = alice_client.post(change_url(manual_kr), data)
    assert response.status_code == 200
    assert errors_of(response)["due_date"] == [
        "31 Dec 2026 is outside the strategy's period (1 Jul 2026 – 30 Sep 2026)."
    ]


def test_bob_sees_check_ins_but_cannot_add_one(bob_admin_client, manual_kr):
    page = bob_admin_client.get(change_url(manual_kr))
    assert page.status_code == 200
    data = {
        "check_ins-TOTAL_FORMS": "1",
        "check_ins-INITIAL_FORMS": "0",
        "check_ins-0-date": "2026-08-01",
        "check_ins-0-value": "1",
    }
    assert bob_admin_client.post(change_url(manual_kr), data).status_code == 403
    assert not CheckIn.objects.exists()


def test_charlie_cannot_see_the_key_result_or_its_check_ins(charlie_client, manual_kr):
    assert charlie_client.get(change_url(manual_kr)).status_code == 302
    response = charlie_client.get(reverse("admin:goals_checkin_changelist"))
    assert list(response.context["cl"].queryset) == []
