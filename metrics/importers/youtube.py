"""YouTube Studio Advanced-mode exports (README section 9).

"Export current view → CSV" gives a zip (or, unpacked, a folder) with three files:
- `Table data.csv`: the report's dimension columns, then the metrics chosen in the UI, in UI
  order. Row 2 is `Total` and is dropped.
- `Chart data.csv`: `Date,<dimension columns>,<one charted metric>`, one row per row of the
  table per day.
- `Totals.csv`: `Date,<charted metric>`, one row per day.
Files are recognised by their header, never by their name, and any one of them alone works.

Formats:
- `youtube_content`: the Content report (first dimension `Content` = the video id). Each
  table row is a video -> PostRecord. The charted metric becomes daily observations, from
  Totals.csv, or, without it, from Chart data.csv summed per day (streamed; memory grows
  with the number of days only).
- `youtube_other_report`: the same export for another dimension (Traffic source, Geography,
  …). It is recognised so that the user gets a clear rejection instead of "unknown format".

Decisions where the spec left room:
- `Video publish time` is a date only ("Sep 27, 2024"): published_at is local midnight of
  that day in the team's zone. A video with an empty publish time (unlisted or removed videos)
  cannot be stored without a time; it is skipped, not an error, and counted in the
  ParseSummary the parser returns (the generator's return value): rows_skipped and a note
  naming the video ids.
- Charted metrics stored per day: Views -> video_views, Watch time (hours) ->
  watch_time_hours, Subscribers -> net_followers (may be negative), Subscribers gained ->
  new_followers, Subscribers lost -> unfollows, Likes -> likes, (Thumbnail) impressions ->
  impressions, Comments added -> replies_received, Shares -> reshares_received. Any other
  charted metric (averages, rates, revenue…) has no daily catalogue metric: the series is
  skipped when the table is there (and noted in the summary), and the import is refused when
  the chart is all there is.
- A lone `Totals.csv` carries no dimension, so it is accepted as the channel's daily totals
  whichever report it came from; a folder or zip whose table or chart has another dimension is
  not the Content report.
- Table metric columns the posts use: Views -> video_views, Likes, Thumbnail impressions (or
  the pre-2025 `Impressions`) -> impressions, Comments added -> replies, Shares -> reshares.
  No kind is set (YouTube has no replies or reshares in this report).
- When the export was made (ExportInfo): the name YouTube Studio gives the zip (and the
  folder it unpacks to), `Content <from>_<to> <Channel>`, says the export was made once
  `<to>` was over; the end of that day is taken in the team's zone, as the publish days
  are. The files inside say nothing of it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.dates import end_of_day, english_day, iso_day, start_of_day
from metrics.importers.exports import latest, names_around, time_in_name
from metrics.importers.numbers import parse_decimal, parse_int
from metrics.importers.tables import Row, Table, normalise_header
from metrics.importers.text import head_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence, TimeEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    ParseSummary,
    PostRecord,
    Record,
)
from metrics.platforms.identity import canonical_handle
from metrics.platforms.text import typed_links
from metrics.platforms.youtube import PLATFORM, watch_url

# Metrics YouTube Studio offers, by normalised header -> catalogue key (None: not stored).
_METRICS: dict[str, str | None] = {
    "views": "video_views",
    "watch time (hours)": "watch_time_hours",
    "subscribers": "net_followers",
    "subscribers gained": "new_followers",
    "subscribers lost": "unfollows",
    "likes": "likes",
    "impressions": "impressions",
    "thumbnail impressions": "impressions",
    "comments added": "replies_received",
    "shares": "reshares_received",
    "dislikes": None,
    "average view duration": None,
    "average percentage viewed (%)": None,
    "impressions click-through rate (%)": None,
    "thumbnail click-through rate (%)": None,
    "estimated revenue (usd)": None,
    "engaged views": None,
    "stayed to watch (%)": None,
    "new viewers": None,
    "returning viewers": None,
    "unique viewers": None,
    "average views per viewer": None,
    "card clicks": None,
    "end screen element clicks": None,
    "playlist watch time (hours)": None,
    "views from playlist": None,
    "youtube premium views": None,
    "youtube premium watch time (hours)": None,
}
# Metric names that follow YouTube's unit suffixes: "(%)", "(hours)", a currency "(USD)".
_METRIC_SUFFIX = re.compile(r".+ \((%|hours|[a-z]{3})\)$")
_INTEGER_METRICS = frozenset(
    {
        "video_views",
        "net_followers",
        "new_followers",
        "unfollows",
        "likes",
        "impressions",
        "replies_received",
        "reshares_received",
    }
)

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
# `Content 2026-04-01_2026-09-30 Loomwell Roasters` (.zip), as YouTube Studio names it.
_FOLDER = re.compile(
    r"content\s+\d{4}-\d{2}-\d{2}_(?P<to>\d{4}-\d{2}-\d{2})\s+(?P<channel>.+?)(?:\.zip)?",
    re.IGNORECASE,
)
_CONTENT = "content"


def _is_metric(name: str) -> bool:
    key = normalise_header(name)
    return key in _METRICS or bool(_METRIC_SUFFIX.match(key))


# --- recognising the three files ------------------------------------------------------------


@dataclass(frozen=True)
class _Report:
    member: Member
    part: str  # "table", "chart" or "totals"
    dimension: str  # the first dimension column as written ("" for totals)
    metric: str  # the charted metric (chart, totals) as written; "" for the table

    @property
    def is_content(self) -> bool:
        return normalise_header(self.dimension) == _CONTENT


def _first_rows(member: Member) -> list[list[str]]:
    text = head_text(member)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text)):
            rows.append(row)
            if len(rows) == 2:
                break
    except csv.Error:
        return []
    return rows


def _classify(member: Member) -> _Report | None:
    """Which part of a YouTube Studio export a member is, from its first two rows."""
    try:
        rows = _first_rows(member)
    except Exception:
        return None
    if not rows:
        return None
    header = [h.strip() for h in rows[0]]
    second = [c.strip() for c in rows[1]] if len(rows) > 1 else []
    if len(header) < 2 or not all(header):
        return None
    first = normalise_header(header[0])
    if first == "date":
        if not second or not _ISO_DAY.match(second[0]) or not _is_metric(header[-1]):
            return None
        if len(header) == 2:
            return _Report(member, "totals", "", header[-1])
        dimensions = header[1:-1]
        if any(_is_metric(d) for d in dimensions):
            return None
        return _Report(member, "chart", dimensions[0], header[-1])
    # A table: dimension columns, then metric columns (at least one we know; newer ones we
    # do not know may sit among them); row 2 is the Total row.
    metrics_from = 0
    while metrics_from < len(header) and not _is_metric(header[metrics_from]):
        metrics_from += 1
    if metrics_from == 0 or metrics_from == len(header):
        return None
    if not second or normalise_header(second[0]) != "total":
        return None
    return _Report(member, "table", header[0], "")


def _reports(source: Source) -> list[_Report]:
    found = []
    for member in source.members:
        if member.size == 0:
            continue
        report = _classify(member)
        if report is not None:
            found.append(report)
    return found


def _sniff_content(source: Source) -> bool:
    try:
        reports = _reports(source)
        if not reports:
            return False
        return not any(r.part != "totals" and not r.is_content for r in reports)
    except Exception:
        return False


def _other_dimension(reports: Sequence[_Report]) -> str:
    for report in reports:
        if report.part != "totals" and not report.is_content:
            return report.dimension
    return ""


def _sniff_other(source: Source) -> bool:
    try:
        return bool(_other_dimension(_reports(source)))
    except Exception:
        return False


def _other_message(dimension: str) -> str:
    return (
        f"This is a YouTube Studio {dimension} report; export the Content report "
        "(Advanced mode → Content) instead."
    )


def parse_other(source: Source, ctx: ParseContext) -> Iterator[Record]:
    dimension = _other_dimension(_reports(source)) or "non-Content"
    yield from ()  # a generator like every parser: it fails when read
    raise ImportFailed(_other_message(dimension))


# --- youtube_content --------------------------------------------------------------------------


def parse_content(source: Source, ctx: ParseContext) -> Generator[Record, None, ParseSummary]:
    reports = _reports(source)
    dimension = _other_dimension(reports)
    if dimension:
        raise ImportFailed(_other_message(dimension))
    parts: dict[str, _Report] = {}
    for report in reports:
        if report.part in parts:
            raise ImportFailed(
                f"{source.name} holds more than one YouTube {report.part} file "
                f"({parts[report.part].member.name}, {report.member.name}); "
                "import one export at a time."
            )
        parts[report.part] = report
    if not parts:
        raise ImportFailed(f"{source.name}: no YouTube Studio Content report found.")

    yield from latest(_exported(source, report.member, ctx) for report in parts.values())
    summary = ParseSummary()
    if ctx.handle.strip():
        match = _FOLDER.fullmatch(source.name.strip())
        yield AccountInfo(
            platform=PLATFORM,
            handle=canonical_handle(PLATFORM, ctx.handle),
            display_name=match.group("channel").strip() if match else "",
        )
    if "table" in parts:
        yield from _videos(parts["table"].member, ctx, summary)

    daily = parts.get("totals") or parts.get("chart")
    if daily is not None:
        metric = _METRICS.get(normalise_header(daily.metric))
        if metric is None:
            if "table" not in parts:
                raise ImportFailed(
                    f"{daily.member.name} charts “{daily.metric}”, which is not stored per day. "
                    "Chart Views, Watch time (hours) or Subscribers and export again."
                )
            summary.notes.append(
                f"The charted metric “{daily.metric}” is not stored per day; "
                "only the videos were read."
            )
        elif daily.part == "totals":
            yield from _totals(daily, metric, summary)
        else:
            yield from _chart_sums(daily, metric, summary)
    return summary


_TABLE_COLUMNS: dict[str, Sequence[str]] = {
    "content": ["Content"],
    "title": ["Video title"],
    "published": ["Video publish time"],
    "views": ["Views"],
    "likes": ["Likes"],
    "impressions": ["Thumbnail impressions", "Impressions"],
    "comments": ["Comments added"],
    "shares": ["Shares"],
}


def _exported(source: Source, member: Member, ctx: ParseContext) -> datetime | None:
    """The end of the report's last day, from the export's own name."""
    return time_in_name(
        names_around(source, member),
        _FOLDER,
        lambda match: end_of_day(date.fromisoformat(match["to"]), ctx.tz),
    )


def _is_total_row(row: Row) -> bool:
    return normalise_header(row.text("content")) == "total" and not row.text("title")


def _videos(member: Member, ctx: ParseContext, summary: ParseSummary) -> Iterator[Record]:
    table = Table(
        member,
        _TABLE_COLUMNS,
        required=["content", "title", "published"],
        description=_is_total_row,
    )
    skipped: list[str] = []
    yield from table.read(lambda row: _video(row, ctx, summary, skipped))
    if skipped:
        summary.rows_skipped += len(skipped)
        summary.notes.append(
            f"{len(skipped)} video(s) without a publish time (unlisted or removed) were "
            f"skipped: {', '.join(skipped)}."
        )


def _video(
    row: Row, ctx: ParseContext, summary: ParseSummary, skipped: list[str]
) -> Iterator[Record]:
    summary.rows_read += 1
    video_id = row.text("content")
    if not _VIDEO_ID.match(video_id):
        row.fail_column("content", f"“{video_id or '(empty)'}” is not a YouTube video id")
    day = row.value("published", _publish_day)
    counts = {
        key: row.count(key) for key in ("views", "likes", "impressions", "comments", "shares")
    }
    row.check()
    if day is None:
        skipped.append(video_id)
        return
    title = row.text("title")
    yield PostRecord(
        platform_id=video_id,
        published_at=start_of_day(day, ctx.tz),
        text=title,
        permalink=watch_url(video_id),
        links=typed_links(title),
        impressions=counts["impressions"],
        likes=counts["likes"],
        replies=counts["comments"],
        reshares=counts["shares"],
        video_views=counts["views"],
        row=row.line,
    )


def _publish_day(raw: str) -> date:
    return english_day(raw, example="Sep 27, 2024")


def _value(raw: str, metric: str) -> Decimal | None:
    if metric in _INTEGER_METRICS:
        number = parse_int(raw)
        return None if number is None else Decimal(number)
    return parse_decimal(raw)


def _daily_table(report: _Report) -> Table:
    return Table(
        report.member, {"date": ["Date"], "value": [report.metric]}, required=["date", "value"]
    )


def _day_value(row: Row, metric: str, summary: ParseSummary) -> tuple[date, Decimal | None]:
    summary.rows_read += 1
    day = row.need("date", iso_day)
    value = row.value("value", lambda raw: _value(raw, metric))
    row.check()
    return day, value


def _totals(report: _Report, metric: str, summary: ParseSummary) -> Iterator[Record]:
    def read(row: Row) -> Iterator[Record]:
        day, value = _day_value(row, metric, summary)
        if value is not None:
            yield ObservationRecord(metric=metric, day=day, value=value, row=row.line)

    yield from _daily_table(report).read(read)


def _chart_sums(report: _Report, metric: str, summary: ParseSummary) -> Iterator[Record]:
    """Sum the chart's per-video rows per day. Only one number per day is kept in memory."""
    sums: dict[date, Decimal] = {}
    first_line: dict[date, int] = {}

    def add(row: Row) -> Iterator[Record]:
        day, value = _day_value(row, metric, summary)
        if value is not None:
            sums[day] = sums.get(day, Decimal(0)) + value
            first_line.setdefault(day, row.line)
        return iter(())

    yield from _daily_table(report).read(add)
    for day in sorted(sums):
        yield ObservationRecord(metric=metric, day=day, value=sums[day], row=first_line[day])


FORMATS: list[Format] = [
    Format(
        key="youtube_content",
        label="YouTube Studio Content report (Advanced mode export: Table data, Chart data, "
        "Totals)",
        platform=PLATFORM,
        sniff=_sniff_content,
        parse=parse_content,
        columns=("Date", "Content", "Video title", "Video publish time", "Duration", "Views"),
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, time=TimeEvidence.DAY),
    ),
    Format(
        key="youtube_other_report",
        label="YouTube Studio report of another dimension (refused: export the Content report)",
        platform=PLATFORM,
        sniff=_sniff_other,
        parse=parse_other,
    ),
]
