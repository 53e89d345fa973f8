import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from goals.summaries.tabular import (
    CSV_COLUMNS,
    key_result_rows,
    neutralise,
    summary_csv,
    summary_xlsx,
)

DANGEROUS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
]
SHEETS = [
    "Summary",
    "Key results",
    "Conversation",
    "Top posts",
    "Threads",
    "Competitors",
    "Annotations",
]


def _kr(**overrides):
    kr = {
        "id": 1,
        "name": "Reply share reaches 8%",
        "metric_key": "reply_share",
        "metric_label": "Reply share",
        "unit": "%",
        "direction": "increase",
        "baseline": 5.0,
        "target": 8.0,
        "band_low": None,
        "band_high": None,
        "start_date": "2026-07-01",
        "due_date": "2026-09-30",
        "weight": 1.0,
        "value_at_start": 5.2,
        "value_at_end": 7.1,
        "as_of": "2026-09-28",
        "previous_value": 7.6,
        "change_vs_previous": -0.5,
        "progress": 0.7,
        "expected_at_end": 8.0,
        "status": "at_risk",
        "status_label": "At risk",
        "forecast_at_due": None,
        "forecast_low": None,
        "forecast_high": None,
        "latest_check_in": None,
        "series": [("2026-07-01", 5.2), ("2026-09-28", 7.1)],
    }
    kr.update(overrides)
    return kr


def _post(text, **overrides):
    post = {
        "account": "X (Twitter) @loomwellroast",
        "published_at": "2026-08-14T09:30:00+00:00",
        "text": text,
        "permalink": "https://x.com/loomwellroast/status/1",
        "engagements": 120.0,
        "likes": 80.0,
        "replies": 12.0,
    }
    post.update(overrides)
    return post


def _numbers(posts, conversation):
    return {
        "posts": posts,
        "mix": {"conversation": conversation, "sharing": 0.3, "helpful": 0.2, "promotional": 0.1},
        "reply_share": 0.071,
        "with_at_ratio": 0.28,
        "people_addressed": 19,
        "new_people": 7,
        "questions": 5,
    }


