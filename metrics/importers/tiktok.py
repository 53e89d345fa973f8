"""TikTok Studio analytics (Analytics → Download data), README section 10.

One download is four zips, each imported on its own:

- ``Overview_<range start>_<unix seconds>_<handle>.zip`` → ``Overview.csv``: daily video
  views, profile views, likes, comments and shares (``tiktok_overview``);
- ``Followers_<handle>.zip`` → ``FollowerHistory.csv``: the daily follower level
  (``tiktok_followers``), and ``FollowerActivity.csv``, followers online by hour over the
  last 7 days (kept: each week's export keeps what the next one drops); the gender and
  territory shares beside them are snapshots without dates, noted and not stored;
- ``Content_<handle>.zip`` → ``Content.csv``: up to about 15 recent videos with their
  lifetime totals (``tiktok_content``);
- ``Viewers_<handle>.zip`` → ``Viewers.csv``: daily unique viewers, imported as reach
  (``tiktok_viewers``; the catalogue's alias of "Total Viewers").
FollowerActivity.csv or the demographic files alone are ``tiktok_follower_insights``.

Each format takes the zip, the unpacked folder or the CSV alone, and finds its file by its
header, never by its name.

When the export was made (ExportInfo) is the unix seconds in the Overview zip's (or folder's)
name, else the ``Time`` column of a Content.csv in the same upload (that day, from its start
in the team's zone). Dates have no year and follow the UI language ("August 9", "9月13日"):
the year comes from that export day, else from the import day. A date later than it belongs
to the year before (December → January).

``Content.csv`` does not escape quotes inside titles (``"Pumpkin spice: "yes", "no"…"``), so
its lines are split on the ``","`` between fields, with the title taking whatever is left
between the fields before it and the fixed fields after it, and the video link checked at its
place. The video id's upper 32 bits are the upload time in unix seconds.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import IO

from metrics import catalog
from metrics.importers.accounts import OneAccount
from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.dates import DayOrder, start_of_day, yearless_day
from metrics.importers.exports import latest
from metrics.importers.tables import (
    Columns,
    Row,
    RowProblem,
    Table,
    first_csv_row,
    header_names,
    iter_csv,
    normalise_header,
    read_row,
)
from metrics.importers.text import head_text, open_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    ActivityRecord,
    ExportInfo,
    ObservationRecord,
    ParseSummary,
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


def _is_overview(header: Sequence[str]) -> bool:
    names = header_names(header)
    return {"date", "video views", "profile views"} <= names


def _is_followers(header: Sequence[str]) -> bool:
    names = header_names(header)
    return "date" in names and any(n.startswith("difference in followers") for n in names)


def _is_content(header: Sequence[str]) -> bool:
    names = header_names(header)
    return {"video title", "video link", "total views"} <= names


def _is_viewers(header: Sequence[str]) -> bool:
    return {normalise_header(h) for h in _VIEWERS_SIGNATURE} <= header_names(header)


def _is_activity(header: Sequence[str]) -> bool:
    return {"date", "hour", "active followers"} <= header_names(header)


def _is_demographics(header: Sequence[str]) -> bool:
    """FollowerGender.csv, FollowerTopTerritories.csv (and the like): shares of followers
    by one trait, a snapshot with no dates."""
    names = header_names(header)
    return len(names) == 2 and "distribution" in names


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
    "activity": _is_activity,
    "demographics": _is_demographics,
}
# Files the daily formats import; a file of follower insights alone is its own format.
_DAILY_KINDS = (_is_overview, _is_followers, _is_content, _is_viewers)


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
    return _sniff_alone(source, (_is_viewers,))


def _sniff_follower_insights(source: Source) -> bool:
    """FollowerActivity.csv or the demographic files on their own (the Followers zip, with
    its FollowerHistory.csv, is the followers format's)."""
    return _sniff_alone(source, (_is_activity, _is_demographics))


def _sniff_alone(source: Source, kinds: Sequence[Callable[[Sequence[str]], bool]]) -> bool:
    """Some member is of these kinds, and none is of another daily kind."""
    try:
        found = False
        for member in source.members:
            header = _header(member)
            if any(test(header) for test in _DAILY_KINDS if test not in kinds):
                return False
            found = found or any(test(header) for test in kinds)
        return found
    except Exception:
        return False


# --- the anchor: the export day ----------------------------------------------------------

# Names as TikTok gives them, once a ".zip" and a browser's " (1)" are taken off.
_OVERVIEW_NAME = re.compile(
    r"Overview_(\d{4}-\d{2}-\d{2})_(\d{9,11})_([A-Za-z0-9_.]{1,30})", re.IGNORECASE
)
_FOLLOWERS_NAME = re.compile(r"(?:Followers|Viewers|Content)_([A-Za-z0-9_.]{2,30})", re.IGNORECASE)
_NAME_SUFFIX = re.compile(r"(?:\.zip)?(?:\s*\(\d+\))?(?:\.zip)?$", re.IGNORECASE)
_EARLIEST = datetime(2016, 9, 1, tzinfo=UTC)  # Douyin's launch: no TikTok id is older


def _parts(name: str) -> list[str]:
    """The folder and file names in a path, without ".zip" or a " (1)" suffix."""
    return [_NAME_SUFFIX.sub("", p) for p in name.replace("\\", "/").split("/") if p]


def _own_parts(source: Source, member: Member) -> list[str]:
    """The names that describe this member: its folders (innermost first), then the upload."""
    return [*_parts(member.name)[:-1][::-1], *_parts(source.name)[-1:]]


def _overview_name(part: str, ctx: ParseContext) -> tuple[datetime, str] | None:
    """(export time, handle) from `Overview_<range start>_<unix seconds>_<handle>`."""
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
    return exported, canonical_handle(PLATFORM, match[3])


def _export_time(source: Source, member: Member, ctx: ParseContext) -> tuple[datetime, str] | None:
    """When the export was made, as TikTok's names or the Content.csv say, and which of them
    says it; None when neither does."""
    for part in _own_parts(source, member):
        found = _overview_name(part, ctx)
        if found:
            return found[0], f"the export time in the name “{part}”"
    named = {
        found[0]
        for m in source.members
        for part in _parts(m.name)[:-1]
        if (found := _overview_name(part, ctx)) is not None
    }
    if len(named) == 1:
        return next(iter(named)), "the export time in the Overview file's name"
    contents = [member] if _is_content(_header(member)) else _members(source, "content")
    if len(contents) == 1:
        exported = _content_export_day(contents[0], ctx)
        if exported is not None:
            return start_of_day(exported, ctx.tz), "the “Time” column of Content.csv"
    return None


def _exported(source: Source, members: list[Member], ctx: ParseContext) -> Iterator[ExportInfo]:
    """ExportInfo for the latest of the members' export times, when any is known."""
    return latest(found[0] for member in members if (found := _export_time(source, member, ctx)))


def _anchor(source: Source, member: Member, ctx: ParseContext) -> tuple[date, str]:
    """The export day the year-less dates are read against, and where it came from."""
    found = _export_time(source, member, ctx)
    if found is None:
        return ctx.today, "the import day"
    return found[0].astimezone(ctx.tz).date(), found[1]


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
        return yearless_day(columns.get(fields, "time"), ctx.today)
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
    yield from _exported(source, members, ctx)
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
    table = Table(member, wanted, required=required)
    order = DayOrder(anchor, anchor_from)
    yield from table.read(lambda row: _daily_row(row, order, metrics))


def _daily_row(row: Row, order: DayOrder, metrics: Sequence[str]) -> Iterator[Record]:
    """One day's numbers; a bad number is reported, and the day's other numbers kept."""
    day = row.need("date", lambda raw: yearless_day(raw, order.anchor))
    problem = order.check(row.text("date"), day)
    if problem:
        raise RowProblem(f"column “{row.label('date')}”: {problem}")
    for metric in metrics:
        value = row.count(metric)  # "undefined" or blank: unknown, not zero
        if value is not None:
            yield ObservationRecord(metric=metric, day=day, value=Decimal(value), row=row.line)


_FILE_NAMES = {
    "viewers": "Viewers.csv (“Date”, “Total Viewers”, …)",
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


def parse_followers(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    """FollowerHistory.csv → the followers level per day. The difference column is ignored:
    it is shifted by a day (next day minus this day), and the level says it all. The
    Followers zip's FollowerActivity.csv is kept by hour; its demographic shares are not
    stored (a note says so)."""
    yield from _daily(
        source, ctx, "followers", _FOLLOWERS_WANTED, ("date", "followers"), ("followers",)
    )
    return (yield from _follower_insights(source, ctx))


def parse_follower_insights(
    source: Source, ctx: ParseContext
) -> Generator[Record, None, ParseSummary]:
    """FollowerActivity.csv and the demographic files, on their own."""
    yield from _exported(source, source.members, ctx)
    handles = {h for m in source.members if (h := _handle_from_names(source, m, ctx))}
    for handle in sorted(handles):
        yield AccountInfo(platform=PLATFORM, handle=handle)
    return (yield from _follower_insights(source, ctx))


_ACTIVITY_WANTED: dict[str, Sequence[str]] = {
    "date": ("Date",),
    "hour": ("Hour",),
    "active": ("Active followers",),
}


def _follower_insights(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    """Followers online by hour (ActivityRecord), and a note per demographic file."""
    summary = ParseSummary()
    for member in _members(source, "activity"):
        anchor, anchor_from = _anchor(source, member, ctx)
        order = DayOrder(anchor, anchor_from)
        table = Table(member, _ACTIVITY_WANTED, required=("date", "hour", "active"))
        yield from table.read(functools.partial(_activity_row, order=order))
    for member in _members(source, "demographics"):
        summary.notes.append(
            f"{member.basename} shares the followers out by {_trait(member)}, a snapshot "
            "without dates; Strategy Tracker does not store it."
        )
    return summary


def _trait(member: Member) -> str:
    names = [h for h in header_names(_header(member)) if h != "distribution"]
    return names[0] if names else "one trait"


def _activity_row(row: Row, order: DayOrder) -> Iterator[Record]:
    day = row.need("date", lambda raw: yearless_day(raw, order.anchor))
    problem = order.check(row.text("date"), day)
    if problem:
        raise RowProblem(f"column “{row.label('date')}”: {problem}")
    hour = row.count("hour")
    if hour is not None and hour > 23:
        row.fail_column("hour", f"“{hour}” is not an hour of the day (0 to 23)")
    active = row.count("active")
    row.check()
    if hour is not None and active is not None:
        yield ActivityRecord(day=day, hour=hour, active_followers=active, row=row.line)


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


@dataclass
class _ContentHeader:
    """Content.csv's header: the columns its rows are read against."""

    member: Member
    header: list[str]
    columns: Columns

    def label(self, key: str) -> str:
        return self.header[self.columns.index[key]].strip()

    def unsplit(self, line: int) -> RowError:
        return RowError(
            line,
            "this line could not be split into the columns "
            + ", ".join(f"“{h}”" for h in self.header)
            + " around a video link (https://www.tiktok.com/@…/video/…); the file "
            "looks cut off or changed. Export it again",
            self.member.name,
        )


def _content_rows(member: Member) -> Iterator[Row | RowError]:
    """Content.csv's records as rows; a record that cannot be split is a RowError."""
    with open_text(member) as fh:
        lines = _text_lines(fh, member)
        first = next(lines, None)
        while first is not None and not first[1].strip("\ufeff \t"):
            first = next(lines, None)
        if first is None:
            raise ImportFailed(f"{member.name}: the file is empty.")
        header_line = first[1].lstrip("\ufeff")
        header = next(csv.reader([header_line]))
        columns = Columns(
            header,
            _CONTENT_WANTED,
            required=("title", "link", *_CONTENT_COUNTS),
            where=member.name,
        )
        found = _ContentHeader(member, header, columns)
        if header_line.startswith('"'):
            records = _quoted_records(lines, found)
        else:
            # Re-saved by a spreadsheet: quotes are then escaped the standard way.
            records = _standard_records(found)
        for line, fields in records:
            yield found.unsplit(line) if fields is None else Row(found, line, fields)


def _quoted_records(
    lines: Iterator[tuple[int, str]], found: _ContentHeader
) -> Iterator[tuple[int, list[str] | None]]:
    """(line, fields) per record of the file as TikTok writes it; fields None for a
    record that never ends whole."""
    width, title = len(found.header), found.columns.index["title"]

    def complete(text: str) -> list[str] | None:
        fields = _split_quoted(text, width, title)
        if fields is None or not _VIDEO_LINK.fullmatch(found.columns.get(fields, "link")):
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


def _standard_records(found: _ContentHeader) -> Iterator[tuple[int, list[str] | None]]:
    rows = iter_csv(found.member)
    next(rows, None)
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        link_ok = _VIDEO_LINK.fullmatch(found.columns.get(row, "link")) is not None
        yield number, row if link_ok and len(row) >= len(found.header) else None


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
    yield from _exported(source, members, ctx)
    account = OneAccount(PLATFORM)
    latest = datetime.combine(ctx.today + timedelta(days=2), datetime.min.time(), UTC)
    for member in members:
        for row in _content_rows(member):
            if isinstance(row, RowError):
                yield row
            else:
                yield from read_row(row, lambda row: _video(row, account, latest))


def _video(row: Row, account: OneAccount, latest: datetime) -> Iterator[Record]:
    link = row.text("link")
    match = _VIDEO_LINK.fullmatch(link)
    if match is None:  # pragma: no cover - the reader only yields matching links
        return
    handle, video_id = canonical_handle(PLATFORM, match[1]), int(match[2])
    published = _video_time(video_id) if video_id < 2**64 else _EARLIEST
    if not _EARLIEST < published <= latest:
        raise RowProblem(
            f"column “{row.label('link')}”: the video id {video_id} does not hold a plausible "
            f"upload time ({published.isoformat()})"
        )
    account.check(handle, line=row.line, column=row.label("link"))
    counts = {key: row.count(key) for key in _CONTENT_COUNTS}
    row.check()
    if info := account.announce(handle):
        yield info
    title = row.cells[row.table.columns.index["title"]]
    yield _post(video_id, published, title, link, row.line, counts)


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


# --- Viewers.csv ----------------------------------------------------------------------------

_VIEWERS_WANTED: dict[str, Sequence[str]] = {
    "date": ("Date",),
    "reach": tuple(catalog.names_for(PLATFORM, "reach")),
}


def parse_viewers(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    """Viewers.csv → daily reach (Total Viewers: the unique people who watched the account's
    videos that day). New and returning viewers have no catalogue metric: a note says so.
    The last, partial day ("undefined") is left out, its zeros with it."""
    yield from _daily(source, ctx, "viewers", _VIEWERS_WANTED, ("date", "reach"), ("reach",))
    return ParseSummary(
        notes=[
            "Viewers.csv: Total Viewers was imported as reach; New Viewers and Returning "
            "Viewers have no metric in the catalogue and were not stored."
        ]
    )


FORMATS: list[Format] = [
    Format(
        key="tiktok_overview",
        label="TikTok Studio overview (Overview.csv or its Overview_… zip: daily views, "
        "profile views, likes, comments, shares)",
        platform=PLATFORM,
        sniff=_sniff_overview,
        parse=parse_overview,
        columns=("Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"),
    ),
    Format(
        key="tiktok_followers",
        label="TikTok Studio followers (FollowerHistory.csv or its Followers_… zip: daily "
        "follower count)",
        platform=PLATFORM,
        sniff=_sniff_followers,
        parse=parse_followers,
        columns=("Date", "Followers", "Difference in followers from previous day"),
    ),
    Format(
        key="tiktok_content",
        label="TikTok Studio content (Content.csv or its Content_… zip: recent videos with "
        "their totals)",
        platform=PLATFORM,
        sniff=_sniff_content,
        parse=parse_content,
        columns=(
            "Time",
            "Video title",
            "Video link",
            "Post time",
            "Total likes",
            "Total comments",
            "Total shares",
            "Total views",
        ),
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.SHORTENED),
    ),
    Format(
        key="tiktok_viewers",
        label="TikTok Studio viewers (Viewers.csv or its Viewers_… zip: daily unique viewers, "
        "as reach)",
        platform=PLATFORM,
        sniff=_sniff_viewers,
        parse=parse_viewers,
        columns=("Date", "Total Viewers", "New Viewers", "Returning Viewers"),
    ),
    Format(
        key="tiktok_follower_insights",
        label="TikTok Studio follower activity by hour (FollowerActivity.csv) and follower "
        "shares (noted, not stored)",
        platform=PLATFORM,
        sniff=_sniff_follower_insights,
        parse=parse_follower_insights,
        columns=("Date", "Hour", "Active followers"),
    ),
]
