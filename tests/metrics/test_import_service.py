"""The import pipeline end to end: detection, account, writer, rollup, atomicity."""

import csv
import zipfile
from pathlib import Path

import pytest

from metrics.importers.common import ImportFailed, Source
from metrics.models import Account, MetricObservation, ObservationSource, Post
from metrics.platforms import Platform
from metrics.services import account_get_or_create, import_source
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X_Q2 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)
X_Q3 = (
    FIXTURES
    / "x"
    / "analytics_legacy"
    / "tweet_activity_metrics_loomwellroast_20260701_20261001_en.csv"
)


@pytest.fixture
def x_account(team):
    return AccountFactory(
        team=team, platform=Platform.X, handle="loomwellroast", own_domains="loomwell.example"
    )


def run(team, path: Path, **kwargs):
    return import_source(team=team, source=Source.from_path(path), **kwargs)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_it_imports_posts_and_derives_the_daily_conversation_metrics(team, x_account):
    rows = _rows(X_Q2)
    outcome = run(team, X_Q2)
    assert outcome.format.key == "x_tweet_activity"
    assert outcome.account == x_account
    assert Post.objects.filter(account=x_account).count() == len(rows)
    # Replies in the legacy export are the rows whose text starts with "@".
    replies = sum(1 for r in rows if r["Tweet text"].startswith("@"))
    assert outcome.summary["posts_by_kind"]["reply"] == replies
    rollup = MetricObservation.objects.filter(account=x_account, source=ObservationSource.ROLLUP)
    assert sum(o.value for o in rollup.filter(metric="posts")) == len(rows)
    assert sum(o.value for o in rollup.filter(metric="replies")) == replies
    impressions = sum(int(float(r["impressions"])) for r in rows)
    assert sum(o.value for o in rollup.filter(metric="impressions")) == impressions


def test_importing_the_same_file_twice_changes_nothing(team, x_account):
    first = run(team, X_Q2)
    posts = Post.objects.count()
    observations = MetricObservation.objects.count()
    second = run(team, X_Q2)
    assert (Post.objects.count(), MetricObservation.objects.count()) == (posts, observations)
    assert second.created == 0 and second.updated == 0
    assert second.unchanged == first.created


