from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User

from metrics.models import Account, ImportJob
from teams import access
from teams.models import Team


class ImportUploadForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        empty_label="The account named in the file",
        help_text="Needed for files that do not name their account (Meta daily files, "
        "YouTube, LinkedIn) when the team has several accounts on that platform.",
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
