"""TikTok Studio analytics (README section 10): Overview, FollowerHistory, Content, Viewers.

The fixtures under tests/fixtures/tiktok/ are the three synthetic exports copied unchanged
from shared/exports/tiktok (four zips each, plus the unpacked CSVs).

Numbers asserted below were computed from the raw CSVs with throwaway shell one-liners,
not with the parser, e.g.
  awk -F'","' 'NR>1{gsub(/"/,"",$6); n++; v+=$2; p+=$3; l+=$4; c+=$5; s+=$6}
               END{print n, v, p, l, c, s}' Overview.csv
  awk -F'","' 'NR>1{gsub(/"/,"",$NF); l+=$(NF-3); c+=$(NF-2); s+=$(NF-1); v+=$NF}
               END{print l, c, s, v}' Content.csv
  python3 -c "...datetime.fromtimestamp(int(id) >> 32, UTC)..." over the video ids.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from types import GeneratorType
from zoneinfo import ZoneInfo

import pytest

from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.tiktok import FORMATS
from metrics.ingest.records import PostKind, RowError
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

BY_KEY = {fmt.key: fmt for fmt in FORMATS}
OVERVIEW = BY_KEY["tiktok_overview"]
FOLLOWERS = BY_KEY["tiktok_followers"]
CONTENT = BY_KEY["tiktok_content"]
VIEWERS = BY_KEY["tiktok_viewers"]
INSIGHTS = BY_KEY["tiktok_follower_insights"]

TIKTOK = FIXTURES / "tiktok"
EXPORTS = {
    "2026-06-01": "Overview_2026-04-01_1780304591_loomwellroasters",
    "2026-07-31": "Overview_2026-05-31_1785488591_loomwellroasters",
    "2026-09-29": "Overview_2026-07-30_1790672591_loomwellroasters",
}
OVERVIEW_METRICS = {
    "video_views",
    "profile_visits",
    "likes",
    "replies_received",
    "reshares_received",
}
BOM = "\ufeff"


def export(day: str) -> Path:
    return TIKTOK / f"export_{day}"


def overview_paths(day: str) -> list[Path]:
    folder = export(day) / EXPORTS[day]
    return [folder.with_name(folder.name + ".zip"), folder, folder / "Overview.csv"]


def keys_sniffing(path: Path) -> list[str]:
    source = Source.from_path(path)
    return [fmt.key for fmt in FORMATS if fmt.sniff(source)]


def run(fmt, path: Path, **kwargs):
    """Parse without asserting sniff first (for files built to fail)."""
    ctx = ParseContext(
        tz=ZoneInfo(kwargs.get("tz", "UTC")), today=kwargs.get("today", date(2026, 10, 2))
    )
    return list(fmt.parse(Source.from_path(path), ctx))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def raw(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


# --- Overview.csv ---------------------------------------------------------------------------

# First and last "Date" of each Overview.csv, and its 60 data rows: sed -n '2p;$p', wc -l.
OVERVIEW_RANGES = {
    "2026-06-01": (date(2026, 4, 1), date(2026, 5, 30)),
    "2026-07-31": (date(2026, 5, 31), date(2026, 7, 29)),
    "2026-09-29": (date(2026, 7, 30), date(2026, 9, 27)),
}


@pytest.mark.parametrize("day", sorted(EXPORTS))
@pytest.mark.parametrize("shape", ["zip", "folder", "csv"])
def test_it_reads_60_days_from_each_overview_as_zip_folder_or_csv(day, shape):
    path = overview_paths(day)[["zip", "folder", "csv"].index(shape)]
    assert keys_sniffing(path) == ["tiktok_overview"]
    result = parse(OVERVIEW, path)
    assert result.errors == []
    days = sorted({o.day for o in result.observations})
    assert len(days) == 60
    assert (days[0], days[-1]) == OVERVIEW_RANGES[day]
    assert {o.metric for o in result.observations} == OVERVIEW_METRICS
    assert len(result.observations) == 60 * 5  # no blank or "undefined" cells in the samples


def test_it_takes_the_handle_from_the_overview_zip_name_but_not_from_a_bare_csv():
    zip_path, _, csv_path = overview_paths("2026-06-01")
    assert [a.handle for a in parse(OVERVIEW, zip_path).accounts] == ["loomwellroasters"]
    assert parse(OVERVIEW, csv_path).accounts == []


def test_it_finds_the_three_overview_ranges_adjoining():
    ranges = []
    for day in sorted(EXPORTS):
        days = {o.day for o in parse(OVERVIEW, overview_paths(day)[0]).observations}
        ranges.append((min(days), max(days)))
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert (first - last).days == 1


def test_it_sums_every_overview_column_of_the_june_export():
    result = parse(OVERVIEW, overview_paths("2026-06-01")[0])
    sums = {m: sum(result.series(m).values()) for m in OVERVIEW_METRICS}
    # awk over Overview.csv (see the module docstring): 60 185405 2911 13268 1101 1199
    assert sums == {
        "video_views": 185405,
        "profile_visits": 2911,
        "likes": 13268,
        "replies_received": 1101,
        "reshares_received": 1199,
    }
    # grep '"May 29"' Overview.csv -> "May 29","9376","123","611","52","81"
    day = date(2026, 5, 29)
    assert [result.series(m)[day] for m in sorted(OVERVIEW_METRICS)] == [
        611,
        123,
        52,
        81,
        9376,
    ]  # likes, profile_visits, replies_received, reshares_received, video_views


def test_it_leaves_an_undefined_overview_cell_unknown_rather_than_zero(tmp_path):
    path = write(
        tmp_path / "Overview.csv",
        BOM + '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
        '"August 8","100","5","7","1","0"\n'
        '"August 9","undefined","6","","2","1"\n',
    )
    result = parse(OVERVIEW, path)
    assert result.errors == []
    assert result.series("video_views") == {date(2026, 8, 8): 100}
    assert result.series("likes") == {date(2026, 8, 8): 7}
    assert result.series("reshares_received") == {date(2026, 8, 8): 0, date(2026, 8, 9): 1}


def test_it_reads_overview_columns_in_any_order_among_extra_ones(tmp_path):
    path = write(
        tmp_path / "Overview.csv",
        '"Shares","Region","Comments","Likes","Date","Profile Views","Video Views"\n'
        '"3","GB","1,204","12","Aug 9","5","2,500"\n',
    )
    result = parse(OVERVIEW, path)
    assert result.errors == []
    d = date(2026, 8, 9)
    assert result.series("video_views") == {d: 2500}
    assert result.series("replies_received") == {d: 1204}
    assert result.series("reshares_received") == {d: 3}
    assert result.series("profile_visits") == {d: 5}


def test_it_refuses_an_overview_without_the_comments_column_naming_it(tmp_path):
    path = write(
        tmp_path / "Overview.csv",
        '"Date","Video Views","Profile Views","Likes","Shares"\n"August 9","1","2","3","4"\n',
    )
    assert keys_sniffing(path) == ["tiktok_overview"]
    with pytest.raises(ImportFailed, match="“Comments”"):
        run(OVERVIEW, path)


def test_it_reports_a_bad_number_with_its_line_and_keeps_the_other_rows(tmp_path):
    original = overview_paths("2026-06-01")[2]
    lines = raw(original).split("\n")
    assert lines[4] == '"April 4","1162","24","72","9","3"'
    lines[4] = '"April 4","11x62","24","72","9","3"'
    path = write(tmp_path / "Overview.csv", BOM + "\n".join(lines))
    result = parse(OVERVIEW, path)
    assert [(e.row, e.message) for e in result.errors] == [
        (5, "column “Video Views”: “11x62” is not a number")
    ]
    assert len(result.series("video_views")) == 59
    assert result.series("likes")[date(2026, 4, 4)] == 72


# --- dates without a year ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("August 9", date(2026, 8, 9)),
        ("Aug 9", date(2026, 8, 9)),
        ("aug. 9", date(2026, 8, 9)),
        ("Sept 9", date(2026, 9, 9)),
        ("9 August", date(2026, 8, 9)),
        ("9月13日", date(2026, 9, 13)),  # Japanese and Chinese UIs
        ("9월 13일", date(2026, 9, 13)),  # Korean
        ("18 января", date(2026, 1, 18)),  # Russian (README: a real Content.csv)
        ("18 tháng Tám", date(2026, 8, 18)),  # Vietnamese
        ("18 tháng 8", date(2026, 8, 18)),
        ("2026-08-09", date(2026, 8, 9)),
        ("August 9, 2025", date(2025, 8, 9)),
    ],
)
def test_it_reads_the_date_forms_of_several_ui_languages(tmp_path, text, expected):
    path = write(
        tmp_path / "FollowerHistory.csv",
        f'"Date","Followers","Difference in followers from previous day"\n"{text}","10","0"\n',
    )
    result = parse(FOLLOWERS, path)
    assert result.errors == []
    assert result.series("followers") == {expected: 10}


@pytest.mark.parametrize("text", ["8/9", "9 août", "9. August", "Augustus 9", "February 30"])
def test_it_refuses_a_date_it_cannot_read_naming_the_value(tmp_path, text):
    path = write(
        tmp_path / "FollowerHistory.csv",
        '"Date","Followers","Difference in followers from previous day"\n'
        '"August 8","10","0"\n'
        f'"{text}","11","0"\n',
    )
    result = parse(FOLLOWERS, path)
    assert len(result.errors) == 1
    assert result.errors[0].row == 3
    assert f"column “Date”: “{text}” is not a date" in result.errors[0].message
    assert result.series("followers") == {date(2026, 8, 8): 10}


def test_it_puts_december_before_january_when_the_import_day_is_in_january(tmp_path):
    path = write(
        tmp_path / "FollowerHistory.csv",
        '"Date","Followers","Difference in followers from previous day"\n'
        '"December 30","100","1"\n"December 31","101","1"\n'
        '"January 1","102","1"\n"January 2","103","0"\n',
    )
    result = parse(FOLLOWERS, path, today=date(2027, 1, 4))
    assert result.errors == []
    assert result.series("followers") == {
        date(2026, 12, 30): 100,
        date(2026, 12, 31): 101,
        date(2027, 1, 1): 102,
        date(2027, 1, 2): 103,
    }


OVERVIEW_HEADER = '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
YEAR_END_ROWS = '"December 31","10","1","1","0","0"\n"January 1","20","2","2","0","0"\n'


def test_it_takes_the_year_from_the_export_time_in_the_overview_name(tmp_path):
    # 1798880591 = 2027-01-02 09:03:11 UTC (date -u -d "2027-01-02 09:03:11" +%s)
    folder = tmp_path / "Overview_2026-11-03_1798880591_loomwellroasters"
    write(folder / "Overview.csv", BOM + OVERVIEW_HEADER + YEAR_END_ROWS)
    # Imported long after the export: the import day alone would give the wrong years.
    result = parse(OVERVIEW, folder, today=date(2028, 3, 1))
    assert result.errors == []
    assert result.series("video_views") == {date(2026, 12, 31): 10, date(2027, 1, 1): 20}


def test_it_refuses_days_whose_worked_out_years_break_their_order(tmp_path):
    rows = YEAR_END_ROWS + '"January 2","30","3","3","0","0"\n'
    path = write(tmp_path / "Overview.csv", BOM + OVERVIEW_HEADER + rows)
    # A bare CSV read on 2027-01-01 (an import day too early for this file): December 31 is
    # 2026-12-31, January 1 is 2027-01-01, but January 2 is later than the import day, so it
    # would land in 2026, before the rows above it. That is refused, not guessed.
    result = parse(OVERVIEW, path, today=date(2027, 1, 1))
    assert [e.row for e in result.errors] == [4]
    assert "“January 2” breaks the order of the days" in result.errors[0].message


def test_it_reads_the_year_from_the_content_time_column_in_the_same_upload(tmp_path):
    folder = tmp_path / "tiktok"
    write(
        folder / "FollowerHistory.csv",
        '"Date","Followers","Difference in followers from previous day"\n'
        '"November 5","100","1"\n"January 1","101","0"\n',
    )
    content = raw(export("2026-06-01") / "Content_loomwellroasters" / "Content.csv")
    write(folder / "Content.csv", BOM + content.replace('"June 1"', '"January 3"'))
    # The import day alone (2027-12-01) would read November 5 as 2027-11-05.
    result = run(FOLLOWERS, folder, today=date(2027, 12, 1))
    followers = {r.day: r.value for r in result if hasattr(r, "metric")}
    assert followers == {date(2026, 11, 5): 100, date(2027, 1, 1): 101}


# --- FollowerHistory.csv ----------------------------------------------------------------------

# Last row of each FollowerHistory.csv: tail -1
LAST_FOLLOWERS = {
    "2026-06-01": (date(2026, 5, 30), 3624),
    "2026-07-31": (date(2026, 7, 29), 4006),
    "2026-09-29": (date(2026, 9, 27), 4370),
}


@pytest.mark.parametrize("day", sorted(EXPORTS))
def test_it_reads_the_follower_level_per_day_from_the_followers_zip(day):
    path = export(day) / "Followers_loomwellroasters.zip"
    assert keys_sniffing(path) == ["tiktok_followers"]
    result = parse(FOLLOWERS, path)
    # The zip also holds FollowerActivity (kept by hour: 7 days × 24 hours) and the gender
    # and territory shares (snapshots without dates: noted, not stored).
    assert result.errors == []
    assert len(result.activity) == 7 * 24
    assert any("FollowerGender.csv" in note for note in result.notes)
    assert any("FollowerTopTerritories.csv" in note for note in result.notes)
    assert {o.metric for o in result.observations} == {"followers"}
    series = result.series("followers")
    assert len(series) == 60  # wc -l FollowerHistory.csv = 61 with the header
    assert (min(series), max(series)) == OVERVIEW_RANGES[day]
    last_day, level = LAST_FOLLOWERS[day]
    assert max(series) == last_day and series[last_day] == level
    assert [a.handle for a in result.accounts] == ["loomwellroasters"]


def test_it_reads_the_unpacked_followers_folder_and_the_csv_alone():
    folder = export("2026-07-31") / "Followers_loomwellroasters"
    # sed -n 7p FollowerHistory.csv -> "June 5","3676","10"
    for path in (folder, folder / "FollowerHistory.csv"):
        series = parse(FOLLOWERS, path).series("followers")
        assert len(series) == 60 and series[date(2026, 6, 5)] == 3676


def test_it_skips_an_undefined_follower_level_and_ignores_the_difference_column(tmp_path):
    path = write(
        tmp_path / "FollowerHistory.csv",
        BOM + '"Date","Followers","Difference in followers from previous day"\n'
        '"May 28","3582","24"\n"May 29","undefined","undefined"\n"May 30","3624","oops"\n',
    )
    result = parse(FOLLOWERS, path)
    assert result.errors == []
    assert result.series("followers") == {date(2026, 5, 28): 3582, date(2026, 5, 30): 3624}


def test_it_refuses_a_follower_history_without_the_followers_column(tmp_path):
    path = write(
        tmp_path / "FollowerHistory.csv",
        '"Date","Follower count","Difference in followers from previous day"\n"May 1","1","0"\n',
    )
    assert keys_sniffing(path) == ["tiktok_followers"]
    with pytest.raises(ImportFailed, match=r"missing column.*“Followers”"):
        run(FOLLOWERS, path)


# --- Content.csv --------------------------------------------------------------------------------


@pytest.mark.parametrize("day", sorted(EXPORTS))
@pytest.mark.parametrize("shape", ["zip", "folder", "csv"])
def test_it_reads_15_videos_from_each_content_export(day, shape):
    folder = export(day) / "Content_loomwellroasters"
    path = {
        "zip": folder.with_name(folder.name + ".zip"),
        "folder": folder,
        "csv": folder / "Content.csv",
    }[shape]
    assert keys_sniffing(path) == ["tiktok_content"]
    result = parse(CONTENT, path)
    assert result.errors == []
    assert len(result.posts) == 15  # grep -c 'video/' Content.csv
    assert [a.handle for a in result.accounts] == ["loomwellroasters"]
    assert result.observations == []


def test_it_finds_45_distinct_videos_across_the_three_exports():
    ids = {
        post.platform_id
        for day in EXPORTS
        for post in parse(CONTENT, export(day) / "Content_loomwellroasters.zip").posts
    }
    assert len(ids) == 45  # grep -oh 'video/[0-9]*' */Content*/Content.csv | sort -u | wc -l


def test_it_reads_the_title_with_unescaped_quotes_and_the_counts_of_a_video():
    posts = parse(CONTENT, export("2026-09-29") / "Content_loomwellroasters.zip").posts
    post = next(p for p in posts if p.platform_id == "7681764617524901741")
    assert (
        post.text
        == 'Pumpkin spice: "yes", "no", or only if someone else makes it? #coffeetok #coffee'
    )
    assert post.permalink == "https://www.tiktok.com/@loomwellroasters/video/7681764617524901741"
    # 7681764617524901741 >> 32 = 1788550200 = 2026-09-04 19:30:00 UTC ("Post time" September 4)
    assert post.published_at == datetime(2026, 9, 4, 19, 30, tzinfo=UTC)
    assert (post.likes, post.replies, post.reshares, post.video_views) == (302, 28, 30, 7427)
    assert post.kind is None and post.mentions == () and post.links == ()
    assert post.impressions is None and post.engagements is None and post.saves is None
    assert post.row == 12  # the 12th line of the file


def test_it_sums_the_content_counts_of_the_september_export():
    posts = parse(CONTENT, export("2026-09-29") / "Content_loomwellroasters.zip").posts
    # awk over Content.csv (module docstring): 8449 838 795 127847
    assert sum(p.likes for p in posts) == 8449
    assert sum(p.replies for p in posts) == 838
    assert sum(p.reshares for p in posts) == 795
    assert sum(p.video_views for p in posts) == 127847


def test_it_dates_videos_from_their_ids_exactly_and_whatever_the_team_zone():
    path = export("2026-06-01") / "Content_loomwellroasters.zip"
    utc = parse(CONTENT, path).posts
    london = parse(CONTENT, path, tz="Europe/London").posts
    assert [p.published_at for p in utc] == [p.published_at for p in london]
    # python: min/max of datetime.fromtimestamp(id >> 32, UTC) over the 15 ids
    assert min(p.published_at for p in utc) == datetime(2026, 4, 8, 23, 20, tzinfo=UTC)
    assert max(p.published_at for p in utc) == datetime(2026, 5, 20, 22, 10, tzinfo=UTC)


def test_it_keeps_cut_titles_as_they_are():
    posts = parse(CONTENT, export("2026-06-01") / "Content_loomwellroasters.zip").posts
    first = next(p for p in posts if p.platform_id == "7636492226850049165")
    assert first.text == (
        "Storing beans: airtight, away from light, and please not in the fridge. #coffeetok #cof..."
    )
    assert sum(p.text.endswith("...") for p in posts) == 13  # grep -c '\.\.\.",' Content.csv


def test_it_marks_video_replies_and_stitches_from_the_captions_tiktok_writes():
    posts = parse(CONTENT, export("2026-06-01") / "Content_loomwellroasters.zip").posts
    # grep -c "Replying to" / "#stitch with" Content.csv -> 3 and 2
    assert sum(p.kind is PostKind.REPLY for p in posts) == 3
    assert sum(p.kind is PostKind.QUOTE for p in posts) == 2
    reply = next(p for p in posts if p.platform_id == "7637932757742423452")
    assert reply.kind is PostKind.REPLY and reply.in_reply_to_handle == "tova_pours"
    assert reply.mentions == ()
    stitch = next(p for p in posts if p.platform_id == "7626532198872007635")
    assert stitch.kind is PostKind.QUOTE and stitch.reshared_handle == "juniper_lane_bakes"
    assert stitch.mentions == ()  # the stitched author is not a typed mention


CONTENT_HEADER = (
    '"Time","Video title","Video link","Post time","Total likes","Total comments",'
    '"Total shares","Total views"'
)


def content_row(title: str, video_id: str = "7681764617524901741", counts="1,2,3,4") -> str:
    likes, comments, shares, views = counts.split(",")
    return (
        f'"September 29","{title}","https://www.tiktok.com/@loomwellroasters/video/{video_id}",'
        f'"September 4","{likes}","{comments}","{shares}","{views}"'
    )


def test_it_keeps_a_title_with_quoted_commas_a_line_break_and_mentions_whole(tmp_path):
    title = 'Ask @Tova_Pours: "cold","hot" or both?\nSee https://www.loomwell.example/brew.'
    path = write(
        tmp_path / "Content.csv",
        BOM
        + CONTENT_HEADER
        + "\n"
        + content_row(title)
        + "\n"
        + content_row("Next", "7680597244810415660"),
    )
    result = parse(CONTENT, path)
    assert result.errors == []
    assert [p.text for p in result.posts] == [title, "Next"]
    assert [p.row for p in result.posts] == [2, 4]
    assert result.posts[0].mentions == ("tova_pours",)
    assert result.posts[0].links == ("https://www.loomwell.example/brew",)


def test_it_keeps_formula_and_script_text_in_titles_inert(tmp_path):
    title = "=cmd|' /C calc'!A0 <script>alert(1)</script>"
    path = write(tmp_path / "Content.csv", CONTENT_HEADER + "\n" + content_row(title))
    assert parse(CONTENT, path).posts[0].text == title


def test_it_reads_content_columns_in_another_order_with_an_extra_one(tmp_path):
    header = (
        '"Total views","Video link","Region","Video title","Total likes","Total comments",'
        '"Total shares","Time","Post time"'
    )
    row = (
        '"5,431","https://www.tiktok.com/@loomwellroasters/video/7681764617524901741","GB",'
        '"Vote: "hot","iced" or "both"","1","2","3","September 29","September 4"'
    )
    path = write(tmp_path / "Content.csv", BOM + header + "\n" + row)
    result = parse(CONTENT, path)
    assert result.errors == []
    (post,) = result.posts
    assert post.text == 'Vote: "hot","iced" or "both"'
    assert (post.video_views, post.likes, post.replies, post.reshares) == (5431, 1, 2, 3)


def test_it_reads_a_content_file_resaved_by_a_spreadsheet(tmp_path):
    path = write(
        tmp_path / "Content.csv",
        "Time,Video title,Video link,Post time,Total likes,Total comments,Total shares,"
        'Total views\r\nSeptember 29,"Pumpkin spice: ""yes"", ""no""",'
        "https://www.tiktok.com/@loomwellroasters/video/7681764617524901741,September 4,"
        "302,28,30,7427\r\n",
    )
    (post,) = parse(CONTENT, path).posts
    assert post.text == 'Pumpkin spice: "yes", "no"'
    assert post.video_views == 7427


