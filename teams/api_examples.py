"""OpenAPI request and response examples: the teams' own, and the helpers every app's
api_examples module uses to attach its examples to a viewset (`crud`, `read`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

TEAM = {"id": 1, "name": "Loomwell Roasters", "slug": "loomwell", "time_zone": "Europe/London"}


def _example(name: str, value: Any, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


def crud(resource: str, example: dict[str, Any]) -> Any:
    """Examples for list, retrieve, create, update and partial update of one resource."""
    body = {
        k: v
        for k, v in example.items()
        if k not in ("id", "author", "created_at", "created_by", "updated_at")
    }
    response = _example(resource, example, response_only=True)
    request = _example(f"New {resource.lower()}", body, request_only=True)
    return extend_schema_view(
        list=extend_schema(examples=[response]),
        retrieve=extend_schema(examples=[response]),
        create=extend_schema(examples=[request, response]),
        update=extend_schema(examples=[request, response]),
        partial_update=extend_schema(examples=[request, response]),
    )


def read(resource: str, example: dict[str, Any]) -> Any:
    response = _example(resource, example, response_only=True)
    return extend_schema_view(
        list=extend_schema(examples=[response]), retrieve=extend_schema(examples=[response])
    )
