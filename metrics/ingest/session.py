"""The one write path: an ingest session writes what one source brings in for one account.

    with transaction.atomic():
        session = IngestSession(account=account, source=SourceRef(...))
        for record in records:
            session.add(record)
        result = session.finish()

File imports (metrics.services), API syncs (metrics.connectors.sync) and the bulk API all
write through it. For each record it normalises handles (metrics.platforms.identity),
classifies posts (POST_BATCH at a time: classifier.classify_many), merges them with what
other sources said (precedence.py) and upserts posts and daily observations (writer.py);
finish() decides the rows that waited for the snapshot's time, derives the daily
conversation metrics of the days touched (rollup.py) and links inbound mentions to the
brand's answers (mentions.py).

A session holds the account's lock (SELECT … FOR UPDATE) from its start to the end of the
caller's transaction: imports, syncs and bulk writes of one account take turns. A caller
that writes several accounts in one transaction (the bulk API) locks them all first, in the
order of their ids, so that two writers never wait for each other in a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import InvalidOperation
from itertools import repeat
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from metrics import catalog
from metrics.classifier import Classification, classify, classify_many
from metrics.ingest import bounds
from metrics.ingest import mentions as inbound
from metrics.ingest.precedence import (
    COUNT_FIELDS,
    KindEvidence,
    PostFacts,
    SnapshotInfo,
    SnapshotTimeUnknown,
    known_groups,
    merge_posts,
    observation_wins,
    stronger,
)
from metrics.ingest.records import (
    AccountInfo,
    ActivityRecord,
    ExportInfo,
    MentionRecord,
    ObservationBatch,
    ObservationRecord,
    PostKind,
    PostRecord,
)
from metrics.ingest.rollup import rollup_account_days
from metrics.ingest.rows import (
    ActivityRow,
    ObservationRow,
    PostRow,
    activity_upserter,
    observation_upserter,
    post_upserter,
)
from metrics.ingest.snapshots import SourceRef, snapshot_info, snapshot_infos, snapshot_open
from metrics.ingest.writer import MergeDeferred, Row, UpsertCounts, Upserter
from metrics.models import (
    Account,
    MetricObservation,
    ObservationSource,
    Snapshot,
    SnapshotKind,
    SnapshotTime,
)
from metrics.platforms.identity import canonical_handle, home_of, people

IngestRecord = (
    PostRecord | ObservationRecord | ActivityRecord | MentionRecord | AccountInfo | ExportInfo
)


def accepted_window() -> bounds.Window:
    """The days any source may write (metrics.ingest.bounds; settings may move it)."""
    return bounds.Window.around(
        timezone.localdate(), settings.INGEST_FIRST_DAY, settings.INGEST_DAYS_AHEAD
    )


class RecordRejected(Exception):
    """A record the write path will not store; the message says why, for the user."""


class BatchRejected(Exception):
    """A batch holds a record the write path will not store: nothing of it was added; add
    its records one at a time to learn which and why."""


# Posts wait in the session until this many have come, then are classified together
# (classifier.classify_many) and handed to the writer in the order they came.
POST_BATCH = 1000

_OBSERVATION_SNAPSHOT = ObservationRow._fields.index("snapshot_id")
_POST_SOURCES = PostRow._fields.index("sources")
_POST_EVIDENCE = PostRow._fields.index("evidence")

_SOURCE_OF_SNAPSHOT = {
    SnapshotKind.FILE: ObservationSource.FILE,
    SnapshotKind.API: ObservationSource.API,
    SnapshotKind.BULK: ObservationSource.BULK,
}


@dataclass
class IngestResult:
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    posts: int = 0  # records given
    activity: int = 0
    mentions: int = 0
    post_days: set[date] = field(default_factory=set)  # the days recomputed by the rollup
    snapshot: Snapshot | None = None


class IngestSession:
    def __init__(
        self,
        *,
        account: Account,
        source: SourceRef,
        on_post: Callable[[PostRow], None] | None = None,
    ) -> None:
        if not connection.in_atomic_block:
            raise RuntimeError("An ingest session runs inside the caller's transaction.")
        # The account lock: one writer per account at a time (imports, syncs, bulk writes).
        # Only the account's row: the team's stays free for its other accounts' writers.
        self.account = (
            Account.objects.select_for_update(of=("self",))
            .select_related("team")
            .get(pk=account.pk)
        )
        self.platform = self.account.platform
        self.tz: ZoneInfo = self.account.team.tzinfo
        self.home = home_of(self.platform, self.account.handle)
        self.own_domains = self.account.own_domain_list
        self.snapshot, self._time_known = snapshot_open(
            account=self.account, source=source, now=timezone.now()
        )
        self.sid = self.snapshot.pk
        self.profile = source.profile
        self.snapshots: dict[int, SnapshotInfo] = {
            self.sid: snapshot_info(self.snapshot, time_known=self._time_known)
        }
        self._observation_source = _SOURCE_OF_SNAPSHOT[SnapshotKind(source.kind)]
        self._window = accepted_window()
        self._first_day, self._last_day = self._window.first, self._window.last
        self._on_post = on_post
        self.result = IngestResult(snapshot=self.snapshot)
        self._latest: datetime | None = None  # the latest post time
        self._latest_day: date | None = None  # the latest day of a daily number
        self._accepted_metrics: set[str] = set()
        self._account_id = self.account.pk
        self._moved_days: set[date] = set()
        self._linkable: set[str] = set()
        self._mentions: list[MentionRecord] = []
        self._activity: Upserter | None = None
        self._repoint: list[tuple[str, date, int]] = []
        # Posts added and not yet classified: (platform id, facts, what the classifier reads).
        self._post_batch: list[tuple[str, PostFacts, PostRecord]] = []
        self.posts = post_upserter(
            merge=self._merge_posts,
            exclusive=True,
            prepare=self._load_post_snapshots,
            on_stored=self._stored_post,
        )
        self.observations = observation_upserter(
            merge=self._merge_observations,
            exclusive=True,
            prepare=self._load_observation_snapshots,
        )

    # --- what sources hand in ------------------------------------------------------------

    def add(self, record: IngestRecord) -> None:
        if type(record) is ObservationRecord:
            self.add_observation(record)
        elif isinstance(record, ActivityRecord):
            self.add_activity(record)
        elif isinstance(record, PostRecord):
            self.add_post(record)
        elif isinstance(record, MentionRecord):
            self.add_mention(record)
        elif isinstance(record, AccountInfo):
            self.add_profile(record)
        elif isinstance(record, ExportInfo):
            self.set_exported_at(record.exported_at)

    def add_post(self, record: PostRecord) -> None:
        problem = self._window.moment_problem(record.published_at)
        if problem:
            raise RecordRejected(problem)
        self.result.posts += 1
        facts = self._facts_of_record(record)
        batch = self._post_batch
        batch.append((record.platform_id, facts, _to_classify(record.platform_id, facts)))
        if len(batch) >= POST_BATCH:
            self._add_post_batch()
        self._saw(record.published_at)
        if record.in_reply_to_id:
            self._linkable.add(record.in_reply_to_id)

    def add_observation(self, record: ObservationRecord) -> None:
        # Daily numbers come by the million: this path is kept lean (metrics checked once
        # each, the latest day compared as a date).
        metric = record.metric
        if metric not in self._accepted_metrics:
            self._accept_metric(metric)
        value, day = record.value, record.day
        if not (self._first_day <= day <= self._last_day):
            raise RecordRejected(str(self._window.day_problem(day)))
        if not (value.is_finite() and 0 <= value < bounds.VALUE_LIMIT):
            raise RecordRejected(str(bounds.value_problem(value)))
        self.observations.add(
            ObservationRow(
                self._account_id,
                metric,
                record.day,
                record.value,
                self._observation_source,
                self.sid,
            )
        )
        if self._latest_day is None or record.day > self._latest_day:
            self._latest_day = record.day

    def add_observation_batch(self, batch: ObservationBatch) -> None:
        """Daily numbers of one metric as columns: what add_observation does for each, a
        batch at a time. A batch with a day or a value the window refuses is added row by
        row, so each refused row is named (the caller's RecordRejected per row)."""
        metric, days, values = batch.metric, batch.days, batch.values
        if not days:
            return
        if metric not in self._accepted_metrics:
            try:
                self._accept_metric(metric)
            except RecordRejected:
                raise BatchRejected from None
        first, last = min(days), max(days)
        try:
            # An infinite value falls outside the bounds; a NaN cannot be ordered at all.
            accepted = (
                self._first_day <= first
                and last <= self._last_day
                and min(values) >= 0
                and max(values) < bounds.VALUE_LIMIT
            )
        except InvalidOperation:
            accepted = False
        if not accepted:
            raise BatchRejected
        n = len(days)
        account = repeat(self._account_id, n)
        keys = list(zip(account, repeat(metric, n), days, strict=False))
        rows = list(
            zip(
                repeat(self._account_id, n),
                repeat(metric, n),
                days,
                values,
                repeat(self._observation_source, n),
                repeat(self.sid, n),
                strict=False,
            )
        )
        written = None
        if batch.texts is not None:
            # The same rows as text for the database: what the adapters would make of them.
            day_texts, value_texts = batch.texts
            written = list(
                zip(
                    repeat(self._account_id, n),
                    repeat(metric, n),
                    day_texts,
                    value_texts,
                    repeat(self._observation_source, n),
                    repeat(self.sid, n),
                    strict=False,
                )
            )
        self.observations.add_rows(keys, rows, written)
        if self._latest_day is None or last > self._latest_day:
            self._latest_day = last

    def _accept_metric(self, key: str) -> None:
        metric = catalog.CATALOG.get(key)
        if metric is None:
            raise RecordRejected(f"unknown metric “{key}”")
        if metric.is_derived:
            raise RecordRejected(f"“{key}” is computed by Strategy Tracker, not imported")
        self._accepted_metrics.add(key)

    def add_activity(self, record: ActivityRecord) -> None:
        """Followers online in one hour of one day; the later snapshot wins an hour."""
        if self._activity is None:
            self._activity = activity_upserter(
                merge=self._merge_activity,
                exclusive=True,
                prepare=lambda rows: self._load(ActivityRow._make(r).snapshot_id for r in rows),
            )
        self.result.activity += 1
        self._activity.add(
            ActivityRow(
                self._account_id, record.day, record.hour, record.active_followers, self.sid
            )
        )
        if self._latest_day is None or record.day > self._latest_day:
            self._latest_day = record.day

    def add_mention(self, record: MentionRecord) -> None:
        self.result.mentions += 1
        self._mentions.append(record)
        self._linkable.add(record.platform_id)

    def add_profile(self, info: AccountInfo) -> None:
        """The account as the platform names it: fills a display name nobody typed."""
        if info.display_name and not self.account.display_name:
            self.account.display_name = info.display_name[:200]
            self.account.save(update_fields=["display_name"])

    def set_exported_at(self, when: datetime) -> None:
        """The file says when it was exported: that is its snapshot's time."""
        if self._time_known:
            return  # a file imported again keeps the time it was first given
        self._set_time(when, SnapshotTime.EXPORT)

    def finish(self) -> IngestResult:
        """Write what is pending, decide the rows that waited for the snapshot's time, and
        derive what follows from the posts and mentions written."""
        self._add_post_batch()
        upserters = [self.posts, self.observations]
        if self._activity is not None:
            upserters.append(self._activity)
        for upserter in upserters:
            upserter.flush()
        if not self._time_known:
            # The file said nothing about when it was made: the latest moment its data
            # speaks of stands for it (an export is made after what it reports, and a
            # day's number once the day is over).
            self._set_time(self._latest_moment() or self.snapshot.observed_at, SnapshotTime.DATA)
        counts = self.result.counts
        for upserter in upserters:
            upserter.flush_deferred()
            counts.add(upserter.counts)
        self._repoint_equal_numbers()
        days = self.result.post_days | self._moved_days
        if days:
            rollup_account_days(account_id=self.account.pk, days=days)
        mention_days = inbound.mentions_upsert(
            account=self.account, records=self._mentions, tz=self.tz
        )
        if self._linkable:
            mention_days |= inbound.mentions_link_answers(
                account=self.account, platform_ids=self._linkable
            )
        if mention_days:
            inbound.mentions_rollup(account=self.account, days=mention_days)
        return self.result

    # --- posts ---------------------------------------------------------------------------------

    def _person(self, raw: str) -> str:
        return canonical_handle(self.platform, raw, home=self.home)

    def _facts_of_record(self, record: PostRecord) -> PostFacts:
        claimed = record.kind or (
            PostKind.ORIGINAL if self.profile.kind is KindEvidence.TOLD else ""
        )
        counts = {name: getattr(record, name) for name in COUNT_FIELDS}
        evidence = dict.fromkeys(
            known_groups(
                permalink=record.permalink,
                targets=(record.in_reply_to_handle, record.in_reply_to_id, record.reshared_handle),
                content=bool(record.text or record.mentions or record.links),
                counts=counts,
            ),
            self.sid,
        )
        return PostFacts(
            published_at=record.published_at,
            permalink=record.permalink[:500],
            claimed_kind=str(claimed),
            in_reply_to_handle=self._person(record.in_reply_to_handle)[:200],
            in_reply_to_id=record.in_reply_to_id[:300],
            reshared_handle=self._person(record.reshared_handle)[:200],
            text=record.text,
            mentions=people(self.platform, record.mentions, home=self.home),
            links=tuple(record.links),
            counts=counts,
            evidence=evidence,
            sources=(self.sid,),
        )

    def _add_post_batch(self) -> None:
        """The posts waiting in the session, classified together, to the writer in order."""
        batch = self._post_batch
        if not batch:
            return
        self._post_batch = []
        results = classify_many(
            [record for _id, _facts, record in batch],
            platform=self.platform,
            own_handle=self.account.handle,
            own_domains=self.own_domains,
        )
        add = self.posts.add
        row = self._row_of
        for (platform_id, facts, _record), result in zip(batch, results, strict=True):
            add(row(platform_id, facts, result))

    def _row(self, platform_id: str, facts: PostFacts) -> PostRow:
        """The post as stored: the merged facts and what the classifier makes of them."""
        result = classify(
            _to_classify(platform_id, facts),
            platform=self.platform,
            own_handle=self.account.handle,
            own_domains=self.own_domains,
        )
        return self._row_of(platform_id, facts, result)

    def _row_of(self, platform_id: str, facts: PostFacts, result: Classification) -> PostRow:
        counts = facts.counts
        return PostRow(
            self._account_id,
            platform_id,
            facts.published_at,
            facts.published_at.astimezone(self.tz).date(),
            facts.text,
            facts.permalink,
            result.kind.value,
            facts.claimed_kind,
            facts.in_reply_to_handle,
            facts.in_reply_to_id,
            facts.reshared_handle,
            list(facts.mentions),
            list(facts.links),
            list(result.addressed),
            result.is_question,
            list(result.link_domains),
            result.is_promotional,
            result.shares_others_link,
            counts.get("impressions"),
            counts.get("reach"),
            counts.get("engagements"),
            counts.get("likes"),
            counts.get("replies"),
            counts.get("reshares"),
            counts.get("clicks"),
            counts.get("saves"),
            counts.get("video_views"),
            dict(facts.evidence),
            list(facts.sources),
        )

    def _merge_posts(self, old: Row, new: Row) -> Row | None:
        if (
            old[_POST_SOURCES] == new[_POST_SOURCES] == [self.sid]
            and old[_POST_EVIDENCE].keys() <= new[_POST_EVIDENCE].keys()
        ):
            return new  # this snapshot again (a file imported twice): it says it all
        stored, incoming = PostRow._make(old), PostRow._make(new)
        try:
            facts = merge_posts(_facts_of_row(stored), _facts_of_row(incoming), self.snapshots)
        except SnapshotTimeUnknown:
            raise MergeDeferred from None
        merged = self._row(incoming.platform_id, facts)
        if merged.local_date != stored.local_date:
            self._moved_days.add(stored.local_date)  # its old day loses a post
        return merged

    def _load_post_snapshots(self, rows: Iterable[Row]) -> None:
        wanted: set[int] = set()
        for row in rows:
            post = PostRow._make(row)
            wanted.update(post.evidence.values())
        self._load(wanted)

    def _stored_post(self, row: Row) -> None:
        post = PostRow._make(row)
        self.result.post_days.add(post.local_date)
        if self._on_post is not None:
            self._on_post(post)

    # --- observations ------------------------------------------------------------------------

    def _merge_observations(self, old: Row, new: Row) -> Row | None:
        if old[_OBSERVATION_SNAPSHOT] == new[_OBSERVATION_SNAPSHOT]:
            return new  # the same look again (a file imported twice): the common case
        stored, incoming = ObservationRow._make(old), ObservationRow._make(new)
        try:
            wins = observation_wins(
                stored_derived=stored.source == ObservationSource.ROLLUP,
                stored_snapshot=self.snapshots.get(stored.snapshot_id or 0),
                incoming_derived=incoming.source == ObservationSource.ROLLUP,
                incoming_snapshot=self.snapshots.get(incoming.snapshot_id or 0),
            )
        except SnapshotTimeUnknown:
            same = stored.value == incoming.value and stored.source == incoming.source
            if same and stored.snapshot_id is not None:
                # The same number from another look: the number stands, only which look it
                # names is open until this file's time is known (overlapping re-exports
                # repeat thousands of days: a key each, not a whole row each, waits).
                self._repoint.append((incoming.metric, incoming.date, stored.snapshot_id))
                return None
            raise MergeDeferred from None
        return incoming if wins else None

    def _repoint_equal_numbers(self) -> None:
        """The equal numbers this file repeated now name it where it is the later look."""
        waiting: dict[int, dict[str, list[date]]] = {}
        for metric, day, sid in self._repoint:
            waiting.setdefault(sid, {}).setdefault(metric, []).append(day)
        self._repoint = []
        self._load(waiting)
        ours = self.snapshots[self.sid]
        for sid, by_metric in waiting.items():
            if stronger(self.snapshots[sid], 0, ours, 0):
                continue  # the stored number's look is the later one
            for metric, days in by_metric.items():
                # Daily series repeat runs of consecutive days: one range each uses the
                # (account, metric, date) index, where a long IN list may not.
                for first, last in _runs(sorted(days)):
                    MetricObservation.objects.filter(
                        account_id=self._account_id,
                        metric=metric,
                        date__range=(first, last),
                        snapshot_id=sid,
                    ).update(snapshot_id=self.sid)

    def _merge_activity(self, old: Row, new: Row) -> Row | None:
        stored, incoming = ActivityRow._make(old), ActivityRow._make(new)
        if stored.snapshot_id == incoming.snapshot_id:
            return incoming
        try:
            wins = observation_wins(
                stored_derived=False,
                stored_snapshot=self.snapshots.get(stored.snapshot_id),
                incoming_derived=False,
                incoming_snapshot=self.snapshots.get(incoming.snapshot_id),
            )
        except SnapshotTimeUnknown:
            raise MergeDeferred from None
        return incoming if wins else None

    def _load_observation_snapshots(self, rows: Iterable[Row]) -> None:
        self._load(ObservationRow._make(row).snapshot_id for row in rows)

    # --- snapshots -----------------------------------------------------------------------------

    def _load(self, ids: Iterable[int | None]) -> None:
        missing = {i for i in ids if i is not None and i not in self.snapshots}
        self.snapshots.update(snapshot_infos(missing))

    def _latest_moment(self) -> datetime | None:
        moments = [self._latest] if self._latest is not None else []
        if self._latest_day is not None:
            day_over = self._latest_day + timedelta(days=1)
            moments.append(datetime.combine(day_over, time(), tzinfo=self.tz))
        return max(moments, default=None)

    def _saw(self, moment: datetime) -> None:
        if self._latest is None or moment > self._latest:
            self._latest = moment

    def _set_time(self, when: datetime, how: SnapshotTime) -> None:
        self.snapshot.observed_at = when
        self.snapshot.observed_from = how
        self.snapshot.save(update_fields=["observed_at", "observed_from"])
        self._time_known = True
        self.snapshots[self.sid] = snapshot_info(self.snapshot)


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Sorted days as runs of consecutive days: (first, last) each."""
    if not days:
        return
    first = last = days[0]
    for day in days[1:]:
        if day - last > timedelta(days=1):
            yield first, last
            first = day
        last = day
    yield first, last


def _to_classify(platform_id: str, facts: PostFacts) -> PostRecord:
    """The facts as the classifier reads them."""
    return PostRecord(
        platform_id=platform_id,
        published_at=facts.published_at,
        text=facts.text,
        permalink=facts.permalink,
        kind=PostKind(facts.claimed_kind) if facts.claimed_kind else None,
        in_reply_to_handle=facts.in_reply_to_handle,
        in_reply_to_id=facts.in_reply_to_id,
        reshared_handle=facts.reshared_handle,
        mentions=facts.mentions,
        links=facts.links,
    )


def _facts_of_row(row: PostRow) -> PostFacts:
    return PostFacts(
        published_at=row.published_at,
        permalink=row.permalink,
        claimed_kind=row.claimed_kind,
        in_reply_to_handle=row.in_reply_to_handle,
        in_reply_to_id=row.in_reply_to_id,
        reshared_handle=row.reshared_handle,
        text=row.text,
        mentions=tuple(row.mentions),
        links=tuple(row.links),
        counts={name: getattr(row, name) for name in COUNT_FIELDS},
        evidence={group: int(sid) for group, sid in row.evidence.items()},
        sources=tuple(row.sources),
    )


def ingest_records(
    *,
    account: Account,
    source: SourceRef,
    records: Iterable[IngestRecord],
) -> IngestResult:
    """Write a batch of records in one transaction (connector pages, bulk requests)."""
    with transaction.atomic():
        session = IngestSession(account=account, source=source)
        for record in records:
            session.add(record)
        return session.finish()
