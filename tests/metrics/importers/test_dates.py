"""Dates and times as the exports write them (metrics.importers.dates); the values are the
ones the fixtures in tests/fixtures/ hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.importers.dates import (
    DayOrder,
    ctime_with_offset,
    end_of_day,
    english_day,
    iso_day,
    localize,
    midnight_day,
    minute_with_offset,
    month_day_year,
    month_day_year_time,
    start_of_day,
    yearless_day,
)

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, Jun 26, 2026", date(2026, 6, 26)),  # X analytics
        ("Thu, Sep 11, 2025", date(2025, 9, 11)),
        ("May 29, 2026", date(2026, 5, 29)),  # YouTube Studio
        ("Sept. 9, 2026", date(2026, 9, 9)),
        ("August 9 2026", date(2026, 8, 9)),
        ("2026-06-26", date(2026, 6, 26)),
    ],
)
def test_it_reads_a_day_with_an_english_month_name_weekday_or_not(raw, expected):
    assert english_day(raw, example="Sat, Aug 22, 2026") == expected


@pytest.mark.parametrize("raw", ["30/09/2026", "Fri, Jun 31, 2026", "Smarch 3, 2026", ""])
def test_it_refuses_another_day_naming_the_form_it_expected(raw):
    with pytest.raises(ValueError, match="is not a date like “Sep 27, 2024”"):
        english_day(raw, example="Sep 27, 2024")


def test_it_reads_month_day_year_as_linkedin_writes_it():
    assert month_day_year("09/29/2026") == date(2026, 9, 29)
    assert month_day_year("9/29/2026") == date(2026, 9, 29)
    with pytest.raises(ValueError, match="is not a date written MM/DD/YYYY"):
        month_day_year("2026-09-29")


def test_it_reads_metas_local_times_in_the_teams_zone_across_summer_time():
    # Meta's "Publish time" and the legacy "Posted" have no offset.
    naive = month_day_year_time("06/26/2026 15:30", example="06/26/2026 15:30")
    assert localize(naive, LONDON) == datetime(2026, 6, 26, 14, 30, tzinfo=UTC)
    winter = month_day_year_time("1/5/2026 9:05", example="9/29/2026 14:20")
    assert localize(winter, LONDON) == datetime(2026, 1, 5, 9, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="month/day/year hours:minutes"):
        month_day_year_time("26.06.2026 15:30", example="06/26/2026 15:30")


def test_it_reads_xs_own_times_whatever_the_machines_locale():
    assert minute_with_offset("2026-06-26 14:30 +0000") == datetime(2026, 6, 26, 14, 30, tzinfo=UTC)
    assert ctime_with_offset("Tue Sep 29 13:20:00 +0200 2026") == datetime(
        2026, 9, 29, 11, 20, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="is not a time like"):
        ctime_with_offset("Tue 29 Sep 2026 13:20")


def test_it_reads_a_day_written_as_its_midnight_and_nothing_later():
    assert midnight_day("2026-04-01T00:00:00") == date(2026, 4, 1)
    assert midnight_day("2026-04-01") == date(2026, 4, 1)
    with pytest.raises(ValueError, match="is not a day like"):
        midnight_day("2026-04-02T07:00:00")
    with pytest.raises(ValueError, match="is not a real day"):
        midnight_day("2026-04-31T00:00:00")


def test_it_reads_iso_days_only():
    assert iso_day("2026-04-01") == date(2026, 4, 1)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        iso_day("04/02/2026")


@pytest.mark.parametrize(
    "raw",
    ["June 1", "Jun 1st", "1 June", "1 июня", "1 tháng Sáu", "1 tháng 6", "6月1日", "6월 1일"],
)
def test_it_reads_tiktoks_days_without_a_year_in_every_ui_language(raw):
    assert yearless_day(raw, date(2026, 6, 1)) == date(2026, 6, 1)


def test_a_day_after_the_export_day_belongs_to_the_year_before():
    # An export of January 3 lists December's days of the year before.
    assert yearless_day("December 30", date(2027, 1, 3)) == date(2026, 12, 30)
    assert yearless_day("January 2", date(2027, 1, 3)) == date(2027, 1, 2)


def test_a_day_with_a_year_keeps_it():
    assert yearless_day("August 9, 2026", date(2027, 1, 3)) == date(2026, 8, 9)


def test_it_refuses_a_day_no_year_near_the_export_has():
    with pytest.raises(ValueError, match="is not a day in 2025 or 2026"):
        yearless_day("February 29", date(2026, 3, 1))
    with pytest.raises(ValueError, match="switch TikTok Studio to English"):
        yearless_day("Juni 1", date(2026, 6, 1))


def test_the_order_of_the_days_shows_an_export_day_that_does_not_fit():
    # Imported on December 30 though exported in January: December 31 lands a year back.
    order = DayOrder(date(2026, 12, 30), "the import day")
    days = ["December 29", "December 30", "December 31"]
    problems = [order.check(raw, yearless_day(raw, order.anchor)) for raw in days]
    assert problems[:2] == [None, None]
    assert problems[2] is not None
    assert "“December 31” breaks the order of the days" in problems[2]
    assert "(2026-12-30, then 2025-12-31)" in problems[2]
    assert "the import day (2026-12-30)" in problems[2]


def test_a_day_starts_and_ends_at_midnight_in_its_zone():
    assert start_of_day(date(2026, 6, 30), LONDON) == datetime(2026, 6, 29, 23, tzinfo=UTC)
    assert end_of_day(date(2026, 6, 30), LONDON) == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert end_of_day(date(2026, 6, 30), ZoneInfo("UTC")) == datetime(2026, 7, 1, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    offset_minutes=st.sampled_from([0, -0, 60, -300, 330, 59, -59, 14 * 60]),
)
def test_the_archive_time_is_the_moment_minus_its_offset(moment, offset_minutes):
    # UTC (X's own "+0000") and any other offset: the same instant, as aware UTC.
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    raw = moment.strftime(f"%a %b %d %H:%M:%S {sign}{hours:02d}{minutes:02d} ") + str(
        moment.year
    ).zfill(4)
    expected = (moment - timedelta(minutes=offset_minutes)).replace(tzinfo=UTC)
    assert ctime_with_offset(raw) == expected
    assert ctime_with_offset(raw).tzinfo is UTC
