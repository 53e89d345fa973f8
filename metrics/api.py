"""API: accounts, posts, daily observations (with bulk ingestion), import jobs, connectors
and inbound mentions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters  # type: ignore[import-untyped]
from django.db import models
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from metrics import api_examples, catalog, services
from metrics.connectors import services as connector_services
from metrics.connectors.status import connector_status
from metrics.importers.common import ImportFailed
from metrics.ingest import bounds
from metrics.ingest.precedence import COUNT_FIELDS
from metrics.ingest.session import accepted_window
from metrics.models import (
    Account,
    Connector,
    ImportJob,
    InboundMention,
    MetricObservation,
    Post,
    Snapshot,
    SnapshotKind,
)
from teams import access
from teams.api import TeamScopedViewSet, scoped
from teams.models import Team


class AccountSerializer(serializers.ModelSerializer[Account]):
    class Meta:
        model = Account
        fields = [
            "id",
            "team",
            "platform",
            "handle",
            "display_name",
            "own_domains",
            "is_competitor",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "team", Team.objects.all())


@api_examples.crud("Account", api_examples.ACCOUNT)
class AccountViewSet(TeamScopedViewSet):
    """The team's own and competitors' accounts."""

    serializer_class = AccountSerializer
    base_queryset = Account.objects.order_by("team", "platform", "handle")
    filterset_fields = ["team", "platform", "is_competitor"]
    ordering_fields = ["handle", "platform"]


def snapshot_summary(snapshot: Snapshot) -> dict[str, Any]:
    """A source as the API names it: what it was, when it looked, which job or connector."""
    return {
        "id": snapshot.pk,
        "kind": snapshot.kind,
        "format": snapshot.format_key,
        "label": snapshot.label,
        "observed_at": snapshot.observed_at.isoformat(),
        "observed_from": snapshot.observed_from,
        "import_job": snapshot.import_job_id,
        "connector": snapshot.connector_id,
    }


class _PostListSerializer(serializers.ListSerializer[Post]):
    def to_representation(self, data: Any) -> Any:
        # The sources of a whole page in one query.
        posts = list(data.all() if isinstance(data, models.Manager) else data)
        ids = {sid for post in posts for sid in post.sources}
        self.context["snapshots"] = {s.pk: s for s in Snapshot.objects.filter(pk__in=ids)}
        return super().to_representation(posts)


class PostSerializer(serializers.ModelSerializer[Post]):
    sources = serializers.SerializerMethodField(
        help_text="Every source that said something about the post (an import, a connector "
        "run, ...), with when it looked; `evidence` names the source of each field."
    )

    class Meta:
        model = Post
        list_serializer_class = _PostListSerializer
        fields = [
            "id",
            "account",
            "platform_id",
            "published_at",
            "local_date",
            "text",
            "permalink",
            "kind",
            "in_reply_to_handle",
            "reshared_handle",
            "addressed",
            "is_question",
            "link_domains",
            "is_promotional",
            "shares_others_link",
            *COUNT_FIELDS,
            "claimed_kind",
            "evidence",
            "sources",
        ]

    @extend_schema_field(
        inline_serializer(
            "PostSource",
            fields={
                "id": serializers.IntegerField(),
                "kind": serializers.ChoiceField(choices=SnapshotKind.choices),
                "format": serializers.CharField(),
                "label": serializers.CharField(),
                "observed_at": serializers.DateTimeField(),
                "observed_from": serializers.CharField(),
                "import_job": serializers.IntegerField(allow_null=True),
                "connector": serializers.IntegerField(allow_null=True),
            },
            many=True,
        )
    )
    def get_sources(self, post: Post) -> list[dict[str, Any]]:
        known = self.context.get("snapshots")
        if known is None:
            known = {s.pk: s for s in Snapshot.objects.filter(pk__in=post.sources)}
        return [snapshot_summary(known[sid]) for sid in post.sources if sid in known]


@api_examples.read("Post", api_examples.POST)
class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Posts as imported (read only)."""

    serializer_class = PostSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filterset_fields = {
        "account": ["exact"],
        "kind": ["exact"],
        "is_question": ["exact"],
        "is_promotional": ["exact"],
        "local_date": ["gte", "lte", "exact"],
    }
    ordering_fields = ["published_at", "engagements", "likes"]

    def get_queryset(self) -> models.QuerySet[Post]:
        return access.visible_to(self.request.user, Post.objects.order_by("-published_at"))


