from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goals import periods
from goals.periods import Period


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026 q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2024-H1", date(2024, 1, 1), date(2024, 6, 30)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_it_parses_period_codes(code, start, end):
    assert periods.parse(code) == Period(start, end)


@pytest.mark.parametrize("code", ["2026Q5", "Q3", "2026-H3", "26Q1", "next quarter"])
def test_it_rejects_what_is_not_a_period(code):
    with pytest.raises(ValueError, match="is not a period"):
        periods.parse(code)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("2026-Q4", "2027-Q1"), ("2026-Q1", "2026-Q2"), ("2026-H2", "2027-H1"), ("2026", "2027")],
)
def test_named_periods_are_followed_by_the_next_of_their_kind(code, expected):
    assert periods.following(periods.parse(code)).code == expected


def test_a_run_of_whole_months_moves_by_months():
    # Feb–Mar 2026 (59 days) is followed by Apr–May (61 days), not by 59 days.
    assert periods.following(Period(date(2026, 2, 1), date(2026, 3, 31))) == Period(
        date(2026, 4, 1), date(2026, 5, 31)
    )


def test_any_other_span_moves_by_its_length():
    assert periods.following(Period(date(2026, 7, 6), date(2026, 7, 19))) == Period(
        date(2026, 7, 20), date(2026, 8, 2)
    )


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=0, max_value=800),
)
def test_the_following_period_starts_the_day_after(start, days):
    period = Period(start, start + timedelta(days=days))
    nxt = periods.following(period)
    assert nxt.start == period.end + timedelta(days=1)
    assert nxt.end >= nxt.start


@pytest.mark.parametrize(
    ("code", "expected"),
    [("2027-Q1", "2026-Q4"), ("2026-Q3", "2026-Q2"), ("2027-H1", "2026-H2"), ("2027", "2026")],
)
def test_named_periods_are_preceded_by_the_previous_of_their_kind(code, expected):
    assert periods.preceding(periods.parse(code)).code == expected


def test_any_other_span_is_preceded_by_one_of_its_length():
    assert periods.preceding(Period(date(2026, 7, 20), date(2026, 8, 2))) == Period(
        date(2026, 7, 6), date(2026, 7, 19)
    )


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=0, max_value=800),
)
def test_the_preceding_period_ends_the_day_before(start, days):
    period = Period(start, start + timedelta(days=days))
    before = periods.preceding(period)
    assert before.end == period.start - timedelta(days=1)
    assert before.end >= before.start


@pytest.mark.parametrize(
    ("period", "kind"),
    [
        (periods.parse("2026Q3"), "quarter"),
        (periods.parse("2026H2"), "half"),
        (periods.parse("2026"), "year"),
        (Period(date(2026, 7, 6), date(2026, 7, 19)), "period"),
    ],
)
def test_periods_say_what_kind_they_are(period, kind):
    assert periods.kind_label(period) == kind


def test_shift_within_keeps_ends_on_ends():
    q3, q4 = periods.parse("2026Q3"), periods.parse("2026Q4")
    assert periods.shift_within(date(2026, 9, 30), q3, q4) == date(2026, 12, 31)
    assert periods.shift_within(date(2026, 7, 1), q3, q4) == date(2026, 10, 1)
    assert periods.shift_within(date(2026, 8, 15), q3, q4) == date(2026, 11, 15)


def test_labels():
    assert periods.parse("2026Q3").label == "2026 Q3"
    assert Period(date(2026, 7, 6), date(2026, 7, 19)).label == "6 Jul 2026 – 19 Jul 2026"


def test_quick_choices_cover_quarters_and_halves_around_a_date():
    codes = [code for code, _ in periods.quick_choices(date(2026, 11, 25))]
    assert codes[:6] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-H1", "2025-H2"]
    assert "2027-H2" in codes and len(codes) == 18


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="cannot end"):
        Period(date(2026, 2, 1), date(2026, 1, 1))
