"""Numbers as export files write them: "1777.0" (X), "1,520" (Meta, TikTok), "1.520,5" and
"1 520" (other locales), "-3" (YouTube subscribers); "-", "undefined" and blanks are
unknown (None), never zero. A lone decimal comma ("1,5") is ambiguous between locales and is
refused rather than guessed.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from metrics.ingest import bounds

NULLS = frozenset({"", "-", "—", "–", "undefined", "n/a", "na", "null", "none", "nan"})
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)$")
_THOUSANDS_SPACE = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_decimal(raw: str | None) -> Decimal | None:
    """'1777.0', '1,520', '1.520,5', '1 520', '-3' -> Decimal; blanks and '-' -> None.

    A lone decimal comma ('1,5') is ambiguous between locales and is refused.
    """
    if raw is None:
        return None
    if raw.isdigit() and len(raw) < 16:  # the common case, first: a plain count
        return Decimal(raw)
    value = raw.strip().strip('"').strip()
    if value.lower() in NULLS:
        return None
    if _PLAIN.match(value):
        text = value
    elif _THOUSANDS_COMMA.match(value):
        text = value.replace(",", "")
    elif _THOUSANDS_DOT.match(value):
        text = value.replace(".", "").replace(",", ".")
    elif _THOUSANDS_SPACE.match(value):
        text = re.sub(r"[ \u00a0\u202f]", "", value).replace(",", ".")
    else:
        raise ValueError(f"“{raw}” is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{raw}” is not a number") from None
    if number and number.adjusted() >= bounds.VALUE_DIGITS:  # 1e999999999 is no count
        raise ValueError(f"“{raw}” is too large (at most 999,999,999,999,999)")
    return number


def parse_int(raw: str | None) -> int | None:
    """A count: '12', '12.0', '1,520' -> int; '12.5' is refused."""
    number = parse_decimal(raw)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{raw}” is not a whole number")
    return int(number)