class ObservationSerializer(serializers.ModelSerializer[MetricObservation]):
    class Meta:
        model = MetricObservation
        fields = ["id", "account", "metric", "date", "value", "source"]


class BulkRowSerializer(serializers.Serializer[Any]):
    """One day's number; the accepted ranges are metrics.ingest.bounds' (README)."""

    account = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    metric = serializers.ChoiceField(choices=sorted(catalog.CATALOG))
    # ISO dates only (2026-01-01): not 20260101 nor 2026-W01-1, which Python would accept.
    date = serializers.DateField(input_formats=["%Y-%m-%d"])
    value = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=bounds.VALUE_LIMIT - Decimal("0.0001"),
    )

    def validate_date(self, value: Any) -> Any:  # a date (the field is named date)
        problem = accepted_window().day_problem(value)
        if problem:
            raise serializers.ValidationError(problem[0].upper() + problem[1:] + ".")
        return value


class BulkSerializer(serializers.Serializer[Any]):
    rows = BulkRowSerializer(many=True, allow_empty=False)

    def validate_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(rows) > services.BULK_MAX_ROWS:
            raise serializers.ValidationError(
                f"At most {services.BULK_MAX_ROWS:,} rows per request; split the upload."
            )
        return rows


@api_examples.read("Observation", api_examples.OBSERVATION)
class ObservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Daily numbers (imported or derived), and bulk ingestion for tools without an importer."""

    serializer_class = ObservationSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filterset_fields = {
        "account": ["exact"],
        "metric": ["exact"],
        "date": ["gte", "lte", "exact"],
        "source": ["exact"],
    }
    ordering_fields = ["date", "metric"]

    def get_queryset(self) -> models.QuerySet[MetricObservation]:
        return access.visible_to(
            self.request.user, MetricObservation.objects.order_by("account", "metric", "date")
        )

    @extend_schema(
        examples=[
            OpenApiExample(
                "Two days of impressions",
                request_only=True,
                value={
                    "rows": [
                        {
                            "account": 3,
                            "metric": "impressions",
                            "date": "2026-09-29",
                            "value": 1520,
                        },
                        {
                            "account": 3,
                            "metric": "impressions",
                            "date": "2026-09-30",
                            "value": 1710,
                        },
                    ]
                },
            ),
            OpenApiExample(
                "Written",
                response_only=True,
                status_codes=["200"],
                value={"created": 2, "updated": 0, "unchanged": 0},
            ),
            OpenApiExample(
                "Refused",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": [
                        {"row": 1, "errors": {"account": "99 is not an account you may write to."}}
                    ]
                },
            ),
        ],
        request=BulkSerializer,
        responses={
            200: inline_serializer(
                "BulkResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                },
            ),
            400: OpenApiResponse(description="Every invalid row, with its index; nothing written."),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Upsert up to 10,000 daily rows at once. Every row is checked first; any invalid
        row (unknown metric, another team's account, a derived metric) means a 400 listing
        every bad row, and nothing is written. The same row twice is one observation."""
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows:
            return Response(
                {"errors": [{"row": None, "errors": {"rows": "Send a non-empty list of rows."}}]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(rows) > services.BULK_MAX_ROWS:
            return Response(
                {
                    "errors": [
                        {
                            "row": None,
                            "errors": {
                                "rows": f"At most "
                                f"{services.BULK_MAX_ROWS:,} rows per request; split the upload."
                            },
                        }
                    ]
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        # Every row is checked, its shape first, then what it refers to; all bad rows are
        # listed in one answer.
        errors: dict[int, Any] = {}
        valid: list[tuple[int, dict[str, Any]]] = []
        window = accepted_window()
        for index, raw in enumerate(rows):
            parsed, problems = _parse_row(raw, window)
            if parsed is None:
                errors[index] = problems
            else:
                valid.append((index, parsed))
        checked = services.observation_rows_errors(user=request.user, rows=[r for _, r in valid])
        for position, problems in checked.items():
            errors[valid[position][0]] = problems
        if errors:
            return Response(
                {"errors": [{"row": i, "errors": e} for i, e in sorted(errors.items())]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        validated = {"rows": [r for _, r in valid]}
        try:
            counts = services.observations_bulk_upsert(user=request.user, rows=validated["rows"])
        except services.BulkRejected as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        )


_MAX_ID = 2**63 - 1


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse_row(raw: Any, window: bounds.Window) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """One bulk row, checked as BulkRowSerializer documents it (without building a
    serializer per row: at 10,000 rows that costs more than the write), within the accepted
    ranges (metrics.ingest.bounds)."""
    if not isinstance(raw, dict):
        return None, {"row": "Each row is an object with account, metric, date and value."}
    problems: dict[str, str] = {}
    account = raw.get("account")
    if isinstance(account, bool) or not isinstance(account, int) or not 1 <= account <= _MAX_ID:
        problems["account"] = "An account id (a positive whole number)."
    metric = raw.get("metric")
    if not isinstance(metric, str) or metric not in catalog.CATALOG:
        problems["metric"] = f"“{metric}” is not a metric of the catalogue."
    day = None
    text = str(raw.get("date"))
    try:
        if not _ISO_DAY.fullmatch(text):  # not 20260101 nor 2026-W01-1, which Python reads
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        problems["date"] = f"“{raw.get('date')}” is not a date like 2026-09-30."
    else:
        outside = window.day_problem(day)
        if outside:
            problems["date"] = outside[0].upper() + outside[1:] + "."
    value = None
    try:
        value = Decimal(str(raw.get("value")))
        if value.is_finite() and value and value.adjusted() >= bounds.VALUE_DIGITS:
            problems["value"] = f"“{raw.get('value')}” is too large (at most 999,999,999,999,999)."
        elif value.is_finite() and value < 0:
            problems["value"] = f"“{raw.get('value')}” is negative; counts start at 0."
        elif not value.is_finite():
            raise InvalidOperation
        else:
            value = value.quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError):
        problems["value"] = f"“{raw.get('value')}” is not a number."
    if problems:
        return None, problems
    return {"account": account, "metric": metric, "date": day, "value": value}, {}


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "team",
            "account",
            "file_name",
            "file_size",
            "checksum",
            "format_key",
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
            "created_at",
            "started_at",
            "finished_at",
            "progress",
        ]
        read_only_fields = fields

    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return services.import_job_progress(job)


class ImportUploadSerializer(serializers.Serializer[Any]):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.none())
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.none(), required=False, allow_null=True
    )
    file = serializers.FileField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator describes the fields without a request
            return
        self.fields["team"].queryset = access.editable_teams(request.user)  # type: ignore[attr-defined]
        self.fields["account"].queryset = access.editable_by(request.user, Account.objects.all())  # type: ignore[attr-defined]


@api_examples.read("Import job", api_examples.IMPORT_JOB)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Upload an export file (202 with the job's URL), then poll the job for its progress."""

    serializer_class = ImportJobSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["team", "status", "account"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> models.QuerySet[ImportJob]:
        return access.visible_to(
            self.request.user, ImportJob.objects.select_related("team", "account")
        )

    @extend_schema(
        request=ImportUploadSerializer,
        responses={202: ImportJobSerializer},
        examples=[
            OpenApiExample(
                "Upload",
                request_only=True,
                media_type="multipart/form-data",
                value={"team": 1, "account": 3, "file": "(the export file)"},
            ),
            OpenApiExample(
                "Accepted",
                response_only=True,
                status_codes=["202"],
                value={**api_examples.IMPORT_JOB, "status": "pending"},
            ),
        ],
    )
    def create(self, request: Request) -> Response:
        upload = ImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        if data.get("account") is not None and data["account"].team_id != data["team"].pk:
            raise serializers.ValidationError({"account": "Not an account of this team."})
        try:
            job = services.import_job_create(
                team=data["team"],
                user=request.user,
                upload=data["file"],
                account=data.get("account"),
            )
        except ImportFailed as exc:
            raise serializers.ValidationError({"file": str(exc)}) from exc
        url = reverse("api:importjob-detail", args=[job.pk], request=request)
        return Response(
            ImportJobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class ConnectorSerializer(serializers.ModelSerializer[Connector]):
    """A connector's settings and health; its credentials never leave the server."""

    state = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    has_credentials = serializers.BooleanField(read_only=True)

    class Meta:
        model = Connector
        fields = [
            "id",
            "account",
            "kind",
            "base_url",
            "enabled",
            "interval_minutes",
            "has_credentials",
            "state",
            "status",
            "last_attempt_at",
            "last_success_at",
            "last_error",
            "last_error_at",
            "retry_after",
            "last_summary",
        ]
        read_only_fields = fields

    def get_state(self, obj: Connector) -> str:
        return str(connector_status(obj).state)

    def get_status(self, obj: Connector) -> str:
        return connector_status(obj).label


@api_examples.read("Connector", api_examples.CONNECTOR)
class ConnectorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Platform API connectors and whether their data is fresh. They are set up in the
    admin, where credentials can be entered (and never read back)."""

    serializer_class = ConnectorSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filterset_fields = ["account", "kind", "enabled"]

    def get_queryset(self) -> models.QuerySet[Connector]:
        return access.visible_to(
            self.request.user, Connector.objects.select_related("account").order_by("pk")
        )

    @extend_schema(request=None, responses={202: ConnectorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        """Queue a sync now, even if the connector is not due."""
        connector = self.get_object()
        connector_services.connector_sync_enqueue(user=request.user, connector=connector)
        return Response(ConnectorSerializer(connector).data, status=status.HTTP_202_ACCEPTED)


class InboundMentionSerializer(serializers.ModelSerializer[InboundMention]):
    class Meta:
        model = InboundMention
        fields = [
            "id",
            "account",
            "platform_id",
            "published_at",
            "local_date",
            "author_handle",
            "author_name",
            "text",
            "permalink",
            "in_reply_to_id",
            "is_reply",
            "needs_answer",
            "answered_by",
            "answered_at",
            "response_minutes",
        ]


class InboundMentionFilter(django_filters.FilterSet):  # type: ignore[misc]
    waiting = django_filters.BooleanFilter(
        method="filter_waiting", label="Only mentions still waiting for an answer."
    )

    class Meta:
        model = InboundMention
        fields = {"account": ["exact"], "is_reply": ["exact"], "local_date": ["gte", "lte"]}

    def filter_waiting(
        self, queryset: models.QuerySet[InboundMention], name: str, value: bool | None
    ) -> models.QuerySet[InboundMention]:
        if value is None:
            return queryset
        waiting = queryset.filter(needs_answer=True, answered_at__isnull=True)
        return waiting if value else queryset.exclude(pk__in=waiting.values("pk"))


@api_examples.read("Mention", api_examples.MENTION)
class InboundMentionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Posts by others mentioning or replying to the team's accounts (from API connectors),
    with the answer found, if any. `?waiting=true` lists the people still waiting."""

    serializer_class = InboundMentionSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filterset_class = InboundMentionFilter
    ordering_fields = ["published_at"]

    def get_queryset(self) -> models.QuerySet[InboundMention]:
        return access.visible_to(
            self.request.user, InboundMention.objects.order_by("published_at", "pk")
        )
