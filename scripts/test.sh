#!/usr/bin/env bash
# The whole test suite, twice: on SQLite and on PostgreSQL, side by side.
#
# PostgreSQL comes from TEST_POSTGRES_URL (default: postgres://postgres@127.0.0.1:5432/strategy_tracker,
# the test run uses a throw-away test_ database next to it). On CI (CI=true) an unreachable
# PostgreSQL fails the run; on a developer's machine the PostgreSQL pass is skipped with a notice.
#
# The two passes run at the same time (each is one process, so two cores finish in about the time
# of the longer pass). Each pass gets its own Redis database for the real-worker tests. Tests whose
# outcome does not depend on the database engine (the browser tests, the production server, the
# settings checks) run once, in the SQLite pass, which is otherwise the shorter one.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/strategy_tracker}
REDIS_BASE=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
REDIS_SQLITE=${REDIS_BASE%/*}/12

# Tests run in development mode: no HTTPS redirect, a fixed secret key, demo data allowed.
export DEBUG=true
unset CELERY_BROKER_URL CELERY_RESULT_BACKEND

if ! DATABASE_URL=$PG_URL "$PYTHON" scripts/wait_for.py postgres --timeout 5; then
    if [ "${CI:-}" = "true" ]; then
        echo "FAIL: PostgreSQL is required on CI and cannot be reached at $PG_URL." >&2
        exit 1
    fi
    echo "== Test pass: SQLite only"
    DATABASE_URL=sqlite:///:memory: TEST_REDIS_URL=$REDIS_BASE "$PYTHON" -m pytest "$@"
    echo "############################################################################"
    echo "# PostgreSQL pass SKIPPED: no PostgreSQL at $PG_URL."
    echo "# Only the SQLite pass ran. Set TEST_POSTGRES_URL or start PostgreSQL."
    echo "############################################################################"
    exit 0
fi

mkdir -p test-artifacts
SQLITE_LOG=test-artifacts/sqlite-pass.log
echo "== Test pass 1/2: SQLite (in the background; its output follows the PostgreSQL pass, and is in $SQLITE_LOG)"
DATABASE_URL=sqlite:///:memory: TEST_REDIS_URL=$REDIS_SQLITE \
    "$PYTHON" -m pytest -p no:cacheprovider "$@" >"$SQLITE_LOG" 2>&1 &
SQLITE_PID=$!
trap 'kill "$SQLITE_PID" 2>/dev/null || true' EXIT

echo "== Test pass 2/2: PostgreSQL ($PG_URL)"
pg_status=0
DATABASE_URL=$PG_URL TEST_REDIS_URL=$REDIS_BASE ST_ENGINE_AGNOSTIC_TESTS_ELSEWHERE=1 \
    "$PYTHON" -m pytest "$@" || pg_status=$?

sqlite_status=0
wait "$SQLITE_PID" || sqlite_status=$?
trap - EXIT
echo "== Test pass 1/2: SQLite, its output"
cat "$SQLITE_LOG"

echo "== SQLite pass exit status: $sqlite_status; PostgreSQL pass exit status: $pg_status"
if [ "$sqlite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
    exit 1
fi
