"""API building blocks: every endpoint scopes its rows with teams.access."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request

from teams import access, api_examples
from teams.models import Team


class TeamRowsPermission(permissions.BasePermission):
    """Members read their teams' rows; owners and editors change them."""

    message = "You may look at this team's rows but not change them."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405, the same for every member
        return access.editable_teams(request.user).exists()

    def has_object_permission(self, request: Request, view: Any, obj: models.Model) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True  # the queryset only holds visible rows
        return access.can_edit(request.user, access.team_of(obj))


def scoped(serializer: serializers.Serializer[Any], field: str, qs: models.QuerySet[Any]) -> None:
    """Limit a related field's choices to the rows the requesting user may change."""
    request = serializer.context.get("request")
    if request is None or field not in serializer.fields:
        return
    target: Any = serializer.fields[field]
    if isinstance(target, serializers.ManyRelatedField):
        target = target.child_relation
    target.queryset = access.editable_by(request.user, qs)


@contextmanager
def model_errors_as_400() -> Iterator[None]:
    """Django's ValidationError (the model's rules, from full_clean in a service or here) as
    DRF's: a 400 naming the fields, never a 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        ) from exc


def validated_save(instance: models.Model, user: Any, m2m: dict[str, Any] | None = None) -> None:
    """Model validation (the same as the admin's), the team check, then save — as one unit."""
    team = access.team_of(instance)
    if not access.can_edit(user, team):
        raise PermissionDenied("You may not change this team's rows.")
    for name in m2m or {}:
        # The model's clean() then judges the new links (validate_<name>), not the saved ones.
        setattr(instance, f"replacing_{name}", True)
    with model_errors_as_400():
        instance.full_clean()
        with transaction.atomic():
            instance.save()
            for name, values in (m2m or {}).items():
                validate = getattr(instance, f"validate_{name}", None)
                if validate is not None:
                    validate(values)
                getattr(instance, name).set(values)


class TeamScopedViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """CRUD on team-owned rows: lists and lookups see only the user's teams (another team's
    id is a 404), writes need an owner or editor and pass the model's validation."""

    permission_classes = [permissions.IsAuthenticated, TeamRowsPermission]
    base_queryset: models.QuerySet[Any]

    def get_queryset(self) -> models.QuerySet[Any]:
        return access.visible_to(self.request.user, self.base_queryset.all())

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(serializer, self.base_queryset.model())

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(serializer, serializer.instance)

    def _save(self, serializer: serializers.BaseSerializer[Any], instance: Any) -> None:
        m2m: dict[str, Any] = {}
        for name, value in serializer.validated_data.items():
            field = instance._meta.get_field(name)
            if field.many_to_many:
                m2m[name] = value
            else:
                setattr(instance, name, value)
        validated_save(instance, self.request.user, m2m)
        serializer.instance = instance

    def perform_destroy(self, instance: models.Model) -> None:
        if not access.can_edit(self.request.user, access.team_of(instance)):
            raise PermissionDenied("You may not change this team's rows.")
        instance.delete()


class TeamSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ["id", "name", "slug", "time_zone"]


@api_examples.read("Team", api_examples.TEAM)
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The teams you belong to (read only: teams are managed in the admin)."""

    serializer_class = TeamSerializer
    ordering_fields = ["name", "slug"]
    filterset_fields = ["slug"]

    def get_queryset(self) -> models.QuerySet[Team]:
        return access.visible_teams(self.request.user).order_by("name")
