"""Writes with rules for strategy plans. The admin, pages and API all call these."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from goals import documents, exporters, periods
from goals.models import (
    CheckIn,
    KeyResult,
    Objective,
    Status,
    Strategy,
    SummaryExport,
    SummaryFormat,
    SummaryStatus,
)
from goals.summaries import build_summary, previous_quarter
from goals.summary_types import Summary
from teams import access
from teams.models import Role, Team

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CopyResult:
    strategy: Strategy
    objectives: int
    key_results: int


def _next_name(name: str, old: periods.Period, new: periods.Period) -> str:
    """Put the new period in the name: replace '2026 Q3' / '2026-Q3' / 'Q3 2026', else append."""
    if ".." not in old.code:
        y, _, part = old.code.partition("-")
        pattern = rf"\b(?:{y}[\s-]?{part}|{part}[\s-]?{y})\b" if part else rf"\b{y}\b"
        if re.search(pattern, name, flags=re.IGNORECASE):
            return re.sub(pattern, new.label, name, count=1, flags=re.IGNORECASE)
    return f"{name} ({new.label})"


@transaction.atomic
def strategy_copy_to_next_period(*, strategy: Strategy, user: User | AnonymousUser) -> CopyResult:
    """Duplicate a strategy with its objectives and key results into the following period.

    The copy is a draft. Key result dates keep their place in the period (a key
    result due at the end of Q3 is due at the end of Q4); baselines and targets are
    copied as they are for the team to revise; check-ins are not copied.
    """
    if not access.can_edit(user, strategy.team_id):
        raise PermissionDenied("You may not change this team's strategies.")
    old = strategy.period
    new = periods.following(old)
    copy = Strategy.objects.create(
        team_id=strategy.team_id,
        name=_next_name(strategy.name, old, new)[:200],
        period_start=new.start,
        period_end=new.end,
        status=Status.DRAFT,
        purpose=strategy.purpose,
        audience=strategy.audience,
        voice=strategy.voice,
        mix_conversation=strategy.mix_conversation,
        mix_sharing=strategy.mix_sharing,
        mix_helpful=strategy.mix_helpful,
        mix_promotional=strategy.mix_promotional,
        at_risk_tolerance=strategy.at_risk_tolerance,
        stale_after_days=strategy.stale_after_days,
    )
    objectives = 0
    key_results = 0
    for objective in strategy.objectives.prefetch_related("key_results__accounts"):
        new_objective = Objective.objects.create(
            strategy=copy,
            title=objective.title,
            description=objective.description,
            owner_id=objective.owner_id,
            order=objective.order,
            weight=objective.weight,
        )
        objectives += 1
        for kr in objective.key_results.all():
            new_kr = KeyResult.objects.create(
                objective=new_objective,
                name=kr.name,
                metric_key=kr.metric_key,
                window=kr.window,
                direction=kr.direction,
                baseline=kr.baseline,
                target=kr.target,
                band_low=kr.band_low,
                band_high=kr.band_high,
                unit=kr.unit,
                start_date=periods.shift_within(kr.start_date, old, new),
                due_date=periods.shift_within(kr.due_date, old, new),
                weight=kr.weight,
                order=kr.order,
            )
            new_kr.accounts.set(kr.accounts.all())
            key_results += 1
    return CopyResult(strategy=copy, objectives=objectives, key_results=key_results)


@transaction.atomic
def check_in_create(
    *,
    user: User | AnonymousUser,
    key_result: KeyResult,
    day: date,
    value: Decimal | None,
    confidence: str,
    note: str,
) -> CheckIn:
    """Record a check-in; only the team's owners and editors may."""
    if not access.can_edit(user, key_result.objective.strategy.team_id):
        raise PermissionDenied("You may not add check-ins for this team.")
    check_in = CheckIn(
        key_result=key_result,
        date=day,
        value=value,
        confidence=confidence,
        note=note,
        author=user if isinstance(user, User) else None,
    )
    check_in.full_clean()
    check_in.save()
    return check_in


# --- quarterly summaries ------------------------------------------------------------------


def render_summary(snapshot: Summary, fmt: str) -> bytes:
    """The document for a snapshot, in one of the SummaryFormat formats."""
    if fmt == SummaryFormat.HTML:
        return documents.summary_html(snapshot).encode("utf-8")
    if fmt == SummaryFormat.PDF:
        return documents.summary_pdf(snapshot)
    if fmt == SummaryFormat.XLSX:
        return exporters.summary_xlsx(snapshot)
    if fmt == SummaryFormat.CSV:
        return exporters.summary_csv(snapshot)
    raise ValueError(f"Unknown summary format {fmt!r}.")


def summary_export_create(
    *,
    user: User | AnonymousUser | None,
    team: Team,
    quarter: periods.Period,
    fmt: str,
    strategy: Strategy | None = None,
    enqueue: bool = True,
) -> SummaryExport:
    """Queue a new version of a team's quarterly summary. Members (viewers too) may: a
    summary only reads the plan. `user=None` is the scheduler."""
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
        task_id=str(uuid.uuid4()),
    )
    if enqueue:
        from goals.tasks import summary_export_run_task

        task_id = export.task_id
        transaction.on_commit(
            lambda: summary_export_run_task.apply_async(args=(export.pk,), task_id=task_id)
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
            generated_by=export.created_by.get_username() if export.created_by else "schedule",
            today=today,
        )
        content = render_summary(snapshot, export.format)
    except documents.PdfUnavailable as exc:
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
