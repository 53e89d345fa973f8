"""X analytics CSVs (README sections 1 and 2 of shared/exports):

- x_tweet_activity: the legacy "Tweet activity" CSV from analytics.twitter.com, per post;
- x_content: `account_analytics_content_<from>_<to>.csv` from x.com/i/account_analytics,
  per post;
- x_overview: `account_overview_analytics.csv` from the same page, per day.

The per-post files have no reply or retweet marker of their own: a text starting with
`RT @user:` is a retweet, one starting with an @handle a reply to it. The content CSV's Date
has no time: the exact time comes from the post id (a snowflake), which must agree with it.

When the export was made (ExportInfo) comes from the names X gives the per-post files: the
range they cover ends the day before, so a file was made once its last day was over (the
legacy file's second date is already the day after its range). The overview's name says
nothing of the kind.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from metrics.importers.accounts import OneAccount
from metrics.importers.common import Member, ParseContext, Source
from metrics.importers.dates import end_of_day, english_day, minute_with_offset, start_of_day
from metrics.importers.exports import latest, time_in_name
from metrics.importers.tables import Row, RowProblem, Table, every_csv_header, header_names
from metrics.ingest.records import ObservationRecord, PostKind, PostRecord, Record
from metrics.platforms.identity import canonical_handle, people
from metrics.platforms.x import (
    HANDLE,
    PLATFORM,
    is_post_id,
    is_shortlink,
    post_text,
    retweeted_handle,
    snowflake_time,
    status_link,
)

# An @handle as X links it: not inside a word, an e-mail address or a URL path.
_MENTION_RE = re.compile(rf"(?<![A-Za-z0-9_!#$%&*@/])@({HANDLE})(?![A-Za-z0-9_@])")
_LEADING_MENTION_RE = re.compile(rf"@({HANDLE})(?![A-Za-z0-9_@])")
_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_DAY_EXAMPLE = "Sat, Aug 22, 2026"
_UTC = ZoneInfo("UTC")

# --- the two per-post files ------------------------------------------------------------------

# The headers as X writes them (a user is told how a file that is nearly one of these differs).
TWEET_ACTIVITY_HEADER = (
    "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements",
    "engagement rate", "retweets", "replies", "likes", "user profile clicks", "url clicks",
    "hashtag clicks", "detail expands", "permalink clicks", "app opens", "app installs",
    "follows", "email tweet", "dial phone", "media views", "media engagements",
)  # fmt: skip
CONTENT_HEADER = (
    "Post id", "Date", "Post text", "Post Link", "Impressions", "Likes", "Engagements",
    "Bookmarks", "Shares", "New follows", "Replies", "Reposts", "Profile visits",
    "Detail Expands", "URL Clicks", "Hashtag Clicks", "Permalink Clicks",
)  # fmt: skip
OVERVIEW_HEADER = (
    "Date", "Impressions", "Likes", "Engagements", "Bookmarks", "Shares", "New follows",
    "Unfollows", "Replies", "Reposts", "Profile visits", "Create Post", "Video views",
    "Media views",
)  # fmt: skip

# Canonical column -> the spelling in each file; counts map to PostRecord fields by name.
_LEGACY_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("Tweet id",),
    "link": ("Tweet permalink",),
    "text": ("Tweet text",),
    "time": ("time",),
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "reshares": ("retweets",),
    "replies": ("replies",),
    "likes": ("likes",),
    "clicks": ("url clicks",),
    "video_views": ("media views",),
}
_LEGACY_REQUIRED = ("id", "link", "text", "time", "impressions", "engagements")
_LEGACY_SIGNATURE = (
    "engagement rate",
    "user profile clicks",
    "url clicks",
    "hashtag clicks",
    "detail expands",
    "permalink clicks",
    "media views",
    "media engagements",
)

_CONTENT_COLUMNS: dict[str, Sequence[str]] = {
    "id": ("Post id",),
    "date": ("Date",),
    "text": ("Post text",),
    "link": ("Post Link",),
    "impressions": ("Impressions",),
    "likes": ("Likes",),
    "engagements": ("Engagements",),
    "saves": ("Bookmarks",),
    "replies": ("Replies",),
    "reshares": ("Reposts",),
    "clicks": ("URL Clicks",),
}
_CONTENT_REQUIRED = ("id", "date", "text", "link", "impressions")
_CONTENT_SIGNATURE = (
    "bookmarks",
    "new follows",
    "reposts",
    "profile visits",
    "detail expands",
    "url clicks",
    "hashtag clicks",
    "permalink clicks",
)

_POST_COUNTS = (
    "impressions",
    "engagements",
    "likes",
    "replies",
    "reshares",
    "clicks",
    "saves",
    "video_views",
)

# How a file gives a post's time: (row, post id, ctx) -> the time; RowProblem when it cannot.
_Published = Callable[[Row, str, ParseContext], datetime]

# `account_analytics_content_<from>_<to>.csv`, as X's web client names the download.
_CONTENT_NAME = re.compile(r"account_analytics_content_\d{4}-\d{2}-\d{2}_(\d{4}-\d{2}-\d{2})\.csv")
# `tweet_activity_metrics_<user>_<YYYYMMDD>_<YYYYMMDD>_<UI language>.csv`.
_ACTIVITY_NAME = re.compile(
    r"tweet_activity_metrics_[A-Za-z0-9_]+_\d{8}_(\d{8})_[a-z]{2}(?:-[a-z]{2,4})?\.csv"
)


def _content_exported(member: Member) -> datetime | None:
    """The end (UTC) of the last day the file's name says it covers."""
    return time_in_name(
        [member.basename],
        _CONTENT_NAME,
        lambda match: end_of_day(date.fromisoformat(match[1]), _UTC),
    )