def test_it_reports_a_bad_content_count_and_keeps_the_other_videos(tmp_path):
    text = raw(export("2026-09-29") / "Content_loomwellroasters" / "Content.csv")
    text = text.replace('"302","28","30","7427"', '"302","28","3o","7427"')
    path = write(tmp_path / "Content.csv", BOM + text)
    result = parse(CONTENT, path)
    assert [(e.row, e.message) for e in result.errors] == [
        (12, "column “Total shares”: “3o” is not a number")
    ]
    assert len(result.posts) == 14


def test_it_refuses_a_video_of_another_account_or_with_an_impossible_id(tmp_path):
    rows = [
        content_row("mine"),
        content_row("old", "123"),
        content_row("theirs", "7681764617524901742").replace("@loomwellroasters", "@someone"),
    ]
    path = write(tmp_path / "Content.csv", CONTENT_HEADER + "\n" + "\n".join(rows))
    result = parse(CONTENT, path)
    assert [p.text for p in result.posts] == ["mine"]
    assert [e.row for e in result.errors] == [3, 4]
    assert "video id 123" in result.errors[0].message
    assert "@someone" in result.errors[1].message


def test_it_refuses_a_content_file_without_the_total_likes_column(tmp_path):
    header = CONTENT_HEADER.replace('"Total likes",', "")
    row = content_row("x").replace('"1","2"', '"2"', 1)
    path = write(tmp_path / "Content.csv", header + "\n" + row)
    assert keys_sniffing(path) == ["tiktok_content"]
    with pytest.raises(ImportFailed, match="“Total likes”"):
        run(CONTENT, path)


