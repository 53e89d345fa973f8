"""Writes with rules for quarterly summaries: ask for one (queued), generate it, mail it.

The summary page, the API, the export_summary command and the quarterly schedule
(goals.tasks) all call these.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from goals import periods
from goals.alerts import services as alerts
from goals.models import Strategy, SummaryExport, SummaryFormat, SummaryOrigin, SummaryStatus
from goals.summaries import html, pdf, tabular
from goals.summaries.snapshot import build_summary, previous_quarter
from goals.summaries.types import Summary
from strategy_tracker import jobs
from strategy_tracker.celery import enqueue as enqueue_task
from teams import access
from teams.models import Role, Team

logger = logging.getLogger(__name__)

# Queued by name (goals.tasks registers it): services never import tasks modules.
SUMMARY_EXPORT_RUN_TASK = "goals.summary_export_run"
SUMMARY_EXPORTS_REAP_TASK = "goals.summary_exports_reap"


def render_summary(snapshot: Summary, fmt: str) -> bytes:
    """The document for a snapshot, in one of the SummaryFormat formats."""
    if fmt == SummaryFormat.HTML:
        return html.summary_html(snapshot).encode("utf-8")
    if fmt == SummaryFormat.PDF:
        return pdf.summary_pdf(snapshot)
    if fmt == SummaryFormat.XLSX:
        return tabular.summary_xlsx(snapshot)
    if fmt == SummaryFormat.CSV:
        return tabular.summary_csv(snapshot)
    raise ValueError(f"Unknown summary format {fmt!r}.")


class SummaryRateLimited(Exception):
    """The team asked for more summaries this hour than SUMMARY_REQUESTS_PER_HOUR allows;
    the message is for the user, retry_after says in how many seconds a slot frees up."""

    def __init__(self, *, limit: int, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"This team has asked for {limit} summaries in the last hour, the most allowed. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}, or download one "
            "already made."
        )
        self.limit = limit
        self.retry_after = retry_after


RATE_WINDOW = timedelta(hours=1)
_VERSION_ATTEMPTS = 5


def summary_export_request(
    *,
    user: User | AnonymousUser | None,
    team: Team,
    quarter: periods.Period,
    fmt: str,
    strategy: Strategy | None = None,
    enqueue: bool = True,
    limit_rate: bool = True,
    origin: SummaryOrigin | None = None,
) -> tuple[SummaryExport, bool]:
    """Ask for a new version of a team's quarterly summary; (the export, whether it is new).
    Members (viewers too) may: a summary only reads the plan. `user=None` is the scheduler,
    unless `origin` says it is the command line.

    A queued request identical to one still waiting or being generated (same team, quarter,
    strategy and format) gets that one back instead of a second copy. A new one counts
    against the team's SUMMARY_REQUESTS_PER_HOUR (SummaryRateLimited beyond it) unless
    `limit_rate` is False (the command and the schedule, which operators run). Versions
    are allocated under the team's lock, so parallel requests get distinct numbers.
    """
    if user is not None and not access.can_view(user, team):
        raise PermissionDenied("You may not see this team's summaries.")
    if strategy is not None and strategy.team_id != team.pk:
        raise PermissionDenied("The strategy does not belong to this team.")
    if fmt not in SummaryFormat.values:
        raise ValueError(f"Unknown summary format {fmt!r}.")
    for attempt in range(_VERSION_ATTEMPTS):
        try:
            with transaction.atomic():
                return _request_locked(
                    user=user,
                    team=team,
                    quarter=quarter,
                    fmt=fmt,
                    strategy=strategy,
                    enqueue=enqueue,
                    limit_rate=limit_rate,
                    origin=origin,
                )
        except IntegrityError:
            # Only where the lock is not a lock (SQLite: one writer anyway): another
            # request took the version between our read and our insert; read again.
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _request_locked(
    *,
    user: User | AnonymousUser | None,
    team: Team,
    quarter: periods.Period,
    fmt: str,
    strategy: Strategy | None,
    enqueue: bool,
    limit_rate: bool,
    origin: SummaryOrigin | None,
) -> tuple[SummaryExport, bool]:
    # The team's row is the lock for its summaries: the version, the pending request and
    # the hour's count are read and written by one request at a time. NO KEY UPDATE leaves
    # rows that point to the team (imports, accounts) free to be written meanwhile.
    Team.objects.select_for_update(no_key=True).filter(pk=team.pk).first()
    same = SummaryExport.objects.filter(
        team=team, quarter=quarter.code, strategy=strategy, format=fmt
    )
    if enqueue:
        # A caller that generates at once (enqueue=False) gets its own; a queued request
        # joins the identical one still in the queue or being generated.
        pending = (
            same.filter(status__in=[SummaryStatus.PENDING, SummaryStatus.RUNNING])
            .order_by("-version")
            .first()
        )
        if pending is not None:
            return pending, False
    now = timezone.now()
    if limit_rate:
        limit = settings.SUMMARY_REQUESTS_PER_HOUR
        # People's requests count; the command's and the schedule's (no user) do not.
        recent = list(
            SummaryExport.objects.filter(
                team=team, created_at__gt=now - RATE_WINDOW, created_by__isnull=False
            )
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # A slot frees up when the oldest of the last `limit` requests is an hour old.
            retry_after = math.ceil((recent[-1] + RATE_WINDOW - now).total_seconds())
            raise SummaryRateLimited(limit=limit, retry_after=max(retry_after, 1))
    latest = same.aggregate(Max("version"))["version__max"] or 0
    export = SummaryExport.objects.create(
        team=team,
        strategy=strategy,
        quarter=quarter.code,
        format=fmt,
        version=latest + 1,
        created_by=user if isinstance(user, User) else None,
        origin=origin or (SummaryOrigin.SCHEDULE if user is None else SummaryOrigin.USER),
        task_id=str(uuid.uuid4()),
    )
    if enqueue:
        task_id = export.task_id
        transaction.on_commit(
            lambda: enqueue_task(SUMMARY_EXPORT_RUN_TASK, args=(export.pk,), task_id=task_id)
        )
    return export, True


def summary_export_create(
    *,
    user: User | AnonymousUser | None,
    team: Team,
    quarter: periods.Period,
    fmt: str,
    strategy: Strategy | None = None,
    enqueue: bool = True,
    limit_rate: bool = True,
    origin: SummaryOrigin | None = None,
) -> SummaryExport:
    """summary_export_request for callers that only need the export."""
    export, _new = summary_export_request(
        user=user,
        team=team,
        quarter=quarter,
        fmt=fmt,
        strategy=strategy,
        enqueue=enqueue,
        limit_rate=limit_rate,
        origin=origin,
    )
    return export


def summary_export_run(*, export_id: int, today: date | None = None) -> SummaryExport:
    """Generate a queued summary, once however often its task is delivered: it is claimed
    first (strategy_tracker.jobs), so a second delivery finds it held by a live run
    (heartbeat) or finished, and leaves it. A run whose worker died is claimed again."""
    attempt = jobs.job_claim(
        SummaryExport,
        export_id,
        queued=SummaryStatus.PENDING,
        running=SummaryStatus.RUNNING,
        since_field="created_at",
    )
    if attempt is None:
        export = SummaryExport.objects.get(pk=export_id)
        if export.status == SummaryStatus.RUNNING and export.attempt >= settings.JOB_MAX_ATTEMPTS:
            summary_exports_reap(export_ids=[export_id])  # presumed dead, no attempt left
            export.refresh_from_db()
        return export
    export = SummaryExport.objects.select_related("team", "strategy", "created_by").get(
        pk=export_id
    )
    heartbeat = jobs.Heartbeat(SummaryExport, export.pk, attempt)
    try:
        snapshot = build_summary(
            team=export.team,
            quarter=periods.parse(export.quarter),
            strategy=export.strategy,
            generated_by=export.requested_by,
            today=today,
        )
        heartbeat.beat(force=True)
        content = render_summary(snapshot, export.format)
    except pdf.PdfUnavailable as exc:
        export.status = SummaryStatus.FAILED
        export.message = str(exc)
    except Exception as exc:
        logger.exception("Summary %s failed", export.pk)
        export.status = SummaryStatus.FAILED
        export.message = f"The summary could not be generated ({type(exc).__name__})."
    else:
        export.snapshot = json.loads(json.dumps(snapshot))
        export.file.save(export.download_name, ContentFile(content), save=False)
        export.status = SummaryStatus.READY
        export.message = ""
    finally:
        heartbeat.close()
    export.finished_at = timezone.now()
    with transaction.atomic():
        # Only while the claim is still this run's: one presumed dead and replaced leaves
        # the record to the run that took over.
        held = SummaryExport.objects.select_for_update().filter(
            pk=export.pk, status=SummaryStatus.RUNNING, attempt=attempt
        )
        if held.exists():
            export.attempt = attempt
            export.heartbeat_at = export.finished_at
            export.save()
            alerts.summary_finished(export=export)
        else:
            logger.warning("Summary %s attempt %s was taken over", export.pk, attempt)
            export.refresh_from_db()
    return export


# What a user sees of a summary whose worker died (killed for memory, or the time limit).
SUMMARY_RETRYING = (
    "The worker stopped while generating this summary (it may have run out of memory); "
    "it is being generated again."
)


def _enqueue_on_commit(export_id: int, task_id: str) -> None:
    transaction.on_commit(
        lambda: enqueue_task(SUMMARY_EXPORT_RUN_TASK, args=(export_id,), task_id=task_id)
    )


def summary_exports_reap(*, export_ids: list[int] | None = None) -> int:
    """Retry or fail summaries being generated whose heartbeat stopped (their worker
    died): queued again while attempts are left, else failed with a message. Returns how
    many."""
    now = timezone.now()
    dead = jobs.stale_q(running=SummaryStatus.RUNNING, now=now, since_field="created_at")
    candidates = SummaryExport.objects.filter(dead)
    if export_ids is not None:
        candidates = candidates.filter(pk__in=export_ids)
    reaped = 0
    for export in candidates.only("pk", "attempt"):
        still_dead = SummaryExport.objects.filter(dead, pk=export.pk, attempt=export.attempt)
        if export.attempt < settings.JOB_MAX_ATTEMPTS:
            task_id = str(uuid.uuid4())
            if still_dead.update(
                status=SummaryStatus.PENDING, message=SUMMARY_RETRYING, task_id=task_id
            ):
                _enqueue_on_commit(export.pk, task_id)
                reaped += 1
        elif still_dead.update(
            status=SummaryStatus.FAILED,
            message=(
                "The worker stopped while generating this summary (it may have run out of "
                f"memory), {export.attempt} times. Please ask for the summary again."
            ),
            finished_at=now,
        ):
            reaped += 1
    if reaped:
        logger.warning("Reaped %s summary export(s) whose worker stopped", reaped)
    return reaped


def summary_email_owners(*, export: SummaryExport) -> int:
    """Mail a ready summary to the team's owners; returns how many were written to."""
    owners = list(
        export.team.memberships.filter(role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not owners or export.status != SummaryStatus.READY:
        return 0
    message = EmailMessage(
        subject=f"{export.team}: quarterly summary {export.quarter}",
        body=(
            f"The quarterly summary of {export.team} for {export.quarter} is attached.\n"
            "It was generated automatically on the first day of the quarter."
        ),
        to=owners,
    )
    with export.file.open("rb") as fh:
        message.attach(export.download_name, fh.read(), summary_content_type(export.format))
    message.send()
    return len(owners)


_CONTENT_TYPES = {
    SummaryFormat.HTML: "text/html",
    SummaryFormat.PDF: "application/pdf",
    SummaryFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    SummaryFormat.CSV: "text/csv",
}


def summary_content_type(fmt: str) -> str:
    return _CONTENT_TYPES[SummaryFormat(fmt)]


def summaries_for_previous_quarter(*, today: date | None = None) -> list[SummaryExport]:
    """The scheduled run: last quarter's summary (PDF) for every team, mailed to owners."""
    today = today or timezone.localdate()
    quarter = previous_quarter(periods.quarter_of(today))
    done = []
    for team in Team.objects.order_by("pk"):
        export = summary_export_create(
            user=None,
            team=team,
            quarter=quarter,
            fmt=SummaryFormat.PDF,
            enqueue=False,
            limit_rate=False,
        )
        export = summary_export_run(export_id=export.pk, today=today)
        summary_email_owners(export=export)
        done.append(export)
    return done
