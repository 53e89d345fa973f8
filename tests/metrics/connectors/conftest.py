"""The connector of the sync tests: a Mastodon account synced from the FakeMastodon that
each test module's `server` fixture sets up."""

import pytest

from metrics.connectors import credentials as vault
from metrics.platforms import Platform
from tests.factories import AccountFactory, ConnectorFactory
from tests.metrics.connectors.fake_mastodon import HANDLE


@pytest.fixture
def connector(team, server):
    account = AccountFactory(team=team, platform=Platform.MASTODON, handle=HANDLE)
    return ConnectorFactory(
        account=account,
        kind="mastodon",
        base_url=server.base_url,
        credentials_encrypted=vault.encrypt({"access_token": "test-token"}),
    )