@pytest.fixture
def summary():
    talk = {
        "title": "Talk with people, not at them",
        "owner": "Alice Example",
        "weight": 2.0,
        "progress": 0.65,
        "key_results": [
            _kr(),
            _kr(
                id=2,
                name="One post with people for every three broadcasts",
                metric_key="with_at_ratio",
                metric_label="With:at ratio",
                unit="ratio",
                baseline=0.15,
                target=0.33,
                value_at_start=0.15,
                value_at_end=0.28,
                previous_value=0.2,
                change_vs_previous=0.08,
                progress=0.7222222222222222,
                expected_at_end=0.33,
                status="on_track",
                status_label="On track",
                due_date="2026-12-31",
                forecast_at_due=0.36,
                forecast_low=0.3,
                forecast_high=0.41,
            ),
        ],
    }
    promotion = {
        "title": "-5 followers is not a plan",
        "owner": "@bob",
        "weight": 1.0,
        "progress": 0.5,
        "key_results": [
            _kr(
                id=3,
                name="Keep promotional posts between 10 and 14",
                metric_key="promo_posts",
                metric_label="Promotional posts",
                unit="count",
                direction="band",
                baseline=20.0,
                target=None,
                band_low=10.0,
                band_high=14.0,
                value_at_start=18.0,
                value_at_end=12.0,
                previous_value=1234567.5,
                change_vs_previous=-1234555.5,
                progress=1.0,
                expected_at_end=14.0,
                status="achieved",
                status_label="Achieved",
            ),
        ],
    }
    events = {
        "title": "Meet people in person",
        "owner": "Bob Example",
        "weight": 1.0,
        "progress": None,
        "key_results": [
            _kr(
                id=4,
                name='=HYPERLINK("http://evil.example","x")',
                metric_key="manual",
                metric_label="Manual",
                unit="events",
                baseline=0.0,
                target=2.0,
                value_at_start=None,
                value_at_end=None,
                as_of=None,
                previous_value=None,
                change_vs_previous=None,
                progress=None,
                expected_at_end=0.00001,
                status="no_data",
                status_label="No data",
                latest_check_in={
                    "date": "2026-08-20",
                    "value": None,
                    "confidence": "medium",
                    "note": "@SUM(A1) first tasting done; the second slipped",
                },
            ),
        ],
    }
    return {
        "version": 1,
        "team": "Loomwell",
        "team_slug": "loomwell",
        "time_zone": "Europe/Berlin",
        "quarter": {
            "code": "2026-Q3",
            "label": "2026 Q3",
            "start": "2026-07-01",
            "end": "2026-09-30",
        },
        "previous_quarter": {
            "code": "2026-Q2",
            "label": "2026 Q2",
            "start": "2026-04-01",
            "end": "2026-06-30",
        },
        "strategy_filter": None,
        "generated_at": "2026-10-01T06:00:00+00:00",
        "generated_by": "alice",
        "freshness": [
            {
                "account": "X (Twitter) @loomwellroast",
                "platform": "x",
                "competitor": False,
                "data_up_to": "2026-09-28",
            },
            {
                "account": "TikTok @rivalbeans",
                "platform": "tiktok",
                "competitor": True,
                "data_up_to": None,
            },
        ],
        "strategies": [
            {
                "name": "Café voices 2026",
                "status": "active",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "purpose": "Talk with people.",
                "progress": 0.6,
                "objectives": [talk, promotion],
            },
            {
                "name": "+Events",
                "status": "active",
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "purpose": "",
                "progress": None,
                "objectives": [events],
            },
        ],
        "conversation": {
            "planned_mix": {
                "conversation": 0.5,
                "sharing": 0.2,
                "helpful": 0.2,
                "promotional": 0.1,
            },
            "current": _numbers(42, 0.4),
            "previous": _numbers(37, 0.35),
        },
        "top_posts": [
            *(_post(text) for text in DANGEROUS),
            _post("Our new Ethiopian roast is in.", permalink="javascript:alert(1)"),
        ],
        "threads": [_post("Which grinder do you use?", replies=-3.0)],
        "competitors": [
            {
                "account": "TikTok @rivalbeans",
                "competitor": True,
                "follower_growth": -0.025,
                "posts_per_week": 4.5,
                "engagement_per_post": 31.2,
            },
        ],
        "follower_series": {"X (Twitter) @loomwellroast": [("2026-07-01", 1200.0)]},
    }


def _csv_rows(summary):
    data = summary_csv(summary)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _workbook(summary):
    return load_workbook(io.BytesIO(summary_xlsx(summary)))


