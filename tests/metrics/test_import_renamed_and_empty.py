"""Metrics the platforms renamed read as one series; valid exports with nothing the
catalogue tracks, or with no rows at all, are accepted with a note."""

from __future__ import annotations

import codecs
import shutil
import zipfile
from datetime import date

import pytest

from metrics.models import FollowerActivity, ImportStatus, MetricObservation
from metrics.selectors import SeriesRequest, series_for
from metrics.services import import_path
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

TIKTOK = FIXTURES / "tiktok"
FOLLOWERS = "Followers_loomwellroasters"


def meta_daily(path, title, rows):
    """A Meta Business Suite daily file as Meta writes it (UTF-16 with a BOM)."""
    lines = ["sep=,", f'"{title}"', '"Date","Primary"']
    lines += [f'"{day}T00:00:00","{value}"' for day, value in rows]
    path.write_bytes(codecs.BOM_UTF16_LE + ("\n".join(lines) + "\n").encode("utf-16-le"))
    return path


@pytest.fixture
def facebook(team):
    return AccountFactory(team=team, platform="facebook", handle="loomwellroasters")


@pytest.fixture
def tiktok(team):
    return AccountFactory(team=team, platform="tiktok", handle="loomwellroasters")


def test_a_key_result_spanning_metas_rename_of_reach_to_viewers_reads_one_series(
    tmp_path, facebook
):
    before = meta_daily(tmp_path / "Reach.csv", "Reach", [("2025-05-30", 40), ("2025-05-31", 50)])
    after = meta_daily(tmp_path / "Viewers.csv", "Viewers", [("2025-06-01", 60)])
    for path in (before, after):
        job = import_path(team=facebook.team, path=path, account=facebook)
        assert job.status == ImportStatus.SUCCEEDED, job.message
    request = SeriesRequest(1, "reach", (facebook.pk,), date(2025, 5, 30), date(2025, 6, 1))
    series = series_for([request])[1]
    assert series.points[-1] == (date(2025, 6, 1), 150.0)  # 40 + 50 + 60, one series


@pytest.mark.parametrize("form", ["zip", "folder", "csv"])
def test_tiktok_viewers_are_imported_as_reach(tiktok, form):
    export = TIKTOK / "export_2026-09-29"
    path = {
        "zip": export / "Viewers_loomwellroasters.zip",
        "folder": export / "Viewers_loomwellroasters",
        "csv": export / "Viewers_loomwellroasters/Viewers.csv",
    }[form]
    job = import_path(team=tiktok.team, path=path, account=tiktok)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    reach = MetricObservation.objects.filter(account=tiktok, metric="reach")
    assert reach.count() == 60  # 61 days, the last one "undefined"
    assert any("New Viewers" in note for note in job.summary["notes"])


@pytest.mark.parametrize("form", ["csv", "zip", "folder"])
def test_follower_activity_alone_is_accepted_and_kept_by_hour(tmp_path, tiktok, form):
    export = TIKTOK / "export_2026-09-29"
    csv = export / FOLLOWERS / "FollowerActivity.csv"
    if form == "csv":
        path = csv
    elif form == "zip":
        path = tmp_path / "FollowerActivity.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(csv, "FollowerActivity.csv")
    else:
        path = tmp_path / FOLLOWERS
        path.mkdir()
        for name in ("FollowerActivity.csv", "FollowerGender.csv"):
            shutil.copy(export / FOLLOWERS / name, path / name)
    job = import_path(team=tiktok.team, path=path, account=tiktok)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert job.format_key == "tiktok_follower_insights"
    assert FollowerActivity.objects.filter(account=tiktok).count() == 7 * 24
    evening = FollowerActivity.objects.get(account=tiktok, date=date(2026, 9, 27), hour=22)
    assert evening.active_followers == 481
    again = import_path(team=tiktok.team, path=path, account=tiktok)
    assert (again.rows_created, again.rows_updated) == (0, 0)


def test_the_followers_zip_keeps_the_activity_beside_the_follower_level(tiktok):
    export = TIKTOK / "export_2026-09-29"
    job = import_path(team=tiktok.team, path=export / f"{FOLLOWERS}.zip", account=tiktok)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert MetricObservation.objects.filter(account=tiktok, metric="followers").count() == 60
    assert FollowerActivity.objects.filter(account=tiktok).count() == 7 * 24
    notes = " ".join(job.summary["notes"])
    assert "FollowerGender.csv" in notes and "FollowerTopTerritories.csv" in notes


def test_demographic_shares_alone_are_accepted_with_a_note_saying_nothing_was_stored(tiktok):
    path = TIKTOK / "export_2026-09-29" / FOLLOWERS / "FollowerTopTerritories.csv"
    job = import_path(team=tiktok.team, path=path, account=tiktok)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.rows_created, job.rows_read) == (0, 0)
    assert job.summary["notes"] == [
        "FollowerTopTerritories.csv shares the followers out by top territories, a snapshot "
        "without dates; Strategy Tracker does not store it."
    ]


HEADER_ONLY = {
    # X's posts CSV for a quiet week: the header and nothing else.
    "x": (
        "account_analytics_content_2026-10-01_2026-10-07.csv",
        "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,"
        "New follows,Replies,Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,"
        "Permalink Clicks\n",
    ),
    "facebook": (
        "Oct-01-2026_Oct-07-2026_1039829308656930.csv",
        "\ufeff" + '"Post ID","Page ID","Page name",Title,Description,"Duration (sec)",'
        '"Publish time","Caption type",Permalink,"Is crosspost","Is share","Post type",Date,'
        "Views,Reach,Reactions,Comments,Shares\n",
    ),
    "tiktok": (
        "Content.csv",
        "\ufeff" + '"Time","Video title","Video link","Post time","Total likes",'
        '"Total comments","Total shares","Total views"',
    ),
}


@pytest.mark.parametrize("platform", sorted(HEADER_ONLY))
def test_a_valid_export_with_a_header_and_no_rows_is_accepted_with_a_note(tmp_path, team, platform):
    account = AccountFactory(team=team, platform=platform, handle="loomwellroast")
    name, text = HEADER_ONLY[platform]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    job = import_path(team=team, path=path, account=account)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.rows_read, job.rows_created) == (0, 0)
    assert job.summary["posts"] == 0
    assert job.summary["notes"] == [
        f"{name} holds no posts and no daily numbers: nothing was imported."
    ]


def test_a_header_only_file_needs_no_account_choice(tmp_path, team):
    """A quiet week's file names no account; with nothing to write, none is needed."""
    AccountFactory(team=team, platform="x", handle="loomwellroast")
    AccountFactory(team=team, platform="x", handle="loomwell_support")
    name, text = HEADER_ONLY["x"]
    (tmp_path / name).write_text(text, encoding="utf-8")
    job = import_path(team=team, path=tmp_path / name)
    assert job.status == ImportStatus.SUCCEEDED, job.message
