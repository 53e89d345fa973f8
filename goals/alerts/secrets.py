"""Webhook signing secrets, encrypted at rest as connector credentials are
(metrics.connectors.credentials: CONNECTOR_CREDENTIALS_KEYS, rotation included)."""

from __future__ import annotations

import secrets

from goals.alerts.models import Webhook
from metrics.connectors import credentials as vault


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_store(secret: str) -> str:
    return vault.encrypt({"secret": secret})


def secret_of(webhook: Webhook) -> str:
    return vault.decrypt(webhook.secret_encrypted).get("secret", "")
