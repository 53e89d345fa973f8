"""The admin reads numbers as people say them: 4,370, not 4370.0000. Stored values and what
the inputs accept do not change."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import KeyResult
from goals.numbers import for_input, plain
from tests.admin_forms import errors_of, post_data
from tests.factories import CheckInFactory, KeyResultFactory


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (Decimal("4370.0000"), "4,370"),
        (Decimal("1234.5000"), "1,234.5"),
        (Decimal("0.0525"), "0.0525"),
        (Decimal("0.0000"), "0"),
        (Decimal("-12.5000"), "-12.5"),
        (4370.0, "4,370"),
        (None, "—"),
    ],
)
def test_a_number_is_shown_without_trailing_zeros_and_with_thousands(value, said):
    assert plain(value) == said


def test_an_input_shows_no_trailing_zeros_and_no_separators():
    assert (for_input(Decimal("4370.0000")), for_input(Decimal("0.0500"))) == ("4370", "0.05")


@pytest.fixture
def followers(team):
    return KeyResultFactory(
        objective__strategy__team=team,
        name="TikTok followers grow to 4,300",
        baseline=Decimal("3500"),
        target=Decimal("4300"),
    )


@pytest.fixture
def manual(team):
    kr = KeyResultFactory(
        objective__strategy__team=team,
        name="Coffee sold (kg)",
        metric_key="manual",
        baseline=Decimal("1000"),
        target=Decimal("2500.75"),
    )
    CheckInFactory(key_result=kr, date=date(2026, 8, 1), value=Decimal("1234.5"))
    return kr


def test_the_key_result_list_shows_baseline_and_target_as_said(alice_client, followers):
    html = alice_client.get(reverse("admin:goals_keyresult_changelist")).content.decode()
    assert "3,500" in html and "4,300" in html
    assert "3500.0000" not in html


def test_the_check_in_list_shows_values_as_said(alice_client, manual):
    html = alice_client.get(reverse("admin:goals_checkin_changelist")).content.decode()
    assert "1,234.5" in html and "1234.5000" not in html


def test_the_key_result_form_shows_its_decimals_normalized(alice_client, manual):
    response = alice_client.get(reverse("admin:goals_keyresult_change", args=[manual.pk]))
    form = response.context["adminform"].form
    assert (form["baseline"].value(), form["target"].value()) == ("1000", "2500.75")
    [inline] = response.context["inline_admin_formsets"]
    assert inline.formset.forms[0]["value"].value() == "1234.5"


def test_the_key_result_form_still_accepts_and_stores_decimals(alice_client, followers):
    url = reverse("admin:goals_keyresult_change", args=[followers.pk])
    response = alice_client.post(url, post_data(alice_client.get(url), target="4300.25"))
    assert response.status_code == 302, errors_of(response)
    assert KeyResult.objects.get().target == Decimal("4300.25")


def test_bob_the_viewer_reads_the_numbers_as_said(bob_admin_client, manual):
    response = bob_admin_client.get(reverse("admin:goals_keyresult_change", args=[manual.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1,000" in html and "2,500.75" in html and "1,234.5" in html
    assert "1000.0000" not in html and "1234.5000" not in html


def test_bob_reads_a_check_in_value_as_said(bob_admin_client, manual):
    check_in = manual.check_ins.get()
    response = bob_admin_client.get(reverse("admin:goals_checkin_change", args=[check_in.pk]))
    html = response.content.decode()
    assert "1,234.5" in html and "1234.5000" not in html


def test_bob_reads_key_results_inline_on_the_objective_as_said(bob_admin_client, followers):
    url = reverse("admin:goals_objective_change", args=[followers.objective.pk])
    html = bob_admin_client.get(url).content.decode()
    assert "3,500" in html and "3500.0000" not in html
