"""X / Twitter importers (README sections 1, 2 and 3 of shared/exports).

- x_tweet_activity: the legacy "Tweet activity" CSV from analytics.twitter.com (per post).
- x_content: `account_analytics_content_*.csv` from x.com/i/account_analytics (per post).
- x_overview: `account_overview_analytics.csv` from the same page (per day, account level).
- x_archive: the account data archive (a folder or zip with data/tweets.js, account.js,
  follower.js, following.js, note-tweet.js, manifest.js), or a lone tweets.js.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

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
    localize,
    normalise_header,
    open_text,
    parse_int,
    read_text,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence, TimeEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
    RowError,
)
from metrics.platforms.identity import canonical_handle, people
from metrics.platforms.jsonvalues import parse_iso_utc
from metrics.platforms.x import (
    HANDLE,
    PLATFORM,
    is_shortlink,
    outbound_links,
    post_text,
    post_url,
    quoted_author,
    retweeted_handle,
    snowflake_time,
    status_link,
)

# An @handle as X links it: not inside a word, an e-mail address or a URL path.
_MENTION_RE = re.compile(rf"(?<![A-Za-z0-9_!#$%&*@/])@({HANDLE})(?![A-Za-z0-9_@])")
_LEADING_MENTION_RE = re.compile(rf"@({HANDLE})(?![A-Za-z0-9_@])")
_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_FULL_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# English month names as X writes them: 'Aug', 'August' ('Sept' is seen too).
_MONTH_NAMES = {
    **_MONTHS,
    **{name: number for number, name in enumerate(_FULL_MONTHS, start=1)},
    "sept": 9,
}
_DAY_RE = re.compile(r"(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")


class _RowProblem(Exception):
    """One value in one row cannot be read; becomes a RowError."""


# --- shared helpers --------------------------------------------------------------------------


def _text_mentions(text: str) -> tuple[str, ...]:
    """Every @handle typed in the text, leading and inline, in order, lowercase."""
    return people(PLATFORM, _MENTION_RE.findall(text))


def _text_links(text: str) -> tuple[str, ...]:
    """Full URLs typed in the text. t.co short links are left out: they hide the real
    destination, and counting them as links to t.co would misclassify every post."""
    links: dict[str, None] = {}
    for raw in _URL_RE.findall(text):
        url = raw.rstrip(".,;:!?)]}'’”…")
        if url and not is_shortlink(url):
            links.setdefault(url, None)
    return tuple(links)


def _classify_text(text: str) -> tuple[PostKind | None, str, str, tuple[str, ...]]:
    """(kind, in_reply_to_handle, reshared_handle, mentions) from a CSV export's post text.

    A text starting with `RT @user:` is a plain retweet (no mentions of its own); a text
    starting with an @handle is a reply to that handle (the analytics exports have no other
    reply marker); mentions are every @handle the author typed."""
    retweeted = retweeted_handle(text)
    if retweeted is not None:
        return PostKind.RESHARE, "", retweeted, ()
    mentions = _text_mentions(text)
    leading = _LEADING_MENTION_RE.match(text)
    if leading:
        return PostKind.REPLY, canonical_handle(PLATFORM, leading.group(1)), "", mentions
    return None, "", "", mentions


def _post_id(raw: str, label: str, *, where: str = "column") -> str:
    value = raw.strip()
    if not re.fullmatch(r"[0-9]{1,20}", value):
        shown = value or "(empty)"
        raise _RowProblem(f"{where} “{label}”: “{shown}” is not a post id (digits only)")
    return value


def _parse_day(raw: str) -> date:
    """X analytics dates: 'Sat, Aug 22, 2026' (weekday optional), or ISO '2026-08-22'."""
    value = raw.strip()
    match = _DAY_RE.fullmatch(value)
    try:
        if match:
            month = _MONTH_NAMES.get(match.group(1).lower())
            if month is not None:
                return date(int(match.group(3)), month, int(match.group(2)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"“{raw}” is not a date like “Sat, Aug 22, 2026”")


def _int_field(raw: str, label: str, *, where: str = "column") -> int | None:
    """A count from a CSV column (or a JSON field): blank is unknown, not zero."""
    try:
        value = parse_int(raw)
    except ValueError as exc:
        raise _RowProblem(f"{where} “{label}”: {exc}") from None
    if value is not None and value < 0:
        raise _RowProblem(f"{where} “{label}”: “{raw}” is negative")
    return value


def _never_raise(sniff: Callable[[Source], bool]) -> Callable[[Source], bool]:
    def safe(source: Source) -> bool:
        try:
            return sniff(source)
        except Exception:
            return False

    safe.__name__ = sniff.__name__
    safe.__doc__ = sniff.__doc__
    return safe


def _data_members(source: Source) -> list[Member]:
    """The members that carry data: hidden files (.DS_Store) are not the user's export."""
    return [m for m in source.members if not m.basename.startswith(".")]


