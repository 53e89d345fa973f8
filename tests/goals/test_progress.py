"""The progress engine, with hand-computed numbers.

Most cases use a 30-day period, 1 Jan 2026 -> 31 Jan 2026, so "day number" x = day of January - 1
and the elapsed fraction on 16 Jan is 15/30 = 0.5.
"""

import math
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from goals.progress import (
    SEVERITY,
    Direction,
    Point,
    Spec,
    Status,
    assess,
    elapsed_fraction,
    expected_value,
    forecast,
    progress,
    weighted_mean,
    worst_first,
)

START = date(2026, 1, 1)
DUE = date(2026, 1, 31)  # 30 days after START


def jan(d):
    return date(2026, 1, d)


def feb(d):
    return date(2026, 2, d)


def spec(**changes):
    """Followers from 1000 to 1600 over January, unless told otherwise."""
    fields = {
        "baseline": 1000.0,
        "target": 1600.0,
        "direction": Direction.INCREASE,
        "start": START,
        "due": DUE,
    }
    fields.update(changes)
    return Spec(**fields)


def band(**changes):
    """Stay within 2.0..4.0 (width 2: the 10-point tolerance allows 0.2 outside)."""
    fields = {
        "baseline": 3.0,
        "target": None,
        "direction": Direction.BAND,
        "band_low": 2.0,
        "band_high": 4.0,
    }
    fields.update(changes)
    return spec(**fields)


def series(*pairs):
    return [Point(day, float(value)) for day, value in pairs]


# --- progress -------------------------------------------------------------------------------


def test_it_measures_the_fraction_of_the_way_from_baseline_to_target():
    assert progress(1300, 1000, 1600) == pytest.approx(0.5)  # 300 / 600
    assert progress(1000, 1000, 1600) == 0  # 0 / 600: current equals the baseline
    assert progress(1600, 1000, 1600) == 1  # 600 / 600


def test_progress_is_not_clamped():
    assert progress(1720, 1000, 1600) == pytest.approx(1.2)  # 720 / 600
    assert progress(940, 1000, 1600) == pytest.approx(-0.1)  # -60 / 600


def test_progress_works_for_a_decrease_as_written():
    assert progress(15, 20, 12) == pytest.approx(0.625)  # (15 - 20) / (12 - 20) = -5 / -8


def test_progress_refuses_a_target_equal_to_the_baseline():
    with pytest.raises(ValueError, match="equals the baseline"):
        progress(5, 5, 5)


# --- pacing ---------------------------------------------------------------------------------


def test_elapsed_fraction_is_linear_over_the_period_and_clamped():
    assert elapsed_fraction(START, DUE, jan(16)) == pytest.approx(0.5)  # 15 / 30
    assert elapsed_fraction(START, DUE, jan(7)) == pytest.approx(0.2)  # 6 / 30
    assert elapsed_fraction(START, DUE, START) == 0  # 0 / 30
    assert elapsed_fraction(START, DUE, date(2025, 12, 20)) == 0  # before the start
    assert elapsed_fraction(START, DUE, DUE) == 1  # 30 / 30
    assert elapsed_fraction(START, DUE, feb(20)) == 1  # after the due date


def test_a_one_day_period_is_wholly_elapsed_from_its_start():
    assert elapsed_fraction(START, START, date(2025, 12, 31)) == 0
    assert elapsed_fraction(START, START, START) == 1
    assert elapsed_fraction(START, START, jan(2)) == 1


def test_elapsed_fraction_refuses_a_due_date_before_the_start():
    with pytest.raises(ValueError, match="before the start"):
        elapsed_fraction(DUE, START, jan(16))


def test_the_expected_value_follows_a_straight_line_from_baseline_to_target():
    assert expected_value(spec(), jan(11)) == pytest.approx(1200)  # 1000 + 600 * 10/30
    assert expected_value(spec(), START) == 1000  # 1000 + 600 * 0
    assert expected_value(spec(), feb(5)) == 1600  # 1000 + 600 * 1 (clamped)
    decrease = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    assert expected_value(decrease, jan(16)) == pytest.approx(16)  # 20 + (12 - 20) * 0.5


def test_a_band_has_no_expected_value():
    assert expected_value(band(), jan(16)) is None


