from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from goals.models import KeyResult
from goals.progress import Direction
from tests.factories import AccountFactory, ObjectiveFactory


@pytest.fixture
def objective(team):
    return ObjectiveFactory(strategy__team=team)  # strategy runs 2026-07-01 .. 2026-09-30


def _kr(objective, **fields) -> KeyResult:
    values = {
        "objective": objective,
        "name": "Grow followers",
        "metric_key": "followers",
        "baseline": Decimal("100"),
        "target": Decimal("200"),
        **fields,
    }
    return KeyResult(**values)


def _errors(kr: KeyResult) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        kr.full_clean()
    return info.value.message_dict


def test_it_defaults_dates_to_the_strategys_period_and_unit_to_the_metrics(objective):
    kr = _kr(objective, metric_key="engagement_rate", baseline=Decimal("2"), target=Decimal("4"))
    kr.full_clean()
    assert (kr.start_date, kr.due_date) == (date(2026, 7, 1), date(2026, 9, 30))
    assert kr.unit == "%"


def test_it_rejects_a_target_equal_to_the_baseline(objective):
    errors = _errors(_kr(objective, target=Decimal("100")))
    assert errors == {
        "target": ["The target equals the baseline (100): there would be nothing to achieve."]
    }


def test_it_rejects_an_increase_with_a_target_below_the_baseline(objective):
    errors = _errors(_kr(objective, target=Decimal("80")))
    assert list(errors) == ["direction"]
    assert (
        "“Increase” needs a target above the baseline, but 80 is below 100"
        in errors["direction"][0]
    )


def test_it_rejects_a_decrease_with_a_target_above_the_baseline(objective):
    errors = _errors(_kr(objective, direction=Direction.DECREASE, target=Decimal("150")))
    assert list(errors) == ["direction"]
    assert "“Decrease” needs a target below the baseline" in errors["direction"][0]


def test_it_accepts_a_decrease_towards_a_lower_target(objective):
    kr = _kr(
        objective,
        metric_key="promo_posts",
        direction=Direction.DECREASE,
        baseline=Decimal("20"),
        target=Decimal("12"),
    )
    kr.full_clean()  # does not raise


def test_it_requires_a_target_for_increase_and_decrease(objective):
    assert _errors(_kr(objective, target=None)) == {"target": ["Enter the target."]}


def test_a_band_needs_both_bounds_in_order_and_no_target(objective):
    errors = _errors(
        _kr(objective, direction=Direction.BAND, band_low=Decimal("10"), band_high=Decimal("5"))
    )
    assert errors["band_high"] == ["The upper bound (5) must be above the lower bound (10)."]
    assert "no single target" in errors["target"][0]
    errors = _errors(_kr(objective, direction=Direction.BAND, target=None))
    assert errors == {
        "band_low": ["A band needs its lower bound."],
        "band_high": ["A band needs its upper bound."],
    }


def test_a_valid_band_passes(objective):
    kr = _kr(
        objective,
        metric_key="reply_share",
        direction=Direction.BAND,
        target=None,
        band_low=Decimal("20"),
        band_high=Decimal("30"),
    )
    kr.full_clean()


def test_bounds_are_refused_outside_a_band(objective):
    errors = _errors(_kr(objective, band_low=Decimal("1")))
    assert errors == {"band_low": ["Only key results that stay within a band have bounds."]}


def test_it_rejects_a_due_date_before_the_start(objective):
    errors = _errors(_kr(objective, start_date=date(2026, 8, 10), due_date=date(2026, 8, 1)))
    assert errors == {
        "due_date": ["The due date (1 Aug 2026) is before the start date (10 Aug 2026)."]
    }


def test_it_rejects_dates_outside_the_strategys_period(objective):
    errors = _errors(_kr(objective, start_date=date(2026, 6, 30), due_date=date(2026, 10, 1)))
    assert errors == {
        "start_date": ["30 Jun 2026 is outside the strategy's period (1 Jul 2026 – 30 Sep 2026)."],
        "due_date": ["1 Oct 2026 is outside the strategy's period (1 Jul 2026 – 30 Sep 2026)."],
    }


def test_it_rejects_a_metric_that_is_not_in_the_catalogue(objective):
    errors = _errors(_kr(objective, metric_key="vibes"))
    assert "metric_key" in errors


def test_it_accepts_manual_key_results(objective):
    kr = _kr(
        objective, metric_key="manual", baseline=Decimal("0"), target=Decimal("2"), unit="events"
    )
    kr.full_clean()
    assert kr.is_manual and kr.metric is None


def test_it_rejects_accounts_of_another_team(objective, other_team):
    kr = _kr(objective)
    kr.full_clean()
    kr.save()
    own = AccountFactory(team=objective.strategy.team, handle="ours")
    foreign = AccountFactory(team=other_team, handle="theirs")
    kr.validate_accounts([own])  # fine
    with pytest.raises(ValidationError) as info:
        kr.validate_accounts([own, foreign])
    assert info.value.message_dict == {
        "accounts": ["Not an account of the team “Loomwell”: X (Twitter) @theirs."]
    }
