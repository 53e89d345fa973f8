from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from metrics import services
from metrics.connectors import credentials as vault
from metrics.connectors import services as connector_services
from metrics.connectors.status import connector_status
from metrics.forms import ConnectorAdminForm, ImportUploadForm
from metrics.importers.registry import supported_formats
from metrics.models import (
    Account,
    Connector,
    FollowerActivity,
    ImportJob,
    InboundMention,
    MetricObservation,
    Post,
    Snapshot,
)
from teams.admin_scoping import TeamScopedAdmin, default_team_initial


@admin.register(Account)
class AccountAdmin(TeamScopedAdmin):
    list_display = ["handle", "platform", "display_name", "team", "is_competitor"]
    list_filter = ["platform", "is_competitor", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["handle", "display_name"]
    fields = ["team", "platform", "handle", "display_name", "own_domains", "is_competitor"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**default_team_initial(request), **super().get_changeform_initial_data(request)}


@admin.register(ImportJob)
class ImportJobAdmin(TeamScopedAdmin):
    """Import jobs, and an upload form in place of the usual add page."""

    list_display = [
        "file_name",
        "team",
        "format_label",
        "account",
        "status",
        "rows_created",
        "rows_updated",
        "rows_failed",
        "created_at",
    ]
    list_filter = ["status", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["file_name", "checksum"]
    readonly_fields = [
        "progress",
        "team",
        "account",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "file_name",
        "file_size",
        "checksum",
        "format_label",
        "status",
        "message",
        "rows_read",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_skipped",
        "rows_failed",
        "errors",
        "summary",
        "task_id",
        "attempt",
        "heartbeat_at",
    ]
    fields = list(readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # jobs are a record of what happened

    @admin.display(description="Progress")
    def progress(self, obj: ImportJob) -> str:
        return render_to_string(
            "metrics/_import_progress.html",
            {"job": obj, "progress": services.import_job_progress(obj)},
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
        job = (
            form.create_job(request.user) if request.method == "POST" and form.is_valid() else None
        )
        if job is not None:
            return redirect("admin:metrics_importjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload an export",
            "form": form,
            "formats": supported_formats(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/metrics/importjob/upload.html", context)


class _ReadOnlyEvidenceAdmin(TeamScopedAdmin):
    """Posts and daily numbers come from imports; the admin shows them, never edits them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(_ReadOnlyEvidenceAdmin):
    list_display = [
        "published_at",
        "account",
        "kind",
        "short_text",
        "is_question",
        "is_promotional",
        "impressions",
        "likes",
    ]
    list_filter = [
        "kind",
        "is_question",
        "is_promotional",
        ("account", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "platform_id"]
    date_hierarchy = "published_at"
    list_select_related = ["account"]

    readonly_fields = ["sources_list", "evidence_list"]

    @admin.display(description="Text")
    def short_text(self, obj: Post) -> str:
        return obj.text[:80]

    @admin.display(description="Sources")
    def sources_list(self, obj: Post) -> SafeString:
        """Every source that said something about the post, with when it looked."""
        snapshots = Snapshot.objects.filter(pk__in=obj.sources).select_related("import_job")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((_snapshot_link(s),) for s in snapshots)),
        )

    @admin.display(description="Where each value came from")
    def evidence_list(self, obj: Post) -> SafeString:
        names = dict(
            Snapshot.objects.filter(pk__in=set(obj.evidence.values())).values_list("pk", "label")
        )
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}</li>",
                ((field, names.get(sid, f"#{sid}")) for field, sid in obj.evidence.items()),
            ),
        )


def _snapshot_link(snapshot: Snapshot) -> SafeString:
    when = f"{snapshot.observed_at:%Y-%m-%d %H:%M} ({snapshot.get_observed_from_display()})"
    if snapshot.import_job_id is not None:
        url = reverse("admin:metrics_importjob_change", args=[snapshot.import_job_id])
        return format_html('<a href="{}">{}</a>, {}', url, snapshot.label, when)
    return format_html("{}, {}", snapshot.label or snapshot.format_key, when)


@admin.register(Snapshot)
class SnapshotAdmin(_ReadOnlyEvidenceAdmin):
    """Which source looked at an account's data, and when: the later look wins."""

    list_display = [
        "observed_at",
        "account",
        "kind",
        "label",
        "observed_from",
        "import_job",
        "connector",
    ]
    list_filter = ["kind", "observed_from", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["label", "format_key", "key"]
    list_select_related = ["account", "import_job", "connector"]


@admin.register(FollowerActivity)
class FollowerActivityAdmin(_ReadOnlyEvidenceAdmin):
    """Followers online by hour (TikTok's FollowerActivity.csv), kept week after week."""

    list_display = ["date", "hour", "account", "active_followers"]
    list_filter = [("account", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"
    list_select_related = ["account"]


@admin.register(MetricObservation)
class MetricObservationAdmin(_ReadOnlyEvidenceAdmin):
    list_display = ["date", "account", "metric", "value", "source"]
    list_filter = ["metric", "source", ("account", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "date"
    list_select_related = ["account"]


@admin.register(Connector)
class ConnectorAdmin(TeamScopedAdmin):
    """API connectors: credentials go in encrypted and never come back out."""

    form = ConnectorAdminForm
    list_display = ["__str__", "enabled", "interval_minutes", "status", "last_success_at"]
    list_filter = ["kind", "enabled", "credentials_refused"]
    list_select_related = ["account__team"]
    search_fields = ["account__handle"]
    actions = ["sync_now"]
    readonly_fields = [
        "status",
        "stored_credentials",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "retry_after",
        "last_summary",
        "cursor",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        sections: list[Any] = [(None, {"fields": ConnectorAdminForm.Meta.fields})]
        if self.has_change_permission(request, obj):
            names = ConnectorAdminForm.credential_names(obj.kind if obj else None)
            sections.append(("Credentials", {"fields": [*names, "clear_credentials"]}))
        if obj is not None:
            sections.append(("Status", {"fields": self.readonly_fields}))
        return sections

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The credential fields are built per kind when the form starts, not declared.
        kwargs["fields"] = [*ConnectorAdminForm.Meta.fields, "clear_credentials"]
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Connector, form: Any, change: bool) -> None:
        connector_services.connector_save(
            user=request.user,
            connector=obj,
            credentials=form.credentials(),
            clear_credentials=form.cleaned_data.get("clear_credentials", False),
        )

    def delete_model(self, request: HttpRequest, obj: Connector) -> None:
        connector_services.connector_delete(user=request.user, connector=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for connector in queryset:
            connector_services.connector_delete(user=request.user, connector=connector)

    @admin.action(description="Sync now")
    def sync_now(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for connector in queryset.select_related("account__team"):
            if not self.has_change_permission(request, connector):
                continue
            connector_services.connector_sync_enqueue(user=request.user, connector=connector)
            count += 1
        self.message_user(request, f"Queued a sync of {count} connector(s).", messages.SUCCESS)

    @admin.display(description="Status")
    def status(self, obj: Connector) -> str:
        return connector_status(obj).label

    @admin.display(description="Stored credentials")
    def stored_credentials(self, obj: Connector) -> str:
        if not obj.credentials_encrypted:
            return "none"
        try:
            names = sorted(vault.decrypt(obj.credentials_encrypted))
        except vault.CredentialsUnreadable as exc:
            return str(exc)
        return ", ".join(names) + " (values are never shown)"


@admin.register(InboundMention)
class InboundMentionAdmin(_ReadOnlyEvidenceAdmin):
    list_display = ["published_at", "account", "author_handle", "short_text", "answered_at"]
    list_filter = ["needs_answer", "is_reply", ("account", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "author_handle", "platform_id"]
    date_hierarchy = "published_at"
    list_select_related = ["account"]

    @admin.display(description="Text")
    def short_text(self, obj: InboundMention) -> str:
        return obj.text[:80]
