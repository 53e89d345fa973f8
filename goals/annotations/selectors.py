"""Which annotations a chart or a summary shows. Only the team's; on a chart the team-wide
ones plus those of the chart's accounts or key result."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from goals.annotations.marks import Mark
from goals.models import Annotation


def _overlapping(team_id: int, start: date, end: date) -> QuerySet[Annotation]:
    """The team's annotations that touch [start, end] (a range that began before counts)."""
    return (
        Annotation.objects.filter(team_id=team_id, date__lte=end)
        .filter(Q(end_date__gte=start) | Q(end_date__isnull=True, date__gte=start))
        .select_related("account", "key_result__objective")
        .order_by("date", "pk")
    )


def _team_wide() -> Q:
    return Q(account__isnull=True, key_result__isnull=True)


def annotations_for_key_result(
    *, team_id: int, key_result_id: int, account_ids: Iterable[int], start: date, end: date
) -> list[Annotation]:
    """For a key result's chart and page: team-wide, the key result's own and its accounts'."""
    return list(
        _overlapping(team_id, start, end).filter(
            _team_wide()
            | Q(key_result_id=key_result_id)
            | Q(key_result__isnull=True, account_id__in=list(account_ids))
        )
    )


def annotations_for_accounts(
    *, team_id: int, account_ids: Iterable[int], start: date, end: date
) -> list[Annotation]:
    """For a chart of accounts (conversation health, followers): team-wide and the accounts'
    own; annotations of one key result stay on that key result's chart."""
    return list(
        _overlapping(team_id, start, end).filter(
            _team_wide() | Q(key_result__isnull=True, account_id__in=list(account_ids))
        )
    )


def annotations_in_period(*, team_id: int, start: date, end: date) -> list[Annotation]:
    """Every annotation of the team that touches the period (the summary's table)."""
    return list(_overlapping(team_id, start, end))


def mark(annotation: Annotation) -> Mark:
    return Mark(
        day=annotation.date,
        end=annotation.end_date,
        title=annotation.title,
        note=annotation.note,
        scope=annotation.scope_label,
    )


def marks(annotations: Iterable[Annotation]) -> list[Mark]:
    return [mark(a) for a in annotations]
