"""Reading saved JSON (API pages, archives) defensively: shapes checked, numbers strict."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from metrics.importers.common import ImportFailed, Member, parse_int, parse_iso_utc, read_text


class BadValue(ValueError):
    """One item that cannot be read; the parser turns it into a RowError."""


def load_json(member: Member) -> object:
    text = read_text(member)
    if not text.strip():
        raise ImportFailed(f"{member.name}: the file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{member.name}: not valid JSON, or the file is cut off "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg}). Download it again."
        ) from None
    except RecursionError:
        raise ImportFailed(f"{member.name}: the JSON is nested too deeply to read.") from None


def as_dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def count(obj: dict[str, object], key: str) -> int | None:
    """A count: an int (or a numeric string); None when absent; never negative."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue(f"“{key}”: “{value}” is not a number")
    if isinstance(value, int):
        number: int | None = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = parse_int(value)
        except ValueError as exc:
            raise BadValue(f"“{key}”: {exc}") from None
    else:
        raise BadValue(f"“{key}”: “{value}” is not a number")
    if number is not None and number < 0:
        raise BadValue(f"“{key}”: “{value}” is negative")
    return number


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
    return tuple(dict.fromkeys(v for v in values if v))
