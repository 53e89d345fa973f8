"""The forms of goals: the strategy plan's admin forms (quick period choices, cross-row
checks), the pages' filters, the check-in form and the summary request."""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from goals import numbers, periods, progress
from goals.models import Confidence, KeyResult, Strategy, SummaryFormat
from metrics.models import Account
from metrics.platforms import PLATFORM_LABELS
from teams import access
from teams.models import Team


class PlainDecimalField(forms.DecimalField):
    """A decimal input that shows a stored 4370.0000 as 4370 (and 0.0500 as 0.05); what it
    accepts and stores is unchanged."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return numbers.for_input(value)
        return value


class StrategyAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    quick_period = forms.ChoiceField(
        label="Period",
        required=False,
        help_text="Pick a calendar quarter or half, or leave empty and enter the dates below.",
    )

    class Meta:
        model = Strategy
        fields = [
            "team",
            "name",
            "status",
            "period_start",
            "period_end",
            "purpose",
            "audience",
            "voice",
            "mix_conversation",
            "mix_sharing",
            "mix_helpful",
            "mix_promotional",
            "at_risk_tolerance",
            "stale_after_days",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quick_period = cast(forms.ChoiceField, self.fields["quick_period"])
        quick_period.choices = [
            ("", "Custom dates"),
            *periods.quick_choices(timezone.localdate()),
        ]
        for name in ("period_start", "period_end"):
            if name in self.fields:
                self.fields[name].required = False
        if self.instance.pk and self.instance.period_start and self.instance.period_end:
            code = self.instance.period.code
            if ".." not in code and "-" in code:
                self.initial.setdefault("quick_period", code)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("quick_period")
        if code:
            period = periods.parse(code)
            start, end = data.get("period_start"), data.get("period_end")
            if (start and start != period.start) or (end and end != period.end):
                if self.instance.pk and self.initial.get("quick_period") == code:
                    # Dates were edited by hand; they win over the unchanged quick choice.
                    return data
                raise ValidationError(
                    {
                        "quick_period": f"{period.label} runs {period.start} – {period.end}, "
                        "which does not match the dates entered. Choose “Custom dates” or clear "
                        "the dates."
                    }
                )
            data["period_start"], data["period_end"] = period.start, period.end
            self.instance.period_start, self.instance.period_end = period.start, period.end
        for name in ("period_start", "period_end"):
            if name in self.fields and not data.get(name) and name not in self.errors:
                self.add_error(name, "Enter a date, or pick a quarter or half above.")
        return data


class KeyResultAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    reviewed = forms.BooleanField(
        required=False,
        label="Reviewed",
        help_text="Tick once the baseline and target suit the new period. Saving a new "
        "baseline, target or band counts as the review too.",
    )

    class Meta:
        model = KeyResult
        fields = [
            "objective",
            "name",
            "order",
            "weight",
            "metric_key",
            "window",
            "accounts",
            "direction",
            "baseline",
            "target",
            "band_low",
            "band_high",
            "unit",
            "start_date",
            "due_date",
        ]

    def _post_clean(self) -> None:
        # A copy's review ends when someone writes the plan's numbers or ticks "Reviewed";
        # from then on the model's rules hold in full (KeyResult._direction_errors), so the
        # flag is lowered before the model validates, and raised again if that fails.
        reviewing = self.instance.needs_review and (
            self.cleaned_data.get("reviewed")
            or any(name in self.changed_data for name in KeyResult.PLAN_FIELDS)
        )
        review_note = self.instance.review_note
        if reviewing:
            self.instance.mark_reviewed()
        # The instance (with its objective, hence its team) exists only after
        # ModelForm._post_clean; the many-to-many accounts are checked against it here.
        # Accounts sent with the form replace the saved ones; those are checked below.
        self.instance.replacing_accounts = "accounts" in self.cleaned_data
        super()._post_clean()  # type: ignore[misc]  # Django's hook, not in the stubs
        accounts = self.cleaned_data.get("accounts")
        if accounts is not None:
            try:
                self.instance.validate_accounts(accounts)
            except ValidationError as exc:
                self.add_error(None, exc)
        if reviewing and self.errors:
            self.instance.needs_review, self.instance.review_note = True, review_note


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, read from the query string; choices limited to the user's."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All teams"
    )
    strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.none(), required=False, empty_label="All active strategies"
    )
    status = forms.ChoiceField(required=False)
    platform = forms.ChoiceField(required=False)
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Any owner"
    )
    sort = forms.ChoiceField(required=False, choices=[("", "Plan order"), ("worst", "Worst first")])
    as_of = forms.DateField(
        required=False, label="As of", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = access.visible_teams(user)
        self.fields["team"].queryset = teams.order_by("name")  # type: ignore[attr-defined]
        self.fields["strategy"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Strategy.objects.select_related("team")
        ).order_by("team__name", "-period_start")
        self.fields["owner"].queryset = access.members_of(teams)  # type: ignore[attr-defined]
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", "Any status"),
            *[(s.value, s.label) for s in progress.SEVERITY],
        ]
        cast(forms.ChoiceField, self.fields["platform"]).choices = [
            ("", "Any platform"),
            *PLATFORM_LABELS.items(),
        ]


class CheckInForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=20, decimal_places=4, required=False)
    confidence = forms.ChoiceField(choices=[])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    late_correction = forms.BooleanField(required=False, label="Late correction")

    def __init__(self, *args: Any, due: datetime.date, today: datetime.date, **kwargs: Any) -> None:
        """`due`: the key result's due date; `today`: the day the page is seen as of. The
        date proposed is never after the due date: the period is closed after it."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["confidence"]).choices = Confidence.choices
        self.fields["confidence"].initial = Confidence.MEDIUM
        self.fields["date"].initial = min(today, due)
        self.fields["late_correction"].help_text = (
            f"This key result closes on {due:%-d %b %Y}. A check-in dated after that corrects "
            "the value at the due date: tick this and say in the note what it corrects."
        )


class SummaryRequestForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    quarter = forms.ChoiceField()
    strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.none(),
        required=False,
        empty_label="Every strategy active in the quarter",
    )
    format = forms.ChoiceField()

    def __init__(self, *args: Any, user: Any, today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = access.visible_teams(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["strategy"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Strategy.objects.select_related("team")
        ).order_by("team__name", "-period_start")
        quarters = [
            (code, label.split(" (")[0])
            for code, label in periods.quick_choices(today, years_before=2, years_after=0)
            if "-Q" in code and periods.parse(code).start <= today
        ]
        cast(forms.ChoiceField, self.fields["quarter"]).choices = list(reversed(quarters))
        self.fields["quarter"].initial = periods.quarter_of(
            periods.quarter_of(today).start - timedelta(days=1)
        ).code
        cast(forms.ChoiceField, self.fields["format"]).choices = SummaryFormat.choices
        self.fields["format"].initial = SummaryFormat.PDF

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, strategy = data.get("team"), data.get("strategy")
        if team and strategy and strategy.team_id != team.pk:
            self.add_error("strategy", f"“{strategy}” is a strategy of another team.")
        return data


class StrategyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.team})"


class HealthFilterForm(forms.Form):
    """The conversation and competitor pages' query string; every choice limited to what the
    user may see."""

    strategy = StrategyChoiceField(
        queryset=Strategy.objects.none(),
        required=False,
        empty_label="Most recent active strategy",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="The strategy's team"
    )
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.ModelMultipleChoiceField(queryset=Account.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strategy"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Strategy.objects.select_related("team")
        ).order_by("team__name", "-period_start", "name")
        self.fields["team"].queryset = access.visible_teams(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["account"].queryset = access.visible_to(  # type: ignore[attr-defined]
            user, Account.objects.select_related("team")
        )


class AnnotationForm(forms.Form):
    """An annotation from the key result page: where it shows is one choice, among this key
    result, the whole team and each of the team's accounts."""

    KEY_RESULT = "key_result"
    TEAM = "team"

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text="Only for something that lasted: its last day.",
    )
    title = forms.CharField(strip=True, help_text="e.g. “Campaign launched”.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    show_on = forms.ChoiceField(label="Show on", choices=[])

    def __init__(
        self, *args: Any, key_result: KeyResult, accounts: Any, today: datetime.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.key_result = key_result
        self.accounts = {str(a.pk): a for a in accounts}
        cast(forms.ChoiceField, self.fields["show_on"]).choices = [
            (self.KEY_RESULT, "This key result's chart"),
            (self.TEAM, "Every chart of the team"),
            *((f"account:{pk}", f"Charts of {a}") for pk, a in self.accounts.items()),
        ]
        self.fields["date"].initial = min(today, key_result.due_date)

    def target(self) -> tuple[Account | None, KeyResult | None]:
        """(account, key result) for the service, from the cleaned `show_on`."""
        choice = self.cleaned_data["show_on"]
        if choice == self.KEY_RESULT:
            return None, self.key_result
        if choice.startswith("account:"):
            return self.accounts[choice.removeprefix("account:")], None
        return None, None

    @classmethod
    def initial_for(cls, annotation: Any) -> dict[str, Any]:
        if annotation.key_result_id:
            show_on = cls.KEY_RESULT
        elif annotation.account_id:
            show_on = f"account:{annotation.account_id}"
        else:
            show_on = cls.TEAM
        return {
            "date": annotation.date,
            "end_date": annotation.end_date,
            "title": annotation.title,
            "note": annotation.note,
            "show_on": show_on,
        }
