"""Data migrations: rows stored before snapshots get theirs; handles stored before the
identity rule are rewritten, and people addressed recounted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("metrics", "0003_api_connectors_and_inbound_mentions")]
AFTER = [("metrics", "0007_one_handle_per_person")]
WHEN = datetime(2026, 9, 1, 10, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _account(apps, platform, handle):
    team = apps.get_model("teams", "Team").objects.create(name="T", slug=f"t-{platform}")
    return apps.get_model("metrics", "Account").objects.create(
        team=team, platform=platform, handle=handle
    )


def _post(apps, account, platform_id, **fields):
    return apps.get_model("metrics", "Post").objects.create(
        account=account,
        platform_id=platform_id,
        published_at=WHEN,
        local_date=WHEN.date(),
        **fields,
    )


def test_rows_stored_before_snapshots_get_the_snapshot_of_their_import(old_apps):
    account = _account(old_apps, "x", "loomwellroast")
    job_model = old_apps.get_model("metrics", "ImportJob")
    archive = job_model.objects.create(
        team=account.team,
        account=account,
        file_name="twitter.zip",
        checksum="aaa",
        format_key="x_archive",
        started_at=WHEN,
    )
    csv = job_model.objects.create(
        team=account.team,
        account=account,
        file_name="content.csv",
        checksum="bbb",
        format_key="x_content",
        started_at=WHEN,
    )
    _post(
        old_apps,
        account,
        "1",
        kind="reply",
        import_job=archive,
        in_reply_to_handle="dara",
        addressed=["dara"],
        likes=3,
    )
    _post(
        old_apps,
        account,
        "2",
        kind="original",
        import_job=csv,
        impressions=90,
        link_domains=["loomwell.example"],
    )
    observations = old_apps.get_model("metrics", "MetricObservation").objects
    observations.create(
        account=account,
        metric="impressions",
        date=date(2026, 9, 1),
        value=Decimal(90),
        source="file",
        import_job_id=csv.pk,
    )
    observations.create(
        account=account,
        metric="saves",
        date=date(2026, 9, 1),
        value=Decimal(2),
        source="file",
        import_job_id=None,
    )  # bulk API

    apps = migrate(AFTER)
    snapshots = apps.get_model("metrics", "Snapshot").objects
    by_job = {s.import_job_id: s for s in snapshots.filter(account_id=account.pk)}
    posts = {p.platform_id: p for p in apps.get_model("metrics", "Post").objects.all()}
    assert posts["1"].sources == [by_job[archive.pk].pk]
    assert posts["1"].claimed_kind == "reply"
    assert posts["1"].evidence["likes"] == by_job[archive.pk].pk
    assert "impressions" not in posts["1"].evidence  # unknown stays unknown
    # An original from a CSV that cannot tell kinds claims nothing: a later archive decides.
    assert posts["2"].claimed_kind == ""
    assert posts["2"].links == ["https://loomwell.example/"]
    numbers = {o.metric: o for o in apps.get_model("metrics", "MetricObservation").objects.all()}
    assert numbers["impressions"].snapshot_id == by_job[csv.pk].pk
    bulk = snapshots.get(pk=numbers["saves"].snapshot_id)
    assert (bulk.kind, numbers["saves"].source) == ("bulk", "bulk")


def test_handles_stored_two_ways_become_one_person_and_the_day_is_recounted(old_apps):
    account = _account(old_apps, "mastodon", "loomwell@mastodon.example")
    _post(
        old_apps,
        account,
        "1",
        kind="original",
        addressed=["dara_rides", "Dara_Rides@pedal.example", "tova"],
    )
    old_apps.get_model("metrics", "MetricObservation").objects.create(
        account=account,
        metric="people_addressed",
        date=WHEN.date(),
        value=Decimal(3),
        source="rollup",
    )
    old_apps.get_model("metrics", "InboundMention").objects.create(
        account=account,
        platform_id="m1",
        published_at=WHEN,
        local_date=WHEN.date(),
        author_handle="@Tova",
    )

    apps = migrate(AFTER)
    post = apps.get_model("metrics", "Post").objects.get(platform_id="1")
    assert post.addressed == ["dara_rides@pedal.example", "tova@mastodon.example"]
    people = apps.get_model("metrics", "MetricObservation").objects.get(metric="people_addressed")
    assert people.value == 2
    mention = apps.get_model("metrics", "InboundMention").objects.get(platform_id="m1")
    assert mention.author_handle == "tova@mastodon.example"
