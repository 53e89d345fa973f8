"""X / Twitter importers: legacy tweet activity CSV, account analytics content and overview
CSVs, and the data archive.

Expected numbers were computed independently of the parser, from the raw files, with
throwaway `python3 -c` one-liners using only the csv/json modules (noted at each assert), or
taken from shared/exports/README.md's inventory and real/SOURCES.md.
"""

from __future__ import annotations

import csv
import inspect
import shutil
import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from metrics.catalog import CATALOG
from metrics.importers.common import ImportFailed, Member, ParseContext, Source
from metrics.importers.x import FORMATS
from metrics.ingest.records import PostKind, RowError
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse, real_export

FMT = {f.key: f for f in FORMATS}
LEGACY = FMT["x_tweet_activity"]
CONTENT = FMT["x_content"]
OVERVIEW = FMT["x_overview"]
ARCHIVE = FMT["x_archive"]

X = FIXTURES / "x"
LEGACY_Q2 = X / "analytics_legacy" / "tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
LEGACY_Q3 = X / "analytics_legacy" / "tweet_activity_metrics_loomwellroast_20260701_20261001_en.csv"
CONTENT_Q2 = X / "analytics" / "account_analytics_content_2026-04-01_2026-06-30.csv"
CONTENT_Q3 = X / "analytics" / "account_analytics_content_2026-06-30_2026-09-28.csv"
CONTENT_TAIL = X / "analytics" / "account_analytics_content_2026-09-28_2026-10-01.csv"
OVERVIEW_CSV = X / "analytics" / "account_overview_analytics.csv"
ARCHIVE_DIR = (
    X
    / "archive"
    / "twitter-2026-10-02-24bd266b1957d55c672c13e3f561581c072e58b3c4a0780ccd5489c725313c2f"
)
TWEETS_JS = ARCHIVE_DIR / "data" / "tweets.js"


def run(fmt, source, *, tz="UTC", today=date(2026, 10, 2)):
    """Parse a Source (for variants built in memory) into lists by record type."""
    records = list(fmt.parse(source, ParseContext(tz=ZoneInfo(tz), today=today)))
    errors = [r for r in records if isinstance(r, RowError)]
    return records, errors


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def read_rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(path, rows, *, quote_all=False):
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    return path


def without_column(rows, name):
    index = rows[0].index(name)
    return [[cell for i, cell in enumerate(row) if i != index] for row in rows]


def reordered_with_extra(rows):
    """Columns reversed, plus a column the parser does not know."""
    return [[*reversed(row), "extra" if i == 0 else "x"] for i, row in enumerate(rows)]


def sniff_safely(fmt, path):
    try:
        source = Source.from_path(path)
    except ImportFailed:
        return False
    return fmt.sniff(source)


# --- 1. legacy tweet activity CSV ----------------------------------------------------------


def test_it_reads_the_legacy_q2_file_posts_replies_and_counts():
    result = parse(LEGACY, LEGACY_Q2)

    assert result.errors == []
    assert [a.handle for a in result.accounts] == ["loomwellroast"]
    # rows: len(list(csv.reader(f))) - 1; replies: rows whose "Tweet text" starts with "@"
    assert len(result.posts) == 31
    assert Counter(p.kind for p in result.posts) == {None: 24, PostKind.REPLY: 7}
    # sums of float(column) over the raw rows
    assert sum(p.impressions for p in result.posts) == 58446
    assert sum(p.engagements for p in result.posts) == 2827
    assert sum(p.likes for p in result.posts) == 1118
    assert sum(p.reshares for p in result.posts) == 141  # "retweets"
    assert sum(p.replies for p in result.posts) == 149
    assert sum(p.clicks for p in result.posts) == 406  # "url clicks"
    assert sum(p.video_views for p in result.posts) == 0  # "media views"
    # min/max of the "time" column
    assert min(p.published_at for p in result.posts) == utc(2026, 4, 2, 9, 15)
    assert max(p.published_at for p in result.posts) == utc(2026, 6, 30, 12, 0)
    assert all(p.saves is None and p.reach is None for p in result.posts)


def test_it_reads_the_legacy_q3_file():
    result = parse(LEGACY, LEGACY_Q3)

    assert result.errors == []
    assert len(result.posts) == 24  # csv rows - header
    assert sum(p.kind == PostKind.REPLY for p in result.posts) == 4  # texts starting with "@"
    assert sum(p.impressions for p in result.posts) == 56011  # sum of float(impressions)
    assert max(p.published_at for p in result.posts) == utc(2026, 9, 29, 13, 20)


def test_it_reads_one_legacy_post_in_full():
    post = next(p for p in parse(LEGACY, LEGACY_Q2).posts if p.platform_id == "2039632679534012671")

    # The raw row (grep -n: it starts on line 50) has "&amp;" and a t.co link.
    assert post.row == 50
    assert post.text == (
        "Spring single-origin is here: a washed Huila lot with red apple & panela notes. "
        "Limited roast run this week. #specialtycoffee\n\nhttps://t.co/zIGH23lPYn"
    )
    assert post.permalink == "https://twitter.com/loomwellroast/status/2039632679534012671"
    assert post.published_at == utc(2026, 4, 2, 9, 15)
    assert post.kind is None
    assert post.mentions == ()
    assert post.links == ()  # t.co short links hide the destination: not reported as links
    assert (post.impressions, post.engagements, post.reshares, post.replies) == (2280, 126, 8, 6)
    assert (post.likes, post.clicks) == (53, 26)