def _sniff_csv(source: Source, matches: Callable[[list[str]], bool]) -> bool:
    """Every data member is a CSV whose header row matches."""
    members = _data_members(source)
    return bool(members) and all(matches(first_csv_row(m)) for m in members)


def _names(header: Sequence[str]) -> set[str]:
    return {normalise_header(h) for h in header}


class _CsvTable:
    """A CSV member with its header mapped; yields data rows with their first line number."""

    def __init__(
        self,
        member: Member,
        wanted: dict[str, Sequence[str]],
        required: Sequence[str],
    ) -> None:
        self.member = member
        self._rows = iter_csv(member)
        first = next(self._rows, None)
        if first is None or not any(cell.strip() for cell in first[1]):
            raise ImportFailed(f"{member.name}: the file is empty.")
        self._header_line, self.header = first
        self.columns = Columns(self.header, wanted, required=required, where=member.name)

    def label(self, key: str) -> str:
        """The column's name as the file spells it, for messages."""
        index = self.columns.index[key]
        return self.header[index].replace("\ufeff", "").strip()

    def get(self, row: Sequence[str], key: str) -> str:
        return self.columns.get(row, key)

    def count(self, row: Sequence[str], key: str) -> int | None:
        if key not in self.columns:
            return None
        return _int_field(self.get(row, key), self.label(key))

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with the line each starts on (a quoted text may span lines)."""
        previous_end = self._header_line
        for end_line, row in self._rows:
            start, previous_end = previous_end + 1, end_line
            if any(cell.strip() for cell in row):
                yield start, row

    def check_width(self, row: Sequence[str]) -> None:
        """A row too short for the columns read is cut off, not a row of blanks."""
        needed = max(self.columns.index.values()) + 1
        if len(row) < needed:
            raise _RowProblem(
                f"the row has {len(row)} columns where the header has {len(self.header)}; "
                "the file may be cut off or damaged"
            )


class _AccountTracker:
    """The account a per-post file belongs to, from its post links: said once, and a post
    of another account is an error, not a silent mix."""

    def __init__(self) -> None:
        self.handle = ""

    def check(self, handle: str, label: str) -> AccountInfo | None:
        if not handle:
            return None
        if not self.handle:
            self.handle = handle
            return AccountInfo(platform=PLATFORM, handle=handle)
        if handle != self.handle:
            raise _RowProblem(
                f"column “{label}”: this post belongs to @{handle}, but the file's earlier "
                f"posts belong to @{self.handle}; import one account at a time"
            )
        return None


def _permalink_handle(permalink: str, post_id: str, label: str) -> str:
    """The author from a post link, checking that the link is for this post."""
    found = status_link(permalink)
    if found is None:
        shown = permalink or "(empty)"
        raise _RowProblem(f"column “{label}”: “{shown}” is not a link to a post on X")
    handle, linked_id = found
    if linked_id != post_id:
        raise _RowProblem(f"column “{label}”: “{permalink}” links to another post than {post_id}")
    return handle


# --- 1. legacy "Tweet activity" CSV -----------------------------------------------------------

_LEGACY_METRICS = (
    "engagement rate",
    "user profile clicks",
    "url clicks",
    "hashtag clicks",
    "detail expands",
    "permalink clicks",
    "media views",
    "media engagements",
)

_LEGACY_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("Tweet id",),
    "permalink": ("Tweet permalink",),
    "text": ("Tweet text",),
    "time": ("time",),
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "retweets": ("retweets",),
    "replies": ("replies",),
    "likes": ("likes",),
    "url_clicks": ("url clicks",),
    "media_views": ("media views",),
}
_LEGACY_REQUIRED = ("id", "permalink", "text", "time", "impressions", "engagements")


def _is_legacy_header(header: list[str]) -> bool:
    names = _names(header)
    return {"tweet id", "tweet permalink", "tweet text"} <= names and (
        len(names & set(_LEGACY_METRICS)) >= 3
    )


@_never_raise
def sniff_tweet_activity(source: Source) -> bool:
    return _sniff_csv(source, _is_legacy_header)


def _parse_legacy_time(raw: str) -> datetime:
    value = raw.strip()
    for pattern in ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    raise ValueError(f"“{raw}” is not a time like “2021-11-30 16:00 +0000”")


def parse_tweet_activity(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _AccountTracker()
    for member in _data_members(source):
        table = _CsvTable(member, _LEGACY_COLUMNS, _LEGACY_REQUIRED)
        for line, row in table.rows():
            try:
                table.check_width(row)
                post_id = _post_id(table.get(row, "id"), table.label("id"))
                permalink = table.get(row, "permalink")
                handle = _permalink_handle(permalink, post_id, table.label("permalink"))
                try:
                    published = _parse_legacy_time(table.get(row, "time"))
                except ValueError as exc:
                    raise _RowProblem(f"column “{table.label('time')}”: {exc}") from None
                text = post_text(table.get(row, "text"))
                kind, reply_to, reshared, mentions = _classify_text(text)
                post = PostRecord(
                    platform_id=post_id,
                    published_at=published,
                    text=text,
                    permalink=permalink,
                    kind=kind,
                    in_reply_to_handle=reply_to,
                    reshared_handle=reshared,
                    mentions=mentions,
                    links=_text_links(text),
                    impressions=table.count(row, "impressions"),
                    engagements=table.count(row, "engagements"),
                    likes=table.count(row, "likes"),
                    replies=table.count(row, "replies"),
                    reshares=table.count(row, "retweets"),
                    clicks=table.count(row, "url_clicks"),
                    video_views=table.count(row, "media_views"),
                    row=line,
                )
                info = account.check(handle, table.label("permalink"))
            except _RowProblem as exc:
                yield RowError(row=line, message=str(exc), member=member.name)
                continue
            if info is not None:
                yield info
            yield post


# --- 2a. account analytics content CSV --------------------------------------------------------

_CONTENT_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("Post id",),
    "date": ("Date",),
    "text": ("Post text",),
    "link": ("Post Link",),
    "impressions": ("Impressions",),
    "likes": ("Likes",),
    "engagements": ("Engagements",),
    "bookmarks": ("Bookmarks",),
    "replies": ("Replies",),
    "reposts": ("Reposts",),
    "url_clicks": ("URL Clicks",),
}
_CONTENT_REQUIRED = ("id", "date", "text", "link", "impressions")
_CONTENT_METRICS = (
    "bookmarks",
    "new follows",
    "reposts",
    "profile visits",
    "detail expands",
    "url clicks",
    "hashtag clicks",
    "permalink clicks",
)


def _is_content_header(header: list[str]) -> bool:
    names = _names(header)
    return {"post id", "post link", "post text"} <= names and (
        len(names & set(_CONTENT_METRICS)) >= 3
    )


@_never_raise
def sniff_content(source: Source) -> bool:
    return _sniff_csv(source, _is_content_header)


def parse_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _AccountTracker()
    for member in _data_members(source):
        table = _CsvTable(member, _CONTENT_COLUMNS, _CONTENT_REQUIRED)
        for line, row in table.rows():
            try:
                table.check_width(row)
                post_id = _post_id(table.get(row, "id"), table.label("id"))
                permalink = table.get(row, "link")
                handle = _permalink_handle(permalink, post_id, table.label("link"))
                published = _content_time(table, row, post_id, ctx)
                text = post_text(table.get(row, "text"))
                kind, reply_to, reshared, mentions = _classify_text(text)
                post = PostRecord(
                    platform_id=post_id,
                    published_at=published,
                    text=text,
                    permalink=permalink,
                    kind=kind,
                    in_reply_to_handle=reply_to,
                    reshared_handle=reshared,
                    mentions=mentions,
                    links=_text_links(text),
                    impressions=table.count(row, "impressions"),
                    engagements=table.count(row, "engagements"),
                    likes=table.count(row, "likes"),
                    replies=table.count(row, "replies"),
                    reshares=table.count(row, "reposts"),
                    clicks=table.count(row, "url_clicks"),
                    saves=table.count(row, "bookmarks"),
                    row=line,
                )
                info = account.check(handle, table.label("link"))
            except _RowProblem as exc:
                yield RowError(row=line, message=str(exc), member=member.name)
                continue
            if info is not None:
                yield info
            yield post


def _content_time(
    table: _CsvTable, row: Sequence[str], post_id: str, ctx: ParseContext
) -> datetime:
    """The exact time from the post id; the Date column (no time) must agree with it."""
    raw_day = table.get(row, "date")
    try:
        day = _parse_day(raw_day)
    except ValueError as exc:
        raise _RowProblem(f"column “{table.label('date')}”: {exc}") from None
    try:
        exact = snowflake_time(post_id)
    except ValueError as exc:
        raise _RowProblem(str(exc)) from None
    if exact is None:
        return localize(datetime.combine(day, time()), ctx.tz)
    # The Date is a calendar day in some zone (UTC-12 … UTC+14): at most a day off.
    if abs((exact.date() - day).days) > 1:
        raise _RowProblem(
            f"column “{table.label('id')}”: post {post_id} was published on "
            f"{exact.date().isoformat()} (its id says so), which does not match "
            f"{table.label('date')} “{raw_day}”"
        )
    return exact


# --- 2b. account overview CSV (daily) ---------------------------------------------------------

# File column -> catalogue metric. `Shares` (sent by DM / copied link), `Create Post` (posts
# are counted from posts) and `Media views` have no catalogue key and are not imported.
_OVERVIEW_METRICS: dict[str, tuple[str, str]] = {
    "impressions": ("Impressions", "impressions"),
    "likes": ("Likes", "likes"),
    "engagements": ("Engagements", "engagements"),
    "bookmarks": ("Bookmarks", "saves"),
    "new_follows": ("New follows", "new_followers"),
    "unfollows": ("Unfollows", "unfollows"),
    "replies": ("Replies", "replies_received"),
    "reposts": ("Reposts", "reshares_received"),
    "profile_visits": ("Profile visits", "profile_visits"),
    "video_views": ("Video views", "video_views"),
}
_OVERVIEW_COLUMNS: dict[str, Sequence[str]] = {
    "date": ("Date",),
    **{key: (spelling,) for key, (spelling, _metric) in _OVERVIEW_METRICS.items()},
}
_OVERVIEW_REQUIRED = ("date", "impressions")


_OVERVIEW_SIGNATURE = (
    "impressions",
    "new follows",
    "profile visits",
    "create post",
    "bookmarks",
    "reposts",
    "engagements",
)


def _is_overview_header(header: list[str]) -> bool:
    """Date, X's `Unfollows` (no other export has it) and most of the other columns."""
    names = _names(header)
    return (
        "date" in names
        and "unfollows" in names
        and len(names & set(_OVERVIEW_SIGNATURE)) >= 4
        and "post id" not in names
    )


