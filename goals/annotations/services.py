"""Writes for annotations, with their rules. The key result page, the admin and the API all
call these: only a team's owners and editors (teams.access.can_edit) may write, and a bad
value (an end before the start, an empty or too long title, another team's account or key
result) raises ValidationError with nothing written."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from goals.models import Annotation, KeyResult
from metrics.models import Account
from teams import access
from teams.models import Team

_REFUSED = "You may not change this team's annotations."


@transaction.atomic
def annotation_create(
    *,
    user: User | AnonymousUser,
    team: Team,
    day: date,
    title: str,
    end_date: date | None = None,
    note: str = "",
    account: Account | None = None,
    key_result: KeyResult | None = None,
) -> Annotation:
    """Add an annotation to `team`'s charts; the user is recorded as its author."""
    if not access.can_edit(user, team):
        raise PermissionDenied(_REFUSED)
    annotation = Annotation(
        team=team,
        date=day,
        end_date=end_date,
        title=title,
        note=note,
        account=account,
        key_result=key_result,
        created_by=user if isinstance(user, User) else None,
    )
    annotation.full_clean()
    annotation.save()
    return annotation


@transaction.atomic
def annotation_update(
    *,
    user: User | AnonymousUser,
    annotation: Annotation,
    team: Team,
    day: date,
    title: str,
    end_date: date | None,
    note: str,
    account: Account | None,
    key_result: KeyResult | None,
) -> Annotation:
    """Change an annotation: the user must be an owner or editor of the team it belongs to
    (as stored) and of `team` (a move to another team)."""
    stored_team = Annotation.objects.filter(pk=annotation.pk).values_list("team_id", flat=True)
    if not access.can_edit(user, stored_team.get()) or not access.can_edit(user, team):
        raise PermissionDenied(_REFUSED)
    annotation.team = team
    annotation.date = day
    annotation.end_date = end_date
    annotation.title = title
    annotation.note = note
    annotation.account = account
    annotation.key_result = key_result
    annotation.full_clean()
    annotation.save()
    return annotation


@transaction.atomic
def annotation_delete(*, user: User | AnonymousUser, annotation: Annotation) -> None:
    stored_team = Annotation.objects.filter(pk=annotation.pk).values_list("team_id", flat=True)
    if not access.can_edit(user, stored_team.get()):
        raise PermissionDenied(_REFUSED)
    annotation.delete()
