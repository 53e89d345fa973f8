"""Pure decisions: which status change is an alert, when a mention becomes overdue (with or
without business hours), how long to wait before the next delivery attempt. No database,
no settings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from goals.progress import Status

# A key result moving INTO one of these is an alert; moving between them is one too (at
# risk -> off track is worse news), staying in one is not.
ALERTING: dict[Status, str] = {
    Status.AT_RISK: "kr_at_risk",
    Status.OFF_TRACK: "kr_off_track",
    Status.STALE: "kr_stale",
}

CONNECTOR_FAILURES_TO_ALERT = 3


def status_alert(previous: str | None, current: Status) -> str | None:
    """The event kind for a key result now in `current` that was in `previous` (None: never
    seen before), or None when there is nothing to say.

    A key result seen for the first time already at risk is news too: nobody was told."""
    kind = ALERTING.get(current)
    if kind is None or previous == current.value:
        return None
    return kind


def connector_failure_alert(failures_in_a_row: int) -> bool:
    """Alert once, on the third failure in a row (not again on the fourth, fifth...)."""
    return failures_in_a_row == CONNECTOR_FAILURES_TO_ALERT


@dataclass(frozen=True)
class BusinessHours:
    start: time
    end: time
    weekdays: tuple[int, ...]  # 0 = Monday


def answer_deadline(
    published_at: datetime, *, hours: int, tz: ZoneInfo, business: BusinessHours | None
) -> datetime:
    """When a mention published at `published_at` has waited `hours`: plain hours, or only
    the hours inside the business day (local time of the team) on business days."""
    if business is None:
        return published_at + timedelta(hours=hours)
    if not business.weekdays or business.start >= business.end:
        raise ValueError("Business hours need at least one weekday and a start before the end.")
    left = timedelta(hours=hours)
    local = published_at.astimezone(tz)
    day = local.date()
    # At most a few weeks of calendar: the loop is bounded by the hours asked for.
    for _ in range(hours * 7 + 14):
        if day.weekday() in business.weekdays:
            opens = datetime.combine(day, business.start, tzinfo=tz)
            closes = datetime.combine(day, business.end, tzinfo=tz)
            begin = max(opens, local)
            if begin < closes:
                available = closes - begin
                if left <= available:
                    return (begin + left).astimezone(published_at.tzinfo)
                left -= available
        day += timedelta(days=1)
    raise ValueError("No business hours in the weeks ahead.")  # pragma: no cover


def retry_delay(attempts: int, *, base_seconds: float) -> float:
    """Exponential backoff after `attempts` failed attempts: base, 4x base, 16x base, ..."""
    return base_seconds * math.pow(4, max(0, attempts - 1))


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def digest_due(local_now: datetime, *, hour: int = 8) -> bool:
    """Is it Monday at or after `hour` where the team is? (The hourly task then sends the
    week's digest once; the sent-record stops a second one.)"""
    return local_now.weekday() == 0 and local_now.hour >= hour
