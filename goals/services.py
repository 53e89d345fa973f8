"""Writes with rules for strategy plans. The admin, pages and API all call these.

Quarterly summaries have their own: goals.summaries.services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from goals import periods
from goals.models import CheckIn, Confidence, KeyResult, Objective, Status, Strategy
from teams import access


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


# --- check-ins: the one write path of the key result page, the API and the admin -----------


@transaction.atomic
def check_in_create(
    *,
    user: User | AnonymousUser,
    key_result: KeyResult,
    day: date,
    value: Decimal | None,
    confidence: str = Confidence.MEDIUM,
    note: str = "",
    late_correction: bool = False,
) -> CheckIn:
    """Record a check-in; only the team's owners and editors may. The user is its author.

    The key result's period stays closed: after its due date only a late correction (marked,
    with a note) is accepted, and it stands for the value at the due date."""
    _require_editor(user, key_result)
    check_in = CheckIn(
        key_result=key_result,
        date=day,
        value=value,
        confidence=confidence,
        note=note,
        late_correction=late_correction,
        author=_author(user),
    )
    check_in.full_clean()
    check_in.save()
    return check_in


@transaction.atomic
def check_in_update(
    *,
    user: User | AnonymousUser,
    check_in: CheckIn,
    key_result: KeyResult,
    day: date,
    value: Decimal | None,
    confidence: str,
    note: str,
    late_correction: bool = False,
) -> CheckIn:
    """Change a check-in; the user must be an owner or editor of the team it belongs to (as
    stored) and of `key_result`'s. The author stays who wrote it; a check-in without one
    (loaded, or written before authors were recorded) gets the user. The closed-period rule
    of check_in_create holds for the changed check-in too."""
    stored_team = (
        CheckIn.objects.filter(pk=check_in.pk)
        .values_list("key_result__objective__strategy__team_id", flat=True)
        .get()
    )
    if not access.can_edit(user, stored_team):
        raise PermissionDenied("You may not write check-ins for this team.")
    _require_editor(user, key_result)
    check_in.key_result = key_result
    check_in.date = day
    check_in.value = value
    check_in.confidence = confidence
    check_in.note = note
    check_in.late_correction = late_correction
    if check_in.author_id is None:
        check_in.author = _author(user)
    check_in.full_clean()
    check_in.save()
    return check_in


def _require_editor(user: User | AnonymousUser, key_result: KeyResult) -> None:
    if not access.can_edit(user, key_result.objective.strategy.team_id):
        raise PermissionDenied("You may not write check-ins for this team.")


def _author(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) else None