@_never_raise
def sniff_overview(source: Source) -> bool:
    return _sniff_csv(source, _is_overview_header)


def parse_overview(source: Source, ctx: ParseContext) -> Iterator[Record]:
    seen: dict[date, tuple[tuple[int | None, ...], str, int]] = {}
    for member in _data_members(source):
        table = _CsvTable(member, _OVERVIEW_COLUMNS, _OVERVIEW_REQUIRED)
        for line, row in table.rows():
            try:
                table.check_width(row)
                raw_day = table.get(row, "date")
                try:
                    day = _parse_day(raw_day)
                except ValueError as exc:
                    raise _RowProblem(f"column “{table.label('date')}”: {exc}") from None
                values = tuple(table.count(row, key) for key in _OVERVIEW_METRICS)
                earlier = seen.get(day)
                if earlier is not None:
                    if earlier[0] == values:
                        continue  # the same day in two overlapping exports, same numbers
                    where = earlier[1] if earlier[1] != member.name else "this file"
                    raise _RowProblem(
                        f"column “{table.label('date')}”: the day “{raw_day}” appears twice "
                        f"with different numbers (also row {earlier[2]} of {where})"
                    )
                seen[day] = (values, member.name, line)
            except _RowProblem as exc:
                yield RowError(row=line, message=str(exc), member=member.name)
                continue
            for (_spelling, metric), value in zip(_OVERVIEW_METRICS.values(), values, strict=True):
                if value is not None:
                    yield ObservationRecord(metric=metric, day=day, value=Decimal(value), row=line)