def test_overlapping_exports_update_instead_of_duplicating(team, x_account, tmp_path):
    run(team, X_Q2)
    # A second export covering Q2 again (numbers grown since) plus Q3.
    q2, q3 = _rows(X_Q2), _rows(X_Q3)
    q2[0]["impressions"] = str(float(q2[0]["impressions"]) + 1000)
    combined = tmp_path / "tweet_activity_metrics_loomwellroast_20260401_20261001_en.csv"
    with combined.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(q2[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(q3 + q2)
    outcome = run(team, combined)
    assert Post.objects.count() == len(q2) + len(q3)
    # Counts are of the file's rows (posts here); derived daily rows are written apart.
    assert (outcome.created, outcome.updated, outcome.unchanged) == (len(q3), 1, len(q2) - 1)
    changed = Post.objects.get(platform_id=q2[0]["Tweet id"])
    assert changed.impressions == int(float(q2[0]["impressions"]))


def test_a_bad_row_half_way_leaves_the_database_as_it_was(team, x_account, tmp_path):
    run(team, X_Q2)
    before = (
        Post.objects.count(),
        MetricObservation.objects.count(),
        list(Post.objects.values_list("impressions", flat=True).order_by("pk")),
    )
    rows = _rows(X_Q3)
    rows[len(rows) // 2]["impressions"] = "lots"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportFailed) as info:
        run(team, bad)
    assert "could not be read, so nothing was imported" in str(info.value)
    errors = info.value.outcome.errors
    assert len(errors) == 1 and "lots" in errors[0]["message"]
    assert errors[0]["row"] >= len(rows) // 2 + 2  # a line number in the file
    after = (
        Post.objects.count(),
        MetricObservation.objects.count(),
        list(Post.objects.values_list("impressions", flat=True).order_by("pk")),
    )
    assert after == before


def test_an_unknown_format_says_what_the_file_is_and_where_formats_are_listed(team, tmp_path):
    other = tmp_path / "budget.csv"
    other.write_text("Month,Spend\nJuly,100\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as info:
        run(team, other)
    message = str(info.value)
    assert "is not an export Strategy Tracker can read" in message
    assert "it is a CSV whose columns are Month, Spend" in message
    assert "Supported formats are listed on the import page and in the README" in message
    assert not Post.objects.exists()


def test_an_empty_file_is_refused(team, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFailed, match="is empty"):
        run(team, empty)


def test_a_truncated_file_is_refused_with_nothing_written(team, x_account, tmp_path):
    data = X_Q2.read_bytes()
    cut = tmp_path / X_Q2.name
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed):
        run(team, cut)
    assert not Post.objects.exists() and not MetricObservation.objects.exists()


def test_a_file_in_another_encoding_gets_a_clear_message(team, x_account, tmp_path):
    text = X_Q2.read_text(encoding="utf-8").replace("Loomwell", "Löömwell", 1)
    latin = tmp_path / X_Q2.name
    latin.write_bytes(text.encode("latin-1", errors="replace"))
    with pytest.raises(ImportFailed, match="not valid UTF-8 text"):
        run(team, latin)
    assert not Post.objects.exists()


def test_utf8_with_bom_and_crlf_is_read(team, x_account, tmp_path):
    rows = _rows(X_Q2)
    bom = tmp_path / X_Q2.name
    bom.write_bytes(b"\xef\xbb\xbf" + X_Q2.read_bytes().replace(b"\n", b"\r\n"))
    assert run(team, bom).summary["posts"] == len(rows)


def test_a_file_for_an_account_the_team_does_not_have_is_refused(team, other_team):
    AccountFactory(team=other_team, platform=Platform.X, handle="loomwellroast")
    with pytest.raises(ImportFailed) as info:
        run(team, X_Q2)
    assert "which is not one of this team's accounts" in str(info.value)
    assert not Post.objects.exists()


def test_another_teams_account_cannot_be_chosen(team, other_team):
    theirs = AccountFactory(team=other_team, platform=Platform.X, handle="loomwellroast")
    with pytest.raises(ImportFailed, match="does not belong to this team"):
        run(team, X_Q2, account=theirs)
    assert not Post.objects.exists()


def test_a_file_for_a_different_handle_than_chosen_is_refused(team):
    other = AccountFactory(team=team, platform=Platform.X, handle="someone_else")
    with pytest.raises(ImportFailed, match="not for the chosen account @someone_else"):
        run(team, X_Q2, account=other)


def test_a_file_of_another_platform_than_the_chosen_account_is_refused(team):
    mastodon = AccountFactory(team=team, platform=Platform.MASTODON, handle="loomwell")
    with pytest.raises(ImportFailed, match="chosen account is on Mastodon"):
        run(team, X_Q2, account=mastodon)


def test_the_command_line_spec_creates_the_account_once(team):
    first = account_get_or_create(team=team, spec="x:@LoomwellRoast")
    again = account_get_or_create(team=team, spec="x:loomwellroast")
    assert first == again and Account.objects.count() == 1
    with pytest.raises(ImportFailed, match="is not PLATFORM:HANDLE"):
        account_get_or_create(team=team, spec="myspace:tom")


def test_formulas_and_markup_in_post_text_are_stored_as_inert_text(team, x_account, tmp_path):
    rows = _rows(X_Q2)[:1]
    rows[0]["Tweet text"] = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>'
    hostile = tmp_path / X_Q2.name
    with hostile.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    run(team, hostile)
    assert Post.objects.get().text == rows[0]["Tweet text"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(team, tmp_path):
    bomb = tmp_path / "export.zip"
    with (
        zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("tweets.csv", "w") as member,
    ):
        chunk = b"0" * (1024 * 1024)
        for _ in range(64):
            member.write(chunk)
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ImportFailed, match="zip bomb"):
        run(team, bomb)


def test_a_zip_that_would_unpack_above_the_limit_is_refused(team, tmp_path):
    from metrics.importers.common import Limits

    archive_path = tmp_path / "big.zip"
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.csv", b"x" * 3000)
    with pytest.raises(ImportFailed, match="would unpack to"):
        Source.from_path(archive_path, Limits(max_uncompressed_bytes=1000))


def test_a_file_above_the_size_limit_is_refused(team, tmp_path):
    from metrics.importers.common import Limits

    with pytest.raises(ImportFailed, match="above the limit"):
        Source.from_bytes("big.csv", b"x" * 2000, Limits(max_bytes=1000))


def test_posts_are_bucketed_by_the_teams_local_day(team, x_account):
    team.time_zone = "Pacific/Auckland"  # UTC+12 in July
    team.save()
    run(team, X_Q2)
    for post in Post.objects.all():
        assert post.local_date == post.published_at.astimezone(team.tzinfo).date()
    late = Post.objects.filter(published_at__hour__gte=12).first()
    if late is not None:
        assert late.local_date > late.published_at.date()


def test_a_real_exported_file_imports_through_the_whole_pipeline(team):
    from tests.metrics.importers.helpers import real_export

    path = real_export("ropensci-tweets/tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv")
    account = AccountFactory(
        team=team, platform=Platform.X, handle="rOpenSci", own_domains="ropensci.org"
    )
    outcome = run(team, path)
    # SOURCES.md: 33 data rows, 3 of them replies.
    assert outcome.account == account
    assert Post.objects.filter(account=account).count() == 33
    # The three replies answer @DJBurnette, @steffilazerte and @_psyguy (grep of the file).
    assert outcome.summary["posts_by_kind"]["reply"] == 3
    assert set(Post.objects.filter(kind="reply").values_list("in_reply_to_handle", flat=True)) == {
        "djburnette",
        "steffilazerte",
        "_psyguy",
    }
    assert MetricObservation.objects.filter(account=account, metric="posts").exists()


def test_a_zip_of_tiktok_section_zips_is_imported_like_the_zips_themselves(team, tmp_path):
    """TikTok hands out one zip per section; users zip them together before uploading."""
    folder = FIXTURES / "tiktok" / "export_2026-09-29"
    sections = sorted(folder.glob("*.zip"))
    AccountFactory(team=team, platform=Platform.TIKTOK, handle="loomwellroasters")
    bundle = tmp_path / "tiktok-export.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in sections:
            archive.write(section, section.name)
    outcome = run(team, bundle)
    assert f"held {len(sections)} kinds of export, all imported" in outcome.notes[-1]
    from_bundle = (Post.objects.count(), MetricObservation.objects.count())
    assert from_bundle[0] > 0 and from_bundle[1] > 0
    Post.objects.all().delete()
    MetricObservation.objects.all().delete()
    for section in sections:
        run(team, section)
    assert (Post.objects.count(), MetricObservation.objects.count()) == from_bundle


def test_the_unpack_limit_applies_to_the_total_of_nested_zips(tmp_path):
    from metrics.importers.common import Limits

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.csv", b"x" * 700)
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.write(inner, "one.zip")
        archive.write(inner, "two.zip")
    assert len(Source.from_path(outer, Limits(max_uncompressed_bytes=10_000)).members) == 2
    with pytest.raises(ImportFailed, match="with the archive around it"):
        Source.from_path(outer, Limits(max_uncompressed_bytes=3000))
