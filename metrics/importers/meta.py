"""Meta exports: Facebook Page and Instagram (Meta Business Suite), and the legacy
Facebook Page Insights post export (README sections 6 and 7).

- facebook_content: Insights → Content → Export, one row per post (UTF-8 with BOM).
- instagram_content: the same export for an Instagram account.
- facebook_daily / instagram_daily: the per-metric daily files (UTF-16, `sep=,`, a title line
  naming the metric, then "Date","Primary").
- facebook_legacy: the pre-2021 Page Insights post export with a second header row of
  definitions.

Per-post numbers in these exports are lifetime totals as of the export day; the writer
upserts posts by id, so a later export simply refreshes them. When the export was made
(ExportInfo) is in the names Meta gives the per-post files: the content export
`<Mon-DD-YYYY>_<Mon-DD-YYYY>_<16 digits>.csv` was made once the second day was over (in the
team's zone), the legacy export `… - <YYYY-MM-DD>.csv` on that day. The daily files' names
(`Follows.csv`) say nothing of it. What the exports and the Graph
API write alike (caption links and mentions, Instagram's credits, post ids) is in
metrics.platforms.meta.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from itertools import compress
from typing import cast

from metrics import catalog
from metrics.importers.accounts import OneAccount
from metrics.importers.columnar import midnight_days_and_counts
from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.dates import (
    MONTHS,
    end_of_day,
    localize,
    midnight_day,
    month_day_year_time,
    start_of_day,
)
from metrics.importers.exports import latest, time_in_name
from metrics.importers.numbers import parse_decimal
from metrics.importers.tables import (
    Row,
    Table,
    every_csv_header,
    every_member,
    header_matches,
    normalise_header,
)
from metrics.importers.text import head_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence, TimeEvidence
from metrics.ingest.records import (
    ObservationBatch,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
)
from metrics.platforms.identity import canonical_handle
from metrics.platforms.meta import (
    FACEBOOK,
    INSTAGRAM,
    instagram_caption,
    interactions,
    links_in_text,
    mentions_in_text,
    split_post_id,
)

# --- shared by the per-post exports ----------------------------------------------------------

# https://www.facebook.com/<page>/posts/…, /<page>/videos/…, /<page>/photos/…
_FB_PAGE_PATH = re.compile(
    r"^https?://(?:www\.|m\.|web\.)?facebook\.com/([A-Za-z0-9.\-]+)/"
    r"(?:posts|videos|photos|reels?|events)/",
    re.IGNORECASE,
)
# Path segments that are Facebook's own routes, never a page's name.
_FB_ROUTES = frozenset(
    {"reel", "reels", "watch", "photo", "photos", "story.php", "permalink.php", "groups", "events"}
    | {"share", "profile.php", "media", "video.php", "pages", "people", "hashtag", "stories"}
)


def _facebook_page_handle(permalink: str) -> str:
    match = _FB_PAGE_PATH.match(permalink.strip())
    if not match or match.group(1).lower() in _FB_ROUTES:
        return ""
    return canonical_handle(FACEBOOK, match.group(1))


def _published(row: Row, key: str, example: str, ctx: ParseContext) -> datetime:
    """A local time without an offset (“06/26/2026 15:30”), read in the team's zone."""
    return row.need(key, lambda raw: localize(month_day_year_time(raw, example=example), ctx.tz))


def _lifetime_only(row: Row) -> None:
    """Meta writes Date = Lifetime: the counts are lifetime totals. Anything else (a day)
    would be a different kind of number, so the row is refused rather than guessed."""
    value = row.text("date")
    if value and value.lower() != "lifetime":
        row.fail_column(
            "date", f"“{value}”; only lifetime totals (Date = Lifetime) can be imported"
        )


def _flag(row: Row, key: str) -> bool:
    value = row.text(key).lower()
    if value in ("1", "true", "yes"):
        return True
    if value not in ("", "0", "false", "no"):
        row.fail_column(key, f"“{value}” is not 0 or 1")
    return False


# `Apr-01-2026_Jun-30-2026_5358321145085006.csv`: the range, then the export's number.
_CONTENT_NAME = re.compile(r"[A-Z][a-z]{2}-\d{2}-\d{4}_([A-Z][a-z]{2})-(\d{2})-(\d{4})_\d{16}\.csv")
# `Facebook Insights Data Export (Post Level) - <Page name> - <YYYY-MM-DD>.csv`.
_LEGACY_NAME = re.compile(
    r"Facebook Insights Data Export \(Post Level\) - .+ - (\d{4}-\d{2}-\d{2})\.csv"
)


