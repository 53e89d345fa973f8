"""Alert e-mails: a plain-text part and an HTML part from templates."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from goals.alerts.models import AlertEvent


def absolute(path: str) -> str:
    """A link for a message read outside the app: SITE_URL + path."""
    return path if "://" in path else f"{settings.SITE_URL}{path}"


def alert_message(event: AlertEvent, *, to: str) -> EmailMultiAlternatives:
    context = {
        "event": event,
        "preferences_url": absolute(reverse("goals:alert_preferences", args=[event.team.slug])),
    }
    text = render_to_string("goals/alerts/email.txt", context)
    html = render_to_string("goals/alerts/email.html", context)
    message = EmailMultiAlternatives(subject=f"[{event.team}] {event.title}", body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message
