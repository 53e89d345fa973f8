from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from goals import numbers, services
from goals.annotations import services as annotation_services
from goals.forms import KeyResultAdminForm, PlainDecimalField, StrategyAdminForm
from goals.models import Annotation, CheckIn, KeyResult, Objective, Strategy
from teams import access
from teams.admin_scoping import (
    TeamScopedAdmin,
    TeamScopedInlineMixin,
    default_team_initial,
)


def number_display(field: str, label: str) -> Any:
    """A read-only column or field showing a decimal as people say it (4,370)."""

    @admin.display(description=label, ordering=field)
    def display(self: Any, obj: Any) -> str:
        return numbers.plain(getattr(obj, field))

    return display


class PlainNumbersMixin:
    """Decimals as people say them wherever the admin shows them: the inputs hold 4370, not
    4370.0000, and a viewer (who may look, not change) reads 4,370. `number_fields` names
    the decimal fields; each has a `<field>_display` method (number_display)."""

    number_fields: tuple[str, ...] = ()
    formfield_overrides: ClassVar[Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]] = {
        models.DecimalField: {"form_class": PlainDecimalField}
    }

    def _shown_read_only(self, request: HttpRequest, obj: Any) -> bool:
        return not self.has_change_permission(request, obj)  # type: ignore[attr-defined]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if not self._shown_read_only(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": _displayed(options["fields"], self.number_fields)})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if self._shown_read_only(request, obj):
            fields += [f"{name}_display" for name in self.number_fields]
        return fields


def _displayed(fields: Any, numbers_: tuple[str, ...]) -> list[Any]:
    """Fieldset field names with each number field replaced by its display (rows kept)."""
    return [
        tuple(_displayed(list(item), numbers_))
        if isinstance(item, list | tuple)
        else (f"{item}_display" if item in numbers_ else item)
        for item in fields
    ]


class KeyResultDisplays(PlainNumbersMixin):
    """What the key result admin and its inline on the objective page show read-only."""

    number_fields = ("baseline", "target", "band_low", "band_high", "weight")
    baseline_display = number_display("baseline", "Baseline")
    target_display = number_display("target", "Target")
    band_low_display = number_display("band_low", "Band from")
    band_high_display = number_display("band_high", "Band to")
    weight_display = number_display("weight", "Weight")

    @admin.display(description="Review", ordering="needs_review")
    def review(self, obj: KeyResult) -> SafeString | str:
        """“Needs review” and the copy's note, or nothing once reviewed."""
        if not obj.needs_review:
            return ""
        return format_html(
            '<strong class="needs-review">Needs review</strong><br><span>{}</span>',
            obj.review_note,
        )


class CheckInDisplays(PlainNumbersMixin):
    number_fields = ("value",)
    value_display = number_display("value", "Value")


