from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import KeyResult
from tests.admin_forms import add_inline_rows, errors_of, post_data
from tests.factories import AccountFactory, ObjectiveFactory


@pytest.fixture
def objective(team):
    return ObjectiveFactory(strategy__team=team, title="Talk with people")


def change_url(objective) -> str:
    return reverse("admin:goals_objective_change", args=[objective.pk])


def _kr_row(**fields):
    return {
        "name": "Reply share at 35%",
        "order": 1,
        "weight": "1",
        "metric_key": "reply_share",
        "window": "period",
        "direction": "increase",
        "baseline": "15",
        "target": "35",
        "band_low": "",
        "band_high": "",
        "unit": "",
        "start_date": "",
        "due_date": "",
        **fields,
    }


def test_alice_adds_key_results_inline(alice_client, objective, team):
    account = AccountFactory(team=team)
    data = post_data(alice_client.get(change_url(objective)))
    add_inline_rows(data, "key_results", [_kr_row(accounts=[account.pk])])
    response = alice_client.post(change_url(objective), data)
    assert response.status_code == 302, errors_of(response)
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.target, kr.unit, kr.start_date, kr.due_date) == (
        Decimal("35"),
        "%",
        objective.strategy.period_start,
        objective.strategy.period_end,
    )
    assert list(kr.accounts.all()) == [account]


def test_inline_errors_are_shown_next_to_the_field(alice_client, objective):
    data = post_data(alice_client.get(change_url(objective)))
    add_inline_rows(
        data,
        "key_results",
        [
            _kr_row(target="15"),
            _kr_row(name="Fewer promos", direction="increase", baseline="20", target="12"),
            _kr_row(name="Late", start_date="2026-09-01", due_date="2026-08-01"),
        ],
    )
    response = alice_client.post(change_url(objective), data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert errors["key_results-0-target"] == [
        "The target equals the baseline (15): there would be nothing to achieve."
    ]
    assert errors["key_results-1-direction"][0].startswith("“Increase” needs a target above")
    assert errors["key_results-2-due_date"] == [
        "The due date (1 Aug 2026) is before the start date (1 Sep 2026)."
    ]
    assert not KeyResult.objects.exists()


def test_the_accounts_list_offers_only_the_teams_accounts(
    alice_client, objective, team, other_team
):
    ours = AccountFactory(team=team, handle="ours")
    AccountFactory(team=other_team, handle="theirs")
    page = alice_client.get(change_url(objective))
    formset = page.context["inline_admin_formsets"][0].formset
    assert list(formset.empty_form.fields["accounts"].queryset) == [ours]


def test_an_account_of_another_team_is_rejected(alice_client, objective, other_team):
    theirs = AccountFactory(team=other_team, handle="theirs")
    data = post_data(alice_client.get(change_url(objective)))
    add_inline_rows(data, "key_results", [_kr_row(accounts=[theirs.pk])])
    response = alice_client.post(change_url(objective), data)
    assert response.status_code == 200
    assert "Select a valid choice" in errors_of(response)["key_results-0-accounts"][0]
    assert not KeyResult.objects.exists()


def test_a_superuser_cannot_mix_teams_either(root_client, objective, other_team):
    theirs = AccountFactory(team=other_team, handle="theirs")
    data = post_data(root_client.get(change_url(objective)))
    add_inline_rows(data, "key_results", [_kr_row(accounts=[theirs.pk])])
    response = root_client.post(change_url(objective), data)
    assert response.status_code == 200
    assert errors_of(response)["key_results-0-accounts"] == [
        "Not an account of the team “Loomwell”: X (Twitter) @theirs."
    ]
    assert not KeyResult.objects.exists()


def test_bob_sees_the_objective_but_cannot_change_it(bob_admin_client, objective):
    assert bob_admin_client.get(change_url(objective)).status_code == 200
    assert bob_admin_client.post(change_url(objective), {"title": "x"}).status_code == 403
    objective.refresh_from_db()
    assert objective.title == "Talk with people"


def test_charlie_cannot_see_the_objective(charlie_client, objective):
    assert charlie_client.get(change_url(objective)).status_code == 302
    response = charlie_client.get(reverse("admin:goals_objective_changelist"))
    assert list(response.context["cl"].queryset) == []


def test_the_strategy_list_offers_only_editable_strategies(alice_client, objective, other_team):
    ObjectiveFactory(strategy__team=other_team)
    page = alice_client.get(reverse("admin:goals_objective_add"))
    assert list(page.context["adminform"].form.fields["strategy"].queryset) == [objective.strategy]
