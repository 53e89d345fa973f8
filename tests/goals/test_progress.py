"""The progress engine, with hand-computed numbers.

Most cases use a 30-day period, 1 Jan 2026 -> 31 Jan 2026, so "day number" x = day of January - 1
and the elapsed fraction on 16 Jan is 15/30 = 0.5.
"""

import math
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from goals import backtest
from goals.progress import (
    SEVERITY,
    Direction,
    Point,
    SeriesKind,
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
# A local linear trend anchored on the last observation: the drift is the least-squares slope
# of the last third of the data (at least a week), the interval a random walk with drift's.


def test_it_carries_the_recent_drift_forward_from_the_last_value():
    # 1..8 Jan (x = 0..7): y = 100 + 2x + e, e = +1 -1 -1 +1 +1 -1 -1 +1 (orthogonal to x),
    # so the slope is exactly 2 a day. Span 7 days: the window is the last 7 days, all 8 points.
    noise = (1, -1, -1, 1, 1, -1, -1, 1)
    points = series(*((jan(x + 1), 100 + 2 * x + noise[x]) for x in range(8)))
    result = forecast(points, spec(baseline=100.0, target=200.0), jan(8))
    # last value 115 on 8 Jan, 23 days to 31 Jan: 115 + 2 * 23
    assert result.at_due == pytest.approx(161)
    # steps around the drift: -2 0 2 0 -2 0 2 -> 16 over 7 days; horizon 23, window 7 days:
    # variance 16/7 * 23 * (1 + 23/7), Student's t with 7 - 1 = 6 degrees of freedom
    half = 1.943 * math.sqrt(16 / 7 * 23 * (1 + 23 / 7))
    assert half == pytest.approx(29.165, abs=1e-3)
    assert result.low == pytest.approx(161 - half)
    assert result.high == pytest.approx(161 + half)
    # 115 + 2k >= 200 at k = 42.5 -> 43 days after 8 Jan
    assert result.reach_date == jan(8) + timedelta(days=43)


def test_a_slowing_trend_is_half_carried_on_and_half_slowed_down():
    # 4 a day for two weeks (x = 0..14), then 2 a day for a week (x = 14..21)
    points = series(*((jan(x + 1), 4.0 * x if x <= 14 else 56.0 + 2 * (x - 14)) for x in range(22)))
    result = forecast(points, spec(baseline=0.0, target=200.0), jan(22))
    # window = the last 7 days (x 14..21): drift 2, centred on 17.5; before it (x 0..14):
    # 4 a day centred on 7 -> the drift fell by (2 - 4) / 10.5 a day
    slowing = 2 / 10.5
    # 9 days left: carried 2 * 9 = 18; slowed 2 * 9 - slowing * 9² / 2; half of each
    change = 0.5 * (18 - slowing * 81 / 2) + 0.5 * 18
    assert result.at_due == pytest.approx(70 + change)  # 84.14
    # the window's steps are exactly 2: no spread; the interval allows the drift to keep
    # changing 1.5 times as fast: 1.5 * slowing * 9² / 2 either side
    assert result.high - result.at_due == pytest.approx(1.5 * slowing * 81 / 2)
    assert result.at_due - result.low == pytest.approx(1.5 * slowing * 81 / 2)


def test_a_steady_rise_is_not_forecast_below_its_current_value():
    """The demo's TikTok followers: rising all quarter, then faster; a whole-series line
    forecast 4,349 at the due date while the data stood at 4,370."""
    values = [3500 + 8 * x for x in range(60)] + [3980 + 13 * x for x in range(1, 31)]
    points = series(*((date(2026, 7, 1) + timedelta(x), v) for x, v in enumerate(values)))
    kr = spec(baseline=3500.0, target=4300.0, start=date(2026, 7, 1), due=date(2026, 9, 30))
    result = forecast(points, kr, date(2026, 9, 28))
    assert result.at_due >= values[-1] == 4370


def test_there_is_no_forecast_with_fewer_than_four_days_or_a_span_under_a_week():
    assert forecast([], spec(), jan(16)) is None
    two_check_ins = series((jan(3), 20.0), (jan(5), 20.5))  # the "20.50 (20.50-20.50)"
    assert forecast(two_check_ins, spec(baseline=0.0, target=40.0), jan(16)) is None
    three = series((jan(1), 1000), (jan(8), 1010), (jan(15), 1020))
    assert forecast(three, spec(), jan(16)) is None
    four_in_six_days = series(*((jan(d), 1000 + d) for d in (1, 3, 5, 7)))
    assert forecast(four_in_six_days, spec(), jan(16)) is None
    four_in_a_week = series(*((jan(d), 1000 + d) for d in (1, 3, 5, 8)))
    assert forecast(four_in_a_week, spec(), jan(16)) is not None


def test_the_interval_is_never_zero_wide():
    # A perfectly straight line leaves no spread: the floor is 0.5% of the numbers at stake
    # (the larger of the current 1,100 and the 600 from baseline to target) plus 5% of the
    # change still expected (200).
    points = series(*((jan(d), 1000 + 10 * (d - 1)) for d in range(1, 12)))  # +10 a day
    result = forecast(points, spec(), jan(11))
    assert result.at_due == pytest.approx(1300)  # 1100 + 10 * 20
    assert result.high - result.at_due == pytest.approx(0.005 * 1100 + 0.05 * 200)
    assert result.at_due - result.low == pytest.approx(0.005 * 1100 + 0.05 * 200)


def test_the_trend_uses_actual_day_numbers_across_gaps():
    # Observations on 1, 6, 11 and 21 Jan only: exactly 2 a day.
    points = series((jan(1), 0), (jan(6), 10), (jan(11), 20), (jan(21), 40))
    result = forecast(points, spec(baseline=0.0, target=60.0), jan(21))
    # By index the slope would be 13.3 per observation; by day it is 2: 40 + 2 * 10
    assert result.at_due == pytest.approx(60)
    assert result.reach_date == jan(31)


def test_a_count_since_the_start_never_falls():
    # Cumulative posts: 10 in the first days, none since: drift 0, and the low end stays 10.
    points = series(*((jan(d), min(10, 2 * d)) for d in range(1, 16)))
    result = forecast(points, spec(baseline=0.0, target=30.0, kind=SeriesKind.CUMULATIVE), jan(15))
    assert result.at_due == pytest.approx(10)
    assert result.low == pytest.approx(10)
    assert result.high > 10
    assert result.reach_date is None


def test_a_running_ratio_converges_instead_of_running_off():
    # Reply share: 20% of posts for ten days, then 10%: the running ratio falls from 20 to 15.
    sums = [20 * (x + 1) if x < 10 else 200 + 10 * (x - 9) for x in range(20)]
    points = series(*((jan(x + 1), sums[x] / (x + 1)) for x in range(20)))
    ratio = spec(baseline=0.0, target=30.0, kind=SeriesKind.RATIO)
    as_level = spec(baseline=0.0, target=30.0)
    converging = forecast(points, ratio, jan(20))
    # at most the recent 10% a day for the 11 days left: (300 + 10 * 11) / 31 = 13.2
    assert 300 / 31 < converging.at_due <= 410 / 31 + 1e-9
    # read as a level, the falling line would run on down, below what the days can give
    assert forecast(points, as_level, jan(20)).at_due < converging.at_due


def test_the_forecast_ignores_points_before_the_start_and_after_today():
    inside = [(jan(d), 1000 + 10 * (d - 1)) for d in range(1, 12)]
    points = series((date(2025, 12, 1), 5000), *inside, (jan(20), 9000))
    assert forecast(points, spec(), jan(11)).at_due == pytest.approx(1300)


def test_a_flat_or_backward_trend_never_reaches_the_target():
    flat = forecast(series(*((jan(d), 1000) for d in range(1, 17))), spec(), jan(16))
    assert flat.reach_date is None
    falling = forecast(series(*((jan(d), 1000 - d) for d in range(1, 17))), spec(), jan(16))
    assert falling.reach_date is None


def test_a_target_the_data_reached_has_no_forecast_crossing():
    points = series(*((jan(d), 1000 + 100 * d) for d in range(1, 11)))  # 1,700 on 7 Jan
    result = forecast(points, spec(), jan(12))
    assert result.reach_date is None  # the data says when: Assessment.reached_on


def test_there_is_nothing_to_forecast_once_the_data_reaches_the_due_date():
    points = series(*((jan(d), 1000 + 10 * d) for d in range(1, 32)))
    assert forecast(points, spec(), feb(3)) is None


def test_a_band_forecast_has_a_value_but_no_target_to_reach():
    points = series(*((jan(d), 3.0 + 0.05 * (d - 1)) for d in range(1, 12)))
    result = forecast(points, band(), jan(11))
    assert result.at_due == pytest.approx(4.5)  # 3.5 + 0.05 * 20
    assert result.reach_date is None


def test_on_seeded_series_it_beats_naive_methods_and_its_interval_means_90_percent():
    results = backtest.run(backtest.cases(120, seed=7))
    for horizon in results:
        assert horizon.forecasts > 100
        assert horizon.mape("forecast") < horizon.mape("last value")
        assert horizon.mape("forecast") < horizon.mape("drift from start")
        assert 80 <= horizon.coverage <= 97


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
    result = assess(spec(), series(*((jan(d), 1000) for d in range(1, 17))), jan(16))
    assert result.progress == 0  # (1000 - 1000) / 600
    assert result.status is Status.OFF_TRACK  # 0.5 behind; forecast 1000 is 0% of the way
    assert result.forecast.at_due == pytest.approx(1000)  # flat
    assert result.forecast.reach_date is None
    # (1600 - 1000) / (15 days / 7) = 600 * 7 / 15
    assert result.required_per_week == pytest.approx(280)


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
    assert on_due_day.required_per_week is None  # due <= today
    after = assess(spec(), points, feb(5))
    assert after.progress == pytest.approx(0.93333, abs=1e-5)  # 560 / 600
    assert after.status is Status.OFF_TRACK
    assert after.required_per_week is None
    assert after.forecast is None  # the data reaches the due date: nothing to forecast
    assert after.reached_on is None


def test_decreasing_key_results_count_progress_downwards():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series(*((jan(d), 20 - (d - 1) / 3) for d in range(1, 17))), jan(16))
    assert result.progress == pytest.approx(0.625)  # (15 - 20) / (12 - 20)
    assert result.expected == pytest.approx(16)  # 20 - 8 * 0.5
    assert result.status is Status.ON_TRACK  # 0.625 >= 0.5
    # -1/3 a day from 15 on 16 Jan: 15 - 15/3 = 10 at the due date; 12 after 9 days, 25 Jan
    assert result.forecast.at_due == pytest.approx(10)
    assert result.forecast.reach_date == jan(25)
    # (12 - 15) / (15 days / 7) = -3 * 7 / 15
    assert result.required_per_week == pytest.approx(-1.4)


