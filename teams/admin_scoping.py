"""Team scoping for every ModelAdmin and inline, built on teams.access.

Django's per-model permissions are not used for team-owned rows: membership and
role decide, so a team owner needs no permission fiddling in the user admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpRequest

from teams import access
from teams.models import Team


def cached_team_ids(request: HttpRequest, kind: str) -> frozenset[int]:
    cache: dict[str, frozenset[int]] = request.__dict__.setdefault("_team_ids", {})
    if kind not in cache:
        query = {
            "visible": access.visible_teams,
            "editable": access.editable_teams,
            "managed": access.managed_teams,
        }[kind](request.user)
        cache[kind] = frozenset(query.values_list("pk", flat=True))
    return cache[kind]


def _team_id(obj: models.Model) -> int | None:
    team = access.team_of(obj)
    return team.pk if team is not None else None


def _is_team_owned(model: type[models.Model]) -> bool:
    return hasattr(model, "TEAM_PATH")


def _limit_choices(
    request: HttpRequest, db_field: models.Field[Any, Any], kwargs: dict[str, Any]
) -> None:
    """Offer only rows of the teams the user may edit in every choice list."""
    related = db_field.remote_field.model  # type: ignore[union-attr]
    if related is Team:
        kwargs["queryset"] = access.editable_teams(request.user).order_by("name")
    elif related is get_user_model():
        kwargs["queryset"] = access.members_of(access.editable_teams(request.user))
    elif _is_team_owned(related):
        kwargs["queryset"] = access.editable_by(request.user, related._default_manager.all())


class BoundedDateChangeList(ChangeList):
    """A change list whose date drill-down refuses impossible dates (year 9999 has no next
    year to end at) as a bad lookup (the admin's "?e=1" page), not a server error."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class TeamScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin for rows that belong to a team (the model declares TEAM_PATH)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedDateChangeList

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return access.visible_to(request.user, super().get_queryset(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(cached_team_ids(request, "visible"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "visible"))
        return _team_id(obj) in cached_team_ids(request, "visible")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(cached_team_ids(request, "editable"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "editable"))
        return _team_id(obj) in cached_team_ids(request, "editable")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TeamScopedInlineMixin:
    """The same rules for inlines: the parent row's team decides."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "visible"))
        return _team_id(obj) in cached_team_ids(request, "visible")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None or obj.pk is None:
            return bool(cached_team_ids(request, "editable"))
        return _team_id(obj) in cached_team_ids(request, "editable")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_choices(request, db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        _limit_choices(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


def default_team_initial(request: HttpRequest) -> dict[str, Any]:
    """Preselect the team when the user can edit exactly one."""
    ids = cached_team_ids(request, "editable")
    return {"team": next(iter(ids))} if len(ids) == 1 else {}


def is_manager(request: HttpRequest, team: Team | None) -> bool:
    return team is not None and team.pk in cached_team_ids(request, "managed")
