"""Progress engine: how far a key result has come, where it should be, where it is heading.

Pure functions on numbers and dates; no database, no settings. The caller turns its Decimals
into floats and hands over a key result's series as it computed it: daily levels for a level
(followers), the CUMULATIVE sum since the start for a count over the period, the running ratio
for a ratio. Nothing is rounded here; rounding is for display.

Decisions where DESIGN.md ("Progress engine") left room:

- The series used is the points in [spec.start, today], one value per day: points after today
  are ignored, points before the start are ignored (so data only before the start is NO_DATA
  once the key result has started, NOT_STARTED before), and when a day appears twice the last
  one given wins. Input order does not matter otherwise.
- ``current`` is the value of the last point in that series; ``as_of`` its day.
- Threshold comparisons (achieved, on track, within the at-risk tolerance, the forecast's 90%)
  allow a relative 1e-9 for floating-point noise, so that e.g. 40% expected and 30% reached is
  exactly 10 points behind (0.4 - 0.3 == 0.10000000000000003 in floats) and "at risk" with the
  default tolerance. Values themselves are never rounded.
- Directions: for INCREASE and DECREASE everything goes through ``progress``, so "reached" is
  progress >= 1 and "toward the target" is the sign of (target - baseline); the model makes
  sure the direction and that sign agree.
- A band has no baseline -> target path: its ``progress`` and ``expected`` are None (so
  ``weighted_mean`` leaves it out of its objective's progress), its forecast has a trend and
  an interval but neither ``reach_date`` nor ``required_per_week``.
- The due day itself still belongs to the period: a key result short of its target on the due
  day is assessed like any other day (at risk or off track); from the day after, "not reached"
  is OFF_TRACK. A band is ACHIEVED when inside on or after the due day; outside on the due day
  it is at risk / off track by the band rule, after it OFF_TRACK.
- ACHIEVED wins over STALE: a target once reached stays achieved without fresh data.
- Staleness is measured up to the due date (min(today, due) - as_of): once a key result is
  over, data that reached its due date is complete, not stale.
- ``reach_date`` is never earlier than the day after the last observation when that
  observation has not reached the target (the trend may have "crossed" already while the
  data has not); it is None when the crossing lies beyond ``date.max``.
- ``required_per_week`` keeps its sign: (target - current) per week, negative for a decrease,
  zero or "the wrong way" once the target is already passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    BAND = "band"

    @property
    def label(self) -> str:
        return DIRECTION_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a model field's choices."""
        return [(member.value, member.label) for member in cls]


DIRECTION_LABELS: dict[Direction, str] = {
    Direction.INCREASE: "Increase to the target",
    Direction.DECREASE: "Decrease to the target",
    Direction.BAND: "Stay within a band",
}


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    STALE = "stale"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[Status, str] = {
    Status.ACHIEVED: "Achieved",
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.NO_DATA: "No data",
    Status.STALE: "Stale",
    Status.NOT_STARTED: "Not started",
}

# Worst first: what needs attention comes to the top of a list.
SEVERITY: tuple[Status, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.STALE,
    Status.NO_DATA,
    Status.NOT_STARTED,
    Status.ON_TRACK,
    Status.ACHIEVED,
)


@dataclass(frozen=True)
class Point:
    day: date
    value: float


@dataclass(frozen=True)
class Spec:
    baseline: float
    target: float | None  # None only for BAND
    direction: Direction
    start: date
    due: date
    band_low: float | None = None
    band_high: float | None = None
    tolerance_points: float = 10.0  # percentage points, e.g. 10 => 0.10 of progress
    stale_after_days: int = 7


@dataclass(frozen=True)
class Forecast:
    at_due: float  # least-squares trend value at the due date
    low: float  # lower bound of a 90% prediction interval at the due date
    high: float  # upper bound
    reach_date: date | None  # first day the trend reaches the target (None: never, band)
    required_per_week: float | None  # (target - current) per week left (None: band, due passed)


@dataclass(frozen=True)
class Assessment:
    current: float | None
    as_of: date | None  # date of the last data point used
    progress: float | None  # fraction, UNCLAMPED (1.2 = 120%); None without data or for a band
    expected: float | None  # the expected VALUE today (linear pacing baseline -> target)
    expected_progress: float  # fraction of the period elapsed, clamped 0..1
    forecast: Forecast | None
    status: Status


