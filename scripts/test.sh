#!/usr/bin/env bash
# The whole test suite, twice: on SQLite, then on PostgreSQL.
#
# PostgreSQL comes from TEST_POSTGRES_URL (default: postgres://postgres@127.0.0.1:5432/strategy_tracker,
# the test run uses a throw-away test_ database next to it). On CI (CI=true) an unreachable
# PostgreSQL fails the run; on a developer's machine the PostgreSQL pass is skipped with a notice.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/strategy_tracker}

# Tests run in development mode: no HTTPS redirect, a fixed secret key, demo data allowed.
export DEBUG=true
unset CELERY_BROKER_URL CELERY_RESULT_BACKEND

echo "== Test pass 1/2: SQLite"
DATABASE_URL=sqlite:///:memory: "$PYTHON" -m pytest "$@"

echo "== Test pass 2/2: PostgreSQL ($PG_URL)"
if ! DATABASE_URL=$PG_URL "$PYTHON" scripts/wait_for.py postgres --timeout 5; then
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL: PostgreSQL is required on CI and cannot be reached at $PG_URL." >&2
        exit 1
    fi
    echo "############################################################################"
    echo "# PostgreSQL pass SKIPPED: no PostgreSQL at $PG_URL."
    echo "# Only the SQLite pass ran. Set TEST_POSTGRES_URL or start PostgreSQL."
    echo "############################################################################"
    exit 0
fi
DATABASE_URL=$PG_URL "$PYTHON" -m pytest "$@"
