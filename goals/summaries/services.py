"""Writes with rules for quarterly summaries: ask for one (queued), generate it, mail it.

The summary page, the API, the export_summary command and the quarterly schedule
(goals.tasks) all call these.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from goals import periods
from goals.models import Strategy, SummaryExport, SummaryFormat, SummaryOrigin, SummaryStatus
from goals.summaries import html, pdf, tabular
from goals.summaries.snapshot import build_summary, previous_quarter
from goals.summaries.types import Summary
from strategy_tracker.celery import enqueue as enqueue_task
from teams import access
from teams.models import Role, Team

logger = logging.getLogger(__name__)

# Queued by name (goals.tasks registers it): services never import tasks modules.
SUMMARY_EXPORT_RUN_TASK = "goals.summary_export_run"


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


def summary_export_create(
    *,
    user: User | AnonymousUser | None,
    team: Team,
    quarter: periods.Period,
    fmt: str,
    strategy: Strategy | None = None,
    enqueue: bool = True,
    origin: SummaryOrigin | None = None,
) -> SummaryExport:
    """Queue a new version of a team's quarterly summary. Members (viewers too) may: a
    summary only reads the plan. `user=None` is the scheduler, unless `origin` says it is
    the command line."""
    if user is not None and not access.can_view(user, team):
        raise PermissionDenied("You may not see this team's summaries.")
    if strategy is not None and strategy.team_id != team.pk:
        raise PermissionDenied("The strategy does not belong to this team.")
    if fmt not in SummaryFormat.values:
        raise ValueError(f"Unknown summary format {fmt!r}.")
    latest = (
        SummaryExport.objects.filter(
            team=team, quarter=quarter.code, strategy=strategy, format=fmt
        ).aggregate(Max("version"))["version__max"]
        or 0
    )
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
    return export


def summary_export_run(*, export_id: int, today: date | None = None) -> SummaryExport:
    """Generate a queued summary. Idempotent: a finished one is left as it is."""
    with transaction.atomic():
        export = (
            SummaryExport.objects.select_for_update(of=("self",))
            .select_related("team", "strategy", "created_by")
            .get(pk=export_id)
        )
        if export.is_finished:
            return export
        export.status = SummaryStatus.RUNNING
        export.save(update_fields=["status"])
    try:
        snapshot = build_summary(
            team=export.team,
            quarter=periods.parse(export.quarter),
            strategy=export.strategy,
            generated_by=export.requested_by,
            today=today,
        )
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
    export.finished_at = timezone.now()
    export.save()
    return export


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
            user=None, team=team, quarter=quarter, fmt=SummaryFormat.PDF, enqueue=False
        )
        export = summary_export_run(export_id=export.pk, today=today)
        summary_email_owners(export=export)
        done.append(export)
    return done
