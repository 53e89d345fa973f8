"""How a key result is handed to the progress engine: what its series is (for the forecast)
and whether it is a ceiling decided only at its due date."""

from decimal import Decimal

import pytest

from goals.progress import Direction, SeriesKind
from goals.selectors import spec_for
from tests.factories import KeyResultFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("metric", "window", "kind"),
    [
        ("followers", "period", SeriesKind.LEVEL),  # read each day
        ("impressions", "period", SeriesKind.CUMULATIVE),  # summed since the start
        ("people_addressed", "period", SeriesKind.CUMULATIVE),  # distinct people so far
        ("reply_share", "period", SeriesKind.RATIO),  # sum over sum since the start
        ("impressions", "28d", SeriesKind.LEVEL),  # a rolling sum goes up and down
        ("reply_share", "7d", SeriesKind.LEVEL),
        ("manual", "period", SeriesKind.LEVEL),  # check-ins are values as they stand
    ],
)
def test_the_series_kind_follows_the_metric_and_its_window(metric, window, kind):
    kr = KeyResultFactory(metric_key=metric, window=window)
    assert spec_for(kr).kind is kind


def test_a_decrease_and_a_rolling_window_are_decided_at_the_due_date():
    ceiling = KeyResultFactory(
        metric_key="originals",
        direction=Direction.DECREASE,
        baseline=Decimal(20),
        target=Decimal(12),
        window="28d",
    )
    fewer = KeyResultFactory(
        metric_key="followers",
        direction=Direction.DECREASE,
        baseline=Decimal(200),
        target=Decimal(100),
    )
    rolling = KeyResultFactory(metric_key="impressions", window="28d")
    growing = KeyResultFactory(metric_key="followers")
    assert spec_for(ceiling).decided_at_due
    assert spec_for(fewer).decided_at_due
    assert spec_for(rolling).decided_at_due
    assert not spec_for(growing).decided_at_due
