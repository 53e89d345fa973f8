"""The upload page, the job page and its progress endpoint, for alice, bob and charlie."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from metrics.models import ImportJob, ImportStatus, Post
from metrics.platforms import Platform
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X_Q2 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)
LIST = reverse("metrics:import_list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def x_account(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwellroast")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def post(client, team, path=X_Q2, url=LIST, **extra):
        data = {"team": team.pk, "file": SimpleUploadedFile(path.name, path.read_bytes()), **extra}
        # The job is queued when the upload commits; the test's own transaction never
        # commits, so run the on-commit callbacks as a commit would.
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def test_alice_uploads_an_export_and_sees_its_result(alice_client, alice, team, x_account, upload):
    response = upload(alice_client, team)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("metrics:import_detail", args=[job.pk])
    # Celery runs eagerly in tests (no broker), as in `make run`.
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.created_by, job.account, job.format_key) == (alice, x_account, "x_tweet_activity")
    assert job.rows_created == Post.objects.count() > 0
    assert job.checksum and job.finished_at and job.task_id
    page = alice_client.get(response.url)
    assert page.status_code == 200
    assert "Imported" in page.content.decode()
    progress = alice_client.get(reverse("metrics:import_progress", args=[job.pk])).json()
    assert progress["finished"] is True and progress["percent"] == 100


def test_a_failed_upload_shows_why_and_writes_nothing(
    alice_client, team, x_account, tmp_path, upload
):
    bad = tmp_path / "notes.csv"
    bad.write_text("hello,world\n1,2\n", encoding="utf-8")
    response = upload(alice_client, team, bad)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "is not an export Strategy Tracker can read" in job.message
    page = alice_client.get(response.url)
    assert "is not an export Strategy Tracker can read" in page.content.decode()
    assert not Post.objects.exists()


@override_settings(IMPORT_MAX_UPLOAD_BYTES=100)
def test_an_oversized_upload_is_refused_on_the_form(alice_client, team, upload):
    response = upload(alice_client, team)
    assert response.status_code == 400
    assert "the limit is 0 MB" in response.content.decode() or "limit" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_bob_sees_imports_but_cannot_upload(bob_client, alice_client, team, x_account, upload):
    upload(alice_client, team)
    page = bob_client.get(LIST)
    assert page.status_code == 200 and page.context["form"] is None
    assert list(page.context["jobs"]) == list(ImportJob.objects.all())
    assert upload(bob_client, team).status_code == 403
    assert ImportJob.objects.count() == 1


def test_charlie_cannot_upload_into_alices_team(charlie_client, team, upload):
    response = upload(charlie_client, team)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_charlie_cannot_see_alices_import(charlie_client, alice_client, team, x_account, upload):
    upload(alice_client, team)
    job = ImportJob.objects.get()
    assert charlie_client.get(reverse("metrics:import_detail", args=[job.pk])).status_code == 404
    assert charlie_client.get(reverse("metrics:import_progress", args=[job.pk])).status_code == 404
    assert list(charlie_client.get(LIST).context["jobs"]) == []


def test_charlie_cannot_pick_an_account_of_alices_team(
    charlie_client, other_team, x_account, upload
):
    response = upload(charlie_client, other_team, account=x_account.pk)
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_post_text_is_escaped_on_pages(alice_client, team, x_account, upload):
    upload(alice_client, team)
    job = ImportJob.objects.get()
    job.errors = [{"row": 3, "member": "", "message": "<script>alert(1)</script>"}]
    job.save()
    content = alice_client.get(reverse("metrics:import_detail", args=[job.pk])).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_the_admin_upload_form_runs_the_same_import(alice_client, team, x_account, upload):
    url = reverse("admin:metrics_importjob_add")
    assert alice_client.get(url).status_code == 200
    response = upload(alice_client, team, url=url)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:metrics_importjob_change", args=[job.pk])
    assert job.status == ImportStatus.SUCCEEDED
    page = alice_client.get(response.url)
    assert page.status_code == 200 and "Progress" in page.content.decode()


def test_bob_cannot_use_the_admin_upload_form(bob_client):
    # A viewer is not staff: the admin sends him to its login.
    response = bob_client.get(reverse("admin:metrics_importjob_add"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
