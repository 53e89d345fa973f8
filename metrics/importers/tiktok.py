"""TikTok Studio analytics (Analytics → Download data), README section 10.

One download is four zips; three of them are imported, each on its own:

- ``Overview_<range start>_<unix seconds>_<handle>.zip`` → ``Overview.csv``: daily video
  views, profile views, likes, comments and shares (``tiktok_overview``);
- ``Followers_<handle>.zip`` → ``FollowerHistory.csv``: the daily follower level
  (``tiktok_followers``); the activity, gender and territory snapshots beside it are ignored;
- ``Content_<handle>.zip`` → ``Content.csv``: up to about 15 recent videos with their
  lifetime totals (``tiktok_content``);
- ``Viewers_<handle>.zip`` → ``Viewers.csv`` holds viewer counts, which no catalogue metric
  tracks: it is recognised (``tiktok_viewers``) only to say so clearly.

Each format takes the zip, the unpacked folder or the CSV alone, and finds its file by its
header, never by its name.

Dates have no year and follow the UI language ("August 9", "9月13日"). The year comes from
an anchor, the export day: the unix seconds in the Overview zip/folder name, else the
``Time`` column of a Content.csv in the same upload, else the import day. A date later than
the anchor belongs to the year before (December → January).

``Content.csv`` does not escape quotes inside titles (``"Pumpkin spice: "yes", "no"…"``), so
its lines are split on the ``","`` between fields, with the title taking whatever is left
between the fields before it and the fixed fields after it, and the video link checked at its
place. The video id's upper 32 bits are the upload time in unix seconds.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import IO

from metrics.importers.common import (
    Columns,
    Format,
    ImportFailed,
    Member,
    ParseContext,
    Source,
    first_csv_row,
    head_text,
    iter_csv,
    normalise_header,
    open_text,
    parse_int,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
    RowError,
)
from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle

PLATFORM = Platform.TIKTOK

# --- headers -----------------------------------------------------------------------------

_OVERVIEW_WANTED: dict[str, Sequence[str]] = {
    "date": ("Date",),
    "video_views": ("Video Views",),
    "profile_visits": ("Profile Views",),
    "likes": ("Likes",),
    "replies_received": ("Comments",),
    "reshares_received": ("Shares",),
}
_OVERVIEW_METRICS = (
    "video_views",
    "profile_visits",
    "likes",
    "replies_received",
    "reshares_received",
)

_FOLLOWERS_WANTED: dict[str, Sequence[str]] = {
    "date": ("Date",),
    "followers": ("Followers",),
    "difference": ("Difference in followers from previous day", "Difference in followers*"),
}

_CONTENT_WANTED: dict[str, Sequence[str]] = {
    "time": ("Time",),
    "title": ("Video title",),
    "link": ("Video link",),
    "post_time": ("Post time",),
    "likes": ("Total likes",),
    "replies": ("Total comments",),
    "reshares": ("Total shares",),
    "video_views": ("Total views",),
}
_CONTENT_COUNTS = ("likes", "replies", "reshares", "video_views")

_VIEWERS_SIGNATURE = ("Date", "Total Viewers", "New Viewers", "Returning Viewers")


def _names(header: Sequence[str]) -> set[str]:
    return {normalise_header(h) for h in header}


def _is_overview(header: Sequence[str]) -> bool:
    names = _names(header)
    return {"date", "video views", "profile views"} <= names


def _is_followers(header: Sequence[str]) -> bool:
    names = _names(header)
    return "date" in names and any(n.startswith("difference in followers") for n in names)


def _is_content(header: Sequence[str]) -> bool:
    names = _names(header)
    return {"video title", "video link", "total views"} <= names


def _is_viewers(header: Sequence[str]) -> bool:
    return {normalise_header(h) for h in _VIEWERS_SIGNATURE} <= _names(header)


# Members never worth opening while sniffing (an archive's photos, videos, JSON).
_NOT_TEXT = re.compile(
    r".*\.(?:jpe?g|png|gif|webp|heic|svg|ico|mp4|mov|webm|m4a|mp3|wav|pdf|js|json|html?|xlsx?)",
    re.IGNORECASE,
)


def _header(member: Member) -> list[str]:
    """The member's header row, or [] when it is not readable text (never raises)."""
    try:
        if not member.size or _NOT_TEXT.fullmatch(member.basename):
            return []
        return first_csv_row(member)
    except Exception:  # anything unreadable is simply not ours
        return []


