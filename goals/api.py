"""API: strategies, objectives, key results, check-ins, progress and quarterly summaries."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from goals import api_examples, periods, selectors, services
from goals.annotations import services as annotation_services
from goals.models import (
    Annotation,
    CheckIn,
    Confidence,
    KeyResult,
    Objective,
    Strategy,
    SummaryExport,
    SummaryFormat,
    SummaryStatus,
)
from goals.summaries import services as summary_services
from metrics.models import Account
from teams import access
from teams.api import TeamScopedViewSet, model_errors_as_400, scoped
from teams.models import Team


class StrategySerializer(serializers.ModelSerializer[Strategy]):
    class Meta:
        model = Strategy
        fields = [
            "id",
            "team",
            "name",
            "period_start",
            "period_end",
            "status",
            "purpose",
            "audience",
            "voice",
            "mix_conversation",
            "mix_sharing",
            "mix_helpful",
            "mix_promotional",
            "at_risk_tolerance",
            "stale_after_days",
            "copied_from",
        ]
        read_only_fields = ["copied_from"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "team", Team.objects.all())


class ObjectiveSerializer(serializers.ModelSerializer[Objective]):
    class Meta:
        model = Objective
        fields = ["id", "strategy", "title", "description", "owner", "order", "weight"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "strategy", Strategy.objects.all())
        request = self.context.get("request")
        if request is not None and "owner" in self.fields:
            self.fields["owner"].queryset = access.members_of(  # type: ignore[attr-defined]
                access.editable_teams(request.user)
            )


class KeyResultSerializer(serializers.ModelSerializer[KeyResult]):
    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "name",
            "metric_key",
            "accounts",
            "window",
            "direction",
            "baseline",
            "target",
            "band_low",
            "band_high",
            "unit",
            "start_date",
            "due_date",
            "weight",
            "order",
            "needs_review",
            "review_note",
        ]
        read_only_fields = ["needs_review", "review_note"]
        extra_kwargs = {"start_date": {"required": False}, "due_date": {"required": False}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "objective", Objective.objects.all())
        scoped(self, "accounts", Account.objects.all())


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "key_result",
            "date",
            "value",
            "confidence",
            "note",
            "late_correction",
            "author",
            "created_at",
        ]
        read_only_fields = ["author", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "key_result", KeyResult.objects.all())


@api_examples.crud("Strategy", api_examples.STRATEGY)
class StrategyViewSet(TeamScopedViewSet):
    serializer_class = StrategySerializer
    base_queryset = Strategy.objects.order_by("-period_start", "name")
    filterset_fields = ["team", "status"]
    ordering_fields = ["period_start", "name"]

    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD; default today")],
        examples=[
            OpenApiExample(
                "Progress",
                response_only=True,
                value={
                    "strategy": 2,
                    "as_of": "2026-09-30",
                    "progress": 0.79,
                    "objectives": [
                        {
                            "objective": 5,
                            "title": "Talk with people, not at them",
                            "progress": 0.71,
                            "key_results": [],
                        }
                    ],
                },
            )
        ],
        responses=inline_serializer(
            "StrategyProgress",
            {
                "progress": serializers.FloatField(allow_null=True),
                "objectives": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=True)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """The strategy's progress, its objectives' and key results' (as the dashboard)."""
        strategy = self.get_object()
        today = _as_of(request)
        rows = selectors.dashboard(
            request.user, today=today, filters=selectors.DashboardFilters(strategy=strategy.pk)
        )
        row = rows[0]
        return Response(
            {
                "strategy": strategy.pk,
                "as_of": today.isoformat(),
                "progress": row.progress,
                "objectives": [
                    {
                        "objective": o.objective.pk,
                        "title": o.objective.title,
                        "progress": o.progress,
                        "key_results": [_kr_progress(kr) for kr in o.key_results],
                    }
                    for o in row.objectives
                ],
            }
        )


