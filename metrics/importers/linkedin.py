"""LinkedIn Company Page analytics exports (README section 8).

Two formats, both old binary BIFF8 `.xls` workbooks read with xlrd:

- `linkedin_content` (`<vanity>_content_<epoch ms>.xls`): sheet `Metrics` (one row per day)
  and sheet `All posts` (one row per post). On both sheets row 1 is a one-cell note whose
  wording we do not rely on, row 2 the header, data from row 3. (If someone deleted the note
  row, a header on row 1 is accepted too.)
- `linkedin_followers` (`<vanity>_followers_<epoch ms>.xls`): sheet `New followers`, header on
  row 1. Its `Total followers` column is the number of NEW followers that day, not a running
  total. The demographic sheets (Location, Job function, …) are ignored.

Decisions where the spec left room:
- LinkedIn's `Clicks` count every click on a post (the content, the company name or logo,
  "see more"), not link clicks. They are NOT stored as `link_clicks` (daily) nor as
  `PostRecord.clicks`; they count towards engagements.
- Daily `engagements` = Clicks + Reactions + Comments + Reposts (total columns), LinkedIn's own
  definition: it reproduces the sheet's `Engagement rate (total)` exactly.
  Per post `engagements` = Clicks + Likes + Comments + Reposts + Follows, which reproduces the
  post's `Engagement rate` exactly (LinkedIn counts follows gained from a post there).
  The rate columns themselves are not stored: the catalogue derives rates from sums.
- `published_at` is the exact time encoded in the activity id (`id >> 22` milliseconds since
  the epoch) when that time falls within a day of `Created date`; otherwise local midnight of
  `Created date` in the team's zone.
- The account handle: the handle the user named (`ctx.handle`) when given, else the page
  vanity from the file name (`<vanity>_content_<digits>.xls`). The file name is never used
  to decide the format.
- When the export was made (ExportInfo): the epoch milliseconds LinkedIn puts in the file's
  name (`<vanity>_content_<epoch ms>.xls`, `…_followers_…`); a renamed file says nothing.
- `.xlsx`: LinkedIn exports `.xls`; a workbook re-saved as `.xlsx` is recognised (by its sheet
  names) and refused with a message asking for the original `.xls`, as no `.xlsx` reader is
  installed.
- Date cells are read whether they are text `MM/DD/YYYY` (what LinkedIn writes) or real Excel
  dates (what a re-save in Excel produces).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import xlrd  # type: ignore[import-untyped]

from metrics.importers.accounts import OneAccount
from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.dates import month_day_year, start_of_day
from metrics.importers.exports import latest, time_in_name
from metrics.importers.numbers import parse_int
from metrics.importers.tables import Columns, normalise_header
from metrics.importers.text import head_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence, TimeEvidence
from metrics.ingest.records import (
    ObservationRecord,
    ParseSummary,
    PostRecord,
    Record,
    RowError,
)
from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle
from metrics.platforms.text import typed_links

PLATFORM = Platform.LINKEDIN

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTENT_SHEETS = ("All posts", "Metrics")
_FOLLOWERS_SHEET = "New followers"

_URN = re.compile(r"urn:li:(activity|share|ugcPost):(\d{1,20})", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# `<page vanity>_content_<epoch ms>.xls` (and _followers_, _visitors_), as LinkedIn names
# its downloads; a browser may add " (1)".
_FILE_NAME = re.compile(
    r"(?P<vanity>[a-z0-9][a-z0-9_-]*?)_(?:content|followers|visitors)_(?P<ms>\d{10,})"
    r"(?:\s*\(\d+\))?\.xlsx?",
    re.IGNORECASE,
)
_XLSX_SHEET = re.compile(r"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")

# Serial dates in a Date column are accepted only if they land in this range.
_FIRST_YEAR, _LAST_YEAR = 2003, 2100

Cell = str | float | datetime | None


# --- reading workbooks -------------------------------------------------------------------


class _Sheet:
    """One worksheet as rows of plain cell values (text, number, datetime or None)."""

    def __init__(self, name: str, sheet: Any, datemode: int) -> None:
        self.name = name
        self._sheet = sheet
        self.datemode = datemode

    @property
    def nrows(self) -> int:
        return int(self._sheet.nrows)

    def row(self, index: int) -> list[Cell]:
        return [_cell_value(cell, self.datemode) for cell in self._sheet.row(index)]


def _cell_value(cell: Any, datemode: int) -> Cell:
    ctype = cell.ctype
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_TEXT:
        text = str(cell.value)
        return text if text.strip() else None
    if ctype == xlrd.XL_CELL_NUMBER:
        return float(cell.value)
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)  # type: ignore[no-any-return]
        except Exception:
            return float(cell.value)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if ctype == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
    return str(cell.value)


class _Workbook:
    def __init__(self, member: Member, data: bytes) -> None:
        self.member = member
        self._book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
        self.sheet_names: list[str] = [str(n) for n in self._book.sheet_names()]

    def sheet(self, wanted: str) -> _Sheet | None:
        for name in self.sheet_names:
            if normalise_header(name) == normalise_header(wanted):
                return _Sheet(name, self._book.sheet_by_name(name), int(self._book.datemode))
        return None

    def close(self) -> None:
        self._book.release_resources()


def _open_workbook(member: Member) -> _Workbook:
    try:
        return _Workbook(member, member.read())
    except ImportFailed:
        raise
    except Exception as exc:
        raise ImportFailed(
            f"{member.name} is not a readable Excel .xls workbook ({exc}). "
            "Download the export from LinkedIn again."
        ) from None


def _header_at(sheet: _Sheet, signature: Sequence[str], rows: Sequence[int]) -> int | None:
    """The row index (among `rows`) whose cells hold every name in `signature`."""
    wanted = {normalise_header(s) for s in signature}
    for index in rows:
        if index >= sheet.nrows:
            break
        names = {normalise_header(str(c)) for c in sheet.row(index) if isinstance(c, str)}
        if wanted <= names:
            return index
    return None


_POSTS_SIGNATURE = ("Post title", "Post link", "Created date")
_METRICS_SIGNATURE = ("Date", "Impressions (total)")
_FOLLOWERS_SIGNATURE = ("Date",)  # on a sheet named “New followers”


def _xls_kind(member: Member) -> str | None:
    """'content', 'followers' or None, from the workbook's sheets (never raises)."""
    try:
        if not member.head().startswith(_OLE_MAGIC):
            return None
        book = _Workbook(member, member.read())
    except Exception:
        return None
    try:
        posts = book.sheet("All posts")
        if posts is not None and _header_at(posts, _POSTS_SIGNATURE, (1, 0)) is not None:
            return "content"
        metrics = book.sheet("Metrics")
        if metrics is not None and _header_at(metrics, _METRICS_SIGNATURE, (1, 0)) is not None:
            return "content"
        followers = book.sheet(_FOLLOWERS_SHEET)
        if (
            followers is not None
            and _header_at(followers, _FOLLOWERS_SIGNATURE, (0, 1)) is not None
        ):
            return "followers"
        return None
    except Exception:
        return None
    finally:
        book.close()


