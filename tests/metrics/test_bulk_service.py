"""The bulk service, called from Python (the demo, the bench, a management shell) rather than
through the API's serializer: whole numbers given as int are stored as the API stores them."""

from datetime import date
from decimal import Decimal

import pytest

from metrics import services
from metrics.models import MetricObservation
from metrics.platforms import Platform
from teams.models import Role
from tests.factories import AccountFactory, MembershipFactory, TeamFactory, UserFactory


@pytest.mark.django_db
def test_int_values_are_stored_as_the_api_stores_decimals():
    team = TeamFactory()
    user = UserFactory()
    MembershipFactory(team=team, user=user, role=Role.EDITOR)
    account = AccountFactory(team=team, platform=Platform.MASTODON)
    rows = [
        {"account": account.pk, "metric": "impressions", "date": date(2026, 8, 1), "value": 12},
        {
            "account": account.pk,
            "metric": "impressions",
            "date": date(2026, 8, 2),
            "value": Decimal("13"),
        },
    ]

    counts = services.observations_bulk_upsert(user=user, rows=rows)

    assert counts.created == 2
    stored = MetricObservation.objects.filter(account=account).order_by("date")
    assert [(o.date, o.value) for o in stored] == [
        (date(2026, 8, 1), Decimal("12")),
        (date(2026, 8, 2), Decimal("13")),
    ]
