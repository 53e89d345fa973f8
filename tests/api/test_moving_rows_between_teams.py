"""Moving a key result, objective, strategy or account to another team through the API.

alice edits both Loomwell and Rival. A row may change team only if every row it links to
(the accounts its key results count, the owners of its objectives) belongs to the new team;
otherwise the move is refused and nothing changes, so Rival's members never see Loomwell's
numbers through a moved row.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from teams.models import Role
from tests.factories import (
    AccountFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    StrategyFactory,
)


@pytest.fixture
def client(alice, other_team):
    MembershipFactory(team=other_team, user=alice, role=Role.EDITOR)
    api = APIClient()
    api.force_authenticate(alice)
    return api


@pytest.fixture
def loomwell_account(team):
    return AccountFactory(team=team, handle="loomwell")


@pytest.fixture
def key_result(team, loomwell_account):
    kr = KeyResultFactory(objective__strategy__team=team, name="Followers")
    kr.accounts.set([loomwell_account])
    return kr


@pytest.fixture
def rival_objective(other_team):
    return ObjectiveFactory(strategy__team=other_team, title="Rival objective")


def test_it_refuses_to_move_a_key_result_onto_another_teams_objective(
    client, key_result, rival_objective
):
    url = reverse("api:keyresult-detail", args=[key_result.pk])
    response = client.patch(url, {"objective": rival_objective.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "objective": [
            "This key result counts accounts of another team than “Rival”: X (Twitter) "
            "@loomwell. Remove them from the key result first."
        ]
    }
    before = key_result.objective_id
    key_result.refresh_from_db()
    assert key_result.objective_id == before


def test_it_moves_a_key_result_whose_accounts_are_replaced_by_the_new_teams(
    client, key_result, rival_objective, other_team
):
    theirs = AccountFactory(team=other_team, handle="rival")
    url = reverse("api:keyresult-detail", args=[key_result.pk])
    response = client.patch(
        url, {"objective": rival_objective.pk, "accounts": [theirs.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    key_result.refresh_from_db()
    assert key_result.objective == rival_objective
    assert list(key_result.accounts.all()) == [theirs]


def test_it_moves_a_key_result_without_accounts(client, team, rival_objective):
    kr = KeyResultFactory(objective__strategy__team=team)
    url = reverse("api:keyresult-detail", args=[kr.pk])
    response = client.patch(url, {"objective": rival_objective.pk}, format="json")
    assert response.status_code == 200, response.json()
    kr.refresh_from_db()
    assert kr.objective == rival_objective


def test_it_refuses_to_move_an_objective_onto_another_teams_strategy(
    client, key_result, other_team
):
    rival_strategy = StrategyFactory(team=other_team)
    objective = key_result.objective
    url = reverse("api:objective-detail", args=[objective.pk])
    response = client.patch(url, {"strategy": rival_strategy.pk}, format="json")
    assert response.status_code == 400
    assert "Its key results count accounts of another team" in response.json()["strategy"][0]
    objective.refresh_from_db()
    assert objective.strategy.team_id != other_team.pk


def test_it_refuses_to_move_a_strategy_to_another_team(client, key_result, other_team, team):
    strategy = key_result.objective.strategy
    url = reverse("api:strategy-detail", args=[strategy.pk])
    response = client.patch(url, {"team": other_team.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "team": [
            "Its key results count accounts of another team than “Rival”: X (Twitter) "
            "@loomwell. Remove them from the key results first."
        ]
    }
    strategy.refresh_from_db()
    assert strategy.team == team


def test_it_refuses_to_move_a_strategy_whose_objective_owners_are_not_in_the_new_team(
    client, team, other_team, bob
):
    strategy = StrategyFactory(team=team)
    ObjectiveFactory(strategy=strategy, owner=bob)
    url = reverse("api:strategy-detail", args=[strategy.pk])
    response = client.patch(url, {"team": other_team.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "team": [
            "Its objectives are owned by people outside “Rival”: bob. Change the owners first."
        ]
    }
    strategy.refresh_from_db()
    assert strategy.team == team


def test_it_moves_a_strategy_whose_links_all_belong_to_the_new_team(
    client, team, other_team, alice
):
    strategy = StrategyFactory(team=team)
    kr = KeyResultFactory(objective__strategy=strategy, objective__owner=alice)
    kr.accounts.set([AccountFactory(team=other_team, handle="rival")])
    url = reverse("api:strategy-detail", args=[strategy.pk])
    response = client.patch(url, {"team": other_team.pk}, format="json")
    assert response.status_code == 200, response.json()
    strategy.refresh_from_db()
    assert strategy.team == other_team


def test_it_refuses_to_move_an_account_used_by_key_results(
    client, key_result, loomwell_account, other_team, team
):
    url = reverse("api:account-detail", args=[loomwell_account.pk])
    response = client.patch(url, {"team": other_team.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "team": [
            "The account is used by key results: Followers. Remove it from them before "
            "moving it to another team."
        ]
    }
    loomwell_account.refresh_from_db()
    assert loomwell_account.team == team


def test_it_moves_an_account_no_key_result_uses(client, loomwell_account, other_team):
    url = reverse("api:account-detail", args=[loomwell_account.pk])
    response = client.patch(url, {"team": other_team.pk}, format="json")
    assert response.status_code == 200, response.json()
    loomwell_account.refresh_from_db()
    assert loomwell_account.team == other_team