def _xlsx_kind(source: Source) -> str | None:
    """An .xlsx (a zip of XML parts) with LinkedIn's sheet names (never raises)."""
    try:
        for member in source.members:
            if not member.name.lower().endswith("xl/workbook.xml"):
                continue
            names = {
                normalise_header(html.unescape(n)) for n in _XLSX_SHEET.findall(head_text(member))
            }
            if {normalise_header(s) for s in _CONTENT_SHEETS} & names:
                return "content"
            if normalise_header(_FOLLOWERS_SHEET) in names:
                return "followers"
    except Exception:
        return None
    return None


def _sniffer(kind: str) -> Callable[[Source], bool]:
    def sniff(source: Source) -> bool:
        try:
            if _xlsx_kind(source) == kind:
                return True
            return any(_xls_kind(m) == kind for m in source.members)
        except Exception:
            return False

    return sniff


def _exports(source: Source, kind: str) -> list[Member]:
    """The source's LinkedIn .xls exports of this kind; ImportFailed when it has none."""
    if _xlsx_kind(source) is not None:
        raise ImportFailed(
            f"{source.name} is an .xlsx workbook. Strategy Tracker reads LinkedIn's original "
            "export, which is an .xls file: download it again from LinkedIn (Analytics → "
            "Export), or open it in Excel and save it as “Excel 97-2004 Workbook (.xls)”."
        )
    members = [m for m in source.members if _xls_kind(m) == kind]
    if not members:
        raise ImportFailed(f"{source.name}: no LinkedIn {kind} export (.xls) found.")
    return members