def test_it_marks_a_legacy_reply_and_its_handle():
    post = parse(LEGACY, LEGACY_Q2).posts[0]  # first data row

    assert post.text.startswith("@northgate_deli the new batch brew recipe")
    assert post.kind == PostKind.REPLY
    assert post.in_reply_to_handle == "northgate_deli"
    assert post.mentions == ("northgate_deli",)


@pytest.mark.parametrize(
    ("name", "rows", "replies", "impressions"),
    [
        # rows and replies: real/SOURCES.md; impressions: sum(float(r[4])) over the raw rows
        ("tweet_activity_metrics_rOpenSci_20170101_20170201_en.csv", 37, 3, 103068),
        ("tweet_activity_metrics_rOpenSci_20200101_20200201_en.csv", 9, 2, 47921),
        ("tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv", 33, 3, 131651),
    ],
)
def test_it_reads_the_real_ropensci_exports(name, rows, replies, impressions):
    result = parse(LEGACY, real_export(f"ropensci-tweets/{name}"))

    assert result.errors == []
    assert [a.handle for a in result.accounts] == ["ropensci"]
    assert len(result.posts) == rows
    assert sum(p.kind == PostKind.REPLY for p in result.posts) == replies
    assert sum(p.impressions for p in result.posts) == impressions
    assert len({p.platform_id for p in result.posts}) == rows


def test_it_reads_a_real_reply_with_inline_mentions_and_an_entity():
    path = real_export("ropensci-tweets/tweet_activity_metrics_rOpenSci_20200101_20200201_en.csv")
    post = parse(LEGACY, path).posts[0]

    # raw: "@urganmax Kudos to @thosjleeper &amp; @tpaskhalis for development ..."
    assert post.text == (
        "@urganmax Kudos to @thosjleeper & @tpaskhalis for development and maintenance of "
        "tabulizer!"
    )
    assert post.kind == PostKind.REPLY
    assert post.in_reply_to_handle == "urganmax"
    assert post.mentions == ("urganmax", "thosjleeper", "tpaskhalis")
    assert post.published_at == utc(2020, 1, 31, 16, 59)
    assert post.permalink == "https://twitter.com/rOpenSci/status/1223289693820710912"


def test_it_reads_the_real_2021_file_first_row_and_media_views():
    path = real_export("ropensci-tweets/tweet_activity_metrics_rOpenSci_20211101_20211201_en.csv")
    result = parse(LEGACY, path)

    first = result.posts[0]
    assert first.published_at == utc(2021, 11, 30, 16, 0)  # "2021-11-30 16:00 +0000"
    assert (first.impressions, first.engagements) == (1777, 5)  # "1777.0", "5.0"
    assert sum(p.video_views for p in result.posts) == 108  # sum(int(media views))


def test_it_keeps_the_legacy_offset_whatever_the_team_zone():
    result = parse(LEGACY, LEGACY_Q2, tz="Europe/London")

    # "2026-06-30 12:00 +0000" is UTC already; London's BST does not shift it.
    assert result.posts[0].published_at == utc(2026, 6, 30, 12, 0)


def test_it_refuses_a_legacy_file_without_the_impressions_column(tmp_path):
    path = write_rows(
        tmp_path / "no_impressions.csv", without_column(read_rows(LEGACY_Q2), "impressions")
    )

    with pytest.raises(ImportFailed, match="“impressions”"):
        parse(LEGACY, path)


def test_it_reports_a_bad_legacy_number_with_its_line_and_reads_the_rest(tmp_path):
    rows = read_rows(LEGACY_Q2)
    rows[3][4] = "12x"  # the third data row's impressions
    path = write_rows(tmp_path / "bad.csv", rows, quote_all=True)

    result = parse(LEGACY, path)

    assert len(result.errors) == 1
    # that row starts on line 6 (grep -n): the row before it spans lines 3-5
    assert result.errors[0].row == 6
    assert "“impressions”" in result.errors[0].message
    assert "“12x” is not a number" in result.errors[0].message
    assert len(result.posts) == 30


def test_it_reports_a_bad_legacy_time(tmp_path):
    rows = read_rows(LEGACY_Q2)
    rows[1][3] = "30/06/2026 12:00"
    path = write_rows(tmp_path / "bad_time.csv", rows, quote_all=True)

    result = parse(LEGACY, path)

    assert [(e.row, "“time”" in e.message) for e in result.errors] == [(2, True)]


def test_it_refuses_to_mix_two_accounts_in_one_legacy_file(tmp_path):
    rows = read_rows(LEGACY_Q2)
    rows[2][1] = rows[2][1].replace("loomwellroast", "someone_else")
    path = write_rows(tmp_path / "mixed.csv", rows, quote_all=True)

    result = parse(LEGACY, path)

    assert [e.row for e in result.errors] == [3]
    assert "@someone_else" in result.errors[0].message


