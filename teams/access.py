"""The one place that decides who may see and change a team's rows.

Every surface (admin, pages, API, exports, imports) asks these functions; nothing
else filters by team membership on its own.

Rules:
- superusers see and change everything;
- a member of a team sees its rows; owners and editors may also change them;
- viewers may look but not change;
- owners manage the team's members and invitations (managed_teams, can_manage);
- anybody else sees nothing, as if the rows did not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from teams.models import EDITING_ROLES, Role, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=models.Model)


def visible_teams(user: AnyUser) -> models.QuerySet[Team]:
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


def editable_teams(user: AnyUser) -> models.QuerySet[Team]:
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(
        memberships__user=user, memberships__role__in=EDITING_ROLES
    ).distinct()


def can_view(user: AnyUser, team: Team | int | None) -> bool:
    if team is None:
        return False
    team_id = team if isinstance(team, int) else team.pk
    return visible_teams(user).filter(pk=team_id).exists()


def can_edit(user: AnyUser, team: Team | int | None) -> bool:
    if team is None:
        return False
    team_id = team if isinstance(team, int) else team.pk
    return editable_teams(user).filter(pk=team_id).exists()


def team_path(model: type[models.Model]) -> str:
    """The lookup from a team-owned model to its team, e.g. "objective__strategy__team"."""
    path = getattr(model, "TEAM_PATH", None)
    if path is None:
        raise TypeError(f"{model.__name__} does not declare TEAM_PATH: it is not team-owned.")
    return str(path)


def _scope(qs: models.QuerySet[M], teams: models.QuerySet[Team]) -> models.QuerySet[M]:
    path = team_path(qs.model)
    if path == "":  # the Team model itself
        return qs.filter(pk__in=teams.values("pk"))
    return qs.filter(**{f"{path}__in": teams.values("pk")})


def visible_to(user: AnyUser, qs: models.QuerySet[M]) -> models.QuerySet[M]:
    """The rows of `qs` that `user` may see."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return qs
    return _scope(qs, visible_teams(user))


def editable_by(user: AnyUser, qs: models.QuerySet[M]) -> models.QuerySet[M]:
    """The rows of `qs` that `user` may change."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return qs
    return _scope(qs, editable_teams(user))


def team_of(obj: models.Model) -> Team | None:
    """Follow an object's TEAM_PATH to its team (None for an unsaved, team-less row)."""
    path = team_path(type(obj))
    if path == "":
        return obj if isinstance(obj, Team) else None
    current: Any = obj
    for part in path.split("__"):
        try:
            current = getattr(current, part)
        except models.ObjectDoesNotExist:
            return None
        if current is None:
            return None
    return current if isinstance(current, Team) else None


def get_object_for_user(user: AnyUser, qs: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one row the user may see, or 404, whether it is missing or another team's."""
    try:
        return visible_to(user, qs).get(**lookup)
    except ObjectDoesNotExist:
        raise Http404("No such object.") from None


def managed_teams(user: AnyUser) -> models.QuerySet[Team]:
    """Teams whose settings and members the user may change: owners only."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user, memberships__role=Role.OWNER).distinct()


def can_manage(user: AnyUser, team: Team | int | None) -> bool:
    """May the user change the team's members and invitations (owners, superusers)?"""
    if team is None:
        return False
    team_id = team if isinstance(team, int) else team.pk
    return managed_teams(user).filter(pk=team_id).exists()


def members_of(teams: models.QuerySet[Team]) -> models.QuerySet[Any]:
    """Users who belong to any of `teams`: the people one may pick as an owner."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__team__in=teams.values("pk"))
        .distinct()
        .order_by("username")
    )


def visible_choices(user: AnyUser, qs: models.QuerySet[M]) -> models.QuerySet[M]:
    """The rows of `qs` that `user` may pick in a filter or a choice list.

    Team-owned rows as `visible_to`; people when they share a team with the user. Any other
    model offers nothing: a choice list must never confirm that a row exists.
    """
    from django.contrib.auth import get_user_model

    if user.is_authenticated and user.is_active and user.is_superuser:
        return qs
    if qs.model is get_user_model():
        return qs.filter(pk__in=members_of(visible_teams(user)).values("pk"))
    if hasattr(qs.model, "TEAM_PATH"):
        return visible_to(user, qs)
    return qs.none()
