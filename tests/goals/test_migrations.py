"""Data migrations of goals: whole-team summaries that shared a version are numbered again
before the constraint that forbids it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("goals", "0004_closed_periods_and_rebasing")]
AFTER = [("goals", "0006_one_version_per_whole_team_summary")]
WHEN = datetime(2026, 11, 25, 9, tzinfo=UTC)


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


def test_whole_team_summaries_sharing_a_version_are_numbered_in_the_order_made(old_apps):
    team = old_apps.get_model("teams", "Team").objects.create(name="T", slug="t")
    export_model = old_apps.get_model("goals", "SummaryExport")
    made = []
    for minutes, (fmt, version) in enumerate(
        [("pdf", 1), ("pdf", 1), ("pdf", 2), ("pdf", 1), ("csv", 1), ("csv", 2)]
    ):
        export = export_model.objects.create(
            team=team, quarter="2026-Q3", format=fmt, version=version
        )
        # created_at is auto_now_add: set the order of making explicitly.
        export_model.objects.filter(pk=export.pk).update(
            created_at=WHEN + timedelta(minutes=minutes)
        )
        made.append(export.pk)

    apps = migrate(AFTER)

    versions = dict(apps.get_model("goals", "SummaryExport").objects.values_list("pk", "version"))
    assert [versions[pk] for pk in made] == [1, 2, 3, 4, 1, 2]
