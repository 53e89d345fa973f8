"""The quarterly summary as CSV and XLSX: rows from a snapshot, one writer per format.

Everything here is a pure function of a `Summary` snapshot (goals.summaries.types); nothing
reads the database, so a document downloaded again later is the same document.

Every text cell that a spreadsheet could read as a formula (it starts with =, +, -, @, a tab
or a carriage return) is prefixed with a single quote, as the OWASP guidance on CSV injection
advises: post texts, names and notes are typed by people, some of them outside the team.
Numbers are never touched, so a negative number stays a number.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from goals.summaries.types import (
    CompetitorRow,
    ConversationNumbers,
    Mix,
    PostSummary,
    QuarterInfo,
    Summary,
)

# Documented in the README: renaming or reordering a column breaks people's spreadsheets.
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "team",
    "quarter",
    "strategy",
    "objective",
    "objective_owner",
    "key_result",
    "metric",
    "unit",
    "direction",
    "baseline",
    "target",
    "band_low",
    "band_high",
    "start_date",
    "due_date",
    "value_at_start",
    "value_at_end",
    "as_of",
    "previous_value",
    "change_vs_previous",
    "progress_percent",
    "expected_at_end",
    "status",
    "forecast_at_due",
    "forecast_low",
    "forecast_high",
    "latest_check_in_date",
    "latest_check_in_note",
)

_FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")

_T = TypeVar("_T")


@overload
def neutralise(value: str) -> str: ...
@overload
def neutralise(value: _T) -> _T: ...
def neutralise(value: object) -> object:
    """A text a spreadsheet would run as a formula gets a leading quote; anything else
    (numbers included, negative ones too) is returned as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


# --- rows ---------------------------------------------------------------------------------


def _number(value: float | None) -> float | None:
    # A snapshot is JSON, but NaN or infinity would still make an unreadable cell.
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _percent(fraction: float | None) -> float | None:
    """0.57 -> 57.0, through Decimal so the CSV does not read 56.99999999999999."""
    number = _number(fraction)
    if number is None:
        return None
    return float(Decimal(repr(number)) * 100)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def key_result_rows(summary: Summary) -> Iterator[dict[str, object]]:
    """One row per key result, keyed by CSV_COLUMNS, with typed values: `date` for dates,
    `float` for numbers, `str` for texts and None when unknown. Values are in the key
    result's unit; progress is a percent (progress × 100)."""
    for strategy in summary["strategies"]:
        for objective in strategy["objectives"]:
            for kr in objective["key_results"]:
                check_in = kr["latest_check_in"]
                yield {
                    "team": summary["team"],
                    "quarter": summary["quarter"]["code"],
                    "strategy": strategy["name"],
                    "objective": objective["title"],
                    "objective_owner": objective["owner"],
                    "key_result": kr["name"],
                    "metric": kr["metric_label"],
                    "unit": kr["unit"],
                    "direction": kr["direction"],
                    "baseline": _number(kr["baseline"]),
                    "target": _number(kr["target"]),
                    "band_low": _number(kr["band_low"]),
                    "band_high": _number(kr["band_high"]),
                    "start_date": _date(kr["start_date"]),
                    "due_date": _date(kr["due_date"]),
                    "value_at_start": _number(kr["value_at_start"]),
                    "value_at_end": _number(kr["value_at_end"]),
                    "as_of": _date(kr["as_of"]),
                    "previous_value": _number(kr["previous_value"]),
                    "change_vs_previous": _number(kr["change_vs_previous"]),
                    "progress_percent": _percent(kr["progress"]),
                    "expected_at_end": _number(kr["expected_at_end"]),
                    "status": kr["status"],
                    "forecast_at_due": _number(kr["forecast_at_due"]),
                    "forecast_low": _number(kr["forecast_low"]),
                    "forecast_high": _number(kr["forecast_high"]),
                    "latest_check_in_date": _date(check_in["date"]) if check_in else None,
                    "latest_check_in_note": check_in["note"] if check_in else None,
                }


# --- CSV ----------------------------------------------------------------------------------


