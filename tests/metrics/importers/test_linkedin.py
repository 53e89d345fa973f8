"""LinkedIn Page exports: the content workbook (Metrics + All posts) and the followers workbook.

The expected numbers were computed independently of the parser, by reading the sample
workbooks cell by cell with a throwaway xlrd one-liner, e.g.
`sum(s.col_values(9)[2:])` on sheet `All posts` for impressions, and
`datetime.fromtimestamp((int(link.rsplit(':', 1)[1]) >> 22) / 1000, UTC)` for post times.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import xlrd  # type: ignore[import-untyped]

from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.linkedin import FORMATS
from metrics.ingest.records import ExportInfo, PostRecord, RowError
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

CONTENT, FOLLOWERS = FORMATS
CONTENT_XLS = FIXTURES / "linkedin" / "loomwell-roasters_content_1790931600412.xls"
FOLLOWERS_XLS = FIXTURES / "linkedin" / "loomwell-roasters_followers_1790931600412.xls"


# --- a minimal BIFF8 .xls writer, to build variants of the sample (no xlwt here) -----------


def _record(rid, data=b""):
    return struct.pack("<HH", rid, len(data)) + data


def _unicode(text, lenlen):
    return (
        struct.pack("<B" if lenlen == 1 else "<H", len(text)) + b"\x01" + text.encode("utf-16-le")
    )


def _bof(kind):
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _sheet_stream(rows):
    out = [_bof(0x0010)]
    ncols = max((len(r) for r in rows), default=0)
    out.append(_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, ncols, 0)))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, date):  # a real Excel date (XF 1 has date format 14)
                serial = float((value - date(1899, 12, 30)).days)
                out.append(_record(0x0203, struct.pack("<HHHd", r, c, 1, serial)))
            elif isinstance(value, (int, float)):
                out.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
            else:
                out.append(_record(0x0204, struct.pack("<HHH", r, c, 0) + _unicode(str(value), 2)))
    out.append(_record(0x000A))
    return b"".join(out)


def _xf(fmt):
    return _record(0x00E0, struct.pack("<HHHBBBBIiH", 0, fmt, 0, 0, 0, 0, 0, 0, 0, 0))


def xls_bytes(sheets):
    """A BIFF8 workbook in an OLE2 container: {sheet name: rows of str/number/date/None}."""
    bodies = [_sheet_stream(rows) for rows in sheets.values()]

    def workbook_globals(offsets):
        parts = [_bof(0x0005), _xf(0), _xf(14)]
        for name, offset in zip(sheets, offsets, strict=True):
            parts.append(_record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name, 1)))
        parts.append(_record(0x000A))
        return b"".join(parts)

    position = len(workbook_globals([0] * len(sheets)))
    offsets = []
    for body in bodies:
        offsets.append(position)
        position += len(body)
    stream = workbook_globals(offsets) + b"".join(bodies)
    stream += b"\0" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    return _ole2(stream)


_END, _FREE, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name, kind, child, start, size):
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (
        raw.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(raw), kind, 1, _NOSTREAM, _NOSTREAM, child)
        + b"\0" * 20
        + b"\0" * 16
        + struct.pack("<III", start, size, 0)
    )


def _ole2(stream):
    sectors = len(stream) // 512
    fat_sectors = 1
    while fat_sectors * 128 < sectors + 1 + fat_sectors:
        fat_sectors += 1
    fat = [i + 1 for i in range(sectors - 1)] + [_END, _END] + [_FATSECT] * fat_sectors
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    directory = (
        _dir_entry("Root Entry", 5, 1, _END, 0)
        + _dir_entry("Workbook", 2, _NOSTREAM, 0, len(stream))
        + _dir_entry("", 0, _NOSTREAM, 0, 0) * 2
    )
    difat = [sectors + 1 + i for i in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        sectors,
        0,
        4096,
        _END,
        0,
        _END,
        0,
    ) + struct.pack("<109I", *difat)
    return header + stream + directory + struct.pack(f"<{len(fat)}I", *fat)


def sample_sheets(path):
    """The sample workbook's sheets as plain rows, to edit and write back."""
    book = xlrd.open_workbook(str(path))
    return {
        sheet.name: [
            [c if c != "" else None for c in sheet.row_values(r)] for r in range(sheet.nrows)
        ]
        for sheet in book.sheets()
    }


def write_xls(tmp_path, sheets, name="loomwell-roasters_content_1790931600412.xls"):
    path = tmp_path / name
    path.write_bytes(xls_bytes(sheets))
    return path