def _activity_exported(member: Member) -> datetime | None:
    """The second date of the file's name (the day after its range), 00:00 UTC."""
    return time_in_name(
        [member.basename],
        _ACTIVITY_NAME,
        lambda match: datetime.strptime(match[1], "%Y%m%d").replace(tzinfo=UTC),
    )


def _is_legacy_header(header: list[str]) -> bool:
    names = header_names(header)
    return {"tweet id", "tweet permalink", "tweet text"} <= names and (
        len(names & set(_LEGACY_SIGNATURE)) >= 3
    )


def _is_content_header(header: list[str]) -> bool:
    names = header_names(header)
    return {"post id", "post link", "post text"} <= names and (
        len(names & set(_CONTENT_SIGNATURE)) >= 3
    )


def sniff_tweet_activity(source: Source) -> bool:
    return every_csv_header(source, _is_legacy_header)


def sniff_content(source: Source) -> bool:
    return every_csv_header(source, _is_content_header)


def parse_tweet_activity(source: Source, ctx: ParseContext) -> Iterator[Record]:
    return _parse_posts(
        source, ctx, _LEGACY_COLUMNS, _LEGACY_REQUIRED, _legacy_time, _activity_exported
    )


def parse_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    return _parse_posts(
        source, ctx, _CONTENT_COLUMNS, _CONTENT_REQUIRED, _content_time, _content_exported
    )


def _parse_posts(
    source: Source,
    ctx: ParseContext,
    wanted: dict[str, Sequence[str]],
    required: Sequence[str],
    published: _Published,
    exported: Callable[[Member], datetime | None],
) -> Iterator[Record]:
    yield from latest(exported(member) for member in source.members)
    account = OneAccount(PLATFORM)
    for member in source.members:
        table = Table(member, wanted, required=required)
        yield from table.read(lambda row: _post(row, ctx, account, published))


def _post(
    row: Row, ctx: ParseContext, account: OneAccount, published_of: _Published
) -> Iterator[Record]:
    post_id = row.text("id")
    if not is_post_id(post_id):
        shown = post_id or "(empty)"
        raise RowProblem(f"column “{row.label('id')}”: “{shown}” is not a post id (digits only)")
    link = row.text("link")
    handle = _link_handle(row, link, post_id)
    counts = {key: row.count(key) for key in _POST_COUNTS}
    published = published_of(row, post_id, ctx)
    account.check(handle, line=row.line, column=row.label("link"))
    row.check()
    text = post_text(row.text("text"))
    kind, reply_to, reshared, mentions = _classify_text(text)
    if info := account.announce(handle):
        yield info
    yield PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=link,
        kind=kind,
        in_reply_to_handle=reply_to,
        reshared_handle=reshared,
        mentions=mentions,
        links=_text_links(text),
        impressions=counts["impressions"],
        engagements=counts["engagements"],
        likes=counts["likes"],
        replies=counts["replies"],
        reshares=counts["reshares"],
        clicks=counts["clicks"],
        saves=counts["saves"],
        video_views=counts["video_views"],
        row=row.line,
    )


