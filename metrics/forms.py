from __future__ import annotations

from typing import Any

import httpx
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User

from metrics import connectors
from metrics.connectors import credentials as vault
from metrics.connectors.base import ConnectorError
from metrics.connectors.sync import public_host_guard, team_credentials
from metrics.models import Account, Connector, ImportJob
from teams import access
from teams.models import Team


class ImportUploadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        empty_label="The account named in the file",
        help_text="Needed for files that do not name their account (Meta daily files, "
        "YouTube, LinkedIn) when the team has several own accounts on that platform.",
    )
    file = forms.FileField(
        help_text="An export file, a zip of one, or the platform's zip as downloaded "
        f"(up to {settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024} MB)."
    )

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = access.editable_teams(user).order_by("name")
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["account"].queryset = access.editable_by(  # type: ignore[attr-defined]
            user, Account.objects.select_related("team")
        ).order_by("team__name", "platform", "handle")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, account = data.get("team"), data.get("account")
        if team and account and account.team_id != team.pk:
            self.add_error("account", f"{account} is not an account of {team}.")
        upload = data.get("file")
        if upload is not None and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            self.add_error(
                "file",
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
            )
        return data

    def create_job(self, user: User | AnonymousUser) -> ImportJob | None:
        """Queue the import of a valid form; None with the reason added to the form."""
        from metrics import services
        from metrics.importers.common import ImportFailed

        try:
            return services.import_job_create(
                team=self.cleaned_data["team"],
                user=user,
                upload=self.cleaned_data["file"],
                account=self.cleaned_data["account"],
            )
        except ImportFailed as exc:
            self.add_error("file", str(exc))
            return None


class ImportRetryForm(forms.Form):
    """Which of the team's own accounts a file that names none belongs to."""

    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label=None)

    def __init__(self, *args: Any, accounts: list[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in accounts]
        ).order_by("handle")


class ConnectorAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """A connector with a password field per credential of each platform: values are
    written encrypted and never shown back; leaving a field blank keeps what is stored."""

    base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=200,
        label="Base URL",
        help_text=Connector._meta.get_field("base_url").help_text,
    )
    clear_credentials = forms.BooleanField(
        required=False, help_text="Forget every stored credential of this connector."
    )

    class Meta:
        model = Connector
        fields = ["account", "kind", "base_url", "enabled", "interval_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored: set[str] = set()
        if self.instance.pk and self.instance.credentials_encrypted:
            try:
                stored = set(vault.decrypt(self.instance.credentials_encrypted))
            except vault.CredentialsUnreadable:
                stored = set()
        kinds = self._kinds(self.instance.kind if self.instance.pk else None)
        for kind in kinds:
            spec = connectors.get(kind)
            for field in spec.credential_fields:
                state = "stored; leave blank to keep it" if field.name in stored else "not set"
                required = "required" if field.required else "optional"
                hint = f"{field.help_text} " if field.help_text else ""
                self.fields[self.credential_field_name(kind, field.name)] = forms.CharField(
                    label=f"{spec.label}: {field.label}" if len(kinds) > 1 else field.label,
                    required=False,
                    strip=True,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                    help_text=f"{hint}({required}; {state})",
                )

    @staticmethod
    def credential_field_name(kind: str, name: str) -> str:
        return f"credential_{kind}_{name}"

    @staticmethod
    def _kinds(kind: str | None) -> list[str]:
        return [kind] if kind else list(connectors.specs())

    @classmethod
    def credential_names(cls, kind: str | None) -> list[str]:
        """The credential fields the form has: the connector's kind's, or every kind's."""
        return [
            cls.credential_field_name(k, field.name)
            for k in cls._kinds(kind)
            for field in connectors.get(k).credential_fields
        ]

    def credentials(self) -> dict[str, str]:
        """The credential values entered for the chosen kind."""
        kind = self.cleaned_data.get("kind") or self.instance.kind
        if not kind:
            return {}
        return {
            field.name: self.cleaned_data.get(self.credential_field_name(kind, field.name), "")
            for field in connectors.get(kind).credential_fields
        }

    def clean_base_url(self) -> str:
        url: str = self.cleaned_data.get("base_url") or ""
        if url:
            host = httpx.URL(url).host
            try:
                public_host_guard(host)
            except ConnectorError as exc:
                raise forms.ValidationError(str(exc)) from None
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind and not self.instance.pk:
            spec = connectors.get(kind)
            entered = self.credentials()
            account = data.get("account")
            if account is not None and account.is_competitor:
                # A competitor's connector may use the team's own key or token (sync.py).
                probe = Connector(account=account, kind=kind)
                given = {name: value for name, value in entered.items() if value}
                entered = {**team_credentials(probe, spec), **given}
            for field in spec.credential_fields:
                if field.required and not entered.get(field.name):
                    self.add_error(
                        self.credential_field_name(kind, field.name),
                        f"A {spec.label} connector needs the {field.label}.",
                    )
        return data


class WaitingFilterForm(forms.Form):
    """The people-waiting page's filters; choices limited to the user's own accounts."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All my teams"
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, empty_label="All own accounts"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = access.visible_teams(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["account"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Account.objects.own().select_related("team")
        )
