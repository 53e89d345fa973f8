"""`make bench`: import throughput and memory against raw baselines, SQLite and PostgreSQL.

Prints a table; the targets (issue 3): a first import within 2.5x of the raw load, a
re-import within 5x, and peak memory that does not grow with the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/strategy_tracker_bench"
)
SERIES_ROWS = int(os.environ.get("BENCH_SERIES_ROWS", "1000000"))
ARCHIVE_POSTS = int(os.environ.get("BENCH_ARCHIVE_POSTS", "200000"))


# The generated million-day series starts in 1900 and runs for 2,700 years: open the
# accepted window (metrics/ingest/bounds.py) for it; the work per row is the same.
WIDE_WINDOW = {"INGEST_FIRST_DAY": "1800-01-01", "INGEST_DAYS_AHEAD": "2000000"}


def run_case(case: str, file: Path, env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.case", case, str(file)],
        cwd=ROOT,
        # The benchmark files are larger than the default upload limit, on purpose.
        env={**os.environ, "DEBUG": "true", "IMPORT_MAX_UPLOAD_MB": "1000", **WIDE_WINDOW, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{case} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **WIDE_WINDOW, **env},
        check=True,
    )


def fresh_postgres() -> bool:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(PG_URL)
    try:
        with psycopg.connect(
            host=cfg["HOST"],
            port=cfg["PORT"] or 5432,
            user=cfg["USER"],
            dbname="postgres",
            autocommit=True,
            connect_timeout=3,
        ) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}"')
            con.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {PG_URL} ({exc}); its rows are skipped.")
        return False
    return True


def line(label: str, r: dict[str, float], base: float | None = None) -> str:
    rate = r["rows"] / r["seconds"] if r["seconds"] else 0
    ratio = f"{r['seconds'] / base:5.2f}x" if base else "     "
    return (
        f"  {label:38} {r['rows']:>9,.0f} rows {r['seconds']:8.2f} s "
        f"{rate:>11,.0f} rows/s {ratio}  peak {r['peak_mb']:7.1f} MB"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="st-bench-"))
    series = generate.daily_series(work / "Follows.csv", SERIES_ROWS)
    small = generate.daily_series(work / "Follows-small.csv", SERIES_ROWS // 10)
    # Small files must not pay for the columnar path (polars is loaded for large batches only).
    tiny = generate.daily_series(work / "Follows-tiny.csv", 1000)
    archive = generate.x_archive(work / "twitter-archive", ARCHIVE_POSTS)
    tweets_mb = (archive / "tweets.js").stat().st_size / 1e6
    print(
        f"Daily series: {SERIES_ROWS:,} rows ({series.stat().st_size / 1e6:.0f} MB, Meta daily "
        f"UTF-16); X archive: {ARCHIVE_POSTS:,} posts ({tweets_mb:.0f} MB)"
    )
    parse = run_case("csv_parse", series, {})
    print(line("plain csv parsing", parse))

    databases = [("SQLite", {"DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}"})]
    if fresh_postgres():
        databases.append(("PostgreSQL", {"DATABASE_URL": PG_URL}))
    x_env = {"BENCH_PLATFORM": "x", "BENCH_HANDLE": "loomwellroast"}
    for name, env in databases:
        print(f"\n{name}")
        migrate(env)
        if name == "SQLite":
            raw = run_case(
                "raw_sqlite", series, {**env, "RAW_SQLITE_PATH": str(work / "raw.sqlite3")}
            )
            label = "raw load (executemany, 1 transaction)"
        else:
            raw = run_case("raw_postgres", series, env)
            label = "raw load (COPY)"
        print(line(label, raw))
        tiny_run = run_case("import", tiny, env)
        print(line("import 1,000-row series", tiny_run))
        small_run = run_case("import", small, env)
        print(line(f"import {SERIES_ROWS // 10:,}-row series", small_run))
        first = run_case("import", series, env)
        print(line("import daily series (first)", first, raw["seconds"]))
        again = run_case("import", series, env)
        print(line("import daily series (again)", again, raw["seconds"]))
        posts = run_case("import", archive, {**env, **x_env})
        print(line("import X archive (first)", posts))
        posts_again = run_case("import", archive, {**env, **x_env})
        print(line("import X archive (again)", posts_again))
        print(
            f"  targets: first {first['seconds'] / raw['seconds']:.2f}x (≤ 2.5x), again "
            f"{again['seconds'] / raw['seconds']:.2f}x (≤ 5x), peak memory "
            f"{small_run['peak_mb']:.0f} MB at {SERIES_ROWS // 10:,} rows vs "
            f"{first['peak_mb']:.0f} MB at {SERIES_ROWS:,}"
        )


def dashboard_bench() -> None:
    print("\nProgress pages on PostgreSQL")
    if not fresh_postgres():
        return
    env = {"DATABASE_URL": PG_URL}
    migrate(env)
    result = subprocess.run(
        [sys.executable, "-m", "bench.dashboard"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "ALLOWED_HOSTS": "testserver", **WIDE_WINDOW, **env},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("the dashboard benchmark failed")


def load_bench() -> None:
    print("\nPages under concurrent load: gunicorn on PostgreSQL")
    if not fresh_postgres():
        return
    env = {"DATABASE_URL": PG_URL}
    migrate(env)
    result = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "ALLOWED_HOSTS": "testserver", **WIDE_WINDOW, **env},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("the load benchmark failed")


def scaleout_bench() -> None:
    print("\nScale-out: 8 imports for 8 accounts, 1 and 2 Celery workers (PostgreSQL, Redis)")
    if not fresh_postgres():
        return
    work = Path(tempfile.mkdtemp(prefix="st-bench-scaleout-media-"))
    env = {"DATABASE_URL": PG_URL, "MEDIA_ROOT": str(work)}
    migrate(env)
    result = subprocess.run(
        [sys.executable, "-m", "bench.scaleout"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **WIDE_WINDOW, **env},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("the scale-out benchmark failed")


def summaries_bench() -> None:
    print("\nQuarterly summaries (SQLite, demo data)")
    work = Path(tempfile.mkdtemp(prefix="st-bench-summaries-"))
    env = {"DATABASE_URL": f"sqlite:///{work / 'summaries.sqlite3'}", "MEDIA_ROOT": str(work)}
    migrate(env)
    result = subprocess.run(
        [sys.executable, "-m", "bench.summaries"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **WIDE_WINDOW, **env},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("the summaries benchmark failed")


def bulk_bench() -> None:
    print("\nBulk observation ingestion (10,000-row requests)")
    work = Path(tempfile.mkdtemp(prefix="st-bench-bulk-"))
    targets = [{"DATABASE_URL": f"sqlite:///{work / 'bulk.sqlite3'}"}]
    if fresh_postgres():
        targets.append({"DATABASE_URL": PG_URL})
    for env in targets:
        migrate(env)
        result = subprocess.run(
            [sys.executable, "-m", "bench.bulk"],
            cwd=ROOT,
            env={
                **os.environ,
                "DEBUG": "true",
                "ALLOWED_HOSTS": "testserver",
                **WIDE_WINDOW,
                **env,
            },
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit("the bulk benchmark failed")


def connectors_bench() -> None:
    print("\nConnector sync against a local Mastodon server")
    work = Path(tempfile.mkdtemp(prefix="st-bench-sync-"))
    targets = [{"DATABASE_URL": f"sqlite:///{work / 'sync.sqlite3'}"}]
    if fresh_postgres():
        targets.append({"DATABASE_URL": PG_URL})
    for env in targets:
        migrate(env)
        result = subprocess.run(
            [sys.executable, "-m", "bench.connectors"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "true", **WIDE_WINDOW, **env},
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit("the connector sync benchmark failed")


def alerts_bench() -> None:
    print("\nAlerts: evaluation for many teams, outbox delivery to a local receiver")
    work = Path(tempfile.mkdtemp(prefix="st-bench-alerts-"))
    targets = [{"DATABASE_URL": f"sqlite:///{work / 'alerts.sqlite3'}"}]
    if fresh_postgres():
        targets.append({"DATABASE_URL": PG_URL})
    for env in targets:
        migrate(env)
        result = subprocess.run(
            [sys.executable, "-m", "bench.alerts"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "true", **env},
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit("the alerts benchmark failed")


def listening_bench() -> None:
    print("\nListening: topic collection from a local Mastodon instance, people to engage")
    work = Path(tempfile.mkdtemp(prefix="st-bench-listen-"))
    targets = [{"DATABASE_URL": f"sqlite:///{work / 'listen.sqlite3'}"}]
    if fresh_postgres():
        targets.append({"DATABASE_URL": PG_URL})
    for env in targets:
        migrate(env)
        result = subprocess.run(
            [sys.executable, "-m", "bench.listening"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "true", **env},
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit("the listening benchmark failed")


def forecasts_bench() -> None:
    print()
    subprocess.run(
        [sys.executable, "manage.py", "backtest_forecasts"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        check=True,
    )


if __name__ == "__main__":
    only = os.environ.get("BENCH_ONLY", "")
    if only in ("", "forecasts"):
        forecasts_bench()
    if only in ("", "imports"):
        main()
    if only in ("", "dashboard"):
        dashboard_bench()
    if only in ("", "load"):
        load_bench()
    if only in ("", "scaleout"):
        scaleout_bench()
    if only in ("", "summaries"):
        summaries_bench()
    if only in ("", "bulk"):
        bulk_bench()
    if only in ("", "connectors"):
        connectors_bench()
    if only in ("", "alerts"):
        alerts_bench()
    if only in ("", "listening"):
        listening_bench()
