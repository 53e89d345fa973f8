"""The upserter: new rows another writer stored between the read and the write are merged
and counted as what they are, not a crash (PostgreSQL's COPY) or an unmerged overwrite."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from metrics.ingest.rows import ObservationRow, observation_upserter
from metrics.ingest.writer import Upserter
from metrics.models import MetricObservation, ObservationSource
from tests.factories import AccountFactory

FIRST = date(2026, 6, 1)


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform="x", handle="loomwell")


def _row(account, day: date, value: int) -> ObservationRow:
    return ObservationRow(account.pk, "impressions", day, Decimal(value), "bulk", None)


def test_a_row_stored_meanwhile_is_merged_and_counted_as_updated(account, monkeypatch):
    read = Upserter._existing

    def read_then_another_writer_stores_a_key(self, batch):
        found = read(self, batch)
        if not MetricObservation.objects.exists():
            MetricObservation.objects.create(
                account=account,
                metric="impressions",
                date=FIRST,
                value=1,
                source=ObservationSource.ROLLUP,
            )
        return found

    monkeypatch.setattr(Upserter, "_existing", read_then_another_writer_stores_a_key)
    merged = []

    def merge(old, new):
        merged.append(ObservationRow._make(old).value)
        return new

    with transaction.atomic():
        upserter = observation_upserter(merge=merge, exclusive=True)
        upserter.add_many(_row(account, FIRST + timedelta(days=d), 10 + d) for d in range(10))
        counts = upserter.flush()

    assert (counts.created, counts.updated, counts.unchanged) == (9, 1, 0)
    assert merged == [Decimal(1)]  # the stored row went through the merge
    stored = dict(MetricObservation.objects.values_list("date", "value"))
    assert stored == {FIRST + timedelta(days=d): Decimal(10 + d) for d in range(10)}