def test_a_decrease_that_goes_up_is_off_track_and_never_arrives():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series(*((jan(d), 20 + (d - 1) * 2 / 15) for d in range(1, 17))), jan(16))
    assert result.progress == pytest.approx(-0.25)  # (22 - 20) / (12 - 20) = 2 / -8
    assert result.status is Status.OFF_TRACK
    assert result.forecast.reach_date is None


def test_a_decrease_reaching_its_target_is_achieved():
    kr = spec(baseline=20.0, target=12.0, direction=Direction.DECREASE)
    result = assess(kr, series((jan(10), 11.5)), jan(12))
    assert result.progress == pytest.approx(1.0625)  # (11.5 - 20) / -8 = 8.5 / 8
    assert result.status is Status.ACHIEVED


def test_a_good_forecast_makes_a_laggard_at_risk():
    # +20 a day from 1000 on 1 Jan to 1140 on 8 Jan: 1140 + 20 * 23 = 1600 by the due date.
    points = series(*((jan(d), 1000 + 20 * (d - 1)) for d in range(1, 9)))
    result = assess(spec(), points, jan(13))  # the last point is 5 days old: not stale
    assert result.progress == pytest.approx(140 / 600)
    assert result.expected_progress == pytest.approx(0.4)  # 12 / 30; 0.167 behind > 0.10
    assert result.forecast.at_due == pytest.approx(1600)
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
    points = series(*((jan(d), 1000 + 20 * (d - 1)) for d in range(1, 9)))
    assert assess(spec(), points, jan(16)).status is Status.STALE  # 8 days > 7
    result = assess(spec(stale_after_days=14), points, jan(16))  # 8 days <= 14
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
        Status.ON_TRACK,
        Status.ACHIEVED,
        Status.NOT_STARTED,
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
        min_size=4,
        max_size=40,
    )
)
def test_the_interval_always_contains_the_forecast_and_is_never_zero_wide(observations):
    assume(max(observations) - min(observations) >= 7)
    points = [Point(START + timedelta(x), y) for x, y in observations.items()]
    result = forecast(points, spec(due=date(2026, 3, 31)), date(2026, 3, 2))
    assert result is not None
    assert result.low < result.at_due < result.high