def _content_exported(member: Member, ctx: ParseContext) -> datetime | None:
    """The end of the range's last day, in the team's zone (Meta's days are local)."""

    def read(match: re.Match[str]) -> datetime:
        month = MONTHS.get(match[1].lower())
        if month is None:
            raise ValueError(f"no month “{match[1]}”")
        return end_of_day(date(int(match[3]), month, int(match[2])), ctx.tz)

    return time_in_name([member.basename], _CONTENT_NAME, read)


def _legacy_exported(member: Member, ctx: ParseContext) -> datetime | None:
    """The day in the file's name, from its start in the team's zone."""
    return time_in_name(
        [member.basename],
        _LEGACY_NAME,
        lambda match: start_of_day(date.fromisoformat(match[1]), ctx.tz),
    )


def _has_header(*names: str) -> Callable[[Source], bool]:
    return lambda source: every_csv_header(source, lambda header: header_matches(header, names))


# --- Facebook content export (6a) --------------------------------------------------------

_FB_CONTENT_SIGNATURE = ("Post ID", "Page ID", "Page name")
_FB_CONTENT_COLUMNS: dict[str, Sequence[str]] = {
    "post_id": ["Post ID"],
    "page_id": ["Page ID"],
    "page_name": ["Page name"],
    "title": ["Title"],
    "description": ["Description"],
    "published": ["Publish time"],
    "permalink": ["Permalink"],
    "is_share": ["Is share"],
    "date": ["Date"],
    "impressions": ["Views", "Impressions"],
    "reach": ["Reach"],
    # normalise_header lowercases, so this also matches the older lower-case spelling.
    "engagements": ["Reactions, Comments and Shares"],
    "likes": ["Reactions"],
    "replies": ["Comments"],
    "reshares": ["Shares"],
    "clicks": ["Link Clicks"],
}
_FB_CONTENT_COUNTS = (
    "impressions",
    "reach",
    "engagements",
    "likes",
    "replies",
    "reshares",
    "clicks",
)


def _parse_facebook_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    yield from latest(_content_exported(member, ctx) for member in source.members)
    account = OneAccount(FACEBOOK)
    for member in source.members:
        table = Table(
            member, _FB_CONTENT_COLUMNS, required=["post_id", "page_id", "published", "permalink"]
        )
        yield from table.read(lambda row: _facebook_post(row, ctx, account))


def _facebook_post(row: Row, ctx: ParseContext, account: OneAccount) -> Iterator[Record]:
    post_id = row.text("post_id", required=True)
    _lifetime_only(row)
    is_share = _flag(row, "is_share")
    c = {key: row.count(key) for key in _FB_CONTENT_COUNTS}
    published = _published(row, "published", "06/26/2026 15:30", ctx)
    account.check(row.text("page_id"), line=row.line, column=row.label("page_id"), is_handle=False)
    row.check()
    permalink = row.text("permalink")
    handle = _facebook_page_handle(permalink)
    if info := account.announce(handle, row.text("page_name")):
        yield info
    # Which of Title and Description holds the caption depends on the post type;
    # the longer one is the full caption (the other is empty or a shortened copy).
    title, description = row.text("title"), row.text("description")
    text = description if len(description) > len(title) else title
    yield PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=permalink,
        kind=PostKind.RESHARE if is_share else None,
        mentions=mentions_in_text(FACEBOOK, text, exclude=[handle]),
        links=links_in_text(text),
        impressions=c["impressions"],
        reach=c["reach"],
        engagements=c["engagements"],
        likes=c["likes"],
        replies=c["replies"],
        reshares=c["reshares"],
        clicks=c["clicks"],
        row=row.line,
    )


# --- Instagram content export (7) ----------------------------------------------------------

