from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from metrics.models import Account
from teams.admin_scoping import TeamScopedAdmin, default_team_initial


@admin.register(Account)
class AccountAdmin(TeamScopedAdmin):
    list_display = ["handle", "platform", "display_name", "team", "is_competitor"]
    list_filter = ["platform", "is_competitor", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["handle", "display_name"]
    fields = ["team", "platform", "handle", "display_name", "own_domains", "is_competitor"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**default_team_initial(request), **super().get_changeform_initial_data(request)}