# --- forecast -------------------------------------------------------------------------------


def test_it_forecasts_with_least_squares_and_a_t_interval():
    # Due 2 Feb (x = 32), today 5 Jan (x = 4), target 160 from 100.
    kr = spec(baseline=100.0, target=160.0, due=feb(2))
    points = series((jan(1), 100), (jan(2), 103), (jan(3), 104), (jan(4), 107), (jan(5), 106))
    result = forecast(points, kr, jan(5))
    # x = 0..4, mean 2; y mean = 520 / 5 = 104
    # Sxx = 4 + 1 + 0 + 1 + 4 = 10
    # Sxy = (-2)(-4) + (-1)(-1) + 0 + (1)(3) + (2)(2) = 8 + 1 + 3 + 4 = 16
    # slope = 16 / 10 = 1.6, intercept = 104 - 1.6 * 2 = 100.8
    assert result.at_due == pytest.approx(152)  # 100.8 + 1.6 * 32 = 100.8 + 51.2
    # fitted 100.8, 102.4, 104, 105.6, 107.2 -> residuals -0.8, 0.6, 0, 1.4, -1.2
    # SSE = 0.64 + 0.36 + 0 + 1.96 + 1.44 = 4.4, s² = 4.4 / (5 - 2)
    # half width = t(0.95, df 3) * sqrt(s² * (1 + 1/5 + (32 - 2)² / 10))
    #            = 2.353 * sqrt(4.4/3 * 91.2) = 2.353 * sqrt(133.76) ≈ 2.353 * 11.5655 ≈ 27.2136
    half = 2.353 * math.sqrt(4.4 / 3 * 91.2)
    assert half == pytest.approx(27.2136, abs=1e-4)
    assert result.low == pytest.approx(152 - half)
    assert result.high == pytest.approx(152 + half)
    # 100.8 + 1.6 x >= 160  <=>  x >= 59.2 / 1.6 = 37 -> 1 Jan + 37 days = 7 Feb
    assert result.reach_date == feb(7)
    # (160 - 106) / ((2 Feb - 5 Jan) = 28 days = 4 weeks) = 54 / 4
    assert result.required_per_week == pytest.approx(13.5)


def test_with_two_points_the_interval_is_the_trend_value():
    points = series((jan(1), 1000), (jan(11), 1100))
    result = forecast(points, spec(), jan(11))
    # slope (1100 - 1000) / 10 = 10 a day; at x = 30: 1000 + 300; nothing to estimate spread from
    assert result.at_due == pytest.approx(1300)
    assert result.low == result.at_due == result.high


def test_a_perfectly_linear_series_reaches_the_target_on_the_day_the_line_does():
    points = series(*((jan(d), 1000 + 10 * (d - 1)) for d in range(1, 12)))  # +10 a day, 1..11 Jan
    result = forecast(points, spec(target=1300.0), jan(11))
    # 1000 + 10 x = 1300 at x = 30 -> 31 Jan; no residuals, so no interval
    assert result.reach_date == jan(31)
    assert result.at_due == pytest.approx(1300)  # 1000 + 10 * 30
    assert result.low == pytest.approx(1300)
    assert result.high == pytest.approx(1300)
    # (1300 - 1100) / (20 days = 20/7 weeks) = 200 * 7 / 20
    assert result.required_per_week == pytest.approx(70)


def test_the_trend_uses_actual_day_numbers_across_gaps():
    # Observations on 1, 6 and 21 Jan only (x = 0, 5, 20): exactly 2 a day.
    points = series((jan(1), 0), (jan(6), 10), (jan(21), 40))
    result = forecast(points, spec(baseline=0.0, target=60.0), jan(21))
    # By index (0, 1, 2) the slope would be 20 per observation and the line would miss;
    # by day it is 2 a day: at x = 30, 2 * 30
    assert result.at_due == pytest.approx(60)
    assert result.high - result.low == pytest.approx(0, abs=1e-9)  # residuals 0
    assert result.reach_date == jan(31)  # 2 x >= 60 at x = 30


