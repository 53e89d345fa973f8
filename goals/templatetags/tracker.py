"""Numbers as people read them on progress pages, and links that are safe to follow."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import template

from goals import display

register = template.Library()


@register.filter
def amount(value: float | Decimal | None, unit: str = "") -> str:
    """A value in its unit as people say it: 4370 'count' -> '4,370'; 12 '%' -> '12%'."""
    return display.number(value, unit or "")


@register.filter
def change(value: float | Decimal | None, unit: str = "") -> str:
    """A signed difference in its unit: '+520', '-1.5 pts'; '' when there is none."""
    return display.change(value, unit or "")


@register.filter
def metric_label(metric_key: str) -> str:
    """The metric's plain name; its catalogue details go in a title (`metric_help`)."""
    return display.metric_label(metric_key)


@register.filter
def metric_help(metric_key: str) -> str:
    return display.metric_help(metric_key)


@register.filter
def num(value: float | Decimal | None) -> str:
    """1234.5 -> '1,234.5'; 0.123456 -> '0.12'; None -> '—'."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if abs(number) >= 100 or number == int(number):
        return f"{number:,.0f}"
    return f"{number:,.2f}"


@register.filter
def pct(value: float | None) -> str:
    """A percentage already multiplied by 100: 87.456 -> '87%'; None -> '—'."""
    if value is None:
        return "—"
    return f"{value:.0f}%"


@register.filter
def http_url(value: str | None) -> str:
    """Only http(s) links from imported data reach an href (never `javascript:`)."""
    text = (value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@register.filter
def duration_short(value: timedelta | None) -> str:
    """How long someone has waited: '45 min', '5 h 10 min', '3 days 4 h'."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"
