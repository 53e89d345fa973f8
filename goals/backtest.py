"""Back-test of the progress engine's forecast against naive methods, on synthetic series.

Pure: no database, no settings. ``manage.py backtest_forecasts`` and ``make bench`` print
``report(run(...))``; the tests assert the properties on a fixed seed.

The series are the three kinds the engine is given (goals/progress.py): a LEVEL (followers:
a random walk whose daily growth follows a shape), a CUMULATIVE count over the period (posts,
replies: Poisson days summed since the start) and a running RATIO (reply share: replies over
posts since the start, in percent). Shapes: steady, accelerating, saturating, a jump, flat,
declining, weekly rhythm, a campaign burst. Observed daily, daily with gaps, or weekly (manual
check-ins). Every series is forecast from 1/3, 1/2 and 2/3 of its period and compared with
its real value at the due date:

- "last value": the latest observation carried forward;
- "drift from start": the line through the first and the latest observation, extended;
- the engine's forecast, whose 90% interval is checked for containing the real end value.

Errors are absolute percentage errors of the end value; the mean (MAPE) is reported per
horizon, with the share of end values inside the interval (coverage).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from goals import progress

KINDS = {
    "level": progress.SeriesKind.LEVEL,
    "count": progress.SeriesKind.CUMULATIVE,
    "ratio": progress.SeriesKind.RATIO,
}
HORIZONS: tuple[tuple[str, float], ...] = (("1/3", 1 / 3), ("1/2", 1 / 2), ("2/3", 2 / 3))
START = date(2026, 7, 1)

LEVEL_SHAPES = ("steady", "accelerating", "saturating", "jump", "flat", "declining")
COUNT_SHAPES = ("steady", "rising", "falling", "weekly", "burst")
RATIO_SHAPES = ("steady", "improving", "worsening")


@dataclass(frozen=True)
class Case:
    """One synthetic key result: its daily truth and the days on which it was observed."""

    kind: str  # level, count or ratio
    shape: str
    days: int  # length of the period: due = START + days
    truth: tuple[float, ...]  # value on each day 0..days
    observed: tuple[int, ...]  # day numbers with an observation

    @property
    def due(self) -> date:
        return START + timedelta(days=self.days)

    def points(self, until: int) -> list[progress.Point]:
        return [
            progress.Point(START + timedelta(days=d), self.truth[d])
            for d in self.observed
            if d <= until
        ]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _level(rng: random.Random, shape: str, days: int) -> list[float]:
    base = rng.uniform(500, 50_000)
    rate = base * rng.uniform(0.0005, 0.005)  # followers per day
    noise = rng.uniform(0.3, 1.5)  # day-to-day spread, relative to the rate
    jump_day = rng.randint(days // 4, days - 3)
    jump = rate * rng.uniform(5, 20) * rng.choice((1, 1, -0.5))
    tau = days * rng.uniform(0.15, 0.5)
    factor = rng.uniform(2, 4)
    value, values = base, [base]
    for t in range(1, days + 1):
        share = t / days
        mean = {
            "steady": rate,
            "accelerating": rate * (1 + (factor - 1) * share),
            "saturating": rate * factor * math.exp(-t / tau),
            "jump": rate,
            "flat": 0.0,
            "declining": -rate * 0.5,
        }[shape]
        value += mean + rng.gauss(0, noise * rate)
        if shape == "jump" and t == jump_day:
            value += jump
        values.append(float(round(value)))
    return values


def _count_rates(rng: random.Random, shape: str, days: int) -> list[float]:
    lam = rng.uniform(0.3, 25)
    burst = rng.randint(0, max(0, days - 8))
    rates = []
    for t in range(days + 1):
        share = t / days
        rate = {
            "steady": lam,
            "rising": lam * (0.5 + share),
            "falling": lam * (1.5 - share),
            "weekly": lam * (0.4 if t % 7 in (5, 6) else 1.25),
            "burst": lam * (3 if burst <= t < burst + 7 else 1),
        }[shape]
        rates.append(rate)
    return rates


def _count(rng: random.Random, shape: str, days: int) -> list[float]:
    total, values = 0, []
    for rate in _count_rates(rng, shape, days):
        total += _poisson(rng, rate)
        values.append(float(total))
    return values


def _ratio(rng: random.Random, shape: str, days: int) -> list[float]:
    posts_per_day = rng.uniform(1, 12)
    share = rng.uniform(0.05, 0.5)
    change = {"steady": 0.0, "improving": 0.15, "worsening": -0.1}[shape]
    posts = replies = 0
    values = []
    for t in range(days + 1):
        p = min(0.95, max(0.01, share + change * t / days))
        n = _poisson(rng, posts_per_day)
        posts += n
        replies += sum(1 for _ in range(n) if rng.random() < p)
        values.append(100 * replies / posts if posts else 0.0)
    return values


def _observed(rng: random.Random, days: int) -> tuple[str, tuple[int, ...]]:
    pattern = rng.choices(("daily", "gaps", "weekly"), weights=(6, 2, 2))[0]
    if pattern == "daily":
        return pattern, tuple(range(days + 1))
    if pattern == "gaps":
        return pattern, tuple(d for d in range(days + 1) if d == 0 or rng.random() > 0.3)
    offset = rng.randint(0, 6)
    return pattern, tuple(range(offset, days + 1, 7))


def cases(count: int = 300, seed: int = 20261207) -> list[Case]:
    """`count` seeded series: half levels, a third cumulative counts, the rest ratios."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    made = []
    for i in range(count):
        days = rng.choice((28, 91, 91, 91, 182))
        kind = ("level", "level", "level", "count", "count", "ratio")[i % 6]
        if kind == "level":
            shape = LEVEL_SHAPES[(i // 6) % len(LEVEL_SHAPES)]
            truth = _level(rng, shape, days)
        elif kind == "count":
            shape = COUNT_SHAPES[(i // 6) % len(COUNT_SHAPES)]
            truth = _count(rng, shape, days)
        else:
            shape = RATIO_SHAPES[(i // 6) % len(RATIO_SHAPES)]
            truth = _ratio(rng, shape, days)
        _, observed = _observed(rng, days)
        made.append(Case(kind, shape, days, tuple(truth), observed))
    return made


# --- methods ----------------------------------------------------------------------------------

Method = Callable[[Sequence[progress.Point], progress.Spec, date], float | None]


def last_value(points: Sequence[progress.Point], spec: progress.Spec, today: date) -> float | None:
    return points[-1].value if points else None


def drift_from_start(
    points: Sequence[progress.Point], spec: progress.Spec, today: date
) -> float | None:
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    slope = (last.value - first.value) / (last.day - first.day).days
    return last.value + slope * (spec.due - last.day).days


def engine(points: Sequence[progress.Point], spec: progress.Spec, today: date) -> float | None:
    result = progress.forecast(points, spec, today)
    return None if result is None else result.at_due


@dataclass
class Horizon:
    label: str
    errors: dict[str, list[float]] = field(default_factory=dict)
    inside: int = 0
    forecasts: int = 0
    skipped: int = 0  # too little data for the engine to forecast

    def mape(self, method: str) -> float:
        values = self.errors.get(method, [])
        return 100 * math.fsum(values) / len(values) if values else math.nan

    @property
    def coverage(self) -> float:
        return 100 * self.inside / self.forecasts if self.forecasts else math.nan


NAIVE: dict[str, Method] = {"last value": last_value, "drift from start": drift_from_start}


def run(series: Sequence[Case]) -> list[Horizon]:
    """Forecast every case from each horizon; compare methods on the cases the engine forecast
    (the same cases for every method, so the means are comparable)."""
    results = []
    for label, share in HORIZONS:
        horizon = Horizon(label)
        for case in series:
            cut = round(case.days * share)
            today = START + timedelta(days=cut)
            spec = progress.Spec(
                baseline=case.truth[0],
                target=case.truth[0] + 1,
                direction=progress.Direction.INCREASE,
                start=START,
                due=case.due,
                kind=KINDS[case.kind],
            )
            points = case.points(cut)
            outlook = progress.forecast(points, spec, today)
            if outlook is None:
                horizon.skipped += 1
                continue
            actual = case.truth[-1]
            scale = max(abs(actual), 1.0)
            horizon.forecasts += 1
            horizon.inside += outlook.low <= actual <= outlook.high
            values = {"forecast": outlook.at_due}
            for name, method in NAIVE.items():
                value = method(points, spec, today)
                if value is None:  # never: the engine forecast, so there are >= 4 points
                    raise RuntimeError(f"{name} gave no value")
                values[name] = value
            for name, value in values.items():
                for key in (name, f"{name}/{case.kind}"):
                    horizon.errors.setdefault(key, []).append(abs(value - actual) / scale)
        results.append(horizon)
    return results


def report(results: Sequence[Horizon], count: int) -> str:
    lines = [
        f"Forecast back-test: {count} seeded series (levels, cumulative counts, ratios), "
        "end-of-period value forecast from 1/3, 1/2 and 2/3 of the period",
        f"{'from':>5}  {'n':>4}  {'forecast':>9}  {'last value':>10}  {'drift/start':>11}  "
        f"{'90% coverage':>12}",
    ]
    for h in results:
        lines.append(
            f"{h.label:>5}  {h.forecasts:>4}  {h.mape('forecast'):>8.2f}%  "
            f"{h.mape('last value'):>9.2f}%  {h.mape('drift from start'):>10.2f}%  "
            f"{h.coverage:>11.1f}%" + (f"  ({h.skipped} too short)" if h.skipped else "")
        )
    for kind in KINDS:
        lines.append(
            f"  {kind + 's':<8} MAPE at 1/3, 1/2, 2/3: forecast "
            + ", ".join(f"{h.mape('forecast/' + kind):.1f}%" for h in results)
            + "; last value "
            + ", ".join(f"{h.mape('last value/' + kind):.1f}%" for h in results)
            + "; drift from start "
            + ", ".join(f"{h.mape('drift from start/' + kind):.1f}%" for h in results)
        )
    lines.append(
        "MAPE of the end value (lower is better); targets: forecast below both naive methods "
        "at every horizon, coverage 80–97%."
    )
    return "\n".join(lines)
