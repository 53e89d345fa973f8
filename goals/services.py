"""Writes with rules for strategy plans. The admin, pages and API all call these.

Quarterly summaries have their own: goals.summaries.services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from goals import numbers, periods, progress, selectors
from goals.alerts import services as alerts
from goals.models import (
    CheckIn,
    Confidence,
    KeyResult,
    Objective,
    Status,
    Strategy,
    Window,
)
from goals.progress import Direction
from metrics import catalog
from teams import access


@dataclass(frozen=True)
class Rebase:
    """What the copy did to one key result's baseline, and why."""

    key_result: KeyResult  # the copy
    old_baseline: Decimal
    new_baseline: Decimal
    why: str

    @property
    def line(self) -> str:
        """'TikTok followers: 3,500 → 4,370 (value on 30 Sep 2026; …)', for the admin."""
        return (
            f"{self.key_result.name}: {numbers.plain(self.old_baseline)} → "
            f"{numbers.plain(self.new_baseline)} ({self.why})"
        )


@dataclass(frozen=True)
class CopyResult:
    strategy: Strategy
    objectives: int
    key_results: int
    rebased: tuple[Rebase, ...] = ()


class AlreadyCopied(ValidationError):
    """The strategy already has its copy in the next period; `existing` is that copy."""

    def __init__(self, message: str, *, existing: Strategy) -> None:
        super().__init__(message, code="already_copied")
        self.existing = existing


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
    result due at the end of Q3 is due at the end of Q4); check-ins are not copied.
    Targets are kept; baselines roll forward (see _proposal): a level or a ratio starts
    where the key result stood at its due date, a count over the period starts again
    from zero, a band keeps its bounds. A key result whose baseline moved, that has no
    value to start from, or whose target is already met is marked for review with a
    note saying why; the strategy cannot be activated before the review.

    A strategy is copied into a period once: a second copy (or a strategy of the team
    with the same name in that period) raises AlreadyCopied naming the existing one.
    """
    if not access.can_edit(user, strategy.team_id):
        raise PermissionDenied("You may not change this team's strategies.")
    # Two copies at once would both find no copy yet: the source row's lock orders them.
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    old = strategy.period
    new = periods.following(old)
    name = _next_name(strategy.name, old, new)[:200]
    _refuse_a_second_copy(strategy, name, new)
    proposals = _proposals(strategy)
    copy = Strategy.objects.create(
        team_id=strategy.team_id,
        name=name,
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
        copied_from=strategy,
    )
    objectives = 0
    rebased: list[Rebase] = []
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
            proposal = proposals[kr.pk]
            new_kr = KeyResult.objects.create(
                objective=new_objective,
                name=kr.name,
                metric_key=kr.metric_key,
                window=kr.window,
                direction=kr.direction,
                baseline=proposal.baseline,
                target=kr.target,
                band_low=kr.band_low,
                band_high=kr.band_high,
                unit=kr.unit,
                start_date=periods.shift_within(kr.start_date, old, new),
                due_date=periods.shift_within(kr.due_date, old, new),
                weight=kr.weight,
                order=kr.order,
                needs_review=proposal.needs_review,
                review_note=proposal.note if proposal.needs_review else "",
            )
            new_kr.accounts.set(kr.accounts.all())
            rebased.append(Rebase(new_kr, kr.baseline, proposal.baseline, proposal.why))
    return CopyResult(
        strategy=copy, objectives=objectives, key_results=len(rebased), rebased=tuple(rebased)
    )


def _refuse_a_second_copy(strategy: Strategy, name: str, new: periods.Period) -> None:
    in_period = Strategy.objects.filter(
        team_id=strategy.team_id, period_start__lte=new.end, period_end__gte=new.start
    ).order_by("pk")
    copied = in_period.filter(copied_from=strategy).first()
    if copied is not None:
        raise AlreadyCopied(
            f"“{strategy.name}” has already been copied to {new.label}: “{copied.name}”. "
            "Change that draft rather than copying again.",
            existing=copied,
        )
    same_name = in_period.filter(name__iexact=name).first()
    if same_name is not None:
        raise AlreadyCopied(
            f"The team already has “{same_name.name}” in {new.label}; a copy of "
            f"“{strategy.name}” would be a second one with that name.",
            existing=same_name,
        )


@dataclass(frozen=True)
class _Proposal:
    baseline: Decimal
    needs_review: bool
    why: str  # short, for the list of what was rebased
    note: str  # the review note: what changed, why, and what to look at


_DECIMALS = Decimal("0.0001")  # KeyResult.baseline's decimal places


def _proposals(strategy: Strategy) -> dict[int, _Proposal]:
    """Each key result's next baseline, from its assessment as of its due date (a late
    correction included). One assessment per due date, so the queries stay few."""
    krs = list(
        selectors.key_results_with_relations(KeyResult.objects.filter(objective__strategy=strategy))
    )
    by_due: dict[date, list[KeyResult]] = {}
    for kr in krs:
        by_due.setdefault(kr.due_date, []).append(kr)
    proposals: dict[int, _Proposal] = {}
    for due, group in by_due.items():
        for pk, row in selectors.assess_key_results(group, today=due).items():
            proposals[pk] = _proposal(row.key_result, row.assessment)
    return proposals


def _counts_over_the_period(kr: KeyResult) -> bool:
    """A count (or distinct people) summed from the start date: its series cumulates from
    zero each period. Levels, ratios, percentiles, rolling windows and manual key results
    carry a value from one period into the next."""
    metric = kr.metric
    return (
        metric is not None
        and metric.kind in (catalog.Kind.FLOW, catalog.Kind.DISTINCT)
        and kr.window == Window.PERIOD
    )


def _proposal(kr: KeyResult, assessment: progress.Assessment) -> _Proposal:
    old = kr.baseline
    target = kr.target
    if kr.direction == Direction.BAND or target is None:
        return _Proposal(old, False, "a band keeps its bounds", "")
    kept = f"target kept at {numbers.plain(target)}"
    due = f"{kr.due_date:%-d %b %Y}"

    if _counts_over_the_period(kr):
        if kr.direction == Direction.DECREASE:
            return _Proposal(
                old,
                True,
                "kept: a count that should fall cannot start from zero",
                f"Baseline kept at {numbers.plain(old)}: a count over the period starts "
                "again from zero, which a decrease cannot start from — review the direction "
                f"or the window; {kept}.",
            )
        zero = Decimal(0).quantize(_DECIMALS)
        why = "a count over the period starts again from zero"
        note = f"Baseline reset from {numbers.plain(old)} to 0: {why}; {kept}."
        return _Proposal(zero, old != zero, why, note)

    if assessment.current is None or assessment.as_of is None:
        return _Proposal(
            old,
            True,
            f"kept: no value by {due}",
            f"No value by {due} to start from: baseline kept at {numbers.plain(old)} — check "
            f"it; {kept}.",
        )
    value = Decimal(repr(assessment.current)).quantize(_DECIMALS)
    on = f"value on {assessment.as_of:%-d %b %Y}"
    if value == target:
        return _Proposal(
            old,
            True,
            f"kept: the {on} equals the target",
            f"The {on} was {numbers.plain(value)}, exactly the target: baseline kept at "
            f"{numbers.plain(old)}, since a baseline at the target leaves nothing to measure "
            "— set a new target.",
        )
    met = value > target if kr.direction == Direction.INCREASE else value < target
    note = f"Baseline rebased from {numbers.plain(old)} to {numbers.plain(value)} ({on}); {kept}"
    if met:
        return _Proposal(
            value,
            True,
            f"{on}; target {numbers.plain(target)} already beaten — review it",
            f"{note}: already beaten — review it.",
        )
    return _Proposal(value, value != old, on, f"{note}.")


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
    alerts.key_results_evaluate(key_result_ids=[key_result.pk])
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
    alerts.key_results_evaluate(key_result_ids=[key_result.pk])
    return check_in


def _require_editor(user: User | AnonymousUser, key_result: KeyResult) -> None:
    if not access.can_edit(user, key_result.objective.strategy.team_id):
        raise PermissionDenied("You may not write check-ins for this team.")


def _author(user: User | AnonymousUser) -> User | None:
    return user if isinstance(user, User) else None
