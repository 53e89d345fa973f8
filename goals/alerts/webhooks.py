"""Team webhooks: the two payloads, the signature, and the one POST.

- Slack and Mattermost incoming webhooks take `{"text": ...}` (both render Markdown-ish
  text and turn a bare URL into a link): https://api.slack.com/messaging/webhooks,
  https://developers.mattermost.com/integrate/webhooks/incoming/.
- The generic payload is our own JSON, signed: `X-Strategy-Tracker-Signature:
  sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook's secret>` and the
  timestamp in `X-Strategy-Tracker-Timestamp` (a receiver refuses old timestamps, against
  replays).
- Every request carries `Idempotency-Key: <delivery id>`: a message re-sent after a worker
  died mid-send has the same key, so a receiver can drop the repeat.

The POST goes through the connectors' SSRF guard: every connection, redirects included, is
pinned to an address `resolve` checked (metrics.connectors.sync.public_addresses refuses
private and loopback addresses in production).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from goals.alerts.models import AlertDelivery, AlertEvent, WebhookFormat
from goals.alerts.secrets import secret_of
from metrics.connectors.base import RequestRefused, pinned_transport
from metrics.connectors.credentials import CredentialsUnreadable
from metrics.connectors.sync import public_addresses

SIGNATURE_HEADER = "X-Strategy-Tracker-Signature"
TIMESTAMP_HEADER = "X-Strategy-Tracker-Timestamp"
EVENT_HEADER = "X-Strategy-Tracker-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_REDIRECTS = 3

# The resolver the POST's connections use; tests swap it to map a test host to 127.0.0.1.
resolve: Callable[[str], list[str]] = public_addresses


class WebhookFailed(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (in constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def generic_payload(event: AlertEvent, delivery: AlertDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event": event.kind,
        "event_label": event.get_kind_display(),
        "team": event.team.slug,
        "object": event.object_key,
        "day": event.day.isoformat(),
        "title": event.title,
        "message": event.message,
        "url": event.url,
        "data": event.data,
        "created_at": event.created_at.isoformat(),
    }


def slack_payload(event: AlertEvent) -> dict[str, Any]:
    lines = [f"*{event.title}*"]
    if event.message:
        lines.append(event.message)
    if event.url:
        lines.append(event.url)
    return {"text": "\n".join(lines)}


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def build_request(delivery: AlertDelivery, *, timestamp: str) -> Request:
    event = delivery.event
    webhook = delivery.webhook
    if webhook is None:
        raise WebhookFailed("The webhook was deleted.", permanent=True)
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: str(delivery.pk),
        EVENT_HEADER: event.kind,
    }
    if webhook.format == WebhookFormat.SLACK:
        body = json.dumps(slack_payload(event)).encode()
    else:
        body = json.dumps(generic_payload(event, delivery), sort_keys=True).encode()
        headers[TIMESTAMP_HEADER] = timestamp
        try:
            secret = secret_of(webhook)
        except CredentialsUnreadable as exc:  # retrying cannot help: a key was changed
            raise WebhookFailed(str(exc), permanent=True) from None
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    return Request(body, headers)


_clients: dict[tuple[int, float], httpx.Client] = {}


def _client(timeout: float) -> httpx.Client:
    """One client per process (and resolver): building its TLS context takes 30 ms, and
    it keeps connections to a webhook host alive between messages. Each new connection,
    redirects included, still goes to an address `resolve` checked."""
    key = (id(resolve), timeout)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = httpx.Client(
            transport=pinned_transport(resolve),
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": "StrategyTracker-Alerts/1"},
        )
    return client


def post(url: str, request: Request) -> int:
    """POST the body; returns the status of a 2xx answer, raises WebhookFailed otherwise
    (permanent for a refused address, else worth retrying)."""
    timeout = settings.ALERT_WEBHOOK_TIMEOUT_SECONDS
    try:
        response = _client(timeout).post(url, content=request.body, headers=request.headers)
    except RequestRefused as exc:
        raise WebhookFailed(f"Refused: {exc}", permanent=True) from None
    except httpx.TooManyRedirects:
        raise WebhookFailed(f"More than {MAX_REDIRECTS} redirects.", permanent=True) from None
    except httpx.TimeoutException:
        raise WebhookFailed(f"No answer within {timeout} s.") from None
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"Could not connect ({type(exc).__name__}).") from None
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"The webhook answered {response.status_code}.")
    return response.status_code
