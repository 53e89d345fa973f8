"""`make bench` (load): the pages under concurrent signed-in users, served as in production.

gunicorn (BENCH_LOAD_WORKERS workers, 4) with DEBUG=false and WhiteNoise, on PostgreSQL
holding the dashboard benchmark's data set (~10 M observations, BENCH_OBSERVATIONS) plus a
quarter of posts for the measured team. BENCH_LOAD_USERS (20) users, each signed in with
their own session, loop for BENCH_LOAD_SECONDS (60) over the dashboard, a key result page,
conversation health and the API's progress endpoint: a bounded asyncio loop of httpx
clients on the loopback, which stops by itself. Prints p50/p95/p99, requests/s and errors
per page, next to the time of the same page for a single user and its query count.
Target: p95 under 300 ms on the dashboard and the key result page, no errors.

python -m bench.load (DATABASE_URL: a migrated, empty PostgreSQL database; DEBUG=true
for this process, which builds the data; the server gets a production environment)
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import dashboard

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
SINGLE_USER_RUNS = 9
IGNORED_STATIC = ["-i", "*.map", "-i", "drf_spectacular_sidecar", "-i", "rest_framework"]
# The settings' production checks want a real key; this one only ever signs bench sessions.
SECRET_KEY = "bench-load-3f9a1c7e5b2d4068a1c3e5f7092b4d6f8a0c2e4f6b8d0a2c4e6f8091b3d5f7a9"  # noqa: S105


@dataclass
class Page:
    name: str
    path: str
    target_ms: float | None
    single_ms: float = 0.0
    queries: int = 0
    times: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _add_posts(own: list[Any], start: Any, end: Any) -> int:
    """Four posts a day per measured account over the quarter, of every kind, so that
    conversation health has real work (mix, replies, people addressed)."""
    from metrics.models import Post

    rng = random.Random(5)  # noqa: S311 - reproducible benchmark data
    people = [f"person_{i}" for i in range(300)]
    posts = []
    day = start
    while day <= end:
        for account in own:
            for n in range(4):
                kind = ("original", "reply", "reshare", "quote")[rng.randrange(4)]
                who = rng.choice(people)
                posts.append(
                    Post(
                        account=account,
                        platform_id=f"{account.pk}-{day.isoformat()}-{n}",
                        published_at=datetime(day.year, day.month, day.day, 9 + n * 3, tzinfo=UTC),
                        local_date=day,
                        text=f"@{who} what are you brewing?" if kind == "reply" else "New beans",
                        kind=kind,
                        in_reply_to_handle=who if kind == "reply" else "",
                        reshared_handle=who if kind == "reshare" else "",
                        addressed=[who] if kind in ("reply", "quote") else [],
                        is_question=kind == "reply",
                        is_promotional=kind == "original" and n == 0,
                        impressions=rng.randint(100, 5000),
                        likes=rng.randint(0, 50),
                        replies=rng.randint(0, 9),
                    )
                )
        day += timedelta(days=1)
    Post.objects.bulk_create(posts, batch_size=2000)
    return len(posts)


def _production_env(static_root: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "ALLOWED_HOSTS", "ENV_FILE", "STATIC_ROOT", "CELERY_BROKER_URL"}
    }
    return {
        **env,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "USE_X_FORWARDED_PROTO": "true",
        "STATIC_ROOT": str(static_root),
        "ENV_FILE": str(static_root / "no.env"),
        "DATABASE_CONN_MAX_AGE": "60",
        "WEB_CONCURRENCY": str(WORKERS),
        "BIND": f"127.0.0.1:{port}",
        "WEB_ACCESS_LOG": str(static_root.parent / "access.log"),
        # 20 users × 15 API requests a minute stays far below the default per-user rate.
    }


def _single_user(pages: list[Page], client: Any) -> None:
    """Each page for one signed-in user in this process (Django's test client): the
    server time without contention, and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        times = []
        for _ in range(SINGLE_USER_RUNS):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(page.path)
                times.append(time.perf_counter() - began)
            assert response.status_code == 200, (page.path, response.status_code)
            page.queries = len(captured.captured_queries)
        page.single_ms = statistics.median(times[1:]) * 1000


async def _user(number: int, base: str, session: str, pages: list[Page], deadline: float) -> None:
    headers = {"Cookie": f"sessionid={session}", "X-Forwarded-Proto": "https"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        turn = number
        while time.monotonic() < deadline:
            page = pages[turn % len(pages)]
            turn += 1
            began = time.perf_counter()
            try:
                response = await client.get(page.path)
                ok = response.status_code == 200
                why = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                ok, why = False, f"{type(exc).__name__}: {exc}"
            if ok:
                page.times.append(time.perf_counter() - began)
            else:
                page.errors += 1
                page.first_error = page.first_error or why


async def _load(base: str, sessions: list[str], pages: list[Page], seconds: float) -> float:
    """Every user loops until the deadline; each request waits at most 30 s, so the run
    ends by itself within seconds + 30 s."""
    assert base.startswith("http://127.0.0.1:"), "the load run stays on the loopback"
    began = time.monotonic()
    deadline = began + seconds
    await asyncio.gather(
        *(_user(n, base, session, pages, deadline) for n, session in enumerate(sessions))
    )
    return time.monotonic() - began


def _wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"{base}/accounts/login/", timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn never answered:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 for gone ones)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _server_pids(master: int) -> list[int]:
    """gunicorn's workers, and the PostgreSQL backends serving them (same host)."""
    from django.db import connection

    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        backends = [int(row[0]) for row in cursor.fetchall()]
    return [int(pid) for pid in children] + backends


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> None:
    import django

    os.environ["SECRET_KEY"] = SECRET_KEY  # the server must accept the sessions made here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from teams.models import Membership, Role

    data = dashboard.build()
    posts = _add_posts(data.own, data.quarter.start, dashboard.TODAY)
    print(f"  plus {posts:,} posts for the measured team's quarter")
    as_of = f"as_of={dashboard.TODAY.isoformat()}"
    kr = data.krs[2]
    pages = [
        Page("dashboard", f"/?{as_of}", 300),
        Page("key result page", f"/key-results/{kr.pk}/?{as_of}", 300),
        Page("conversation health", "/conversation/", None),
        Page("API progress", f"/api/v1/key-results/{kr.pk}/progress/?{as_of}", None),
    ]
    sessions = []
    for n in range(USERS):
        user = get_user_model().objects.create_user(f"load{n}")
        Membership.objects.create(team=data.team, user=user, role=Role.VIEWER)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    single = Client()
    single.force_login(data.user)
    _single_user(pages, single)

    work = Path(tempfile.mkdtemp(prefix="st-bench-load-"))
    port = _free_port()
    env = _production_env(work / "static", port)
    # The API documentation's bundles and source maps are not on these pages; leaving them
    # out saves a minute of Brotli (README: production collects everything).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *IGNORED_STATIC],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = work / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "strategy_tracker.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(server, base, log)
        # Warm each worker's connection and caches, as a server that has been up a while.
        warm = [Page(p.name, p.path, None) for p in pages]
        asyncio.run(_load(base, sessions[:WORKERS], warm, 3))
        pids = _server_pids(server.pid)
        cpu_before, busy_before = _cpu_seconds(pids), _machine_busy_seconds()
        elapsed = asyncio.run(_load(base, sessions, pages, SECONDS))
        cpu = _cpu_seconds(pids) - cpu_before
        busy = _machine_busy_seconds() - busy_before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    total = sum(len(p.times) + p.errors for p in pages)
    print(
        f"  gunicorn, {WORKERS} workers, DEBUG=false; {USERS} users for {elapsed:.0f} s: "
        f"{total:,} requests, {total / elapsed:.1f}/s (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, shared)"
    )
    cores = os.cpu_count() or 1
    print(
        f"  CPU in the run: gunicorn workers and their PostgreSQL backends {cpu:.0f} s "
        f"= {cpu / max(total, 1) * 1000:.0f} ms a request; the whole machine {busy:.0f} s of "
        f"{cores} × {elapsed:.0f} s ({busy - cpu:.0f} s by everything else: the load "
        f"generator and other work on the host)"
    )
    print(
        f"  {'page':22} {'requests/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}   single user   queries"
    )
    for p in pages:
        target = f"  (target p95 < {p.target_ms:.0f} ms)" if p.target_ms else ""
        print(
            f"  {p.name:22} {len(p.times) / elapsed:10.1f} {_percentile(p.times, 50):8.0f} "
            f"{_percentile(p.times, 95):8.0f} {_percentile(p.times, 99):8.0f} {p.errors:6d}   "
            f"{p.single_ms:8.0f} ms   {p.queries:5d}{target}"
        )
        if p.errors:
            print(f"    first error: {p.first_error}")
    missed = [
        p.name
        for p in pages
        if p.errors or (p.target_ms and _percentile(p.times, 95) >= p.target_ms)
    ]
    print(f"  targets: {'met' if not missed else 'missed on ' + ', '.join(missed)}")


if __name__ == "__main__":
    main()
