"""export_summary: the output path is checked before anything is generated, and what it
makes is listed as the command line's."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from goals.models import SummaryExport, SummaryOrigin


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def export(team, output, fmt="csv"):
    out = StringIO()
    call_command(
        "export_summary",
        "--team",
        team.slug,
        "--quarter",
        "2026Q3",
        "--format",
        fmt,
        "--output",
        str(output),
        stdout=out,
    )
    return out.getvalue()


def test_it_refuses_a_missing_directory_before_generating_anything(team, tmp_path):
    output = tmp_path / "missing" / "dir" / "q3.pdf"
    with pytest.raises(CommandError, match=r"Cannot write .*q3\.pdf: the directory .* does not"):
        export(team, output, fmt="pdf")
    assert not SummaryExport.objects.exists()
    assert not output.parent.exists()


def test_it_refuses_a_directory_as_the_output(team, tmp_path):
    with pytest.raises(CommandError, match="it is a directory"):
        export(team, tmp_path)
    assert not SummaryExport.objects.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_it_refuses_a_directory_it_cannot_write_to(team, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(CommandError, match="is not writable"):
            export(team, locked / "q3.csv")
    finally:
        locked.chmod(0o700)
    assert not SummaryExport.objects.exists()


def test_it_writes_the_file_and_lists_it_as_made_on_the_command_line(team, tmp_path, alice_client):
    output = tmp_path / "q3.csv"
    assert "Wrote" in export(team, output)
    assert output.stat().st_size > 0
    made = SummaryExport.objects.get()
    assert (made.origin, made.created_by, made.requested_by) == (
        SummaryOrigin.COMMAND,
        None,
        "command line",
    )
    page = alice_client.get(reverse("goals:summaries")).content.decode()
    assert "<td>command line</td>" in page
    assert "<td>schedule</td>" not in page


def test_summaries_of_the_schedule_and_of_users_keep_their_names(team, alice):
    from goals import periods
    from goals.summaries.services import summary_export_create

    q3 = periods.parse("2026Q3")
    scheduled = summary_export_create(user=None, team=team, quarter=q3, fmt="csv", enqueue=False)
    asked = summary_export_create(user=alice, team=team, quarter=q3, fmt="csv", enqueue=False)
    assert (scheduled.origin, scheduled.requested_by) == (SummaryOrigin.SCHEDULE, "schedule")
    assert (asked.origin, asked.requested_by) == (SummaryOrigin.USER, "alice")