def _members(source: Source, kind: str) -> list[Member]:
    test = _KINDS[kind]
    return [m for m in source.members if test(_header(m))]


_KINDS = {
    "overview": _is_overview,
    "followers": _is_followers,
    "content": _is_content,
    "viewers": _is_viewers,
}


def _sniff_overview(source: Source) -> bool:
    try:
        return bool(_members(source, "overview"))
    except Exception:
        return False


def _sniff_followers(source: Source) -> bool:
    try:
        return bool(_members(source, "followers"))
    except Exception:
        return False


def _sniff_content(source: Source) -> bool:
    try:
        return bool(_members(source, "content"))
    except Exception:
        return False


def _sniff_viewers(source: Source) -> bool:
    """Viewers.csv on its own (a whole download is claimed by the formats that import it)."""
    try:
        found = False
        for member in source.members:
            header = _header(member)
            if _is_overview(header) or _is_followers(header) or _is_content(header):
                return False
            found = found or _is_viewers(header)
        return found
    except Exception:
        return False


# --- dates -------------------------------------------------------------------------------

_EN_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        )
    )
    for name in names
}
# Russian UI: "18 января" (genitive month names).
_RU_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        (
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        )
    )
}
# Vietnamese UI: "18 tháng Tám" (month spelled out) or "18 tháng 8".
_VI_MONTHS = {
    "một": 1,
    "giêng": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười một": 11,
    "mười hai": 12,
    "chạp": 12,
}

_EN_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?,?")
_EN_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?")
_CJK = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")  # Japanese and Chinese
_KO = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_RU = re.compile(r"(\d{1,2})\s+([а-яё]+)\.?")
_VI = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2}|[^\d]+)")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _month_day(raw: str) -> tuple[int, int] | date | None:
    """(month, day) from a year-less TikTok date, a full date for an ISO value, else None."""
    value = " ".join(unicodedata.normalize("NFC", raw).strip().casefold().split())
    if m := _ISO.fullmatch(value):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    month: int | None = None
    day = 0
    if m := _EN_MONTH_DAY.fullmatch(value):
        month, day = _EN_MONTHS.get(m[1]), int(m[2])
        if m[3] and month is not None:  # "August 9, 2026": a year after all
            try:
                return date(int(m[3]), month, day)
            except ValueError:
                return None
    elif m := _EN_DAY_MONTH.fullmatch(value):
        month, day = _EN_MONTHS.get(m[2]), int(m[1])
    elif m := (_CJK.fullmatch(value) or _KO.fullmatch(value)):
        month, day = int(m[1]), int(m[2])
    elif m := _RU.fullmatch(value):
        month, day = _RU_MONTHS.get(m[2]), int(m[1])
    elif m := _VI.fullmatch(value):
        word = m[2].strip()
        month = int(word) if word.isdigit() else _VI_MONTHS.get(word)
        day = int(m[1])
    if month is None or not 1 <= month <= 12:
        return None
    try:
        date(2000, month, day)  # a leap year: February 29 is a real day
    except ValueError:
        return None
    return month, day