_IG_CONTENT_SIGNATURE = ("Post ID", "Account ID", "Account username")
_IG_CONTENT_COLUMNS: dict[str, Sequence[str]] = {
    "post_id": ["Post ID"],
    "account_id": ["Account ID"],
    "username": ["Account username"],
    "account_name": ["Account name"],
    "description": ["Description"],
    "published": ["Publish time"],
    "permalink": ["Permalink"],
    "date": ["Date"],
    "impressions": ["Views", "Impressions"],
    "reach": ["Reach"],
    "likes": ["Likes"],
    "reshares": ["Shares"],
    "replies": ["Comments"],
    "saves": ["Saves"],
    # Not in the 18-column export; used if a variant ever carries its own total.
    "engagements": ["Interactions", "Engagement", "Engagements"],
}
_IG_CONTENT_COUNTS = ("impressions", "reach", "likes", "reshares", "replies", "saves")


def _parse_instagram_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    yield from latest(_content_exported(member, ctx) for member in source.members)
    account = OneAccount(INSTAGRAM)
    required = ["post_id", "account_id", "username", "published", "permalink"]
    for member in source.members:
        table = Table(member, _IG_CONTENT_COLUMNS, required=required)
        yield from table.read(lambda row: _instagram_post(row, ctx, account))


def _instagram_post(row: Row, ctx: ParseContext, account: OneAccount) -> Iterator[Record]:
    post_id = row.text("post_id", required=True)
    _lifetime_only(row)
    c = {key: row.count(key) for key in _IG_CONTENT_COUNTS}
    engagements = row.count("engagements")
    published = _published(row, "published", "06/26/2026 15:30", ctx)
    account.check(
        row.text("account_id"), line=row.line, column=row.label("account_id"), is_handle=False
    )
    row.check()
    handle = canonical_handle(INSTAGRAM, row.text("username"))
    if info := account.announce(handle, row.text("account_name")):
        yield info
    if engagements is None:
        # The export has no total: interactions = likes + comments + shares + saves,
        # only when all four are known.
        engagements = interactions(c["likes"], c["replies"], c["reshares"], c["saves"])
    text = row.text("description")
    caption = instagram_caption(text, handle)
    yield PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=row.text("permalink"),
        kind=caption.kind,
        reshared_handle=caption.reshared_handle,
        mentions=caption.mentions,
        links=caption.links,
        impressions=c["impressions"],
        reach=c["reach"],
        engagements=engagements,
        likes=c["likes"],
        replies=c["replies"],
        reshares=c["reshares"],
        saves=c["saves"],
        row=row.line,
    )


# --- daily per-metric files (6b, and Instagram's account level) ---------------------------

# Titles without a platform, as the samples and sources show them; each is also understood
# with "Facebook " or "Instagram " in front ("Facebook follows", "Instagram reach").
# Which metric a daily file holds is told by its title; the catalogue knows the titles,
# renamed ones included (Meta's Viewers is Reach, its Views were Impressions).
_PLATFORM_WORDS = {"facebook": FACEBOOK, "instagram": INSTAGRAM}


def _daily_title(member: Member) -> str | None:
    """The metric title of a Meta daily file (from its first bytes), or None if the file
    does not have the `sep=,` / title / "Date","Primary" layout."""
    lines = head_text(member).splitlines()
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]
    if len(lines) < 2:
        return None
    parsed = list(csv.reader(io.StringIO("\n".join(lines[:2]) + "\n")))
    if len(parsed) < 2:
        return None
    title_row, header = parsed[0], parsed[1]
    title_cells = [c for c in title_row if c.strip()]
    if len(title_cells) != 1:
        return None
    names = [normalise_header(h) for h in header]
    if names[:2] != ["date", "primary"]:
        return None
    return " ".join(title_cells[0].split())


def _title_platform(title: str) -> str | None:
    """The platform a title names ("Facebook follows"), or None when it names none ("Views")."""
    return _PLATFORM_WORDS.get(title.split(" ", 1)[0].lower())


def _title_metric(title: str, platform: str) -> str | None:
    words = title.lower()
    if _title_platform(title):
        words = words.split(" ", 1)[1] if " " in words else ""
    return catalog.metric_for(platform, words)


def _understood_titles(platform: str) -> str:
    prefix = platform.capitalize()
    names = [a.name for a in catalog.ALIASES if a.platform == platform]
    titles = [t.capitalize() for t in names] + [f"{prefix} {t}" for t in names]
    return ", ".join(f"“{t}”" for t in titles)


def _sniff_daily(platform: str) -> Callable[[Source], bool]:
    """A daily file belongs to this platform unless its title names the other one; a title
    that names none ("Views", "Reach", "Content interactions") fits both platforms, and then
    the files next to it (a zip or folder) or the user's choice of account decide."""

    def check(member: Member) -> bool:
        title = _daily_title(member)
        return title is not None and _title_platform(title) in (None, platform)

    return lambda source: every_member(source, check)


