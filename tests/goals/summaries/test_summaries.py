"""Quarterly summaries: the snapshot agrees with the progress pages; generation, storage,
versions, permissions, the command and the schedule."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from goals import periods
from goals.models import SummaryExport, SummaryFormat, SummaryStatus
from goals.selectors import dashboard
from goals.summaries.services import (
    summaries_for_previous_quarter,
    summary_export_create,
    summary_export_run,
)
from goals.summaries.snapshot import build_summary
from teams.models import Team

Q3 = periods.parse("2026Q3")


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(date(2026, 11, 25)):
        call_command("load_demo", stdout=StringIO())
    return Team.objects.get(slug="demo")


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def test_the_snapshot_has_the_same_numbers_as_the_progress_pages(demo):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo")
    pages = {
        kr.key_result.pk: kr.assessment
        for s in dashboard(user, today=Q3.end)
        for kr in s.key_results
    }
    snapshot = build_summary(team=demo, quarter=Q3, today=date(2026, 11, 25))
    rows = [kr for s in snapshot["strategies"] for o in s["objectives"] for kr in o["key_results"]]
    assert len(rows) == 7  # the Q3 strategy's key results (Q4 is not active in Q3)
    for row in rows:
        page = pages[row["id"]]
        assert row["value_at_end"] == page.current
        assert row["progress"] == page.progress
        assert row["status"] == page.status.value


def test_the_snapshot_covers_header_conversation_posts_and_competitors(demo):
    snapshot = build_summary(team=demo, quarter=Q3, generated_by="alice", today=date(2026, 11, 25))
    assert snapshot["quarter"]["label"] == "2026 Q3"
    assert snapshot["previous_quarter"]["code"] == "2026-Q2"
    assert snapshot["generated_by"] == "alice"
    freshness = {f["account"]: f["data_up_to"] for f in snapshot["freshness"]}
    assert freshness["TikTok @loomwellroasters"] == "2026-09-27"
    current = snapshot["conversation"]["current"]
    assert current["posts"] > 0 and 0 < current["reply_share"] < 1
    assert snapshot["conversation"]["previous"]["posts"] > 0  # Q2 data exists too
    assert len(snapshot["top_posts"]) == 10
    engagements = [p["engagements"] for p in snapshot["top_posts"]]
    assert engagements == sorted(engagements, reverse=True)
    assert {r["competitor"] for r in snapshot["competitors"]} == {True, False}


@pytest.mark.parametrize(
    "fmt",
    [pytest.param(f, marks=pytest.mark.pdf) if f == "pdf" else f for f in SummaryFormat.values],
)
def test_each_format_is_generated_and_stored_with_its_numbers(demo, fmt):
    export = summary_export_create(user=None, team=demo, quarter=Q3, fmt=fmt, enqueue=False)
    export = summary_export_run(export_id=export.pk, today=date(2026, 11, 25))
    assert export.status == SummaryStatus.READY, export.message
    assert export.file.size > 500
    assert export.snapshot["quarter"]["code"] == "2026-Q3"
    assert export.download_name == f"summary-demo-2026-Q3-v1.{fmt}"


def test_a_stored_summary_stays_the_same_when_data_changes(demo):
    export = summary_export_create(user=None, team=demo, quarter=Q3, fmt="csv", enqueue=False)
    export = summary_export_run(export_id=export.pk, today=date(2026, 11, 25))
    with export.file.open("rb") as fh:
        before = fh.read()
    from goals.models import KeyResult

    KeyResult.objects.filter(objective__strategy__team=demo).update(target=999)
    again = summary_export_run(export_id=export.pk)  # a finished export is not redone
    with again.file.open("rb") as fh:
        assert fh.read() == before
    fresh = summary_export_create(user=None, team=demo, quarter=Q3, fmt="csv", enqueue=False)
    fresh = summary_export_run(export_id=fresh.pk, today=date(2026, 11, 25))
    with fresh.file.open("rb") as fh:
        assert fresh.version == 2 and fh.read() != before


def test_alice_generates_and_downloads_a_summary(
    alice_client, team, settings, tmp_path, run_on_commit
):
    settings.MEDIA_ROOT = tmp_path
    response = run_on_commit(
        lambda: alice_client.post(
            reverse("goals:summaries"), {"team": team.pk, "quarter": "2026-Q3", "format": "csv"}
        )
    )
    export = SummaryExport.objects.get()
    assert response.status_code == 302
    assert export.status == SummaryStatus.READY  # eager Celery, as in make run
    download = alice_client.get(reverse("goals:summary_file", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    content = b"".join(download.streaming_content)
    download.close()
    assert content.startswith(b"\xef\xbb\xbf")


def test_bob_the_viewer_may_generate_and_download(
    bob_client, team, settings, tmp_path, run_on_commit
):
    settings.MEDIA_ROOT = tmp_path
    run_on_commit(
        lambda: bob_client.post(
            reverse("goals:summaries"), {"team": team.pk, "quarter": "2026-Q3", "format": "csv"}
        )
    )
    export = SummaryExport.objects.get()
    download = bob_client.get(reverse("goals:summary_file", args=[export.pk]))
    download.close()
    assert download.status_code == 200


def test_charlie_can_neither_generate_nor_download_alices(
    charlie_client, alice_client, team, settings, tmp_path, run_on_commit
):
    settings.MEDIA_ROOT = tmp_path
    response = charlie_client.post(
        reverse("goals:summaries"), {"team": team.pk, "quarter": "2026-Q3", "format": "csv"}
    )
    assert response.status_code == 400 and not SummaryExport.objects.exists()
    run_on_commit(
        lambda: alice_client.post(
            reverse("goals:summaries"), {"team": team.pk, "quarter": "2026-Q3", "format": "csv"}
        )
    )
    export = SummaryExport.objects.get()
    for name in ("goals:summary", "goals:summary_file", "goals:summary_status"):
        assert charlie_client.get(reverse(name, args=[export.pk])).status_code == 404
    assert (
        charlie_client.post(reverse("goals:summary_regenerate", args=[export.pk])).status_code
        == 404
    )
    assert SummaryExport.objects.count() == 1


def test_the_command_writes_the_file(demo, tmp_path):
    output = tmp_path / "q3.xlsx"
    call_command(
        "export_summary",
        "--team",
        "demo",
        "--quarter",
        "2026Q3",
        "--format",
        "xlsx",
        "--output",
        str(output),
        stdout=StringIO(),
    )
    assert output.read_bytes()[:2] == b"PK"


def test_the_command_refuses_what_is_not_a_quarter(demo, tmp_path):
    with pytest.raises(CommandError, match="not a quarter"):
        call_command(
            "export_summary",
            "--team",
            "demo",
            "--quarter",
            "2026",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "x.csv"),
        )


def test_the_schedule_exists_and_can_be_edited(db):
    task = PeriodicTask.objects.get(task="goals.summaries_for_previous_quarter")
    assert task.enabled
    assert (task.crontab.day_of_month, task.crontab.month_of_year) == ("1", "1,4,7,10")


@pytest.mark.pdf
def test_the_scheduled_run_mails_last_quarters_pdf_to_the_owners(demo):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="demo").update(email="owner@loomwell.example")
    exports = summaries_for_previous_quarter(today=date(2026, 10, 1))
    [export] = [e for e in exports if e.team == demo]
    assert (export.quarter, export.format, export.status) == ("2026-Q3", "pdf", "ready")
    [message] = mail.outbox
    assert message.to == ["owner@loomwell.example"]
    assert message.attachments[0][0] == "summary-demo-2026-Q3-v1.pdf"
    assert message.attachments[0][1][:4] == b"%PDF"


def test_a_machine_without_pango_gets_a_clear_message_for_pdfs(demo, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    export = summary_export_create(user=None, team=demo, quarter=Q3, fmt="pdf", enqueue=False)
    export = summary_export_run(export_id=export.pk, today=date(2026, 11, 25))
    assert export.status == SummaryStatus.FAILED
    assert "need the system's Pango libraries" in export.message