def test_the_interval_contains_the_trend_and_widens_with_noisier_data():
    line = [100 + 2 * x for x in range(6)]
    quiet = series(*((jan(x + 1), y + (-1) ** x) for x, y in enumerate(line)))
    noisy = series(*((jan(x + 1), y + 5 * (-1) ** x) for x, y in enumerate(line)))
    calm, rough = forecast(quiet, spec(), jan(6)), forecast(noisy, spec(), jan(6))
    for result in (calm, rough):
        assert result.low < result.at_due < result.high
    assert rough.high - rough.low > calm.high - calm.low > 0


def test_it_uses_the_t_quantile_up_to_30_points():
    # 28 points y = 10 + 2x + e, e repeating (+1, -1, -1, +1): e sums to 0 and is orthogonal
    # to x in every block of four, so least squares recovers the line exactly and SSE = 28.
    noise = (1, -1, -1, 1)
    points = series(*((START + timedelta(x), 10 + 2 * x + noise[x % 4]) for x in range(28)))
    kr = spec(baseline=10.0, target=200.0, due=date(2026, 3, 1))  # x = 31 + 28 = 59
    result = forecast(points, kr, jan(28))
    assert result.at_due == pytest.approx(128)  # 10 + 2 * 59
    # x mean 13.5, Sxx = 28 (28² - 1) / 12 = 1827, s² = 28 / 26, t(0.95, df 26) = 1.706
    half = 1.706 * math.sqrt(28 / 26 * (1 + 1 / 28 + (59 - 13.5) ** 2 / 1827))
    assert result.high - result.at_due == pytest.approx(half)
    assert result.at_due - result.low == pytest.approx(half)


def test_it_uses_the_normal_quantile_beyond_30_points():
    # As above with 32 points (x = 0..31, 1 Jan..1 Feb): SSE = 32.
    noise = (1, -1, -1, 1)
    points = series(*((START + timedelta(x), 10 + 2 * x + noise[x % 4]) for x in range(32)))
    kr = spec(baseline=10.0, target=200.0, due=date(2026, 3, 1))
    result = forecast(points, kr, feb(1))
    assert result.at_due == pytest.approx(128)  # 10 + 2 * 59
    # x mean 15.5, Sxx = 32 (32² - 1) / 12 = 2728, s² = 32 / 30, z = 1.645
    half = 1.645 * math.sqrt(32 / 30 * (1 + 1 / 32 + (59 - 15.5) ** 2 / 2728))
    assert result.high - result.at_due == pytest.approx(half)


def test_there_is_no_forecast_without_two_distinct_days():
    assert forecast([], spec(), jan(16)) is None
    assert forecast(series((jan(5), 1100)), spec(), jan(16)) is None
    assert forecast(series((jan(5), 1100), (jan(5), 1150)), spec(), jan(16)) is None


def test_the_forecast_ignores_points_before_the_start_and_after_today():
    points = series(
        (date(2025, 12, 1), 5000),  # before the start
        (jan(1), 1000),
        (jan(11), 1100),
        (jan(20), 9000),  # after today
    )
    result = forecast(points, spec(), jan(11))
    assert result.at_due == pytest.approx(1300)  # only (0, 1000), (10, 1100): 1000 + 10 * 30


def test_a_flat_or_backward_trend_never_reaches_the_target():
    flat = forecast(series((jan(1), 1000), (jan(16), 1000)), spec(), jan(16))
    assert flat.reach_date is None
    falling = forecast(series((jan(1), 1000), (jan(16), 900)), spec(), jan(16))
    assert falling.reach_date is None


def test_an_already_reached_target_is_reached_on_the_last_day_observed():
    result = forecast(series((jan(1), 1000), (jan(10), 1700)), spec(), jan(12))
    assert result.reach_date == jan(10)
    # (1600 - 1700) / (19 days / 7): already past, so "required" is negative
    assert result.required_per_week == pytest.approx(-100 * 7 / 19)


