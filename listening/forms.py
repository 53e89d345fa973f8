"""Forms for the listening pages and the admin: topics, settings, the people filters."""

from __future__ import annotations

from typing import Any

from django import forms

from listening.models import ListeningSettings, Topic, listened_platform_choices
from listening.selectors import State
from teams import access
from teams.models import Team

# A pasted word list is refused with a clear message long before it reaches the database.
MAX_FIELD_CHARS = 20_000


def _bounded(value: str, label: str) -> str:
    if len(value) > MAX_FIELD_CHARS:
        raise forms.ValidationError(
            f"{label} is {len(value):,} characters long; at most {MAX_FIELD_CHARS:,} (and 100 "
            "terms per topic). Split it into several topics."
        )
    return value


class TopicForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Topic
        fields = [
            "team",
            "name",
            "keywords",
            "hashtags",
            "excluded_words",
            "languages",
            "is_active",
        ]
        widgets = {
            "keywords": forms.Textarea(attrs={"rows": 3}),
            "hashtags": forms.Textarea(attrs={"rows": 2}),
            "excluded_words": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = access.editable_teams(user).order_by("name")
        team_field: Any = self.fields["team"]
        team_field.queryset = teams
        if self.instance.pk is not None:
            team_field.disabled = True
        elif teams.count() == 1:
            team_field.initial = teams.first()

    def clean_keywords(self) -> str:
        return _bounded(self.cleaned_data.get("keywords", ""), "Keywords")

    def clean_hashtags(self) -> str:
        return _bounded(self.cleaned_data.get("hashtags", ""), "Hashtags")

    def clean_excluded_words(self) -> str:
        return _bounded(self.cleaned_data.get("excluded_words", ""), "Excluded words")


class ListeningSettingsAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    app_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="A Bluesky app password (Settings → Privacy and security → App passwords), "
        "stored encrypted and never shown again. Leave empty to keep the stored one.",
    )
    clear_password = forms.BooleanField(required=False, label="Remove the stored app password")

    class Meta:
        model = ListeningSettings
        fields = [
            "team",
            "mastodon_instances",
            "retention_days",
            "bluesky_identifier",
            "bluesky_pds_url",
        ]


class PeopleFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), required=False)
    platform = forms.ChoiceField(
        choices=[("", "All platforms"), *listened_platform_choices()], required=False
    )
    state = forms.ChoiceField(choices=[("", "All but dismissed"), *State.CHOICES], required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field: Any = self.fields["team"]
        team_field.queryset = access.visible_teams(user).order_by("name")
        topic_field: Any = self.fields["topic"]
        topic_field.queryset = access.visible_to(user, Topic.objects.order_by("name"))
