"""Schemathesis generates requests from the OpenAPI schema for every operation and checks
that none makes the server fail and every response matches the schema. Bounded: a few
examples per operation."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi.checks import response_schema_conformance

from teams.services import api_token_create
from tests.factories import AccountFactory, KeyResultFactory

EXAMPLES_PER_OPERATION = 5


@pytest.fixture
def keep_connection():
    """The WSGI app closes the database connection after each request, as in production;
    the test's transaction needs it open (Django's test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(alice, team, keep_connection):
    KeyResultFactory(objective__strategy__team=team)
    AccountFactory(team=team)
    return api_token_create(user=alice, name="fuzz")[1]


def test_no_operation_fails_or_breaks_its_schema(token):
    from strategy_tracker.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30  # every resource's operations are in the schema
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            response = case.call(headers={"Authorization": f"Token {token}"})
            case.validate_response(
                response, checks=[checks.not_a_server_error, response_schema_conformance]
            )

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
