"""One measured case, run in its own process so that its peak memory is its own.

python -m bench.case CASE FILE  (DATABASE_URL names the database; prints one JSON line)
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

STARTED = 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(path: Path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-16", newline="") as fh:
        reader = csv.reader(fh)
        for _ in range(3):  # sep=, title, header
            next(reader)
        yield from reader


def csv_parse(path: Path) -> int:
    count = 0
    for _row in _rows(path):
        count += 1
    return count


def raw_sqlite(path: Path) -> int:
    import sqlite3

    db = Path(os.environ["RAW_SQLITE_PATH"])
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(
        "CREATE TABLE obs (account_id INTEGER, metric TEXT, date TEXT, value DECIMAL,"
        " UNIQUE (account_id, metric, date))"
    )
    with con:
        con.executemany(
            "INSERT INTO obs VALUES (1, 'new_followers', ?, ?)",
            ((row[0][:10], row[1]) for row in _rows(path)),
        )
    count = con.execute("SELECT count(*) FROM obs").fetchone()[0]
    con.close()
    return int(count)


def raw_postgres(path: Path) -> int:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname=cfg["NAME"]
    ) as con:
        con.execute("DROP TABLE IF EXISTS raw_obs")
        con.execute(
            "CREATE TABLE raw_obs (account_id bigint, metric varchar(40), date date,"
            " value numeric(20, 4), UNIQUE (account_id, metric, date))"
        )
        with (
            con.cursor() as cur,
            cur.copy("COPY raw_obs (account_id, metric, date, value) FROM STDIN") as copy,
        ):
            for row in _rows(path):
                copy.write_row((1, "new_followers", row[0][:10], row[1]))
        count = con.execute("SELECT count(*) FROM raw_obs").fetchone()[0]  # type: ignore[index]
        con.execute("DROP TABLE raw_obs")
    return int(count)


def importer(path: Path) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    from metrics.models import Account, ImportStatus
    from metrics.services import import_path
    from teams.models import Team

    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    platform = os.environ.get("BENCH_PLATFORM", "facebook")
    handle = os.environ.get("BENCH_HANDLE", "loomwellroasters")
    account, _ = Account.objects.get_or_create(
        team=team, platform=platform, handle=handle, defaults={"own_domains": "loomwell.example"}
    )
    global STARTED  # Django's start-up is not part of the import's throughput
    STARTED = time.perf_counter()
    job = import_path(team=team, path=path, account=account)
    if job.status != ImportStatus.SUCCEEDED:
        raise SystemExit(f"import failed: {job.message}")
    return job.rows_read


CASES = {
    "csv_parse": csv_parse,
    "raw_sqlite": raw_sqlite,
    "raw_postgres": raw_postgres,
    "import": importer,
}

if __name__ == "__main__":
    case, file = sys.argv[1], Path(sys.argv[2])
    STARTED = time.perf_counter()
    rows = CASES[case](file)
    seconds = time.perf_counter() - STARTED
    print(json.dumps({"case": case, "rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}))
