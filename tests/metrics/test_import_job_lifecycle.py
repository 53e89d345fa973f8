"""An import job runs once however often its task is delivered, and one whose worker died
(heartbeat stopped) is retried or failed with a message, never left "running"."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.utils import timezone

from metrics import services
from metrics.models import ImportJob, ImportStatus, Post
from metrics.platforms import Platform
from metrics.tasks import import_job_run_task
from strategy_tracker import jobs
from tests.factories import AccountFactory, TeamFactory
from tests.metrics.importers.helpers import FIXTURES

X_Q2 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)


@pytest.fixture
def queued_job(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")
    return services.import_job_create(
        team=team,
        user=None,
        upload=SimpleUploadedFile(X_Q2.name, X_Q2.read_bytes()),
        enqueue=False,
    )


def _died(job: ImportJob, *, attempt: int = 1, minutes: int = 10) -> None:
    """As a run leaves a job when its worker is killed: running, a quarter done, silent."""
    ago = timezone.now() - timedelta(minutes=minutes)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING,
        attempt=attempt,
        started_at=ago,
        heartbeat_at=ago,
        progress_done=25,
        progress_total=100,
    )


def test_it_runs_a_job_delivered_after_it_finished_only_once(queued_job):
    first = services.import_job_run(job_id=queued_job.pk)
    assert first.status == ImportStatus.SUCCEEDED and first.attempt == 1
    created = Post.objects.count()
    assert created == first.rows_created > 0

    again = import_job_run_task.apply(args=(queued_job.pk,)).get()

    assert again == ImportStatus.SUCCEEDED
    job = ImportJob.objects.get(pk=queued_job.pk)
    assert (job.attempt, job.finished_at, job.rows_created) == (1, first.finished_at, created)
    assert job.rows_unchanged == 0


def test_a_second_delivery_while_the_first_runs_leaves_the_job_to_it(queued_job, monkeypatch):
    seen = []
    beat = jobs.Heartbeat.beat

    def deliver_again(self, **fields):
        # The same message delivered again, to another worker, while the first runs.
        if not seen:
            seen.append(services.import_job_run(job_id=queued_job.pk))
        beat(self, **fields)

    monkeypatch.setattr(jobs.Heartbeat, "beat", deliver_again)
    job = services.import_job_run(job_id=queued_job.pk)

    assert seen[0].status == ImportStatus.RUNNING  # held: the second copy did nothing
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.attempt, job.rows_created, job.rows_unchanged) == (1, Post.objects.count(), 0)


def test_a_delivery_while_a_live_run_holds_the_job_does_nothing(queued_job):
    now = timezone.now()
    ImportJob.objects.filter(pk=queued_job.pk).update(
        status=ImportStatus.RUNNING, attempt=1, started_at=now, heartbeat_at=now
    )

    job = services.import_job_run(job_id=queued_job.pk)

    assert (job.status, job.attempt) == (ImportStatus.RUNNING, 1)
    assert not Post.objects.exists()


def test_a_job_whose_worker_died_is_claimed_again_and_counts_honestly(queued_job):
    _died(queued_job)

    job = services.import_job_run(job_id=queued_job.pk)

    assert (job.status, job.attempt) == (ImportStatus.SUCCEEDED, 2)
    assert job.rows_created == Post.objects.count() > 0
    assert services.IMPORT_RETRIED in job.summary["notes"]


def test_importing_the_same_file_again_changes_nothing(queued_job, team):
    first = services.import_job_run(job_id=queued_job.pk)
    again = services.import_job_create(
        team=team, user=None, upload=SimpleUploadedFile(X_Q2.name, X_Q2.read_bytes()), enqueue=False
    )

    second = services.import_job_run(job_id=again.pk)

    assert second.status == ImportStatus.SUCCEEDED
    assert (second.rows_created, second.rows_updated) == (0, 0)
    assert second.rows_unchanged == first.rows_created + first.rows_updated
    assert Post.objects.count() == first.rows_created


def test_the_reaper_retries_a_job_whose_heartbeat_stopped(
    queued_job, django_capture_on_commit_callbacks
):
    _died(queued_job)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.import_jobs_reap() == 1

    job = ImportJob.objects.get(pk=queued_job.pk)
    assert (job.status, job.attempt, job.message) == (ImportStatus.SUCCEEDED, 2, "")
    assert services.IMPORT_RETRIED in job.summary["notes"]
    assert job.rows_created == Post.objects.count() > 0


def test_the_reaper_says_it_retries_while_the_job_waits(queued_job):
    _died(queued_job)

    services.import_jobs_reap()  # the queued retry waits for the commit

    job = ImportJob.objects.get(pk=queued_job.pk)
    assert (job.status, job.message) == (ImportStatus.PENDING, services.IMPORT_RETRYING)
    assert "it may have run out of memory" in job.message


def test_the_reaper_fails_a_job_out_of_attempts_with_a_message(queued_job, settings):
    _died(queued_job, attempt=settings.JOB_MAX_ATTEMPTS)

    assert services.import_jobs_reap() == 1

    job = ImportJob.objects.get(pk=queued_job.pk)
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.message == (
        "The worker stopped while importing (it may have run out of memory), 3 times; "
        "nothing was written. Please upload the file again, or split it into smaller files."
    )
    # A delivery of its message that comes back later leaves it failed.
    assert services.import_job_run(job_id=queued_job.pk).status == ImportStatus.FAILED


def test_a_late_delivery_fails_a_dead_job_out_of_attempts(queued_job, settings):
    _died(queued_job, attempt=settings.JOB_MAX_ATTEMPTS)

    job = services.import_job_run(job_id=queued_job.pk)

    assert job.status == ImportStatus.FAILED
    assert "it may have run out of memory" in job.message


def test_the_reaper_leaves_a_job_with_a_fresh_heartbeat_alone(queued_job):
    _died(queued_job, minutes=0)

    assert services.import_jobs_reap() == 0

    job = ImportJob.objects.get(pk=queued_job.pk)
    assert (job.status, job.attempt, job.message) == (ImportStatus.RUNNING, 1, "")


def test_the_reaper_fails_a_dead_command_line_import_it_cannot_queue(queued_job):
    _died(queued_job)
    ImportJob.objects.filter(pk=queued_job.pk).update(file="")

    services.import_jobs_reap()

    job = ImportJob.objects.get(pk=queued_job.pk)
    assert job.status == ImportStatus.FAILED
    assert job.message.endswith("nothing was written. Please import the file again.")


def test_a_run_presumed_dead_and_replaced_writes_nothing(queued_job, monkeypatch):
    beat = jobs.Heartbeat.beat

    def taken_over(self, **fields):
        # Another worker claims the job: this run's attempt is no longer the job's.
        ImportJob.objects.filter(pk=queued_job.pk).update(attempt=2)
        beat(self, **fields)

    monkeypatch.setattr(jobs.Heartbeat, "beat", taken_over)

    job = services.import_job_run(job_id=queued_job.pk)

    assert job.status == ImportStatus.RUNNING
    assert not Post.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_seen_by_others_while_the_import_transaction_is_open():
    if connections["default"].vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no heartbeat inside a transaction")
    team = TeamFactory()
    job = ImportJob.objects.create(team=team, file_name="x.csv", status=ImportStatus.RUNNING)
    heartbeat = jobs.Heartbeat(ImportJob, job.pk, attempt=0)
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            heartbeat.beat(force=True, progress_done=7, progress_total=10)
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT heartbeat_at IS NOT NULL, progress_done FROM metrics_importjob "
                    "WHERE id = %s",
                    [job.pk],
                )
                assert cursor.fetchone() == (True, 7)
    finally:
        heartbeat.close()
        other.close()