# --- Viewers.csv ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Viewers_loomwellroasters.zip", "Viewers_loomwellroasters"])
def test_it_reads_viewers_as_daily_reach_and_notes_what_it_does_not_keep(name):
    path = export("2026-09-29") / name
    assert keys_sniffing(path) == ["tiktok_viewers"]
    result = parse(VIEWERS, path)
    assert result.errors == []
    assert {o.metric for o in result.observations} == {"reach"}  # Total Viewers
    series = result.series("reach")
    assert series[date(2026, 7, 30)] == 808
    # The last, partial day says "undefined" (and two zeros that are not real): left out.
    assert date(2026, 9, 28) not in series and max(series) == date(2026, 9, 27)
    assert any("New Viewers" in note for note in result.notes)
    assert [a.handle for a in result.accounts] == ["loomwellroasters"]


def test_it_leaves_a_whole_download_to_the_formats_that_import_it():
    # The registry refuses an upload several formats claim; viewers must not be one more.
    assert keys_sniffing(export("2026-06-01")) == [
        "tiktok_overview",
        "tiktok_followers",
        "tiktok_content",
    ]


# --- detection ------------------------------------------------------------------------------


def test_it_recognises_the_follower_activity_and_share_files_alone():
    folder = export("2026-09-29") / "Followers_loomwellroasters"
    for name in ("FollowerActivity.csv", "FollowerGender.csv", "FollowerTopTerritories.csv"):
        assert keys_sniffing(folder / name) == ["tiktok_follower_insights"], name
    activity = parse(INSIGHTS, folder / "FollowerActivity.csv")
    assert activity.errors == [] and len(activity.activity) == 7 * 24
    first = activity.activity[0]
    assert (first.day, first.hour, first.active_followers) == (date(2026, 9, 21), 0, 205)
    shares = parse(INSIGHTS, folder / "FollowerGender.csv")
    assert shares.activity == [] and shares.observations == []
    assert shares.notes == [
        "FollowerGender.csv shares the followers out by gender, a snapshot without dates; "
        "Strategy Tracker does not store it."
    ]