# One-sided 95% quantiles of Student's t (two-sided 90% interval), by degrees of freedom.
_T90: dict[int, float] = {
    1: 6.314,
    2: 2.920,
    3: 2.353,
    4: 2.132,
    5: 2.015,
    6: 1.943,
    7: 1.895,
    8: 1.860,
    9: 1.833,
    10: 1.812,
    11: 1.796,
    12: 1.782,
    13: 1.771,
    14: 1.761,
    15: 1.753,
    16: 1.746,
    17: 1.740,
    18: 1.734,
    19: 1.729,
    20: 1.725,
    21: 1.721,
    22: 1.717,
    23: 1.714,
    24: 1.711,
    25: 1.708,
    26: 1.706,
    27: 1.703,
    28: 1.701,
}
_Z90 = 1.645  # the normal quantile, used for more than 30 points
_EPS = 1e-9  # relative tolerance for threshold comparisons (float noise only)
_AT_RISK_FORECAST = 0.9  # a forecast reaching 90% of the way makes a laggard "at risk"


def progress(current: float, baseline: float, target: float) -> float:
    """The fraction of the way from baseline to target, unclamped (1.2 = 120%, -0.1 = behind).

    Works for a decrease as written: with target < baseline a falling value gives a positive
    fraction.
    """
    if target == baseline:
        raise ValueError(f"The target equals the baseline ({baseline}): no progress to measure.")
    return (current - baseline) / (target - baseline)


def elapsed_fraction(start: date, due: date, today: date) -> float:
    """How much of the period start..due has passed today, clamped to 0..1.

    A one-day period (start == due) is wholly elapsed from its start day on.
    """
    if due < start:
        raise ValueError(f"The due date ({due}) is before the start date ({start}).")
    if today < start:
        return 0.0
    if today >= due:
        return 1.0
    return (today - start).days / (due - start).days


def expected_value(spec: Spec, today: date) -> float | None:
    """Where the value should be today, on a straight line from baseline to target.

    None for a band, which has no single target.
    """
    if spec.direction is Direction.BAND:
        return None
    target = _target(spec)
    return spec.baseline + (target - spec.baseline) * elapsed_fraction(spec.start, spec.due, today)


def forecast(points: Sequence[Point], spec: Spec, today: date) -> Forecast | None:
    """The least-squares trend of the series in [start, today], read at the due date.

    None with fewer than two distinct days (a line needs two).
    """
    series = _series(points, spec, today)
    n = len(series)
    if n < 2:
        return None

    xs = [float((p.day - spec.start).days) for p in series]  # actual day numbers: gaps count
    ys = [p.value for p in series]
    x_mean = math.fsum(xs) / n
    y_mean = math.fsum(ys) / n
    sxx = math.fsum((x - x_mean) ** 2 for x in xs)
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx  # sxx > 0: the days are distinct

    x_due = float((spec.due - spec.start).days)
    at_due = y_mean + slope * (x_due - x_mean)

    if n == 2:
        # Degenerate: a line through two points fits them exactly and leaves no residuals to
        # estimate the spread from, so the interval collapses to the trend value itself.
        half_width = 0.0
    else:
        sse = math.fsum(
            (y - (y_mean + slope * (x - x_mean))) ** 2 for x, y in zip(xs, ys, strict=True)
        )
        s2 = sse / (n - 2)
        quantile = _Z90 if n > 30 else _T90[n - 2]
        half_width = quantile * math.sqrt(s2 * (1 + 1 / n + (x_due - x_mean) ** 2 / sxx))

    last = series[-1]
    reach: date | None = None
    required: float | None = None
    if spec.direction is not Direction.BAND:
        target = _target(spec)
        reach = _reach_date(spec, target, slope, x_mean, y_mean, last)
        if spec.due > today:
            weeks_left = (spec.due - today).days / 7
            required = (target - last.value) / weeks_left

    return Forecast(
        at_due=at_due,
        low=at_due - half_width,
        high=at_due + half_width,
        reach_date=reach,
        required_per_week=required,
    )


