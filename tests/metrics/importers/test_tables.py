"""CSV exports read as tables (metrics.importers.tables), on the real-format fixtures."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from metrics.importers.common import ImportFailed, Source
from metrics.importers.tables import Row, RowProblem, Table
from metrics.ingest.records import ObservationRecord, Record, RowError
from tests.metrics.importers.helpers import FIXTURES

X_CONTENT = FIXTURES / "x/analytics/account_analytics_content_2026-04-01_2026-06-30.csv"
X_LEGACY = (
    FIXTURES / "x/analytics_legacy/tweet_activity_metrics_loomwellroast_20260401_20260701_en.csv"
)
FB_CONTENT = FIXTURES / "facebook/Apr-01-2026_Jun-30-2026_5358321145085006.csv"
FB_LEGACY = next((FIXTURES / "facebook/legacy").glob("*.csv"))
FB_FOLLOWS = FIXTURES / "facebook/page_level/Follows.csv"
TIKTOK_OVERVIEW = (
    FIXTURES
    / "tiktok/export_2026-06-01/Overview_2026-04-01_1780304591_loomwellroasters/Overview.csv"
)


DAY = date(2026, 4, 1)


def member(path):
    (only,) = Source.from_path(path).members
    return only


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return member(path)


def rows_of(table: Table) -> list[Row]:
    return list(table.rows())


def counts(key: str):
    def read(row: Row):
        value = row.count(key)
        if value is not None:
            yield ObservationRecord("likes", DAY, Decimal(value))

    return read


def test_it_reads_a_header_in_any_order_among_extra_columns(tmp_path):
    lines = X_CONTENT.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(","), lines[1]
    # Likes moved to the front and an unknown column added: found by name all the same.
    shuffled = "Extra," + ",".join(reversed(header))
    row_cells = next(csv.reader([first]))
    row = "x," + ",".join(f'"{c}"' for c in reversed(row_cells))
    table = Table(
        write(tmp_path, "c.csv", shuffled + "\n" + row + "\n"),
        {"id": ("Post id",), "likes": ("Likes",), "link": ("Post Link",)},
        required=("id", "likes"),
    )
    (read,) = rows_of(table)
    assert read.text("id") == "2070514920455484513"
    assert read.count("likes") == 73
    assert table.label("link") == "Post Link"


def test_it_accepts_any_of_a_columns_spellings():
    table = Table(member(FB_CONTENT), {"views": ("Impressions", "Views")}, required=("views",))
    assert table.label("views") == "Views"


def test_it_names_the_missing_required_columns():
    with pytest.raises(ImportFailed, match=r"missing column.*“Bookmarks”"):
        Table(member(X_LEGACY), {"saves": ("Bookmarks",)}, required=("saves",))


def test_a_bom_is_not_part_of_the_first_column_name():
    table = Table(member(FB_CONTENT), {"post_id": ("Post ID",)}, required=("post_id",))
    assert table.label("post_id") == "Post ID"
    assert rows_of(table)[0].text("post_id") == "7760662477591545"


def test_it_reads_utf16_with_excels_sep_line_and_a_title_above_the_header():
    table = Table(
        member(FB_FOLLOWS),
        {"date": ("Date",), "value": ("Primary",)},
        required=("date", "value"),
        title_rows=1,
    )
    assert table.titles == [(2, ["Facebook follows"])]
    first = rows_of(table)[0]
    assert (first.line, first.text("date"), first.count("value")) == (4, "2026-04-01T00:00:00", 5)


def test_it_skips_the_description_row_under_the_header():
    table = Table(
        member(FB_LEGACY),
        {"post_id": ("Post ID",), "reach": ("Lifetime Post Total Reach",)},
        required=("post_id",),
        description=lambda row: not row.text("post_id"),
    )
    first = rows_of(table)[0]
    assert first.line == 3
    assert first.text("post_id") == "100089412345678_8521390055408988"
    assert first.count("reach") == 2275


def test_it_numbers_a_row_by_the_line_it_starts_on():
    # The legacy X file keeps the raw newlines of a post's text inside its quoted field.
    table = Table(member(X_LEGACY), {"id": ("Tweet id",)}, required=("id",))
    lines = [(row.line, row.text("id")) for row in rows_of(table)[:3]]
    assert lines == [
        (2, "2071926723183170278"),
        (3, "2070514920455484513"),
        (6, "2069363584008971868"),
    ]


def test_it_reads_counts_with_thousands_separators_and_names_the_column_of_a_bad_one(tmp_path):
    text = (
        '"Date","Video Views"\n"April 1","1,520"\n"April 2","15x"\n"April 3","-3"\n'
        '"April 4","undefined"\n'
    )
    table = Table(write(tmp_path, "o.csv", text), {"views": ("Video Views",)}, required=("views",))
    records = list(table.read(counts("views")))
    assert [r.value for r in records if isinstance(r, ObservationRecord)] == [Decimal(1520)]
    assert [(e.row, e.message) for e in records if isinstance(e, RowError)] == [
        (3, "column “Video Views”: “15x” is not a number"),
        (4, "column “Video Views”: “-3” is negative"),
    ]


def test_a_row_shorter_than_the_header_is_cut_off(tmp_path):
    text = X_CONTENT.read_text(encoding="utf-8")
    cut = text[: text.index("\n", text.index("\n") + 1)].rsplit(",", 5)[0] + "\n"
    table = Table(write(tmp_path, "cut.csv", cut), {"id": ("Post id",)}, required=("id",))
    (error,) = table.read(lambda row: ())
    assert isinstance(error, RowError)
    assert error.row == 2
    assert error.message.startswith("the row has 12 columns where the header has 17")


def test_a_last_line_that_stops_inside_a_quoted_value_is_cut_off(tmp_path):
    text = TIKTOK_OVERVIEW.read_text(encoding="utf-8-sig")
    cut = text[: text.index('"April 3"')] + '"April 3","35'
    table = Table(write(tmp_path, "o.csv", cut), {"views": ("Video Views",)}, required=("views",))
    records = list(table.read(counts("views")))
    assert [r.value for r in records if isinstance(r, ObservationRecord)] == [0, 493]
    (error,) = [r for r in records if isinstance(r, RowError)]
    assert error.row == 4
    assert "cut off" in error.message


def test_a_reader_that_stops_a_row_reports_every_problem_of_it_and_reads_on(tmp_path):
    text = '"Date","Likes","Comments"\n"April 1","x","y"\n"April 2","3","4"\n'
    table = Table(
        write(tmp_path, "o.csv", text),
        {"likes": ("Likes",), "comments": ("Comments",)},
        required=("likes",),
    )

    def read(row: Row) -> list[Record]:
        likes, comments = row.count("likes"), row.count("comments")
        row.check()
        if likes == 3:
            raise RowProblem("column “Likes”: three is one too many")
        return [ObservationRecord("likes", DAY, Decimal(comments or 0))]

    assert [(e.row, e.message) for e in table.read(read)] == [
        (2, "column “Likes”: “x” is not a number"),
        (2, "column “Comments”: “y” is not a number"),
        (3, "column “Likes”: three is one too many"),
    ]


def test_a_blank_required_value_names_its_column(tmp_path):
    text = '"Date","Likes"\n"","3"\n'
    table = Table(write(tmp_path, "o.csv", text), {"date": ("Date",)}, required=("date",))
    (row,) = rows_of(table)
    assert row.text("date", required=True) == ""
    assert row.problems == ["column “Date” is empty"]


def test_blank_rows_are_left_out(tmp_path):
    text = '"Date","Likes"\n\n"April 1","3"\n,\n'
    table = Table(write(tmp_path, "o.csv", text), {"likes": ("Likes",)}, required=("likes",))
    assert [(row.line, row.count("likes")) for row in rows_of(table)] == [(3, 3)]


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(ImportFailed, match="the file is empty"):
        Table(write(tmp_path, "e.csv", "\n\n"), {"likes": ("Likes",)}, required=())
