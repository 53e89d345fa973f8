"""Meta exports: Facebook Page and Instagram (Meta Business Suite), and the legacy
Facebook Page Insights post export (README sections 6 and 7).

- facebook_content: Insights → Content → Export, one row per post (UTF-8 with BOM).
- instagram_content: the same export for an Instagram account.
- facebook_daily / instagram_daily: the per-metric daily files (UTF-16, `sep=,`, a title line
  naming the metric, then "Date","Primary").
- facebook_legacy: the pre-2021 Page Insights post export with a second header row of
  definitions.

Per-post numbers in these exports are lifetime totals as of the export day; the writer
upserts posts by id, so a later export simply refreshes them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from metrics.importers.common import (
    Columns,
    Format,
    ImportFailed,
    Member,
    ParseContext,
    Source,
    first_csv_row,
    head_text,
    header_matches,
    iter_csv,
    localize,
    normalise_header,
    parse_decimal,
    parse_int,
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

# --- text helpers ------------------------------------------------------------------------

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


# --- CSV helpers -------------------------------------------------------------------------


def _all_members(source: Source, check: Callable[[Member], bool]) -> bool:
    """Sniff helper: every file of the source is of this format; never raises."""
    try:
        return bool(source.members) and all(check(m) for m in source.members)
    except Exception:
        return False


def _header_has(member: Member, names: Sequence[str]) -> bool:
    return header_matches(first_csv_row(member), names)


@dataclass
class _Rows:
    """A CSV member after its header: rows with the line where each record starts."""

    member: Member
    header: list[str]
    columns: Columns
    rows: Iterator[tuple[int, list[str]]]  # (line where the record starts, cells)

    def name(self, canonical: str) -> str:
        """The column's heading as the file spells it, for messages."""
        return self.header[self.columns.index[canonical]].strip()


