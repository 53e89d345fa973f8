from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from goals.alerts import events
from goals.progress import Status

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = events.BusinessHours(time(9), time(17), (0, 1, 2, 3, 4))


def test_it_alerts_on_a_change_into_at_risk_off_track_or_stale():
    assert events.status_alert("on_track", Status.AT_RISK) == "kr_at_risk"
    assert events.status_alert("at_risk", Status.OFF_TRACK) == "kr_off_track"
    assert events.status_alert("on_track", Status.STALE) == "kr_stale"
    assert events.status_alert(None, Status.OFF_TRACK) == "kr_off_track"


def test_it_stays_quiet_when_nothing_got_worse_or_nothing_changed():
    assert events.status_alert("off_track", Status.OFF_TRACK) is None
    assert events.status_alert("off_track", Status.ON_TRACK) is None
    assert events.status_alert(None, Status.ACHIEVED) is None


def test_it_alerts_on_the_third_connector_failure_only():
    assert [events.connector_failure_alert(n) for n in range(1, 6)] == [
        False,
        False,
        True,
        False,
        False,
    ]


def test_plain_hours_deadline():
    published = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
    deadline = events.answer_deadline(published, hours=24, tz=BERLIN, business=None)
    assert deadline == datetime(2026, 11, 7, 16, 0, tzinfo=UTC)


def test_business_hours_skip_the_night_and_the_weekend():
    # Friday 16:00 in Berlin (15:00 UTC): one business hour left on Friday, then Monday.
    published = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    deadline = events.answer_deadline(published, hours=3, tz=BERLIN, business=OFFICE)
    # 1 h on Friday, 2 h on Monday from 09:00 Berlin -> Monday 11:00 Berlin = 10:00 UTC.
    assert deadline == datetime(2026, 11, 9, 10, 0, tzinfo=UTC)


def test_a_mention_at_night_waits_from_the_next_opening():
    published = datetime(2026, 11, 10, 22, 30, tzinfo=UTC)  # Tuesday 23:30 Berlin
    deadline = events.answer_deadline(published, hours=8, tz=BERLIN, business=OFFICE)
    assert deadline == datetime(2026, 11, 11, 16, 0, tzinfo=UTC)  # Wednesday 17:00 Berlin


def test_business_hours_without_a_weekday_are_refused():
    with pytest.raises(ValueError, match="weekday"):
        events.answer_deadline(
            datetime(2026, 11, 10, tzinfo=UTC),
            hours=1,
            tz=BERLIN,
            business=events.BusinessHours(time(9), time(17), ()),
        )


def test_backoff_grows_fourfold():
    assert [events.retry_delay(n, base_seconds=30) for n in (1, 2, 3)] == [30, 120, 480]


def test_the_digest_is_due_on_monday_from_eight():
    monday = datetime(2026, 11, 9, 8, 0, tzinfo=BERLIN)
    assert events.digest_due(monday)
    assert not events.digest_due(monday.replace(hour=7, minute=59))
    assert not events.digest_due(datetime(2026, 11, 10, 8, 0, tzinfo=BERLIN))
