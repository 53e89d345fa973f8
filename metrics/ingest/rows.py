"""The row layouts the writer stores, by name: a post and a daily observation as the
ingest path builds them, and the column kinds the writer needs to store them.

Rows are named tuples (no model instance per row: imports write them by the million); the
writer sees plain tuples, the code that builds and merges them sees names.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from metrics.ingest.precedence import COUNT_FIELDS
from metrics.ingest.writer import ColumnKind, Merge, Upserter
from metrics.models import FollowerActivity, MetricObservation, Post


class PostRow(NamedTuple):
    account_id: int
    platform_id: str
    published_at: datetime
    local_date: date  # the team's calendar day of publication
    text: str
    permalink: str
    kind: str  # the classifier's verdict on the merged facts
    claimed_kind: str  # what the strongest source said ("" when none could tell)
    in_reply_to_handle: str
    in_reply_to_id: str
    reshared_handle: str
    mentions: list[str]  # handles the content's entities name
    links: list[str]  # full URLs the content carries
    addressed: list[str]
    is_question: bool
    link_domains: list[str]
    is_promotional: bool
    shares_others_link: bool
    impressions: int | None
    reach: int | None
    engagements: int | None
    likes: int | None
    replies: int | None
    reshares: int | None
    clicks: int | None
    saves: int | None
    video_views: int | None
    evidence: dict[str, int]  # field group -> snapshot id (metrics.ingest.precedence)
    sources: list[int]  # every snapshot that said something about the post


POST_KEYS = 2  # account_id, platform_id
_POST_KINDS: dict[str, ColumnKind] = {
    "account_id": "int",
    "platform_id": "text",
    "published_at": "datetime",
    "local_date": "date",
    "mentions": "json",
    "links": "json",
    "addressed": "json",
    "link_domains": "json",
    "evidence": "json",
    "sources": "json",
    "is_question": "bool",
    "is_promotional": "bool",
    "shares_others_link": "bool",
    **dict.fromkeys(COUNT_FIELDS, "int"),
}
PROVENANCE = ["evidence", "sources"]


class ObservationRow(NamedTuple):
    account_id: int
    metric: str
    date: date
    value: Decimal
    source: str  # metrics.models.ObservationSource
    snapshot_id: int | None  # None for numbers derived from posts


_OBSERVATION_KINDS: dict[str, ColumnKind] = {
    "account_id": "int",
    "metric": "text",
    "date": "date",
    "value": "decimal",
    "source": "text",
    "snapshot_id": "int",
}


class ActivityRow(NamedTuple):
    account_id: int
    date: date
    hour: int
    active_followers: int
    snapshot_id: int


_ACTIVITY_KINDS: dict[str, ColumnKind] = {
    "account_id": "int",
    "date": "date",
    "hour": "int",
    "active_followers": "int",
    "snapshot_id": "int",
}


def _upserter(
    table: str,
    fields: tuple[str, ...],
    kinds: dict[str, ColumnKind],
    n_keys: int,
    provenance: list[str],
    **options: Any,
) -> Upserter:
    """An Upserter for a row layout: its first n_keys fields are the key, its provenance
    columns are written but not counted as changes."""
    specs = [(name, kinds.get(name, "text")) for name in fields]
    return Upserter(
        table, keys=specs[:n_keys], values=specs[n_keys:], not_compared=provenance, **options
    )


def post_upserter(
    *, merge: Merge, exclusive: bool = False, prepare: Any = None, on_stored: Any = None
) -> Upserter:
    return _upserter(
        Post._meta.db_table,
        PostRow._fields,
        _POST_KINDS,
        POST_KEYS,
        PROVENANCE,
        merge=merge,
        exclusive=exclusive,
        prepare=prepare,
        on_stored=on_stored,
    )


def observation_upserter(*, merge: Merge, exclusive: bool = False, prepare: Any = None) -> Upserter:
    return _upserter(
        MetricObservation._meta.db_table,
        ObservationRow._fields,
        _OBSERVATION_KINDS,
        3,
        ["snapshot_id"],
        merge=merge,
        exclusive=exclusive,
        prepare=prepare,
    )


def activity_upserter(*, merge: Merge, exclusive: bool = False, prepare: Any = None) -> Upserter:
    return _upserter(
        FollowerActivity._meta.db_table,
        ActivityRow._fields,
        _ACTIVITY_KINDS,
        3,
        ["snapshot_id"],
        merge=merge,
        exclusive=exclusive,
        prepare=prepare,
    )
