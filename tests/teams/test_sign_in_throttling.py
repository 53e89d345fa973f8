"""Sign-in attempts are throttled by user name and by address (django-axes), and failed API
token authentication by address: guessing is slow, the right password after many wrong ones
is refused until the cool-off has passed."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import ApiToken
from teams.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def staff():
    user = UserFactory(username="dana", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_right_password_after_too_many_wrong_ones_is_refused(staff, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "dana", "wrong").status_code == 200  # the form again
    assert sign_in(client, "dana", "wrong").status_code == 429  # the last one allowed
    locked = sign_in(client, "dana", PASSWORD)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_user_name_is_locked_whatever_address_the_guesses_come_from(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "dana", "wrong", address=f"198.51.100.{n}")
    assert sign_in(client, "dana", PASSWORD, address="192.0.2.1").status_code == 429


def test_an_address_is_locked_whatever_user_names_it_tries(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{n}", "wrong")
    assert sign_in(client, "dana", PASSWORD).status_code == 429
    # Another address may still sign in as dana.
    assert sign_in(Client(), "dana", PASSWORD, address="192.0.2.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(staff, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "dana", "wrong")
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME * 2):
        assert sign_in(client, "dana", PASSWORD).status_code == 302


def test_a_success_resets_the_count(staff, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "dana", "wrong")
    assert sign_in(client, "dana", PASSWORD).status_code == 302
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "dana", "wrong")
    assert sign_in(client, "dana", PASSWORD).status_code == 302


def test_failed_api_tokens_are_throttled_by_address(staff, settings):
    settings.API_AUTH_FAILURES_PER_HOUR = 5
    _, key = api_token_create(user=staff, name="ci")
    assert ApiToken.objects.count() == 1
    client = Client()
    url = "/api/v1/teams/"
    for n in range(5):
        response = client.get(url, HTTP_AUTHORIZATION=f"Token wrong{n}")
        assert response.status_code == 401
    blocked = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many failed token attempts" in blocked.json()["detail"]
    # Another address is not affected.
    assert (
        client.get(url, HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="192.0.2.9").status_code
        == 200
    )
