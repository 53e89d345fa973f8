"""`make bench` (scale-out): 8 imports for 8 accounts with 1 and with 2 Celery workers.

Real `celery worker` processes (one pool process each) on Redis (BENCH_REDIS_URL) and
PostgreSQL (DATABASE_URL) import 8 generated daily series (Meta's layout, as in the import
benchmark; BENCH_SCALEOUT_ROWS rows each), uploaded as a user would. Prints rows/s for each
run and their ratio, lock waits sampled every 50 ms during each run (pg_locks not granted,
pg_stat_activity waiting on a lock), deadlocks (pg_stat_database's counter before and
after), and checks that each run stored exactly the rows of the files, once each.

python -m bench.scaleout (DATABASE_URL: a migrated PostgreSQL database; DEBUG=true)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = 8
ROWS = int(os.environ.get("BENCH_SCALEOUT_ROWS", "100000"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TIMEOUT = 30 * 60
# One pool process per worker: "2 workers" are two worker processes, as on two hosts.
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "strategy_tracker", "worker"]
CELERY_WORKER += [
    "-P",
    "prefork",
    "-c",
    "1",
    "-l",
    "WARNING",
    "--without-gossip",
    "--without-mingle",
]


@dataclass
class LockSampler:
    """Samples lock waits in the benchmark's database from its own connection."""

    dsn: dict[str, object]
    samples: int = 0
    waiting_samples: int = 0
    max_waiting: int = 0
    kinds: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        import psycopg

        with psycopg.connect(**self.dsn, autocommit=True) as con:  # type: ignore[arg-type]
            while not self.stop.is_set():
                locks = con.execute(
                    "SELECT l.locktype, l.mode FROM pg_locks l JOIN pg_database d "
                    "ON d.oid = l.database WHERE NOT l.granted AND d.datname = current_database()"
                ).fetchall()
                events = con.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                ).fetchall()
                waiting = max(len(locks), len(events))
                self.samples += 1
                if waiting:
                    self.waiting_samples += 1
                    self.max_waiting = max(self.max_waiting, waiting)
                    self.kinds.update(f"{kind} {mode}" for kind, mode in locks)
                    self.kinds.update(f"waiting on {event}" for (event,) in events)
                self.stop.wait(0.05)


def _dsn() -> dict[str, object]:
    import dj_database_url

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    return {
        "host": cfg["HOST"],
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"],
        "password": cfg.get("PASSWORD") or None,
        "dbname": cfg["NAME"],
    }


def _deadlocks() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _start_workers(count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    from strategy_tracker.celery import app

    workers = []
    for n in range(count):
        log = (log_dir / f"worker-{count}-{n}.log").open("w")
        workers.append(
            subprocess.Popen(
                [*CELERY_WORKER, "-n", f"scaleout{n}@%h"],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=1) or []) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            _stop_workers(workers)
            raise SystemExit(f"the Celery workers did not come up; see {log_dir}")
    return workers


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def _run(worker_count: int, files: list[Path], work: Path) -> dict[str, Any]:
    import redis
    from django.core.files import File

    from metrics.models import Account, ImportJob, ImportStatus, MetricObservation
    from metrics.services import import_job_create
    from teams.models import Team

    redis.Redis.from_url(REDIS_URL).flushdb()
    team = Team.objects.create(name=f"Scale-out {worker_count}", slug=f"scaleout-{worker_count}")
    accounts = [
        Account.objects.create(team=team, platform="facebook", handle=f"page{i}")
        for i in range(ACCOUNTS)
    ]
    workers = _start_workers(worker_count, work)
    sampler = LockSampler(_dsn())
    thread = threading.Thread(target=sampler.run, daemon=True)
    deadlocks_before = _deadlocks()
    try:
        thread.start()
        began = time.perf_counter()
        jobs = []
        for account, path in zip(accounts, files, strict=True):
            with path.open("rb") as fh:
                jobs.append(
                    import_job_create(
                        team=team, user=None, upload=File(fh, path.name), account=account
                    )
                )
        ids = [job.pk for job in jobs]
        deadline = time.monotonic() + TIMEOUT
        while (
            ImportJob.objects.filter(pk__in=ids)
            .exclude(status__in=[ImportStatus.SUCCEEDED, ImportStatus.FAILED])
            .exists()
        ):
            if time.monotonic() > deadline:
                raise SystemExit(f"the imports did not finish in {TIMEOUT} s; see {work}")
            if any(w.poll() is not None for w in workers):
                raise SystemExit(f"a Celery worker died; see {work}")
            time.sleep(0.2)
        seconds = time.perf_counter() - began
    finally:
        sampler.stop.set()
        thread.join(timeout=5)
        _stop_workers(workers)
    finished = list(ImportJob.objects.filter(pk__in=ids))
    failed = [job for job in finished if job.status != ImportStatus.SUCCEEDED]
    if failed:
        raise SystemExit(f"{len(failed)} imports failed: {failed[0].message}")
    stored = MetricObservation.objects.filter(account__team=team).count()
    rows_read = sum(job.rows_read for job in finished)
    return {
        "seconds": seconds,
        "rows": stored,
        "rows_read": rows_read,
        "runs": sum(job.attempt for job in finished),
        "samples": sampler.samples,
        "waiting_samples": sampler.waiting_samples,
        "max_waiting": sampler.max_waiting,
        "kinds": ", ".join(sorted(sampler.kinds)) or "none",
        "deadlocks": _deadlocks() - deadlocks_before,
    }


def main() -> None:
    import django

    if not os.environ.get("CELERY_BROKER_URL"):
        os.environ["CELERY_BROKER_URL"] = REDIS_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    import redis
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("the scale-out benchmark runs on PostgreSQL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        print(f"  no Redis at {REDIS_URL} ({exc}); skipped")
        return
    work = Path(tempfile.mkdtemp(prefix="st-bench-scaleout-"))
    # Different lengths, so no two files are the same upload.
    files = [generate.daily_series(work / f"Follows-{i}.csv", ROWS + i) for i in range(ACCOUNTS)]
    expected = sum(ROWS + i for i in range(ACCOUNTS))
    results = {}
    for count in (1, 2):
        r = results[count] = _run(count, files, work)
        print(
            f"  {count} worker{'s' if count > 1 else ' '}: {ACCOUNTS} imports of {ROWS:,} rows in "
            f"{r['seconds']:6.1f} s = {r['rows'] / r['seconds']:>8,.0f} rows/s; stored "
            f"{r['rows']:,} rows (files: {expected:,}), {r['runs']:.0f} task runs; lock waits "
            f"in {r['waiting_samples']:.0f} of {r['samples']:.0f} samples (at most "
            f"{r['max_waiting']:.0f} waiting: {r['kinds']}); deadlocks {r['deadlocks']:.0f}"
        )
        if r["rows"] != expected or r["rows_read"] != expected:
            raise SystemExit(
                f"  {r['rows']:,} rows stored, {expected:,} expected: duplicates or loss"
            )
    one, two = results[1], results[2]
    ratio = (two["rows"] / two["seconds"]) / (one["rows"] / one["seconds"])
    print(
        f"  2 workers / 1 worker throughput: {ratio:.2f}x; same rows in both runs: "
        f"{'yes' if one['rows'] == two['rows'] else 'NO'}; deadlocks: "
        f"{one['deadlocks'] + two['deadlocks']:.0f} (on a 2-core machine shared with others)"
    )


if __name__ == "__main__":
    main()
