"""The values Strategy Tracker accepts from any source (files, platform APIs, the bulk API).

Pure. Decided once, documented in the README ("Accepted values"), applied by the one write
path (metrics.ingest.session) and by the API's serializers before anything is written:

- numbers are counts (followers, views, likes, minutes): never negative, below 10^15 (a
  quadrillion: far above any platform's number, well inside the database's 20 digits);
- days and publication times lie between 1 Jan 2000 and a year after today: the platforms
  did not exist before, and a date further ahead is a typing or parsing error, not a plan.
  (Settings INGEST_FIRST_DAY and INGEST_DAYS_AHEAD move the window; the benchmark's
  million-day series needs that, nobody's real data does.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

FIRST_DAY = date(2000, 1, 1)
DAYS_AHEAD = 366
VALUE_DIGITS = 15
VALUE_LIMIT = Decimal(10) ** VALUE_DIGITS  # exclusive


@dataclass(frozen=True)
class Window:
    first: date
    last: date

    @classmethod
    def around(cls, today: date, first: date = FIRST_DAY, days_ahead: int = DAYS_AHEAD) -> Window:
        try:
            last = today + timedelta(days=days_ahead)
        except OverflowError:
            last = date.max
        return cls(first, last)

    def day_problem(self, day: date) -> str | None:
        """Why a day cannot be stored, or None."""
        if self.first <= day <= self.last:
            return None
        return (
            f"the date {day.isoformat()} is outside {self.first.isoformat()} to "
            f"{self.last.isoformat()}"
        )

    def moment_problem(self, moment: datetime) -> str | None:
        """Why a publication time cannot be stored, or None."""
        return self.day_problem(moment.date())


def value_problem(value: Decimal | int) -> str | None:
    """Why a number cannot be stored, or None."""
    if isinstance(value, Decimal) and not value.is_finite():
        return f"“{value}” is not a number"
    if value < 0:
        return f"{value} is negative; counts start at 0"
    if value >= VALUE_LIMIT:
        return f"{value} is too large (at most 999,999,999,999,999)"
    return None
