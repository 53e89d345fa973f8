from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from goals.models import Status, Strategy
from goals.services import strategy_copy_to_next_period
from tests.factories import AccountFactory, CheckInFactory, KeyResultFactory, StrategyFactory


@pytest.fixture
def strategy(team, alice):
    strategy = StrategyFactory(
        team=team,
        name="Conversation first — 2026 Q3",
        status=Status.ACTIVE,
        mix_conversation=50,
        mix_sharing=20,
        mix_helpful=20,
        mix_promotional=10,
    )
    account = AccountFactory(team=team)
    whole = KeyResultFactory(
        objective__strategy=strategy,
        objective__owner=alice,
        objective__weight=Decimal("2"),
        name="Whole quarter",
    )
    whole.accounts.set([account])
    KeyResultFactory(
        objective=whole.objective,
        name="Mid-quarter",
        metric_key="manual",
        start_date=date(2026, 8, 1),
        due_date=date(2026, 8, 31),
    )
    CheckInFactory(key_result=whole.objective.key_results.get(name="Mid-quarter"))
    return strategy


def test_it_copies_the_plan_into_the_next_quarter_as_a_draft(strategy, alice):
    result = strategy_copy_to_next_period(strategy=strategy, user=alice)
    copy = result.strategy
    assert (result.objectives, result.key_results) == (1, 2)
    assert (copy.name, copy.status, copy.period_start, copy.period_end) == (
        "Conversation first — 2026 Q4",
        Status.DRAFT,
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert copy.mix == strategy.mix
    objective = copy.objectives.get()
    assert (objective.owner, objective.weight) == (alice, Decimal("2"))
    whole = objective.key_results.get(name="Whole quarter")
    assert (whole.start_date, whole.due_date) == (date(2026, 10, 1), date(2026, 12, 31))
    assert list(whole.accounts.all()) == list(
        strategy.objectives.get().key_results.get(name="Whole quarter").accounts.all()
    )
    mid = objective.key_results.get(name="Mid-quarter")
    assert (mid.start_date, mid.due_date) == (date(2026, 11, 1), date(2026, 12, 1))
    assert not mid.check_ins.exists()
    # The original is untouched.
    strategy.refresh_from_db()
    assert strategy.status == Status.ACTIVE


def test_every_copy_is_valid(strategy, alice):
    copy = strategy_copy_to_next_period(strategy=strategy, user=alice).strategy
    copy.full_clean()
    for objective in copy.objectives.all():
        objective.full_clean()
        for kr in objective.key_results.all():
            kr.full_clean()


def test_a_name_without_the_period_gets_the_new_one_appended(team, alice):
    strategy = StrategyFactory(
        team=team,
        name="Always be talking",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    copy = strategy_copy_to_next_period(strategy=strategy, user=alice).strategy
    assert copy.name == "Always be talking (2026 H2)"


def test_a_viewer_may_not_copy(strategy, bob):
    with pytest.raises(PermissionDenied):
        strategy_copy_to_next_period(strategy=strategy, user=bob)
    assert Strategy.objects.count() == 1


def test_an_outsider_may_not_copy(strategy, charlie):
    with pytest.raises(PermissionDenied):
        strategy_copy_to_next_period(strategy=strategy, user=charlie)
    assert Strategy.objects.count() == 1
