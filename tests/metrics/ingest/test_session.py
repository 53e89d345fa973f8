"""The write path (metrics.ingest.session): snapshots, daily numbers and provenance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from metrics.importers.common import ParseContext, Source
from metrics.importers.registry import BY_KEY
from metrics.ingest.precedence import NUMBERS_ONLY
from metrics.ingest.records import ObservationRecord, PostRecord
from metrics.ingest.session import IngestSession, RecordRejected, ingest_records
from metrics.ingest.snapshots import SourceRef
from metrics.models import (
    ImportStatus,
    MetricObservation,
    ObservationSource,
    Post,
    Snapshot,
    SnapshotKind,
    SnapshotTime,
)
from metrics.services import import_path
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X_ARCHIVE = next((FIXTURES / "x/archive").glob("twitter-*"))
X_CONTENT = FIXTURES / "x/analytics/account_analytics_content_2026-06-30_2026-09-28.csv"


def follows_file(path, first: date, values: list[int]):
    """A Meta Business Suite daily "Facebook follows" file, as Meta writes it (UTF-16)."""
    lines = ["sep=,", '"Facebook follows"', '"Date","Primary"']
    for offset, value in enumerate(values):
        lines.append(f'"{(first + timedelta(days=offset)).isoformat()}T00:00:00","{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-16")
    return path


@pytest.fixture
def facebook(team):
    return AccountFactory(team=team, platform="facebook", handle="loomwellroasters")


def follows(account, day):
    return MetricObservation.objects.get(account=account, metric="new_followers", date=day)


@pytest.mark.parametrize("later_first", [True, False])
def test_the_later_export_wins_a_day_whatever_the_import_order(tmp_path, facebook, later_first):
    june = follows_file(tmp_path / "june.csv", date(2026, 6, 1), [5] * 30)  # to 30 June
    july = follows_file(tmp_path / "july.csv", date(2026, 6, 20), [9] * 30)  # to 19 July
    for path in [july, june] if later_first else [june, july]:
        job = import_path(team=facebook.team, path=path, account=facebook)
        assert job.status == ImportStatus.SUCCEEDED, job.message
    assert follows(facebook, date(2026, 6, 19)).value == 5  # only June's export has it
    assert follows(facebook, date(2026, 6, 20)).value == 9  # both: July's is the later look
    assert follows(facebook, date(2026, 6, 30)).value == 9


def test_a_file_that_does_not_say_when_it_was_made_is_dated_by_its_latest_day(tmp_path, facebook):
    path = follows_file(tmp_path / "Follows.csv", date(2026, 6, 1), [5, 6, 7])
    import_path(team=facebook.team, path=path, account=facebook)
    snapshot = Snapshot.objects.get(account=facebook)
    assert snapshot.observed_from == SnapshotTime.DATA
    # 3 June is complete at midnight after it, in the team's time zone.
    assert snapshot.observed_at == datetime(2026, 6, 4, tzinfo=facebook.team.tzinfo)
    assert follows(facebook, date(2026, 6, 3)).snapshot_id == snapshot.pk


def test_importing_a_file_again_is_the_same_snapshot_and_changes_nothing(tmp_path, facebook):
    path = follows_file(tmp_path / "Follows.csv", date(2026, 6, 1), [5, 6, 7])
    first = import_path(team=facebook.team, path=path, account=facebook)
    again = import_path(team=facebook.team, path=path, account=facebook)
    assert (first.rows_created, again.rows_created, again.rows_updated) == (3, 0, 0)
    assert again.rows_unchanged == 3
    snapshot = Snapshot.objects.get(account=facebook)
    assert snapshot.import_job_id == first.pk  # the import that first brought it


def test_a_number_derived_from_posts_never_replaces_a_reported_one(team):
    account = AccountFactory(team=team, platform="x", handle="loomwellroast")
    overview = FIXTURES / "x/analytics/account_overview_analytics.csv"
    import_path(team=team, path=overview, account=account)
    reported = {
        (o.date, o.value)
        for o in MetricObservation.objects.filter(account=account, metric="impressions")
    }
    import_path(team=team, path=X_CONTENT, account=account)  # posts with impressions
    after = MetricObservation.objects.filter(account=account, metric="impressions")
    assert {(o.date, o.value) for o in after} >= reported
    assert not after.filter(source=ObservationSource.ROLLUP, date__in=[d for d, _ in reported])


def test_a_reported_number_replaces_one_derived_from_posts(team):
    account = AccountFactory(team=team, platform="x", handle="loomwellroast")
    import_path(team=team, path=X_CONTENT, account=account)
    day = (
        MetricObservation.objects.filter(
            account=account, metric="impressions", source=ObservationSource.ROLLUP
        )
        .earliest("date")
        .date
    )
    overview = FIXTURES / "x/analytics/account_overview_analytics.csv"
    import_path(team=team, path=overview, account=account)
    number = MetricObservation.objects.get(account=account, metric="impressions", date=day)
    assert number.source == ObservationSource.FILE


def test_a_bulk_request_is_a_snapshot_seen_when_it_was_sent(tmp_path, facebook):
    path = follows_file(tmp_path / "Follows.csv", date(2026, 6, 1), [5, 6, 7])
    import_path(team=facebook.team, path=path, account=facebook)
    ingest_records(
        account=facebook,
        source=SourceRef(
            kind=SnapshotKind.BULK,
            format_key="bulk",
            key="request-1",
            profile=NUMBERS_ONLY,
            observed_at=datetime(2026, 12, 1, tzinfo=UTC),
        ),
        records=[ObservationRecord("new_followers", date(2026, 6, 2), Decimal(8))],
    )
    number = follows(facebook, date(2026, 6, 2))
    assert (number.value, number.source) == (8, ObservationSource.BULK)
    assert follows(facebook, date(2026, 6, 1)).value == 5


def test_a_post_remembers_every_source_that_spoke_of_it(team):
    account = AccountFactory(team=team, platform="x", handle="loomwellroast")
    archive_job = import_path(team=team, path=X_ARCHIVE, account=account)
    csv_job = import_path(team=team, path=X_CONTENT, account=account)
    post = Post.objects.get(account=account, platform_id=_a_post_in_both())
    jobs = set(Snapshot.objects.filter(pk__in=post.sources).values_list("import_job", flat=True))
    assert jobs == {archive_job.pk, csv_job.pk}
    archive = Snapshot.objects.get(import_job=archive_job)
    csv = Snapshot.objects.get(import_job=csv_job)
    assert post.evidence["kind"] == archive.pk  # the archive tells kinds, the CSV infers
    assert post.evidence["impressions"] == csv.pk  # only the CSV has impressions


def _a_post_in_both() -> str:
    ids = [
        r.platform_id
        for r in BY_KEY["x_content"].parse(Source.from_path(X_CONTENT), ParseContext())
        if isinstance(r, PostRecord)
    ]
    return ids[0]


def test_a_session_refuses_numbers_strategy_tracker_computes_itself(facebook):
    with transaction.atomic():
        session = IngestSession(
            account=facebook,
            source=SourceRef(
                kind=SnapshotKind.BULK, format_key="bulk", key="r", profile=NUMBERS_ONLY
            ),
        )
        with pytest.raises(RecordRejected, match="computed by Strategy Tracker"):
            session.add_observation(ObservationRecord("reply_share", date(2026, 6, 1), 1))
        with pytest.raises(RecordRejected, match="unknown metric"):
            session.add_observation(ObservationRecord("mood", date(2026, 6, 1), 1))


@pytest.mark.django_db(transaction=True)
def test_a_session_needs_the_callers_transaction(facebook):
    source = SourceRef(kind=SnapshotKind.BULK, format_key="bulk", key="r", profile=NUMBERS_ONLY)
    with pytest.raises(RuntimeError, match="transaction"):
        IngestSession(account=facebook, source=source)


@pytest.mark.parametrize("later_first", [True, False])
def test_a_number_two_exports_agree_on_names_the_later_export_whatever_the_order(
    tmp_path, facebook, later_first
):
    june = follows_file(tmp_path / "june.csv", date(2026, 6, 1), [5] * 30)  # to 30 June
    july = follows_file(tmp_path / "july.csv", date(2026, 6, 20), [5] * 30)  # to 19 July
    for path in [july, june] if later_first else [june, july]:
        import_path(team=facebook.team, path=path, account=facebook)
    later = Snapshot.objects.get(account=facebook, label="july.csv")
    earlier = Snapshot.objects.get(account=facebook, label="june.csv")
    assert follows(facebook, date(2026, 6, 25)).snapshot_id == later.pk
    assert follows(facebook, date(2026, 6, 19)).snapshot_id == earlier.pk
