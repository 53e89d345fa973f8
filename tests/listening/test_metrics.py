"""The listening metrics of the catalogue, as key results read them (pacing, forecasts)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from goals import selectors as goal_selectors
from listening.models import Topic, TopicAuthor
from metrics import catalog
from metrics.selectors import SeriesRequest, series_for
from tests.factories import AccountFactory, KeyResultFactory, PostFactory
from tests.listening.helpers import found, write

START = date(2026, 10, 1)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


@pytest.fixture
def brand(team):
    own = AccountFactory(
        team=team, platform="mastodon", handle="loomwell@mastodon.example", display_name="Loomwell"
    )
    AccountFactory(
        team=team,
        platform="x",
        handle="kettle_and_crumb",
        display_name="Kettle & Crumb",
        is_competitor=True,
    )
    return own


def request(metric, account, *, end=date(2026, 10, 31), window="period"):
    return SeriesRequest(
        key=1, metric=metric, account_ids=(account.pk,), start=START, end=end, window=window
    )


def test_they_are_in_the_catalogue_and_never_imported():
    for key in ("topic_posts", "topic_people_engaged", "topic_people_followed", "share_of_voice"):
        metric = catalog.get(key)
        assert metric.source is catalog.Source.LISTENING and metric.is_derived
    assert catalog.get("share_of_voice").kind is catalog.Kind.RATIO
    assert "topic_people_engaged" in dict(catalog.choices()[2][1])


def test_topic_posts_count_by_day(topic, brand):
    write(topic, *(found("x", f"p{i}", at(2 + i % 3), "espresso") for i in range(6)))
    write(topic, found("x", "late", at(20), "espresso"))
    series = series_for([request("topic_posts", brand)])[1]
    assert series.points[:3] == [
        (date(2026, 10, 1), 0.0),
        (date(2026, 10, 2), 2.0),
        (date(2026, 10, 3), 4.0),
    ]
    assert series.current == 7.0 and series.as_of == date(2026, 10, 20)


def test_share_of_voice_is_brand_mentions_over_brand_or_competitor_mentions(topic, brand):
    write(
        topic,
        found(
            "mastodon", "a@x.example", at(2), "espresso", mentions=("loomwell@mastodon.example",)
        ),
        found("x", "b", at(3), "Loomwell espresso is lovely"),  # the brand by name
        found("x", "c", at(3), "espresso at Kettle & Crumb"),
        found("x", "d", at(4), "espresso", mentions=("kettle_and_crumb",)),
        found("x", "e", at(4), "espresso, nobody named"),
    )
    series = series_for([request("share_of_voice", brand)])[1]
    assert series.current == pytest.approx(50.0)  # 2 of 4
    assert series.points[0] == (date(2026, 10, 2), 100.0)


def test_people_engaged_count_replies_within_seven_days_of_their_topic_post(topic, brand):
    write(
        topic,
        found("mastodon", "dara@fiber.example", at(2), "espresso"),
        found("mastodon", "sam@fiber.example", at(2), "espresso"),
        found("mastodon", "kim@fiber.example", at(20), "espresso"),
    )
    PostFactory(
        account=brand,
        published_at=at(4),
        local_date=date(2026, 10, 4),
        addressed=["dara@fiber.example"],
    )
    PostFactory(
        account=brand,
        published_at=at(5),
        local_date=date(2026, 10, 5),
        addressed=["dara@fiber.example"],
    )  # the same person again
    PostFactory(
        account=brand,
        published_at=at(15),
        local_date=date(2026, 10, 15),
        addressed=["sam@fiber.example"],
    )  # 13 days later: too late
    PostFactory(
        account=brand,
        published_at=at(18),
        local_date=date(2026, 10, 18),
        addressed=["kim@fiber.example"],
    )  # before their topic post
    series = series_for([request("topic_people_engaged", brand)])[1]
    assert series.current == 1.0 and series.as_of == date(2026, 10, 5)
    assert series.points[3] == (date(2026, 10, 4), 1.0)


def test_people_followed_is_a_level(topic, brand, team):
    write(topic, *(found("x", f"p{i}", at(2), "espresso") for i in range(3)))
    TopicAuthor.objects.filter(handle="p0").update(followed_at=at(3))
    TopicAuthor.objects.filter(handle="p1").update(followed_at=at(5), unfollowed_at=at(9))
    series = series_for([request("topic_people_followed", brand)])[1]
    assert series.points == [
        (date(2026, 10, 3), 1.0),
        (date(2026, 10, 5), 2.0),
        (date(2026, 10, 9), 1.0),
    ]


def test_a_key_result_on_topic_posts_gets_pacing_and_a_status(topic, brand):
    kr = KeyResultFactory(
        objective__strategy__team=topic.team,
        objective__strategy__period_start=START,
        objective__strategy__period_end=date(2026, 12, 31),
        metric_key="topic_posts",
        baseline=Decimal(0),
        target=Decimal(184),
    )
    for day in range(1, 31):
        write(topic, *(found("x", f"p{day}-{i}", at(day), "espresso") for i in range(2)))
    row = goal_selectors.assess_key_results([kr], today=date(2026, 10, 31))[kr.pk]
    assert row.assessment.current == 60.0
    assert row.assessment.expected == pytest.approx(61.0, abs=1.5)
    assert row.assessment.status in ("on_track", "at_risk")


def test_other_teams_posts_never_count(topic, brand, other_team):
    theirs = Topic.objects.create(team=other_team, name="Theirs", keywords="espresso")
    write(theirs, found("x", "z", at(3), "espresso"))
    assert series_for([request("topic_posts", brand)])[1].points == []