@api_examples.crud("Objective", api_examples.OBJECTIVE)
class ObjectiveViewSet(TeamScopedViewSet):
    serializer_class = ObjectiveSerializer
    base_queryset = Objective.objects.select_related("strategy").order_by("strategy", "order")
    filterset_fields = ["strategy", "owner"]
    ordering_fields = ["order", "title"]

    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD; default today")],
        examples=[
            OpenApiExample(
                "Progress",
                response_only=True,
                value={
                    "objective": 5,
                    "title": "Talk with people, not at them",
                    "as_of": "2026-09-30",
                    "progress": 0.71,
                    "key_results": [],
                },
            )
        ],
        responses=inline_serializer(
            "ObjectiveProgress",
            {
                "objective": serializers.IntegerField(),
                "progress": serializers.FloatField(allow_null=True),
                "key_results": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=True)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """The objective's progress (weighted mean of its key results) and theirs."""
        objective = self.get_object()
        today = _as_of(request)
        rows = selectors.dashboard(
            request.user,
            today=today,
            filters=selectors.DashboardFilters(strategy=objective.strategy_id),
        )
        row = next(o for o in rows[0].objectives if o.objective.pk == objective.pk)
        return Response(
            {
                "objective": objective.pk,
                "title": objective.title,
                "as_of": today.isoformat(),
                "progress": row.progress,
                "key_results": [_kr_progress(kr) for kr in row.key_results],
            }
        )


@api_examples.crud("Key result", api_examples.KEY_RESULT)
class KeyResultViewSet(TeamScopedViewSet):
    serializer_class = KeyResultSerializer
    base_queryset = (
        KeyResult.objects.select_related("objective__strategy")
        .prefetch_related("accounts")
        .order_by("objective", "order", "pk")
    )
    filterset_fields = [
        "objective",
        "objective__strategy",
        "metric_key",
        "direction",
        "needs_review",
    ]
    ordering_fields = ["order", "name", "due_date"]

    def perform_update(self, serializer: serializers.BaseSerializer[KeyResult]) -> None:
        # As in the admin: writing the plan's numbers is the review a copy asked for.
        kr = cast(KeyResult, serializer.instance)
        if kr.needs_review and set(KeyResult.PLAN_FIELDS) & set(serializer.validated_data):
            kr.mark_reviewed()
        super().perform_update(serializer)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD; default today")],
        examples=[
            OpenApiExample(
                "On track",
                response_only=True,
                value={
                    "key_result": 8,
                    "name": "Reply share reaches 8%",
                    "status": "on_track",
                    "current": 7.1,
                    "as_of": "2026-09-15",
                    "progress": 0.7,
                    "expected": 7.5,
                    "expected_progress": 0.83,
                    "reached_on": None,
                    "required_per_week": 0.45,
                    "forecast": {
                        "at_due": 8.3,
                        "low": 7.6,
                        "high": 9.0,
                        "reach_date": "2026-09-24",
                        "required_per_week": 0.45,
                    },
                },
            )
        ],
        responses=inline_serializer(
            "KeyResultProgress",
            {
                "key_result": serializers.IntegerField(),
                "status": serializers.CharField(),
                "current": serializers.FloatField(allow_null=True),
                "progress": serializers.FloatField(allow_null=True),
                "expected": serializers.FloatField(allow_null=True),
                "as_of": serializers.DateField(allow_null=True),
                "reached_on": serializers.DateField(
                    allow_null=True, help_text="First day the data reached the target."
                ),
                "required_per_week": serializers.FloatField(allow_null=True),
                "forecast": serializers.JSONField(
                    allow_null=True,
                    help_text="at_due, low, high (90% interval), reach_date; null when there "
                    "is not enough data (fewer than 4 days or a span under 7 days).",
                ),
            },
        ),
    )
    def get_queryset(self) -> models.QuerySet[KeyResult]:
        queryset = super().get_queryset()
        if self.action == "progress":
            # The assessment reads the strategy and its team, the accounts and the
            # check-ins: with the row, rather than fetching the key result twice.
            return selectors.key_results_with_relations(queryset)
        return queryset

    @action(detail=True)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """The key result's numbers, exactly as on its page."""
        kr = self.get_object()
        row = selectors.assess_key_results([kr], today=_as_of(request))[kr.pk]
        return Response(_kr_progress(row))


