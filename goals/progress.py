"""Progress engine: how far a key result has come, where it should be, where it is heading.

Pure functions on numbers and dates; no database, no settings. The caller turns its Decimals
into floats and hands over a key result's series as it computed it, and says which kind it is
(``Spec.kind``): daily values of a LEVEL (followers, a rolling 28-day sum, manual check-ins),
the CUMULATIVE sum since the start for a count over the period, the running RATIO since the
start for a ratio. Nothing is rounded here; rounding is for display.

Decisions where DESIGN.md ("Progress engine") left room:

- A key result is judged on the points in [spec.start, min(today, due)], one value per day:
  points after the due date never change its value, status or progress (a closed period stays
  closed; a late correction is the caller's to date on the due day), points before the start
  are ignored (so data only before the start is NO_DATA once the key result has started,
  NOT_STARTED before), and when a day appears twice the last one given wins. Input order does
  not matter otherwise.
- ``current`` is the value of the last point in that series; ``as_of`` its day.
- Threshold comparisons (achieved, on track, within the at-risk tolerance, the forecast's 90%)
  allow a relative 1e-9 for floating-point noise, so that e.g. 40% expected and 30% reached is
  exactly 10 points behind (0.4 - 0.3 == 0.10000000000000003 in floats) and "at risk" with the
  default tolerance. Values themselves are never rounded.
- Directions: for INCREASE and DECREASE everything goes through ``progress``, so "reached" is
  progress >= 1 and "toward the target" is the sign of (target - baseline); the model makes
  sure the direction and that sign agree.
- A band has no baseline -> target path: its ``progress`` and ``expected`` are None (so
  ``weighted_mean`` leaves it out of its objective's progress), its forecast has a value and
  an interval but neither ``reach_date`` nor ``required_per_week``.
- The due day itself still belongs to the period: a key result short of its target on the due
  day is assessed like any other day (at risk or off track); from the day after, "not reached"
  is OFF_TRACK. A band is ACHIEVED when inside on or after the due day; outside on the due day
  it is at risk / off track by the band rule, after it OFF_TRACK.
- A ceiling (``Spec.decided_at_due``: a decrease toward a limit, or any rolling window, whose
  value can go back over the line) is ACHIEVED only from the due day on; before, being under
  the limit is ON_TRACK, and the pacing rules apply as to any other key result.
- Otherwise ACHIEVED wins over STALE: a target once reached stays achieved without fresh data.
- Staleness is measured up to the due date (min(today, due) - as_of): once a key result is
  over, data that reached its due date is complete, not stale.
- ``reached_on`` is the first day of the latest run of observations at or past the target
  (None when the latest one is short of it: a ratio that touched the target on its first
  day and fell back has not "reached" it); a forecast's
  ``reach_date`` is only for a target not reached yet: the first day after the last
  observation on which the forecast path reaches it (None when it never does).
- ``required_per_week`` keeps its sign: (target - current) per week, negative for a decrease,
  zero or "the wrong way" once the target is already passed.

Forecast (``forecast``), chosen on a back-test against naive methods (goals/backtest.py;
``manage.py backtest_forecasts`` prints the figures; README "Forecasts"):

- Not enough data: fewer than 4 days with data, or less than 7 days between the first and the
  last, gives no forecast at all ("not enough data to forecast"), never a line through two
  check-ins with a zero-width interval.
- A local linear trend anchored on the latest observation: the drift is the least-squares
  slope per day of the last third of the data (at least the last week and 4 points), carried
  forward from the last value, so a rising series is never forecast below where it is. A
  whole-series line is pulled by old data: a follower count that sped up was forecast below
  its current value.
- A trend that is slowing (the recent drift smaller than the drift before, same sign) is half
  carried on and half slowed down at the rate seen, never turning round: saturating series
  overshoot less, while a speeding trend is not assumed to keep speeding.
- A count since the start never falls: its drift is at least 0, and so is its interval's low
  end. A running ratio is forecast as its running sum (ratio x days counted, assuming days
  weigh alike) and divided again, so it converges as ratios do instead of running off.
- The 90% interval treats the window's day-to-day steps around the drift as a random walk
  with drift: variance sigma² h (1 + h / window) for a horizon of h days, with Student's t for
  few steps; widened by the drift changing as fast as it has between the earlier data and the
  window (x1.5, h²/2); never narrower than ±0.5% of the numbers at stake plus ±5% of the
  change still expected.
- Limits: the method knows nothing of campaigns, seasons or platform changes; a jump in the
  recent window inflates the drift until it leaves the window; weekly-only data gives wide
  intervals early in a period. The back-test's coverage is 83–94% across horizons on
  synthetic series; real series with structural breaks will do worse.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
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

# Worst first: what needs attention comes to the top of a list; what has not started yet
# needs nothing and goes last.
SEVERITY: tuple[Status, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.STALE,
    Status.NO_DATA,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NOT_STARTED,
)


@dataclass(frozen=True)
class Point:
    day: date
    value: float


class SeriesKind(StrEnum):
    LEVEL = "level"  # a value read each day: followers, a rolling sum, a manual check-in
    CUMULATIVE = "cumulative"  # a count since the start: never falls
    RATIO = "ratio"  # a running ratio since the start: sum over sum


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
    kind: SeriesKind = SeriesKind.LEVEL  # what the series is: how to forecast it
    decided_at_due: bool = False  # a ceiling or a rolling window: achieved only at the due date


@dataclass(frozen=True)
class Forecast:
    at_due: float  # the value expected at the due date
    low: float  # lower bound of the 90% prediction interval at the due date
    high: float  # upper bound
    reach_date: (
        date | None
    )  # first day the forecast reaches the target (None: reached, never, band)


@dataclass(frozen=True)
class Assessment:
    current: float | None
    as_of: date | None  # date of the last data point used
    progress: float | None  # fraction, UNCLAMPED (1.2 = 120%); None without data or for a band
    expected: float | None  # the expected VALUE today (linear pacing baseline -> target)
    expected_progress: float  # fraction of the period elapsed, clamped 0..1
    forecast: Forecast | None  # None: not enough data to forecast, or nothing left to forecast
    status: Status
    reached_on: date | None = None  # first day the data reached the target (and stayed)
    required_per_week: float | None = None  # (target - current) per week left (None: band, over)


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
_Z90 = 1.645  # the normal quantile, for more steps than the table holds

# The forecast's settings, chosen on the back-test (goals/backtest.py); see the module's top.
MIN_POINTS = 4  # fewer days with data: "not enough data to forecast"
MIN_DAYS = 7  # nor with less than a week between the first and the last
WINDOW_MIN_DAYS = 7  # the drift comes from the last third of the data, at least a week
WINDOW_SHARE = 1 / 3
_DAMPED_SHARE = 0.5  # a slowing trend: half carried on, half slowing down as it has been
_CHANGE_WEIGHT = 1.5  # the interval allows the drift to keep changing 1.5x as fast as it has
_FLOOR_OF_SCALE = 0.005  # the interval is never narrower than ±0.5% of the numbers at stake
_FLOOR_OF_CHANGE = 0.05  # ... plus ±5% of the change expected until the due date
_REACH_LIMIT_DAYS = 36_525  # a forecast reaching the target after a century: "never"
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
    """The value expected at the due date, with a 90% interval, from the series in
    [start, min(today, due)] (see "Forecast" at the top of this module).

    None when there is not enough data (fewer than MIN_POINTS days, or fewer than MIN_DAYS
    between the first and the last) or nothing left to forecast (the data reaches the due day).
    """
    series = _series(points, spec, min(today, spec.due))
    if len(series) < MIN_POINTS or (series[-1].day - series[0].day).days < MIN_DAYS:
        return None
    last = series[-1]
    if last.day >= spec.due:
        return None

    if spec.kind is SeriesKind.RATIO:
        # A running ratio is a sum since the start over the days counted (equal weight per
        # day assumed): forecast the sum, then divide again.
        def counted(day: date) -> int:
            return (day - spec.start).days + 1

        trend = _trend([Point(p.day, p.value * counted(p.day)) for p in series], spec.due)
        scale = 1 / counted(spec.due)
        at_due, low, high = trend.at_due * scale, trend.low * scale, trend.high * scale

        def value_after(days: int) -> float:
            return trend.value_after(days) / (counted(last.day) + days)

    else:
        trend = _trend(series, spec.due, never_falls=spec.kind is SeriesKind.CUMULATIVE)
        at_due, low, high = trend.at_due, trend.low, trend.high
        value_after = trend.value_after

    # Never certain: at least a share of the level and of the change ahead either side.
    floor = _FLOOR_OF_SCALE * _scale(spec, last.value) + _FLOOR_OF_CHANGE * abs(at_due - last.value)
    low, high = min(low, at_due - floor), max(high, at_due + floor)
    if spec.kind is SeriesKind.CUMULATIVE:
        low = max(low, last.value)  # a count since the start never falls

    reach = None
    if spec.direction is not Direction.BAND:
        reach = _reach_date(spec, _target(spec), last, value_after)
    return Forecast(at_due=at_due, low=low, high=high, reach_date=reach)


@dataclass(frozen=True)
class _Trend:
    """The local trend: drift per day from the recent window, anchored on the last point."""

    last: Point
    drift: float  # per day
    slowing: float  # per day per day, toward zero drift (0 when the trend is not slowing)
    at_due: float
    low: float
    high: float

    def value_after(self, days: int) -> float:
        """The expected value `days` after the last observation."""
        return self.last.value + self._change(days)

    def _change(self, days: int) -> float:
        carried = self.drift * days
        if not self.slowing:
            return carried
        # A slowing trend: half of the drift carried on, half slowing down at the rate seen
        # so far until it stops (never turning round).
        until = min(days, abs(self.drift / self.slowing))
        slowed = self.drift * until - math.copysign(self.slowing, self.drift) * until**2 / 2
        return _DAMPED_SHARE * slowed + (1 - _DAMPED_SHARE) * carried


def _trend(series: Sequence[Point], due: date, *, never_falls: bool = False) -> _Trend:
    last = series[-1]
    horizon = (due - last.day).days
    span = (last.day - series[0].day).days
    width = max(WINDOW_MIN_DAYS, span * WINDOW_SHARE)
    window = [p for p in series if (last.day - p.day).days <= width]
    if len(window) < MIN_POINTS:
        window = list(series[-MIN_POINTS:])
    drift, centre = _slope(window, series[0].day)
    if never_falls:
        drift = max(drift, 0.0)

    # How fast the drift changed: the recent window against the part before it.
    change = 0.0
    before = [p for p in series if p.day <= window[0].day]
    if len(before) >= 3 and (before[-1].day - before[0].day).days >= 3:
        earlier, earlier_centre = _slope(before, series[0].day)
        change = (drift - earlier) / max(centre - earlier_centre, 1.0)

    # Spread: the window's day-to-day steps around the drift, as a random walk with drift.
    steps = list(itertools.pairwise(window))
    squares = math.fsum(((b.value - a.value) - drift * (b.day - a.day).days) ** 2 for a, b in steps)
    per_day = squares / (window[-1].day - window[0].day).days
    window_days = (window[-1].day - window[0].day).days
    variance = per_day * horizon * (1 + horizon / window_days)
    quantile = _T90.get(len(steps) - 1, _Z90) if len(steps) > 1 else _T90[1]
    # ... widened by the drift changing as fast as it has been.
    half_width = quantile * math.sqrt(variance) + _CHANGE_WEIGHT * abs(change) * horizon**2 / 2

    slowing = abs(change) if change * drift < 0 else 0.0
    trend = _Trend(last, drift, slowing, 0.0, 0.0, 0.0)
    at_due = trend.value_after(horizon)
    return _Trend(last, drift, slowing, at_due, at_due - half_width, at_due + half_width)


def _slope(points: Sequence[Point], origin: date) -> tuple[float, float]:
    """Least-squares slope per day of the points, and their mean day number."""
    xs = [float((p.day - origin).days) for p in points]
    ys = [p.value for p in points]
    x_mean = math.fsum(xs) / len(xs)
    y_mean = math.fsum(ys) / len(ys)
    sxx = math.fsum((x - x_mean) ** 2 for x in xs)
    sxy = math.fsum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    return sxy / sxx, x_mean


def _scale(spec: Spec, current: float) -> float:
    """The size of the numbers at stake, for the interval's floor."""
    if spec.direction is Direction.BAND:
        low, high = _band(spec)
        return max(abs(current), high - low)
    return max(abs(current), abs(_target(spec) - spec.baseline))


