from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from goals.models import Strategy
from tests.factories import KeyResultFactory, StrategyFactory


def _strategy(team, **fields) -> Strategy:
    values = {
        "team": team,
        "name": "Q3",
        "period_start": date(2026, 7, 1),
        "period_end": date(2026, 9, 30),
        **fields,
    }
    return Strategy(**values)


def test_a_mix_of_100_percent_is_valid(team):
    _strategy(
        team, mix_conversation=50, mix_sharing=20, mix_helpful=20, mix_promotional=10
    ).full_clean()


def test_it_rejects_a_mix_that_does_not_add_up_to_100(team):
    strategy = _strategy(
        team, mix_conversation=50, mix_sharing=20, mix_helpful=20, mix_promotional=20
    )
    with pytest.raises(ValidationError) as info:
        strategy.full_clean()
    assert info.value.message_dict == {
        "mix_conversation": ["The planned content mix adds up to 110%; it must add up to 100%."]
    }


def test_it_rejects_a_share_above_100(team):
    with pytest.raises(ValidationError) as info:
        _strategy(team, mix_conversation=101).full_clean()
    assert "mix_conversation" in info.value.message_dict


def test_it_rejects_an_end_before_the_start(team):
    with pytest.raises(ValidationError) as info:
        _strategy(team, period_end=date(2026, 6, 1)).full_clean()
    assert info.value.message_dict["period_end"] == [
        "The strategy cannot end (1 Jun 2026) before it starts (1 Jul 2026)."
    ]


def test_the_database_refuses_an_end_before_the_start_too(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        _strategy(team, period_end=date(2026, 6, 1)).save()


def test_it_refuses_to_shrink_the_period_under_its_key_results(team):
    kr = KeyResultFactory(objective__strategy__team=team)
    strategy = kr.objective.strategy
    strategy.period_end = date(2026, 8, 31)
    with pytest.raises(ValidationError) as info:
        strategy.full_clean()
    assert info.value.message_dict["period_start"] == [
        "1 key result(s) of this strategy would fall outside the new period; change their "
        "dates first."
    ]


def test_period_label_names_calendar_quarters(team):
    assert StrategyFactory(team=team).period.label == "2026 Q3"
