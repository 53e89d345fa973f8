"""Reads behind the alert pages, each in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from goals.alerts.models import AlertDelivery, AlertMute, Webhook
from teams.models import Team


def delivery_log(team: Team) -> QuerySet[AlertDelivery]:
    """What was sent for the team, newest first: event, recipient, status, failures."""
    return (
        AlertDelivery.objects.filter(event__team=team)
        .select_related("event", "webhook", "user")
        .order_by("-created_at", "-pk")
    )


def team_webhooks(team: Team) -> QuerySet[Webhook]:
    return Webhook.objects.filter(team=team).order_by("name")


def muted_key_results(team: Team, user_id: int) -> list[AlertMute]:
    """The key results muted for the whole team and for this member."""
    return list(
        AlertMute.objects.filter(Q(user_id=user_id) | Q(user__isnull=True), team=team)
        .select_related("key_result")
        .order_by("key_result__name", "pk")
    )
