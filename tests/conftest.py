"""Shared fixtures. The cast, as in healthchecks' tests:

- alice: owner of the Loomwell team;
- bob: alice's teammate, a viewer (may look, not change); viewers are not staff, so in the
  admin tests he edits a team of his own as well (bob_admin_client) and reads Loomwell there;
- charlie: owner of another team (Rival), who must never see Loomwell's rows.
"""

from __future__ import annotations

import os

import pytest
from django.test import Client

from teams.models import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory

# The real Celery worker on Redis (redis_broker), for the tests of the queued path.
pytest_plugins = ["tests.celery_worker"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Loomwell", slug="loomwell")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Rival", slug="rival")


@pytest.fixture
def alice(team):
    user = UserFactory(username="alice")
    MembershipFactory(team=team, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def bob(team):
    user = UserFactory(username="bob")
    MembershipFactory(team=team, user=user, role=Role.VIEWER)
    return user


@pytest.fixture
def charlie(other_team):
    user = UserFactory(username="charlie")
    MembershipFactory(team=other_team, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice) -> Client:
    return _client_for(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return _client_for(bob)


@pytest.fixture
def bob_admin_client(bob) -> Client:
    """bob as the admin sees him: still a viewer of Loomwell, and an editor of a team of his
    own, which makes him staff (staff status follows membership; a pure viewer never reaches
    the admin). Loomwell's rows stay read-only to him."""
    drafts = TeamFactory(name="Bob's drafts", slug="bobs-drafts")
    MembershipFactory(team=drafts, user=bob, role=Role.EDITOR)
    return _client_for(bob)


@pytest.fixture
def charlie_client(charlie) -> Client:
    return _client_for(charlie)


@pytest.fixture
def root_client(root) -> Client:
    return _client_for(root)


def pytest_report_header(config) -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}"


def pytest_runtest_setup(item) -> None:
    """Tests marked `pdf` need the system libraries WeasyPrint uses (installed by
    scripts/install-system-packages.sh): on CI their absence fails; elsewhere the test is
    skipped, saying which packages to install."""
    if item.get_closest_marker("pdf") is None:
        return
    from goals.summaries.pdf import INSTALL_HINT, missing_system_libraries

    missing = missing_system_libraries()
    if not missing:
        return
    reason = (
        f"PDF test needs {', '.join(missing)} "
        f"({INSTALL_HINT}, or scripts/install-system-packages.sh)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: required on CI")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Throttles and sign-in failure counts live in the cache: each test starts without any.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing is deliberately slow; tests create many users and need no real protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# A fixed Fernet key for the tests (production takes its keys from the environment).
TEST_CREDENTIALS_KEY = "Xr0bWQbQ0G6Xk0m3n8xq4yCw1m2dJ3sQm1b7y0vB9gU="


@pytest.fixture(autouse=True)
def _connector_settings(settings):
    settings.CONNECTOR_CREDENTIALS_KEYS = [TEST_CREDENTIALS_KEY]
    # The platforms are played by pytest-httpserver on 127.0.0.1.
    settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS = True


# Test modules whose outcome does not depend on the database engine. `make test` runs the suite
# on SQLite and on PostgreSQL side by side; these run once, in the SQLite pass, the shorter one
# (scripts/test.sh sets ST_ENGINE_AGNOSTIC_TESTS_ELSEWHERE in the PostgreSQL pass).
ENGINE_AGNOSTIC = (
    "tests/browser/",
    "tests/test_settings.py",
    "tests/test_production_server.py",
    "tests/test_env.py",
    "tests/test_pdf_libraries.py",
)


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("ST_ENGINE_AGNOSTIC_TESTS_ELSEWHERE") != "1":
        return
    skip = pytest.mark.skip(reason="engine-agnostic: runs once, in the SQLite pass")
    root = str(config.rootpath) + os.sep
    for item in items:
        path = str(item.path).removeprefix(root).replace(os.sep, "/")
        if path.startswith(ENGINE_AGNOSTIC):
            item.add_marker(skip)