def _key_results_sheet(summary):
    sheet = _workbook(summary)["Key results"]
    headers = [cell.value for cell in sheet[1]]
    rows = [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    return headers, rows


@pytest.mark.parametrize("text", [*DANGEROUS, "-5 followers"])
def test_it_neutralises_texts_that_start_like_a_formula(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Normal text", "a=b", "", -5, -2.5, 0, None, date(2026, 1, 1)])
def test_it_leaves_numbers_and_harmless_texts_alone(value):
    assert neutralise(value) == value


def test_it_yields_one_row_per_key_result_with_every_column(summary):
    rows = list(key_result_rows(summary))

    assert [row["key_result"] for row in rows] == [
        "Reply share reaches 8%",
        "One post with people for every three broadcasts",
        "Keep promotional posts between 10 and 14",
        '=HYPERLINK("http://evil.example","x")',
    ]
    assert all(tuple(row) == CSV_COLUMNS for row in rows)
    assert rows[0]["progress_percent"] == 70.0
    assert rows[0]["due_date"] == date(2026, 9, 30)


def test_it_starts_the_csv_with_a_bom(summary):
    assert summary_csv(summary).startswith(b"\xef\xbb\xbf")


def test_it_writes_csv_columns_as_the_header(summary):
    assert tuple(_csv_rows(summary)[0]) == CSV_COLUMNS


def test_it_writes_one_csv_row_per_key_result(summary):
    assert len(_csv_rows(summary)) == 1 + 4


def test_it_round_trips_values_through_the_csv(summary):
    header, *rows = _csv_rows(summary)
    first, second, band, manual = (dict(zip(header, row, strict=True)) for row in rows)

    assert first["team"] == "Loomwell"
    assert first["quarter"] == "2026-Q3"
    assert first["strategy"] == "Café voices 2026"
    assert first["metric"] == "Reply share"
    assert first["baseline"] == "5"
    assert first["value_at_end"] == "7.1"
    assert first["change_vs_previous"] == "-0.5"
    assert first["progress_percent"] == "70"
    assert first["as_of"] == "2026-09-28"
    assert float(second["progress_percent"]) == pytest.approx(72.2222222)
    assert second["forecast_low"] == "0.3"
    assert band["direction"] == "band"
    assert (band["band_low"], band["band_high"], band["target"]) == ("10", "14", "")
    assert band["previous_value"] == "1234567.5"
    assert manual["latest_check_in_date"] == "2026-08-20"
    assert manual["expected_at_end"] == "0.00001"


def test_it_leaves_unknown_values_empty_in_the_csv(summary):
    header, *rows = _csv_rows(summary)
    manual = dict(zip(header, rows[3], strict=True))

    for column in ("value_at_start", "value_at_end", "as_of", "progress_percent"):
        assert manual[column] == ""
    first = dict(zip(header, rows[0], strict=True))
    assert first["latest_check_in_date"] == first["latest_check_in_note"] == ""


def test_it_neutralises_dangerous_texts_in_the_csv(summary):
    header, *rows = _csv_rows(summary)
    band, manual = (dict(zip(header, row, strict=True)) for row in rows[2:])

    assert manual["key_result"] == '\'=HYPERLINK("http://evil.example","x")'
    assert manual["strategy"] == "'+Events"
    assert manual["latest_check_in_note"].startswith("'@SUM(A1)")
    assert band["objective"] == "'-5 followers is not a plan"
    assert band["objective_owner"] == "'@bob"
    # A negative number is a number, not a formula.
    assert band["change_vs_previous"] == "-1234555.5"


def test_it_writes_the_six_sheets_in_order(summary):
    assert _workbook(summary).sheetnames == SHEETS


def test_it_freezes_and_bolds_the_header_row_of_every_sheet(summary):
    workbook = _workbook(summary)

    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
        assert sheet.column_dimensions["A"].width >= 8


def test_it_puts_units_in_the_key_result_headers(summary):
    headers, _ = _key_results_sheet(summary)

    assert len(headers) == len(CSV_COLUMNS)
    assert "Value at end (unit)" in headers
    assert "Target (unit)" in headers
    assert "Progress (%)" in headers
    assert "Unit" in headers


def test_it_types_key_result_cells_in_xlsx(summary):
    sheet = _workbook(summary)["Key results"]
    headers = [cell.value for cell in sheet[1]]
    first = dict(zip(headers, sheet[2], strict=True))

    assert isinstance(first["Due date"].value, datetime)
    assert first["Due date"].value.date() == date(2026, 9, 30)
    assert first["Due date"].is_date
    assert first["Value at end (unit)"].value == 7.1
    assert first["Value at end (unit)"].data_type == "n"
    assert first["Change vs previous (unit)"].value == -0.5
    assert first["Change vs previous (unit)"].data_type == "n"
    assert first["Progress (%)"].value == pytest.approx(0.7)
    assert "%" in first["Progress (%)"].number_format


def test_it_leaves_unknown_values_empty_in_xlsx(summary):
    _, rows = _key_results_sheet(summary)
    manual = rows[3]

    for header in ("Value at start (unit)", "Value at end (unit)", "As of", "Progress (%)"):
        assert manual[header].value is None
    assert rows[0]["Latest check-in note"].value is None


def _all_cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_it_neutralises_dangerous_texts_in_every_sheet(summary):
    workbook = _workbook(summary)
    texts = [cell.value for cell in _all_cells(workbook) if isinstance(cell.value, str)]

    for text in DANGEROUS:
        # XML reads a stored carriage return back as a line feed; the quote stays first.
        stored = text.replace("\r", "\n")
        assert "'" + stored in texts
        assert stored not in texts
    assert all(cell.data_type != "f" for cell in _all_cells(workbook))
    assert all(not text.startswith(("=", "+", "-", "@", "\t", "\r")) for text in texts)


def test_it_keeps_negative_numbers_numeric_in_xlsx(summary):
    workbook = _workbook(summary)
    band = workbook["Key results"]["T4"]
    reply_count = workbook["Threads"]["G2"]
    growth = workbook["Competitors"]["C2"]

    assert (band.value, band.data_type) == (-1234555.5, "n")
    assert (reply_count.value, reply_count.data_type) == (-3, "n")
    assert (growth.value, growth.data_type) == (-0.025, "n")
    assert "%" in growth.number_format


def test_it_writes_posts_with_real_datetimes_in_the_team_zone(summary):
    sheet = _workbook(summary)["Top posts"]

    assert sheet["A1"].value == "Published (Europe/Berlin)"
    assert [cell.value for cell in sheet[1]][1:] == [
        "Account",
        "Text",
        "Link",
        "Engagements",
        "Likes",
        "Replies",
    ]
    # 09:30 UTC is 11:30 in Berlin in summer.
    assert sheet["A2"].value == datetime(2026, 8, 14, 11, 30)
    assert sheet["A2"].is_date
    assert sheet["E2"].value == 120
    assert sheet.max_row == 1 + len(summary["top_posts"])


def test_it_links_only_http_permalinks(summary):
    sheet = _workbook(summary)["Top posts"]

    assert sheet["D2"].hyperlink.target == "https://x.com/loomwellroast/status/1"
    assert sheet["D8"].value == "javascript:alert(1)"
    assert sheet["D8"].hyperlink is None


def test_it_puts_the_planned_mix_next_to_the_actual_one(summary):
    sheet = _workbook(summary)["Conversation"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}

    assert [cell.value for cell in sheet[1]] == [
        "Measure",
        "This quarter (2026 Q3)",
        "Planned (this quarter)",
        "Previous quarter (2026 Q2)",
    ]
    share = rows["Conversation share"]
    assert [cell.value for cell in share[1:]] == [0.4, 0.5, 0.35]
    assert all("%" in cell.number_format for cell in share[1:])
    assert [cell.value for cell in rows["Posts"][1:]] == [42, None, 37]
    assert rows["Reply share"][1].value == 0.071
    assert "%" in rows["Reply share"][1].number_format
    assert rows["Questions"][3].value == 5


def test_it_leaves_the_plan_empty_without_a_planned_mix(summary):
    summary["conversation"]["planned_mix"] = None
    sheet = _workbook(summary)["Conversation"]

    assert all(row[2].value is None for row in sheet.iter_rows(min_row=2))


def test_it_writes_the_summary_sheet_with_dates_and_freshness(summary):
    sheet = _workbook(summary)["Summary"]
    items = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2) if row[0].value}

    assert items["Team"] == "Loomwell"
    assert items["Quarter"] == "2026 Q3"
    assert items["Quarter start"] == datetime(2026, 7, 1)
    assert items["Previous quarter end"] == datetime(2026, 6, 30)
    assert items["Strategies shown"] == "All active in the quarter"
    assert items["Generated at (Europe/Berlin)"] == datetime(2026, 10, 1, 8, 0)
    assert items["Generated by"] == "alice"
    assert items["X (Twitter) @loomwellroast"] == "x"
    freshness = next(row for row in sheet.iter_rows() if row[0].value == "TikTok @rivalbeans")
    assert freshness[2].value is True
    assert freshness[3].value is None


def test_it_strips_characters_that_xml_cannot_hold(summary):
    summary["threads"] = [_post("bell\x07=1+1")]

    sheet = _workbook(summary)["Threads"]

    assert sheet["C2"].value == "bell=1+1"


def test_it_strips_a_control_character_hiding_a_formula(summary):
    summary["threads"] = [_post("\x07=1+1")]

    assert _workbook(summary)["Threads"]["C2"].value == "'=1+1"