def test_it_rejects_an_empty_legacy_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    assert not LEGACY.sniff(Source.from_path(path))
    with pytest.raises(ImportFailed):
        list(LEGACY.parse(Source.from_path(path), ParseContext()))


def test_it_never_crashes_on_a_truncated_legacy_file():
    data = LEGACY_Q2.read_bytes()
    source = Source.from_bytes("cut.csv", data[: len(data) // 2])

    assert LEGACY.sniff(source)
    try:
        _records, errors = run(LEGACY, source)
    except ImportFailed:
        return
    assert errors  # the cut last row is reported, not silently taken


def test_it_reads_a_legacy_file_with_reordered_and_extra_columns(tmp_path):
    path = write_rows(tmp_path / "reordered.csv", reordered_with_extra(read_rows(LEGACY_Q2)))

    result = parse(LEGACY, path)

    assert result.errors == []
    assert len(result.posts) == 31
    assert sum(p.impressions for p in result.posts) == 58446
    assert sum(p.kind == PostKind.REPLY for p in result.posts) == 7


def test_it_keeps_formula_and_script_text_inert_in_a_legacy_file(tmp_path):
    rows = read_rows(LEGACY_Q2)
    rows[1][2] = "=cmd|' /C calc'!A0"
    rows[2][2] = "<script>alert(1)</script> hi"
    path = write_rows(tmp_path / "evil.csv", rows, quote_all=True)

    posts = parse(LEGACY, path).posts

    assert posts[0].text == "=cmd|' /C calc'!A0"
    assert posts[1].text == "<script>alert(1)</script> hi"


def test_it_finds_typed_mentions_but_not_emails_or_url_paths(tmp_path):
    rows = read_rows(LEGACY_Q2)
    rows[1][2] = ".@tova_pours and @Mara_Cuppings: write to hello@loomwell.example"
    rows[2][2] = "Read https://medium.example/@someone/post by @someone (thanks @someone!)"
    rows[3][2] = "RT @kettle_and_crumb: Second location opens Friday, says @tova_pours"
    path = write_rows(tmp_path / "mentions.csv", rows, quote_all=True)

    posts = parse(LEGACY, path).posts

    assert posts[0].kind is None  # ".@" is the public-mention convention, not a reply
    assert posts[0].mentions == ("tova_pours", "mara_cuppings")
    assert posts[1].mentions == ("someone",)
    assert posts[1].links == ("https://medium.example/@someone/post",)
    assert posts[2].kind == PostKind.RESHARE
    assert posts[2].reshared_handle == "kettle_and_crumb"
    assert posts[2].mentions == ()


# --- 2a. account analytics content CSV -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rows", "replies", "impressions", "bookmarks"),
    [
        # csv rows - header; texts starting with "@"; sum(int(Impressions)); sum(int(Bookmarks))
        (CONTENT_Q2, 30, 6, 58169, 92),
        (CONTENT_Q3, 24, 5, 51788, 132),
        (CONTENT_TAIL, 1, 0, 4500, 1),
    ],
)
def test_it_reads_the_content_files(path, rows, replies, impressions, bookmarks):
    result = parse(CONTENT, path)

    assert result.errors == []
    assert [a.handle for a in result.accounts] == ["loomwellroast"]
    assert len(result.posts) == rows
    assert sum(p.kind == PostKind.REPLY for p in result.posts) == replies
    assert sum(p.impressions for p in result.posts) == impressions
    assert sum(p.saves for p in result.posts) == bookmarks
    assert all(p.video_views is None for p in result.posts)


def test_it_times_content_posts_from_their_snowflake_ids():
    result = parse(CONTENT, CONTENT_Q2)

    # datetime.fromtimestamp(((id >> 22) + 1288834974657) / 1000, UTC), min and max
    assert min(p.published_at for p in result.posts) == utc(2026, 4, 2, 9, 15)
    assert max(p.published_at for p in result.posts) == utc(2026, 6, 26, 14, 30)


def test_it_reads_one_content_post_in_full():
    post = next(
        p for p in parse(CONTENT, CONTENT_Q2).posts if p.platform_id == "2039632679534012671"
    )

    # The raw row (line 31): Impressions 2280, Likes 53, Engagements 126, Bookmarks 0,
    # Replies 6, Reposts 8, URL Clicks 26; text with "&amp;".
    assert post.row == 31
    assert post.text == (
        "Spring single-origin is here: a washed Huila lot with red apple & panela notes. "
        "Limited roast run this week. #specialtycoffee https://t.co/zIGH23lPYn"
    )
    assert post.permalink == "https://x.com/loomwellroast/status/2039632679534012671"
    assert post.published_at == utc(2026, 4, 2, 9, 15)
    assert (post.impressions, post.likes, post.engagements, post.saves) == (2280, 53, 126, 0)
    assert (post.replies, post.reshares, post.clicks) == (6, 8, 26)
    assert post.links == ()


def test_it_marks_content_replies():
    post = next(p for p in parse(CONTENT, CONTENT_Q3).posts if p.text.startswith("@tova_pours"))

    assert post.kind == PostKind.REPLY
    assert post.in_reply_to_handle == "tova_pours"
    assert post.mentions == ("tova_pours",)


def test_it_reads_a_folder_of_consecutive_content_files(tmp_path):
    for path in (CONTENT_Q2, CONTENT_Q3, CONTENT_TAIL):
        shutil.copy(path, tmp_path / path.name)

    result = parse(CONTENT, tmp_path)

    assert len(result.posts) == 55  # 30 + 24 + 1 (README inventory)
    assert len({p.platform_id for p in result.posts}) == 55
    assert len(result.accounts) == 1


def test_it_uses_local_midnight_for_a_content_post_without_a_snowflake_id(tmp_path):
    rows = read_rows(CONTENT_Q2)
    rows = [rows[0], rows[-1]]  # the "Thu, Apr 2, 2026" row
    rows[1][0] = "20"  # a sequential id from 2006, which encodes no time
    rows[1][3] = "https://x.com/loomwellroast/status/20"
    path = write_rows(tmp_path / "old.csv", rows)

    result = parse(CONTENT, path, tz="Europe/London")

    # midnight of 2 April 2026 in London (BST, UTC+1) is 23:00 UTC the day before
    assert result.posts[0].published_at == utc(2026, 4, 1, 23, 0)


def test_it_reports_a_content_date_that_contradicts_the_post_id(tmp_path):
    rows = read_rows(CONTENT_Q2)
    rows[2][1] = "Tue, Jan 6, 2026"
    path = write_rows(tmp_path / "contradiction.csv", rows)

    result = parse(CONTENT, path)

    assert [e.row for e in result.errors] == [3]
    assert "Tue, Jan 6, 2026" in result.errors[0].message
    assert len(result.posts) == 29


def test_it_reports_an_unknown_content_date_format(tmp_path):
    rows = read_rows(CONTENT_Q2)
    rows[1][1] = "26/06/2026"
    path = write_rows(tmp_path / "date.csv", rows)

    result = parse(CONTENT, path)

    assert [e.row for e in result.errors] == [2]
    assert "“Date”" in result.errors[0].message


def test_it_refuses_a_content_file_without_impressions(tmp_path):
    path = write_rows(tmp_path / "c.csv", without_column(read_rows(CONTENT_Q2), "Impressions"))

    with pytest.raises(ImportFailed, match="“Impressions”"):
        parse(CONTENT, path)


def test_it_reports_a_bad_content_number_and_reads_the_rest(tmp_path):
    rows = read_rows(CONTENT_Q2)
    rows[5][5] = "lots"  # Likes of the fifth data row, line 6
    path = write_rows(tmp_path / "c.csv", rows)

    result = parse(CONTENT, path)

    assert [e.row for e in result.errors] == [6]
    assert "column “Likes”: “lots” is not a number" in result.errors[0].message
    assert len(result.posts) == 29


def test_it_rejects_an_empty_content_file(tmp_path):
    path = tmp_path / "account_analytics_content_2026-04-01_2026-06-30.csv"
    path.write_text("")

    assert not CONTENT.sniff(Source.from_path(path))


def test_it_never_crashes_on_a_truncated_content_file():
    data = CONTENT_Q2.read_bytes()
    source = Source.from_bytes("cut.csv", data[: len(data) // 2])

    assert CONTENT.sniff(source)
    try:
        _records, errors = run(CONTENT, source)
    except ImportFailed:
        return
    assert errors  # the cut row is reported, not silently taken


def test_it_reads_a_content_file_with_reordered_and_extra_columns(tmp_path):
    path = write_rows(tmp_path / "c.csv", reordered_with_extra(read_rows(CONTENT_Q2)))

    result = parse(CONTENT, path)

    assert result.errors == []
    assert sum(p.impressions for p in result.posts) == 58169
    assert sum(p.saves for p in result.posts) == 92


def test_it_keeps_formula_and_script_text_inert_in_a_content_file(tmp_path):
    rows = read_rows(CONTENT_Q2)
    rows[1][2] = '=HYPERLINK("http://evil.example")'
    rows[2][2] = "<script>alert(1)</script>"
    path = write_rows(tmp_path / "c.csv", rows)

    posts = parse(CONTENT, path).posts

    assert posts[0].text == '=HYPERLINK("http://evil.example")'
    assert posts[1].text == "<script>alert(1)</script>"


# --- 2b. account overview CSV ------------------------------------------------------------------


def test_it_reads_the_daily_overview():
    result = parse(OVERVIEW, OVERVIEW_CSV)

    assert result.errors == []
    assert result.posts == [] and result.accounts == []
    # 183 rows (csv rows - header) x 10 mapped columns
    assert len(result.observations) == 1830
    assert {o.metric for o in result.observations} <= set(CATALOG)
    days = {o.day for o in result.observations}
    assert len(days) == 183
    assert (min(days), max(days)) == (date(2026, 4, 1), date(2026, 9, 30))
    # sum(int(column)) over the raw rows
    totals = Counter()
    for o in result.observations:
        totals[o.metric] += o.value
    assert totals == {
        "impressions": 150397,
        "likes": 2223,
        "engagements": 5780,
        "saves": 227,  # Bookmarks
        "new_followers": 395,  # New follows
        "unfollows": 182,
        "replies_received": 288,  # Replies
        "reshares_received": 254,  # Reposts
        "profile_visits": 846,
        "video_views": 0,
    }


def test_it_reads_one_overview_day():
    result = parse(OVERVIEW, OVERVIEW_CSV)

    # raw row "Tue, Sep 29, 2026",2988,66,134,1,1,2,1,2,2,15,1,0,0 (line 3)
    day = {o.metric: o.value for o in result.observations if o.day == date(2026, 9, 29)}
    assert day == {
        "impressions": Decimal(2988),
        "likes": Decimal(66),
        "engagements": Decimal(134),
        "saves": Decimal(1),
        "new_followers": Decimal(2),
        "unfollows": Decimal(1),
        "replies_received": Decimal(2),
        "reshares_received": Decimal(2),
        "profile_visits": Decimal(15),
        "video_views": Decimal(0),
    }
    assert {o.row for o in result.observations if o.day == date(2026, 9, 29)} == {3}


def test_it_reports_an_unknown_overview_date_format(tmp_path):
    rows = read_rows(OVERVIEW_CSV)
    rows[1][0] = "30/09/2026"
    path = write_rows(tmp_path / "o.csv", rows)

    result = parse(OVERVIEW, path)

    assert [e.row for e in result.errors] == [2]
    assert "column “Date”: “30/09/2026” is not a date" in result.errors[0].message
    assert len(result.observations) == 1820


def test_it_refuses_an_overview_without_impressions(tmp_path):
    path = write_rows(tmp_path / "o.csv", without_column(read_rows(OVERVIEW_CSV), "Impressions"))

    with pytest.raises(ImportFailed, match="“Impressions”"):
        parse(OVERVIEW, path)


def test_it_reports_a_bad_overview_number_and_reads_the_other_days(tmp_path):
    rows = read_rows(OVERVIEW_CSV)
    rows[4][6] = "1.5"  # New follows on line 5
    path = write_rows(tmp_path / "o.csv", rows)

    result = parse(OVERVIEW, path)

    assert [e.row for e in result.errors] == [5]
    assert "column “New follows”: “1.5” is not a whole number" in result.errors[0].message
    assert len(result.observations) == 1820


def test_it_reports_an_overview_day_given_twice_with_different_numbers(tmp_path):
    rows = read_rows(OVERVIEW_CSV)
    same = list(rows[1])
    different = list(rows[1])
    different[1] = "9999"
    path = write_rows(tmp_path / "o.csv", [*rows, same, different])

    result = parse(OVERVIEW, path)

    # the identical repeat (line 185) is skipped; the contradicting one (line 186) is an error
    assert [e.row for e in result.errors] == [186]
    assert "twice" in result.errors[0].message
    assert len(result.observations) == 1830


def test_it_rejects_an_empty_overview_and_never_crashes_on_a_truncated_one(tmp_path):
    path = tmp_path / "account_overview_analytics.csv"
    path.write_text("")
    assert not OVERVIEW.sniff(Source.from_path(path))

    data = OVERVIEW_CSV.read_bytes()
    source = Source.from_bytes("cut.csv", data[: len(data) // 2])
    assert OVERVIEW.sniff(source)
    try:
        _records, errors = run(OVERVIEW, source)
    except ImportFailed:
        return
    assert errors  # the cut row is reported, not silently taken


def test_it_reads_an_overview_with_reordered_and_extra_columns(tmp_path):
    path = write_rows(tmp_path / "o.csv", reordered_with_extra(read_rows(OVERVIEW_CSV)))

    result = parse(OVERVIEW, path)

    assert result.errors == []
    assert sum(o.value for o in result.observations if o.metric == "impressions") == 150397


# --- 3. the data archive -------------------------------------------------------------------


def test_it_reads_the_archive_folder():
    result = parse(ARCHIVE, ARCHIVE_DIR)

    assert result.errors == []
    assert [(a.handle, a.display_name) for a in result.accounts] == [
        ("loomwellroast", "Loomwell Roasters")
    ]
    # README inventory: 59 tweets: 11 replies, 4 RTs, 3 quotes, 18 link posts
    assert len(result.posts) == 59
    kinds = Counter(p.kind for p in result.posts)
    assert kinds[PostKind.REPLY] == 11
    assert kinds[PostKind.RESHARE] == 4
    assert kinds[PostKind.QUOTE] == 3
    assert sum(bool(p.links) for p in result.posts) == 18
    # sum(int(favorite_count)), sum(int(retweet_count)) over tweets.js
    assert sum(p.likes for p in result.posts) == 1978
    assert sum(p.reshares for p in result.posts) == 267
    assert all(p.impressions is None and p.replies is None for p in result.posts)
    # min/max created_at, read by hand from tweets.js
    assert min(p.published_at for p in result.posts) == utc(2026, 4, 2, 9, 15)
    assert max(p.published_at for p in result.posts) == utc(2026, 9, 29, 13, 20)
    # README: 71 followers, 25 following; manifest generationDate 2026-10-02T08:41:07.332Z
    assert result.series("followers") == {date(2026, 10, 2): Decimal(71)}
    assert result.series("following") == {date(2026, 10, 2): Decimal(25)}


def test_it_reads_archive_posts_in_full():
    posts = {p.platform_id: p for p in parse(ARCHIVE, ARCHIVE_DIR).posts}

    spring = posts["2039632679534012671"]  # item starts on line 2552 of tweets.js
    assert spring.row == 2552
    assert spring.text == (
        "Spring single-origin is here: a washed Huila lot with red apple & panela notes. "
        "Limited roast run this week. #specialtycoffee\n\nhttps://t.co/zIGH23lPYn"
    )
    assert spring.links == ("https://www.loomwell.example/shop/huila-spring-2026",)
    assert spring.permalink == "https://x.com/loomwellroast/status/2039632679534012671"
    assert spring.kind is None

    quote = posts["2085733952519770951"]
    assert quote.kind == PostKind.QUOTE
    assert quote.reshared_handle == "beanstat_weekly"
    assert quote.links == ()  # the only URL is the quoted post
    assert quote.mentions == ()
    assert (quote.likes, quote.reshares) == (45, 5)
    assert quote.published_at == utc(2026, 8, 7, 14, 25)

    retweet = posts["2075543052091981515"]
    assert retweet.kind == PostKind.RESHARE
    assert retweet.reshared_handle == "tova_pours"
    assert retweet.mentions == ()  # the RT @ prefix is not the brand's own text

    reply = posts["2099863304402618025"]
    assert reply.kind == PostKind.REPLY
    assert reply.in_reply_to_handle == "tova_pours"
    assert reply.mentions == ("tova_pours",)


def test_it_reads_the_archive_as_a_zip(tmp_path):
    archive = tmp_path / f"{ARCHIVE_DIR.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Your archive.html", "<html></html>")
        for path in sorted((ARCHIVE_DIR / "data").iterdir()):
            zf.write(path, f"data/{path.name}")

    result = parse(ARCHIVE, archive)

    assert len(result.posts) == 59
    assert result.series("followers") == {date(2026, 10, 2): Decimal(71)}
    assert [a.handle for a in result.accounts] == ["loomwellroast"]


def test_it_reads_a_lone_tweets_js(tmp_path):
    path = tmp_path / "tweets.js"
    shutil.copy(TWEETS_JS, path)

    result = parse(ARCHIVE, path)

    assert len(result.posts) == 59
    assert result.accounts == []
    assert result.observations == []
    assert result.posts[0].permalink == "https://x.com/i/web/status/2104924151609707945"

    named = parse(ARCHIVE, path, handle="@LoomwellRoast")
    assert named.accounts == []  # the file does not name the account; the user did
    assert named.posts[0].permalink == "https://x.com/loomwellroast/status/2104924151609707945"


def test_it_reads_a_pre_2022_archive_with_tweet_js(tmp_path):
    path = tmp_path / "tweet.js"
    path.write_text(
        TWEETS_JS.read_text().replace("window.YTD.tweets.part0", "window.YTD.tweet.part0")
    )

    assert len(parse(ARCHIVE, path).posts) == 59


def test_it_refuses_two_archives_given_together(tmp_path):
    shutil.copytree(ARCHIVE_DIR, tmp_path / "both" / "one")
    shutil.copytree(ARCHIVE_DIR, tmp_path / "both" / "two")

    with pytest.raises(ImportFailed, match="one archive at a time"):
        parse(ARCHIVE, tmp_path / "both")


def test_it_dates_archive_follower_counts_by_the_import_day_without_a_manifest(tmp_path):
    shutil.copytree(ARCHIVE_DIR, tmp_path / "archive")
    (tmp_path / "archive" / "data" / "manifest.js").unlink()

    result = parse(ARCHIVE, tmp_path / "archive", today=date(2026, 10, 5))

    assert result.series("followers") == {date(2026, 10, 5): Decimal(71)}
    assert [a.handle for a in result.accounts] == ["loomwellroast"]


def test_it_dates_the_archive_snapshot_in_the_team_zone(tmp_path):
    shutil.copytree(ARCHIVE_DIR, tmp_path / "archive")
    manifest = tmp_path / "archive" / "data" / "manifest.js"
    manifest.write_text(
        manifest.read_text().replace("2026-10-02T08:41:07.332Z", "2026-10-02T23:30:00.000Z")
    )

    result = parse(ARCHIVE, tmp_path / "archive", tz="Europe/London")

    # 23:30 UTC on 2 October is 00:30 BST on 3 October in London
    assert result.series("followers") == {date(2026, 10, 3): Decimal(71)}


def test_it_reads_a_split_archive(tmp_path):
    data = tmp_path / "archive" / "data"
    shutil.copytree(ARCHIVE_DIR / "data", data)
    text = TWEETS_JS.read_text()
    cut = text.index('  {\n    "tweet"', 1000)  # start of a later item
    (data / "tweets.js").write_text(text[:cut].rstrip().rstrip(",") + "\n]")
    (data / "tweets-part1.js").write_text("window.YTD.tweets.part1 = [\n" + text[cut:])

    result = parse(ARCHIVE, tmp_path / "archive")

    assert result.errors == []
    assert len(result.posts) == 59
    assert len({p.platform_id for p in result.posts}) == 59


NOTE_TWEETS = """window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : {
        "hashtags" : [ ],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [ ]
      },
      "favorite_count" : "7",
      "id_str" : "2100000000000000001",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "2100000000000000001",
      "created_at" : "Mon Sep 14 10:00:00 +0000 2026",
      "favorited" : false,
      "full_text" : "Our harvest report is long this year &amp; worth it: we visited six farms… https://t.co/AbCdEf1234",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "entities" : {
        "hashtags" : [ ],
        "symbols" : [ ],
        "user_mentions" : [ ],
        "urls" : [ ]
      },
      "favorite_count" : "2",
      "id_str" : "2100000000000000002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "2100000000000000002",
      "created_at" : "Tue Sep 15 10:00:00 +0000 2026",
      "favorited" : false,
      "full_text" : "Second long post, matched by its id… https://t.co/ZyXwVu9876",
      "lang" : "en"
    }
  }
]"""

NOTE_NOTES = """window.YTD.note_tweet.part0 = [
  {
    "noteTweet" : {
      "noteTweetId" : "2099999999999999999",
      "updatedAt" : "2026-09-14T10:00:00.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2026-09-14T10:00:00.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [
          {
            "expandedUrl" : "https://www.loomwell.example/journal/harvest-2026",
            "toIndex" : "140",
            "shortUrl" : "https://t.co/AbCdEf1234",
            "displayUrl" : "loomwell.example/journal/harv…",
            "fromIndex" : "117"
          }
        ],
        "text" : "Our harvest report is long this year & worth it: we visited six farms \
with @mara_cuppings and tasted every lot twice. https://t.co/AbCdEf1234",
        "mentions" : [
          {
            "screenName" : "mara_cuppings",
            "fromIndex" : "75",
            "toIndex" : "89"
          }
        ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  },
  {
    "noteTweet" : {
      "noteTweetId" : "2100000000000000002",
      "updatedAt" : "2026-09-15T10:00:00.000Z",
      "lifecycle" : {
        "value" : "1",
        "name" : "Active",
        "originalName" : "Active",
        "annotations" : { }
      },
      "createdAt" : "2026-09-15T10:00:00.000Z",
      "core" : {
        "styletags" : [ ],
        "urls" : [ ],
        "text" : "Second long post, matched by its id, and longer than 280 characters in full.",
        "mentions" : [ ],
        "cashtags" : [ ],
        "hashtags" : [ ]
      }
    }
  }
]"""


def test_it_takes_long_posts_full_text_from_note_tweet_js(tmp_path):
    data = tmp_path / "archive" / "data"
    data.mkdir(parents=True)
    (data / "tweets.js").write_text(NOTE_TWEETS)
    (data / "note-tweet.js").write_text(NOTE_NOTES)

    posts = {p.platform_id: p for p in parse(ARCHIVE, tmp_path / "archive").posts}

    # matched by the cut text being the start of the note (ids differ, as in real archives)
    by_prefix = posts["2100000000000000001"]
    assert by_prefix.text.endswith("tasted every lot twice. https://t.co/AbCdEf1234")
    assert by_prefix.mentions == ("mara_cuppings",)
    assert by_prefix.links == ("https://www.loomwell.example/journal/harvest-2026",)
    # matched by id
    assert posts["2100000000000000002"].text.endswith("longer than 280 characters in full.")


def test_it_keeps_the_cut_text_when_no_note_matches(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tweets.js").write_text(NOTE_TWEETS)
    (data / "note-tweet.js").write_text("window.YTD.note_tweet.part0 = [ ]")

    posts = parse(ARCHIVE, tmp_path).posts

    assert posts[0].text.startswith("Our harvest report is long this year & worth it")
    assert posts[0].text.endswith("six farms… https://t.co/AbCdEf1234")


def test_it_reports_a_bad_archive_count_with_its_line_and_reads_the_rest(tmp_path):
    shutil.copytree(ARCHIVE_DIR, tmp_path / "archive")
    tweets = tmp_path / "archive" / "data" / "tweets.js"
    tweets.write_text(
        tweets.read_text().replace('"favorite_count" : "105"', '"favorite_count" : "12x"', 1)
    )

    result = parse(ARCHIVE, tmp_path / "archive")

    assert [e.row for e in result.errors] == [2]  # the first item starts on line 2
    assert "“favorite_count”: “12x” is not a number" in result.errors[0].message
    assert len(result.posts) == 58


def test_it_reports_a_bad_archive_date(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tweets.js").write_text(
        NOTE_TWEETS.replace("Mon Sep 14 10:00:00 +0000 2026", "2026-09-14 10:00")
    )

    result = parse(ARCHIVE, tmp_path)

    assert [e.row for e in result.errors] == [2]
    assert "created_at" in result.errors[0].message
    assert len(result.posts) == 1


def test_it_refuses_an_archive_item_of_the_wrong_shape(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text('window.YTD.tweets.part0 = [ { "status" : { } } ]')

    with pytest.raises(ImportFailed, match="tweet"):
        parse(ARCHIVE, path)


def test_it_refuses_a_truncated_tweets_js(tmp_path):
    path = tmp_path / "tweets.js"
    data = TWEETS_JS.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    source = Source.from_path(path)
    assert ARCHIVE.sniff(source)
    with pytest.raises(ImportFailed, match=r"tweets\.js"):
        list(ARCHIVE.parse(source, ParseContext()))


def test_it_refuses_a_truncated_follower_js(tmp_path):
    shutil.copytree(ARCHIVE_DIR, tmp_path / "archive")
    follower = tmp_path / "archive" / "data" / "follower.js"
    follower.write_bytes(follower.read_bytes()[:-40])

    with pytest.raises(ImportFailed, match=r"follower\.js"):
        parse(ARCHIVE, tmp_path / "archive")


def test_it_reads_an_empty_tweet_list_and_rejects_an_empty_file(tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text("window.YTD.tweets.part0 = [ ]")
    assert parse(ARCHIVE, path).posts == []

    path.write_text("")
    assert not ARCHIVE.sniff(Source.from_path(path))


def test_it_keeps_script_text_inert_in_the_archive(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tweets.js").write_text(
        NOTE_TWEETS.replace(
            "Second long post, matched by its id… https://t.co/ZyXwVu9876",
            "&lt;script&gt;alert(1)&lt;/script&gt; =cmd|' /C calc'!A0",
        )
    )

    posts = parse(ARCHIVE, tmp_path).posts

    # plain text (not HTML): entities decoded, stored as-is, never executed
    assert posts[1].text == "<script>alert(1)</script> =cmd|' /C calc'!A0"


def test_it_rejects_archive_near_misses(tmp_path):
    like = tmp_path / "like.js"
    shutil.copy(ARCHIVE_DIR / "data" / "like.js", like)
    deleted = tmp_path / "deleted-tweets.js"
    deleted.write_text("window.YTD.deleted_tweets.part0 = [ ]")
    manifest = tmp_path / "manifest.js"
    shutil.copy(ARCHIVE_DIR / "data" / "manifest.js", manifest)

    for path in (like, deleted, manifest):
        assert not ARCHIVE.sniff(Source.from_path(path)), path.name


# --- sniffing across formats -----------------------------------------------------------------


def test_each_x_format_recognises_only_its_own_samples():
    own = {
        LEGACY.key: [LEGACY_Q2, LEGACY_Q3],
        CONTENT.key: [CONTENT_Q2, CONTENT_Q3, CONTENT_TAIL],
        OVERVIEW.key: [OVERVIEW_CSV],
        ARCHIVE.key: [ARCHIVE_DIR, TWEETS_JS],
    }
    for fmt in FORMATS:
        for key, paths in own.items():
            for path in paths:
                assert fmt.sniff(Source.from_path(path)) == (fmt.key == key), (fmt.key, path)


def _other_platform_samples():
    if not SHARED_EXPORTS.exists():
        return []
    ours = [SHARED_EXPORTS / "x", SHARED_EXPORTS / "real" / "ropensci-tweets"]
    paths = []
    for path in sorted(SHARED_EXPORTS.rglob("*")):
        if any(path == own or own in path.parents or path in own.parents for own in ours):
            continue
        if path.name == "README.md" or path.name == "SOURCES.md":
            continue
        paths.append(path)
    return paths


def test_no_x_format_recognises_another_platforms_sample():
    paths = _other_platform_samples()
    if not paths:
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    for path in paths:
        for fmt in FORMATS:
            assert not sniff_safely(fmt, path), (fmt.key, str(path))


def test_csv_sniffers_reject_near_misses(tmp_path):
    video = tmp_path / "video_overview_analytics.csv"
    video.write_text(
        "Video overview,,,,,\nDate,Views,Watch Time (ms),Impressions,New follows,Unfollows\n"
    )
    # the legacy header with only the three text columns (no metric signature)
    bare = tmp_path / "bare.csv"
    bare.write_text('"Tweet id","Tweet permalink","Tweet text","time"\n')
    # a content-like file from another tool: Post id and Post link without X's metrics
    other = tmp_path / "other.csv"
    other.write_text("Post id,Date,Post text,Post Link,Impressions,Likes\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(CONTENT_Q2, mixed / CONTENT_Q2.name)
    shutil.copy(OVERVIEW_CSV, mixed / OVERVIEW_CSV.name)

    for path in (video, bare, other, garbage, mixed):
        for fmt in FORMATS:
            assert not fmt.sniff(Source.from_path(path)), (fmt.key, path.name)


def test_sniffers_never_raise_on_unreadable_members():
    def broken():
        raise OSError("gone")

    source = Source("broken", [Member("broken.csv", 10, broken), Member("tweets.js", 10, broken)])
    for fmt in FORMATS:
        assert fmt.sniff(source) is False


def test_every_metric_key_is_in_the_catalogue():
    result = parse(OVERVIEW, OVERVIEW_CSV)
    archive = parse(ARCHIVE, ARCHIVE_DIR)

    assert {o.metric for o in [*result.observations, *archive.observations]} <= set(CATALOG)


def test_formats_are_listed_once_with_the_x_platform():
    assert [f.key for f in FORMATS] == ["x_tweet_activity", "x_content", "x_overview", "x_archive"]
    assert {f.platform for f in FORMATS} == {"x"}
    assert all(f.label for f in FORMATS)


def test_parsers_stream_records():
    source = Source.from_path(LEGACY_Q2)
    records = LEGACY.parse(source, ParseContext())

    assert inspect.isgenerator(records)
    assert next(records) is not None
