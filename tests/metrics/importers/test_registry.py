# ruff: noqa: E501 (sample file names are long and read best on one line)
"""Detection from content: every sample export is recognised as exactly its own format,
whatever its file is called."""

import shutil

import pytest

from metrics.importers import registry
from metrics.importers.common import ImportFailed, Source
from tests.metrics.importers.helpers import FIXTURES

X_ARCHIVE = "x/archive/twitter-2026-10-02-24bd266b1957d55c672c13e3f561581c072e58b3c4a0780ccd5489c725313c2f/data"
SAMPLES = {
    "x/analytics_legacy/tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv": "x_tweet_activity",
    "x/analytics/account_analytics_content_2026-04-01_2026-06-30.csv": "x_content",
    "x/analytics/account_overview_analytics.csv": "x_overview",
    X_ARCHIVE: "x_archive",
    f"{X_ARCHIVE}/tweets.js": "x_archive",
    "mastodon/archive-20261002081530-e47cbf75a1b68cc26b2e988b20be776d": "mastodon_archive",
    "mastodon/api/GET_api_v1_accounts_110245871234560001_statuses.page1.json": "mastodon_api_statuses",
    "bluesky/api/app.bsky.feed.getAuthorFeed.page1.json": "bluesky_author_feed",
    "bluesky/api/app.bsky.actor.getProfile.json": "bluesky_profile",
    "facebook/Apr-01-2026_Jun-30-2026_5358321145085006.csv": "facebook_content",
    "facebook/page_level/Follows.csv": "facebook_daily",
    "facebook/legacy/Facebook Insights Data Export (Post Level) - Loomwell Roasters - 2026-10-01.csv": "facebook_legacy",
    "instagram/Apr-01-2026_Jun-30-2026_2146425515274046.csv": "instagram_content",
    "instagram/account_level/Follows.csv": "instagram_daily",
    "linkedin/loomwell-roasters_content_1790931600412.xls": "linkedin_content",
    "linkedin/loomwell-roasters_followers_1790931600412.xls": "linkedin_followers",
    "youtube/Content 2026-04-01_2026-09-30 Loomwell Roasters.zip": "youtube_content",
    "youtube/Content 2026-04-01_2026-09-30 Loomwell Roasters": "youtube_content",
    "youtube/traffic-source/Table data.csv": "youtube_other_report",
    "tiktok/export_2026-07-31/Overview_2026-05-31_1785488591_loomwellroasters.zip": "tiktok_overview",
    "tiktok/export_2026-07-31/Followers_loomwellroasters.zip": "tiktok_followers",
    "tiktok/export_2026-07-31/Content_loomwellroasters.zip": "tiktok_content",
    "tiktok/export_2026-07-31/Viewers_loomwellroasters.zip": "tiktok_viewers",
}


@pytest.mark.parametrize(("relative", "key"), SAMPLES.items(), ids=list(SAMPLES.values()))
def test_each_sample_is_detected_as_its_own_format(relative, key):
    assert registry.detect(Source.from_path(FIXTURES / relative)).key == key


@pytest.mark.parametrize(("relative", "key"), list(SAMPLES.items())[:4])
def test_detection_ignores_the_file_name(relative, key, tmp_path):
    source = FIXTURES / relative
    renamed = tmp_path / "file (1).csv"
    if source.is_dir():
        shutil.copytree(source, renamed)
    else:
        shutil.copy(source, renamed)
    assert registry.detect(Source.from_path(renamed)).key == key


def test_every_format_key_is_unique_and_every_platform_is_covered():
    keys = [fmt.key for fmt in registry.FORMATS]
    assert len(keys) == len(set(keys))
    assert {fmt.platform for fmt in registry.FORMATS} == {
        "x",
        "mastodon",
        "bluesky",
        "facebook",
        "instagram",
        "linkedin",
        "youtube",
        "tiktok",
    }


def test_a_meta_daily_file_that_fits_both_platforms_asks_for_the_account():
    views = Source.from_path(FIXTURES / "facebook" / "page_level" / "Views.csv")
    with pytest.raises(ImportFailed, match="choose the account it belongs to"):
        registry.detect(views)
    assert registry.detect(views, platform="instagram").key == "instagram_daily"
    assert registry.detect(views, platform="facebook").key == "facebook_daily"


def test_a_binary_file_is_not_an_export(tmp_path):
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    with pytest.raises(ImportFailed, match=r"it is a PNG image\. Supported formats are listed"):
        registry.detect(Source.from_path(picture))


def test_every_format_label_fits_the_import_jobs_field():
    from metrics.models import ImportJob

    limit = ImportJob._meta.get_field("format_label").max_length
    for fmt in registry.FORMATS:
        assert len(fmt.label) <= limit, fmt.key