# --- 3. the account data archive --------------------------------------------------------------

_YTD_RE = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*\[")
_MANIFEST_RE = re.compile(r"\s*window\.__THAR_CONFIG\s*=\s*\{")
_TWEET_TYPES = frozenset({"tweets", "tweet"})  # 'tweet' in archives from before 2022
_ARCHIVE_TIME_RE = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{2})(\d{2}) (\d{4})"
)


class _Archive:
    """The archive's data files, recognised by the global each one assigns."""

    def __init__(self, source: Source) -> None:
        self.parts: dict[str, list[tuple[int, Member]]] = {}
        self.manifest: Member | None = None
        members = _data_members(source)
        if len(members) > 1:  # an archive: only its .js files hold data
            members = [m for m in members if m.basename.lower().endswith(".js")]
        for member in members:
            head = head_text(member)
            match = _YTD_RE.match(head)
            if match:
                kind = match.group(1).lower()
                self.parts.setdefault(kind, []).append((int(match.group(2)), member))
            elif _MANIFEST_RE.match(head) and self.manifest is None:
                self.manifest = member
        for parts in self.parts.values():
            parts.sort(key=lambda part: (part[0], part[1].name))
        self.source_name = source.name

    def check_single(self) -> None:
        """Two archives given together would mix accounts: refuse, naming the files."""
        for kind, parts in self.parts.items():
            numbers = [number for number, _member in parts]
            if len(set(numbers)) != len(numbers):
                names = ", ".join(member.name for _number, member in parts)
                raise ImportFailed(
                    f"{self.source_name} holds the {kind} data more than once ({names}); "
                    "give one archive at a time."
                )

    def tweet_parts(self) -> list[Member]:
        return [m for kind in sorted(_TWEET_TYPES) for _n, m in self.parts.get(kind, [])]

    def members(self, kind: str) -> list[Member]:
        return [member for _number, member in self.parts.get(kind, [])]