def _link_handle(row: Row, link: str, post_id: str) -> str:
    """The author from the post's link, checking that the link is for this post."""
    found = status_link(link)
    if found is None:
        shown = link or "(empty)"
        raise RowProblem(f"column “{row.label('link')}”: “{shown}” is not a link to a post on X")
    handle, linked_id = found
    if linked_id != post_id:
        raise RowProblem(
            f"column “{row.label('link')}”: “{link}” links to another post than {post_id}"
        )
    return handle


def _legacy_time(row: Row, post_id: str, ctx: ParseContext) -> datetime:
    """The legacy file's `time`, UTC to the minute."""
    return row.need("time", minute_with_offset)


def _content_time(row: Row, post_id: str, ctx: ParseContext) -> datetime:
    """The exact time from the post id; the Date column (no time) must agree with it."""
    day = row.need("date", _day)
    try:
        exact = snowflake_time(post_id)
    except ValueError as exc:
        raise RowProblem(str(exc)) from None
    if exact is None:  # an id from before 2010: the day is all there is
        return start_of_day(day, ctx.tz)
    # The Date is a calendar day in some zone (UTC-12 … UTC+14): at most a day off.
    if abs((exact.date() - day).days) > 1:
        raise RowProblem(
            f"column “{row.label('id')}”: post {post_id} was published on "
            f"{exact.date().isoformat()} (its id says so), which does not match "
            f"{row.label('date')} “{row.text('date')}”"
        )
    return exact


def _day(raw: str) -> date:
    return english_day(raw, example=_DAY_EXAMPLE)


def _classify_text(text: str) -> tuple[PostKind | None, str, str, tuple[str, ...]]:
    """(kind, in_reply_to_handle, reshared_handle, mentions) from a CSV export's post text.

    A text starting with `RT @user:` is a plain retweet (no mentions of its own); a text
    starting with an @handle is a reply to that handle (the analytics exports have no other
    reply marker); mentions are every @handle the author typed."""
    retweeted = retweeted_handle(text)
    if retweeted is not None:
        return PostKind.RESHARE, "", retweeted, ()
    mentions = people(PLATFORM, _MENTION_RE.findall(text))
    leading = _LEADING_MENTION_RE.match(text)
    if leading:
        return PostKind.REPLY, canonical_handle(PLATFORM, leading.group(1)), "", mentions
    return None, "", "", mentions


def _text_links(text: str) -> tuple[str, ...]:
    """Full URLs typed in the text. t.co short links are left out: they hide the real
    destination, and counting them as links to t.co would misclassify every post."""
    links: dict[str, None] = {}
    for raw in _URL_RE.findall(text):
        url = raw.rstrip(".,;:!?)]}'’”…")
        if url and not is_shortlink(url):
            links.setdefault(url, None)
    return tuple(links)


# --- the daily overview ----------------------------------------------------------------------

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
    names = header_names(header)
    return (
        "date" in names
        and "unfollows" in names
        and len(names & set(_OVERVIEW_SIGNATURE)) >= 4
        and "post id" not in names
    )


def sniff_overview(source: Source) -> bool:
    return every_csv_header(source, _is_overview_header)


class _Days:
    """The days read so far: overlapping exports repeat a day, which must then carry the
    same numbers."""

    def __init__(self) -> None:
        self.seen: dict[date, tuple[tuple[int | None, ...], str, int]] = {}

    def is_new(self, row: Row, day: date, values: tuple[int | None, ...]) -> bool:
        earlier = self.seen.get(day)
        member = row.table.member.name
        if earlier is None:
            self.seen[day] = (values, member, row.line)
            return True
        if earlier[0] == values:
            return False  # the same day in two overlapping exports, same numbers
        where = earlier[1] if earlier[1] != member else "this file"
        raise RowProblem(
            f"column “{row.label('date')}”: the day “{row.text('date')}” appears twice "
            f"with different numbers (also row {earlier[2]} of {where})"
        )


def parse_overview(source: Source, ctx: ParseContext) -> Iterator[Record]:
    days = _Days()
    for member in source.members:
        table = Table(member, _OVERVIEW_COLUMNS, required=_OVERVIEW_REQUIRED)
        yield from table.read(lambda row: _overview_day(row, days))


def _overview_day(row: Row, days: _Days) -> Iterator[Record]:
    values = tuple(row.count(key) for key in _OVERVIEW_METRICS)
    day = row.need("date", _day)
    row.check()
    if not days.is_new(row, day, values):
        return
    for (_spelling, metric), value in zip(_OVERVIEW_METRICS.values(), values, strict=True):
        if value is not None:
            yield ObservationRecord(metric=metric, day=day, value=Decimal(value), row=row.line)