def _parse_daily(platform: str) -> Callable[[Source, ParseContext], Iterator[Record]]:
    def parse(source: Source, ctx: ParseContext) -> Iterator[Record]:
        for member in source.members:
            # Without batches, the member's records are Records only.
            yield from cast(Iterator[Record], _parse_daily_member(member, platform))

    return parse


def _parse_daily_batches(
    platform: str,
) -> Callable[[Source, ParseContext], Iterator[Record | ObservationBatch]]:
    def parse(source: Source, ctx: ParseContext) -> Iterator[Record | ObservationBatch]:
        for member in source.members:
            yield from _parse_daily_member(member, platform, batches=True)

    return parse


def _parse_daily_member(
    member: Member, platform: str, *, batches: bool = False
) -> Iterator[Record | ObservationBatch]:
    table = Table(
        member, {"date": ["Date"], "value": ["Primary"]}, required=["date", "value"], title_rows=1
    )
    line, cells = table.titles[0]
    title_cells = [c for c in cells if c.strip()]
    if len(title_cells) != 1:
        raise ImportFailed(
            f"{member.name}: line {line} should be the metric's title (such as “Facebook "
            "follows”), as Meta writes it before the Date and Primary columns."
        )
    title = " ".join(title_cells[0].split())
    named = _title_platform(title)
    if named not in (None, platform):
        raise ImportFailed(
            f"{member.name}: “{title}” is an {named.capitalize()} file, not a "
            f"{platform.capitalize()} one."
        )
    metric = _title_metric(title, platform)
    if metric is None:
        raise ImportFailed(
            f"{member.name}: the metric “{title}” is not one this importer understands. "
            f"Understood titles: {_understood_titles(platform)}."
        )
    date_at, value_at = table.columns.index["date"], table.columns.index["value"]

    def fast(cells: list[str], line: int) -> Sequence[Record]:
        value = parse_decimal(cells[value_at])
        day = midnight_day(cells[date_at])
        return () if value is None else (ObservationRecord(metric, day, value, row=line),)

    if not batches:
        yield from table.read(lambda row: _daily_value(row, metric), fast=fast)
        return

    def take(
        lines: list[int], cells: list[list[str]]
    ) -> tuple[list[bool], Callable[[int, int], ObservationBatch]]:
        taken = midnight_days_and_counts(cells[0], cells[1])
        rows = list(compress(lines, taken.flags))
        days, values, texts = taken.days, taken.counts, taken.texts

        def make(i: int, j: int) -> ObservationBatch:
            part = None if texts is None else (texts[0][i:j], texts[1][i:j])
            return ObservationBatch(metric, days[i:j], values[i:j], rows[i:j], part)

        return taken.flags, make

    yield from table.read_columns(
        lambda row: _daily_value(row, metric), fast=fast, keys=["date", "value"], take=take
    )


def _daily_value(row: Row, metric: str) -> Iterator[Record]:
    day = row.need("date", midnight_day)
    value = row.number("value")
    row.check()
    if value is not None:  # no number for that day: left out rather than made a zero
        yield ObservationRecord(metric, day, value, row=row.line)


# --- legacy Page Insights post export (6c) ------------------------------------------------

_LEGACY_SIGNATURE = ("Post ID", "Post Message", "Lifetime Post Total Reach")
# Names repeat (a Total Count and a Unique Users column share one); Columns takes the first
# occurrence, which in this export is the Total Count one.
_LEGACY_COLUMNS: dict[str, Sequence[str]] = {
    "post_id": ["Post ID"],
    "permalink": ["Permalink"],
    "message": ["Post Message"],
    "posted": ["Posted"],
    "reach": ["Lifetime Post Total Reach"],
    "impressions": ["Lifetime Post Total Impressions"],
    "engagements": ["Lifetime Engaged Users"],
    "organic_video_views": ["Lifetime Organic Video Views"],
    "paid_video_views": ["Lifetime Paid Video Views"],
    # Wider real exports add per-action columns; mapped when present.
    "likes": ["Lifetime Post Stories by action type - like"],
    "replies": ["Lifetime Post Stories by action type - comment"],
    "reshares": ["Lifetime Post Stories by action type - share"],
    "clicks": ["Lifetime Post Consumptions by type - link clicks"],
}
_LEGACY_COUNTS = (
    "reach",
    "impressions",
    "engagements",
    "likes",
    "replies",
    "reshares",
    "clicks",
)
_PERMALINK_SUFFIX = re.compile(r":\d+$")


