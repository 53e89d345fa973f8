"""When an export was made (ExportInfo, metrics.importers.exports): the first record of
every format whose export says so, in its content or in the name the platform gives its
files; nothing from a renamed file, and never the import day.

Expected times are read off the fixtures' names and manifest by hand:
- twitter-2026-10-02-…/data/manifest.js: generationDate 2026-10-02T08:41:07.332Z;
- archive-20261002081530-…: 2026-10-02 08:15:30 UTC;
- …_content_1790931600412.xls: 1790931600412 ms = 2026-10-02 09:00:00.412 UTC;
- Overview_2026-04-01_1780304591_…: 1780304591 s = 2026-06-01 09:03:11 UTC.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from metrics.importers.common import Format, ParseContext, Source
from metrics.importers.registry import BY_KEY
from metrics.ingest.records import ExportInfo, Record
from tests.metrics.importers.helpers import FIXTURES

LONDON = "Europe/London"
X_ARCHIVE = next((FIXTURES / "x/archive").iterdir())
X_CONTENT = FIXTURES / "x/analytics"
X_LEGACY = FIXTURES / "x/analytics_legacy"
MASTODON_ARCHIVE = next((FIXTURES / "mastodon").glob("archive-*"))
FB_Q2 = FIXTURES / "facebook/Apr-01-2026_Jun-30-2026_5358321145085006.csv"
FB_Q3 = FIXTURES / "facebook/Jul-01-2026_Sep-30-2026_8266685116939079.csv"
IG_Q2 = FIXTURES / "instagram/Apr-01-2026_Jun-30-2026_2146425515274046.csv"
FB_LEGACY = next((FIXTURES / "facebook/legacy").glob("*.csv"))
LINKEDIN = FIXTURES / "linkedin"
YOUTUBE = FIXTURES / "youtube/Content 2026-04-01_2026-09-30 Loomwell Roasters"
TIKTOK = FIXTURES / "tiktok/export_2026-06-01"


def records(key: str, path: Path, *, tz: str = "UTC") -> list[Record]:
    fmt: Format = BY_KEY[key]
    source = Source.from_path(path)
    assert fmt.sniff(source), f"{key} does not recognise {path.name}"
    ctx = ParseContext(tz=ZoneInfo(tz), today=date(2026, 10, 20), handle="loomwellroast")
    return list(fmt.parse(source, ctx))


def exported(key: str, path: Path, *, tz: str = "UTC") -> datetime | None:
    """The export time a parse yields, checking that it comes first and only once."""
    found = records(key, path, tz=tz)
    infos = [r for r in found if isinstance(r, ExportInfo)]
    assert len(infos) <= 1
    if not infos:
        return None
    assert found[0] is infos[0], "ExportInfo must be the first record"
    return infos[0].exported_at


def copy(path: Path, to: Path) -> Path:
    if path.is_dir():
        shutil.copytree(path, to)
    else:
        to.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, to)
    return to


def zipped(folder: Path, to: Path, *, inside: str = "") -> Path:
    """A zip of the folder's files, under `inside/` when given."""
    with zipfile.ZipFile(to, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                name = file.relative_to(folder).as_posix()
                archive.write(file, f"{inside}/{name}" if inside else name)
    return to


# --- X ----------------------------------------------------------------------------------------


def test_the_x_archive_was_made_when_its_manifest_says():
    assert exported("x_archive", X_ARCHIVE) == datetime(2026, 10, 2, 8, 41, 7, 332000, tzinfo=UTC)


def test_without_a_manifest_the_x_archive_was_made_on_the_day_its_name_says(tmp_path):
    folder = copy(X_ARCHIVE, tmp_path / X_ARCHIVE.name)
    (folder / "data/manifest.js").unlink()
    assert exported("x_archive", folder) == datetime(2026, 10, 2, tzinfo=UTC)
    as_zip = zipped(folder, tmp_path / f"{X_ARCHIVE.name}.zip")
    assert exported("x_archive", as_zip) == datetime(2026, 10, 2, tzinfo=UTC)
    inside = zipped(folder, tmp_path / "archive.zip", inside=X_ARCHIVE.name)
    assert exported("x_archive", inside) == datetime(2026, 10, 2, tzinfo=UTC)


def test_a_renamed_x_archive_without_a_manifest_says_nothing(tmp_path):
    folder = copy(X_ARCHIVE, tmp_path / "my twitter")
    (folder / "data/manifest.js").unlink()
    assert exported("x_archive", folder) is None


def test_an_x_posts_csv_was_made_once_the_last_day_of_its_range_was_over():
    name = "account_analytics_content_2026-04-01_2026-06-30.csv"
    assert exported("x_content", X_CONTENT / name) == datetime(2026, 7, 1, tzinfo=UTC)


def test_a_folder_of_x_posts_csvs_is_as_recent_as_its_latest(tmp_path):
    for path in X_CONTENT.glob("account_analytics_content_*.csv"):
        copy(path, tmp_path / "posts" / path.name)
    # …_2026-09-28_2026-10-01.csv
    assert exported("x_content", tmp_path / "posts") == datetime(2026, 10, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "name",
    [
        "file (1).csv",
        "account_analytics_content_2026-04-01_2026-06-30 (1).csv",
        "account_analytics_content_2026-04-01_2026-06-31.csv",
    ],
)
def test_a_renamed_x_posts_csv_says_nothing(tmp_path, name):
    path = copy(X_CONTENT / "account_analytics_content_2026-04-01_2026-06-30.csv", tmp_path / name)
    assert exported("x_content", path) is None


def test_an_x_tweet_activity_csv_was_made_on_the_second_day_of_its_name(tmp_path):
    name = "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
    assert exported("x_tweet_activity", X_LEGACY / name) == datetime(2026, 7, 1, tzinfo=UTC)
    assert exported("x_tweet_activity", X_LEGACY) == datetime(2026, 10, 1, tzinfo=UTC)
    renamed = copy(X_LEGACY / name, tmp_path / "tweets.csv")
    assert exported("x_tweet_activity", renamed) is None


def test_the_x_overview_says_nothing_of_when_it_was_made():
    assert exported("x_overview", X_CONTENT / "account_overview_analytics.csv") is None


# --- Mastodon and Bluesky ---------------------------------------------------------------------


def test_a_mastodon_archive_was_made_when_its_name_says(tmp_path):
    made = datetime(2026, 10, 2, 8, 15, 30, tzinfo=UTC)
    assert exported("mastodon_archive", MASTODON_ARCHIVE) == made
    assert (
        exported(
            "mastodon_archive", zipped(MASTODON_ARCHIVE, tmp_path / f"{MASTODON_ARCHIVE.name}.zip")
        )
        == made
    )


def test_a_renamed_mastodon_archive_says_nothing(tmp_path):
    assert exported("mastodon_archive", copy(MASTODON_ARCHIVE, tmp_path / "archive")) is None
    lone = copy(MASTODON_ARCHIVE / "outbox.json", tmp_path / "outbox.json")
    assert exported("mastodon_archive", lone) is None


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("mastodon_api_statuses", FIXTURES / "mastodon/api"),
        ("bluesky_author_feed", FIXTURES / "bluesky/api"),
        ("bluesky_profile", FIXTURES / "bluesky/api/app.bsky.actor.getProfile.json"),
    ],
)
def test_saved_api_pages_say_nothing_of_when_they_were_fetched(key, path):
    if key == "bluesky_author_feed":
        path = path / "app.bsky.feed.getAuthorFeed.page1.json"
    assert exported(key, path) is None


