"""Dates and times as the platforms' export files write them, in one place:

- English month names with a year: X analytics ("Sat, Aug 22, 2026"), YouTube Studio
  ("Sep 27, 2024"), and ISO days ("2026-08-22") wherever a day is expected;
- month/day/year: LinkedIn ("09/29/2026"), Meta ("06/26/2026 15:30", local time without an
  offset), the legacy Facebook export ("9/29/2026 14:20");
- X's own times: the legacy CSV ("2021-11-30 16:00 +0000") and the archive
  ("Tue Sep 29 13:20:00 +0000 2026"), read without the machine's locale;
- Meta's daily files ("2026-04-01T00:00:00": a day at midnight);
- TikTok Studio's days without a year, in the UI's language ("August 9", "18 января",
  "9月13日", "18 tháng Tám"): the year comes from an anchor, the export day, and a day
  after the anchor belongs to the year before (December → January); DayOrder catches an
  anchor that does not fit a file.

Every parser raises ValueError with the value and the form it expected; the caller adds
the column. Times without an offset are read in the team's zone (localize).

Pure Python: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# --- zones -----------------------------------------------------------------------------------


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time without offset, read in `tz`, as an aware UTC datetime.

    In the autumn overlap the first occurrence is taken (fold=0); a time in the spring
    gap, which no clock showed, is read with the offset before the change.
    """
    try:
        if naive.tzinfo is not None:
            return naive.astimezone(UTC)
        return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    except OverflowError:  # the last hours of year 9999, or the first of year 1
        raise ValueError(f"“{naive.isoformat()}” is out of range") from None


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `tz`, as aware UTC."""
    return localize(datetime.combine(day, time()), tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """Midnight at the end of `day` in `tz` (the next day's start), as aware UTC."""
    return start_of_day(day + timedelta(days=1), tz)


# --- English month names ---------------------------------------------------------------------

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# An optional weekday, a month name, the day and the year: "Sat, Aug 22, 2026",
# "Sep 27, 2024", "August 9 2026", "Sept. 9, 2026".
_ENGLISH_DAY = re.compile(
    r"(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:,\s*|\s+)(\d{4})"
)


def iso_day(raw: str) -> date:
    """'2026-04-01'."""
    value = raw.strip()
    if _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"“{raw}” is not a date written YYYY-MM-DD")


def english_day(raw: str, *, example: str) -> date:
    """A day written with an English month name and a year ('Sat, Aug 22, 2026', weekday
    optional), or an ISO day; `example` shows the expected form in the message."""
    value = raw.strip()
    match = _ENGLISH_DAY.fullmatch(value)
    try:
        if match:
            month = MONTHS.get(match.group(1).lower())
            if month is not None:
                return date(int(match.group(3)), month, int(match.group(2)))
        elif _ISO_DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"“{raw}” is not a date like “{example}”")


# --- month/day/year --------------------------------------------------------------------------

_MDY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def month_day_year(raw: str) -> date:
    """'09/29/2026' or '9/29/2026' (LinkedIn)."""
    match = _MDY.fullmatch(raw.strip())
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValueError(f"“{raw}” is not a date written MM/DD/YYYY")


def month_day_year_time(raw: str, *, example: str) -> datetime:
    """'06/26/2026 15:30' (Meta) or '9/29/2026 14:20' (legacy Facebook), seconds optional, as
    a naive wall-clock time; `example` shows the expected form in the message."""
    value = raw.strip()
    for pattern in ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise ValueError(
        f"“{raw}” is not a date and time like “{example}” (month/day/year hours:minutes)"
    )


# --- X's times -------------------------------------------------------------------------------

_CTIME = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{2})(\d{2}) (\d{4})"
)


def minute_with_offset(raw: str) -> datetime:
    """'2021-11-30 16:00 +0000' (X's legacy tweet activity CSV), seconds optional, as aware
    UTC."""
    value = raw.strip()
    for pattern in ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except OverflowError:
            raise ValueError(f"“{raw}” is out of range") from None
        except ValueError:
            continue
    raise ValueError(f"“{raw}” is not a time like “2021-11-30 16:00 +0000”")


def ctime_with_offset(raw: str) -> datetime:
    """'Tue Sep 29 13:20:00 +0000 2026' (the X archive) as aware UTC, whatever the locale."""
    match = _CTIME.fullmatch(raw.strip())
    month = MONTHS.get(match.group(1).lower()) if match else None
    if match is None or month is None:
        raise ValueError(f"“{raw}” is not a time like “Tue Sep 29 13:20:00 +0000 2026”")
    _month, day, hour, minute, second, hours, minutes, year = match.groups()
    try:
        if hours[1:] == "00" and minutes == "00":  # X writes UTC: no offset to take off
            return datetime(
                int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC
            )
        sign = 1 if hours.startswith("+") else -1
        offset = timedelta(hours=int(hours[1:]), minutes=int(minutes)) * sign
        naive = datetime(int(year), month, int(day), int(hour), int(minute), int(second))
        return (naive - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"“{raw}” is not a valid date and time") from None