@_never_raise
def sniff_archive(source: Source) -> bool:
    return bool(_Archive(source).tweet_parts())


_CHUNK = 1024 * 1024


def _iter_js_items(member: Member) -> Iterator[tuple[int, Any]]:
    """The items of a `window.YTD.<type>.partN = [ … ]` file, one at a time, with the line
    each starts on. The file is read in chunks, so memory does not grow with the archive.
    A cut-off or edited file raises ImportFailed where it breaks."""
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"\s*")
    with open_text(member) as fh:
        buf = ""
        eof = False

        def more() -> bool:
            nonlocal buf, eof
            if eof:
                return False
            try:
                chunk = fh.read(_CHUNK)
            except UnicodeDecodeError as exc:
                raise ImportFailed(
                    f"{member.name} is not valid UTF-8 text; extract it from the archive again."
                ) from exc
            if not chunk:
                eof = True
                return False
            buf += chunk
            return True

        while (match := _YTD_RE.match(buf.lstrip("\ufeff"))) is None:
            if not more() or len(buf) > _CHUNK * 2:
                raise ImportFailed(
                    f"{member.name}: not an X archive data file (no “window.YTD…= [”)."
                )
        buf = buf.lstrip("\ufeff")
        pos = match.end()
        line = 1 + buf.count("\n", 0, pos)
        first = True

        def skip_space() -> None:
            nonlocal pos, line
            while True:
                end = whitespace.match(buf, pos).end()  # type: ignore[union-attr]
                line += buf.count("\n", pos, end)
                pos = end
                if pos < len(buf) or not more():
                    return

        while True:
            # Drop what has been read, keeping memory to about one chunk.
            if pos > _CHUNK:
                buf, pos = buf[pos:], 0
            skip_space()
            if pos >= len(buf):
                raise ImportFailed(
                    f"{member.name}: the file ends at line {line} before its list is closed; "
                    "it is probably cut off. Extract it from the archive again."
                )
            if buf[pos] == "]":
                while more():
                    pass
                rest = buf[pos + 1 :].strip()
                if rest not in ("", ";"):
                    raise ImportFailed(
                        f"{member.name}, line {line}: unexpected text after the list."
                    )
                return
            if not first:
                if buf[pos] != ",":
                    raise ImportFailed(
                        f"{member.name}, line {line}: expected “,” or “]” between items; "
                        "the file is not valid JSON."
                    )
                pos += 1
                skip_space()
            while True:
                try:
                    item, end = decoder.raw_decode(buf, pos)
                    break
                except json.JSONDecodeError as exc:
                    if more():
                        continue  # the item runs on into the next chunk
                    raise ImportFailed(
                        f"{member.name}, line {line + buf.count(chr(10), pos, exc.pos)}: not "
                        f"valid JSON ({exc.msg}); the file is probably cut off or was edited."
                    ) from None
            yield line, item
            line += buf.count("\n", pos, end)
            pos = end
            first = False