# --- Meta ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "path"), [("facebook_content", FB_Q2), ("instagram_content", IG_Q2)]
)
def test_a_meta_content_export_was_made_once_its_last_day_was_over_in_the_teams_zone(key, path):
    assert exported(key, path, tz=LONDON) == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert exported(key, path) == datetime(2026, 7, 1, tzinfo=UTC)


def test_a_folder_of_meta_content_exports_is_as_recent_as_its_latest(tmp_path):
    for path in (FB_Q2, FB_Q3):
        copy(path, tmp_path / "facebook" / path.name)
    assert exported("facebook_content", tmp_path / "facebook", tz=LONDON) == datetime(
        2026, 9, 30, 23, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "name", ["Facebook export.csv", "Apr-01-2026_Jun-30-2026_5358321145085006 (1).csv"]
)
def test_a_renamed_meta_content_export_says_nothing(tmp_path, name):
    assert exported("facebook_content", copy(FB_Q2, tmp_path / name)) is None


def test_metas_daily_files_say_nothing_of_when_they_were_made():
    assert exported("facebook_daily", FIXTURES / "facebook/page_level") is None
    assert exported("instagram_daily", FIXTURES / "instagram/account_level") is None


def test_a_legacy_facebook_export_was_made_on_the_day_its_name_says(tmp_path):
    assert exported("facebook_legacy", FB_LEGACY, tz=LONDON) == datetime(
        2026, 9, 30, 23, tzinfo=UTC
    )
    assert exported("facebook_legacy", copy(FB_LEGACY, tmp_path / "posts.csv")) is None


