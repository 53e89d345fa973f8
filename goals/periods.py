"""Calendar periods: quarters, halves, years, and the period that follows another.

Pure functions on dates; no database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"A period cannot end ({self.end}) before it starts ({self.start}).")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """'2026-Q3', '2026-H2', '2026', or 'YYYY-MM-DD..YYYY-MM-DD' for any other span."""
        y = self.start.year
        for q in range(1, 5):
            if self == quarter(y, q):
                return f"{y}-Q{q}"
        for h in (1, 2):
            if self == half(y, h):
                return f"{y}-H{h}"
        if self == year(y):
            return str(y)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        code = self.code
        if ".." in code:
            return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"
        return code.replace("-", " ")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(y: int, m: int, months: int) -> tuple[int, int]:
    index = y * 12 + (m - 1) + months
    return index // 12, index % 12 + 1


def months(start_year: int, start_month: int, count: int) -> Period:
    end_y, end_m = _add_months(start_year, start_month, count - 1)
    return Period(date(start_year, start_month, 1), _month_end(end_y, end_m))


def quarter(y: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(f"There is no quarter {q}; quarters are 1 to 4.")
    return months(y, 3 * (q - 1) + 1, 3)


def half(y: int, h: int) -> Period:
    if h not in (1, 2):
        raise ValueError(f"There is no half {h}; halves are 1 and 2.")
    return months(y, 6 * (h - 1) + 1, 6)


def year(y: int) -> Period:
    return months(y, 1, 12)


def quarter_of(day: date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)


_CODE_RE = re.compile(r"^\s*(\d{4})\s*-?\s*(?:([QqHh])\s*([1-4]))?\s*$")


def parse(code: str) -> Period:
    """Read '2026Q3', '2026-Q3', '2026 q3', '2026-H2' or '2026'."""
    match = _CODE_RE.match(code)
    if not match or ((match.group(2) or "").upper() == "H" and match.group(3) not in ("1", "2")):
        raise ValueError(
            f"“{code}” is not a period; write a quarter like 2026Q3, a half like 2026H2, "
            "or a year like 2026."
        )
    y = int(match.group(1))
    kind, number = match.group(2), match.group(3)
    if kind is None:
        return year(y)
    if kind.upper() == "Q":
        return quarter(y, int(number))
    return half(y, int(number))


def _whole_months(period: Period) -> int | None:
    """How many whole calendar months the period spans, or None if it is not month-aligned."""
    if period.start.day != 1:
        return None
    if period.end != _month_end(period.end.year, period.end.month):
        return None
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def following(period: Period) -> Period:
    """The period of the same length that starts the day after this one ends.

    Month-aligned periods (quarters, halves, years, any run of whole months) move by
    whole months, so Q1 (90 days) is followed by Q2 (91 days), not by a 90-day span.
    """
    count = _whole_months(period)
    if count is not None:
        y, m = _add_months(period.start.year, period.start.month, count)
        return months(y, m, count)
    return Period(period.end + timedelta(days=1), period.end + timedelta(days=period.days))


def preceding(period: Period) -> Period:
    """The period of the same length that ends the day before this one starts: the
    previous quarter of a quarter (Q1 before Q2, whatever their days), half or year;
    any other span moves back by its length. `following` read backwards."""
    count = _whole_months(period)
    if count is not None:
        y, m = _add_months(period.start.year, period.start.month, -count)
        return months(y, m, count)
    return Period(period.start - timedelta(days=period.days), period.start - timedelta(days=1))


def kind_label(period: Period) -> str:
    """What people call such a period: 'quarter', 'half', 'year', else 'period'."""
    code = period.code
    if "-Q" in code:
        return "quarter"
    if "-H" in code:
        return "half"
    return "year" if code.isdigit() else "period"


def quick_choices(
    around: date, *, years_before: int = 1, years_after: int = 1
) -> list[tuple[str, str]]:
    """Quarters and halves of the years around a date, for a quick choice in forms."""
    result: list[tuple[str, str]] = []
    for y in range(around.year - years_before, around.year + years_after + 1):
        for q in range(1, 5):
            p = quarter(y, q)
            result.append((p.code, f"{p.label} ({p.start:%-d %b} – {p.end:%-d %b %Y})"))
        for h in (1, 2):
            p = half(y, h)
            result.append((p.code, f"{p.label} ({p.start:%-d %b} – {p.end:%-d %b %Y})"))
    return result


def shift_within(day: date, old: Period, new: Period) -> date:
    """Move a date that lies in `old` to the same offset in `new`, clamped to `new`.

    The first and last day map to the first and last day, so a key result due at the
    end of Q1 is due at the end of Q2.
    """
    if day == old.start:
        return new.start
    if day == old.end:
        return new.end
    moved = new.start + (day - old.start)
    return min(max(moved, new.start), new.end)
