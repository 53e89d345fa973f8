"""Reading values out of platform JSON (metrics.platforms.jsonvalues)."""

from datetime import UTC, datetime

import pytest

from metrics.platforms.jsonvalues import BadValue, count, dedupe, time


@pytest.mark.parametrize(
    ("value", "expected"), [(12, 12), (12.0, 12), ("12", 12), (" 7 ", 7), ("", None), (None, None)]
)
def test_a_count_is_a_whole_number_however_it_is_written(value, expected):
    assert count({"likeCount": value}, "likeCount") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12x", "“likeCount”: “12x” is not a number"),
        (True, "“likeCount”: “True” is not a number"),
        ("1.5", "“likeCount”: “1.5” is not a whole number"),
        (-3, "“likeCount”: “-3” is negative"),
    ],
)
def test_a_count_that_is_not_one_names_its_field(value, message):
    with pytest.raises(BadValue) as caught:
        count({"likeCount": value}, "likeCount")
    assert str(caught.value) == message


def test_a_time_needs_its_zone():
    assert time({"at": "2026-04-02T09:15:00.000Z"}, "at") == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    with pytest.raises(BadValue, match="not a date and time with a time zone"):
        time({"at": "2026-04-02T09:15:00"}, "at", "the post")


def test_dedupe_keeps_the_first_of_each_and_drops_blanks():
    assert dedupe(["b", "", "a", "b"]) == ("b", "a")
