"""Precedence: how what several sources say about one post, or one account's number for
one day, becomes one truth, whatever order the sources arrive in.

Pure functions over plain values; no database. The ingest session (session.py) stores the
result and the evidence behind each field, so the next source merges against it.

Decisions (the README's "One truth per post" section has the same table):

- A snapshot is one look at an account's data by one source: a file imported (observed
  when the platform exported it), an API sync run (observed when it fetched), a bulk API
  request (observed when it was sent). Importing the same file twice is the same snapshot.
- Every field a source knows comes with evidence: the snapshot, and a rank saying how well
  that kind of source can know the field (its SourceProfile). A field the source does not
  know (a blank, a missing count) has no evidence and never replaces one that is known.
- For each field the strongest evidence wins: the higher rank, then the later snapshot,
  then, only between two different snapshots observed at the same instant, the snapshot's
  identity (the source's format and content checksum), a stable tie-break. Within one
  snapshot the record given last wins (a file that repeats a post). "Strongest" is a total
  order over snapshots, so merging is associative and commutative: every import order
  gives the same posts and numbers, and giving a source again changes nothing.
- Field groups and their ranks:
  - kind claimed (original / reply / reshare / quote) and its targets (the handle and post
    replied to, the author reshared or quoted): TOLD (a structured field: archive, API,
    a type column) > INFERRED (read from text conventions: a CSV post starting with "@")
    > none (the source cannot tell; the post counts as an original until someone tells).
    A source that cannot tell never overwrites a kind that is known. A target ranks as
    its source can know kinds, whatever kind won.
  - content (the text, the people it mentions, the links it carries), as one group, so
    the classifier reads a text with its own entities: FULL text > SHORTENED text; with
    equal text, structured ENTITIES > a regex over the text; then the later snapshot.
  - publication time: EXACT (seconds, with an offset) > MINUTE > DAY; then later.
  - permalink: the later snapshot.
  - each count (impressions, reach, engagements, likes, replies, reshares, clicks, saves,
    video views) on its own: the later snapshot (lifetime counts only grow).
- What follows from those facts (the final kind, people addressed, question, link domains,
  promotional) is recomputed by the classifier from the merged facts, never merged itself.
- Daily observations: a number a platform reported (file, API, bulk) beats one derived
  from posts (the rollup); between two reported numbers the later snapshot wins, not the
  later import; at the same instant the identity tie-break decides.
- A snapshot whose time is not known yet (a file that says nothing about when it was
  exported, while its import is still reading it) cannot be compared by time: the merge
  raises SnapshotTimeUnknown and the caller decides the row once the time is known.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

# --- what a kind of source can know ----------------------------------------------------------


class KindEvidence(enum.IntEnum):
    NONE = 0  # the source cannot tell a post's kind
    INFERRED = 1  # from text conventions ("RT @x:", a leading @handle)
    TOLD = 2  # a structured field (in_reply_to, a reblog object, a type column)


class TextEvidence(enum.IntEnum):
    SHORTENED = 1  # cut, newlines collapsed (X's analytics CSV, TikTok's titles)
    FULL = 2  # as the author wrote it


class TimeEvidence(enum.IntEnum):
    DAY = 0  # a date only
    MINUTE = 1  # minutes, or a local time read in the team's zone
    EXACT = 2  # to the second, with an offset (or from an id that encodes it)


@dataclass(frozen=True)
class SourceProfile:
    """What one kind of source (an export format, an API) can know about a post."""

    kind: KindEvidence = KindEvidence.NONE
    text: TextEvidence = TextEvidence.FULL
    entities: bool = False  # mentions and links as structured data, not found in text
    time: TimeEvidence = TimeEvidence.EXACT


# Sources that bring daily numbers only (overview files, the bulk API): no post fields.
NUMBERS_ONLY = SourceProfile()


@dataclass(frozen=True)
class SnapshotInfo:
    """A snapshot as the merge sees it."""

    id: int
    profile: SourceProfile
    observed_at: datetime | None  # None while its own import has not found it out yet
    identity: str  # stable across databases: format and content checksum, or fetch time


class SnapshotTimeUnknown(Exception):
    """Two snapshots tie on rank and one of them has no time yet: decide later."""


Snapshots = Mapping[int, SnapshotInfo]

# --- the facts about a post, field group by field group --------------------------------------

COUNT_FIELDS = (
    "impressions",
    "reach",
    "engagements",
    "likes",
    "replies",
    "reshares",
    "clicks",
    "saves",
    "video_views",
)
TARGET_FIELDS = ("in_reply_to_handle", "in_reply_to_id", "reshared_handle")
# The evidence keys of a post: one per field group.
GROUPS = ("published_at", "permalink", "kind", *TARGET_FIELDS, "content", *COUNT_FIELDS)


@dataclass(frozen=True)
class PostFacts:
    """What the sources together say about one post, with the snapshot behind each group.

    `evidence` maps a group (GROUPS) to the id of the snapshot its value came from; a group
    without evidence is unknown. `sources` are every snapshot that said anything about it.
    """

    published_at: datetime
    permalink: str = ""
    claimed_kind: str = ""  # a PostKind value, or "" when no source could tell
    in_reply_to_handle: str = ""
    in_reply_to_id: str = ""
    reshared_handle: str = ""
    text: str = ""
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    counts: Mapping[str, int | None] = field(default_factory=dict)
    evidence: Mapping[str, int] = field(default_factory=dict)
    sources: tuple[int, ...] = ()

    def count(self, name: str) -> int | None:
        return self.counts.get(name)


def kind_rank(profile: SourceProfile, claimed_kind: str) -> int:
    """A claim ranks as its source can know kinds; no claim ranks lowest."""
    return int(profile.kind) if claimed_kind else 0


def content_rank(profile: SourceProfile) -> int:
    """Full text first; with equal text, structured entities before a regex."""
    return int(profile.text) * 2 + int(profile.entities)


def _rank(group: str, facts: PostFacts, profile: SourceProfile) -> int:
    """A field's rank depends on its own evidence only (never on another group's winner),
    or merging would depend on the order."""
    if group == "kind":
        return kind_rank(profile, facts.claimed_kind)
    if group in TARGET_FIELDS:
        return int(profile.kind)
    if group == "content":
        return content_rank(profile)
    if group == "published_at":
        return int(profile.time)
    return 0  # permalink and counts: only time decides


def stronger(a: SnapshotInfo, rank_a: int, b: SnapshotInfo, rank_b: int) -> bool:
    """Whether evidence (a, rank_a) beats (b, rank_b); equal snapshots: b (given later)."""
    if rank_a != rank_b:
        return rank_a > rank_b
    if a.id == b.id:
        return False
    if a.observed_at is None or b.observed_at is None:
        raise SnapshotTimeUnknown
    if a.observed_at != b.observed_at:
        return a.observed_at > b.observed_at
    return a.identity > b.identity


def merge_posts(stored: PostFacts, incoming: PostFacts, snapshots: Snapshots) -> PostFacts:
    """The facts of both, group by group, each from its strongest evidence."""
    chosen: dict[str, PostFacts] = {}
    evidence: dict[str, int] = {}
    for group in GROUPS:
        old, new = stored.evidence.get(group), incoming.evidence.get(group)
        if old is not None and (
            new is None
            or stronger(
                snapshots[old],
                _rank(group, stored, snapshots[old].profile),
                snapshots[new],
                _rank(group, incoming, snapshots[new].profile),
            )
        ):
            chosen[group], evidence[group] = stored, old
        elif new is not None:
            chosen[group], evidence[group] = incoming, new

    def pick(group: str) -> PostFacts:
        return chosen.get(group, incoming)

    counts = {name: pick(name).count(name) for name in COUNT_FIELDS if name in chosen}
    kind_from = pick("kind")
    content_from = pick("content")
    return replace(
        incoming,
        published_at=pick("published_at").published_at,
        permalink=pick("permalink").permalink,
        claimed_kind=kind_from.claimed_kind,
        in_reply_to_handle=pick("in_reply_to_handle").in_reply_to_handle,
        in_reply_to_id=pick("in_reply_to_id").in_reply_to_id,
        reshared_handle=pick("reshared_handle").reshared_handle,
        text=content_from.text,
        mentions=content_from.mentions,
        links=content_from.links,
        counts=counts,
        evidence=evidence,
        sources=tuple(sorted(set(stored.sources) | set(incoming.sources))),
    )


def known_groups(
    *,
    permalink: str,
    targets: tuple[str, str, str],
    content: bool,
    counts: Mapping[str, int | None],
) -> list[str]:
    """The groups a single record knows, for its evidence: blanks and missing counts are
    unknown; a kind is always known (a source that cannot tell says so with rank 0).
    `targets` are the record's (in_reply_to_handle, in_reply_to_id, reshared_handle)."""
    groups = ["published_at", "kind"]
    if permalink:
        groups.append("permalink")
    groups += [name for name, value in zip(TARGET_FIELDS, targets, strict=True) if value]
    if content:
        groups.append("content")
    groups += [name for name, value in counts.items() if value is not None]
    return groups


def known_groups_of(facts: PostFacts) -> list[str]:
    """known_groups() of facts that come from one source."""
    return known_groups(
        permalink=facts.permalink,
        targets=(facts.in_reply_to_handle, facts.in_reply_to_id, facts.reshared_handle),
        content=bool(facts.text or facts.mentions or facts.links),
        counts=facts.counts,
    )


# --- daily observations ----------------------------------------------------------------------


def observation_wins(
    *,
    stored_derived: bool,
    stored_snapshot: SnapshotInfo | None,
    incoming_derived: bool,
    incoming_snapshot: SnapshotInfo | None,
) -> bool:
    """Whether an incoming number for a day replaces the stored one."""
    if incoming_derived:
        return stored_derived  # derived numbers only ever replace derived numbers
    if stored_derived or stored_snapshot is None or incoming_snapshot is None:
        return True  # a reported number beats a derived one (or one from before snapshots)
    return not stronger(stored_snapshot, 0, incoming_snapshot, 0)