def assess(spec: Spec, points: Sequence[Point], today: date) -> Assessment:
    """Current value, progress, pacing, forecast and status of one key result today."""
    expected_progress = elapsed_fraction(spec.start, spec.due, today)
    expected = expected_value(spec, today)

    def result(
        status: Status,
        current: float | None = None,
        as_of: date | None = None,
        fraction: float | None = None,
        outlook: Forecast | None = None,
    ) -> Assessment:
        return Assessment(
            current=current,
            as_of=as_of,
            progress=fraction,
            expected=expected,
            expected_progress=expected_progress,
            forecast=outlook,
            status=status,
        )

    if today < spec.start:
        return result(Status.NOT_STARTED)
    series = _series(points, spec, today)
    if not series:
        return result(Status.NO_DATA)

    current = series[-1].value
    as_of = series[-1].day
    outlook = forecast(points, spec, today)

    def done(status: Status, fraction: float | None = None) -> Assessment:
        return result(status, current, as_of, fraction, outlook)

    # Freshness is judged up to the due date: a finished key result whose data reaches its
    # due date is not stale just because the quarter is over.
    stale = (min(today, spec.due) - as_of).days > spec.stale_after_days

    if spec.direction is Direction.BAND:
        low, high = _band(spec)
        inside = low <= current <= high
        if today >= spec.due and inside:
            return done(Status.ACHIEVED)
        if stale:
            return done(Status.STALE)
        if today > spec.due:
            return done(Status.OFF_TRACK)
        if inside:
            return done(Status.ON_TRACK)
        outside_by = low - current if current < low else current - high
        allowed = spec.tolerance_points / 100 * (high - low)
        return done(Status.AT_RISK if _le(outside_by, allowed) else Status.OFF_TRACK)

    target = _target(spec)
    fraction = progress(current, spec.baseline, target)
    if _ge(fraction, 1.0):
        return done(Status.ACHIEVED, fraction)
    if stale:
        return done(Status.STALE, fraction)
    if today > spec.due:
        return done(Status.OFF_TRACK, fraction)
    if _ge(fraction, expected_progress):
        return done(Status.ON_TRACK, fraction)
    if _le(expected_progress - fraction, spec.tolerance_points / 100) or (
        outlook is not None
        and _ge(progress(outlook.at_due, spec.baseline, target), _AT_RISK_FORECAST)
    ):
        return done(Status.AT_RISK, fraction)
    return done(Status.OFF_TRACK, fraction)


def weighted_mean(items: Sequence[tuple[float | None, float]]) -> float | None:
    """Weighted mean of (progress, weight) pairs, leaving out those without progress.

    None when nothing is left or the weights left sum to 0. Unclamped, like progress.
    """
    kept = [(value, weight) for value, weight in items if value is not None]
    total = math.fsum(weight for _, weight in kept)
    if not kept or total == 0:
        return None
    return math.fsum(value * weight for value, weight in kept) / total


def worst_first(statuses: Iterable[Status]) -> list[Status]:
    """The statuses sorted by SEVERITY, worst first (stable among equals)."""
    return sorted(statuses, key=SEVERITY.index)


def _series(points: Sequence[Point], spec: Spec, today: date) -> list[Point]:
    """The points in [start, today], sorted by day, one per day (the last given wins)."""
    by_day: dict[date, Point] = {}
    for point in points:
        if spec.start <= point.day <= today:
            by_day[point.day] = point
    return [by_day[day] for day in sorted(by_day)]


def _target(spec: Spec) -> float:
    if spec.target is None:
        raise ValueError(f"A key result that should {spec.direction} needs a target.")
    return spec.target


def _band(spec: Spec) -> tuple[float, float]:
    if spec.band_low is None or spec.band_high is None:
        raise ValueError("A key result that stays within a band needs both bounds.")
    return spec.band_low, spec.band_high


def _reach_date(
    spec: Spec, target: float, slope: float, x_mean: float, y_mean: float, last: Point
) -> date | None:
    if _ge(progress(last.value, spec.baseline, target), 1.0):
        return last.day  # already there
    if slope * (target - spec.baseline) <= 0:
        return None  # flat, or moving away from the target
    x_reach = x_mean + (target - y_mean) / slope
    if not math.isfinite(x_reach):
        return None
    # First whole day on which the trend has reached the target (the 1e-9 keeps 30.000000000004
    # on day 30), but not before the day after the last observation, which had not reached it.
    offset = max(math.ceil(x_reach - _EPS), (last.day - spec.start).days + 1)
    try:
        return spec.start + timedelta(days=offset)
    except OverflowError:
        return None


def _ge(a: float, b: float) -> bool:
    """a >= b, forgiving a relative 1e-9 of floating-point noise."""
    return a >= b - _EPS * max(1.0, abs(a), abs(b))


def _le(a: float, b: float) -> bool:
    return _ge(b, a)
