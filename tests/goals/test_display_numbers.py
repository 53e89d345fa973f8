"""Numbers as people say them: one function for every progress page (goals.display)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from goals import display


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        # Counts: whole, with thousands separators, and no "count" after them.
        (4370, "count", "4,370"),
        (4370.4, "count", "4,370"),
        (Decimal("1234567.0000"), "count", "1,234,567"),
        (0, "count", "0"),
        (-12, "count", "-12"),
        (25, "people", "25"),
        # Percentages (stored 0–100, targets entered as 12 for 12%): at most one decimal.
        (12, "%", "12%"),
        (Decimal("12.0000"), "%", "12%"),
        (8.4321, "%", "8.4%"),
        (99.96, "%", "100%"),
        (1.5, "%", "1.5%"),
        # Ratios that are not percentages, such as with:at.
        (Decimal("0.3300"), "ratio", "0.33"),
        (0.3333333, "ratio", "0.33"),
        (1.0, "ratio", "1"),
        (45.4, "min", "45 min"),
        (1500, "min", "1,500 min"),
        # A manual key result's own unit: decimals only where the size makes them count.
        (Decimal("1.00"), "events", "1 events"),
        (Decimal("7.25"), "guides", "7.25 guides"),
        (12.345, "", "12.3"),
        (1234.5, "", "1,234"),
        (0.125, "", "0.12"),
    ],
)
def test_it_says_a_number_in_its_unit(value, unit, text):
    assert display.number(value, unit) == text


def test_a_missing_number_is_a_dash():
    assert display.number(None, "count") == "—"
    assert display.change(None, "count") == ""


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (520, "count", "+520"),
        (-1200.4, "count", "-1,200"),
        (0.2, "count", "±0"),
        (1.5, "%", "+1.5 pts"),
        (-0.04, "%", "±0 pts"),
        (-2.26, "%", "-2.3 pts"),
        (0.05, "ratio", "+0.05"),
        (-3, "min", "-3 min"),
        (Decimal("0.5"), "events", "+0.5 events"),
    ],
)
def test_a_change_carries_its_sign_and_percentages_change_in_points(value, unit, text):
    assert display.change(value, unit) == text


def test_metric_labels_leave_the_catalogue_jargon_for_the_tooltip():
    assert display.metric_label("followers") == "Followers"
    assert display.metric_label("reply_share") == "Reply share"
    assert display.metric_label("manual") == "Manual (check-ins)"
    assert "(stock, count)" in display.metric_help("followers")
    assert "sum(replies) / sum(posts)" in display.metric_help("reply_share")


def test_a_charts_value_axis_names_what_is_counted_not_count():
    assert display.axis_title("followers", "count") == "Followers"
    assert display.axis_title("with_at_ratio", "ratio") == "With:at ratio"
    assert display.axis_title("reply_share", "%") == "%"
    assert display.axis_title("manual", "events") == "events"


def test_the_template_filters_use_the_same_rules():
    template = Template(
        "{% load tracker %}{{ n|amount:'count' }} {{ p|amount:'%' }} ({{ d|change:'count' }}) "
        "{{ key|metric_label }}"
    )
    context = Context({"n": 4370.0, "p": Decimal("12"), "d": 520.0, "key": "followers"})
    assert template.render(context) == "4,370 12% (+520) Followers"