def _wrapped(item: Any, key: str, member: Member, line: int) -> dict[str, Any]:
    """`{"<key>": {…}}` -> the inner object; anything else is not the expected shape."""
    if isinstance(item, dict):
        inner = item.get(key)
        if isinstance(inner, dict):
            return inner
    raise ImportFailed(f"{member.name}, line {line}: expected an item {{“{key}”: {{…}}}}.")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _list_of_dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _parse_archive_time(raw: str) -> datetime:
    """'Tue Sep 29 13:20:00 +0000 2026' -> aware UTC (no locale involved)."""
    match = _ARCHIVE_TIME_RE.fullmatch(raw.strip())
    month = _MONTHS.get(match.group(1).lower()) if match else None
    if match is None or month is None:
        raise ValueError(f"“{raw}” is not a time like “Tue Sep 29 13:20:00 +0000 2026”")
    sign = 1 if match.group(6).startswith("+") else -1
    offset = timedelta(hours=int(match.group(6)[1:]), minutes=int(match.group(7))) * sign
    try:
        naive = datetime(
            int(match.group(8)),
            month,
            int(match.group(2)),
            int(match.group(3)),
            int(match.group(4)),
            int(match.group(5)),
        )
    except ValueError:
        raise ValueError(f"“{raw}” is not a valid date and time") from None
    return (naive - offset).replace(tzinfo=UTC)


