"""Which annotations a chart shows: only the team's; team-wide ones plus the chart's own
account's or key result's."""

from datetime import date

import pytest

from goals.annotations import selectors
from goals.models import Annotation
from tests.factories import AccountFactory, KeyResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(team, other_team):
    kr = KeyResultFactory(objective__strategy__team=team)
    other_kr = KeyResultFactory(objective__strategy=kr.objective.strategy)
    mine = AccountFactory(team=team)
    elsewhere = AccountFactory(team=team)

    def add(title, **fields):
        fields.setdefault("team", team)
        fields.setdefault("date", date(2026, 8, 3))
        return Annotation.objects.create(title=title, **fields)

    add("Team-wide")
    add("This key result", key_result=kr)
    add("Other key result", key_result=other_kr)
    add("My account", account=mine)
    add("Another account", account=elsewhere)
    add("Other team", team=other_team)
    add("Before the window", date=date(2026, 6, 1))
    add("Began before, ends inside", date=date(2026, 6, 25), end_date=date(2026, 7, 2))
    add("After the window", date=date(2026, 10, 2))
    return {"kr": kr, "mine": mine, "team": team}


def _titles(annotations):
    return [a.title for a in annotations]


def test_a_key_result_chart_shows_team_wide_its_own_and_its_accounts(
    rows, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = selectors.annotations_for_key_result(
            team_id=rows["team"].pk,
            key_result_id=rows["kr"].pk,
            account_ids=[rows["mine"].pk],
            start=date(2026, 7, 1),
            end=date(2026, 9, 30),
        )
        [a.scope_label for a in found]  # the scope needs no further query
    assert sorted(_titles(found)) == sorted(
        ["Began before, ends inside", "Team-wide", "This key result", "My account"]
    )


def test_an_accounts_chart_leaves_key_result_annotations_out(rows):
    found = selectors.annotations_for_accounts(
        team_id=rows["team"].pk,
        account_ids=[rows["mine"].pk],
        start=date(2026, 7, 1),
        end=date(2026, 9, 30),
    )
    assert sorted(_titles(found)) == sorted(
        ["Began before, ends inside", "Team-wide", "My account"]
    )


def test_the_period_holds_every_annotation_of_the_team_in_it(rows):
    found = selectors.annotations_in_period(
        team_id=rows["team"].pk, start=date(2026, 7, 1), end=date(2026, 9, 30)
    )
    assert "Other team" not in _titles(found)
    assert len(found) == 6
