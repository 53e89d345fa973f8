"""series_for reads a batch of key results at once, sharing the rows they have in common:
each series must come out as if it had been read alone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from metrics.models import MetricObservation
from metrics.selectors import SeriesRequest, series_for
from tests.factories import AccountFactory

START, END = date(2026, 7, 1), date(2026, 8, 15)
BEFORE = date(2026, 4, 1)  # the previous quarter's start


@pytest.fixture
def accounts(team):
    made = [AccountFactory(team=team, handle=h) for h in ("a", "b", "c")]
    rows = []
    for n, account in enumerate(made):
        day = BEFORE - timedelta(days=40)
        while day <= END:
            # Gaps on some days, decimals, and one account silent before the start.
            if (day.toordinal() + n) % 5 and not (n == 2 and day < START + timedelta(days=3)):
                for metric, value in (
                    ("impressions", Decimal(day.toordinal() % 97 + n) / 4),
                    ("engagements", Decimal(day.toordinal() % 13 + n)),
                    ("followers", Decimal(1000 + 10 * n + day.toordinal() % 29)),
                ):
                    rows.append(
                        MetricObservation(account=account, metric=metric, date=day, value=value)
                    )
            day += timedelta(days=1)
    MetricObservation.objects.bulk_create(rows)
    return [a.pk for a in made]


def _requests(ids):
    ab, abc = (ids[0], ids[1]), tuple(ids)
    return [
        SeriesRequest(1, "impressions", abc, START, END),
        SeriesRequest(2, "impressions", abc, START, END, window="28d"),
        SeriesRequest(3, "impressions", abc, START, END - timedelta(days=20), window="7d"),
        SeriesRequest(-1, "impressions", abc, BEFORE, BEFORE + timedelta(days=45)),
        SeriesRequest(4, "impressions", ab, START, END),
        SeriesRequest(5, "engagement_rate", abc, START, END),
        SeriesRequest(6, "engagement_rate", abc, START, END, window="7d"),
        SeriesRequest(7, "engagements", abc, START + timedelta(days=10), END),
        SeriesRequest(8, "followers", abc, START, END),
        SeriesRequest(9, "followers", (ids[2],), START, END),
        SeriesRequest(10, "followers", ab, START, END - timedelta(days=5)),
    ]


def test_each_series_in_a_batch_is_the_series_read_alone(accounts):
    requests = _requests(accounts)
    together = series_for(requests)
    for request in requests:
        alone = series_for([request])[request.key]
        assert together[request.key] == alone, request
        assert alone.points, request  # something to compare


def test_the_same_measure_twice_reads_its_rows_once(accounts, django_assert_num_queries):
    abc = tuple(accounts)
    requests = [
        SeriesRequest(1, "impressions", abc, START, END),
        SeriesRequest(2, "impressions", abc, START, END),
        SeriesRequest(3, "impressions", abc, START, END, window="28d"),
    ]
    with django_assert_num_queries(1):
        found = series_for(requests)
    assert found[1] == found[2]
    daily = {
        day: sum(
            o.value
            for o in MetricObservation.objects.filter(
                account_id__in=abc, metric="impressions", date=day
            )
        )
        for day in (START, START + timedelta(days=1))
    }
    assert found[1].points[:2] == [
        (START, float(daily[START])),
        (START + timedelta(days=1), float(daily[START] + daily[START + timedelta(days=1)])),
    ]


def test_a_level_starts_from_each_accounts_last_value_before_the_start(accounts):
    a, b, c = accounts
    series = series_for([SeriesRequest(1, "followers", (a, b, c), START, END)])[1]
    last_before = {
        account: MetricObservation.objects.filter(
            account_id=account, metric="followers", date__lt=START
        )
        .order_by("-date")
        .first()
        for account in (a, b, c)
    }
    assert last_before[c] is None  # silent before the start: counts from its first level
    day, value = series.points[0]
    on_day = {
        o.account_id: o.value
        for o in MetricObservation.objects.filter(metric="followers", date=day)
    }
    expected = sum(
        on_day.get(account, last_before[account].value if last_before[account] else 0)
        for account in (a, b, c)
    )
    assert last_before[a] is not None and last_before[b] is not None
    assert value == float(expected)


@pytest.mark.django_db
def test_a_level_and_its_previous_period_each_start_from_their_own_last_value(team):
    """Read together, a key result and its previous period share accounts: the previous
    period's first days must use the level before *its* start, not before the later one."""
    a, b = AccountFactory(team=team, handle="a"), AccountFactory(team=team, handle="b")
    for account, day, value in (
        (a, date(2026, 3, 15), 100),  # before the previous period
        (a, date(2026, 5, 1), 150),  # inside it: must not leak back to its first day
        (b, date(2026, 4, 1), 10),
        (b, date(2026, 6, 1), 20),
        (b, date(2026, 7, 1), 30),
    ):
        MetricObservation.objects.create(
            account=account, metric="followers", date=day, value=Decimal(value)
        )
    ids = (a.pk, b.pk)
    previous = SeriesRequest(1, "followers", ids, date(2026, 4, 1), date(2026, 6, 30))
    current = SeriesRequest(2, "followers", ids, date(2026, 7, 1), date(2026, 8, 15))

    together = series_for([previous, current])

    assert together[1].points[0] == (date(2026, 4, 1), 110.0)  # a's 100 + b's 10
    assert together[2].points[0] == (date(2026, 7, 1), 180.0)  # a's 150 + b's 30
    for request in (previous, current):
        assert together[request.key].points == series_for([request])[request.key].points