def parse_all(fmt, path, **ctx):
    """Run parse without the sniff assertion; returns (records, summary)."""
    generator = fmt.parse(Source.from_path(path), ParseContext(**ctx))
    records = []
    while True:
        try:
            records.append(next(generator))
        except StopIteration as stop:
            return records, stop.value


def test_it_writes_workbooks_xlrd_reads_the_same_as_the_sample(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    rebuilt = sample_sheets(write_xls(tmp_path, sheets))
    assert rebuilt == sheets


# --- the content export ---------------------------------------------------------------------


def test_it_reads_every_post_of_the_content_export():
    result = parse(CONTENT, CONTENT_XLS)
    assert result.errors == []
    # README inventory: 48 posts; 50 rows on sheet `All posts` minus the note and header rows.
    assert len(result.posts) == 48
    assert len({p.platform_id for p in result.posts}) == 48
    # Column sums over the 48 data rows (xlrd: sum(col_values(i)[2:])).
    assert sum(p.impressions for p in result.posts) == 81090
    assert sum(p.likes for p in result.posts) == 1599
    assert sum(p.replies for p in result.posts) == 181
    assert sum(p.reshares for p in result.posts) == 97
    # `Views (excluding off-site video views)`: 7 video posts, 4797 views; empty elsewhere.
    videos = [p for p in result.posts if p.video_views is not None]
    assert len(videos) == 7
    assert sum(p.video_views for p in videos) == 4797
    # LinkedIn's Clicks are not link clicks: not stored as clicks (see the module docstring).
    assert all(p.clicks is None for p in result.posts)
    # LinkedIn's post export has no replies or reshares of others: no kind.
    assert all(p.kind is None for p in result.posts)
    # Engagements = clicks 2542 + likes 1599 + comments 181 + reposts 97 + follows 26.
    assert sum(p.engagements for p in result.posts) == 4445


def test_it_dates_posts_by_the_time_in_their_activity_id():
    result = parse(CONTENT, CONTENT_XLS)
    times = sorted(p.published_at for p in result.posts)
    # (7445398369077931357 >> 22) ms and (7510689841152432551 >> 22) ms.
    assert times[0] == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    assert times[-1] == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)
    # Every decoded time falls on the row's `Created date` (checked against the raw cells).
    book = xlrd.open_workbook(str(CONTENT_XLS)).sheet_by_name("All posts")
    created = {
        book.cell_value(r, 1).rsplit(":", 1)[1]: book.cell_value(r, 5) for r in range(2, book.nrows)
    }
    for post in result.posts:
        assert post.published_at.strftime("%m/%d/%Y") == created[post.platform_id]


def test_it_reads_one_post_in_full():
    result = parse(CONTENT, CONTENT_XLS)
    post = next(p for p in result.posts if p.platform_id == "7445398369077931357")
    # Row 50, the oldest post.
    assert post.row == 50
    assert post.text == (
        "Spring single-origin is here: a washed Huila lot with red apple & panela notes. "
        "Limited roast run this week.\n\nhttps://www.loomwell.example/shop/huila-spring-2026"
    )
    assert post.permalink == (
        "https://www.linkedin.com/feed/update/urn:li:activity:7445398369077931357"
    )
    assert post.links == ("https://www.loomwell.example/shop/huila-spring-2026",)
    assert post.mentions == ()
    assert (post.impressions, post.likes, post.replies, post.reshares) == (718, 11, 1, 0)
    # 28 clicks + 11 likes + 1 comment + 0 reposts + 0 follows.
    assert post.engagements == 40
    assert post.video_views is None
    video = next(p for p in result.posts if p.platform_id == "7504129110836908960")
    assert video.text.startswith("Grind size cheat sheet")
    assert video.video_views == 538


def test_it_computes_post_engagements_that_reproduce_linkedins_engagement_rate():
    result = parse(CONTENT, CONTENT_XLS)
    sheet = xlrd.open_workbook(str(CONTENT_XLS)).sheet_by_name("All posts")
    rate = {
        sheet.cell_value(r, 1).rsplit(":", 1)[1]: sheet.cell_value(r, 18)
        for r in range(2, sheet.nrows)
    }
    for post in result.posts:
        assert post.engagements / post.impressions == pytest.approx(rate[post.platform_id])