def test_an_hour_outside_the_day_is_a_row_error(tmp_path):
    path = write(
        tmp_path / "FollowerActivity.csv",
        BOM + '"Date","Hour","Active followers"\n"September 21","24","205"\n',
    )
    result = parse(INSIGHTS, path)
    assert [e.message for e in result.errors] == [
        "column “Hour”: “24” is not an hour of the day (0 to 23)"
    ]


@pytest.mark.parametrize(
    "header",
    [
        '"Date","Video Views","Likes","Comments","Shares"',  # no Profile Views
        '"Date","Followers"',  # no difference column: not FollowerHistory's signature
        '"Date","Total Viewers","New Viewers"',
        '"Time","Video title","Post time","Total views"',  # no Video link
        '"Content","Video title","Video publish time","Views"',  # YouTube-like
        '"Date","Hour","Followers"',  # not "Active followers"
        '"Gender","Share"',  # not "Distribution"
    ],
)
def test_it_does_not_sniff_near_misses(tmp_path, header):
    path = write(tmp_path / "file.csv", BOM + header + '\n"a","1","2"\n')
    assert keys_sniffing(path) == []


def other_platform_files() -> list[Path]:
    if not SHARED_EXPORTS.exists():
        return []
    return sorted(p for p in SHARED_EXPORTS.rglob("*") if p.is_file() and "tiktok" not in p.parts)


