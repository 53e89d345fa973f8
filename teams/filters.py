"""The API's query-string filters, with every choice of a related row limited by teams.access.

Without it `?team=<another team's id>` answers 200 with an empty list while an id that does
not exist answers 400: the difference tells anyone which ids other teams use.
"""

from __future__ import annotations

from typing import Any

import django_filters  # type: ignore[import-untyped]
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend  # type: ignore[import-untyped]
from rest_framework.request import Request

from teams import access


def scope_filter_choices(filterset: django_filters.FilterSet, request: Request) -> None:
    """Limit every model-choice filter of `filterset` to the rows the user may see, so another
    team's id is refused exactly as an id that does not exist."""
    for flt in filterset.filters.values():
        if not isinstance(flt, django_filters.filters.QuerySetRequestMixin):
            continue
        queryset: Any = flt.get_queryset(request)
        if not isinstance(queryset, models.QuerySet):
            continue
        flt.queryset = access.visible_choices(request.user, queryset)
        flt.__dict__.pop("_field", None)  # a field built before would keep the old choices


class TeamScopedFilterBackend(DjangoFilterBackend):  # type: ignore[misc]
    """DjangoFilterBackend for every view: `filterset_fields` and `filterset_class` alike."""

    def get_filterset(
        self, request: Request, queryset: models.QuerySet[Any], view: Any
    ) -> django_filters.FilterSet | None:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            scope_filter_choices(filterset, request)
        return filterset