@api_examples.crud("Check-in", api_examples.CHECK_IN)
class CheckInViewSet(TeamScopedViewSet):
    serializer_class = CheckInSerializer
    base_queryset = CheckIn.objects.select_related("key_result").order_by("-date")
    filterset_fields = ["key_result"]
    ordering_fields = ["date"]

    # Check-ins are written by the one service the page and the admin use too.
    def perform_create(self, serializer: serializers.BaseSerializer[CheckIn]) -> None:
        data = serializer.validated_data
        with model_errors_as_400():
            serializer.instance = services.check_in_create(
                user=self.request.user,
                key_result=data["key_result"],
                day=data["date"],
                value=data.get("value"),
                confidence=data.get("confidence", Confidence.MEDIUM),
                note=data.get("note", ""),
                late_correction=data.get("late_correction", False),
            )

    def perform_update(self, serializer: serializers.BaseSerializer[CheckIn]) -> None:
        check_in = cast(CheckIn, serializer.instance)  # an update has the row it changes
        data = serializer.validated_data  # a PATCH leaves the other fields as they are
        with model_errors_as_400():
            serializer.instance = services.check_in_update(
                user=self.request.user,
                check_in=check_in,
                key_result=data.get("key_result", check_in.key_result),
                day=data.get("date", check_in.date),
                value=data.get("value", check_in.value),
                confidence=data.get("confidence", check_in.confidence),
                note=data.get("note", check_in.note),
                late_correction=data.get("late_correction", check_in.late_correction),
            )


class AnnotationSerializer(serializers.ModelSerializer[Annotation]):
    class Meta:
        model = Annotation
        fields = [
            "id",
            "team",
            "account",
            "key_result",
            "date",
            "end_date",
            "title",
            "note",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        # The model's rules (clean) judge the title, so the message is the same everywhere.
        extra_kwargs = {"title": {"max_length": None, "allow_blank": True}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "team", Team.objects.all())
        scoped(self, "account", Account.objects.all())
        scoped(self, "key_result", KeyResult.objects.all())


@api_examples.crud("Annotation", api_examples.ANNOTATION)
class AnnotationViewSet(TeamScopedViewSet):
    """Dated annotations on the charts: team-wide, or for one account or key result."""

    serializer_class = AnnotationSerializer
    base_queryset = Annotation.objects.order_by("date", "pk")
    filterset_fields = ["team", "account", "key_result"]
    ordering_fields = ["date", "title"]

    # Annotations are written by the one service the page and the admin use too.
    def perform_create(self, serializer: serializers.BaseSerializer[Annotation]) -> None:
        data = serializer.validated_data
        with model_errors_as_400():
            serializer.instance = annotation_services.annotation_create(
                user=self.request.user,
                team=data["team"],
                day=data["date"],
                title=data["title"],
                end_date=data.get("end_date"),
                note=data.get("note", ""),
                account=data.get("account"),
                key_result=data.get("key_result"),
            )

    def perform_update(self, serializer: serializers.BaseSerializer[Annotation]) -> None:
        annotation = cast(Annotation, serializer.instance)
        data = serializer.validated_data  # a PATCH leaves the other fields as they are
        with model_errors_as_400():
            serializer.instance = annotation_services.annotation_update(
                user=self.request.user,
                annotation=annotation,
                team=data.get("team", annotation.team),
                day=data.get("date", annotation.date),
                title=data.get("title", annotation.title),
                end_date=data.get("end_date", annotation.end_date),
                note=data.get("note", annotation.note),
                account=data.get("account", annotation.account),
                key_result=data.get("key_result", annotation.key_result),
            )

    def perform_destroy(self, instance: models.Model) -> None:
        annotation = cast(Annotation, instance)
        annotation_services.annotation_delete(user=self.request.user, annotation=annotation)


def _as_of(request: Request) -> date:
    raw = request.query_params.get("as_of")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"as_of": "Use a date like 2026-09-30."}) from None


