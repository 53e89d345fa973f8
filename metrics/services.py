"""Writes with rules for accounts and imports. The upload page, the admin, the API, the
command line and the Celery task all go through these functions."""

from __future__ import annotations

import gc
import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from metrics import catalog, signals
from metrics.importers import registry
from metrics.importers.common import Format, ImportFailed, Limits, ParseContext, Source
from metrics.ingest.precedence import NUMBERS_ONLY
from metrics.ingest.records import (
    AccountInfo,
    ActivityRecord,
    ExportInfo,
    ObservationBatch,
    ObservationRecord,
    ParseSummary,
    PostRecord,
    RowError,
)
from metrics.ingest.rows import PostRow
from metrics.ingest.session import BatchRejected, IngestSession, RecordRejected
from metrics.ingest.snapshots import SourceRef
from metrics.ingest.writer import UpsertCounts
from metrics.models import Account, ImportJob, ImportStatus, SnapshotKind
from metrics.platforms import Platform
from metrics.platforms.identity import same_person
from strategy_tracker import jobs
from strategy_tracker.celery import enqueue as enqueue_task
from teams import access
from teams.models import Team

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 50
# Queued by name (metrics.tasks registers it): services never import tasks modules.
IMPORT_JOB_RUN_TASK = "metrics.import_job_run"
IMPORT_JOBS_REAP_TASK = "metrics.jobs_reap"
# In a failed job's summary: the platform whose account the user must choose.
NEEDS_ACCOUNT_KEY = "needs_account_on"
ProgressCallback = Callable[[int, int], None]


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
    )


# --- accounts ------------------------------------------------------------------------


class AccountChoiceNeeded(ImportFailed):
    """The file names no account and the team has several of its own on that platform:
    the import can be tried again once the user says which."""

    def __init__(self, message: str, *, format: Format) -> None:
        super().__init__(message)
        self.format = format


def account_get_or_create(*, team: Team, spec: str) -> Account:
    """'platform:handle' -> the team's account, created if missing (command line only)."""
    platform, sep, handle = spec.partition(":")
    platform = platform.strip().lower()
    handle = handle.strip().lstrip("@")
    if not sep or not handle or platform not in list(Platform):
        raise ImportFailed(f"“{spec}” is not PLATFORM:HANDLE; platforms: {', '.join(Platform)}.")
    account = Account.objects.filter(team=team, platform=platform, handle__iexact=handle).first()
    if account is None:
        account = Account(team=team, platform=platform, handle=handle)
        account.full_clean()
        account.save()
    return account


def _resolve_account(
    *, team: Team, fmt: Format, chosen: Account | None, info: AccountInfo | None
) -> Account:
    if chosen is not None:
        if chosen.team_id != team.pk:
            raise ImportFailed("The chosen account does not belong to this team.")
        if chosen.platform != fmt.platform:
            raise ImportFailed(
                f"This is a {fmt.label}, but the chosen account is on "
                f"{chosen.get_platform_display()}."
            )
        if (
            info is not None
            and info.handle
            and not same_person(fmt.platform, info.handle, chosen.handle)
        ):
            raise ImportFailed(
                f"This file is for @{info.handle}, not for the chosen account @{chosen.handle}."
            )
        return chosen
    candidates = Account.objects.filter(team=team, platform=fmt.platform)
    if info is not None and info.handle:
        for account in candidates:
            if same_person(fmt.platform, info.handle, account.handle):
                return account
        raise ImportFailed(
            f"This file is for {Platform(fmt.platform).label} @{info.handle}, which is not one "
            "of this team's accounts. Add the account first, or choose it when importing."
        )
    # A file that names no account is the team's own: competitors' files name their
    # account, and a competitor's account must never make the choice ambiguous.
    only = list(candidates.own()[:2])
    if len(only) == 1:
        return only[0]
    platform = Platform(fmt.platform).label
    if not only:
        raise ImportFailed(
            f"This {fmt.label} does not say which account it belongs to, and the team has no "
            f"{platform} account of its own: add the account first, then import the file again."
        )
    raise AccountChoiceNeeded(
        f"This {fmt.label} does not say which account it belongs to, and the team has "
        f"several {platform} accounts of its own: choose the account when importing.",
        format=fmt,
    )


