"""Shared set-up for the alert tests: a manual key result whose status a check-in sets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast

from goals.models import KeyResult
from teams.models import Team
from tests.factories import KeyResultFactory, ObjectiveFactory, StrategyFactory

# Mid-period of the factories' 2026 Q3 strategy: about half of the period has elapsed.
NOW = datetime(2026, 8, 15, 9, 0, tzinfo=UTC)
TODAY = date(2026, 8, 15)


def manual_key_result(team: Team, name: str = "Community calls held") -> KeyResult:
    strategy = StrategyFactory(team=team)
    objective = ObjectiveFactory(strategy=strategy)
    kr = KeyResultFactory(
        objective=objective,
        name=name,
        metric_key="manual",
        baseline=Decimal("0"),
        target=Decimal("100"),
    )
    return cast(KeyResult, kr)