def _kr_progress(row: selectors.KeyResultProgress) -> dict[str, Any]:
    a = row.assessment
    forecast = a.forecast
    return {
        "key_result": row.key_result.pk,
        "name": row.key_result.name,
        "status": a.status.value,
        "current": a.current,
        "as_of": a.as_of.isoformat() if a.as_of else None,
        "progress": a.progress,
        "expected": a.expected,
        "expected_progress": a.expected_progress,
        "reached_on": a.reached_on.isoformat() if a.reached_on else None,
        "required_per_week": a.required_per_week,
        "forecast": None
        if forecast is None
        else {
            "at_due": forecast.at_due,
            "low": forecast.low,
            "high": forecast.high,
            "reach_date": forecast.reach_date.isoformat() if forecast.reach_date else None,
            "required_per_week": a.required_per_week,  # kept here for older clients
        },
    }


class SummarySerializer(serializers.ModelSerializer[SummaryExport]):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = SummaryExport
        fields = [
            "id",
            "team",
            "strategy",
            "quarter",
            "format",
            "version",
            "status",
            "message",
            "created_at",
            "finished_at",
            "file_url",
        ]
        read_only_fields = fields

    def get_file_url(self, export: SummaryExport) -> str | None:
        if export.status != SummaryStatus.READY:
            return None
        return reverse("api:summary-file", args=[export.pk], request=self.context.get("request"))


class SummaryRequestSerializer(serializers.Serializer[Any]):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none())
    quarter = serializers.RegexField(r"^\d{4}-?[Qq][1-4]$", help_text="e.g. 2026Q3")
    format = serializers.ChoiceField(choices=SummaryFormat.choices)
    strategy = serializers.PrimaryKeyRelatedField(
        queryset=Strategy.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator describes the fields without a request
            return
        user = request.user
        self.fields["team"].queryset = access.visible_teams(user)  # type: ignore[attr-defined]
        self.fields["strategy"].queryset = access.visible_to(user, Strategy.objects.all())  # type: ignore[attr-defined]


@api_examples.read("Summary", api_examples.SUMMARY)
class SummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Request a quarterly summary (202), poll it, download the file."""

    serializer_class = SummarySerializer
    filterset_fields = ["team", "quarter", "format", "status"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> models.QuerySet[SummaryExport]:
        return access.visible_to(self.request.user, SummaryExport.objects.all())

    @extend_schema(
        request=SummaryRequestSerializer,
        responses={
            202: SummarySerializer,
            200: OpenApiResponse(
                SummarySerializer,
                description="The same summary is already queued or being generated: that one.",
            ),
            429: OpenApiResponse(
                description="The team asked for SUMMARY_REQUESTS_PER_HOUR summaries in the "
                "last hour; Retry-After says when to ask again."
            ),
        },
        examples=[
            OpenApiExample(
                "Ask for Q3 as PDF",
                request_only=True,
                value={"team": 1, "quarter": "2026Q3", "format": "pdf"},
            ),
            OpenApiExample(
                "Accepted",
                response_only=True,
                status_codes=["202"],
                value={**api_examples.SUMMARY, "status": "pending", "file_url": None},
            ),
        ],
    )
    def create(self, request: Request) -> Response:
        asked = SummaryRequestSerializer(data=request.data, context={"request": request})
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        if data.get("strategy") is not None and data["strategy"].team_id != data["team"].pk:
            raise serializers.ValidationError({"strategy": "Not a strategy of this team."})
        try:
            export, new = summary_services.summary_export_request(
                user=request.user,
                team=data["team"],
                quarter=periods.parse(data["quarter"]),
                fmt=data["format"],
                strategy=data.get("strategy"),
            )
        except summary_services.SummaryRateLimited as exc:
            # 429 with Retry-After, through DRF's own handler.
            raise exceptions.Throttled(wait=exc.retry_after, detail=str(exc)) from exc
        export.refresh_from_db()
        body = SummarySerializer(export, context={"request": request}).data
        url = reverse("api:summary-detail", args=[export.pk], request=request)
        # The same request still queued or being generated: that one, not a second copy.
        code = status.HTTP_202_ACCEPTED if new else status.HTTP_200_OK
        return Response(body, status=code, headers={"Location": url})

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True)
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        export = self.get_object()
        if export.status != SummaryStatus.READY:
            raise Http404("The summary is not ready.")
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.download_name,
            content_type=summary_services.summary_content_type(export.format),
        )
