"""Admin for alert settings and team webhooks (scoped to the user's teams as every admin).

A webhook's signing secret is generated when it is added and shown once, in the message
after saving; "New secret" replaces it. It is stored encrypted (goals.alerts.secrets) and
never shown again. The URL is checked by the connectors' SSRF guard before it is saved.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from goals.alerts.models import AlertSettings, EventKind, Webhook
from goals.alerts.secrets import new_secret, secret_store
from metrics.connectors.base import RequestRefused
from metrics.connectors.sync import public_host_guard
from teams.admin_scoping import TeamScopedAdmin, cached_team_ids


class WebhookAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    events = forms.MultipleChoiceField(
        choices=[(k.value, k.label) for k in EventKind if k != EventKind.DIGEST],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )
    new_secret = forms.BooleanField(
        required=False, help_text="Replace the signing secret (shown once after saving)."
    )

    class Meta:
        model = Webhook
        fields = ["team", "name", "format", "url", "events", "enabled"]

    url = forms.URLField(max_length=500, assume_scheme="https")

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        host = urlsplit(url).hostname or ""
        try:
            public_host_guard(host)
        except RequestRefused as exc:
            raise ValidationError(str(exc)) from None
        return url


@admin.register(Webhook)
class WebhookAdmin(TeamScopedAdmin):
    form = WebhookAdminForm
    list_display = ["name", "team", "format", "enabled", "failing_since"]
    list_filter = ["format", "enabled"]
    readonly_fields = ["failing_since", "last_error"]

    # Webhooks send the team's news out of the app: owners manage them, as members.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(cached_team_ids(request, "managed"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return bool(cached_team_ids(request, "managed"))
        return obj.team_id in cached_team_ids(request, "managed")

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        if not change or form.cleaned_data.get("new_secret"):
            secret = new_secret()
            obj.secret_encrypted = secret_store(secret)
            messages.warning(
                request,
                f"Signing secret of “{obj.name}” (shown once, copy it now): {secret}",
            )
        super().save_model(request, obj, form, change)


@admin.register(AlertSettings)
class AlertSettingsAdmin(TeamScopedAdmin):
    list_display = ["team", "answer_target_hours", "business_hours_only", "morning_hour"]