def test_the_reach_date_is_not_before_the_day_after_the_last_observation():
    # The trend may "cross" the target before the data does; the data last said "not yet".
    points = series((jan(1), 1000), (jan(2), 2300), (jan(3), 1550))
    # x mean 1, y mean 4850 / 3 = 1616.67, Sxx = 2,
    # Sxy = (-1)(1000 - 1616.67) + (1)(1550 - 1616.67) = 616.67 - 66.67 = 550, slope 275:
    # 1600 at x = 1 + (1600 - 1616.67) / 275 = 0.94 -> x = 1 (2 Jan), but 3 Jan (x = 2) was
    # observed at 1550, short of 1600 -> the earliest answer is x = 3, 4 Jan
    assert forecast(points, spec(), jan(3)).reach_date == jan(4)


def test_a_band_forecast_has_a_trend_but_no_target_to_reach():
    result = forecast(series((jan(1), 3.0), (jan(11), 3.5)), band(), jan(11))
    assert result.at_due == pytest.approx(4.5)  # 3.0 + 0.05 * 30
    assert result.reach_date is None
    assert result.required_per_week is None


# --- assess: the edge cases -----------------------------------------------------------------


def test_without_any_data_it_says_no_data():
    result = assess(spec(), [], jan(16))
    assert result.status is Status.NO_DATA
    assert result.current is None
    assert result.as_of is None
    assert result.progress is None
    assert result.forecast is None
    assert result.expected == pytest.approx(1300)  # 1000 + 600 * 0.5
    assert result.expected_progress == pytest.approx(0.5)  # 15 / 30


def test_before_the_start_it_says_not_started():
    result = assess(spec(), series((date(2025, 12, 20), 1200)), date(2025, 12, 25))
    assert result.status is Status.NOT_STARTED
    assert result.current is None
    assert result.expected == 1000  # elapsed 0: the baseline
    assert result.expected_progress == 0


def test_data_only_before_the_start_is_no_data_once_started():
    result = assess(spec(), series((date(2025, 12, 20), 1200)), jan(16))
    assert result.status is Status.NO_DATA
    assert result.current is None
    assert result.progress is None


def test_one_data_point_is_judged_by_progress_against_pacing_without_a_forecast():
    # elapsed on 16 Jan: 15 / 30 = 0.5
    on_track = assess(spec(), series((jan(11), 1300)), jan(16))
    assert on_track.progress == pytest.approx(0.5)  # 300 / 600 >= 0.5
    assert on_track.status is Status.ON_TRACK
    assert on_track.forecast is None
    assert on_track.as_of == jan(11)
    at_risk = assess(spec(), series((jan(11), 1250)), jan(16))
    assert at_risk.progress == pytest.approx(0.41667, abs=1e-5)  # 250 / 600
    assert at_risk.status is Status.AT_RISK  # 0.5 - 0.41667 = 0.0833 <= 0.10
    off_track = assess(spec(), series((jan(11), 1100)), jan(16))
    assert off_track.progress == pytest.approx(0.16667, abs=1e-5)  # 100 / 600
    assert off_track.status is Status.OFF_TRACK  # 0.5 - 0.16667 = 0.333 > 0.10


def test_a_target_already_passed_is_achieved_with_progress_above_one():
    result = assess(spec(), series((jan(1), 1000), (jan(10), 1700)), jan(16))
    assert result.status is Status.ACHIEVED
    assert result.progress == pytest.approx(1.16667, abs=1e-5)  # 700 / 600


def test_an_achieved_target_stays_achieved_without_fresh_data():
    result = assess(spec(), series((jan(2), 1600)), jan(20))  # 18 days old
    assert result.status is Status.ACHIEVED  # 600 / 600 = 1


def test_a_current_value_equal_to_the_baseline_is_no_progress():
    result = assess(spec(), series((jan(1), 1000), (jan(16), 1000)), jan(16))
    assert result.progress == 0  # (1000 - 1000) / 600
    assert result.status is Status.OFF_TRACK  # 0.5 behind; forecast 1000 is 0% of the way
    assert result.forecast.at_due == pytest.approx(1000)  # flat
    assert result.forecast.reach_date is None
    # (1600 - 1000) / (15 days / 7) = 600 * 7 / 15
    assert result.forecast.required_per_week == pytest.approx(280)


def test_no_progress_on_the_first_day_is_on_track():
    result = assess(spec(), series((jan(1), 1000)), jan(1))
    assert result.status is Status.ON_TRACK  # progress 0 >= elapsed 0


