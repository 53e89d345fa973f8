"""Meta exports: Facebook/Instagram content CSVs, the daily per-metric files, the legacy
Facebook post export.

Expected numbers were computed independently from the raw sample files with throwaway
one-liners (Python's csv module for the UTF-8 files, `iconv -f utf-16 | awk` for the daily
files), or taken from the inventory in shared/exports/README.md; each assertion says which.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.meta import FORMATS
from metrics.ingest.records import AccountInfo, PostKind, PostRecord, RowError
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

FORMAT = {fmt.key: fmt for fmt in FORMATS}
FB_CONTENT = FORMAT["facebook_content"]
IG_CONTENT = FORMAT["instagram_content"]
FB_DAILY = FORMAT["facebook_daily"]
IG_DAILY = FORMAT["instagram_daily"]
FB_LEGACY = FORMAT["facebook_legacy"]

FB = FIXTURES / "facebook"
IG = FIXTURES / "instagram"
FB_Q2 = FB / "Apr-01-2026_Jun-30-2026_5358321145085006.csv"
FB_Q3 = FB / "Jul-01-2026_Sep-30-2026_8266685116939079.csv"
FB_PAGE_LEVEL = FB / "page_level"
FB_LEGACY_FILE = (
    FB
    / "legacy"
    / "Facebook Insights Data Export (Post Level) - Loomwell Roasters - 2026-10-01.csv"
)
IG_Q2 = IG / "Apr-01-2026_Jun-30-2026_2146425515274046.csv"
IG_Q3 = IG / "Jul-01-2026_Sep-30-2026_5095666080943481.csv"
IG_ACCOUNT_LEVEL = IG / "account_level"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def by_id(posts: list[PostRecord]) -> dict[str, PostRecord]:
    return {p.platform_id: p for p in posts}


def total(posts: list[PostRecord], field: str) -> int:
    return sum(getattr(p, field) or 0 for p in posts)


def read_utf8(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def write_utf8(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


def write_utf16(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    return path


def daily_file(title: str, rows: list[tuple[str, str]]) -> str:
    lines = ["sep=,", f'"{title}"', '"Date","Primary"']
    lines += [f'"{day}","{value}"' for day, value in rows]
    return "\n".join(lines) + "\n"


# --- Facebook content export -------------------------------------------------------------


def test_it_reads_every_post_of_the_facebook_q2_export():
    result = parse(FB_CONTENT, FB_Q2, tz="Europe/London")
    assert result.errors == []
    # README inventory: 26 posts; csv one-liner: 4 rows with Is share = 1.
    assert len(result.posts) == 26
    assert sum(p.kind == PostKind.RESHARE for p in result.posts) == 4
    assert sum(p.kind is None for p in result.posts) == 22
    # csv one-liner sums over the Views, Reach, "Reactions, Comments and Shares" and
    # Link Clicks columns (Link Clicks is filled on 12 rows).
    assert total(result.posts, "impressions") == 46115
    assert total(result.posts, "reach") == 33202
    assert total(result.posts, "engagements") == 1258
    assert total(result.posts, "clicks") == 251
    assert sum(p.clicks is not None for p in result.posts) == 12
    assert all(p.video_views is None and p.saves is None for p in result.posts)


def test_it_reads_the_q3_export_that_lacks_the_negative_feedback_column():
    result = parse(FB_CONTENT, FB_Q3)
    assert result.errors == []
    # README inventory: 22 posts in 33 columns; csv one-liner: 3 shares, Views sum 36360,
    # Reach 26010, engagements 1079, Link Clicks 262.
    assert len(result.posts) == 22
    assert sum(p.kind == PostKind.RESHARE for p in result.posts) == 3
    assert total(result.posts, "impressions") == 36360
    assert total(result.posts, "reach") == 26010
    assert total(result.posts, "engagements") == 1079
    assert total(result.posts, "clicks") == 262


def test_it_reads_facebook_publish_times_as_london_summer_time():
    # Earliest and latest "Publish time" in the Q2 file: 04/02/2026 10:15 and 06/26/2026 15:30,
    # BST (UTC+1) per the README.
    london = parse(FB_CONTENT, FB_Q2, tz="Europe/London")
    times = sorted(p.published_at for p in london.posts)
    assert times[0] == utc(2026, 4, 2, 9, 15)
    assert times[-1] == utc(2026, 6, 26, 14, 30)
    in_utc = parse(FB_CONTENT, FB_Q2, tz="UTC")
    assert min(p.published_at for p in in_utc.posts) == utc(2026, 4, 2, 10, 15)


def test_it_names_the_facebook_page_from_the_permalink_path():
    result = parse(FB_CONTENT, FB_Q2)
    # Permalinks read https://www.facebook.com/loomwellroasters/posts/…; Page name column.
    assert result.accounts == [AccountInfo("facebook", "loomwellroasters", "Loomwell Roasters")]


def test_it_reads_one_facebook_post_completely():
    post = by_id(parse(FB_CONTENT, FB_Q2, tz="Europe/London").posts)["7760662477591545"]
    # The first data row of the Q2 file, read by eye.
    assert post.text == (
        "Public cupping at the roastery next Thursday at 6pm. Free, but spots are limited.\n\n"
        "https://www.loomwell.example/events/public-cupping-july"
    )
    assert post.permalink == (
        "https://www.facebook.com/loomwellroasters/posts/"
        "pfbid0iRX5dhHNWEsV1L3jgAd77VT84GmBeeSTv6Pujk45RKL9BUnisl"
    )
    assert post.published_at == utc(2026, 6, 26, 14, 30)
    assert post.links == ("https://www.loomwell.example/events/public-cupping-july",)
    assert post.mentions == ()
    assert post.kind is None
    assert (post.impressions, post.reach, post.engagements) == (764, 620, 16)
    assert (post.likes, post.replies, post.reshares) == (13, 2, 1)
    assert post.clicks is None  # Link Clicks is empty for this photo post: unknown, not 0
    assert post.row == 2


def test_it_takes_the_longer_of_title_and_description_as_the_caption():
    posts = by_id(parse(FB_CONTENT, FB_Q2).posts)
    # Reel 9097661481397925: Description repeats Title and adds the hashtag.
    assert posts["9097661481397925"].text == (
        "If your espresso tastes sour, grind finer before you change anything else.\n\n#espresso"
    )
    assert posts["9097661481397925"].row == 5  # the first record spans lines 2-4


def test_it_marks_facebook_shares_as_reshares_without_guessing_the_author():
    post = by_id(parse(FB_CONTENT, FB_Q2).posts)["8543766992752281"]
    assert post.kind == PostKind.RESHARE
    # The caption credits "Origin Notes Magazine", a display name, not a handle.
    assert post.reshared_handle == ""
    assert post.mentions == ()


def test_it_reads_the_older_facebook_variant_with_impressions(tmp_path):
    text = read_utf8(FB_Q2).replace(",Views,", ",Impressions,", 1)
    text = text.replace('"Reactions, Comments and Shares"', '"Reactions, comments and shares"', 1)
    result = parse(FB_CONTENT, write_utf8(tmp_path, "old.csv", text))
    assert result.errors == []
    assert total(result.posts, "impressions") == 46115
    assert total(result.posts, "engagements") == 1258


def test_it_maps_facebook_columns_by_name_when_reordered_with_an_extra_column(tmp_path):
    rows = list(csv.reader(io.StringIO(read_utf8(FB_Q2), newline="")))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(rows):
        writer.writerow([row[j] for j in order] + (["Extra"] if i == 0 else ["x"]))
    result = parse(FB_CONTENT, write_utf8(tmp_path, "reordered.csv", out.getvalue()))
    assert result.errors == []
    assert len(result.posts) == 26
    assert total(result.posts, "impressions") == 46115
    assert by_id(result.posts)["7760662477591545"].text.startswith("Public cupping")


def facebook_row(caption: str, *, post_id: str = "1", views: str = "10", page_id: str = "9"):
    header = (
        '"Post ID","Page ID","Page name",Title,Description,"Publish time",Permalink,'
        '"Is share",Date,Views,Reach\n'
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [
            post_id,
            page_id,
            "Loomwell Roasters",
            caption,
            "",
            "06/26/2026 15:30",
            f"https://www.facebook.com/loomwellroasters/posts/pfbid{post_id}",
            "0",
            "Lifetime",
            views,
            "5",
        ]
    )
    return header, out.getvalue()


def test_it_finds_handles_and_links_typed_in_a_facebook_caption(tmp_path):
    header, row = facebook_row(
        "Thanks @tova_pours and @Kettle.and.crumb! Mail hello@loomwell.example, "
        "more at https://www.loomwell.example/events. and (https://example.org/a)"
    )
    post = parse(FB_CONTENT, write_utf8(tmp_path, "m.csv", header + row)).posts[0]
    assert post.mentions == ("tova_pours", "kettle.and.crumb")
    assert post.links == ("https://www.loomwell.example/events", "https://example.org/a")


def test_it_keeps_formula_and_script_text_inert(tmp_path):
    caption = "=cmd|' /C calc'!A0 <script>alert(1)</script>"
    header, row = facebook_row(caption)
    post = parse(FB_CONTENT, write_utf8(tmp_path, "inert.csv", header + row)).posts[0]
    assert post.text == caption


def test_it_reports_a_bad_facebook_number_and_keeps_the_other_rows(tmp_path):
    header, good = facebook_row("fine", post_id="1")
    _, bad = facebook_row("broken", post_id="2", views="12x")
    _, also_good = facebook_row("also fine", post_id="3")
    result = parse(FB_CONTENT, write_utf8(tmp_path, "bad.csv", header + good + bad + also_good))
    assert [p.platform_id for p in result.posts] == ["1", "3"]
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "column “Views”: “12x” is not a number")
    ]


def test_it_reports_a_publish_time_it_cannot_read(tmp_path):
    header, row = facebook_row("x")
    row = row.replace("06/26/2026 15:30", "26.06.2026 15:30")
    result = parse(FB_CONTENT, write_utf8(tmp_path, "date.csv", header + row))
    assert result.posts == []
    assert result.errors[0].row == 2
    assert "“Publish time”: “26.06.2026 15:30”" in result.errors[0].message


def test_it_refuses_rows_that_are_not_lifetime_totals(tmp_path):
    header, row = facebook_row("x")
    row = row.replace("Lifetime", "2026-06-26")
    result = parse(FB_CONTENT, write_utf8(tmp_path, "day.csv", header + row))
    assert result.posts == []
    assert "Date = Lifetime" in result.errors[0].message


def test_it_refuses_a_second_page_in_the_same_export(tmp_path):
    header, first = facebook_row("a", post_id="1", page_id="9")
    _, second = facebook_row("b", post_id="2", page_id="8")
    result = parse(FB_CONTENT, write_utf8(tmp_path, "two.csv", header + first + second))
    assert [p.platform_id for p in result.posts] == ["1"]
    assert result.errors[0].row == 3
    assert "“Page ID”: “8”" in result.errors[0].message


def test_it_names_no_account_when_no_permalink_has_a_page_path(tmp_path):
    header, row = facebook_row("a reel")
    row = row.replace(
        "https://www.facebook.com/loomwellroasters/posts/pfbid1", "https://www.facebook.com/reel/1/"
    )
    result = parse(FB_CONTENT, write_utf8(tmp_path, "reel.csv", header + row))
    assert result.accounts == []
    assert len(result.posts) == 1


def test_it_names_the_missing_facebook_column(tmp_path):
    text = read_utf8(FB_Q2).replace('"Publish time"', '"Published"', 1)
    with pytest.raises(ImportFailed, match="“Publish time”"):
        parse(FB_CONTENT, write_utf8(tmp_path, "missing.csv", text))


def test_it_does_not_recognise_an_empty_file(tmp_path):
    empty = write_utf8(tmp_path, "empty.csv", "")
    assert not any(fmt.sniff(Source.from_path(empty)) for fmt in FORMATS)


@pytest.mark.parametrize("path", [FB_Q2, IG_Q2, FB_LEGACY_FILE, FB_PAGE_LEVEL / "Views.csv"])
def test_it_fails_cleanly_on_a_file_cut_in_half(tmp_path, path):
    data = path.read_bytes()
    cut = tmp_path / path.name
    # Half, plus a few bytes so that the cut falls inside a row (an even count, so that
    # UTF-16 stays decodable and the daily file reaches its parser).
    cut.write_bytes(data[: len(data) // 2 // 2 * 2 + 6])
    source = Source.from_path(cut)
    formats = [fmt for fmt in FORMATS if fmt.sniff(source)]
    assert formats
    for fmt in formats:
        try:
            records = list(fmt.parse(source, ParseContext()))
        except ImportFailed:
            continue
        assert any(isinstance(r, RowError) for r in records)


# --- Instagram content export -----------------------------------------------------------


def test_it_reads_every_post_of_the_instagram_q2_export():
    result = parse(IG_CONTENT, IG_Q2, tz="Europe/London")
    assert result.errors == []
    # README inventory: 26 posts; csv one-liner: 4 captions start with "📸 @".
    assert len(result.posts) == 26
    reshares = [p for p in result.posts if p.kind == PostKind.RESHARE]
    assert sorted(p.reshared_handle for p in reshares) == [
        "beanstat_weekly",
        "juniper_lane_bakes",
        "kettle_and_crumb",
        "origin_notes_mag",
    ]
    # csv one-liner sums: Views 82839, Reach 54746, Saves 527, and
    # Likes + Comments + Shares + Saves = 4307.
    assert total(result.posts, "impressions") == 82839
    assert total(result.posts, "reach") == 54746
    assert total(result.posts, "saves") == 527
    assert total(result.posts, "engagements") == 4307
    assert result.accounts == [AccountInfo("instagram", "loomwellroasters", "Loomwell Roasters")]


def test_it_reads_the_instagram_q3_export():
    result = parse(IG_CONTENT, IG_Q3)
    # README inventory: 22 posts; csv one-liner: 3 credits, Views 81822, engagements 3801.
    assert len(result.posts) == 22
    assert sum(p.kind == PostKind.RESHARE for p in result.posts) == 3
    assert total(result.posts, "impressions") == 81822
    assert total(result.posts, "engagements") == 3801


def test_it_reads_instagram_publish_times_as_london_summer_time():
    times = sorted(p.published_at for p in parse(IG_CONTENT, IG_Q2, tz="Europe/London").posts)
    # Earliest/latest Publish time: 04/02/2026 10:15 and 06/26/2026 15:30 (BST).
    assert times[0] == utc(2026, 4, 2, 9, 15)
    assert times[-1] == utc(2026, 6, 26, 14, 30)


def test_it_reads_one_instagram_post_completely():
    posts = by_id(parse(IG_CONTENT, IG_Q2).posts)
    post = posts["18387755493035641"]  # the first data row, read by eye
    assert post.text == (
        "Public cupping at the roastery next Thursday at 6pm. Free, but spots are limited.\n\n"
        "Link in bio → loomwell.example/events/public-cupping-july\n.\n#loomwellroasters"
    )
    assert post.permalink == "https://www.instagram.com/p/DzEZaeMduvm/"
    assert post.links == ("https://loomwell.example/events/public-cupping-july",)
    assert post.mentions == ()
    assert post.kind is None
    # Views, Reach, Likes, Shares, Comments, Saves = 2153, 1349, 93, 7, 1, 10.
    assert (post.impressions, post.reach, post.likes) == (2153, 1349, 93)
    assert (post.reshares, post.replies, post.saves) == (7, 1, 10)
    assert post.engagements == 93 + 1 + 7 + 10


def test_it_treats_a_photo_credit_as_a_reshare_and_not_a_mention():
    post = by_id(parse(IG_CONTENT, IG_Q2).posts)["18823932555307655"]
    assert post.kind == PostKind.RESHARE
    assert post.reshared_handle == "origin_notes_mag"
    assert post.mentions == ()
    assert post.text.startswith("📸 @origin_notes_mag\n\nInside the smallholder")


def instagram_file(caption: str, *, header: str | None = None, views: str = "10") -> str:
    header = (
        header
        if header is not None
        else (
            '"Post ID","Account ID","Account username","Account name",Description,'
            '"Duration (sec)","Publish time",Permalink,"Post type","Data comment",Date,'
            "Views,Reach,Likes,Shares,Follows,Comments,Saves\n"
        )
    )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [
            "1",
            "2",
            "loomwellroasters",
            "Loomwell Roasters",
            caption,
            "0",
            "06/26/2026 15:30",
            "https://www.instagram.com/p/abc/",
            "IG image",
            "",
            "Lifetime",
            views,
            "5",
            "4",
            "3",
            "0",
            "2",
            "1",
        ]
    )
    return header + out.getvalue()


@pytest.mark.parametrize(
    ("caption", "kind", "reshared", "mentions"),
    [
        ("📸 @tova_pours\n\nShot of the day", PostKind.RESHARE, "tova_pours", ()),
        ("📷: @tova_pours", PostKind.RESHARE, "tova_pours", ()),
        (
            "📸 by @Tova_Pours thanks @mara_cuppings",
            PostKind.RESHARE,
            "tova_pours",
            ("mara_cuppings",),
        ),
        ("Repost @beanstat_weekly", PostKind.RESHARE, "beanstat_weekly", ()),
        ("#regram from @kettle_and_crumb", PostKind.RESHARE, "kettle_and_crumb", ()),
        ("Reposted: @kettle_and_crumb", PostKind.RESHARE, "kettle_and_crumb", ()),
        ("Great shot 📸 @tova_pours", None, "", ("tova_pours",)),
        ("@tova_pours thank you!", None, "", ("tova_pours",)),
        ("Reposting our favourite recipe", None, "", ()),
    ],
)
def test_it_reads_instagram_reshare_credits_only_at_the_start(
    tmp_path, caption, kind, reshared, mentions
):
    post = parse(IG_CONTENT, write_utf8(tmp_path, "c.csv", instagram_file(caption))).posts[0]
    assert post.kind == kind
    assert post.reshared_handle == reshared
    assert post.mentions == mentions


def test_it_reads_reordered_instagram_metrics_with_thousands_separators(tmp_path):
    header = (
        '"Post ID","Account ID","Account username","Account name",Description,'
        '"Duration (sec)","Publish time",Permalink,"Post type","Data comment",Date,'
        "Views,Likes,Shares,Comments,Saves,Reach,Follows\n"
    )
    text = instagram_file("hello", header=header, views="15,000")
    post = parse(IG_CONTENT, write_utf8(tmp_path, "r.csv", text)).posts[0]
    # Row values in file order: Views=15,000 Likes=5 Shares=4 Comments=3 Saves=0 Reach=2 Follows=1
    assert (post.impressions, post.likes, post.reshares) == (15000, 5, 4)
    assert (post.replies, post.saves, post.reach) == (3, 0, 2)
    assert post.engagements == 5 + 4 + 3 + 0


def test_it_reads_the_older_instagram_variant_with_impressions(tmp_path):
    text = read_utf8(IG_Q2).replace(",Views,", ",Impressions,", 1)
    result = parse(IG_CONTENT, write_utf8(tmp_path, "old.csv", text))
    assert total(result.posts, "impressions") == 82839


def test_it_leaves_instagram_engagements_unknown_without_saves(tmp_path):
    text = read_utf8(IG_Q2).replace(",Saves\n", ",Saved\n", 1)
    result = parse(IG_CONTENT, write_utf8(tmp_path, "nosaves.csv", text))
    assert all(p.engagements is None and p.saves is None for p in result.posts)
    assert total(result.posts, "likes") > 0


def test_it_names_the_missing_instagram_column(tmp_path):
    text = read_utf8(IG_Q2).replace(",Permalink,", ",Link,", 1)
    with pytest.raises(ImportFailed, match="“Permalink”"):
        parse(IG_CONTENT, write_utf8(tmp_path, "missing.csv", text))


def test_it_reports_a_bad_instagram_number_with_its_line(tmp_path):
    text = instagram_file("ok") + instagram_file("bad", header="", views="many").replace(
        "1,2,", "7,2,", 1
    )
    result = parse(IG_CONTENT, write_utf8(tmp_path, "bad.csv", text))
    assert [p.platform_id for p in result.posts] == ["1"]
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "column “Views”: “many” is not a number")
    ]


def test_it_reads_both_quarters_from_one_folder(tmp_path):
    folder = tmp_path / "instagram"
    folder.mkdir()
    for path in (IG_Q2, IG_Q3):
        (folder / path.name).write_bytes(path.read_bytes())
    result = parse(IG_CONTENT, folder)
    assert len(result.posts) == 26 + 22  # README inventory
    assert len(result.accounts) == 1


# --- daily per-metric files ---------------------------------------------------------------


def test_it_reads_the_facebook_daily_folder():
    source = Source.from_path(FB_PAGE_LEVEL)
    assert FB_DAILY.sniff(source)
    # "Facebook follows" etc. name the platform: the folder is not an Instagram one.
    assert not IG_DAILY.sniff(source)
    result = parse(FB_DAILY, FB_PAGE_LEVEL)
    assert result.errors == []
    assert result.posts == [] and result.accounts == []
    # README inventory: 5 files × 183 days.
    assert len(result.observations) == 5 * 183
    # iconv -f utf-16 | awk: sums of the Primary column and the 2026-07-01 / 09-30 values.
    views = result.series("impressions")
    assert len(views) == 183
    assert views[date(2026, 7, 1)] == Decimal("595")
    assert sum(views.values()) == Decimal("115407")
    assert sum(result.series("new_followers").values()) == Decimal("1571")
    assert result.series("new_followers")[date(2026, 9, 30)] == Decimal("8")
    assert sum(result.series("profile_visits").values()) == Decimal("15479")
    assert sum(result.series("engagements").values()) == Decimal("10135")
    assert sum(result.series("link_clicks").values()) == Decimal("2355")
    assert min(views) == date(2026, 4, 1) and max(views) == date(2026, 9, 30)


def test_it_reads_the_instagram_daily_folder():
    source = Source.from_path(IG_ACCOUNT_LEVEL)
    assert IG_DAILY.sniff(source)
    assert not FB_DAILY.sniff(source)
    result = parse(IG_DAILY, IG_ACCOUNT_LEVEL)
    assert result.errors == []
    # README inventory: 3 files × 183 days; iconv | awk for the sums and the 2026-07-01 values.
    assert len(result.observations) == 3 * 183
    assert result.series("impressions")[date(2026, 7, 1)] == Decimal("1666")
    assert sum(result.series("reach").values()) == Decimal("202192")
    assert sum(result.series("new_followers").values()) == Decimal("2383")
    assert result.series("new_followers")[date(2026, 9, 30)] == Decimal("15")


def test_a_lone_file_with_a_platform_free_title_fits_both_platforms():
    # Facebook's and Instagram's Views.csv are both titled just "Views": the content cannot
    # tell them apart, so both daily formats accept it and the user's account decides.
    for path in (FB_PAGE_LEVEL / "Views.csv", IG_ACCOUNT_LEVEL / "Views.csv"):
        source = Source.from_path(path)
        assert FB_DAILY.sniff(source) and IG_DAILY.sniff(source)
    follows = Source.from_path(FB_PAGE_LEVEL / "Follows.csv")
    assert FB_DAILY.sniff(follows) and not IG_DAILY.sniff(follows)
    ig_follows = Source.from_path(IG_ACCOUNT_LEVEL / "Follows.csv")
    assert IG_DAILY.sniff(ig_follows) and not FB_DAILY.sniff(ig_follows)


def test_it_does_not_take_a_folder_mixing_facebook_and_instagram_files(tmp_path):
    for path in (FB_PAGE_LEVEL / "Follows.csv", IG_ACCOUNT_LEVEL / "Follows.csv"):
        (tmp_path / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    source = Source.from_path(tmp_path)
    assert not FB_DAILY.sniff(source)
    assert not IG_DAILY.sniff(source)


def test_it_lists_the_titles_it_understands_for_an_unknown_metric(tmp_path):
    path = write_utf16(tmp_path, "x.csv", daily_file("Facebook reactions", [("2026-04-01", "3")]))
    with pytest.raises(ImportFailed, match=r"“Facebook reactions”.*“Facebook follows”"):
        parse(FB_DAILY, path)


def test_it_leaves_missing_days_out(tmp_path):
    text = daily_file(
        "Instagram follows",
        [("2026-04-01T00:00:00", "4"), ("2026-04-03T00:00:00", "5"), ("2026-04-04T00:00:00", "")],
    )
    result = parse(IG_DAILY, write_utf16(tmp_path, "f.csv", text))
    assert result.series("new_followers") == {
        date(2026, 4, 1): Decimal("4"),
        date(2026, 4, 3): Decimal("5"),
    }


def test_it_reports_a_bad_daily_value_with_its_line(tmp_path):
    text = daily_file(
        "Facebook visits",
        [("2026-04-01T00:00:00", "4"), ("2026-04-02T00:00:00", "4x"), ("2026-04-03", "6")],
    )
    result = parse(FB_DAILY, write_utf16(tmp_path, "v.csv", text))
    assert [(e.row, e.message) for e in result.errors] == [
        (5, "column “Primary”: “4x” is not a number")
    ]
    assert result.series("profile_visits") == {
        date(2026, 4, 1): Decimal("4"),
        date(2026, 4, 3): Decimal("6"),
    }


def test_it_reports_a_daily_date_it_cannot_read(tmp_path):
    text = daily_file("Facebook visits", [("04/01/2026", "4"), ("2026-04-02T07:00:00", "4")])
    result = parse(FB_DAILY, write_utf16(tmp_path, "v.csv", text))
    assert [e.row for e in result.errors] == [4, 5]
    assert "“04/01/2026”" in result.errors[0].message
    assert result.observations == []


def test_it_takes_an_extra_daily_column_but_not_a_missing_primary(tmp_path):
    text = 'sep=,\n"Facebook visits"\n"Date","Primary","Comparison"\n"2026-04-01","1","2"\n'
    # An extra column is fine …
    assert parse(FB_DAILY, write_utf16(tmp_path, "ok.csv", text)).errors == []
    # … a file whose header is not Date/Primary is not a Meta daily file at all.
    bad = write_utf16(tmp_path, "bad.csv", text.replace('"Primary"', '"Value"'))
    assert not FB_DAILY.sniff(Source.from_path(bad))


def test_it_reads_a_daily_file_saved_as_utf8(tmp_path):
    text = daily_file("Instagram reach", [("2026-04-01T00:00:00", "1,113")])
    result = parse(IG_DAILY, write_utf8(tmp_path, "r.csv", text))
    assert result.series("reach") == {date(2026, 4, 1): Decimal("1113")}


# --- legacy Facebook post export ---------------------------------------------------------


def test_it_reads_the_legacy_facebook_export():
    result = parse(FB_LEGACY, FB_LEGACY_FILE, tz="Europe/London")
    assert result.errors == []
    # README inventory: 48 posts after the 2 header rows.
    assert len(result.posts) == 48
    # csv one-liner over rows 3+: first occurrence of each column.
    assert total(result.posts, "reach") == 59212
    assert total(result.posts, "impressions") == 97405
    assert total(result.posts, "engagements") == 3330
    # 10 rows have video columns; Organic + Paid Video Views (Total Count) = 11068.
    assert sum(p.video_views is not None for p in result.posts) == 10
    assert total(result.posts, "video_views") == 11068
    assert all(p.likes is None and p.clicks is None and p.kind is None for p in result.posts)
    # Posted: first row 9/29/2026 14:20, last row 4/2/2026 10:15 (BST).
    times = sorted(p.published_at for p in result.posts)
    assert times[0] == utc(2026, 4, 2, 9, 15)
    assert times[-1] == utc(2026, 9, 29, 13, 20)
    assert result.accounts == [AccountInfo("facebook", "loomwellroasters", "")]


def test_it_reads_one_legacy_post_completely():
    posts = by_id(parse(FB_LEGACY, FB_LEGACY_FILE).posts)
    # Row with Post ID 100089412345678_5595836490869837 (a video); csv one-liner for columns
    # 8, 11, 14, 30 and 32 (reach, impressions, engaged users, organic/paid video views).
    post = posts["5595836490869837"]
    assert post.permalink == "https://www.facebook.com/loomwellroasters/posts/5595836490869837"
    assert post.published_at == utc(2026, 9, 11, 11, 50)
    assert post.text.startswith("Grind size cheat sheet: French press coarse")
    assert (post.reach, post.impressions, post.engagements) == (1818, 3154, 80)
    assert post.video_views == 1178 + 0
    first = posts["8521390055408988"]
    assert first.row == 3  # line 2 holds the definitions
    # The same post ids as the current content export, so both upsert the same posts.
    assert set(posts) == {p.platform_id for p in parse(FB_CONTENT, FB_Q2).posts} | {
        p.platform_id for p in parse(FB_CONTENT, FB_Q3).posts
    }


def test_it_reads_a_legacy_export_without_the_definitions_row(tmp_path):
    lines = read_utf8(FB_LEGACY_FILE).split("\n")
    text = "\n".join([lines[0], *lines[2:]])
    result = parse(FB_LEGACY, write_utf8(tmp_path, "nodefs.csv", text))
    assert result.errors == []
    assert len(result.posts) == 48


def test_it_maps_the_per_action_legacy_columns_when_present(tmp_path):
    header = (
        '"Post ID",Permalink,"Post Message",Posted,"Lifetime Post Total Reach",'
        '"Lifetime Post Stories by action type - like",'
        '"Lifetime Post Stories by action type - comment",'
        '"Lifetime Post Stories by action type - share",'
        '"Lifetime Post Consumptions by type - link clicks"\n'
    )
    row = "9_1,https://www.facebook.com/loomwellroasters/posts/1:0,hi,4/2/2026 9:05,10,4,3,2,1\n"
    post = parse(FB_LEGACY, write_utf8(tmp_path, "wide.csv", header + row)).posts[0]
    assert (post.likes, post.replies, post.reshares, post.clicks) == (4, 3, 2, 1)
    assert post.published_at == utc(2026, 4, 2, 9, 5)
    assert post.platform_id == "1"


def test_it_reports_a_bad_legacy_number_and_keeps_the_other_rows(tmp_path):
    lines = read_utf8(FB_LEGACY_FILE).split("\n")
    # line 3 is the first post; its reach (column 9) is 2275.
    lines[2] = lines[2].replace(",2275,2275,", ",22x75,2275,", 1)
    result = parse(FB_LEGACY, write_utf8(tmp_path, "bad.csv", "\n".join(lines)))
    assert len(result.posts) == 47
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "column “Lifetime Post Total Reach”: “22x75” is not a number")
    ]


def test_it_names_the_missing_legacy_column(tmp_path):
    text = read_utf8(FB_LEGACY_FILE).replace(",Posted,", ",Created,", 1)
    with pytest.raises(ImportFailed, match="“Posted”"):
        parse(FB_LEGACY, write_utf8(tmp_path, "missing.csv", text))


# --- sniffing ---------------------------------------------------------------------------------


OWN_SAMPLES = {
    FB_Q2: "facebook_content",
    FB_Q3: "facebook_content",
    IG_Q2: "instagram_content",
    IG_Q3: "instagram_content",
    FB_LEGACY_FILE: "facebook_legacy",
    FB_PAGE_LEVEL / "Follows.csv": "facebook_daily",
    IG_ACCOUNT_LEVEL / "Follows.csv": "instagram_daily",
}


@pytest.mark.parametrize(("path", "key"), OWN_SAMPLES.items(), ids=lambda v: getattr(v, "name", v))
def test_each_meta_sample_is_recognised_by_its_own_format_only(path, key):
    source = Source.from_path(path)
    assert [fmt.key for fmt in FORMATS if fmt.sniff(source)] == [key]


def test_it_rejects_every_other_platforms_sample():
    if not SHARED_EXPORTS.exists():
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    own = {SHARED_EXPORTS / "facebook", SHARED_EXPORTS / "instagram"}
    checked = 0
    for path in sorted(SHARED_EXPORTS.rglob("*")):
        if not path.is_file() or any(folder in path.parents for folder in own):
            continue
        try:
            source = Source.from_path(path)
        except ImportFailed:
            continue
        checked += 1
        assert [fmt.key for fmt in FORMATS if fmt.sniff(source)] == [], path
    assert checked > 10


def test_it_rejects_near_misses(tmp_path):
    # A content export without "Page ID" (another tool's post list) is not Meta's.
    text = read_utf8(FB_Q2).replace('"Page ID"', '"Account"', 1)
    assert not FB_CONTENT.sniff(Source.from_path(write_utf8(tmp_path, "a.csv", text)))
    # An Instagram stories-like file lacking the account columns.
    text = read_utf8(IG_Q2).replace('"Account ID"', '"Story ID"', 1)
    assert not IG_CONTENT.sniff(Source.from_path(write_utf8(tmp_path, "b.csv", text)))
    # A legacy export without its reach column (e.g. a page-level legacy export).
    text = read_utf8(FB_LEGACY_FILE).replace("Lifetime Post Total Reach", "Lifetime Total Reach", 1)
    assert not FB_LEGACY.sniff(Source.from_path(write_utf8(tmp_path, "c.csv", text)))
    # A plain two-column CSV with Date/Primary but no title line.
    plain = write_utf16(tmp_path, "d.csv", '"Date","Primary"\n"2026-04-01","1"\n')
    assert not FB_DAILY.sniff(Source.from_path(plain))
    assert not IG_DAILY.sniff(Source.from_path(plain))
    # Binary junk never raises.
    junk = tmp_path / "e.csv"
    junk.write_bytes(b"\xff\xfe\x00\xd8" * 10)
    assert not any(fmt.sniff(Source.from_path(junk)) for fmt in FORMATS)


@pytest.mark.parametrize("title", ["Viewers", "Facebook viewers", "Reach"])
def test_viewers_the_name_that_replaced_reach_reads_as_reach(tmp_path, title):
    text = daily_file(title, [("2026-04-01T00:00:00", "412"), ("2026-04-02T00:00:00", "398")])
    result = parse(FB_DAILY, write_utf16(tmp_path, "Viewers.csv", text))
    assert result.errors == []
    assert result.series("reach") == {
        date(2026, 4, 1): Decimal("412"),
        date(2026, 4, 2): Decimal("398"),
    }
