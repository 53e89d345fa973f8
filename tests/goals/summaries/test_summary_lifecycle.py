"""A summary is generated once however often its task is delivered, and one whose worker
died (heartbeat stopped) is generated again or failed with a message."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goals import periods
from goals.models import SummaryExport, SummaryFormat, SummaryStatus
from goals.summaries import services
from goals.tasks import summary_export_run_task

Q3 = periods.parse("2026Q3")


@pytest.fixture
def queued(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.summary_export_create(
        user=None, team=team, quarter=Q3, fmt=SummaryFormat.CSV, enqueue=False
    )


def _died(export: SummaryExport, *, attempt: int = 1, minutes: int = 10) -> None:
    SummaryExport.objects.filter(pk=export.pk).update(
        status=SummaryStatus.RUNNING,
        attempt=attempt,
        heartbeat_at=timezone.now() - timedelta(minutes=minutes),
    )


def test_it_generates_a_summary_delivered_after_it_finished_only_once(queued):
    first = services.summary_export_run(export_id=queued.pk)
    assert (first.status, first.attempt) == (SummaryStatus.READY, 1)

    assert summary_export_run_task.apply(args=(queued.pk,)).get() == SummaryStatus.READY

    export = SummaryExport.objects.get(pk=queued.pk)
    assert (export.attempt, export.finished_at, export.file.name) == (
        1,
        first.finished_at,
        first.file.name,
    )


def test_a_delivery_while_a_live_run_holds_it_does_nothing(queued):
    _died(queued, minutes=0)

    export = services.summary_export_run(export_id=queued.pk)

    assert (export.status, export.attempt, export.file.name) == (SummaryStatus.RUNNING, 1, "")


def test_a_summary_whose_worker_died_is_generated_by_the_next_delivery(queued):
    _died(queued)

    export = services.summary_export_run(export_id=queued.pk)

    assert (export.status, export.attempt) == (SummaryStatus.READY, 2)
    assert export.file.name


def test_the_reaper_generates_again_a_summary_whose_heartbeat_stopped(
    queued, django_capture_on_commit_callbacks
):
    _died(queued)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.summary_exports_reap() == 1

    export = SummaryExport.objects.get(pk=queued.pk)
    assert (export.status, export.attempt, export.message) == (SummaryStatus.READY, 2, "")


def test_the_reaper_fails_a_summary_out_of_attempts_with_a_message(queued, settings):
    _died(queued, attempt=settings.JOB_MAX_ATTEMPTS)

    assert services.summary_exports_reap() == 1

    export = SummaryExport.objects.get(pk=queued.pk)
    assert export.status == SummaryStatus.FAILED
    assert export.message == (
        "The worker stopped while generating this summary (it may have run out of memory), "
        "3 times. Please ask for the summary again."
    )


def test_the_reaper_leaves_a_summary_with_a_fresh_heartbeat_alone(queued):
    _died(queued, minutes=0)

    assert services.summary_exports_reap() == 0

    assert SummaryExport.objects.get(pk=queued.pk).status == SummaryStatus.RUNNING
