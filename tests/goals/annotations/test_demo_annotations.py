from datetime import date

import pytest
from django.test import override_settings

from goals.demo import load_demo
from goals.models import Annotation

pytestmark = pytest.mark.django_db


@override_settings(DEMO_DATA_ALLOWED=True)
def test_the_demo_has_a_day_and_a_range_once():
    load_demo(today=date(2026, 11, 25), with_data=False)
    load_demo(today=date(2026, 11, 25), with_data=False)  # idempotent
    day, outage = Annotation.objects.order_by("date")
    assert (day.title, day.end_date, day.account) == ("Campaign launched", None, None)
    assert (outage.title, outage.date, outage.end_date) == (
        "Platform outage",
        date(2026, 9, 8),
        date(2026, 9, 10),
    )
    assert outage.account is not None and outage.account.team == outage.team
    assert day.date == date(2026, 8, 3)
