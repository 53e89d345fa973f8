"""A filter on another team's row answers exactly as a filter on a row that does not exist:
its id tells alice nothing about Rival."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AccountFactory, CheckInFactory, ObjectiveFactory

MISSING = 987654

# (list route, query parameter, which Rival row's id to send)
FILTERS = [
    ("account-list", "team", "team"),
    ("post-list", "account", "account"),
    ("keyresult-list", "objective", "objective"),
    ("checkin-list", "key_result", "key_result"),
    ("objective-list", "owner", "owner"),
    ("summary-list", "team", "team"),
]


@pytest.fixture
def rival_rows(other_team, charlie):
    check_in = CheckInFactory(key_result__objective__strategy__team=other_team)
    return {
        "team": other_team,
        "account": AccountFactory(team=other_team, handle="rival"),
        "objective": check_in.key_result.objective,
        "key_result": check_in.key_result,
        "owner": charlie,
    }


@pytest.mark.parametrize(("route", "param", "row"), FILTERS, ids=[f[0] for f in FILTERS])
def test_it_answers_another_teams_id_as_a_missing_one(alice, rival_rows, route, param, row):
    client = APIClient()
    client.force_authenticate(alice)
    url = reverse(f"api:{route}")
    theirs = client.get(url, {param: rival_rows[row].pk})
    missing = client.get(url, {param: MISSING})
    assert missing.status_code == 400
    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())


def test_a_filter_on_ones_own_rows_still_works(alice, team):
    mine = ObjectiveFactory(strategy__team=team, owner=alice)
    client = APIClient()
    client.force_authenticate(alice)
    response = client.get(reverse("api:objective-list"), {"owner": alice.pk})
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [mine.pk]


def test_a_superuser_filters_on_any_team(root, other_team):
    AccountFactory(team=other_team, handle="rival")
    client = APIClient()
    client.force_authenticate(root)
    response = client.get(reverse("api:account-list"), {"team": other_team.pk})
    assert response.status_code == 200
    assert [a["handle"] for a in response.json()["results"]] == ["rival"]