class _Note:
    __slots__ = ("created", "links", "mentions", "text")

    def __init__(self, core: dict[str, Any], created: datetime | None) -> None:
        self.text = _str(core.get("text"))
        self.created = created
        self.links = tuple(_str(u.get("expandedUrl")) for u in _list_of_dicts(core.get("urls")))
        self.mentions = tuple(
            _str(m.get("screenName")) for m in _list_of_dicts(core.get("mentions"))
        )


def _squash(text: str) -> str:
    return " ".join(text.split())


class _Notes:
    """Long posts' full text (note-tweet.js). tweets.js cuts such posts with '…'; the note
    is found by the post's id, else by the cut text being the start of exactly one note
    (the creation second breaks a tie)."""

    def __init__(self) -> None:
        self.by_id: dict[str, _Note] = {}
        self.all: list[_Note] = []

    def add(self, note_id: str, note: _Note) -> None:
        if note_id:
            self.by_id[note_id] = note
        self.all.append(note)

    def find(self, post_id: str, text: str, created: datetime) -> _Note | None:
        note = self.by_id.get(post_id)
        if note is not None:
            return note
        shown = _SHORTLINK_TAIL_RE.sub("", text).rstrip()
        if not shown.endswith("…"):
            return None
        prefix = _squash(shown[:-1])
        if not prefix:
            return None
        candidates = [n for n in self.all if _squash(n.text).startswith(prefix)]
        if len(candidates) > 1:
            candidates = [n for n in candidates if n.created == created]
        return candidates[0] if len(candidates) == 1 else None


_SHORTLINK_TAIL_RE = re.compile(r"(\s*https?://t\.co/\S+)+\s*$", re.IGNORECASE)


def _load_notes(archive: _Archive) -> _Notes:
    notes = _Notes()
    for member in archive.members("note_tweet"):
        for line, item in _iter_js_items(member):
            note = _wrapped(item, "noteTweet", member, line)
            core = note.get("core")
            if not isinstance(core, dict):
                raise ImportFailed(f"{member.name}, line {line}: a note without “core”.")
            created: datetime | None
            try:
                created = parse_iso_utc(_str(note.get("createdAt")))
            except ValueError:
                created = None
            notes.add(_str(note.get("noteTweetId")), _Note(core, created))
    return notes


def _archive_post(tweet: dict[str, Any], handle: str, notes: _Notes, line: int) -> PostRecord:
    post_id = _post_id(_str(tweet.get("id_str") or tweet.get("id")), "id_str", where="field")
    try:
        published = _parse_archive_time(_str(tweet.get("created_at")))
    except ValueError as exc:
        raise _RowProblem(f"field “created_at”: {exc}") from None
    text = post_text(_str(tweet.get("full_text") or tweet.get("text")))
    entities = tweet.get("entities")
    entities = entities if isinstance(entities, dict) else {}
    typed = [_str(m.get("screen_name")) for m in _list_of_dicts(entities.get("user_mentions"))]
    # expanded_url only: a t.co `url` hides where the link goes.
    urls = [_str(u.get("expanded_url")) for u in _list_of_dicts(entities.get("urls"))]

    kind: PostKind | None = None
    reply_to = reply_id = reshared = ""
    retweeted = retweeted_handle(text)
    if retweeted is not None:
        kind, reshared, typed = PostKind.RESHARE, retweeted, []
    else:
        note = notes.find(post_id, text, published)
        if note is not None:
            text = note.text
            typed += note.mentions
            urls += [u for u in note.links if u not in urls]
        reply_to = canonical_handle(PLATFORM, _str(tweet.get("in_reply_to_screen_name")))
        reply_id = _str(
            tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
        )
        if reply_to or reply_id:
            kind = PostKind.REPLY
            typed = [reply_to, *typed]
    quoted = quoted_author(urls)
    if quoted is not None and retweeted is None:
        # A link to a post makes a quote; it names the quoted post, it is not a link out.
        kind = kind or PostKind.QUOTE
        reshared = reshared or quoted
    return PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=post_url(handle, post_id),
        kind=kind,
        in_reply_to_handle=reply_to,
        # The archive's id of the post answered: links the reply to an inbound mention.
        in_reply_to_id=reply_id,
        reshared_handle=reshared,
        mentions=people(PLATFORM, typed),
        links=outbound_links(urls),
        likes=_int_field(_str(tweet.get("favorite_count")), "favorite_count", where="field"),
        reshares=_int_field(_str(tweet.get("retweet_count")), "retweet_count", where="field"),
        row=line,
    )