class ObjectiveInline(TeamScopedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Objective
    fields = ["order", "title", "owner", "weight"]
    extra = 0
    show_change_link = True


class KeyResultInline(KeyResultDisplays, TeamScopedInlineMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = KeyResult
    form = KeyResultAdminForm
    extra = 0
    show_change_link = True
    filter_horizontal = ["accounts"]
    fields = [
        "review",
        ("name", "order", "weight"),
        ("metric_key", "window"),
        "accounts",
        ("direction", "baseline", "target"),
        ("band_low", "band_high", "unit"),
        ("start_date", "due_date"),
    ]
    readonly_fields = ["review"]


class CheckInInline(CheckInDisplays, TeamScopedInlineMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = CheckIn
    fields = ["date", "value", "confidence", "note", "late_correction", "author"]
    readonly_fields = ["author"]
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(TeamScopedAdmin):
    form = StrategyAdminForm
    list_display = ["name", "team", "period_label", "status", "mix_summary"]
    list_filter = ["status", ("team", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "purpose"]
    date_hierarchy = "period_start"
    inlines = [ObjectiveInline]
    readonly_fields = ["key_results_overview", "copied_from"]
    actions = ["copy_to_next_period"]
    fieldsets = [
        (None, {"fields": ["team", "name", "status", "copied_from"]}),
        ("Period", {"fields": ["quick_period", ("period_start", "period_end")]}),
        ("The plan", {"fields": ["purpose", "audience", "voice"]}),
        (
            "Planned content mix (must add up to 100%)",
            {"fields": [("mix_conversation", "mix_sharing", "mix_helpful", "mix_promotional")]},
        ),
        ("Progress settings", {"fields": [("at_risk_tolerance", "stale_after_days")]}),
        ("Key results", {"fields": ["key_results_overview"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Strategy]:
        return super().get_queryset(request).select_related("team")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**default_team_initial(request), **super().get_changeform_initial_data(request)}

    @admin.display(description="Period", ordering="period_start")
    def period_label(self, obj: Strategy) -> str:
        return obj.period.label

    @admin.display(description="Mix (conv / share / help / promo)")
    def mix_summary(self, obj: Strategy) -> str:
        return " / ".join(f"{v}%" for v in obj.mix.values())

    @admin.display(description="Key results by objective")
    def key_results_overview(self, obj: Strategy) -> SafeString | str:
        if not obj.pk:
            return "Save the strategy and add objectives first."
        objectives = obj.objectives.prefetch_related("key_results")
        blocks = []
        for objective in objectives:
            rows = format_html_join(
                "",
                '<li><a href="{}">{}</a> — {}</li>',
                (
                    (
                        reverse("admin:goals_keyresult_change", args=[kr.pk]),
                        kr.name,
                        kr.get_metric_key_display(),
                    )
                    for kr in objective.key_results.all()
                ),
            )
            blocks.append(
                format_html(
                    '<p><strong><a href="{}">{}</a></strong> · '
                    '<a href="{}?objective={}">add a key result</a></p><ul>{}</ul>',
                    reverse("admin:goals_objective_change", args=[objective.pk]),
                    objective.title,
                    reverse("admin:goals_keyresult_add"),
                    objective.pk,
                    rows or format_html("<li>{}</li>", "No key results yet."),
                )
            )
        if not blocks:
            return "No objectives yet: add them below."
        return format_html_join("", "{}", ((b,) for b in blocks))

    @admin.action(description="Copy to next period (as a draft)", permissions=["change"])
    def copy_to_next_period(
        self, request: HttpRequest, queryset: models.QuerySet[Strategy]
    ) -> None:
        allowed = access.editable_by(request.user, queryset)
        skipped = queryset.count() - allowed.count()
        for strategy in allowed:
            try:
                result = services.strategy_copy_to_next_period(strategy=strategy, user=request.user)
            except services.AlreadyCopied as exc:
                url = reverse("admin:goals_strategy_change", args=[exc.existing.pk])
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">Open “{}”</a>.', exc.message, url, exc.existing.name
                    ),
                    messages.ERROR,
                )
                continue
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            self.message_user(request, _copied_message(strategy, result), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} strategy(ies) not copied: you may only look at them.",
                messages.WARNING,
            )


def _copied_message(strategy: Strategy, result: services.CopyResult) -> SafeString:
    """The copy, linked, with each key result's old baseline → new one (and why)."""
    url = reverse("admin:goals_strategy_change", args=[result.strategy.pk])
    to_review = sum(1 for r in result.rebased if r.key_result.needs_review)
    lines = format_html_join("", "<li>{}</li>", ((r.line,) for r in result.rebased))
    return format_html(
        'Copied “{}” to <a href="{}">{}</a> ({} objectives, {} key results; {} to review '
        "before it can be activated). Baselines: <ul>{}</ul>",
        strategy.name,
        url,
        result.strategy.name,
        result.objectives,
        result.key_results,
        to_review,
        lines or format_html("<li>{}</li>", "no key results"),
    )


@admin.register(Objective)
class ObjectiveAdmin(TeamScopedAdmin):
    list_display = ["title", "strategy", "owner", "order", "weight"]
    list_filter = [("strategy", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "description"]
    fields = ["strategy", "title", "description", "owner", ("order", "weight")]
    inlines = [KeyResultInline]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Objective]:
        return super().get_queryset(request).select_related("strategy", "owner")


@admin.register(KeyResult)
class KeyResultAdmin(KeyResultDisplays, TeamScopedAdmin):
    form = KeyResultAdminForm
    list_display = [
        "name",
        "objective",
        "metric_key",
        "direction",
        "baseline_display",
        "target_display",
        "due_date",
        "review",
    ]
    list_filter = [
        "needs_review",
        "direction",
        "metric_key",
        ("objective__strategy", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name"]
    filter_horizontal = ["accounts"]
    inlines = [CheckInInline]
    fieldsets = [
        (None, {"fields": ["objective", "name", ("order", "weight")]}),
        ("What is measured", {"fields": [("metric_key", "window"), "accounts"]}),
        (
            "Target",
            {"fields": [("direction", "baseline", "target"), ("band_low", "band_high"), "unit"]},
        ),
        ("Dates", {"fields": [("start_date", "due_date")]}),
    ]
    readonly_fields = ["review"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[KeyResult]:
        return super().get_queryset(request).select_related("objective__strategy")

    def get_fieldsets(self, request: HttpRequest, obj: KeyResult | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.needs_review:
            return fieldsets
        fields = ["review"]
        if self.has_change_permission(request, obj):
            fields.append("reviewed")
        return [("Review after the copy", {"fields": fields}), *fieldsets]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not CheckIn:
            super().save_formset(request, form, formset, change)
            return
        # The forms have validated the rows with the model's rules; the service writes them.
        formset.save(commit=False)
        for check_in in formset.deleted_objects:
            check_in.delete()
        for check_in, _fields in formset.changed_objects:
            save_check_in(request, check_in)
        formset.new_objects = [save_check_in(request, c) for c in formset.new_objects]


@admin.register(CheckIn)
class CheckInAdmin(CheckInDisplays, TeamScopedAdmin):
    list_display = [
        "key_result",
        "date",
        "value_display",
        "confidence",
        "late_correction",
        "author",
    ]
    list_filter = ["confidence", "late_correction"]
    fields = ["key_result", "date", "value", "confidence", "note", "late_correction", "author"]
    readonly_fields = ["author"]

    def save_model(self, request: HttpRequest, obj: CheckIn, form: Any, change: bool) -> None:
        saved = save_check_in(request, obj)
        if saved is not obj:
            # A new row: the admin goes on with its own object (the log entry, the redirect).
            obj.pk = saved.pk
            obj.refresh_from_db()  # the author and time the service recorded
            obj._state.adding = False


def save_check_in(request: HttpRequest, check_in: CheckIn) -> CheckIn:
    """Write a check-in an admin form has filled in through the service every surface uses:
    a new one is created (and returned), an existing one is updated in place."""
    if check_in._state.adding:
        return services.check_in_create(
            user=request.user,
            key_result=check_in.key_result,
            day=check_in.date,
            value=check_in.value,
            confidence=check_in.confidence,
            note=check_in.note,
            late_correction=check_in.late_correction,
        )
    return services.check_in_update(
        user=request.user,
        check_in=check_in,
        key_result=check_in.key_result,
        day=check_in.date,
        value=check_in.value,
        confidence=check_in.confidence,
        note=check_in.note,
        late_correction=check_in.late_correction,
    )


@admin.register(Annotation)
class AnnotationAdmin(TeamScopedAdmin):
    list_display = ["title", "date", "end_date", "team", "account", "key_result", "created_by"]
    list_filter = [("team", admin.RelatedOnlyFieldListFilter), "date"]
    search_fields = ["title", "note"]
    date_hierarchy = "date"
    fields = [
        "team",
        ("date", "end_date"),
        "title",
        "note",
        ("account", "key_result"),
        "created_by",
    ]
    readonly_fields = ["created_by"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Annotation]:
        return (
            super()
            .get_queryset(request)
            .select_related("team", "account", "key_result", "created_by")
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**default_team_initial(request), **super().get_changeform_initial_data(request)}

    # The form has validated the row with the model's rules; the service writes it.
    def save_model(self, request: HttpRequest, obj: Annotation, form: Any, change: bool) -> None:
        if change:
            annotation_services.annotation_update(
                user=request.user,
                annotation=obj,
                team=obj.team,
                day=obj.date,
                title=obj.title,
                end_date=obj.end_date,
                note=obj.note,
                account=obj.account,
                key_result=obj.key_result,
            )
            return
        saved = annotation_services.annotation_create(
            user=request.user,
            team=obj.team,
            day=obj.date,
            title=obj.title,
            end_date=obj.end_date,
            note=obj.note,
            account=obj.account,
            key_result=obj.key_result,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()  # the author and times the service recorded
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Annotation) -> None:
        annotation_services.annotation_delete(user=request.user, annotation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Annotation]) -> None:
        for annotation in queryset:
            annotation_services.annotation_delete(user=request.user, annotation=annotation)


# Alerts' admin lives with the feature (goals/alerts/admin.py).
from goals.alerts import admin as alert_admin  # noqa: E402, F401
