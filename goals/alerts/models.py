"""Alerts: team settings, member preferences and mutes, webhooks, and the outbox.

Registered in the goals app (goals/models.py imports this module), so their migrations are
goals migrations. An AlertEvent is written in the same transaction as the change that
caused it; its AlertDelivery rows (one per e-mail recipient or webhook) are the outbox a
worker drains (goals.alerts.delivery).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from teams.models import Team


class EventKind(models.TextChoices):
    KR_AT_RISK = "kr_at_risk", "Key result at risk"
    KR_OFF_TRACK = "kr_off_track", "Key result off track"
    KR_STALE = "kr_stale", "Key result stale"
    MENTION_WAITING = "mention_waiting", "Mention waiting too long"
    CONNECTOR_FAILING = "connector_failing", "Connector failing"
    CONNECTOR_STALE = "connector_stale", "Connector data stale"
    SUMMARY_READY = "summary_ready", "Summary ready"
    SUMMARY_FAILED = "summary_failed", "Summary failed"
    WEBHOOK_FAILING = "webhook_failing", "Webhook failing"
    DIGEST = "digest", "Weekly digest"


# What a member may choose per event (the digest itself is not an alert one chooses).
CHOOSABLE = [k for k in EventKind if k != EventKind.DIGEST]


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", "E-mail at once"
    DIGEST = "digest", "In the weekly digest"
    OFF = "off", "Off"


def _nine() -> datetime.time:
    return datetime.time(9, 0)


def _five() -> datetime.time:
    return datetime.time(17, 0)


class AlertSettings(models.Model):
    """A team's alert settings; a team without a row has the defaults."""

    TEAM_PATH = "team"

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="alert_settings")
    answer_target_hours = models.PositiveIntegerField(
        default=24, help_text="A mention waiting longer than this (hours) raises an alert."
    )
    business_hours_only = models.BooleanField(
        default=False,
        help_text="Count only business hours (in the team's time zone) toward the target.",
    )
    business_start = models.TimeField(default=_nine)
    business_end = models.TimeField(default=_five)
    business_days = models.CharField(
        max_length=20,
        default="0,1,2,3,4",
        help_text="Weekdays counted as business days, 0 = Monday … 6 = Sunday.",
    )
    morning_hour = models.PositiveSmallIntegerField(
        default=7, help_text="Hour (team's time zone) of the morning key result check."
    )

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return f"Alert settings of {self.team}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.business_start >= self.business_end:
            errors["business_end"] = "The business day must end after it starts."
        try:
            days = self.weekdays
        except ValueError:
            days = ()
            errors["business_days"] = "List weekdays as numbers 0–6 separated by commas."
        if not errors.get("business_days") and (not days or any(d > 6 for d in days)):
            errors["business_days"] = "List weekdays as numbers 0–6 separated by commas."
        if self.morning_hour is not None and self.morning_hour > 23:
            errors["morning_hour"] = "An hour is 0–23."
        if errors:
            raise ValidationError(errors)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.business_days.split(",") if d.strip())


class AlertPreference(models.Model):
    """One member's choices for one team: per event, at once, in the digest or off."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences"
    )
    modes = models.JSONField(default=dict, blank=True)
    weekly_digest = models.BooleanField(default=True)
    muted = models.BooleanField(default=False, help_text="No alert e-mail at all.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="alert_preference_per_member")
        ]

    def __str__(self) -> str:
        return f"Alert preferences of {self.user} in {self.team}"


class AlertMute(models.Model):
    """A key result muted for the whole team (user empty) or for one member."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key_result = models.ForeignKey(
        "goals.KeyResult", on_delete=models.CASCADE, related_name="alert_mutes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key_result", "user"],
                name="alert_mute_once_per_member",
                condition=models.Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["key_result"],
                name="alert_mute_once_per_team",
                condition=models.Q(user__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_result} muted for {self.user or 'the team'}"


class WebhookFormat(models.TextChoices):
    SLACK = "slack", "Slack / Mattermost incoming webhook"
    GENERIC = "generic", "Generic JSON, signed (HMAC-SHA256)"


class Webhook(models.Model):
    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=100)
    format = models.CharField(max_length=10, choices=WebhookFormat.choices)
    url = models.URLField(max_length=500)
    # A Fernet token, as connector credentials (metrics.connectors.credentials).
    secret_encrypted = models.TextField(blank=True, editable=False)
    events = models.JSONField(
        default=list, blank=True, help_text="Event kinds to send; empty: every kind."
    )
    enabled = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_format_display()})"

    def wants(self, kind: str) -> bool:
        return self.enabled and (not self.events or kind in self.events)


class AlertEvent(models.Model):
    """Something worth telling: one per (kind, object, day), whatever triggers it twice."""

    TEAM_PATH = "team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alert_events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    object_key = models.CharField(max_length=60)
    day = models.DateField()
    title = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    key_result = models.ForeignKey(
        "goals.KeyResult", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_key", "day"], name="alert_event_once_per_object_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title} ({self.day})"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class AlertDelivery(models.Model):
    """The outbox: one message to one recipient, claimed with a lease by a delivering worker."""

    TEAM_PATH = "event__team"

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.CharField(max_length=254, blank=True)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="alert_delivery_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="alert_delivery_once_per_member",
                condition=models.Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["event", "webhook"],
                name="alert_delivery_once_per_webhook",
                condition=models.Q(webhook__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.address or self.webhook}"


class KeyResultAlertState(models.Model):
    """The status a key result was last seen in, to alert on a change only."""

    TEAM_PATH = "key_result__objective__strategy__team"

    key_result = models.OneToOneField(
        "goals.KeyResult", on_delete=models.CASCADE, related_name="alert_state"
    )
    status = models.CharField(max_length=20)
    changed_on = models.DateField()
    evaluated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key_result_id}: {self.status} since {self.changed_on}"


class ConnectorAlertState(models.Model):
    """Failures in a row since the connector's last success, and whether stale was said."""

    TEAM_PATH = "connector__account__team"

    connector = models.OneToOneField(
        "metrics.Connector", on_delete=models.CASCADE, related_name="alert_state"
    )
    failures_in_a_row = models.PositiveIntegerField(default=0)
    stale_alerted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"connector {self.connector_id}: {self.failures_in_a_row} failure(s) in a row"
