"""API authentication by personal token: `Authorization: Token <key>`.

Failed token authentication counts against the caller's address: after
API_AUTH_FAILURES_PER_HOUR wrong or revoked tokens in an hour, every token request from that
address is answered 429 (with Retry-After) until the hour has passed, so keys cannot be
guessed at the API's normal rate. Password sign-ins are throttled by django-axes (settings).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from teams.models import ApiToken

_WINDOW_SECONDS = 3600


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        if not authentication.get_authorization_header(request):
            return None
        key = _failures_key(request)
        failures = [t for t in cache.get(key, []) if t > time.time() - _WINDOW_SECONDS]
        if len(failures) >= settings.API_AUTH_FAILURES_PER_HOUR:
            raise exceptions.Throttled(
                wait=failures[0] + _WINDOW_SECONDS - time.time(),
                detail="Too many failed token attempts from this address; try again later.",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            cache.set(key, [*failures, time.time()], _WINDOW_SECONDS)
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key)).first()
        if token is None or not token.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


def _failures_key(request: Request) -> str:
    return f"api-token-failures:{AnonRateThrottle().get_ident(request)}"
