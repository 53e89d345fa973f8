"""A failed job's page: the failure and what to do, no progress bar, and a way to try a
file that names no account again for one of the team's own accounts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.models import ImportJob, ImportStatus, MetricObservation
from metrics.platforms import Platform
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

OVERVIEW = FIXTURES / "x" / "analytics" / "account_overview_analytics.csv"
LIST = reverse("metrics:import_list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def two_own_x(team):
    return (
        AccountFactory(team=team, platform=Platform.X, handle="loomwellroast"),
        AccountFactory(team=team, platform=Platform.X, handle="loomwellcafe"),
    )


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def post(client, team, name, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(LIST, {"team": team.pk, "file": SimpleUploadedFile(name, data)})

    return post


@pytest.fixture
def account_failure(alice_client, team, two_own_x, upload):
    upload(alice_client, team, OVERVIEW.name, OVERVIEW.read_bytes())
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    return job


def page(client, job):
    response = client.get(reverse("metrics:import_detail", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_failure_without_progress_bar_or_running_banner(account_failure, alice_client):
    html = page(alice_client, account_failure)
    assert "<progress" not in html
    assert "is being imported" not in html
    assert 'data-role="what-to-do"' in html
    assert "accounts of its own" in html


def test_it_offers_the_team_s_own_accounts_when_the_account_was_the_problem(
    account_failure, alice_client, team
):
    AccountFactory(team=team, platform=Platform.X, handle="rivalbeans", is_competitor=True)
    html = page(alice_client, account_failure)
    assert 'data-role="retry"' in html
    assert "@loomwellroast" in html or "loomwellroast" in html
    assert "rivalbeans" not in html


def test_it_offers_no_retry_for_other_failures(alice_client, team, two_own_x, upload):
    upload(alice_client, team, "notes.csv", b"hello,world\n1,2\n")
    job = ImportJob.objects.get()
    html = page(alice_client, job)
    assert job.status == ImportStatus.FAILED
    assert 'data-role="retry"' not in html
    assert "<progress" not in html and "is being imported" not in html
    assert "#formats" in html


def test_trying_again_with_an_account_imports_the_stored_file_as_a_new_job(
    account_failure, alice_client, two_own_x, django_capture_on_commit_callbacks
):
    own, _ = two_own_x
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("metrics:import_retry", args=[account_failure.pk]), {"account": own.pk}
        )
    retry = ImportJob.objects.exclude(pk=account_failure.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("metrics:import_detail", args=[retry.pk])
    assert retry.status == ImportStatus.SUCCEEDED, retry.message
    assert (retry.account, retry.file_name, retry.checksum) == (
        own,
        account_failure.file_name,
        account_failure.checksum,
    )
    assert MetricObservation.objects.filter(account=own).exists()
    account_failure.refresh_from_db()
    assert account_failure.status == ImportStatus.FAILED
    html = page(alice_client, retry)
    assert "<progress" not in html and 'data-role="retry"' not in html


def test_it_refuses_a_competitor_or_another_platform_s_account(account_failure, alice_client, team):
    rival = AccountFactory(team=team, platform=Platform.X, handle="rivalbeans", is_competitor=True)
    response = alice_client.post(
        reverse("metrics:import_retry", args=[account_failure.pk]), {"account": rival.pk}
    )
    assert response.status_code == 400
    assert ImportJob.objects.count() == 1


def test_bob_may_not_retry_and_charlie_does_not_see_the_job(
    account_failure, bob_client, charlie_client, two_own_x
):
    url = reverse("metrics:import_retry", args=[account_failure.pk])
    assert bob_client.post(url, {"account": two_own_x[0].pk}).status_code == 403
    assert charlie_client.post(url, {"account": two_own_x[0].pk}).status_code == 404
    assert ImportJob.objects.count() == 1
