from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from goals.models import CheckIn, Objective
from tests.factories import CheckInFactory, KeyResultFactory, StrategyFactory


def test_an_objective_owner_must_belong_to_the_team(team, alice, charlie):
    strategy = StrategyFactory(team=team)
    Objective(strategy=strategy, title="Talk more", owner=alice).full_clean()
    with pytest.raises(ValidationError) as info:
        Objective(strategy=strategy, title="Talk more", owner=charlie).full_clean()
    assert info.value.message_dict == {
        "owner": ["The owner must be a member of the team “Loomwell”."]
    }


def test_an_objective_weight_must_be_positive(team):
    strategy = StrategyFactory(team=team)
    with pytest.raises(ValidationError) as info:
        Objective(strategy=strategy, title="x", weight=Decimal("0")).full_clean()
    assert info.value.message_dict == {"weight": ["The weight must be above zero."]}


def test_a_manual_check_in_needs_a_value(team):
    kr = KeyResultFactory(objective__strategy__team=team, metric_key="manual")
    with pytest.raises(ValidationError) as info:
        CheckIn(key_result=kr, date=date(2026, 8, 1)).full_clean()
    assert info.value.message_dict == {
        "value": ["A manual key result takes its values from check-ins: enter a value."]
    }


def test_a_metric_check_in_takes_a_note_but_no_value(team):
    kr = KeyResultFactory(objective__strategy__team=team, metric_key="followers")
    CheckIn(key_result=kr, date=date(2026, 8, 1), note="Campaign starts next week").full_clean()
    with pytest.raises(ValidationError) as info:
        CheckIn(key_result=kr, date=date(2026, 8, 1), value=Decimal("5")).full_clean()
    assert "measured from “Followers”" in info.value.message_dict["value"][0]


def test_one_check_in_per_key_result_and_day(team):
    existing = CheckInFactory(key_result__objective__strategy__team=team)
    duplicate = CheckIn(key_result=existing.key_result, date=existing.date, value=Decimal("2"))
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert info.value.messages == ["This key result already has a check-in on this date."]