def test_it_rejects_every_other_platforms_sample():
    files = other_platform_files()
    if not files:
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    claimed = []
    for path in files:
        try:
            source = Source.from_path(path)
        except ImportFailed:
            continue
        claimed += [(path.name, f.key) for f in FORMATS if f.sniff(source)]
    assert claimed == []


def test_it_does_not_sniff_an_empty_file_and_refuses_to_parse_one(tmp_path):
    path = tmp_path / "Overview.csv"
    path.write_bytes(b"")
    assert keys_sniffing(path) == []
    for fmt in (OVERVIEW, FOLLOWERS, CONTENT):
        with pytest.raises(ImportFailed):
            run(fmt, path)


@pytest.mark.parametrize(
    ("fmt", "relative"),
    [
        (OVERVIEW, "Overview_2026-07-30_1790672591_loomwellroasters/Overview.csv"),
        (FOLLOWERS, "Followers_loomwellroasters/FollowerHistory.csv"),
        (CONTENT, "Content_loomwellroasters/Content.csv"),
    ],
)
@pytest.mark.parametrize("fraction", [0.5, 0.37, 0.81])
def test_it_reports_a_file_cut_short_as_an_error_never_a_crash(tmp_path, fmt, relative, fraction):
    data = (export("2026-09-29") / relative).read_bytes()
    path = tmp_path / Path(relative).name
    path.write_bytes(data[: int(len(data) * fraction)])
    try:
        records = run(fmt, path)
    except ImportFailed:
        return
    if any(isinstance(r, RowError) for r in records):
        return
    # Cut at the end of a line or of a row's last value: what is left is whole and right.
    whole = run(fmt, export("2026-09-29") / relative)
    assert records and all(r in whole for r in records)