def _resolve(month_day: tuple[int, int] | date, anchor: date) -> date | None:
    """The latest day with this month and day on or before the anchor (None: no such day)."""
    if isinstance(month_day, date):
        return month_day
    month, day = month_day
    for year in (anchor.year, anchor.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # February 29 outside a leap year
            continue
        if candidate <= anchor:
            return candidate
    return None


_DATE_FORMS = "“August 9”, “Aug 9” or “8月9日”"


def _read_date(column: str, raw: str, anchor: date) -> date:
    """A row's date with its year worked out from the anchor; ValueError with a message."""
    month_day = _month_day(raw)
    if month_day is None:
        raise ValueError(
            f"column “{column}”: “{raw}” is not a date this importer can read (it reads dates "
            f"such as {_DATE_FORMS}); switch TikTok Studio to English and export again"
        )
    day = _resolve(month_day, anchor)
    if day is None:
        raise ValueError(
            f"column “{column}”: “{raw}” is not a day in {anchor.year - 1} or {anchor.year}"
        )
    return day


class _DateOrder:
    """TikTok lists days in order; a step against that order means a wrong year."""

    def __init__(self, column: str, anchor: date, anchor_from: str) -> None:
        self.column = column
        self.anchor = anchor
        self.anchor_from = anchor_from
        self.previous: date | None = None
        self.direction = 0

    def check(self, raw: str, day: date) -> str | None:
        previous, self.previous = self.previous, day
        if previous is None or day == previous:
            return None
        step = 1 if day > previous else -1
        if self.direction == 0:
            self.direction = step
            return None
        if step == self.direction:
            return None
        return (
            f"column “{self.column}”: “{raw}” breaks the order of the days once a year is "
            f"added ({previous.isoformat()}, then {day.isoformat()}). The dates have no year; "
            f"it was worked out from {self.anchor_from} ({self.anchor.isoformat()}), which "
            "does not fit this file. Import each export soon after downloading it (an Overview "
            "zip or folder keeps the export date in its name)"
        )


# --- the anchor: the export day ----------------------------------------------------------

# Names as TikTok gives them, once a ".zip" and a browser's " (1)" are taken off.
_OVERVIEW_NAME = re.compile(
    r"Overview_(\d{4}-\d{2}-\d{2})_(\d{9,11})_([A-Za-z0-9_.]{1,30})", re.IGNORECASE
)
_FOLLOWERS_NAME = re.compile(r"Followers_([A-Za-z0-9_.]{2,30})", re.IGNORECASE)
_NAME_SUFFIX = re.compile(r"(?:\.zip)?(?:\s*\(\d+\))?(?:\.zip)?$", re.IGNORECASE)
_EARLIEST = datetime(2016, 9, 1, tzinfo=UTC)  # Douyin's launch: no TikTok id is older


def _parts(name: str) -> list[str]:
    """The folder and file names in a path, without ".zip" or a " (1)" suffix."""
    return [_NAME_SUFFIX.sub("", p) for p in name.replace("\\", "/").split("/") if p]


def _own_parts(source: Source, member: Member) -> list[str]:
    """The names that describe this member: its folders (innermost first), then the upload."""
    return [*_parts(member.name)[:-1][::-1], *_parts(source.name)[-1:]]


def _overview_name(part: str, ctx: ParseContext) -> tuple[date, str] | None:
    """(export day, handle) from `Overview_<range start>_<unix seconds>_<handle>`."""
    match = _OVERVIEW_NAME.fullmatch(part)
    if not match:
        return None
    try:
        start = date.fromisoformat(match[1])
        exported = datetime.fromtimestamp(int(match[2]), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    export_day = exported.astimezone(ctx.tz).date()
    # The name's range start lies about 59 days before the export; anything else is not
    # the name TikTok gave, and says nothing reliable.
    if exported < _EARLIEST or not timedelta(0) <= export_day - start <= timedelta(days=400):
        return None
    return export_day, canonical_handle(PLATFORM, match[3])


def _anchor(source: Source, member: Member, ctx: ParseContext) -> tuple[date, str]:
    """The export day the year-less dates are read against, and where it came from."""
    for part in _own_parts(source, member):
        found = _overview_name(part, ctx)
        if found:
            return found[0], f"the export time in the name “{part}”"
    named = {
        found
        for m in source.members
        for part in _parts(m.name)[:-1]
        if (found := _overview_name(part, ctx)) is not None
    }
    if len(named) == 1:
        return next(iter(named))[0], "the export time in the Overview file's name"
    contents = _members(source, "content")
    if len(contents) == 1:
        exported = _content_export_day(contents[0], ctx)
        if exported is not None:
            return exported, "the “Time” column of Content.csv"
    return ctx.today, "the import day"


def _content_export_day(member: Member, ctx: ParseContext) -> date | None:
    """The `Time` (export day) on Content.csv's first row, its year from the import day."""
    try:
        lines = head_text(member).splitlines()
        if len(lines) < 2:
            return None
        header = next(csv.reader([lines[0]]))
        columns = Columns(header, _CONTENT_WANTED, required=("time",), where=member.name)
        fields = _split_quoted(lines[1], len(header), columns.index.get("title"))
        if fields is None:
            fields = next(csv.reader([lines[1]]))
        return _read_date("Time", columns.get(fields, "time"), ctx.today)
    except Exception:  # no anchor then; the import day is used
        return None


def _handle_from_names(source: Source, member: Member, ctx: ParseContext) -> str:
    for part in _own_parts(source, member):
        found = _overview_name(part, ctx)
        if found:
            return found[1]
        match = _FOLLOWERS_NAME.fullmatch(part)
        if match and not match[1].endswith("."):
            return canonical_handle(PLATFORM, match[1])
    return ""


# --- daily files: Overview.csv and FollowerHistory.csv ----------------------------------


def _daily(
    source: Source,
    ctx: ParseContext,
    kind: str,
    wanted: dict[str, Sequence[str]],
    required: Sequence[str],
    metrics: Sequence[str],
) -> Iterator[Record]:
    members = _members(source, kind)
    if not members:
        raise ImportFailed(f"{source.name}: no TikTok {_FILE_NAMES[kind]} in it.")
    handles: set[str] = set()
    for member in members:
        handle = _handle_from_names(source, member, ctx)
        if handle and handle not in handles:
            handles.add(handle)
            yield AccountInfo(platform=PLATFORM, handle=handle)
        anchor, anchor_from = _anchor(source, member, ctx)
        yield from _daily_member(member, anchor, anchor_from, wanted, required, metrics)


def _daily_member(
    member: Member,
    anchor: date,
    anchor_from: str,
    wanted: dict[str, Sequence[str]],
    required: Sequence[str],
    metrics: Sequence[str],
) -> Iterator[Record]:
    rows = _csv_rows(member)
    first = next(rows, None)
    if first is None:
        raise ImportFailed(f"{member.name}: the file is empty.")
    _, header, _ = first
    columns = Columns(header, wanted, required=required, where=member.name)
    labels = {key: header[columns.index[key]].strip() for key in columns.index}
    order = _DateOrder(labels["date"], anchor, anchor_from)
    width = max(columns.index.values()) + 1
    for line, row, whole in rows:
        if not whole:
            yield RowError(
                line,
                "the last line stops in the middle of a value; the file looks cut off. "
                "Export it again",
                member.name,
            )
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < width:
            yield RowError(
                line,
                f"the row has {len(row)} of the {width} columns it needs; the file looks cut "
                "off. Export it again",
                member.name,
            )
            continue
        raw_date = columns.get(row, "date")
        try:
            day = _read_date(labels["date"], raw_date, anchor)
        except ValueError as exc:
            yield RowError(line, str(exc), member.name)
            continue
        problem = order.check(raw_date, day)
        if problem:
            yield RowError(line, problem, member.name)
            continue
        for metric in metrics:
            raw = columns.get(row, metric)
            try:
                value = parse_int(raw)
            except ValueError as exc:
                yield RowError(line, f"column “{labels[metric]}”: {exc}", member.name)
                continue
            if value is None:  # "undefined" or blank: unknown, not zero
                continue
            if value < 0:
                yield RowError(
                    line, f"column “{labels[metric]}”: “{raw}” is below zero", member.name
                )
                continue
            yield ObservationRecord(metric=metric, day=day, value=Decimal(value), row=line)


def _csv_rows(member: Member) -> Iterator[tuple[int, list[str], bool]]:
    """CSV rows with their line numbers and whether each ended whole: the last row of a
    file cut short (`"May 30","67` — TikTok quotes every value) is flagged, not read as 67.
    """
    last_line = [""]
    with open_text(member) as fh:

        def lines() -> Iterator[str]:
            for line in fh:
                last_line[0] = line
                yield line

        reader = csv.reader(lines())
        pending: tuple[int, list[str]] | None = None
        try:
            for row in reader:
                if pending is None and row:
                    row[0] = row[0].lstrip("\ufeff")
                elif pending is not None:
                    yield pending[0], pending[1], True
                pending = (reader.line_num, row)
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                f"{member.name} is not valid UTF-8 text (byte {exc.start}); it was probably cut "
                "off or re-saved in another encoding. Export it again."
            ) from None
        except csv.Error as exc:
            raise ImportFailed(
                f"{member.name}, line {reader.line_num}: not valid CSV ({exc})."
            ) from None
        if pending is not None:
            yield pending[0], pending[1], _ends_whole(last_line[0])


def _ends_whole(line: str) -> bool:
    if line.endswith(("\n", "\r")):
        return True
    text = line.strip()
    return not text.startswith('"') or (len(text) >= 2 and text.endswith('"'))


_FILE_NAMES = {
    "overview": "Overview.csv (“Date”, “Video Views”, “Profile Views”, …)",
    "followers": "FollowerHistory.csv (“Date”, “Followers”, …)",
    "content": "Content.csv (“Time”, “Video title”, “Video link”, …)",
}


def parse_overview(source: Source, ctx: ParseContext) -> Iterator[Record]:
    """Overview.csv → daily video_views, profile_visits, likes, replies_received (Comments)
    and reshares_received (Shares)."""
    return _daily(
        source,
        ctx,
        "overview",
        _OVERVIEW_WANTED,
        ("date", *_OVERVIEW_METRICS),
        _OVERVIEW_METRICS,
    )


def parse_followers(source: Source, ctx: ParseContext) -> Iterator[Record]:
    """FollowerHistory.csv → the followers level per day. The difference column is ignored:
    it is shifted by a day (next day minus this day), and the level says it all."""
    return _daily(
        source, ctx, "followers", _FOLLOWERS_WANTED, ("date", "followers"), ("followers",)
    )


# --- Content.csv ---------------------------------------------------------------------------

_VIDEO_LINK = re.compile(
    r"https?://(?:www\.|m\.)?tiktok\.com/@([A-Za-z0-9_.]{1,30})/video/(\d{1,20})/?(?:\?[^\s\"]*)?",
    re.IGNORECASE,
)
# Captions TikTok writes itself in front of the author's words.
_REPLY_PREFIX = re.compile(r"\s*(?:Replying|Reply) to @([A-Za-z0-9_.]+)\s*", re.IGNORECASE)
_QUOTE_PREFIX = re.compile(r"\s*#(?:stitch|duet) with @([A-Za-z0-9_.]+)\s*", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_.]{1,30})")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_MAX_RECORD_LINES = 50  # a caption is at most a few thousand characters