def _parse_facebook_legacy(source: Source, ctx: ParseContext) -> Iterator[Record]:
    yield from latest(_legacy_exported(member, ctx) for member in source.members)
    account = OneAccount(FACEBOOK)
    for member in source.members:
        table = Table(
            member,
            _LEGACY_COLUMNS,
            required=["post_id", "posted"],
            # Row 2 holds a definition per metric (no Post ID): not data.
            description=lambda row: not row.text("post_id"),
        )
        yield from table.read(lambda row: _legacy_post(row, ctx, account))


def _legacy_post(row: Row, ctx: ParseContext, account: OneAccount) -> Iterator[Record]:
    # "<page id>_<post id>": the post id alone is the id the current export uses.
    page_id, post_id = split_post_id(row.text("post_id"))
    if not post_id:
        row.fail(f"column “{row.label('post_id')}” is empty")
    c = {key: row.count(key) for key in _LEGACY_COUNTS}
    organic, paid = row.count("organic_video_views"), row.count("paid_video_views")
    published = _published(row, "posted", "9/29/2026 14:20", ctx)
    account.check(page_id, line=row.line, column=row.label("post_id"), is_handle=False)
    row.check()
    # Facebook's permalinks here end in an odd ":0"; the link works without it.
    permalink = row.text("permalink")
    if permalink.startswith(("http://", "https://")):
        permalink = _PERMALINK_SUFFIX.sub("", permalink)
    handle = _facebook_page_handle(permalink)
    if info := account.announce(handle):
        yield info
    text = row.text("message")
    video_views = None if organic is None and paid is None else (organic or 0) + (paid or 0)
    yield PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=permalink,
        mentions=mentions_in_text(FACEBOOK, text, exclude=[handle]),
        links=links_in_text(text),
        impressions=c["impressions"],
        reach=c["reach"],
        engagements=c["engagements"],
        likes=c["likes"],
        replies=c["replies"],
        reshares=c["reshares"],
        clicks=c["clicks"],
        video_views=video_views,
        row=row.line,
    )


# --- the formats ---------------------------------------------------------------------------


def _read_columns(columns: dict[str, Sequence[str]]) -> tuple[str, ...]:
    """The columns a parser reads, under their first spelling (Meta's exports carry many
    more, which vary with the page; a near miss is compared with these)."""
    return tuple(spellings[0] for spellings in columns.values())


FORMATS: list[Format] = [
    Format(
        key="facebook_content",
        label="Facebook Page content export CSV (Meta Business Suite → Insights → Content)",
        platform=FACEBOOK,
        sniff=_has_header(*_FB_CONTENT_SIGNATURE),
        parse=_parse_facebook_content,
        columns=_read_columns(_FB_CONTENT_COLUMNS),
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="instagram_content",
        label="Instagram content export CSV (Meta Business Suite → Insights → Content)",
        platform=INSTAGRAM,
        sniff=_has_header(*_IG_CONTENT_SIGNATURE),
        parse=_parse_instagram_content,
        columns=_read_columns(_IG_CONTENT_COLUMNS),
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="facebook_daily",
        label="Facebook daily metric CSVs (Meta Business Suite → Insights → Export)",
        platform=FACEBOOK,
        sniff=_sniff_daily(FACEBOOK),
        parse=_parse_daily(FACEBOOK),
        parse_batches=_parse_daily_batches(FACEBOOK),
    ),
    Format(
        key="instagram_daily",
        label="Instagram daily metric CSVs (Meta Business Suite → Insights → Export)",
        platform=INSTAGRAM,
        sniff=_sniff_daily(INSTAGRAM),
        parse=_parse_daily(INSTAGRAM),
        parse_batches=_parse_daily_batches(INSTAGRAM),
    ),
    Format(
        key="facebook_legacy",
        label="Facebook Page Insights post export CSV (legacy “Export Data”, two header rows)",
        platform=FACEBOOK,
        sniff=_has_header(*_LEGACY_SIGNATURE),
        parse=_parse_facebook_legacy,
        columns=_read_columns(_LEGACY_COLUMNS),
        profile=SourceProfile(KindEvidence.NONE, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
]