@given(
    steps=st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=7),
    kind=st.sampled_from([SeriesKind.LEVEL, SeriesKind.CUMULATIVE]),
    gap=st.integers(min_value=1, max_value=3),
)
def test_a_series_that_never_falls_is_never_forecast_below_its_current_value(steps, kind, gap):
    values = [100.0]
    for step in steps:
        values.append(values[-1] + step)
    points = [Point(START + timedelta(i * gap), v) for i, v in enumerate(values)]
    assume(points[-1].day < date(2026, 3, 31))
    kr = spec(baseline=100.0, target=1e9, due=date(2026, 3, 31), kind=kind)
    result = forecast(points, kr, points[-1].day)
    assert result is not None
    assert result.at_due >= values[-1] - 1e-9 * max(1.0, values[-1])
    assert result.low <= result.at_due < result.high  # a flat count: low = now, never below


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


# --- a closed period stays closed -----------------------------------------------------------


def test_data_after_the_due_date_never_changes_a_closed_key_result():
    judged = [(jan(d), 1000 + 10 * (d - 1)) for d in range(1, 32)]  # 1,300 on the due date
    later = [(feb(d), 1700) for d in range(1, 10)]  # a jump after the quarter closed
    before = assess(spec(), series(*judged), feb(20))
    after = assess(spec(), series(*judged, *later), feb(20))
    assert after == before
    assert after.current == 1300
    assert after.status is Status.OFF_TRACK