def _split_quoted(line: str, width: int, title: int | None) -> list[str] | None:
    """A Content.csv line whose fields are all quoted and whose title may hold unescaped
    quotes and commas: split on `","`; the title gets whatever lies between the fields before
    it and the fixed fields after it. None when the line has too few fields."""
    if title is None or len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        return None
    parts = line[1:-1].split('","')
    if len(parts) < width:
        return None
    after = width - 1 - title
    end = len(parts) - after
    return [*parts[:title], '","'.join(parts[title:end]), *parts[end:]]


def _text_lines(fh: IO[str], member: Member) -> Iterator[tuple[int, str]]:
    try:
        for number, line in enumerate(fh, start=1):
            yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{member.name} is not valid UTF-8 text (byte {exc.start}); it was probably cut "
            "off or re-saved in another encoding. Export it again"
        ) from None


class _ContentReader:
    """Content.csv as (line number, fields) per record; fields None for a broken record.
    `header` and `columns` are set once the header has been read."""

    def __init__(self, member: Member) -> None:
        self.member = member
        self.header: list[str] = []
        self.columns: Columns | None = None

    def rows(self) -> Iterator[tuple[int, list[str] | None]]:
        with open_text(self.member) as fh:
            lines = _text_lines(fh, self.member)
            first = next(lines, None)
            while first is not None and not first[1].strip("\ufeff \t"):
                first = next(lines, None)
            if first is None:
                raise ImportFailed(f"{self.member.name}: the file is empty.")
            header_line = first[1].lstrip("\ufeff")
            self.header = next(csv.reader([header_line]))
            columns = Columns(
                self.header,
                _CONTENT_WANTED,
                required=("title", "link", *_CONTENT_COUNTS),
                where=self.member.name,
            )
            self.columns = columns
            if header_line.startswith('"'):
                yield from self._quoted(lines, columns)
            else:
                # Re-saved by a spreadsheet: quotes are then escaped the standard way.
                yield from self._standard(columns)

    def _quoted(
        self, lines: Iterator[tuple[int, str]], columns: Columns
    ) -> Iterator[tuple[int, list[str] | None]]:
        width, title = len(self.header), columns.index["title"]

        def complete(text: str) -> list[str] | None:
            fields = _split_quoted(text, width, title)
            if fields is None or not _VIDEO_LINK.fullmatch(columns.get(fields, "link")):
                return None
            return fields

        start, buffer, count = 0, "", 0
        for number, line in lines:
            if not buffer:
                if not line.strip():
                    continue
                start, buffer, count = number, line, 1
            elif complete(line) is not None:
                yield start, None  # the record before never ended
                start, buffer, count = number, line, 1
            else:
                buffer, count = f"{buffer}\n{line}", count + 1  # a caption with a line break
            fields = complete(buffer)
            if fields is not None:
                yield start, fields
                buffer = ""
            elif count >= _MAX_RECORD_LINES:
                yield start, None
                buffer = ""
        if buffer:
            yield start, None

    def _standard(self, columns: Columns) -> Iterator[tuple[int, list[str] | None]]:
        rows = iter_csv(self.member)
        next(rows, None)
        for number, row in rows:
            if not any(cell.strip() for cell in row):
                continue
            link_ok = _VIDEO_LINK.fullmatch(columns.get(row, "link")) is not None
            yield number, row if link_ok and len(row) >= len(self.header) else None


