"""The app served as the README's production section says: gunicorn, DEBUG=false, static
files collected and served compressed by WhiteNoise.

One real gunicorn (2 workers) on a free loopback port, a temporary SQLite database and a
temporary STATIC_ROOT; HTTPS is terminated by a "proxy" that the test plays by sending
X-Forwarded-Proto (USE_X_FORWARDED_PROTO=true). The server is stopped by the fixture, also
when an assertion fails.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import brotli
import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k3y-for-tests-only-3c2b1a0f9e8d7c6b5a49382716-production-server-strategy-tracker"
PASSWORD = "a long enough passphrase 7"

SEED = f"""
from datetime import date
from django.contrib.auth import get_user_model
from goals.models import KeyResult, Objective, Strategy
from metrics.models import Account, MetricObservation
from teams.models import Membership, Role, Team

team = Team.objects.create(name="Loomwell", slug="loomwell")
user = get_user_model().objects.create_user("alice", password={PASSWORD!r})
Membership.objects.create(team=team, user=user, role=Role.OWNER)
account = Account.objects.create(team=team, platform="x", handle="loomwellroast")
MetricObservation.objects.create(
    account=account, metric="followers", date=date(2026, 8, 1), value=1200, source="file"
)
strategy = Strategy.objects.create(
    team=team, name="Conversation first", period_start=date(2026, 7, 1),
    period_end=date(2026, 9, 30), status="active",
)
objective = Objective.objects.create(strategy=strategy, title="Grow the audience", order=0)
kr = KeyResult.objects.create(
    objective=objective, name="Followers on X reach 2,000", metric_key="followers",
    baseline=1000, target=2000, start_date=date(2026, 7, 1), due_date=date(2026, 9, 30),
)
kr.accounts.set([account])
print(kr.pk)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    host: str
    key_result: int
    log: Path


def _production_env(tmp_path: Path) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO", "DATABASE", "CELERY", "CACHE", "STATIC", "MEDIA"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ENV_FILE"}
    }
    return {
        **keep,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "USE_X_FORWARDED_PROTO": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ENV_FILE": str(tmp_path / "no.env"),  # a developer's .env must not leak in
        "WEB_CONCURRENCY": "2",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("production")
    env = _production_env(tmp_path)
    _manage(env, "migrate", "--noinput", "-v0")
    # The API documentation's bundles and source maps are left out to keep the test short
    # (a minute of Brotli on two cores); Plotly, the admin's and the site's files are in.
    _manage(
        env,
        "collectstatic",
        "--noinput",
        "-v0",
        "--ignore",
        "*.map",
        "--ignore",
        "drf_spectacular_sidecar",
        "--ignore",
        "rest_framework",
    )
    key_result = int(_manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "strategy_tracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            try:
                httpx.get(f"{url}/accounts/login/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"gunicorn never answered:\n{log.read_text()}"
                time.sleep(0.2)
        yield Server(url=url, host=f"127.0.0.1:{port}", key_result=key_result, log=log)
    finally:
        # The whole session (master and workers); SIGTERM is gunicorn's graceful stop.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Browser:
    """A browser behind the TLS proxy: every request says it came over HTTPS.

    The session and CSRF cookies are Secure, so a cookie jar would not send them over the
    test's plain-HTTP hop; they are kept here and sent as the browser would over HTTPS.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.client = httpx.Client(base_url=server.url, timeout=30)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, path, params=params, data=data, headers=sent)
        for raw in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                assert morsel["secure"], f"{name} cookie is not Secure in production"
                self.cookies[name] = morsel.value
        return response

    def sign_in(self, username: str, password: str) -> httpx.Response:
        page = self.request("GET", "/accounts/login/")
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no CSRF token on the sign-in page"
        return self.request(
            "POST",
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Referer": f"https://{self.server.host}/accounts/login/"},
        )


def _raw_get(url: str, encoding: str) -> tuple[httpx.Response, bytes]:
    headers = {"Accept-Encoding": encoding, "X-Forwarded-Proto": "https"}
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        return response, b"".join(response.iter_raw())


def test_it_redirects_plain_http_to_https(server: Server) -> None:
    response = httpx.get(f"{server.url}/accounts/login/")
    assert response.status_code == 301
    assert response.headers["location"] == f"https://{server.host}/accounts/login/"


def test_it_signs_in_and_serves_the_dashboard_in_production_mode(server: Server) -> None:
    browser = Browser(server)
    signed_in = browser.sign_in("alice", PASSWORD)
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert signed_in.headers["location"] == "/"
    assert "sessionid" in browser.cookies

    dashboard = browser.request("GET", "/", params={"as_of": "2026-08-15"})
    assert dashboard.status_code == 200
    assert "Conversation first" in dashboard.text
    assert "Followers on X reach 2,000" in dashboard.text
    assert dashboard.headers["strict-transport-security"].startswith("max-age=31536000")
    # Production mode: no debug page for a missing URL.
    missing = browser.request("GET", "/no-such-page/")
    assert missing.status_code == 404
    assert "Using the URLconf" not in missing.text


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)]
)
def test_it_serves_plotly_hashed_and_compressed(server: Server, encoding, decompress) -> None:
    browser = Browser(server)
    assert browser.sign_in("alice", PASSWORD).status_code == 302
    page = browser.request("GET", f"/key-results/{server.key_result}/")
    assert page.status_code == 200
    src = re.search(r'<script src="(/static/plotly/plotly\.min\.[0-9a-f]{12}\.js)"', page.text)
    assert src, "the key result page does not link Plotly's hashed file"

    # Static files need no session: a fresh client, as a browser's cache would ask. The
    # body is read as it came over the wire (httpx would otherwise decode it).
    response, body = _raw_get(f"{server.url}{src[1]}", encoding)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    max_age = re.search(r"max-age=(\d+)", response.headers["cache-control"])
    assert max_age and int(max_age[1]) >= 365 * 24 * 3600
    assert len(body) < 2_000_000  # 4.8 MB uncompressed
    assert decompress(body).startswith(b"/**")  # plotly.min.js opens with its licence comment
    assert b"Plotly" in decompress(body)[:2000]


def test_it_serves_the_uncompressed_file_to_a_client_that_asks_for_no_encoding(
    server: Server,
) -> None:
    browser = Browser(server)
    assert browser.sign_in("alice", PASSWORD).status_code == 302
    page = browser.request("GET", f"/key-results/{server.key_result}/")
    src = re.search(r'<script src="(/static/plotly/plotly\.min\.[0-9a-f]{12}\.js)"', page.text)
    assert src
    response, body = _raw_get(f"{server.url}{src[1]}", "identity")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert len(body) > 4_000_000
