"""Reading the JSON platforms write (API answers, saved API pages, archives) defensively:
shapes checked, numbers strict. Both the file importers and the API connectors read
platform JSON with these, so that a value means the same whichever way it came in.

A value that cannot be read raises BadValue, which names the field; an importer turns it
into a RowError, a connector into BadResponse.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal


class BadValue(ValueError):
    """One item that cannot be read; the caller says where it was."""


def as_dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def count(obj: dict[str, object], key: str) -> int | None:
    """A count: an int (or a whole number written as a string, as some servers and
    archives do); None when absent or blank; never negative."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(f"“{key}”: “{value}” is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.isdigit():
        number = int(value)  # the common case first: the X archive writes "2"
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise BadValue(f"“{key}”: “{value}” is not a number")
        parsed = Decimal(text)
        if parsed != parsed.to_integral_value():
            raise BadValue(f"“{key}”: “{value}” is not a whole number")
        number = int(parsed)
    else:
        raise BadValue(f"“{key}”: “{value}” is not a number")
    if number < 0:
        raise BadValue(f"“{key}”: “{value}” is negative")
    return number


def parse_iso_utc(raw: str) -> datetime:
    """'2026-04-02T09:15:00Z' / '...000Z' / '+00:00' -> aware UTC; refuses naive values."""
    value = raw.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"“{raw}” has no time zone")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:30-05:00 is in year 10000 in UTC
        raise ValueError(f"“{raw}” is out of range") from None


def time(obj: dict[str, object], key: str, where: str = "") -> datetime:
    """An ISO time with a zone, as aware UTC."""
    raw = obj.get(key)
    prefix = f"{where} " if where else ""
    if not isinstance(raw, str) or not raw.strip():
        raise BadValue(f"{prefix}has no “{key}” time" if where else f"no “{key}” time")
    try:
        return parse_iso_utc(raw)
    except ValueError:
        raise BadValue(
            f"{prefix}“{key}”: “{raw}” is not a date and time with a time zone"
        ) from None


def dedupe(values: Iterable[str]) -> tuple[str, ...]:
    """The non-empty values, in first-seen order, each once."""
    return tuple(dict.fromkeys(v for v in values if v))
