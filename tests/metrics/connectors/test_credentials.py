"""Connector credentials are encrypted at rest with keys from the environment."""

import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from metrics.connectors import credentials as vault


def test_it_round_trips_and_drops_empty_values(settings):
    settings.CONNECTOR_CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    token = vault.encrypt({"access_token": "s3cret-token", "empty": ""})
    assert "s3cret" not in token
    assert vault.decrypt(token) == {"access_token": "s3cret-token"}
    assert vault.encrypt({"empty": ""}) == ""
    assert vault.decrypt("") == {}


def test_an_old_key_still_decrypts_and_rotation_moves_to_the_new_one(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CONNECTOR_CREDENTIALS_KEYS = [old]
    token = vault.encrypt({"bearer_token": "abc"})
    settings.CONNECTOR_CREDENTIALS_KEYS = [new, old]
    assert vault.decrypt(token) == {"bearer_token": "abc"}
    rotated = vault.rotate(token)
    settings.CONNECTOR_CREDENTIALS_KEYS = [new]
    assert vault.decrypt(rotated) == {"bearer_token": "abc"}
    with pytest.raises(vault.CredentialsUnreadable, match="enter them again"):
        vault.decrypt(token)


def test_production_refuses_to_store_credentials_without_a_key(settings):
    settings.DEBUG = False
    settings.CONNECTOR_CREDENTIALS_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CONNECTOR_CREDENTIALS_KEYS"):
        vault.encrypt({"api_key": "k"})


def test_development_derives_a_key_from_the_secret_key(settings):
    settings.DEBUG = True
    settings.CONNECTOR_CREDENTIALS_KEYS = []
    assert vault.decrypt(vault.encrypt({"api_key": "k"})) == {"api_key": "k"}


def test_a_malformed_key_is_named_as_such(settings):
    settings.CONNECTOR_CREDENTIALS_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        vault.encrypt({"api_key": "k"})


def test_request_urls_with_keys_in_them_are_not_logged():
    # httpx logs every URL at INFO; a YouTube key travels in the query string.
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