def test_it_uses_the_last_point_on_or_before_today():
    points = series((jan(20), 1700), (jan(10), 1300), (jan(1), 1000))  # any order
    result = assess(spec(), points, jan(16))
    assert result.current == 1300  # 20 Jan is after today
    assert result.as_of == jan(10)


def test_the_last_value_given_for_a_day_wins():
    result = assess(spec(), series((jan(5), 1100), (jan(5), 1150)), jan(6))
    assert result.current == 1150


def test_gaps_in_the_data_do_not_matter_while_on_pace():
    points = series((jan(1), 0), (jan(6), 10), (jan(21), 40))
    result = assess(spec(baseline=0.0, target=60.0), points, jan(21))
    assert result.progress == pytest.approx(2 / 3)  # 40 / 60
    assert result.expected_progress == pytest.approx(2 / 3)  # 20 / 30
    assert result.status is Status.ON_TRACK


def test_a_due_date_in_the_past_without_the_target_is_off_track():
    # +280 every 15 days: 1000, 1280, 1560; 1560 is 560 / 600 = 0.9333 of the way.
    points = series((jan(1), 1000), (jan(16), 1280), (jan(31), 1560))
    on_due_day = assess(spec(), points, DUE)
    # elapsed 1: 1 - 0.9333 = 0.0667 <= 0.10, still "at risk" on the due day itself
    assert on_due_day.status is Status.AT_RISK
    assert on_due_day.forecast.required_per_week is None  # due <= today
    after = assess(spec(), points, feb(5))
    assert after.progress == pytest.approx(0.93333, abs=1e-5)  # 560 / 600
    assert after.status is Status.OFF_TRACK
    assert after.forecast.required_per_week is None
    assert after.forecast.at_due == pytest.approx(1560)  # 1000 + (280 / 15) * 30
    # 1600 at x = 600 / (280 / 15) = 32.14 -> day 33 = 3 Feb
    assert after.forecast.reach_date == feb(3)


def test_decreasing_key_results_count_progress_downwards():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series((jan(1), 20), (jan(16), 15)), jan(16))
    assert result.progress == pytest.approx(0.625)  # (15 - 20) / (12 - 20)
    assert result.expected == pytest.approx(16)  # 20 - 8 * 0.5
    assert result.status is Status.ON_TRACK  # 0.625 >= 0.5
    # slope -5 / 15 = -1/3 a day: at x = 30, 20 - 10 = 10; 12 at x = 8 * 3 = 24 -> 25 Jan
    assert result.forecast.at_due == pytest.approx(10)
    assert result.forecast.reach_date == jan(25)
    # (12 - 15) / (15 days / 7) = -3 * 7 / 15
    assert result.forecast.required_per_week == pytest.approx(-1.4)


def test_a_decrease_that_goes_up_is_off_track_and_never_arrives():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series((jan(1), 20), (jan(16), 22)), jan(16))
    assert result.progress == pytest.approx(-0.25)  # (22 - 20) / (12 - 20) = 2 / -8
    assert result.status is Status.OFF_TRACK
    assert result.forecast.reach_date is None


def test_a_decrease_reaching_its_target_is_achieved():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series((jan(10), 11.5)), jan(12))
    assert result.progress == pytest.approx(1.0625)  # (11.5 - 20) / -8 = 8.5 / 8
    assert result.status is Status.ACHIEVED


def test_a_good_forecast_makes_a_laggard_at_risk():
    # 1000 on 1 Jan, 1100 on 6 Jan: 20 a day, 1600 at x = 30 = 100% of the way by the due date.
    points = series((jan(1), 1000), (jan(6), 1100))
    result = assess(spec(), points, jan(13))  # the last point is exactly 7 days old: not stale
    assert result.progress == pytest.approx(1 / 6)  # 100 / 600
    assert result.expected_progress == pytest.approx(0.4)  # 12 / 30; 0.233 behind > 0.10
    assert result.forecast.at_due == pytest.approx(1600)  # 1000 + 20 * 30
    assert result.status is Status.AT_RISK


def test_a_stale_series_says_stale():
    points = series((jan(1), 1000), (jan(6), 1100))
    result = assess(spec(), points, jan(16))  # 16 - 6 = 10 days > 7
    assert result.status is Status.STALE
    assert result.as_of == jan(6)
    assert result.progress == pytest.approx(1 / 6)  # still reported: 100 / 600


