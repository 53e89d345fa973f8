"""Listening fixtures: fake platforms on local ports, a team listening to them."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from listening import services
from listening.models import ListeningSettings, Topic
from metrics.connectors import credentials as vault
from metrics.models import Account, Connector
from tests.listening.fakes import FakeBluesky, FakeMastodon, FakeX


def _server():
    server = HTTPServer(host="localhost", port=0)
    server.start()
    return server


@pytest.fixture
def mastodon(httpserver):
    return FakeMastodon(httpserver)


@pytest.fixture
def second_instance():
    server = _server()
    yield FakeMastodon(server)
    server.clear()
    server.stop()


@pytest.fixture
def bluesky(settings):
    server = _server()
    fake = FakeBluesky(server)
    settings.LISTENING_BLUESKY_APPVIEW = fake.base_url
    yield fake
    server.clear()
    server.stop()


@pytest.fixture(autouse=True)
def no_real_bluesky(settings):
    """Bluesky search is always asked: never the real AppView from a test (nothing listens
    on port 9; a test that wants Bluesky uses the `bluesky` fixture)."""
    settings.LISTENING_BLUESKY_APPVIEW = "http://127.0.0.1:9"


@pytest.fixture
def fake_x():
    server = _server()
    yield FakeX(server)
    server.clear()
    server.stop()


@pytest.fixture
def x_connector(team, fake_x):
    account = Account.objects.create(team=team, platform="x", handle="loomwellroast")
    return Connector.objects.create(
        account=account,
        kind="x",
        base_url=fake_x.base_url,
        credentials_encrypted=vault.encrypt({"bearer_token": "team-token"}),
    )


@pytest.fixture
def listening(team, mastodon):
    found = ListeningSettings.objects.create(team=team, mastodon_instances=mastodon.base_url)
    return found


@pytest.fixture
def topic(team):
    return Topic.objects.create(
        team=team,
        name="Home brewing",
        keywords="pour over\nespresso",
        hashtags="pourover, coffee",
        excluded_words="giveaway",
    )


def collect(team, sleeps=None, **kwargs):
    sleeps = [] if sleeps is None else sleeps
    return services.listening_collect(
        team_id=team.pk, http_options={"sleep": sleeps.append, "timeout": 2.0}, **kwargs
    )
