"""The pure rules of the conversation coming in."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.responses import is_due, percentile, response_minutes

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_it_counts_whole_minutes_to_the_answer():
    assert response_minutes(T0, T0 + timedelta(minutes=90, seconds=59)) == 90


def test_an_answer_stamped_before_the_mention_counts_as_immediate():
    assert response_minutes(T0, T0 - timedelta(minutes=2)) == 0


def test_a_mention_is_due_once_answered_or_once_it_waited_past_the_limit():
    limit = timedelta(hours=72)
    now = T0 + timedelta(hours=10)
    assert is_due(published_at=T0, answered_at=T0 + timedelta(hours=1), now=now, limit=limit)
    assert not is_due(published_at=T0, answered_at=None, now=now, limit=limit)
    later = T0 + timedelta(hours=73)
    assert is_due(published_at=T0, answered_at=None, now=later, limit=limit)


def test_percentile_interpolates_between_ranks():
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([10, 20, 30], 50) == 20
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)
    assert percentile([7], 90) == 7
    assert percentile([], 50) is None


def test_percentile_refuses_a_percentage_outside_0_to_100():
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1, 2], 101)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1), st.floats(0, 100))
def test_percentile_lies_between_the_smallest_and_largest_value(values, pct):
    values.sort()
    result = percentile(values, pct)
    assert values[0] <= result <= values[-1]