def test_stale_wins_over_a_past_due_date():
    result = assess(spec(), series((jan(20), 1300)), feb(10))  # 21 days old
    assert result.status is Status.STALE


def test_the_stale_threshold_is_configurable():
    points = series((jan(1), 1000), (jan(6), 1100))
    result = assess(spec(stale_after_days=14), points, jan(16))  # 10 days <= 14
    assert result.status is Status.AT_RISK  # forecast reaches 1600 at due (see above)


def test_the_tolerance_boundary_survives_float_noise():
    # Today 13 Jan: 12 / 30 = 0.4 elapsed; 30 of 100 = 0.3; 0.4 - 0.3 = 0.10000000000000003 in
    # floats, but it is 10 points and the tolerance is 10 points.
    result = assess(spec(baseline=0.0, target=100.0), series((jan(13), 30)), jan(13))
    assert result.status is Status.AT_RISK
    tighter = assess(
        spec(baseline=0.0, target=100.0, tolerance_points=5.0), series((jan(13), 30)), jan(13)
    )
    assert tighter.status is Status.OFF_TRACK  # 0.1 > 0.05


# --- assess: bands --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (3.0, Status.ON_TRACK),
        (4.0, Status.ON_TRACK),  # the bounds are inside
        (2.0, Status.ON_TRACK),
        (4.1, Status.AT_RISK),  # 0.1 above; allowed 10% of width 2 = 0.2
        (1.8, Status.AT_RISK),  # 0.2 below = 0.2 allowed
        (4.5, Status.OFF_TRACK),  # 0.5 above > 0.2
        (1.5, Status.OFF_TRACK),  # 0.5 below > 0.2
    ],
)
def test_a_band_before_its_due_date(value, status):
    result = assess(band(), series((jan(15), value)), jan(16))
    assert result.status is status
    assert result.progress is None
    assert result.expected is None
    assert result.expected_progress == pytest.approx(0.5)  # 15 / 30


def test_a_band_is_achieved_inside_on_or_after_its_due_date():
    assert assess(band(), series((jan(31), 3.0)), DUE).status is Status.ACHIEVED
    assert assess(band(), series((jan(31), 3.0)), feb(2)).status is Status.ACHIEVED
    # Outside on the due day: the band rule (0.1 above, 0.2 allowed); after it, off track.
    assert assess(band(), series((jan(31), 4.1)), DUE).status is Status.AT_RISK
    assert assess(band(), series((jan(31), 4.1)), feb(2)).status is Status.OFF_TRACK


def test_a_band_is_not_achieved_before_its_due_date():
    assert assess(band(), series((jan(15), 3.0)), jan(16)).status is Status.ON_TRACK


def test_a_band_goes_stale():
    assert assess(band(), series((jan(5), 3.0)), jan(16)).status is Status.STALE  # 11 days


# --- roll-ups and ordering ------------------------------------------------------------------


def test_weighted_mean_weighs():
    assert weighted_mean([(0.5, 1), (1.0, 3)]) == pytest.approx(0.875)  # (0.5 + 3.0) / 4
    assert weighted_mean([(1.2, 1), (0.4, 1)]) == pytest.approx(0.8)  # (1.2 + 0.4) / 2, unclamped


def test_weighted_mean_leaves_out_items_without_progress():
    assert weighted_mean([(None, 5), (0.2, 1), (0.8, 1)]) == pytest.approx(0.5)  # 1.0 / 2


def test_weighted_mean_is_none_with_nothing_to_weigh():
    assert weighted_mean([]) is None
    assert weighted_mean([(None, 1), (None, 2)]) is None
    assert weighted_mean([(0.5, 0), (0.9, 0)]) is None  # weights sum to 0


def test_objective_and_strategy_progress_roll_up_by_weight():
    first = assess(spec(), series((jan(11), 1300)), jan(16))  # 0.5
    second = assess(spec(), series((jan(11), 1600)), jan(16))  # 1.0
    banded = assess(band(), series((jan(15), 3.0)), jan(16))  # no progress: left out
    objective = weighted_mean([(first.progress, 1), (second.progress, 2), (banded.progress, 1)])
    assert objective == pytest.approx(5 / 6)  # (0.5 * 1 + 1.0 * 2) / 3 = 2.5 / 3
    assert weighted_mean([(objective, 1), (0.0, 1)]) == pytest.approx(5 / 12)  # (5/6 + 0) / 2


