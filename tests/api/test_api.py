"""API behaviour beyond the permission matrix: tokens, bulk ingestion, progress, uploads,
summaries, the schema."""

import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import CheckIn
from metrics.models import MetricObservation
from metrics.platforms import Platform
from teams.models import ApiToken
from teams.services import api_token_create, api_token_revoke
from tests.factories import AccountFactory, KeyResultFactory
from tests.metrics.importers.helpers import FIXTURES

BULK = reverse("api:observation-bulk")


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_authenticates_and_a_revoked_one_does_not(alice):
    token, key = api_token_create(user=alice, name="CI")
    assert token.prefix == key[:8] and token.key_hash != key  # only a hash is stored
    assert token_client(key).get(reverse("api:team-list")).status_code == 200
    api_token_revoke(user=alice, token=token)
    assert token_client(key).get(reverse("api:team-list")).status_code == 401
    assert token_client("nonsense").get(reverse("api:team-list")).status_code == 401


def test_the_command_prints_a_working_token(alice):
    out = StringIO()
    call_command("create_api_token", "alice", "--name", "script", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.get(user=alice).name == "script"
    assert token_client(key).get(reverse("api:team-list")).json()["count"] == 1


@pytest.fixture
def account(team):
    return AccountFactory(team=team, platform=Platform.X, handle="loomwell")


def _rows(account, n=3, metric="impressions"):
    return [
        {"account": account.pk, "metric": metric, "date": f"2026-08-{d:02d}", "value": d * 10}
        for d in range(1, n + 1)
    ]


def test_bulk_ingestion_upserts_idempotently(alice, account):
    client = APIClient()
    client.force_authenticate(alice)
    first = client.post(BULK, {"rows": _rows(account)}, format="json")
    assert first.status_code == 200 and first.json() == {"created": 3, "updated": 0, "unchanged": 0}
    rows = [
        *_rows(account),
        {"account": account.pk, "metric": "impressions", "date": "2026-08-01", "value": 99},
    ]
    second = client.post(BULK, {"rows": rows}, format="json")
    # The same key twice is one observation: the last value wins.
    assert second.json() == {"created": 0, "updated": 1, "unchanged": 2}
    assert MetricObservation.objects.get(date=date(2026, 8, 1)).value == Decimal(99)


def test_one_bad_row_rejects_all_and_lists_every_bad_row(alice, account, other_team):
    theirs = AccountFactory(team=other_team, handle="theirs")
    client = APIClient()
    client.force_authenticate(alice)
    rows = [
        *_rows(account),
        {"account": theirs.pk, "metric": "impressions", "date": "2026-08-05", "value": 1},
        {"account": account.pk, "metric": "reply_share", "date": "2026-08-05", "value": 1},
        {"account": account.pk, "metric": "vibes", "date": "2026-08-05", "value": 1},
    ]
    response = client.post(BULK, {"rows": rows}, format="json")
    assert response.status_code == 400
    errors = {e["row"]: e["errors"] for e in response.json()["errors"]}
    # Every bad row at once: another team's account, a derived metric, an unknown one.
    assert set(errors) == {3, 4, 5}
    assert "not an account you may write to" in errors[3]["account"]
    assert "computed from replies and posts" in errors[4]["metric"]
    assert "not a metric of the catalogue" in errors[5]["metric"]
    assert not MetricObservation.objects.exists()


def test_bulk_refuses_more_than_ten_thousand_rows(alice, account):
    client = APIClient()
    client.force_authenticate(alice)
    rows = [{"account": account.pk, "metric": "posts", "date": "2026-08-01", "value": 1}] * 10001
    response = client.post(BULK, {"rows": rows}, format="json")
    assert response.status_code == 400 and not MetricObservation.objects.exists()


def test_progress_matches_the_page(alice_client, alice, team):
    kr = KeyResultFactory(
        objective__strategy__team=team, metric_key="manual", baseline=Decimal(0), target=Decimal(4)
    )
    CheckIn.objects.create(key_result=kr, date=date(2026, 8, 15), value=2)
    client = APIClient()
    client.force_authenticate(alice)
    api = client.get(reverse("api:keyresult-progress", args=[kr.pk]), {"as_of": "2026-08-16"})
    page = alice_client.get(reverse("goals:key_result", args=[kr.pk]), {"as_of": "2026-08-16"})
    row = page.context["row"]
    assert api.json()["progress"] == row.assessment.progress == 0.5
    assert api.json()["status"] == row.status.value


def test_writes_go_through_model_validation(alice, team):
    kr = KeyResultFactory(objective__strategy__team=team)
    client = APIClient()
    client.force_authenticate(alice)
    response = client.patch(
        reverse("api:keyresult-detail", args=[kr.pk]), {"target": "100"}, format="json"
    )  # equal to the baseline
    assert response.status_code == 400
    assert "nothing to achieve" in response.json()["target"][0]


def test_an_upload_answers_202_with_the_jobs_url(
    alice, team, account, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    path = (
        FIXTURES
        / "x"
        / "analytics_legacy"
        / ("tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv")
    )
    account.handle = "loomwellroast"
    account.save()
    client = APIClient()
    client.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:importjob-list"),
            {"team": team.pk, "file": SimpleUploadedFile(path.name, path.read_bytes())},
            format="multipart",
        )
    assert response.status_code == 202
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded" and job["rows_created"] > 0


def test_the_schema_is_valid_without_warnings():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            "/dev/null",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("account", -1),
        ("account", 2**64),
        ("account", "3"),
        ("date", "30/09/2026"),
        ("value", "lots"),
        ("value", "1e30"),
        ("metric", None),
    ],
)
def test_malformed_rows_are_named_with_their_field(alice, account, field, bad):
    client = APIClient()
    client.force_authenticate(alice)
    row = {"account": account.pk, "metric": "posts", "date": "2026-08-01", "value": 1, field: bad}
    response = client.post(BULK, {"rows": [row]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"][0]["errors"]) == [field]
    assert not MetricObservation.objects.exists()
