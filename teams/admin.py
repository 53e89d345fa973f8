from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpRequest

from teams import access
from teams.admin_scoping import cached_team_ids, is_manager
from teams.forms import MembershipInlineForm, MembershipInlineFormSet
from teams.models import Membership, Team


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    form = MembershipInlineForm
    formset = MembershipInlineFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            # Only people the user already shares a team with (superusers: everyone).
            kwargs["queryset"] = access.visible_choices(
                request.user, get_user_model().objects.order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.pk in cached_team_ids(request, "visible")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser or is_manager(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Members see their teams; owners change the name, time zone and members.

    Only superusers create or delete teams: deleting one deletes all of its data.
    """

    list_display = ["name", "slug", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Team]:
        return access.visible_to(request.user, super().get_queryset(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(cached_team_ids(request, "visible"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "visible"))
        return obj.pk in cached_team_ids(request, "visible")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "managed"))
        return is_manager(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