def test_statuses_sort_worst_first():
    assert SEVERITY == (
        Status.OFF_TRACK,
        Status.AT_RISK,
        Status.STALE,
        Status.NO_DATA,
        Status.NOT_STARTED,
        Status.ON_TRACK,
        Status.ACHIEVED,
    )
    assert set(SEVERITY) == set(Status)
    mixed = [Status.ACHIEVED, Status.ON_TRACK, Status.OFF_TRACK, Status.STALE, Status.AT_RISK]
    assert worst_first(mixed) == [
        Status.OFF_TRACK,
        Status.AT_RISK,
        Status.STALE,
        Status.ON_TRACK,
        Status.ACHIEVED,
    ]


def test_statuses_have_human_labels():
    assert Status.ON_TRACK.label == "On track"
    assert Status.OFF_TRACK.label == "Off track"
    assert Status.NOT_STARTED.label == "Not started"
    assert Status.AT_RISK == "at_risk"  # stored as its value
    assert all(status.label for status in Status)


# --- properties -----------------------------------------------------------------------------

values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(baseline=values, target=values)
def test_progress_is_zero_at_the_baseline_and_one_at_the_target(baseline, target):
    assume(baseline != target)
    assert progress(baseline, baseline, target) == 0
    assert progress(target, baseline, target) == 1


@given(
    baseline=values,
    target=values,
    length=st.integers(min_value=1, max_value=800),
    days=st.lists(st.integers(min_value=-30, max_value=830), min_size=2, max_size=20),
)
def test_the_expected_value_moves_monotonically_from_baseline_to_target(
    baseline, target, length, days
):
    assume(baseline != target)
    direction = Direction.INCREASE if target > baseline else Direction.DECREASE
    kr = spec(baseline=baseline, target=target, direction=direction, due=START + timedelta(length))
    expected = [expected_value(kr, START + timedelta(d)) for d in sorted(days)]
    if direction is Direction.INCREASE:
        assert expected == sorted(expected)
    else:
        assert expected == sorted(expected, reverse=True)
    assert expected_value(kr, START) == baseline
    assert expected_value(kr, kr.due) == pytest.approx(target, rel=1e-12, abs=1e-6)


@given(
    observations=st.dictionaries(
        st.integers(min_value=0, max_value=60),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        min_size=2,
        max_size=40,
    )
)
def test_the_interval_always_contains_the_trend_value(observations):
    points = [Point(START + timedelta(x), y) for x, y in observations.items()]
    result = forecast(points, spec(due=date(2026, 3, 31)), date(2026, 3, 2))
    assert result is not None
    assert result.low <= result.at_due <= result.high


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-5, max_value=5, allow_nan=False),
            st.floats(min_value=0.01, max_value=100),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_weighted_mean_lies_between_its_extremes(items):
    mean = weighted_mean(items)
    lowest = min(value for value, _ in items)
    highest = max(value for value, _ in items)
    assert lowest - 1e-9 <= mean <= highest + 1e-9


def test_a_finished_key_result_with_data_to_its_due_date_is_not_stale():
    # Data up to the due date (31 Jan), looked at on 30 Mar: freshness is judged on the due
    # date, so it is simply off track (1300 of 1600), not stale.
    spec = Spec(
        baseline=1000,
        target=1600,
        direction=Direction.INCREASE,
        start=date(2026, 1, 1),
        due=date(2026, 1, 31),
    )
    points = [Point(date(2026, 1, 1), 1000), Point(date(2026, 1, 31), 1300)]
    assert assess(spec, points, date(2026, 3, 30)).status is Status.OFF_TRACK
    # Data that stopped 20 days before the due date is stale, then and later.
    early = [Point(date(2026, 1, 1), 1000), Point(date(2026, 1, 11), 1100)]
    assert assess(spec, early, date(2026, 3, 30)).status is Status.STALE