# --- LinkedIn, YouTube, TikTok ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("linkedin_content", "loomwell-roasters_content_1790931600412.xls"),
        ("linkedin_followers", "loomwell-roasters_followers_1790931600412.xls"),
    ],
)
def test_a_linkedin_export_was_made_at_the_epoch_milliseconds_of_its_name(tmp_path, key, name):
    made = datetime(2026, 10, 2, 9, 0, 0, 412000, tzinfo=UTC)
    assert exported(key, LINKEDIN / name) == made
    # LinkedIn's importer already takes a browser's " (1)".
    assert exported(key, copy(LINKEDIN / name, tmp_path / name.replace(".xls", " (1).xls"))) == made
    assert exported(key, copy(LINKEDIN / name, tmp_path / "linkedin.xls")) is None


def test_a_youtube_export_was_made_once_the_last_day_of_its_report_was_over(tmp_path):
    end = datetime(2026, 9, 30, 23, tzinfo=UTC)  # the end of September 30 in London
    assert exported("youtube_content", YOUTUBE, tz=LONDON) == end
    assert exported("youtube_content", YOUTUBE.with_name(YOUTUBE.name + ".zip"), tz=LONDON) == end


def test_a_renamed_youtube_export_says_nothing(tmp_path):
    assert exported("youtube_content", copy(YOUTUBE, tmp_path / "youtube export")) is None
    assert exported("youtube_content", YOUTUBE / "Table data.csv") is None


def test_a_tiktok_download_was_made_when_the_overview_name_says(tmp_path):
    made = datetime(2026, 6, 1, 9, 3, 11, tzinfo=UTC)
    overview = TIKTOK / "Overview_2026-04-01_1780304591_loomwellroasters.zip"
    assert exported("tiktok_overview", overview) == made
    # The followers beside it in the download are as recent.
    download = tmp_path / "download"
    for name in (overview.name, "Followers_loomwellroasters.zip"):
        copy(TIKTOK / name, download / name)
    assert exported("tiktok_followers", download) == made


def test_a_tiktok_content_export_was_made_on_the_day_its_time_column_says():
    # "Time" is "June 1": its year is the one of the latest June 1 up to the import day.
    content = TIKTOK / "Content_loomwellroasters.zip"
    assert exported("tiktok_content", content, tz=LONDON) == datetime(2026, 5, 31, 23, tzinfo=UTC)


def test_tiktok_files_that_say_nothing_of_their_time_give_none(tmp_path):
    renamed = copy(
        TIKTOK / "Overview_2026-04-01_1780304591_loomwellroasters.zip", tmp_path / "overview.zip"
    )
    assert exported("tiktok_overview", renamed) is None
    # Followers alone: no Overview name, no Content.csv; the import day is not an export time.
    assert exported("tiktok_followers", TIKTOK / "Followers_loomwellroasters.zip") is None
