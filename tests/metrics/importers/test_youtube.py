"""YouTube Studio Advanced-mode exports: the Content report, and other reports refused.

The expected numbers were computed independently of the parser with throwaway one-liners over
the raw CSV files (python's csv module / awk), e.g.
`awk -F, 'NR>1{n++; s+=$2} END{print n, s}' Totals.csv` -> 183 158829, and for the table
`sum(int(r[4]) for r in rows[2:])` over `Table data.csv`.
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.youtube import FORMATS
from metrics.ingest.records import ObservationRecord, PostRecord, RowError
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

CONTENT, OTHER = FORMATS
FOLDER = FIXTURES / "youtube" / "Content 2026-04-01_2026-09-30 Loomwell Roasters"
ZIP = FIXTURES / "youtube" / "Content 2026-04-01_2026-09-30 Loomwell Roasters.zip"
TABLE = FOLDER / "Table data.csv"
CHART = FOLDER / "Chart data.csv"
TOTALS = FOLDER / "Totals.csv"
TRAFFIC = FIXTURES / "youtube" / "traffic-source"


def parse_all(fmt, path, **ctx):
    """Run parse without the sniff assertion; returns (records, summary)."""
    generator = fmt.parse(Source.from_path(path), ParseContext(**ctx))
    records = []
    while True:
        try:
            records.append(next(generator))
        except StopIteration as stop:
            return records, stop.value


def copy_table(tmp_path, edit):
    """A copy of the sample table, its lines passed through edit(lines) -> lines."""
    lines = TABLE.read_text(encoding="utf-8").split("\n")
    path = tmp_path / "Table data.csv"
    path.write_text("\n".join(edit(lines)), encoding="utf-8")
    return path


# --- the Content report ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [FOLDER, ZIP], ids=["folder", "zip"])
def test_it_reads_every_video_of_the_content_report(path):
    result = parse(CONTENT, path)
    assert result.errors == []
    # README inventory: 35 videos; 37 lines = header + Total row + 35.
    assert len(result.posts) == 35
    assert len({p.platform_id for p in result.posts}) == 35
    assert "Total" not in {p.platform_id for p in result.posts}
    # Column sums over the 35 video rows (the Total row says the same: 158829, 7111, 1757571).
    assert sum(p.video_views for p in result.posts) == 158829
    assert sum(p.likes for p in result.posts) == 7111
    assert sum(p.impressions for p in result.posts) == 1757571
    assert all(p.kind is None for p in result.posts)
    assert all(p.replies is None and p.reshares is None for p in result.posts)
    # 4 videos were uploaded before the period (2025 publish dates).
    before = [p for p in result.posts if p.published_at < datetime(2026, 4, 1, tzinfo=UTC)]
    assert sorted(p.platform_id for p in before) == [
        "SW23_NWj6Ec",
        "TK9J2ndR1rC",
        "nExbx4ydXO5",
        "wRu7QMbYKhF",
    ]
    times = sorted(p.published_at for p in result.posts)
    assert times[0] == datetime(2025, 3, 11, tzinfo=UTC)  # TK9J2ndR1rC, "Mar 11, 2025"
    assert times[-1] == datetime(2026, 9, 29, tzinfo=UTC)  # R1lvFbGdz49, "Sep 29, 2026"


def test_it_trims_the_space_before_ids_that_start_with_a_dash():
    result = parse(CONTENT, FOLDER)
    ids = {p.platform_id for p in result.posts}
    # `grep -c '^ -' "Table data.csv"` -> 2
    assert {"-XJ3xBY0di1", "-PRin2Ssezz"} <= ids
    post = next(p for p in result.posts if p.platform_id == "-XJ3xBY0di1")
    assert post.permalink == "https://www.youtube.com/watch?v=-XJ3xBY0di1"


def test_it_reads_one_video_in_full():
    result = parse(CONTENT, FOLDER)
    post = next(p for p in result.posts if p.platform_id == "SQMUZhtDDJD")
    # Line 5: SQMUZhtDDJD,Brew Basics class: …,"Aug 21, 2026",368,8122,266.2211,93,0:01:58,
    #         226,127112,3.83
    assert post.row == 5
    assert post.text == "Brew Basics class: tasting notes and how we brew it"
    assert post.permalink == "https://www.youtube.com/watch?v=SQMUZhtDDJD"
    assert post.published_at == datetime(2026, 8, 21, tzinfo=UTC)
    assert (post.video_views, post.likes, post.impressions) == (8122, 226, 127112)
    assert post.engagements is None and post.clicks is None
    assert post.links == () and post.mentions == ()


def test_it_reads_the_daily_totals():
    result = parse(CONTENT, FOLDER)
    views = result.series("video_views")
    # Totals.csv: 183 days, sum 158829; first row 2026-04-01,112; last 2026-09-30,2224.
    assert len(result.observations) == 183
    assert {o.metric for o in result.observations} == {"video_views"}
    assert sum(views.values()) == 158829
    assert views[date(2026, 4, 1)] == Decimal(112)
    assert views[date(2026, 6, 15)] == Decimal(382)
    assert views[date(2026, 9, 30)] == Decimal(2224)


def test_it_sums_the_chart_per_day_when_totals_are_missing(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(TABLE, folder / "Table data.csv")
    shutil.copy(CHART, folder / "Chart data.csv")
    records, summary = parse_all(CONTENT, folder)
    observations = [r for r in records if isinstance(r, ObservationRecord)]
    views = {o.day: o.value for o in observations}
    # Summing Chart data's 6405 rows per day gives exactly Totals.csv (checked: 0 differences).
    assert len(views) == 183
    assert sum(views.values()) == 158829
    assert views[date(2026, 6, 15)] == Decimal(382)
    assert views[date(2026, 4, 1)] == Decimal(112)
    assert len([r for r in records if isinstance(r, PostRecord)]) == 35
    assert summary.rows_read == 35 + 6405  # README: 6,405 chart rows


@pytest.mark.parametrize(
    ("name", "posts", "days"),
    [("Table data.csv", 35, 0), ("Chart data.csv", 0, 183), ("Totals.csv", 0, 183)],
)
def test_it_reads_each_file_alone(tmp_path, name, posts, days):
    lone = tmp_path / "download (1).csv"  # renamed: recognised by content
    shutil.copy(FOLDER / name, lone)
    result = parse(CONTENT, lone)
    assert result.errors == []
    assert len(result.posts) == posts
    assert len(result.series("video_views")) == days
    if days:
        assert sum(result.series("video_views").values()) == 158829


def test_it_reads_publish_dates_as_local_midnight():
    result = parse(CONTENT, FOLDER, tz="Europe/London")
    post = next(p for p in result.posts if p.platform_id == "ywOW_6Uhi9N")  # "May 29, 2026"
    assert post.published_at == datetime(2026, 5, 28, 23, 0, tzinfo=UTC)  # BST
    old = next(p for p in result.posts if p.platform_id == "TK9J2ndR1rC")  # "Mar 11, 2025"
    assert old.published_at == datetime(2025, 3, 11, 0, 0, tzinfo=UTC)  # GMT


def test_it_names_the_channel_only_when_the_user_gives_the_handle():
    assert parse(CONTENT, FOLDER).accounts == []
    (account,) = parse(CONTENT, ZIP, handle="@LoomwellRoasters").accounts
    assert (account.platform, account.handle) == ("youtube", "loomwellroasters")
    assert account.display_name == "Loomwell Roasters"  # from the zip's name


def test_it_skips_and_counts_videos_without_a_publish_time(tmp_path):
    def blank_dates(lines):
        lines[3] = lines[3].replace('"May 5, 2026"', "")  # FK25gz5C4tN
        lines[4] = lines[4].replace('"Aug 21, 2026"', "")  # SQMUZhtDDJD
        return lines

    records, summary = parse_all(CONTENT, copy_table(tmp_path, blank_dates))
    posts = [r for r in records if isinstance(r, PostRecord)]
    assert [r for r in records if isinstance(r, RowError)] == []
    assert len(posts) == 33
    assert summary.rows_skipped == 2
    assert "FK25gz5C4tN, SQMUZhtDDJD" in summary.notes[0]


def test_it_accepts_the_pre_2025_metric_names(tmp_path):
    def old_names(lines):
        lines[0] = (
            lines[0]
            .replace("Thumbnail impressions", "Impressions")
            .replace("Thumbnail click-through rate (%)", "Impressions click-through rate (%)")
        )
        return lines

    result = parse(CONTENT, copy_table(tmp_path, old_names))
    assert sum(p.impressions for p in result.posts) == 1757571


def test_it_reads_reordered_and_extra_columns(tmp_path):
    def shuffle(lines):
        rows = list(csv.reader(io.StringIO("\n".join(lines))))
        order = [0, 1, 2, 3, 10, 8, 4, 9, 7, 6, 5]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for i, row in enumerate(rows):
            writer.writerow([row[j] for j in order] + ["Engaged views" if i == 0 else "7"])
        return out.getvalue().split("\n")

    result = parse(CONTENT, copy_table(tmp_path, shuffle))
    assert result.errors == []
    assert len(result.posts) == 35
    assert sum(p.video_views for p in result.posts) == 158829
    assert sum(p.likes for p in result.posts) == 7111


def test_it_stores_subscribers_as_net_followers_even_when_negative(tmp_path):
    totals = tmp_path / "Totals.csv"
    totals.write_text("Date,Subscribers\n2026-04-01,5\n2026-04-02,-3\n2026-04-03,\n2026-04-04,0\n")
    result = parse(CONTENT, totals)
    assert result.series("net_followers") == {
        date(2026, 4, 1): Decimal(5),
        date(2026, 4, 2): Decimal(-3),
        date(2026, 4, 4): Decimal(0),
    }  # the empty day has no observation


def test_it_stores_watch_time_in_hours(tmp_path):
    totals = tmp_path / "Totals.csv"
    totals.write_text("Date,Watch time (hours)\n2026-04-01,12.3456\n2026-04-02,0.5\n")
    result = parse(CONTENT, totals)
    assert result.series("watch_time_hours") == {
        date(2026, 4, 1): Decimal("12.3456"),
        date(2026, 4, 2): Decimal("0.5"),
    }


def test_it_refuses_a_chart_of_a_metric_without_a_daily_series(tmp_path):
    totals = tmp_path / "Totals.csv"
    totals.write_text("Date,Average view duration\n2026-04-01,0:01:02\n")
    with pytest.raises(ImportFailed, match="Average view duration"):
        parse_all(CONTENT, totals)
    shutil.copy(TABLE, tmp_path / "Table data.csv")  # with the table: videos only, noted
    records, summary = parse_all(CONTENT, tmp_path)
    assert len(records) == 35
    assert "Average view duration" in summary.notes[0]


# --- the Traffic source report and other near misses -----------------------------------------


def test_it_does_not_take_the_traffic_source_report_for_the_content_report():
    assert not CONTENT.sniff(Source.from_path(TRAFFIC))
    assert not CONTENT.sniff(Source.from_path(TRAFFIC / "Table data.csv"))
    assert not CONTENT.sniff(Source.from_path(TRAFFIC / "Chart data.csv"))
    with pytest.raises(ImportFailed, match="Traffic source"):
        parse_all(CONTENT, TRAFFIC)


@pytest.mark.parametrize("name", [None, "Table data.csv", "Chart data.csv"])
def test_it_refuses_other_reports_clearly(name):
    path = TRAFFIC if name is None else TRAFFIC / name
    assert OTHER.sniff(Source.from_path(path))
    with pytest.raises(ImportFailed) as failure:
        list(OTHER.parse(Source.from_path(path), ParseContext()))
    assert str(failure.value) == (
        "This is a YouTube Studio Traffic source report; export the Content report "
        "(Advanced mode → Content) instead."
    )


def test_it_takes_a_lone_totals_file_as_channel_totals_whatever_the_report():
    # Totals.csv has no dimension column: the traffic-source one is the channel's daily views.
    result = parse(CONTENT, TRAFFIC / "Totals.csv")
    views = result.series("video_views")
    # awk -F, 'NR>1{n++; s+=$2} END{print n, s}' Totals.csv -> 28 489680
    assert len(views) == 28
    assert sum(views.values()) == 489680
    assert views[date(2025, 2, 27)] == Decimal(16481)
    assert not OTHER.sniff(Source.from_path(TRAFFIC / "Totals.csv"))


def test_it_recognises_other_dimensions(tmp_path):
    table = tmp_path / "Table data.csv"
    table.write_text("Geography,Views,Watch time (hours)\nTotal,10,1.5\nGB,7,1.0\nUS,3,0.5\n")
    assert OTHER.sniff(Source.from_path(table))
    assert not CONTENT.sniff(Source.from_path(table))
    with pytest.raises(ImportFailed, match="YouTube Studio Geography report"):
        list(OTHER.parse(Source.from_path(table), ParseContext()))


def test_the_content_report_is_not_another_report():
    for path in (FOLDER, ZIP, TABLE, CHART, TOTALS):
        assert not OTHER.sniff(Source.from_path(path)), path


def _other_samples():
    if not SHARED_EXPORTS.exists():
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    for path in sorted(SHARED_EXPORTS.rglob("*")):
        relative = path.relative_to(SHARED_EXPORTS).as_posix()
        if relative.startswith(("youtube", "real/complete-pandas-tutorial")) or relative in (
            "real",
            "README.md",
            "real/SOURCES.md",
        ):
            continue
        yield path


def test_it_rejects_every_other_platforms_sample():
    checked = 0
    for path in _other_samples():
        source = Source.from_path(path)
        assert not CONTENT.sniff(source), path
        assert not OTHER.sniff(source), path
        checked += 1
    assert checked > 50


def test_it_rejects_near_misses(tmp_path):
    cases = {
        "no_total.csv": "Content,Video title,Video publish time,Duration,Views\n"
        'ywOW_6Uhi9N,x,"May 29, 2026",42,5\n',
        "generic_totals.csv": "Date,Visits\n2026-04-01,5\n",
        "tiktok_like.csv": "Date,Video Views\nApril 1,5\n",
        "three_columns.csv": "Date,Views,Likes\n2026-04-01,5,1\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        assert not CONTENT.sniff(Source.from_path(path)), name
        assert not OTHER.sniff(Source.from_path(path)), name


# --- structure and rows ----------------------------------------------------------------------


def test_it_names_a_missing_required_column(tmp_path):
    def drop_publish_time(lines):
        return [",".join(p for i, p in enumerate(_split(line)) if i != 2) for line in lines]

    path = copy_table(tmp_path, drop_publish_time)
    with pytest.raises(ImportFailed, match="“Video publish time”"):
        parse_all(CONTENT, path)


def _split(line):
    row = next(csv.reader([line]), [])
    return ['"' + c + '"' if "," in c else c for c in row]


def test_it_reports_a_bad_number_with_its_line_and_reads_the_other_rows(tmp_path):
    def bad_views(lines):
        lines[4] = lines[4].replace(",8122,", ",81x2,")  # line 5, SQMUZhtDDJD
        lines[6] = lines[6].replace('"', "").replace(",", ";")  # line 7: not a table row at all
        return lines

    result_records, _ = parse_all(CONTENT, copy_table(tmp_path, bad_views))
    errors = [r for r in result_records if isinstance(r, RowError)]
    posts = [r for r in result_records if isinstance(r, PostRecord)]
    assert errors[0] == RowError(
        row=5, message="column “Views”: “81x2” is not a number", member="Table data.csv"
    )
    assert [e.row for e in errors] == [5, 7]
    assert len(posts) == 33


def test_it_reports_bad_dates_in_the_daily_files(tmp_path):
    totals = tmp_path / "Totals.csv"
    totals.write_text("Date,Views\n2026-04-01,5\n04/02/2026,6\n2026-04-03,x\n2026-04-04,7\n")
    records, _ = parse_all(CONTENT, totals)
    assert [r for r in records if isinstance(r, RowError)] == [
        RowError(3, "column “Date”: “04/02/2026” is not a date written YYYY-MM-DD", "Totals.csv"),
        RowError(4, "column “Views”: “x” is not a number", "Totals.csv"),
    ]
    assert len([r for r in records if isinstance(r, ObservationRecord)]) == 2
    chart = tmp_path / "c" / "Chart data.csv"
    chart.parent.mkdir()
    lines = CHART.read_text(encoding="utf-8").split("\n")
    lines[9] = lines[9].replace("2026-04-09", "2026-04-31")
    chart.write_text("\n".join(lines), encoding="utf-8")
    records, _ = parse_all(CONTENT, chart)
    assert [(r.row, r.message) for r in records if isinstance(r, RowError)] == [
        (10, "column “Date”: “2026-04-31” is not a date written YYYY-MM-DD")
    ]


def test_it_refuses_an_empty_file(tmp_path):
    empty = tmp_path / "Table data.csv"
    empty.write_bytes(b"")
    assert not CONTENT.sniff(Source.from_path(empty))
    assert not OTHER.sniff(Source.from_path(empty))


@pytest.mark.parametrize("name", ["Table data.csv", "Chart data.csv", "Totals.csv"])
def test_it_survives_a_truncated_file(tmp_path, name):
    data = (FOLDER / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) // 2])
    try:
        records, _ = parse_all(CONTENT, cut)
    except ImportFailed:
        return
    assert all(isinstance(r, (PostRecord, ObservationRecord, RowError)) for r in records)


def test_it_survives_a_truncated_zip(tmp_path):
    data = ZIP.read_bytes()
    cut = tmp_path / ZIP.name
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFailed):
        Source.from_path(cut)


def test_it_refuses_two_reports_in_one_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(TABLE, tmp_path / "a" / "Table data.csv")
    shutil.copy(TABLE, tmp_path / "b" / "Table data.csv")
    with pytest.raises(ImportFailed, match="more than one YouTube table"):
        parse_all(CONTENT, tmp_path)


def test_it_keeps_formula_and_script_titles_inert(tmp_path):
    def dangerous(lines):
        lines[2] = lines[2].replace(
            "Swap 40% of your brew water for ice in the carafe and grind… #shorts",
            "\"=cmd|' /C calc'!A0\"",
        )
        lines[3] = lines[3].replace(
            '"Airtight, away from light, and please not in the fridge #shorts"',
            "<script>alert(1)</script> beans",
        )
        return lines

    result = parse(CONTENT, copy_table(tmp_path, dangerous))
    texts = {p.platform_id: p.text for p in result.posts}
    assert texts["ywOW_6Uhi9N"] == "=cmd|' /C calc'!A0"
    assert texts["FK25gz5C4tN"] == "<script>alert(1)</script> beans"


def test_it_reads_a_zip_of_the_folder(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("Table data.csv", "Chart data.csv", "Totals.csv"):
            zf.write(FOLDER / name, f"Content 2026-04-01_2026-09-30 Loomwell Roasters/{name}")
    result = parse(CONTENT, archive)
    assert len(result.posts) == 35
    assert len(result.observations) == 183