# --- the import itself ---------------------------------------------------------------


@dataclass
class ImportOutcome:
    format: Format
    account: Account | None = None
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class _RejectFile(Exception):
    """Raised inside the transaction to undo everything when rows were bad."""


@dataclass
class _Stats:
    kinds: Counter[str] = field(default_factory=Counter)
    questions: int = 0
    promotional: int = 0
    people: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None
    totals: dict[str, Decimal] = field(default_factory=dict)
    last_day: dict[str, date] = field(default_factory=dict)

    def add_post(self, post: PostRow) -> None:
        """A post of the file as stored: its kind after merging with other sources."""
        self.kinds[post.kind] += 1
        self.questions += post.is_question
        self.promotional += post.is_promotional
        self.people.update(post.addressed)
        self.first = min(filter(None, [self.first, post.published_at]))
        self.last = max(filter(None, [self.last, post.published_at]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts": sum(self.kinds.values()),
            "posts_by_kind": {
                k: self.kinds.get(k, 0) for k in ("original", "reply", "reshare", "quote")
            },
            "questions": self.questions,
            "people_addressed": len(self.people),
            "promotional_posts": self.promotional,
            "first_post_at": self.first.isoformat() if self.first else None,
            "last_post_at": self.last.isoformat() if self.last else None,
            "metric_totals": {k: _json_number(v) for k, v in sorted(self.totals.items())},
        }


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _estimate_total(source: Source) -> int:
    """Lines in the source, for a progress bar (records ≈ lines for CSV; JSON is 1)."""
    total = 0
    for member in source.members:
        if member.size > 200 * 1024 * 1024:
            continue
        with member.open() as fh:
            while chunk := fh.read(1024 * 1024):
                total += chunk.count(b"\n")
    return total


def import_source(
    *,
    team: Team,
    source: Source,
    account: Account | None = None,
    job: ImportJob | None = None,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Detect, parse, classify and write one source, atomically.

    Raises ImportFailed when the file is refused; then nothing was written, and the
    exception's `outcome` attribute (if set) carries the row errors.
    """
    parts = registry.detect_parts(source, platform=account.platform if account else None)
    ctx = ParseContext(
        tz=team.tzinfo,
        today=today or timezone.localdate(),
        handle=account.handle if account else "",
    )
    outcome = ImportOutcome(format=parts[0][0], account=account)
    stats = _Stats()
    total = _estimate_total(source) if progress else 0
    try:
        with transaction.atomic(), _cycle_collector_paused():
            # A zip of several exports is written part by part, all or nothing.
            for fmt, part in parts:
                _write(team, fmt, part, ctx, account, job, outcome, stats, progress, total)
                if outcome.failed:
                    raise _RejectFile
            if len(parts) > 1:
                outcome.notes.append(
                    f"{source.name} held {len(parts)} kinds of export, all imported: "
                    + "; ".join(fmt.label for fmt, _ in parts)
                    + "."
                )
    except _RejectFile:
        shown = outcome.errors[:MAX_ERRORS_KEPT]
        first = shown[0]
        where = f"{first['member']}, " if first.get("member") else ""
        error = ImportFailed(
            f"{outcome.failed} row(s) could not be read, so nothing was imported "
            f"(first: {where}row {first['row']}: {first['message']})."
        )
        error.outcome = outcome  # type: ignore[attr-defined]
        raise error from None
    outcome.summary = {**stats.as_dict(), "notes": outcome.notes}
    return outcome


def _write(
    team: Team,
    fmt: Format,
    source: Source,
    ctx: ParseContext,
    chosen: Account | None,
    job: ImportJob | None,
    outcome: ImportOutcome,
    stats: _Stats,
    progress: ProgressCallback | None,
    total: int,
) -> None:
    """Parse the source and hand its records to an ingest session (the one write path);
    here: which account, row errors, progress and the file's own totals."""
    session: IngestSession | None = None
    exported: ExportInfo | None = None
    added = 0

    def open_session(info: AccountInfo | None = None) -> IngestSession:
        nonlocal session
        if session is None:
            account = _resolve_account(team=team, fmt=fmt, chosen=chosen, info=info)
            session = IngestSession(
                account=account,
                source=SourceRef(
                    kind=SnapshotKind.FILE,
                    format_key=fmt.key,
                    key=job.checksum if job is not None and job.checksum else _checksum(source),
                    profile=fmt.profile,
                    label=(job.file_name if job is not None else source.name),
                    import_job_id=job.pk if job is not None else None,
                ),
                on_post=stats.add_post,
            )
            outcome.account = session.account
            if exported is not None:
                session.set_exported_at(exported.exported_at)
        return session

    def reject(row: int, message: str, member: str = "") -> None:
        outcome.failed += 1
        if len(outcome.errors) < MAX_ERRORS_KEPT:
            outcome.errors.append({"row": row, "member": member, "message": message})

    records = (fmt.parse_batches or fmt.parse)(source, ctx)
    parsed = ParseSummary()
    # The file's totals: a level (followers) is its last value, a count is summed.
    levels = {key for key, metric in catalog.CATALOG.items() if metric.kind is catalog.Kind.STOCK}
    while True:
        try:
            record = next(records)
        except StopIteration as stop:
            # Parsers may return what they skipped on purpose (e.g. videos without a date).
            if isinstance(stop.value, ParseSummary):
                parsed = stop.value
            break
        outcome.rows_read += 1
        # Daily numbers come by the million: their branch is first and kept lean.
        if type(record) is ObservationRecord:
            if outcome.failed:
                continue  # the file will be refused: only look for more errors
            try:
                (session or open_session()).add_observation(record)
            except RecordRejected as exc:
                reject(record.row, str(exc))
                continue
            added += 1
            if record.metric in levels:
                last = stats.last_day.get(record.metric)
                if last is None or record.day >= last:
                    stats.last_day[record.metric] = record.day
                    stats.totals[record.metric] = record.value
            else:
                stats.totals[record.metric] = stats.totals.get(record.metric, 0) + record.value
        elif type(record) is ObservationBatch:
            outcome.rows_read += len(record.days) - 1
            if outcome.failed:
                continue  # the file will be refused: only look for more errors
            try:
                (session or open_session()).add_observation_batch(record)
            except BatchRejected:
                # Which rows and why: the rows one at a time, as they would have come.
                for one in record.records():
                    try:
                        session.add_observation(one)  # type: ignore[union-attr]
                    except RecordRejected as exc:
                        reject(one.row, str(exc))
                        break  # the file will be refused: the rows after it are not looked at
                    added += 1
                    _batch_totals(
                        stats,
                        ObservationBatch(one.metric, [one.day], [one.value], [one.row]),
                        one.metric in levels,
                    )
                continue
            added += len(record.days)
            _batch_totals(stats, record, record.metric in levels)
        elif isinstance(record, RowError):
            reject(record.row, record.message, record.member)
        elif isinstance(record, AccountInfo):
            outcome.rows_read -= 1  # metadata, not a row
            if session is None:
                open_session(record)
            elif not same_person(fmt.platform, record.handle, session.account.handle):
                raise ImportFailed(
                    f"This file holds more than one account (@{session.account.handle}, "
                    f"@{record.handle}); import one account's file at a time."
                )
            if session is not None:
                session.add_profile(record)
        elif isinstance(record, ExportInfo):
            outcome.rows_read -= 1  # metadata, not a row
            exported = record
            if session is not None:
                session.set_exported_at(record.exported_at)
        elif isinstance(record, PostRecord):
            if outcome.failed:
                continue  # the file will be refused: only look for more errors
            try:
                (session or open_session()).add_post(record)
            except RecordRejected as exc:
                reject(record.row, str(exc))
                continue
            added += 1
        elif isinstance(record, ActivityRecord) and not outcome.failed:
            (session or open_session()).add_activity(record)
            added += 1
        if progress and outcome.rows_read % 1000 == 0:
            progress(outcome.rows_read, max(total, outcome.rows_read))

    if outcome.failed:
        return
    outcome.notes = list(parsed.notes)
    if session is None:
        # A valid export with nothing to store (a header and no rows: a quiet week; a
        # snapshot the catalogue does not track, which the parser's notes explain).
        outcome.account = chosen
        if not outcome.notes:
            outcome.notes.append(
                f"{source.name} holds no posts and no daily numbers: nothing was imported."
            )
        outcome.skipped = parsed.rows_skipped
        return
    result = session.finish()
    counts = result.counts
    outcome.created, outcome.updated, outcome.unchanged = (
        counts.created,
        counts.updated,
        counts.unchanged,
    )
    # Skipped: rows the parser passed over on purpose, and repeats of the same key in the file.
    outcome.skipped = (
        parsed.rows_skipped + added - (counts.created + counts.updated + counts.unchanged)
    )
    if progress:
        # Lines were an estimate of rows (a quoted field may span lines): the end is 100%.
        progress(max(total, outcome.rows_read), max(total, outcome.rows_read))


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a file is read and written. An import makes
    millions of short-lived tuples; each few hundred of them set off a collection that
    walks every live container, the batches in flight included: measured on the 1M-row
    bench series, that was 40% of the import's CPU time. Reference counting still frees
    what the import drops (its rows hold no cycles); what cycles there are wait for the
    next collection, after the import."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _batch_totals(stats: _Stats, batch: ObservationBatch, level: bool) -> None:
    """The file's totals as the records one by one would make them: a level is the value
    of its latest day (of equal days, the later row), a count is summed."""
    metric = batch.metric
    if level:
        last = stats.last_day.get(metric)
        for day, value in zip(batch.days, batch.values, strict=True):
            if last is None or day >= last:
                last = day
                stats.totals[metric] = value
        if last is not None:
            stats.last_day[metric] = last
    else:
        stats.totals[metric] = stats.totals.get(metric, 0) + sum(batch.values, Decimal(0))


def _checksum(source: Source) -> str:
    """SHA-256 of a source's members and their names (the snapshot's identity)."""
    digest = hashlib.sha256()
    for member in source.members:
        digest.update(member.name.encode())
        with member.open() as fh:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
    return digest.hexdigest()


# --- import jobs ---------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """What a progress bar shows: live numbers from the cache while the job runs."""
    live = cache.get(_progress_key(job.pk)) if not job.is_finished else None
    done, total = live if live else (job.progress_done, job.progress_total)
    percent = 100 if job.is_finished else (int(done * 100 / total) if total else 0)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_finished,
        "done": done,
        "total": total,
        "percent": min(percent, 100),
    }


def _sha256(fh: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def import_job_create(
    *,
    team: Team,
    user: User | AnonymousUser | None,
    upload: File[Any],
    account: Account | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store an uploaded file and queue its import. The caller's rights are checked here."""
    if user is not None and not access.can_edit(user, team):
        raise PermissionDenied("You may not import data for this team.")
    if account is not None and account.team_id != team.pk:
        raise PermissionDenied("The account does not belong to this team.")
    size = upload.size or 0
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportFailed(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{settings.IMPORT_MAX_UPLOAD_BYTES / 1024 / 1024:.0f} MB."
        )
    if size == 0:
        raise ImportFailed("The file is empty.")
    name = Path(upload.name or "upload").name
    job = ImportJob(
        team=team,
        account=account,
        created_by=user if isinstance(user, User) else None,
        file_name=name[:255],
        file_size=size,
        checksum=_sha256(upload.file),  # type: ignore[arg-type]
    )
    job.file.save(name, upload, save=False)
    job.save()
    if enqueue:
        _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    # The task id is chosen here and stored with the job, so a worker that picks the
    # task up at once never races with us writing it.
    job.task_id = str(uuid.uuid4())
    job.save(update_fields=["task_id"])
    args, task_id = (job.pk,), job.task_id
    transaction.on_commit(lambda: enqueue_task(IMPORT_JOB_RUN_TASK, args=args, task_id=task_id))


def import_job_account_choices(job: ImportJob) -> list[Account]:
    """The accounts a failed job can be tried again with: the team's own accounts on the
    file's platform, when the job failed only because the file names no account and the
    team has several. Empty for every other job."""
    platform = (job.summary or {}).get(NEEDS_ACCOUNT_KEY)
    if job.status != ImportStatus.FAILED or not platform or not job.file:
        return []
    return list(
        Account.objects.own().filter(team_id=job.team_id, platform=platform).order_by("handle")
    )


def import_job_retry(
    *, job: ImportJob, user: User | AnonymousUser | None, account: Account, enqueue: bool = True
) -> ImportJob:
    """Queue the stored file of a job that failed for want of an account again, as a new
    job for the chosen account (the failed job stays as it was: the list is a history)."""
    if user is not None and not access.can_edit(user, job.team):
        raise PermissionDenied("You may not import data for this team.")
    if account.pk not in {a.pk for a in import_job_account_choices(job)}:
        raise ImportFailed(
            f"{account} is not one of the accounts this file can be imported for: choose one "
            "of the team's own accounts on the file's platform."
        )
    retry = ImportJob(
        team=job.team,
        account=account,
        created_by=user if isinstance(user, User) else None,
        # The stored file is shared, not copied: uploads are never rewritten or deleted.
        file=job.file.name,
        file_name=job.file_name,
        file_size=job.file_size,
        checksum=job.checksum,
    )
    retry.save()
    if enqueue:
        _enqueue(retry)
    return retry


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued import, once however often its task is delivered.

    The job is claimed first (strategy_tracker.jobs): a second delivery finds it held by a
    live run (heartbeat) or finished, and leaves it. A run whose worker died (heartbeat
    stopped) may be claimed again with the next attempt: its writes were undone with its
    transaction, so the new attempt's counts are the whole truth.
    """
    attempt = jobs.job_claim(
        ImportJob,
        job_id,
        queued=ImportStatus.PENDING,
        running=ImportStatus.RUNNING,
        since_field="started_at",
        started_at=timezone.now(),
        progress_done=0,
    )
    if attempt is None:
        job = ImportJob.objects.get(pk=job_id)
        if job.status == ImportStatus.RUNNING and job.attempt >= settings.JOB_MAX_ATTEMPTS:
            import_jobs_reap(job_ids=[job_id])  # presumed dead, with no attempt left
            job.refresh_from_db()
        return job
    job = ImportJob.objects.select_related("team", "account").get(pk=job_id)
    cache.delete(_progress_key(job.pk))  # a dead attempt's progress is not this one's
    heartbeat = jobs.Heartbeat(ImportJob, job.pk, attempt)

    def report(done: int, total: int) -> None:
        # The import runs in one transaction, so its progress cannot live in the job row
        # (nobody else would see it before the commit): it goes to the shared cache, and
        # now and then, with the heartbeat, to the row through a connection of its own.
        cache.set(_progress_key(job.pk), (done, total), timeout=3600)
        heartbeat.beat(progress_done=done, progress_total=total)

    def open_source() -> Source:
        source = Source.from_path(Path(job.file.path), import_limits())
        source.name = job.file_name
        return source

    try:
        _execute(job, open_source, report, attempt=attempt)
    finally:
        heartbeat.close()
    cache.delete(_progress_key(job.pk))
    return job


# What a user sees of a job whose worker died (killed for memory, or for the time limit).
IMPORT_RETRYING = (
    "The worker stopped while importing (it may have run out of memory); nothing was "
    "written, and the import is being retried."
)
IMPORT_RETRIED = (
    "The worker stopped during an earlier attempt (it may have run out of memory); the "
    "import was retried, and these are the numbers of the attempt that finished."
)


def _import_gave_up(attempts: int, *, stored_file: bool) -> str:
    tried = f", {attempts} times" if attempts > 1 else ""
    again = (
        "Please upload the file again, or split it into smaller files."
        if stored_file
        else "Please import the file again."
    )
    return (
        f"The worker stopped while importing (it may have run out of memory){tried}; "
        f"nothing was written. {again}"
    )


def _enqueue_on_commit(job_id: int, task_id: str) -> None:
    transaction.on_commit(
        lambda: enqueue_task(IMPORT_JOB_RUN_TASK, args=(job_id,), task_id=task_id)
    )


def import_jobs_reap(*, job_ids: list[int] | None = None) -> int:
    """Retry or fail running imports whose heartbeat stopped (their worker died); returns
    how many. An uploaded file is queued again while it has attempts left; otherwise (or
    for a command-line import, whose file is not stored) the job fails with a message."""
    now = timezone.now()
    dead = jobs.stale_q(running=ImportStatus.RUNNING, now=now, since_field="started_at")
    candidates = ImportJob.objects.filter(dead)
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    reaped = 0
    for job in candidates.only("pk", "attempt", "file"):
        still_dead = ImportJob.objects.filter(dead, pk=job.pk, attempt=job.attempt)
        if job.file and job.attempt < settings.JOB_MAX_ATTEMPTS:
            task_id = str(uuid.uuid4())
            if still_dead.update(
                status=ImportStatus.PENDING,
                message=IMPORT_RETRYING,
                task_id=task_id,
                progress_done=0,
            ):
                cache.delete(_progress_key(job.pk))
                _enqueue_on_commit(job.pk, task_id)
                reaped += 1
        elif still_dead.update(
            status=ImportStatus.FAILED,
            message=_import_gave_up(job.attempt, stored_file=bool(job.file)),
            finished_at=now,
        ):
            reaped += 1
    if reaped:
        logger.warning("Reaped %s import job(s) whose worker stopped", reaped)
    return reaped


def import_path(
    *,
    team: Team,
    path: Path,
    account: Account | None = None,
    user: User | None = None,
    progress: ProgressCallback | None = None,
    today: date | None = None,
) -> ImportJob:
    """Import a file, zip or folder from disk now (command line, demo data), recorded as a
    job like an upload. The caller is trusted: this is an operator's path, not a user's."""
    if not path.exists():
        raise ImportFailed(f"{path} does not exist.")
    now = timezone.now()
    job = ImportJob.objects.create(
        team=team,
        account=account,
        created_by=user,
        file_name=path.name[:255],
        file_size=sum(p.stat().st_size for p in _files_of(path)),
        checksum=import_checksum(path),
        status=ImportStatus.RUNNING,
        started_at=now,
        attempt=1,
        heartbeat_at=now,
    )
    # The reaper must not take a long command-line import for a dead one.
    heartbeat = jobs.Heartbeat(ImportJob, job.pk, job.attempt)

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        heartbeat.beat(progress_done=done, progress_total=total)

    try:
        _execute(
            job,
            lambda: Source.from_path(path, import_limits()),
            report,
            today=today,
            attempt=job.attempt,
        )
    finally:
        heartbeat.close()
    return job


def _files_of(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def import_checksum(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files and their names."""
    digest = hashlib.sha256()
    for file in _files_of(path):
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode())
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
    return digest.hexdigest()


class _ClaimLost(Exception):
    """The run was presumed dead and another took the job over: undo this one."""


def _execute(
    job: ImportJob,
    open_source: Callable[[], Source],
    progress: ProgressCallback | None,
    today: date | None = None,
    *,
    attempt: int,
) -> None:
    """Run the import for a job and record how it went on the job (never raises for bad
    input: a refused file is a failed job with its reasons).

    The rows and the job's result commit together, and only while the job is still this
    attempt's: a run that was presumed dead and replaced writes nothing, so no job ends
    with the counts of one run and the rows of two.
    """
    try:
        with transaction.atomic():
            _import_into(job, open_source, progress, today)
            held = ImportJob.objects.select_for_update().filter(
                pk=job.pk, status=ImportStatus.RUNNING, attempt=attempt
            )
            if not held.exists():
                raise _ClaimLost
            job.attempt = attempt
            if job.status == ImportStatus.SUCCEEDED and attempt > 1:
                job.summary = {
                    **job.summary,
                    "notes": [*job.summary.get("notes", []), IMPORT_RETRIED],
                }
            job.heartbeat_at = job.finished_at
            job.save()
            if job.status == ImportStatus.SUCCEEDED:  # alerts commit with the rows
                signals.import_succeeded.send(sender=ImportJob, team_id=job.team_id)
    except _ClaimLost:
        logger.warning("Import job %s attempt %s was taken over; undone", job.pk, attempt)
        job.refresh_from_db()


def _import_into(
    job: ImportJob,
    open_source: Callable[[], Source],
    progress: ProgressCallback | None,
    today: date | None,
) -> None:
    try:
        outcome = import_source(
            team=job.team,
            source=open_source(),
            account=job.account,
            job=job,
            progress=progress,
            today=today,
        )
    except ImportFailed as exc:
        failed = getattr(exc, "outcome", None)
        job.status = ImportStatus.FAILED
        job.message = str(exc)
        if failed is not None:
            _copy_outcome(job, failed)
        if isinstance(exc, AccountChoiceNeeded):
            # Remembered so that the job's page can offer to try again with an account.
            job.format_key, job.format_label = exc.format.key, exc.format.label
            job.summary = {NEEDS_ACCOUNT_KEY: exc.format.platform}
    except Exception:
        logger.exception("Import job %s crashed", job.pk)
        job.status = ImportStatus.FAILED
        job.message = (
            "The import stopped on an internal error; nothing was written. The team "
            "running Strategy Tracker has the details in its logs."
        )
    else:
        job.status = ImportStatus.SUCCEEDED
        job.message = ""
        _copy_outcome(job, outcome)
        job.summary = outcome.summary
    job.finished_at = timezone.now()
    job.progress_done = job.rows_read
    job.progress_total = max(job.rows_read, job.progress_total)


def _copy_outcome(job: ImportJob, outcome: ImportOutcome) -> None:
    job.format_key = outcome.format.key
    job.format_label = outcome.format.label
    if outcome.account is not None:
        job.account = outcome.account
    job.rows_read = outcome.rows_read
    job.rows_created = outcome.created
    job.rows_updated = outcome.updated
    job.rows_unchanged = outcome.unchanged
    job.rows_skipped = outcome.skipped
    job.rows_failed = outcome.failed
    job.errors = outcome.errors[:MAX_ERRORS_KEPT]


# --- bulk observations (API) ----------------------------------------------------------

BULK_MAX_ROWS = 10_000


class BulkRejected(Exception):
    """Some rows are invalid; nothing was written. `errors` lists every bad row."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid row(s)")
        self.errors = errors


def observation_rows_errors(
    *, user: User | AnonymousUser, rows: list[dict[str, Any]]
) -> dict[int, dict[str, str]]:
    """What is wrong with each row (by position) that the row's shape does not show: an
    account the user may not write to, a metric computed from others."""
    editable = set(
        access.editable_by(
            user, Account.objects.filter(pk__in={r["account"] for r in rows})
        ).values_list("pk", flat=True)
    )
    errors: dict[int, dict[str, str]] = {}
    for index, row in enumerate(rows):
        problems: dict[str, str] = {}
        if row["account"] not in editable:
            # The same words whether the account is missing or another team's.
            problems["account"] = f"{row['account']} is not an account you may write to."
        metric = catalog.CATALOG.get(row["metric"])
        if metric is not None and metric.is_derived:
            parts = (
                f"{metric.numerator} and {metric.denominator}"
                if metric.numerator
                else "mentions"
                if metric.kind is catalog.Kind.PERCENTILE
                else "posts"
            )
            problems["metric"] = f"“{metric.key}” is computed from {parts}; send those instead."
        if problems:
            errors[index] = problems
    return errors


@transaction.atomic
def observations_bulk_upsert(
    *, user: User | AnonymousUser, rows: list[dict[str, Any]]
) -> UpsertCounts:
    """Validate every row, then write them through the ingest path, one account at a time;
    the same key twice in a request is one observation.

    Every account of the request is locked first, in one statement and in the order of
    their ids, the order every writer takes account locks in: an import or another request
    for the same accounts waits for this one (or this one for it), whatever the order of
    the rows, and never deadlocks."""
    errors = observation_rows_errors(user=user, rows=rows)
    if errors:
        raise BulkRejected([{"row": i, "errors": e} for i, e in sorted(errors.items())])
    by_account: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_account.setdefault(row["account"], []).append(row)
    counts = UpsertCounts()
    now = timezone.now()
    accounts = list(
        Account.objects.select_for_update(of=("self",)).filter(pk__in=by_account).order_by("pk")
    )
    for account in accounts:
        session = IngestSession(
            account=account,
            source=SourceRef(
                kind=SnapshotKind.BULK,
                format_key="bulk",
                key=uuid.uuid4().hex,
                profile=NUMBERS_ONLY,
                label="Bulk API request",
                observed_at=now,
            ),
        )
        for row in by_account[account.pk]:
            # The serializer hands Decimals; a Python caller may pass an int (str() keeps
            # either exact, and a float as it prints).
            value = row["value"]
            if not isinstance(value, Decimal):
                value = Decimal(str(value))
            session.add_observation(
                ObservationRecord(metric=row["metric"], day=row["date"], value=value)
            )
        counts.add(session.finish().counts)
    return counts
