"""Check that a service the tests need answers: `wait_for.py postgres|redis [--timeout S]`.

Exits 0 when it answers within the timeout, 1 with the reason otherwise.
Reads DATABASE_URL for PostgreSQL and REDIS_URL (default redis://127.0.0.1:6379/0) for Redis.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _postgres() -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    # Connect to the maintenance database: the test database is created by the run.
    psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=int(cfg["PORT"] or 5432),
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=2,
    ).close()


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_connect_timeout=2
    )
    client.ping()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("service", choices=["postgres", "redis"])
    parser.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    check = {"postgres": _postgres, "redis": _redis}[args.service]
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            check()
        except Exception as exc:
            if time.monotonic() >= deadline:
                print(f"{args.service} not reachable: {exc}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        else:
            return 0


if __name__ == "__main__":
    sys.exit(main())
