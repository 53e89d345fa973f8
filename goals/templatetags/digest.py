"""Number formats of the weekly digest and alert e-mails (plain text and HTML alike)."""

from __future__ import annotations

from django import template

from goals.progress import Status

register = template.Library()


@register.filter
def status_label(value: Status | str | None) -> str:
    return "new" if value is None else Status(value).label


@register.filter
def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


@register.filter
def points(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0f} pts"


@register.filter
def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:+,.1f}"


@register.filter
def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"
