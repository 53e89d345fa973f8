from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from listening import services
from listening.forms import ListeningSettingsAdminForm, TopicForm
from listening.models import ListeningSettings, Topic, TopicAuthor, TopicPost
from teams.admin_scoping import TeamScopedAdmin, default_team_initial


@admin.register(Topic)
class TopicAdmin(TeamScopedAdmin):
    list_display = ["name", "team", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "keywords", "hashtags"]
    readonly_fields = ["cursor"]
    actions = ["collect_now"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The page's form, bound to the admin's user: its team choices and word-list limits.
        base = TopicForm

        class Form(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                super().__init__(*args, user=request.user, **form_kwargs)

        kwargs["form"] = Form
        return super().get_form(request, obj, change, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), **default_team_initial(request)}

    def save_model(self, request: HttpRequest, obj: Topic, form: Any, change: bool) -> None:
        services.topic_save(user=request.user, topic=obj)

    def delete_model(self, request: HttpRequest, obj: Topic) -> None:
        services.topic_delete(user=request.user, topic=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for topic in queryset:
            services.topic_delete(user=request.user, topic=topic)

    @admin.action(description="Collect now")
    def collect_now(self, request: HttpRequest, queryset: Any) -> None:
        teams = {topic.team for topic in queryset.select_related("team")}
        for team in teams:
            services.listening_collect_enqueue(user=request.user, team=team)
        self.message_user(
            request, f"Queued a collection for {len(teams)} team(s).", messages.SUCCESS
        )


@admin.register(ListeningSettings)
class ListeningSettingsAdmin(TeamScopedAdmin):
    form = ListeningSettingsAdminForm
    list_display = ["__str__", "retention_days", "last_run_at", "last_error"]
    readonly_fields = [
        "stored_app_password",
        "last_run_at",
        "last_success_at",
        "last_error",
        "last_notes",
        "last_summary",
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), **default_team_initial(request)}

    def save_model(
        self, request: HttpRequest, obj: ListeningSettings, form: Any, change: bool
    ) -> None:
        services.listening_settings_save(
            user=request.user,
            listening=obj,
            app_password=form.cleaned_data.get("app_password", ""),
            clear_password=form.cleaned_data.get("clear_password", False),
        )

    @admin.display(description="Stored app password")
    def stored_app_password(self, obj: ListeningSettings) -> str:
        return "stored (never shown)" if obj.credentials_encrypted else "none"


@admin.register(TopicAuthor)
class TopicAuthorAdmin(TeamScopedAdmin):
    list_display = ["handle", "platform", "team", "followed_at", "dismissed_at"]
    list_filter = ["platform"]
    search_fields = ["handle", "display_name"]
    readonly_fields = [
        "team",
        "platform",
        "handle",
        "display_name",
        "profile_url",
        "followed_at",
        "unfollowed_at",
        "dismissed_by",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(TopicPost)
class TopicPostAdmin(TeamScopedAdmin):
    list_display = ["__str__", "platform", "published_at"]
    list_filter = ["platform", "mentions_brand", "mentions_competitor"]
    search_fields = ["text", "author__handle"]
    date_hierarchy = "published_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in TopicPost._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
