from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from metrics.models import MetricObservation, Post
from metrics.selectors import SeriesRequest, own_account_ids, series_for
from tests.factories import AccountFactory, InboundMentionFactory

D = date(2026, 7, 1)


def day(n: int) -> date:
    return date(2026, 7, n)


@pytest.fixture
def accounts(team):
    return AccountFactory(team=team, handle="a"), AccountFactory(team=team, handle="b")


def observe(account, metric, n, value):
    MetricObservation.objects.create(
        account=account, metric=metric, date=day(n), value=Decimal(value)
    )


def test_a_flow_over_the_period_is_a_running_sum_with_gaps_as_zero(accounts):
    a, b = accounts
    observe(a, "impressions", 1, 10)
    observe(a, "impressions", 3, 5)
    observe(b, "impressions", 3, 7)
    observe(a, "impressions", 30, 1000)  # after the end: ignored
    series = series_for([SeriesRequest(1, "impressions", (a.pk, b.pk), D, day(10))])[1]
    # day 1: 10; day 2: 10 (no data); day 3: 10 + 5 + 7 = 22
    assert series.points == [(day(1), 10.0), (day(2), 10.0), (day(3), 22.0)]
    assert series.as_of == day(3) and series.current == 22.0


def test_a_flow_over_the_last_7_days_drops_older_days(accounts):
    a, _ = accounts
    for n in range(1, 10):
        observe(a, "posts", n, n)  # 1, 2, ..., 9
    series = series_for([SeriesRequest(1, "posts", (a.pk,), day(1), day(9), window="7d")])[1]
    # day 9: 3+4+5+6+7+8+9 = 42; day 7: 1+...+7 = 28; day 1: 1
    assert dict(series.points)[day(9)] == 42.0
    assert dict(series.points)[day(7)] == 28.0
    assert dict(series.points)[day(1)] == 1.0


def test_a_ratio_is_a_ratio_of_sums_not_a_mean_of_ratios(accounts):
    a, _ = accounts
    observe(a, "engagements", 1, 1)
    observe(a, "impressions", 1, 10)  # 10% that day
    observe(a, "engagements", 2, 30)
    observe(a, "impressions", 2, 1000)  # 3% that day
    series = series_for([SeriesRequest(1, "engagement_rate", (a.pk,), D, day(5))])[1]
    # day 2: (1 + 30) / (10 + 1000) * 100 = 3.0693…%, not (10 + 3) / 2 = 6.5%
    assert series.points[0] == (day(1), 10.0)
    assert series.current == pytest.approx(3100 / 1010)


def test_a_level_sums_each_accounts_latest_value_on_or_before_the_day(accounts):
    a, b = accounts
    MetricObservation.objects.create(
        account=a, metric="followers", date=date(2026, 6, 20), value=100
    )
    observe(b, "followers", 1, 50)
    observe(a, "followers", 2, 110)
    observe(b, "followers", 4, 55)
    series = series_for([SeriesRequest(1, "followers", (a.pk, b.pk), D, day(10))])[1]
    # day 1: 100 (a, from June) + 50 = 150; day 2: 110 + 50 = 160; day 4: 110 + 55 = 165
    assert series.points == [(day(1), 150.0), (day(2), 160.0), (day(4), 165.0)]


def _post(account, n, addressed, pid):
    return Post.objects.create(
        account=account,
        platform_id=pid,
        published_at=datetime(2026, 7, n, 12, tzinfo=UTC),
        local_date=day(n),
        addressed=addressed,
    )


def test_people_addressed_counts_distinct_people_not_daily_sums(accounts):
    a, b = accounts
    _post(a, 1, ["tova", "mara"], "1")
    _post(a, 2, ["tova"], "2")
    _post(b, 2, ["tova"], "3")  # the same person, from another X account: still one
    _post(a, 3, ["juniper"], "4")
    series = series_for([SeriesRequest(1, "people_addressed", (a.pk, b.pk), D, day(5))])[1]
    # day 1: {tova, mara} = 2; day 2: still 2; day 3: + juniper = 3 (daily sums would say 5)
    assert series.points == [(day(1), 2.0), (day(2), 2.0), (day(3), 3.0)]


def test_no_data_gives_an_empty_series(accounts):
    a, _ = accounts
    series = series_for([SeriesRequest(1, "followers", (a.pk,), D, day(5))])[1]
    assert series.points == [] and series.as_of is None and series.current is None


def test_many_key_results_cost_a_bounded_number_of_queries(accounts, django_assert_max_num_queries):
    a, b = accounts
    for n in range(1, 5):
        observe(a, "impressions", n, 1)
        observe(a, "engagements", n, 1)
        observe(b, "followers", n, 100 + n)
    requests = [
        SeriesRequest(k, metric, (a.pk, b.pk), D, day(5))
        for k, metric in enumerate(
            [
                "impressions",
                "engagement_rate",
                "followers",
                "people_addressed",
                "posts",
                "median_response_minutes",
            ]
            * 4
        )
    ]
    with django_assert_max_num_queries(5):
        result = series_for(requests)
    assert len(result) == 24


def test_own_accounts_leave_out_competitors(team):
    mine = AccountFactory(team=team, handle="mine")
    AccountFactory(team=team, handle="theirs", is_competitor=True)
    assert own_account_ids([team.pk]) == {team.pk: (mine.pk,)}


def mention(account, n, minutes, hour=9):
    at = datetime(2026, 7, n, hour, tzinfo=UTC)
    InboundMentionFactory(
        account=account,
        published_at=at,
        local_date=day(n),
        answered_at=at if minutes is not None else None,
        response_minutes=minutes,
    )


def test_median_response_time_is_the_median_of_all_answers_in_the_window(accounts):
    a, b = accounts
    mention(a, 1, 10)
    mention(a, 1, 20)
    mention(b, 2, 300)
    mention(a, 3, None)  # still waiting: not a response time
    mention(a, 4, 40)
    series = series_for([SeriesRequest(1, "median_response_minutes", (a.pk, b.pk), D, day(5))])[1]
    # Day 1: [10, 20] -> 15; day 2: [10, 20, 300] -> 20; day 4: [10, 20, 40, 300] -> 30.
    assert series.points == [(day(1), 15.0), (day(2), 20.0), (day(3), 20.0), (day(4), 30.0)]
    # Not the mean of daily medians, nor a median of medians.
    p90 = series_for([SeriesRequest(2, "p90_response_minutes", (a.pk,), D, day(5))])[2]
    assert p90.current == pytest.approx(36.0)  # [10, 20, 40]


def test_response_time_over_the_last_7_days_forgets_older_answers(accounts):
    a, _ = accounts
    mention(a, 1, 1000)
    mention(a, 9, 10)
    series = series_for(
        [SeriesRequest(1, "median_response_minutes", (a.pk,), day(1), day(9), window="7d")]
    )[1]
    assert series.points[0] == (day(1), 1000.0)
    assert series.current == 10.0  # day 1 left the window on day 8


def test_response_rate_is_answered_over_due_summed_over_the_window(accounts):
    a, _ = accounts
    observe(a, "answered_mentions", 1, 1)
    observe(a, "mentions_due", 1, 1)
    observe(a, "answered_mentions", 2, 1)
    observe(a, "mentions_due", 2, 3)
    series = series_for([SeriesRequest(1, "response_rate", (a.pk,), D, day(5))])[1]
    assert series.points == [(day(1), 100.0), (day(2), 50.0)]