def assess(spec: Spec, points: Sequence[Point], today: date) -> Assessment:
    """Current value, progress, pacing, forecast and status of one key result today.

    Judged on the points up to min(today, due): data after the due date never changes it."""
    expected_progress = elapsed_fraction(spec.start, spec.due, today)
    expected = expected_value(spec, today)

    def result(
        status: Status,
        series: Sequence[Point] = (),
        fraction: float | None = None,
        outlook: Forecast | None = None,
    ) -> Assessment:
        last = series[-1] if series else None
        reached_on = required = None
        if last is not None and spec.direction is not Direction.BAND:
            target = _target(spec)
            for point in reversed(series):  # the start of the latest run at the target
                if not _ge(progress(point.value, spec.baseline, target), 1.0):
                    break
                reached_on = point.day
            if spec.due > today:
                required = (target - last.value) / ((spec.due - today).days / 7)
        return Assessment(
            current=None if last is None else last.value,
            as_of=None if last is None else last.day,
            progress=fraction,
            expected=expected,
            expected_progress=expected_progress,
            forecast=outlook,
            status=status,
            reached_on=reached_on,
            required_per_week=required,
        )

    if today < spec.start:
        return result(Status.NOT_STARTED)
    series = _series(points, spec, min(today, spec.due))
    if not series:
        return result(Status.NO_DATA)

    current = series[-1].value
    as_of = series[-1].day
    outlook = forecast(series, spec, today)

    def done(status: Status, fraction: float | None = None) -> Assessment:
        return result(status, series, fraction, outlook)

    # Freshness is judged up to the due date: a finished key result whose data reaches its
    # due date is not stale just because the quarter is over.
    stale = (min(today, spec.due) - as_of).days > spec.stale_after_days
    over = today >= spec.due

    if spec.direction is Direction.BAND:
        low, high = _band(spec)
        inside = low <= current <= high
        if over and inside:
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
    reached = _ge(fraction, 1.0)
    if reached and (over or not spec.decided_at_due):
        return done(Status.ACHIEVED, fraction)
    if stale:
        return done(Status.STALE, fraction)
    if today > spec.due:
        return done(Status.OFF_TRACK, fraction)
    if reached or _ge(fraction, expected_progress):
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
    spec: Spec, target: float, last: Point, value_after: Callable[[int], float]
) -> date | None:
    """The first day after the last observation on which the forecast path reaches the
    target; None when the last observation already has, or the path never does (within a
    century: the path moves one way, so a binary search finds the day)."""

    def reached(days: int) -> bool:
        return _ge(progress(value_after(days), spec.baseline, target), 1.0)

    if _ge(progress(last.value, spec.baseline, target), 1.0):
        return None
    limit = min(_REACH_LIMIT_DAYS, (date.max - last.day).days)
    if limit < 1 or not reached(limit):
        return None
    low, high = 1, limit
    while low < high:
        middle = (low + high) // 2
        if reached(middle):
            high = middle
        else:
            low = middle + 1
    return last.day + timedelta(days=low)


def _ge(a: float, b: float) -> bool:
    """a >= b, forgiving a relative 1e-9 of floating-point noise."""
    return a >= b - _EPS * max(1.0, abs(a), abs(b))


def _le(a: float, b: float) -> bool:
    return _ge(b, a)