def _exported(source: Source, member: Member) -> datetime | None:
    """The time in the file's name: epoch milliseconds."""
    return time_in_name(
        [member.basename.strip(), source.name.strip()],
        _FILE_NAME,
        lambda match: datetime.fromtimestamp(int(match["ms"]) / 1000, tz=UTC),
    )


def _workbooks(members: list[Member]) -> Iterator[_Workbook]:
    for member in members:
        book = _open_workbook(member)
        try:
            yield book
        finally:
            book.close()


# --- values --------------------------------------------------------------------------------


def _count(value: Cell) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError(f"“{value:%m/%d/%Y}” is not a number")
    if isinstance(value, float):
        if value != int(value):
            raise ValueError(f"“{value:g}” is not a whole number")
        return int(value)
    return parse_int(value)


def _day(value: Cell, datemode: int) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float):
        try:
            day = xlrd.xldate_as_datetime(value, datemode).date()
        except Exception:
            day = None
        if day is None or not _FIRST_YEAR <= day.year < _LAST_YEAR:
            raise ValueError(f"“{value:g}” is not a date")
        return day  # type: ignore[no-any-return]
    return month_day_year(value)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, datetime):
        return f"{value:%m/%d/%Y}"
    return value


def _activity_time(number: int, created: date | None) -> datetime | None:
    """The time LinkedIn encodes in a post id (ms since epoch in the bits above 22), if it
    agrees with the Created date (within a day, for time zones)."""
    try:
        moment = datetime.fromtimestamp((number >> 22) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if created is None:
        return moment if 2003 <= moment.year < 2100 else None
    if abs(moment.date() - created) <= timedelta(days=1):
        return moment
    return None


def _handle(source: Source, member: Member, ctx: ParseContext) -> str:
    if ctx.handle.strip():
        return canonical_handle(PLATFORM, ctx.handle)
    for name in (member.basename, source.name):
        match = _FILE_NAME.fullmatch(name.strip())
        if match:
            return canonical_handle(PLATFORM, match.group("vanity"))
    return ""


class _RowReader:
    """Reads one sheet's columns by name and turns bad cells into messages."""

    def __init__(
        self,
        sheet: _Sheet,
        header_index: int,
        wanted: dict[str, Sequence[str]],
        required: Sequence[str],
        member: Member,
    ) -> None:
        raw = [_text(c) for c in sheet.row(header_index)]
        self.raw_header = raw
        self.columns = Columns(
            raw, wanted, required=required, where=f"{member.name}, sheet “{sheet.name}”"
        )
        self.sheet = sheet
        self.cells: list[Cell] = []
        self.problems: list[str] = []

    def load(self, index: int) -> bool:
        """Load a row; False for a row that is entirely empty."""
        self.cells = self.sheet.row(index)
        self.problems = []
        return any(c is not None for c in self.cells)

    def name(self, key: str) -> str:
        return self.raw_header[self.columns.index[key]].strip()

    def cell(self, key: str) -> Cell:
        i = self.columns.index.get(key)
        if i is None or i >= len(self.cells):
            return None
        return self.cells[i]

    def count(self, key: str) -> int | None:
        try:
            return _count(self.cell(key))
        except ValueError as exc:
            self.problems.append(f"column “{self.name(key)}”: {exc}")
            return None

    def day(self, key: str) -> date | None:
        try:
            return _day(self.cell(key), self.sheet.datemode)
        except ValueError as exc:
            self.problems.append(f"column “{self.name(key)}”: {exc}")
            return None


def _errors(reader: _RowReader, index: int, member: Member) -> Iterator[RowError]:
    for problem in reader.problems:
        yield RowError(
            row=index + 1, message=f"sheet “{reader.sheet.name}”, {problem}", member=member.name
        )


# --- linkedin_content ----------------------------------------------------------------------

_METRICS_COLUMNS: dict[str, Sequence[str]] = {
    "date": ["Date"],
    "impressions": ["Impressions (total)"],
    "clicks": ["Clicks (total)"],
    "reactions": ["Reactions (total)"],
    "comments": ["Comments (total)"],
    "reposts": ["Reposts (total)", "Shares (total)"],
}

_POSTS_COLUMNS: dict[str, Sequence[str]] = {
    "title": ["Post title"],
    "link": ["Post link"],
    "created": ["Created date"],
    "impressions": ["Impressions"],
    "views": ["Views (excluding off-site video views)", "Views", "Views*"],
    "clicks": ["Clicks"],
    "likes": ["Likes"],
    "comments": ["Comments"],
    "reposts": ["Reposts", "Shares"],
    "follows": ["Follows"],
}


def parse_content(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    summary = ParseSummary()
    members = _exports(source, "content")
    yield from latest(_exported(source, member) for member in members)
    account = OneAccount(PLATFORM)
    for book in _workbooks(members):
        if info := account.announce(_handle(source, book.member, ctx)):
            yield info
        metrics = book.sheet("Metrics")
        posts = book.sheet("All posts")
        if metrics is None and posts is None:
            raise ImportFailed(f"{book.member.name}: no sheet “Metrics” or “All posts”.")
        if metrics is not None:
            yield from _daily_metrics(metrics, book.member, summary)
        if posts is not None:
            yield from _posts(posts, book.member, ctx, summary)
    return summary


def _locate_header(sheet: _Sheet, signature: Sequence[str], rows: Sequence[int]) -> int:
    """The header row; when it is not where expected, the required-column error names it."""
    found = _header_at(sheet, signature, rows)
    return rows[0] if found is None else found


def _daily_metrics(sheet: _Sheet, member: Member, summary: ParseSummary) -> Iterator[Record]:
    header = _locate_header(sheet, _METRICS_SIGNATURE, (1, 0))
    reader = _RowReader(sheet, header, _METRICS_COLUMNS, list(_METRICS_COLUMNS), member)
    for index in range(header + 1, sheet.nrows):
        if not reader.load(index):
            continue
        summary.rows_read += 1
        day = reader.day("date")
        if day is None and not reader.problems:
            reader.problems.append(f"column “{reader.name('date')}” is empty")
        values = {
            "impressions": reader.count("impressions"),
            "likes": reader.count("reactions"),
            "replies_received": reader.count("comments"),
            "reshares_received": reader.count("reposts"),
        }
        clicks = reader.count("clicks")
        if reader.problems or day is None:
            yield from _errors(reader, index, member)
            continue
        parts = [clicks, values["likes"], values["replies_received"], values["reshares_received"]]
        if all(p is not None for p in parts):
            values["engagements"] = sum(p for p in parts if p is not None)
        for metric, value in values.items():
            if value is not None:
                yield ObservationRecord(metric=metric, day=day, value=Decimal(value), row=index + 1)


def _posts(
    sheet: _Sheet, member: Member, ctx: ParseContext, summary: ParseSummary
) -> Iterator[Record]:
    header = _locate_header(sheet, _POSTS_SIGNATURE, (1, 0))
    required = ["title", "link", "created", "impressions", "clicks", "likes", "comments", "reposts"]
    reader = _RowReader(sheet, header, _POSTS_COLUMNS, required, member)
    for index in range(header + 1, sheet.nrows):
        if not reader.load(index):
            continue
        summary.rows_read += 1
        text = _text(reader.cell("title"))
        link = _text(reader.cell("link")).strip()
        created = reader.day("created")
        impressions = reader.count("impressions")
        views = reader.count("views")
        clicks = reader.count("clicks")
        likes = reader.count("likes")
        comments = reader.count("comments")
        reposts = reader.count("reposts")
        follows = reader.count("follows")
        urn = _URN.search(link)
        if urn is None:
            shown = link or "(empty)"
            reader.problems.append(
                f"column “{reader.name('link')}”: “{shown}” is not a LinkedIn post link "
                "(…/feed/update/urn:li:activity:<number>)"
            )
        if reader.problems or urn is None:
            yield from _errors(reader, index, member)
            continue
        kind, number = urn.group(1).lower(), int(urn.group(2))
        published = _activity_time(number, created)
        if published is None:
            if created is None:
                yield RowError(
                    row=index + 1,
                    message=f"sheet “{sheet.name}”, column “{reader.name('created')}” is empty "
                    "and the post link carries no usable date",
                    member=member.name,
                )
                continue
            published = start_of_day(created, ctx.tz)
        parts = [clicks, likes, comments, reposts]
        if "follows" in reader.columns:
            parts.append(follows)
        engagements = sum(p for p in parts if p is not None)
        yield PostRecord(
            platform_id=str(number) if kind == "activity" else f"{urn.group(1)}:{number}",
            published_at=published,
            text=text,
            permalink=link,
            links=typed_links(text),
            impressions=impressions,
            engagements=engagements if all(p is not None for p in parts) else None,
            likes=likes,
            replies=comments,
            reshares=reposts,
            video_views=views,
            row=index + 1,
        )


# --- linkedin_followers --------------------------------------------------------------------

_FOLLOWERS_COLUMNS: dict[str, Sequence[str]] = {
    "date": ["Date"],
    "total": ["Total followers"],
    "organic": ["Organic followers"],
    "sponsored": ["Sponsored followers"],
    "invited": ["Auto-invited followers"],
}


def parse_followers(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    summary = ParseSummary()
    members = _exports(source, "followers")
    yield from latest(_exported(source, member) for member in members)
    account = OneAccount(PLATFORM)
    for book in _workbooks(members):
        if info := account.announce(_handle(source, book.member, ctx)):
            yield info
        sheet = book.sheet(_FOLLOWERS_SHEET)
        if sheet is None:
            raise ImportFailed(f"{book.member.name}: no sheet “{_FOLLOWERS_SHEET}”.")
        header = _locate_header(sheet, _FOLLOWERS_SIGNATURE, (0, 1))
        reader = _RowReader(sheet, header, _FOLLOWERS_COLUMNS, ["date", "total"], book.member)
        for index in range(header + 1, sheet.nrows):
            if not reader.load(index):
                continue
            summary.rows_read += 1
            day = reader.day("date")
            if day is None and not reader.problems:
                reader.problems.append(f"column “{reader.name('date')}” is empty")
            total = reader.count("total")
            for key in ("organic", "sponsored", "invited"):
                reader.count(key)  # checked, so a damaged cell is reported; not stored
            if reader.problems or day is None:
                yield from _errors(reader, index, book.member)
                continue
            if total is not None:
                yield ObservationRecord(
                    metric="new_followers", day=day, value=Decimal(total), row=index + 1
                )
    return summary


FORMATS: list[Format] = [
    Format(
        key="linkedin_content",
        label="LinkedIn Page content export (.xls: Metrics and All posts)",
        platform=PLATFORM,
        sniff=_sniffer("content"),
        parse=parse_content,
        profile=SourceProfile(KindEvidence.NONE, TextEvidence.FULL, time=TimeEvidence.EXACT),
    ),
    Format(
        key="linkedin_followers",
        label="LinkedIn Page followers export (.xls: New followers)",
        platform=PLATFORM,
        sniff=_sniffer("followers"),
        parse=parse_followers,
    ),
]