def _video_time(video_id: int) -> datetime:
    return datetime.fromtimestamp(video_id >> 32, UTC)


def _handles(text: str) -> tuple[str, ...]:
    """@handles typed in a caption, in order, without repeats; a handle cut off by a
    trailing "..." is left out (it is not the whole name)."""
    cut = text.endswith("...")
    body = text[:-3] if cut else text
    found: list[str] = []
    for match in _MENTION.finditer(body):
        if cut and match.end() == len(body):
            continue
        handle = canonical_handle(PLATFORM, match[1])
        if handle and handle not in found:
            found.append(handle)
    return tuple(found)


def _links(text: str) -> tuple[str, ...]:
    cut = text.endswith("...")
    body = text[:-3] if cut else text
    found: list[str] = []
    for match in _URL.finditer(body):
        if cut and match.end() == len(body):
            continue
        url = match[0].rstrip(".,;:!?)")
        if url not in found:
            found.append(url)
    return tuple(found)


def parse_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    """Content.csv → one PostRecord per video, with its lifetime totals at export time."""
    members = _members(source, "content")
    if not members:
        raise ImportFailed(f"{source.name}: no TikTok {_FILE_NAMES['content']} in it.")
    account = ""
    latest = datetime.combine(ctx.today + timedelta(days=2), datetime.min.time(), UTC)
    for member in members:
        reader = _ContentReader(member)
        for line, fields in reader.rows():
            columns, header = reader.columns, reader.header
            if columns is None:  # pragma: no cover - set before the first row
                continue
            if fields is None:
                yield RowError(
                    line,
                    "this line could not be split into the columns "
                    + ", ".join(f"“{h}”" for h in header)
                    + " around a video link (https://www.tiktok.com/@…/video/…); the file "
                    "looks cut off or changed. Export it again",
                    member.name,
                )
                continue
            link = columns.get(fields, "link")
            match = _VIDEO_LINK.fullmatch(link)
            if match is None:  # pragma: no cover - the reader only yields matching links
                continue
            handle, video_id = canonical_handle(PLATFORM, match[1]), int(match[2])
            published = _video_time(video_id) if video_id < 2**64 else _EARLIEST
            if not _EARLIEST < published <= latest:
                yield RowError(
                    line,
                    f"column “Video link”: the video id {video_id} does not hold a plausible "
                    f"upload time ({published.isoformat()})",
                    member.name,
                )
                continue
            if account and handle != account:
                yield RowError(
                    line,
                    f"column “Video link”: the video belongs to @{handle}, the others to "
                    f"@{account}; a Content export holds one account's videos",
                    member.name,
                )
                continue
            if not account:
                account = handle
                yield AccountInfo(platform=PLATFORM, handle=handle)
            counts: dict[str, int | None] = {}
            bad = False
            for key in _CONTENT_COUNTS:
                raw = columns.get(fields, key)
                try:
                    counts[key] = parse_int(raw)
                except ValueError as exc:
                    label = header[columns.index[key]].strip()
                    yield RowError(line, f"column “{label}”: {exc}", member.name)
                    bad = True
            if bad:
                continue
            title = fields[columns.index["title"]]
            yield _post(video_id, published, title, link, line, counts)