def _read_manifest(archive: _Archive) -> dict[str, Any]:
    if archive.manifest is None:
        return {}
    text = read_text(archive.manifest)
    start = text.find("{")
    try:
        manifest = json.loads(text[start:].strip().rstrip(";"))
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{archive.manifest.name}, line {exc.lineno}: not valid JSON ({exc.msg}); the file "
            "is probably cut off."
        ) from None
    if not isinstance(manifest, dict):
        raise ImportFailed(f"{archive.manifest.name}: expected an object.")
    return manifest


def _section(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def parse_archive(source: Source, ctx: ParseContext) -> Iterator[Record]:
    archive = _Archive(source)
    archive.check_single()
    tweet_parts = archive.tweet_parts()
    if not tweet_parts:
        raise ImportFailed(f"{source.name}: no data/tweets.js in this X archive.")
    manifest = _read_manifest(archive)

    generated = _str(_section(manifest, "archiveInfo").get("generationDate"))
    snapshot_day = ctx.today
    if generated:
        try:
            snapshot_day = parse_iso_utc(generated).astimezone(ctx.tz).date()
        except ValueError:
            raise ImportFailed(
                f"{archive.manifest.name if archive.manifest else source.name}: "
                f"“generationDate” “{generated}” is not a date and time."
            ) from None

    handle, display_name = "", ""
    for member in archive.members("account"):
        for line, item in _iter_js_items(member):
            account = _wrapped(item, "account", member, line)
            handle = canonical_handle(PLATFORM, _str(account.get("username")))
            display_name = _str(account.get("accountDisplayName"))
    if not handle:
        user = _section(manifest, "userInfo")
        handle = canonical_handle(PLATFORM, _str(user.get("userName")))
        display_name = display_name or _str(user.get("displayName"))
    if handle:
        yield AccountInfo(platform=PLATFORM, handle=handle, display_name=display_name)
    else:
        # A lone tweets.js: links use the named account.
        handle = canonical_handle(PLATFORM, ctx.handle)

    notes = _load_notes(archive)
    for member in tweet_parts:
        for line, item in _iter_js_items(member):
            tweet = _wrapped(item, "tweet", member, line)
            try:
                yield _archive_post(tweet, handle, notes, line)
            except _RowProblem as exc:
                yield RowError(row=line, message=str(exc), member=member.name)

    for kind, metric in (("follower", "followers"), ("following", "following")):
        members = archive.members(kind)
        if not members:
            continue
        count = 0
        for member in members:
            for line, item in _iter_js_items(member):
                _wrapped(item, kind, member, line)
                count += 1
        yield ObservationRecord(metric=metric, day=snapshot_day, value=Decimal(count))


# --- the formats ------------------------------------------------------------------------------

FORMATS: list[Format] = [
    Format(
        key="x_tweet_activity",
        label="X tweet activity CSV (analytics.twitter.com)",
        platform=PLATFORM,
        sniff=sniff_tweet_activity,
        parse=parse_tweet_activity,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="x_content",
        label="X account analytics: posts CSV (account_analytics_content_….csv)",
        platform=PLATFORM,
        sniff=sniff_content,
        parse=parse_content,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.SHORTENED),
    ),
    Format(
        key="x_overview",
        label="X account analytics: daily overview CSV (account_overview_analytics.csv)",
        platform=PLATFORM,
        sniff=sniff_overview,
        parse=parse_overview,
    ),
    Format(
        key="x_archive",
        label="X data archive (twitter-….zip or its data/tweets.js)",
        platform=PLATFORM,
        sniff=sniff_archive,
        parse=parse_archive,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    ),
]
