"""Numbers as people say them: 4,370 rather than 4370.0000. Pure; for display only, never
for stored values."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal | float | int | None, *, empty: str = "—") -> str:
    """4370.0000 -> '4,370'; 1234.50 -> '1,234.5'; 0.0525 -> '0.0525'; None -> `empty`.

    Integers lose their decimals, other numbers their trailing zeros; nothing is rounded
    beyond what the value holds (a float is read as its shortest repr)."""
    if value is None:
        return empty
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite():
        return str(number)
    return f"{number.normalize():,f}"


def for_input(value: Decimal) -> str:
    """What a form input shows: '4370', not '4370.0000' (no thousands separators, which a
    number input would refuse)."""
    if not value.is_finite():
        return str(value)
    return f"{value.normalize():f}"