# --- Meta's daily files ----------------------------------------------------------------------

_MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T00:00(?::00(?:\.0+)?)?)?")


def midnight_day(raw: str) -> date:
    """'2026-04-01T00:00:00' or '2026-04-01': a day, written as its midnight."""
    if len(raw) == 19 and raw.endswith("T00:00:00") and raw[4] == "-" and raw[7] == "-":
        try:  # Meta's own form, a million times in a long series
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass  # the general path says what is wrong
    match = _MIDNIGHT.fullmatch(raw.strip())
    if not match:
        raise ValueError(f"“{raw}” is not a day like “2026-04-01T00:00:00”")
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError(f"“{raw}” is not a real day") from None


# --- days without a year (TikTok) ------------------------------------------------------------

# Russian UI: "18 января" (genitive month names).
_RU_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ),
        start=1,
    )
}
# Vietnamese UI: "18 tháng Tám" (month spelled out) or "18 tháng 8".
_VI_MONTHS = {
    "một": 1,
    "giêng": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười một": 11,
    "mười hai": 12,
    "chạp": 12,
}

_EN_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?,?")
_EN_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?")
_CJK = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")  # Japanese and Chinese
_KO = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_RU = re.compile(r"(\d{1,2})\s+([а-яё]+)\.?")
_VI = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2}|[^\d]+)")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

YEARLESS_FORMS = "“August 9”, “Aug 9” or “8月9日”"


def month_and_day(raw: str) -> tuple[int, int] | date | None:
    """(month, day) of a day written without a year, in any of the UI languages above; a
    full date when the value has a year after all (ISO, "August 9, 2026"); else None."""
    value = " ".join(unicodedata.normalize("NFC", raw).strip().casefold().split())
    if m := _ISO.fullmatch(value):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    month: int | None = None
    day = 0
    if m := _EN_MONTH_DAY.fullmatch(value):
        month, day = MONTHS.get(m[1]), int(m[2])
        if m[3] and month is not None:  # "August 9, 2026": a year after all
            try:
                return date(int(m[3]), month, day)
            except ValueError:
                return None
    elif m := _EN_DAY_MONTH.fullmatch(value):
        month, day = MONTHS.get(m[2]), int(m[1])
    elif m := (_CJK.fullmatch(value) or _KO.fullmatch(value)):
        month, day = int(m[1]), int(m[2])
    elif m := _RU.fullmatch(value):
        month, day = _RU_MONTHS.get(m[2]), int(m[1])
    elif m := _VI.fullmatch(value):
        word = m[2].strip()
        month = int(word) if word.isdigit() else _VI_MONTHS.get(word)
        day = int(m[1])
    if month is None or not 1 <= month <= 12:
        return None
    try:
        date(2000, month, day)  # a leap year: February 29 is a real day
    except ValueError:
        return None
    return month, day


def with_year(month_day: tuple[int, int] | date, anchor: date) -> date | None:
    """The latest day with this month and day on or before the anchor (None: no such day,
    as February 29 in two years without one)."""
    if isinstance(month_day, date):
        return month_day
    month, day = month_day
    for year in (anchor.year, anchor.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # February 29 outside a leap year
            continue
        if candidate <= anchor:
            return candidate
    return None


def yearless_day(raw: str, anchor: date) -> date:
    """A day without a year, the year worked out from the anchor (the export day)."""
    month_day = month_and_day(raw)
    if month_day is None:
        raise ValueError(
            f"“{raw}” is not a date this importer can read (it reads dates such as "
            f"{YEARLESS_FORMS}); switch TikTok Studio to English and export again"
        )
    day = with_year(month_day, anchor)
    if day is None:
        raise ValueError(f"“{raw}” is not a day in {anchor.year - 1} or {anchor.year}")
    return day


class DayOrder:
    """The days of a file run one way (TikTok lists them in order): a step against that
    order means the year worked out from the anchor is wrong."""

    def __init__(self, anchor: date, anchor_from: str) -> None:
        self.anchor = anchor
        self.anchor_from = anchor_from  # where the anchor came from, for the message
        self.previous: date | None = None
        self.direction = 0

    def check(self, raw: str, day: date) -> str | None:
        """A message when `day` breaks the order of the days before it, else None."""
        previous, self.previous = self.previous, day
        if previous is None or day == previous:
            return None
        step = 1 if day > previous else -1
        if self.direction == 0:
            self.direction = step
            return None
        if step == self.direction:
            return None
        return (
            f"“{raw}” breaks the order of the days once a year is added "
            f"({previous.isoformat()}, then {day.isoformat()}). The dates have no year; it was "
            f"worked out from {self.anchor_from} ({self.anchor.isoformat()}), which does not "
            "fit this file. Import each export soon after downloading it (an Overview zip or "
            "folder keeps the export date in its name)"
        )
