"""What every source hands to the one write path (metrics.ingest): plain records that
know nothing of the database. File parsers and API connectors produce the same records.

A parser yields, in any order:
- AccountInfo: the account the file belongs to, when the file names it;
- ExportInfo: when the export was made, when the file says so (its snapshot time);
- PostRecord: one post (or reshare) by that account, with per-post counts where known;
- ObservationRecord: one daily number for a catalogue metric;
- ActivityRecord: how many followers were online in one hour;
- RowError: a row that could not be read (the import then fails as a whole, and the
  errors are reported with their row numbers).
A connector's page adds MentionRecord: someone else's post addressing the account.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class PostKind(enum.StrEnum):
    ORIGINAL = "original"
    REPLY = "reply"
    RESHARE = "reshare"
    QUOTE = "quote"

    @property
    def label(self) -> str:
        return POST_KIND_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a model field's choices."""
        return [(member.value, member.label) for member in cls]


POST_KIND_LABELS: dict[PostKind, str] = {
    PostKind.ORIGINAL: "Original post",
    PostKind.REPLY: "Reply",
    PostKind.RESHARE: "Reshare",
    PostKind.QUOTE: "Quote",
}


@dataclass(frozen=True, slots=True)
class AccountInfo:
    platform: str  # metrics.models.Platform value
    handle: str  # without a leading @
    display_name: str = ""


@dataclass(slots=True)
class PostRecord:
    platform_id: str  # unique per account on the platform
    published_at: datetime  # timezone-aware
    text: str = ""  # plain text (HTML already converted), as the author wrote it
    permalink: str = ""
    # What the source itself says about the post; the classifier decides the final kind.
    kind: PostKind | None = None
    in_reply_to_handle: str = ""  # the account replied to, if known
    in_reply_to_id: str = ""  # the platform id of the post replied to, if known
    reshared_handle: str = ""  # author of the reshared/quoted post, if known
    mentions: tuple[str, ...] = ()  # handles the source's entities mark in the post's own text
    links: tuple[str, ...] = ()  # full (expanded) URLs in the post
    # Per-post counts where the source has them (None = unknown, not zero).
    impressions: int | None = None
    reach: int | None = None
    engagements: int | None = None
    likes: int | None = None
    replies: int | None = None
    reshares: int | None = None
    clicks: int | None = None
    saves: int | None = None
    video_views: int | None = None
    row: int = 0  # where it came from, for error messages


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    metric: str  # a key of metrics.catalog.CATALOG
    day: date  # the calendar day the number belongs to
    value: Decimal
    row: int = 0


@dataclass(frozen=True, slots=True)
class ObservationBatch:
    """Consecutive daily numbers of one metric, as columns: what ObservationRecords with
    these days, values and rows say, in this order (a large file's rows are handed over
    thousands at a time, not a record each)."""

    metric: str
    days: list[date]
    values: list[Decimal]
    rows: list[int]
    # The days and values as text ("2026-04-01", "412"), when the reader has them: the
    # writer can hand text to the database without making it a value at a time.
    texts: tuple[list[str], list[str]] | None = None

    def records(self) -> list[ObservationRecord]:
        return [
            ObservationRecord(self.metric, day, value, row=row)
            for day, value, row in zip(self.days, self.values, self.rows, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """How many of the account's followers were online in one hour of one day (TikTok
    Studio's FollowerActivity.csv): what a "best time to post" is worked out from."""

    day: date
    hour: int  # 0-23, as the platform shows it
    active_followers: int
    row: int = 0


@dataclass(slots=True)
class MentionRecord:
    """Someone else's post that mentions or replies to the account: the conversation in."""

    platform_id: str  # the post's id on the platform (as the account's own replies cite it)
    published_at: datetime  # timezone-aware
    author_handle: str  # without a leading @
    author_name: str = ""
    text: str = ""  # plain text (HTML already converted)
    permalink: str = ""  # where a person opens the post on the platform
    in_reply_to_id: str = ""  # the post it replies to, when it is a reply
    is_reply: bool = False  # a reply to one of the account's posts (else a mention)


@dataclass(frozen=True, slots=True)
class ExportInfo:
    """When the export was made, as the file itself says (a manifest, a column, the name
    the platform gives its files). The snapshot time decides between two exports of the
    same numbers: the later export wins, whatever order they are imported in."""

    exported_at: datetime  # timezone-aware


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based line/row number in the member named below
    message: str
    member: str = ""  # file inside an archive, when there are several


Record = AccountInfo | ExportInfo | PostRecord | ObservationRecord | ActivityRecord | RowError


@dataclass
class ParseSummary:
    """Counters a parser may fill while it streams, e.g. rows it skipped on purpose."""

    rows_read: int = 0
    rows_skipped: int = 0
    notes: list[str] = field(default_factory=list)
