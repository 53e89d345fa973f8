"""Bad input gets a clear message and writes nothing, never a server error (issue 13, item 11).

The accepted ranges (metrics/ingest/bounds.py, README "Accepted values"): counts from 0 to
below 10^15; days from 2000-01-01 to a year after today; ISO dates in the API."""

import json
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from metrics.importers.common import ImportFailed, Source
from metrics.models import ImportJob, MetricObservation, Post
from metrics.platforms import Platform
from metrics.services import import_source
from tests.factories import AccountFactory, PostFactory
from tests.metrics.importers.helpers import FIXTURES

pytestmark = pytest.mark.django_db
BULK = reverse("api:observation-bulk")
TODAY = date(2026, 12, 7)


@pytest.fixture
def facebook(team):
    return AccountFactory(team=team, platform=Platform.FACEBOOK, handle="loomwellroasters")


def follows_file(*rows: tuple[str, str]) -> bytes:
    """A Meta Business Suite daily file as the platform writes it (UTF-16, sep= line)."""
    lines = ["sep=,", '"Facebook follows"', '"Date","Primary"']
    lines += [f'"{day}T00:00:00","{value}"' for day, value in rows]
    return ("\n".join(lines) + "\n").encode("utf-16")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("2026-07-02", "10000000000000000"), "too large"),
        (("2026-07-02", "1e999999999"), "too large"),
        (("9999-12-31", "12"), "outside 2000-01-01"),
        (("1999-12-31", "12"), "outside 2000-01-01"),
    ],
)
@time_machine.travel(TODAY)
def test_a_file_with_an_impossible_number_or_day_is_refused_whole(team, facebook, bad, message):
    data = follows_file(("2026-07-01", "5"), bad, ("2026-07-03", "7"))
    with pytest.raises(ImportFailed, match=rf"row \d+: .*{message}"):
        import_source(team=team, source=Source.from_bytes("Follows.csv", data), account=facebook)
    assert MetricObservation.objects.count() == 0


@time_machine.travel(TODAY)
def test_a_post_published_in_year_9999_with_an_offset_is_a_row_error(team, tmp_path):
    source = (
        FIXTURES / "mastodon" / "api" / "GET_api_v1_accounts_110245871234560001_statuses.page1.json"
    )
    if not source.exists():
        pytest.skip(f"fixture moved: {source}")
    statuses = json.loads(source.read_text())
    statuses[0]["created_at"] = "9999-12-31T23:30:00-05:00"
    AccountFactory(team=team, platform=Platform.MASTODON, handle=statuses[0]["account"]["acct"])
    with pytest.raises(ImportFailed):
        import_source(
            team=team, source=Source.from_bytes("statuses.json", json.dumps(statuses).encode())
        )
    assert Post.objects.count() == 0


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def x_account(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwell")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value", -5, "negative; counts start at 0"),
        ("value", "10000000000000000", "too large"),
        ("value", "1e999999999", "too large"),
        ("value", "Infinity", "not a number"),
        ("value", "NaN", "not a number"),
        ("date", "20260101", "not a date like 2026-09-30"),
        ("date", "2026-W01-1", "not a date like 2026-09-30"),
        ("date", "9999-12-31", "outside 2000-01-01"),
        ("date", "1999-12-31", "outside 2000-01-01"),
    ],
)
@time_machine.travel(TODAY)
def test_the_bulk_api_refuses_out_of_range_rows_and_writes_nothing(
    api, x_account, field, value, message
):
    good = {"account": x_account.pk, "metric": "impressions", "date": "2026-08-01", "value": 3}
    bad = {**good, "date": "2026-08-02", field: value}
    response = api.post(BULK, {"rows": [good, bad]}, format="json")
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert MetricObservation.objects.count() == 0


def test_json_nested_too_deeply_is_a_400_not_a_500(api):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(BULK, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_file_name_too_long_for_the_file_system_is_stored_under_a_short_one(
    alice, team, api, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    AccountFactory(team=team, platform=Platform.FACEBOOK, handle="loomwellroasters")
    name = "Follows " + "é" * 200 + ".csv"  # 408 bytes: above any file system's 255
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:importjob-list"),
            {"team": team.pk, "file": SimpleUploadedFile(name, follows_file(("2026-07-01", "5")))},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert job.file_name == name[:255]
    assert len(job.file.name.rsplit("/", 1)[-1].encode()) <= 140
    assert job.file.name.endswith(".csv")


def test_the_admin_date_drill_down_refuses_year_9999_without_an_error(root_client, team):
    PostFactory(account=AccountFactory(team=team))
    url = reverse("admin:metrics_post_changelist")
    response = root_client.get(url, {"published_at__year": "9999"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