def _post(
    video_id: int,
    published: datetime,
    title: str,
    link: str,
    line: int,
    counts: dict[str, int | None],
) -> PostRecord:
    kind: PostKind | None = None
    in_reply_to = reshared = ""
    own = title
    if m := _REPLY_PREFIX.match(title):
        kind, in_reply_to, own = PostKind.REPLY, canonical_handle(PLATFORM, m[1]), title[m.end() :]
    elif m := _QUOTE_PREFIX.match(title):
        kind, reshared, own = PostKind.QUOTE, canonical_handle(PLATFORM, m[1]), title[m.end() :]
    return PostRecord(
        platform_id=str(video_id),
        published_at=published,
        text=title,
        permalink=link,
        kind=kind,
        in_reply_to_handle=in_reply_to,
        reshared_handle=reshared,
        mentions=_handles(own),
        links=_links(own),
        likes=counts["likes"],
        replies=counts["replies"],
        reshares=counts["reshares"],
        video_views=counts["video_views"],
        row=line,
    )


# --- Viewers.csv: recognised, not imported ------------------------------------------------


def parse_viewers(source: Source, ctx: ParseContext) -> Iterator[Record]:
    """Refuses, when iterated, like the other parsers refuse a broken file."""
    yield from _refuse_viewers(source)