def _open_csv(
    member: Member,
    wanted: dict[str, Sequence[str]],
    required: Sequence[str],
) -> _Rows:
    rows = iter_csv(member)
    first = next(rows, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise ImportFailed(f"{member.name}: the file is empty.")
    header_end, header = first
    columns = Columns(header, wanted, required=required, where=member.name)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        # iter_csv numbers a record by its last line; a caption spanning lines should be
        # reported where it starts.
        previous_end = header_end
        for end, cells in rows:
            yield previous_end + 1, cells
            previous_end = end

    return _Rows(member, header, columns, numbered())


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def _short_row(rows: _Rows, line: int, cells: Sequence[str]) -> RowError | None:
    if len(cells) < len(rows.header):
        return RowError(
            line,
            f"the row has {len(cells)} cells but the header has {len(rows.header)}; "
            "the file may be cut short. Export it again.",
            rows.member.name,
        )
    return None


@dataclass
class _RowReader:
    """Reads one row's cells by canonical column, collecting clear error messages."""

    rows: _Rows
    cells: list[str]
    line: int
    errors: list[RowError] = field(default_factory=list)

    def text(self, canonical: str) -> str:
        return self.rows.columns.get(self.cells, canonical)

    def count(self, canonical: str) -> int | None:
        if canonical not in self.rows.columns:
            return None
        try:
            return parse_int(self.text(canonical))
        except ValueError as exc:
            self.fail(f"column “{self.rows.name(canonical)}”: {exc}")
            return None

    def local_time(self, canonical: str, example: str, ctx: ParseContext) -> datetime | None:
        raw = self.text(canonical)
        if not raw:
            self.fail(f"column “{self.rows.name(canonical)}” is empty.")
            return None
        for pattern in ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S"):
            try:
                naive = datetime.strptime(raw, pattern)  # local time, read in ctx.tz
            except ValueError:
                continue
            return localize(naive, ctx.tz)
        self.fail(
            f"column “{self.rows.name(canonical)}”: “{raw}” is not a date and time like "
            f"“{example}” (month/day/year hours:minutes)."
        )
        return None

    def fail(self, message: str) -> None:
        self.errors.append(RowError(self.line, message, self.rows.member.name))


@dataclass
class _AccountTracker:
    """Yields AccountInfo once, and refuses rows from a second page/account in one import."""

    id_column: str
    first_id: str = ""
    first_line: int = 0
    announced: bool = False

    def check(self, reader: _RowReader, account_id: str) -> None:
        if not account_id:
            return
        if not self.first_id:
            self.first_id, self.first_line = account_id, reader.line
        elif account_id != self.first_id:
            reader.fail(
                f"column “{reader.rows.name(self.id_column)}”: “{account_id}” is another "
                f"account than the one on line {self.first_line} (“{self.first_id}”). "
                "Import one account's export at a time."
            )


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


def _sniff_facebook_content(source: Source) -> bool:
    return _all_members(source, lambda m: _header_has(m, _FB_CONTENT_SIGNATURE))


def _lifetime_only(reader: _RowReader) -> bool:
    """Meta writes Date = Lifetime: the counts are lifetime totals. Anything else (a day)
    would be a different kind of number, so the row is refused rather than guessed."""
    if "date" not in reader.rows.columns:
        return True
    value = reader.text("date")
    if value and value.lower() != "lifetime":
        reader.fail(
            f"column “{reader.rows.name('date')}”: “{value}”; only lifetime totals "
            "(Date = Lifetime) can be imported."
        )
        return False
    return True


def _flag(reader: _RowReader, canonical: str) -> bool:
    value = reader.text(canonical).lower()
    if value in ("1", "true", "yes"):
        return True
    if value not in ("", "0", "false", "no"):
        reader.fail(f"column “{reader.rows.name(canonical)}”: “{value}” is not 0 or 1.")
    return False


def _parse_facebook_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _AccountTracker("page_id")
    for member in source.members:
        rows = _open_csv(
            member, _FB_CONTENT_COLUMNS, required=["post_id", "page_id", "published", "permalink"]
        )
        for line, cells in rows.rows:
            if _is_blank(cells):
                continue
            short = _short_row(rows, line, cells)
            if short:
                yield short
                continue
            reader = _RowReader(rows, cells, line)
            post_id = reader.text("post_id")
            if not post_id:
                reader.fail(f"column “{rows.name('post_id')}” is empty.")
            account.check(reader, reader.text("page_id"))
            published = reader.local_time("published", "06/26/2026 15:30", ctx)
            _lifetime_only(reader)
            is_share = _flag(reader, "is_share") if "is_share" in rows.columns else False
            permalink = reader.text("permalink")
            c = {key: reader.count(key) for key in _FB_CONTENT_COUNTS}
            if reader.errors or published is None:
                yield from reader.errors
                continue
            handle = _facebook_page_handle(permalink)
            if handle and not account.announced:
                account.announced = True
                yield AccountInfo(FACEBOOK, handle, reader.text("page_name"))
            # Which of Title and Description holds the caption depends on the post type;
            # the longer one is the full caption (the other is empty or a shortened copy).
            title, description = reader.text("title"), reader.text("description")
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
                row=line,
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


def _sniff_instagram_content(source: Source) -> bool:
    return _all_members(source, lambda m: _header_has(m, _IG_CONTENT_SIGNATURE))


def _parse_instagram_content(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _AccountTracker("account_id")
    for member in source.members:
        rows = _open_csv(
            member,
            _IG_CONTENT_COLUMNS,
            required=["post_id", "account_id", "username", "published", "permalink"],
        )
        for line, cells in rows.rows:
            if _is_blank(cells):
                continue
            short = _short_row(rows, line, cells)
            if short:
                yield short
                continue
            reader = _RowReader(rows, cells, line)
            post_id = reader.text("post_id")
            if not post_id:
                reader.fail(f"column “{rows.name('post_id')}” is empty.")
            account.check(reader, reader.text("account_id"))
            published = reader.local_time("published", "06/26/2026 15:30", ctx)
            _lifetime_only(reader)
            c = {key: reader.count(key) for key in _IG_CONTENT_COUNTS}
            engagements = reader.count("engagements")
            if reader.errors or published is None:
                yield from reader.errors
                continue
            handle = canonical_handle(INSTAGRAM, reader.text("username"))
            if handle and not account.announced:
                account.announced = True
                yield AccountInfo(INSTAGRAM, handle, reader.text("account_name"))
            if engagements is None:
                # The export has no total: interactions = likes + comments + shares + saves,
                # only when all four are known.
                engagements = interactions(c["likes"], c["replies"], c["reshares"], c["saves"])
            text = reader.text("description")
            caption = instagram_caption(text, handle)
            yield PostRecord(
                platform_id=post_id,
                published_at=published,
                text=text,
                permalink=reader.text("permalink"),
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
                row=line,
            )


# --- daily per-metric files (6b, and Instagram's account level) ---------------------------

# Titles without a platform, as the samples and sources show them; each is also understood
# with "Facebook " or "Instagram " in front ("Facebook follows", "Instagram reach").
_DAILY_METRICS: dict[str, str] = {
    "views": "impressions",
    "impressions": "impressions",
    "reach": "reach",
    "content interactions": "engagements",
    "link clicks": "link_clicks",
    "visits": "profile_visits",
    "profile visits": "profile_visits",
    "follows": "new_followers",
}
_PLATFORM_WORDS = {"facebook": FACEBOOK, "instagram": INSTAGRAM}
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T00:00(?::00(?:\.0+)?)?)?$")


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


def _title_metric(title: str) -> str | None:
    words = title.lower()
    if _title_platform(title):
        words = words.split(" ", 1)[1] if " " in words else ""
    return _DAILY_METRICS.get(words)


def _understood_titles(platform: str) -> str:
    prefix = platform.capitalize()
    titles = [t.capitalize() for t in _DAILY_METRICS]
    titles += [f"{prefix} {t}" for t in _DAILY_METRICS]
    return ", ".join(f"“{t}”" for t in titles)


def _sniff_daily(platform: str) -> Callable[[Source], bool]:
    """A daily file belongs to this platform unless its title names the other one; a title
    that names none ("Views", "Reach", "Content interactions") fits both platforms, and then
    the files next to it (a zip or folder) or the user's choice of account decide."""

    def sniff(source: Source) -> bool:
        def check(member: Member) -> bool:
            title = _daily_title(member)
            return title is not None and _title_platform(title) in (None, platform)

        return _all_members(source, check)

    return sniff


def _parse_daily(platform: str) -> Callable[[Source, ParseContext], Iterator[Record]]:
    def parse(source: Source, ctx: ParseContext) -> Iterator[Record]:
        for member in source.members:
            yield from _parse_daily_member(member, platform)

    return parse


def _parse_daily_member(member: Member, platform: str) -> Iterator[Record]:
    rows = iter_csv(member)
    first = next(rows, None)
    if first is None:
        raise ImportFailed(f"{member.name}: the file is empty.")
    title_cells = [c for c in first[1] if c.strip()]
    if len(title_cells) != 1:
        raise ImportFailed(
            f"{member.name}: line {first[0]} should be the metric's title (such as "
            "“Facebook follows”), as Meta writes it before the Date and Primary columns."
        )
    title = " ".join(title_cells[0].split())
    named = _title_platform(title)
    if named not in (None, platform):
        raise ImportFailed(
            f"{member.name}: “{title}” is an {named.capitalize()} file, not a "
            f"{platform.capitalize()} one."
        )
    metric = _title_metric(title)
    if metric is None:
        raise ImportFailed(
            f"{member.name}: the metric “{title}” is not one this importer understands. "
            f"Understood titles: {_understood_titles(platform)}."
        )
    header = next(rows, None)
    if header is None:
        raise ImportFailed(f"{member.name}: the “Date” and “Primary” columns are missing.")
    columns = Columns(
        header[1],
        {"date": ["Date"], "value": ["Primary"]},
        required=["date", "value"],
        where=member.name,
    )
    day_at, value_at = columns.index["date"], columns.index["value"]
    width = max(day_at, value_at) + 1
    for line, cells in rows:
        if len(cells) < width:
            if _is_blank(cells):
                continue
            cells = [*cells, *[""] * (width - len(cells))]
        raw_day, raw_value = cells[day_at].strip(), cells[value_at].strip()
        if not raw_day and not raw_value and _is_blank(cells):
            continue
        match = _ISO_DAY.match(raw_day)
        if not match:
            yield RowError(
                line,
                f"column “Date”: “{raw_day}” is not a day like “2026-04-01T00:00:00”.",
                member.name,
            )
            continue
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            yield RowError(line, f"column “Date”: “{raw_day}” is not a real day.", member.name)
            continue
        try:
            value: Decimal | None = parse_decimal(raw_value)
        except ValueError as exc:
            yield RowError(line, f"column “Primary”: {exc}", member.name)
            continue
        if value is None:
            continue  # no number for that day: leave the day out rather than invent a zero
        yield ObservationRecord(metric, day, value, row=line)


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


def _sniff_facebook_legacy(source: Source) -> bool:
    return _all_members(source, lambda m: _header_has(m, _LEGACY_SIGNATURE))


def _parse_facebook_legacy(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _AccountTracker("post_id")
    for member in source.members:
        rows = _open_csv(member, _LEGACY_COLUMNS, required=["post_id", "posted"])
        first_data_row = True
        for line, cells in rows.rows:
            if _is_blank(cells):
                continue
            if first_data_row and not rows.columns.get(cells, "post_id"):
                # Row 2 holds a definition per metric (no Post ID): not data.
                first_data_row = False
                continue
            first_data_row = False
            short = _short_row(rows, line, cells)
            if short:
                yield short
                continue
            reader = _RowReader(rows, cells, line)
            raw_id = reader.text("post_id")
            # "<page id>_<post id>": the post id alone is the id the current export uses.
            page_id, post_id = split_post_id(raw_id)
            if not post_id:
                reader.fail(f"column “{rows.name('post_id')}” is empty.")
            account.check(reader, page_id)
            published = reader.local_time("posted", "9/29/2026 14:20", ctx)
            c = {key: reader.count(key) for key in _LEGACY_COUNTS}
            organic, paid = reader.count("organic_video_views"), reader.count("paid_video_views")
            if reader.errors or published is None:
                yield from reader.errors
                continue
            # Facebook's permalinks here end in an odd ":0"; the link works without it.
            permalink = reader.text("permalink")
            if permalink.startswith(("http://", "https://")):
                permalink = _PERMALINK_SUFFIX.sub("", permalink)
            handle = _facebook_page_handle(permalink)
            if handle and not account.announced:
                account.announced = True
                yield AccountInfo(FACEBOOK, handle)
            text = reader.text("message")
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
                row=line,
            )


# --- the formats ---------------------------------------------------------------------------

FORMATS: list[Format] = [
    Format(
        key="facebook_content",
        label="Facebook Page content export CSV (Meta Business Suite → Insights → Content)",
        platform=FACEBOOK,
        sniff=_sniff_facebook_content,
        parse=_parse_facebook_content,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="instagram_content",
        label="Instagram content export CSV (Meta Business Suite → Insights → Content)",
        platform=INSTAGRAM,
        sniff=_sniff_instagram_content,
        parse=_parse_instagram_content,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="facebook_daily",
        label="Facebook daily metric CSVs (Meta Business Suite → Insights → Export)",
        platform=FACEBOOK,
        sniff=_sniff_daily(FACEBOOK),
        parse=_parse_daily(FACEBOOK),
    ),
    Format(
        key="instagram_daily",
        label="Instagram daily metric CSVs (Meta Business Suite → Insights → Export)",
        platform=INSTAGRAM,
        sniff=_sniff_daily(INSTAGRAM),
        parse=_parse_daily(INSTAGRAM),
    ),
    Format(
        key="facebook_legacy",
        label="Facebook Page Insights post export CSV (legacy “Export Data”, two header rows)",
        platform=FACEBOOK,
        sniff=_sniff_facebook_legacy,
        parse=_parse_facebook_legacy,
        profile=SourceProfile(KindEvidence.NONE, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
]
