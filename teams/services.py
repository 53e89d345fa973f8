"""Writes with rules for teams and users: API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from teams.models import ApiToken


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; the key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=key[:8],
        key_hash=ApiToken.hash(key),
    )
    return token, key


def api_token_revoke(*, user: User, token: ApiToken) -> None:
    if token.user_id != user.pk and not user.is_superuser:
        raise PermissionDenied("This is not your token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