def test_it_reports_a_cut_zip_as_unreadable(tmp_path):
    data = (export("2026-09-29") / "Content_loomwellroasters.zip").read_bytes()
    path = tmp_path / "Content_loomwellroasters.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed):
        run(CONTENT, path)


def test_it_copies_the_fixtures_unchanged():
    shared = SHARED_EXPORTS / "tiktok"
    if not shared.exists():
        pytest.skip(f"{shared} is not here")
    for path in sorted(TIKTOK.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (shared / path.relative_to(TIKTOK)).read_bytes()


@pytest.mark.parametrize("fmt", [OVERVIEW, FOLLOWERS, CONTENT, VIEWERS])
def test_it_streams_records_and_fails_only_when_iterated(fmt, tmp_path):
    path = write(tmp_path / "nothing.csv", "not, a, tiktok, file\n")
    records = fmt.parse(Source.from_path(path), ParseContext(today=date(2026, 10, 2)))
    assert isinstance(records, GeneratorType)
    with pytest.raises(ImportFailed):
        next(records)


@pytest.mark.parametrize("cut", ['"September 27","2188","35","182","19","1', '"'])
def test_it_flags_a_last_line_cut_in_the_middle_of_a_value(tmp_path, cut):
    text = raw(overview_paths("2026-09-29")[2])
    assert text.endswith('"September 27","2188","35","182","19","14"\n')
    cut_text = text[: text.rindex('"September 27"')] + cut
    path = write(tmp_path / "Overview.csv", BOM + cut_text)
    result = parse(OVERVIEW, path)
    assert [e.row for e in result.errors] == [61]
    assert "cut off" in result.errors[0].message
    assert max(result.series("video_views")) == date(2026, 9, 26)