def _refuse_viewers(source: Source) -> Iterator[Record]:
    raise ImportFailed(
        f"{source.name} holds viewer counts, which Strategy Tracker does not track; import "
        "Overview, Followers and Content."
    )


FORMATS: list[Format] = [
    Format(
        key="tiktok_overview",
        label="TikTok Studio overview (Overview.csv or its Overview_… zip: daily views, "
        "profile views, likes, comments, shares)",
        platform=PLATFORM,
        sniff=_sniff_overview,
        parse=parse_overview,
    ),
    Format(
        key="tiktok_followers",
        label="TikTok Studio followers (FollowerHistory.csv or its Followers_… zip: daily "
        "follower count)",
        platform=PLATFORM,
        sniff=_sniff_followers,
        parse=parse_followers,
    ),
    Format(
        key="tiktok_content",
        label="TikTok Studio content (Content.csv or its Content_… zip: recent videos with "
        "their totals)",
        platform=PLATFORM,
        sniff=_sniff_content,
        parse=parse_content,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.SHORTENED),
    ),
    Format(
        key="tiktok_viewers",
        label="TikTok Studio viewers (Viewers.csv; recognised, not imported)",
        platform=PLATFORM,
        sniff=_sniff_viewers,
        parse=parse_viewers,
    ),
]
