"""Connector credentials, encrypted at rest with keys from the environment.

CONNECTOR_CREDENTIALS_KEYS lists Fernet keys: the first encrypts, every one decrypts, so a
key can be rotated by putting the new one first (and `manage.py sync_connectors
--reencrypt-credentials` rewrites the stored tokens with it). In development, with no key set, a key
is derived from SECRET_KEY so `make run` works; production refuses to store credentials
without a real key.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NO_KEY = (
    "Set CONNECTOR_CREDENTIALS_KEYS to encrypt connector credentials (generate a key with: "
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
)


class CredentialsUnreadable(Exception):
    """The stored credentials were encrypted with a key that is no longer configured."""


def _fernet() -> MultiFernet:
    keys = [key for key in settings.CONNECTOR_CREDENTIALS_KEYS if key]
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(NO_KEY)
        derived = hashlib.sha256(f"connector-credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "CONNECTOR_CREDENTIALS_KEYS holds a value that is not a Fernet key (32 bytes, "
            "urlsafe base64). " + NO_KEY
        ) from None


def encrypt(credentials: dict[str, str]) -> str:
    """The credentials (empty values dropped) as one token; '' when there are none."""
    kept = {name: value for name, value in credentials.items() if value}
    if not kept:
        return ""
    return _fernet().encrypt(json.dumps(kept, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with the configured "
            "CONNECTOR_CREDENTIALS_KEYS (was the key changed?): enter them again."
        ) from None
    return {str(k): str(v) for k, v in data.items()}


def rotate(token: str) -> str:
    """The same credentials, encrypted with the current first key."""
    return _fernet().rotate(token.encode()).decode() if token else ""