def test_target_reached_is_the_first_day_the_data_reached_it():
    """The demo's TikTok followers crossed 4,300 on 20 Sep; the trend said 27 Sep."""
    values = {date(2026, 9, d): 4200 + 10 * d for d in range(1, 29)}  # 4,300 on 10 Sep
    points = [Point(day, value) for day, value in values.items()]
    kr = spec(baseline=4000.0, target=4300.0, start=date(2026, 7, 1), due=date(2026, 9, 30))
    result = assess(kr, points, date(2026, 9, 28))
    assert result.reached_on == date(2026, 9, 10)
    assert result.status is Status.ACHIEVED
    assert result.forecast.reach_date is None


def test_a_ceiling_is_achieved_only_at_the_due_date():
    """ "No more than 12 promotional posts in 28 days" in mid-August is on track, not achieved:
    the rolling count can climb back over the limit before the quarter ends."""
    ceiling = spec(
        baseline=20.0,
        target=12.0,
        direction=Direction.DECREASE,
        decided_at_due=True,
        start=date(2026, 7, 1),
        due=date(2026, 9, 30),
    )
    points = [Point(date(2026, 7, 1) + timedelta(x), 20 - x / 4) for x in range(46)]  # 8.75
    mid_august = assess(ceiling, points, date(2026, 8, 15))
    assert mid_august.progress > 1
    assert mid_august.status is Status.ON_TRACK
    quarter = points + [Point(date(2026, 8, 15) + timedelta(x), 10) for x in range(1, 47)]
    assert assess(ceiling, quarter, date(2026, 9, 30)).status is Status.ACHIEVED
    over_again = [*points, Point(date(2026, 9, 30), 14)]
    assert assess(ceiling, over_again, date(2026, 9, 30)).status is not Status.ACHIEVED
    assert assess(ceiling, over_again, date(2026, 10, 1)).status is Status.OFF_TRACK


def test_a_target_touched_and_lost_again_is_not_reached():
    points = series((jan(1), 1700), *((jan(d), 1100 + d) for d in range(2, 12)))
    assert assess(spec(), points, jan(11)).reached_on is None
    back = [*points, Point(jan(12), 1650), Point(jan(13), 1600)]
    assert assess(spec(), back, jan(13)).reached_on == jan(12)