def test_it_reads_the_daily_metrics_sheet():
    result = parse(CONTENT, CONTENT_XLS)
    # README inventory: 183 days (04/01 to 09/30), 5 metrics a day, no empty cells.
    assert len(result.observations) == 183 * 5
    assert {o.metric for o in result.observations} == {
        "impressions",
        "likes",
        "replies_received",
        "reshares_received",
        "engagements",
    }
    impressions = result.series("impressions")
    assert min(impressions) == date(2026, 4, 1)
    assert max(impressions) == date(2026, 9, 30)
    # Column sums over the 183 rows of sheet `Metrics` (the "(total)" columns).
    assert sum(impressions.values()) == 89317
    assert sum(result.series("likes").values()) == 1568
    assert sum(result.series("replies_received").values()) == 156
    assert sum(result.series("reshares_received").values()) == 74
    # Clicks 2465 + reactions 1568 + comments 156 + reposts 74.
    assert sum(result.series("engagements").values()) == 4263
    # Row 09/26/2026: impressions 855, clicks 14, reactions 16, comments 7, reposts 2.
    assert impressions[date(2026, 9, 26)] == Decimal(855)
    assert result.series("engagements")[date(2026, 9, 26)] == Decimal(39)
    assert result.series("likes")[date(2026, 9, 26)] == Decimal(16)
    assert impressions[date(2026, 4, 1)] == Decimal(35)


def test_it_names_the_account_from_the_context_before_the_file_name(tmp_path):
    assert [a.handle for a in parse(CONTENT, CONTENT_XLS).accounts] == ["loomwell-roasters"]
    named = parse(CONTENT, CONTENT_XLS, handle="@Loomwell-Page")
    assert [a.handle for a in named.accounts] == ["loomwell-page"]
    assert {a.platform for a in named.accounts} == {"linkedin"}
    renamed = tmp_path / "file (1).xls"
    shutil.copy(CONTENT_XLS, renamed)
    result = parse(CONTENT, renamed)  # still recognised by content, not name
    assert result.accounts == []
    assert len(result.posts) == 48


def test_it_reads_the_export_inside_a_zip(tmp_path):
    archive = tmp_path / "linkedin.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CONTENT_XLS, CONTENT_XLS.name)
    result = parse(CONTENT, archive)
    assert len(result.posts) == 48
    assert [a.handle for a in result.accounts] == ["loomwell-roasters"]


# --- the followers export -------------------------------------------------------------------


def test_it_reads_new_followers_per_day():
    result = parse(FOLLOWERS, FOLLOWERS_XLS)
    assert result.errors == []
    assert result.posts == []
    series = result.series("new_followers")
    # 183 data rows on sheet `New followers`; `Total followers` is NEW followers that day.
    assert len(result.observations) == 183
    assert {o.metric for o in result.observations} == {"new_followers"}
    assert sum(series.values()) == 1074  # sum of column E
    assert series[date(2026, 4, 1)] == Decimal(0)
    assert series[date(2026, 8, 25)] == Decimal(39)  # the biggest day
    assert series[date(2026, 9, 30)] == Decimal(14)  # last row: 0 + 13 + 1
    assert [a.handle for a in result.accounts] == ["loomwell-roasters"]


def test_it_ignores_the_demographic_sheets(tmp_path):
    sheets = sample_sheets(FOLLOWERS_XLS)
    sheets["Location"].append(["Nowhere", "not a number"])
    result = parse(FOLLOWERS, write_xls(tmp_path, sheets, "followers.xls"))
    assert result.errors == []
    assert len(result.observations) == 183


# --- detection ---------------------------------------------------------------------------------


def test_it_tells_the_content_and_followers_workbooks_apart():
    assert CONTENT.sniff(Source.from_path(CONTENT_XLS))
    assert not FOLLOWERS.sniff(Source.from_path(CONTENT_XLS))
    assert FOLLOWERS.sniff(Source.from_path(FOLLOWERS_XLS))
    assert not CONTENT.sniff(Source.from_path(FOLLOWERS_XLS))


def _other_samples():
    if not SHARED_EXPORTS.exists():
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    for path in sorted(SHARED_EXPORTS.rglob("*")):
        relative = path.relative_to(SHARED_EXPORTS)
        if relative.parts[0] == "linkedin" or path.suffix.lower() == ".md":
            continue
        yield path


def test_it_rejects_every_other_platforms_sample():
    checked = 0
    for path in _other_samples():
        source = Source.from_path(path)
        assert not CONTENT.sniff(source), path
        assert not FOLLOWERS.sniff(source), path
        checked += 1
    assert checked > 50