def _plain_decimal(number: float) -> str:
    """1200.0 -> '1200', 1e-05 -> '0.00001', 0.1 -> '0.1': no exponent, no separators."""
    text = format(Decimal(repr(number)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _plain_decimal(value) if math.isfinite(value) else ""
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    return neutralise(str(value))


def summary_csv(summary: Summary) -> bytes:
    """The key results, one per row. UTF-8 with a BOM so Excel reads the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in key_result_rows(summary):
        writer.writerow([_csv_text(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


# --- XLSX ---------------------------------------------------------------------------------

SHEET_NAMES: Final[tuple[str, ...]] = (
    "Summary",
    "Key results",
    "Conversation",
    "Top posts",
    "Threads",
    "Competitors",
    "Annotations",
)

_DATE: Final = "yyyy-mm-dd"
_DATETIME: Final = "yyyy-mm-dd hh:mm"
_PERCENT: Final = "0.0%"
_COUNT: Final = "#,##0"
_DECIMAL: Final = "0.00"
_GENERAL: Final = "General"

_BOLD: Final = Font(bold=True)
_MIN_WIDTH: Final = 8
_MAX_WIDTH: Final = 60
_TEXT_WIDTH: Final = 80  # post texts: wide, wrapped

# Key results sheet: (header, number format) per CSV column. Values of a key result are in
# its own unit, which differs from row to row; "(unit)" points at the Unit column.
_KEY_RESULT_HEADERS: Final[dict[str, tuple[str, str]]] = {
    "team": ("Team", _GENERAL),
    "quarter": ("Quarter", _GENERAL),
    "strategy": ("Strategy", _GENERAL),
    "objective": ("Objective", _GENERAL),
    "objective_owner": ("Objective owner", _GENERAL),
    "key_result": ("Key result", _GENERAL),
    "metric": ("Metric", _GENERAL),
    "unit": ("Unit", _GENERAL),
    "direction": ("Direction", _GENERAL),
    "baseline": ("Baseline (unit)", _GENERAL),
    "target": ("Target (unit)", _GENERAL),
    "band_low": ("Band low (unit)", _GENERAL),
    "band_high": ("Band high (unit)", _GENERAL),
    "start_date": ("Start date", _DATE),
    "due_date": ("Due date", _DATE),
    "value_at_start": ("Value at start (unit)", _GENERAL),
    "value_at_end": ("Value at end (unit)", _GENERAL),
    "as_of": ("As of", _DATE),
    "previous_value": ("Previous value (unit)", _GENERAL),
    "change_vs_previous": ("Change vs previous (unit)", _GENERAL),
    "progress_percent": ("Progress (%)", _PERCENT),
    "expected_at_end": ("Expected at end (unit)", _GENERAL),
    "status": ("Status", _GENERAL),
    "forecast_at_due": ("Forecast at due (unit)", _GENERAL),
    "forecast_low": ("Forecast low (unit)", _GENERAL),
    "forecast_high": ("Forecast high (unit)", _GENERAL),
    "latest_check_in_date": ("Latest check-in date", _DATE),
    "latest_check_in_note": ("Latest check-in note", _GENERAL),
}


def _put(
    sheet: Worksheet, row: int, column: int, value: object, number_format: str = _GENERAL
) -> Any:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        # Strip the control characters XML cannot hold first, so none hides a prefix.
        cell.value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # never a formula, whatever openpyxl infers
    else:
        cell.value = value
        if value is not None and number_format != _GENERAL:
            cell.number_format = number_format
    return cell


def _header(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    for column, header in enumerate(headers, start=1):
        _put(sheet, row, column, header).font = _BOLD


def _table(
    sheet: Worksheet,
    headers: Sequence[str],
    formats: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    start: int = 1,
) -> int:
    """Writes a header row and rows from `start`; returns the next free row."""
    _header(sheet, start, headers)
    row_number = start + 1
    for values in rows:
        for column, (value, number_format) in enumerate(zip(values, formats, strict=True), 1):
            _put(sheet, row_number, column, value, number_format)
        row_number += 1
    return row_number


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return min(len(_plain_decimal(value)), 15)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _finish(sheet: Worksheet, *, wrap: Sequence[int] = ()) -> None:
    """Frozen, bold header row; columns as wide as their content, within limits."""
    sheet.freeze_panes = "A2"
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for column, width in widths.items():
        limit = _TEXT_WIDTH if column in wrap else _MAX_WIDTH
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = max(_MIN_WIDTH, min(width + 2, limit))
        if column in wrap:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _zone(summary: Summary) -> tuple[ZoneInfo, str]:
    try:
        return ZoneInfo(summary["time_zone"]), summary["time_zone"]
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), "UTC"


def _local(value: str | None, zone: ZoneInfo) -> datetime | None:
    """An ISO datetime as naive wall-clock time in the team's zone: Excel has no offsets."""
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone).replace(tzinfo=None)
    return moment


def _quarter_rows(label: str, quarter: QuarterInfo) -> list[tuple[str, object, str]]:
    return [
        (label, quarter["label"], _GENERAL),
        (f"{label} start", _date(quarter["start"]), _DATE),
        (f"{label} end", _date(quarter["end"]), _DATE),
    ]


def _summary_sheet(sheet: Worksheet, summary: Summary) -> None:
    zone, zone_name = _zone(summary)
    items: list[tuple[str, object, str]] = [
        ("Team", summary["team"], _GENERAL),
        *_quarter_rows("Quarter", summary["quarter"]),
        *_quarter_rows("Previous quarter", summary["previous_quarter"]),
        ("Strategies shown", summary["strategy_filter"] or "All active in the quarter", _GENERAL),
        ("Time zone", summary["time_zone"], _GENERAL),
        (f"Generated at ({zone_name})", _local(summary["generated_at"], zone), _DATETIME),
        ("Generated by", summary["generated_by"], _GENERAL),
    ]
    _header(sheet, 1, ("Item", "Value"))
    for row, (label, value, number_format) in enumerate(items, start=2):
        _put(sheet, row, 1, label)
        _put(sheet, row, 2, value, number_format)
    next_row = len(items) + 2

    next_row = _table(
        sheet,
        ("Data freshness: account", "Platform", "Competitor", "Data up to"),
        (_GENERAL, _GENERAL, _GENERAL, _DATE),
        (
            (item["account"], item["platform"], item["competitor"], _date(item["data_up_to"]))
            for item in summary["freshness"]
        ),
        start=next_row + 1,
    )
    _table(
        sheet,
        ("Strategy", "Status", "Period start", "Period end", "Progress (%)"),
        (_GENERAL, _GENERAL, _DATE, _DATE, _PERCENT),
        (
            (
                strategy["name"],
                strategy["status"],
                _date(strategy["period_start"]),
                _date(strategy["period_end"]),
                _number(strategy["progress"]),
            )
            for strategy in summary["strategies"]
        ),
        start=next_row + 1,
    )
    _finish(sheet)


def _key_result_sheet(sheet: Worksheet, summary: Summary) -> None:
    headers = [_KEY_RESULT_HEADERS[column][0] for column in CSV_COLUMNS]
    formats = [_KEY_RESULT_HEADERS[column][1] for column in CSV_COLUMNS]

    def typed(row: dict[str, object]) -> list[object]:
        values = [row[column] for column in CSV_COLUMNS]
        # Excel's percent format multiplies by 100, so the cell holds the fraction again.
        index = CSV_COLUMNS.index("progress_percent")
        percent = values[index]
        if isinstance(percent, float):
            values[index] = float(Decimal(repr(percent)) / 100)
        return values

    _table(sheet, headers, formats, (typed(row) for row in key_result_rows(summary)))
    _finish(sheet)


_MIX_LABELS: Final = ("Conversation share", "Sharing share", "Helpful share", "Promotional share")


def _mix_shares(mix: Mix | None) -> list[tuple[str, float | None]]:
    if mix is None:
        return [(label, None) for label in _MIX_LABELS]
    shares = (mix["conversation"], mix["sharing"], mix["helpful"], mix["promotional"])
    return [(label, _number(share)) for label, share in zip(_MIX_LABELS, shares, strict=True)]


def _measures(numbers: ConversationNumbers) -> list[tuple[str, str, float | int | None]]:
    """(label, number format, value) per row of the Conversation sheet."""
    return [
        ("Posts", _COUNT, numbers["posts"]),
        *((label, _PERCENT, share) for label, share in _mix_shares(numbers["mix"])),
        ("Reply share", _PERCENT, _number(numbers["reply_share"])),
        ("With:at ratio", _DECIMAL, _number(numbers["with_at_ratio"])),
        ("People addressed", _COUNT, numbers["people_addressed"]),
        ("New people", _COUNT, numbers["new_people"]),
        ("Questions", _COUNT, numbers["questions"]),
    ]


def _conversation_sheet(sheet: Worksheet, summary: Summary) -> None:
    conversation = summary["conversation"]
    _header(
        sheet,
        1,
        (
            "Measure",
            f"This quarter ({summary['quarter']['label']})",
            "Planned (this quarter)",
            f"Previous quarter ({summary['previous_quarter']['label']})",
        ),
    )
    # The planned mix sits next to the actual one; other measures have no plan.
    planned = dict(_mix_shares(conversation["planned_mix"]))
    current = _measures(conversation["current"])
    previous = _measures(conversation["previous"])
    for row, ((label, number_format, now), (_, _, before)) in enumerate(
        zip(current, previous, strict=True), start=2
    ):
        _put(sheet, row, 1, label)
        _put(sheet, row, 2, now, number_format)
        _put(sheet, row, 3, planned.get(label), number_format)
        _put(sheet, row, 4, before, number_format)
    _finish(sheet)


def _http_link(value: str) -> str:
    text = value.strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


def _posts_sheet(sheet: Worksheet, summary: Summary, posts: list[PostSummary]) -> None:
    zone, zone_name = _zone(summary)
    _table(
        sheet,
        (
            f"Published ({zone_name})",
            "Account",
            "Text",
            "Link",
            "Engagements",
            "Likes",
            "Replies",
        ),
        (_DATETIME, _GENERAL, _GENERAL, _GENERAL, _COUNT, _COUNT, _COUNT),
        (
            (
                _local(post["published_at"], zone),
                post["account"],
                post["text"],
                post["permalink"],
                _number(post["engagements"]),
                _number(post["likes"]),
                _number(post["replies"]),
            )
            for post in posts
        ),
    )
    # Only http(s) links become clickable; anything else stays (neutralised) text.
    for row, post in enumerate(posts, start=2):
        link = _http_link(post["permalink"])
        if link:
            cell = sheet.cell(row=row, column=4)
            cell.hyperlink = link
            cell.style = "Hyperlink"
    _finish(sheet, wrap=(3,))


def _competitors_sheet(sheet: Worksheet, summary: Summary) -> None:
    def top(row: CompetitorRow) -> tuple[str, float | None]:
        post = row.get("top_post")
        return (post["text"], post["engagements"]) if post else ("", None)

    _table(
        sheet,
        (
            "Account",
            "Competitor",
            "Follower growth (%)",
            "Posts per week",
            "Engagement per post",
            "Reply share (%)",
            "With:at",
            "Top post",
            "Top post engagements",
        ),
        (_GENERAL, _GENERAL, _PERCENT, _DECIMAL, _DECIMAL, _PERCENT, _DECIMAL, _GENERAL, _COUNT),
        (
            (
                row["account"],
                row["competitor"],
                _number(row["follower_growth"]),
                _number(row["posts_per_week"]),
                _number(row["engagement_per_post"]),
                _number(row.get("reply_share")),
                _number(row.get("with_at")),
                *top(row),
            )
            for row in summary["competitors"]
        ),
    )
    _finish(sheet, wrap=(8,))


def annotation_rows(summary: Summary) -> Iterator[tuple[object, ...]]:
    """One row per annotation of the quarter: date, end date, title, shown on, note."""
    for a in summary.get("annotations", []):
        yield (_date(a["date"]), _date(a["end_date"]), a["title"], a["scope"], a["note"])


def _annotations_sheet(sheet: Worksheet, summary: Summary) -> None:
    _table(
        sheet,
        ("Date", "End date", "Title", "Shown on", "Note"),
        (_DATE, _DATE, _GENERAL, _GENERAL, _GENERAL),
        annotation_rows(summary),
    )
    _finish(sheet, wrap=(5,))


def summary_xlsx(summary: Summary) -> bytes:
    """A workbook with one sheet per section of the summary (SHEET_NAMES), typed cells."""
    workbook = Workbook()
    summary_sheet = workbook.active
    assert summary_sheet is not None  # a new workbook always has one sheet  # noqa: S101
    summary_sheet.title = SHEET_NAMES[0]
    _summary_sheet(summary_sheet, summary)
    _key_result_sheet(workbook.create_sheet(SHEET_NAMES[1]), summary)
    _conversation_sheet(workbook.create_sheet(SHEET_NAMES[2]), summary)
    _posts_sheet(workbook.create_sheet(SHEET_NAMES[3]), summary, summary["top_posts"])
    _posts_sheet(workbook.create_sheet(SHEET_NAMES[4]), summary, summary["threads"])
    _competitors_sheet(workbook.create_sheet(SHEET_NAMES[5]), summary)
    _annotations_sheet(workbook.create_sheet(SHEET_NAMES[6]), summary)

    workbook.properties.creator = "Strategy Tracker"
    workbook.properties.title = f"{summary['team']}: {summary['quarter']['label']} summary"
    generated = datetime.fromisoformat(summary["generated_at"])
    if generated.tzinfo is not None:
        generated = generated.astimezone(UTC).replace(tzinfo=None)
    workbook.properties.created = generated
    workbook.properties.modified = generated

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = [
    "CSV_COLUMNS",
    "SHEET_NAMES",
    "annotation_rows",
    "key_result_rows",
    "neutralise",
    "summary_csv",
    "summary_xlsx",
]
