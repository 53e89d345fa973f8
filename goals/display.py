"""Numbers as people say them on the progress pages: "4,370", "12%", "0.33", "45 min".

Pure functions of a value and its unit (metrics.catalog.Unit, or the words a team typed for a
manual key result); the template filters in goals.templatetags.tracker call them. Nothing is
rounded before display, so the rules live here only:

- counts and people: whole numbers with thousands separators, no unit ("4,370");
- percentages (ratios the catalogue scales to 0–100, and targets entered as 12 for 12%):
  at most one decimal, with "%" ("12%", "8.4%"); a change is in points ("+1.5 pts");
- ratios that are not percentages (with:at): at most two decimals ("0.33");
- minutes: whole minutes ("45 min");
- anything else (a manual key result's "events"): as many decimals as the size of the number
  makes meaningful (two below 10, one below 100, none above), then the unit ("1.5 events").

Trailing zeros never show: 12.0% is "12%".
"""

from __future__ import annotations

from decimal import Decimal

from metrics import catalog

Number = float | int | Decimal

DASH = "—"
_WHOLE_UNITS = frozenset({catalog.Unit.COUNT.value, catalog.Unit.PEOPLE.value})


def _trim(value: float, places: int) -> str:
    """`value` with thousands separators and at most `places` decimals, no trailing zeros."""
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _places(value: float) -> int:
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def number(value: Number | None, unit: str = "") -> str:
    """The value as a person would read it out, with its unit where one is said."""
    if value is None:
        return DASH
    x = float(value)
    if unit in _WHOLE_UNITS:
        return _trim(x, 0)
    if unit == catalog.Unit.PERCENT:
        return f"{_trim(x, 1)}%"
    if unit == catalog.Unit.RATIO:
        return _trim(x, 2)
    if unit == catalog.Unit.MINUTES:
        return f"{_trim(x, 0)} min"
    text = _trim(x, _places(x))
    return f"{text} {unit}" if unit else text


def change(value: Number | None, unit: str = "") -> str:
    """A difference with its sign: "+520", "-12", "+1.5 pts"; "" when there is none."""
    if value is None:
        return ""
    x = float(value)
    # A percentage moves in points: 8% to 9.5% is "+1.5 pts", not "+1.5%".
    points = unit == catalog.Unit.PERCENT
    size = f"{_trim(abs(x), 1)} pts" if points else number(abs(x), unit)
    if size.startswith("0") and not any(c in "123456789" for c in size):
        return f"±{size}"  # rounds to nothing: neither up nor down
    return ("+" if x > 0 else "-") + size


def metric_label(metric_key: str) -> str:
    """A metric's name as it reads on a page: "Followers", not "Followers (stock, count)"."""
    if metric_key == catalog.MANUAL:
        return "Manual (check-ins)"
    metric = catalog.CATALOG.get(metric_key)
    return metric.label if metric is not None else metric_key


def axis_title(metric_key: str, unit: str) -> str:
    """A chart's value axis: the unit where one is said ("%", "min", "events"), else what
    is counted ("Followers"), never "count"."""
    if unit in _WHOLE_UNITS or unit == catalog.Unit.RATIO:
        return metric_label(metric_key)
    return unit


def metric_help(metric_key: str) -> str:
    """The catalogue's own words for a metric (kind, unit, how it adds up), for a tooltip."""
    if metric_key == catalog.MANUAL:
        return "Manual: the values are entered as check-ins."
    metric = catalog.CATALOG.get(metric_key)
    if metric is None:
        return metric_key
    about = f" {metric.description}" if metric.description else ""
    return f"{metric.label} ({metric.kind}, {metric.unit}): {metric.aggregation}.{about}"