def test_it_rejects_near_misses(tmp_path):
    # A workbook with a `Metrics` sheet that is not LinkedIn's.
    other = write_xls(tmp_path, {"Metrics": [["note"], ["Day", "Visits"], ["04/01/2026", 3]]})
    assert not CONTENT.sniff(Source.from_path(other))
    assert not FOLLOWERS.sniff(Source.from_path(other))
    # A CSV with LinkedIn's header is not the .xls export.
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text("Post title,Post link,Created date\nx,y,04/01/2026\n")
    assert not CONTENT.sniff(Source.from_path(csv_file))
    # LinkedIn's visitors workbook has other sheets.
    visitors = write_xls(
        tmp_path, {"Visitor metrics": [["Date", "Overview page views (desktop)"]]}, "v.xls"
    )
    assert not CONTENT.sniff(Source.from_path(visitors))
    assert not FOLLOWERS.sniff(Source.from_path(visitors))


def test_it_refuses_an_empty_file(tmp_path):
    empty = tmp_path / "loomwell-roasters_content_1790931600412.xls"
    empty.write_bytes(b"")
    assert not CONTENT.sniff(Source.from_path(empty))
    with pytest.raises(ImportFailed):
        parse_all(CONTENT, empty)


def test_it_refuses_a_truncated_workbook(tmp_path):
    data = CONTENT_XLS.read_bytes()
    cut = tmp_path / "loomwell-roasters_content_1790931600412.xls"
    cut.write_bytes(data[: len(data) // 2])
    assert not CONTENT.sniff(Source.from_path(cut))
    with pytest.raises(ImportFailed):
        parse_all(CONTENT, cut)


def test_it_refuses_an_xlsx_resave_with_a_clear_message(tmp_path):
    xlsx = tmp_path / "loomwell-roasters_content_1790931600412.xlsx"
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(
            "xl/workbook.xml",
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="Metrics" sheetId="1" r:id="rId1"/>'
            '<sheet name="All posts" sheetId="2" r:id="rId2"/></sheets></workbook>',
        )
    source = Source.from_path(xlsx)
    assert CONTENT.sniff(source)
    assert not FOLLOWERS.sniff(source)
    with pytest.raises(ImportFailed, match=r"\.xls"):
        parse_all(CONTENT, xlsx)


# --- structure and rows ----------------------------------------------------------------------


def test_it_names_a_missing_required_column(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    sheets["All posts"] = [row[:9] + row[10:] for row in sheets["All posts"]]  # no Impressions
    with pytest.raises(ImportFailed, match="“Impressions”"):
        parse_all(CONTENT, write_xls(tmp_path, sheets))
    sheets = sample_sheets(CONTENT_XLS)
    sheets["Metrics"] = [row[:10] + row[11:] for row in sheets["Metrics"]]  # no Reactions (total)
    with pytest.raises(ImportFailed, match=r"“Reactions \(total\)”"):
        parse_all(CONTENT, write_xls(tmp_path, sheets))
    followers = sample_sheets(FOLLOWERS_XLS)
    followers["New followers"] = [row[:4] for row in followers["New followers"]]
    with pytest.raises(ImportFailed, match="“Total followers”"):
        parse_all(FOLLOWERS, write_xls(tmp_path, followers, "f.xls"))


def test_it_reports_a_bad_number_with_its_row_and_reads_the_other_rows(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    sheets["All posts"][3][9] = "12x"  # sheet row 4, column Impressions
    sheets["Metrics"][10][3] = "lots"  # sheet row 11, column Impressions (total)
    result = parse(CONTENT, write_xls(tmp_path, sheets))
    assert result.errors == [
        RowError(
            row=11,
            message="sheet “Metrics”, column “Impressions (total)”: “lots” is not a number",
            member="loomwell-roasters_content_1790931600412.xls",
        ),
        RowError(
            row=4,
            message="sheet “All posts”, column “Impressions”: “12x” is not a number",
            member="loomwell-roasters_content_1790931600412.xls",
        ),
    ]
    assert len(result.posts) == 47
    assert len(result.series("impressions")) == 182


def test_it_reports_bad_dates_and_links_by_row(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    sheets["All posts"][2][1] = "https://www.linkedin.com/company/loomwell-roasters"
    sheets["All posts"][5][5] = "2026-13-45"
    sheets["Metrics"][2][0] = "13/01/2026"  # day-first: not LinkedIn's MM/DD/YYYY
    result = parse(CONTENT, write_xls(tmp_path, sheets))
    messages = {(e.row, e.message) for e in result.errors}
    assert messages == {
        (3, "sheet “Metrics”, column “Date”: “13/01/2026” is not a date written MM/DD/YYYY"),
        (
            3,
            "sheet “All posts”, column “Post link”: "
            "“https://www.linkedin.com/company/loomwell-roasters” is not a LinkedIn post link "
            "(…/feed/update/urn:li:activity:<number>)",
        ),
        (
            6,
            "sheet “All posts”, column “Created date”: “2026-13-45” is not a date written "
            "MM/DD/YYYY",
        ),
    }
    assert len(result.posts) == 46


def test_it_reads_reordered_extra_and_renamed_columns(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    posts = sheets["All posts"]
    order = list(reversed(range(len(posts[1]))))
    sheets["All posts"] = [[row[i] for i in order] + [None] for row in posts]
    sheets["All posts"][0] = ["A note that says something else entirely."]
    sheets["All posts"][1][-1] = "Something LinkedIn added"
    for row in sheets["All posts"][2:]:
        row[-1] = "whatever"
    header = sheets["All posts"][1]
    header[header.index("Views (excluding off-site video views)")] = "Views"
    # Older exports say Shares instead of Reposts.
    sheets["Metrics"][1] = [h.replace("Reposts", "Shares") for h in sheets["Metrics"][1]]
    result = parse(CONTENT, write_xls(tmp_path, sheets))
    assert result.errors == []
    assert len(result.posts) == 48
    assert sum(p.impressions for p in result.posts) == 81090
    assert sum(p.video_views for p in result.posts if p.video_views) == 4797
    assert sum(p.reshares for p in result.posts) == 97
    assert sum(result.series("reshares_received").values()) == 74


def test_it_reads_real_excel_dates_and_a_deleted_note_row(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)

    def as_date(text):
        month, day, year = (int(x) for x in text.split("/"))
        return date(year, month, day)

    for row in sheets["Metrics"][2:]:
        row[0] = as_date(row[0])
    for row in sheets["All posts"][2:]:
        row[5] = as_date(row[5])
    sheets["Metrics"] = sheets["Metrics"][1:]  # someone deleted the note row
    result = parse(CONTENT, write_xls(tmp_path, sheets))
    assert result.errors == []
    assert len(result.posts) == 48
    assert len(result.series("impressions")) == 183
    assert result.series("impressions")[date(2026, 9, 26)] == Decimal(855)


def test_it_falls_back_to_local_midnight_of_the_created_date(tmp_path):
    # A link whose id carries no matching time: the Created date at midnight, Europe/London.
    sheets = sample_sheets(CONTENT_XLS)
    sheets["All posts"] = sheets["All posts"][:3]
    sheets["All posts"][2][1] = "https://www.linkedin.com/feed/update/urn:li:share:123456"
    sheets["All posts"][2][5] = "07/01/2026"
    result = parse(CONTENT, write_xls(tmp_path, sheets), tz="Europe/London")
    (post,) = result.posts
    assert post.platform_id == "share:123456"
    assert post.published_at == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # BST is UTC+1
    # The id-encoded time is exact UTC whatever the team's zone.
    london = parse(CONTENT, CONTENT_XLS, tz="Europe/London")
    assert min(p.published_at for p in london.posts) == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)


def test_it_keeps_formula_and_script_text_inert(tmp_path):
    sheets = sample_sheets(CONTENT_XLS)
    sheets["All posts"][2][0] = "=cmd|' /C calc'!A0"
    sheets["All posts"][3][0] = "<script>alert(1)</script> hello"
    result = parse(CONTENT, write_xls(tmp_path, sheets))
    texts = {p.text for p in result.posts}
    assert "=cmd|' /C calc'!A0" in texts
    assert "<script>alert(1)</script> hello" in texts


def test_it_streams_records_as_a_generator():
    generator = CONTENT.parse(Source.from_path(CONTENT_XLS), ParseContext(tz=ZoneInfo("UTC")))
    assert isinstance(next(generator), ExportInfo)  # when the export was made comes first
    first = next(generator)
    assert first.handle == "loomwell-roasters"
    assert not isinstance(first, PostRecord)
    records = list(generator)
    assert len(records) == 48 + 915


def test_it_returns_a_summary_of_rows_read():
    _, summary = parse_all(CONTENT, CONTENT_XLS)
    assert summary.rows_read == 183 + 48


def test_it_does_not_print_xlrd_warnings(capsys):
    parse(CONTENT, CONTENT_XLS)
    data = CONTENT_XLS.read_bytes()
    CONTENT.sniff(Source.from_bytes("x.xls", data[: len(data) // 3]))
    assert capsys.readouterr() == ("", "")
