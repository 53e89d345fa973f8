"""The demo competitor's public data: saved API pages replayed through the real connectors.

tests/fixtures/competitors/<platform>/<handle>/<fetched at>/ holds one sync each, as the
public APIs answered it (made by scripts/make_demo_competitor_pages.py): the JSON bodies,
and `requests.json` naming the request each answers. Each folder is replayed, oldest first,
by the one sync service (metrics.connectors.sync.connector_sync) with an HTTP transport that
answers from the folder instead of the network: the connector's own requests, parsing,
paging and cursor, and the one ingest path, exactly as a live sync of a competitor runs,
with the folder's fetch time as the run's time. So the demo's competitor page and quarterly
summary are filled offline, and the connectors show how old their data is.

The demo's connectors are left disabled: their hosts are fictional, and a scheduled sync
would only fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from django.core.exceptions import ImproperlyConfigured

from metrics.connectors.sync import SyncOutcome, connector_sync
from metrics.models import Account, Connector
from metrics.platforms import Platform
from teams.models import Team

PAGES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "competitors"

# (platform, handle, connector kind): the demo's competitor accounts with saved pages.
DEMO_COMPETITOR_SYNCS: list[tuple[str, str, str]] = [
    (Platform.MASTODON, "kettleandcrumb@mastodon.example", "mastodon"),
    (Platform.BLUESKY, "kettleandcrumb.bsky.social", "bluesky"),
]


class UnsavedRequest(Exception):
    """The connector asked for something the saved pages do not hold."""


def _key(method: str, url: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    return (method.upper(), parts.netloc.lower(), parts.path, tuple(sorted(parse_qsl(parts.query))))


@dataclass(frozen=True)
class SavedFetch:
    """One saved sync: when it was fetched, and the answers by request."""

    folder: Path
    fetched_at: datetime
    answers: dict[tuple[str, str, str, tuple[tuple[str, str], ...]], tuple[Path, dict[str, str]]]
    misses: list[str] = field(default_factory=list)  # requests the pages had no answer to

    @classmethod
    def load(cls, folder: Path) -> SavedFetch:
        manifest = json.loads((folder / "requests.json").read_text(encoding="utf-8"))
        answers = {}
        for entry in manifest["responses"]:
            method, url = entry["request"].split(" ", 1)
            answers[_key(method, url)] = (folder / entry["file"], dict(entry.get("headers", {})))
        fetched = datetime.fromisoformat(manifest["fetched_at"].replace("Z", "+00:00"))
        return cls(folder, fetched, answers)

    def transport(self) -> httpx.MockTransport:
        """Answers each request with its saved body, and a clear refusal for any other."""

        def handle(request: httpx.Request) -> httpx.Response:
            found = self.answers.get(_key(request.method, str(request.url)))
            if found is None:
                miss = (
                    f"The saved pages in {self.folder} hold no answer to {request.method} "
                    f"{request.url}; make them again with scripts/make_demo_competitor_pages.py "
                    "(they assume CONNECTOR_FIRST_SYNC_DAYS=90 and a UTC team)."
                )
                self.misses.append(miss)
                raise UnsavedRequest(miss)
            path, headers = found
            return httpx.Response(
                200,
                content=path.read_bytes(),
                headers={"Content-Type": "application/json; charset=utf-8", **headers},
            )

        return httpx.MockTransport(handle)


def saved_fetches(platform: str, handle: str) -> list[SavedFetch]:
    root = PAGES_DIR / platform / handle
    if not root.is_dir():
        raise ImproperlyConfigured(f"Demo competitor pages {root} are missing from the checkout.")
    folders = [f for f in root.iterdir() if (f / "requests.json").is_file()]
    return sorted((SavedFetch.load(f) for f in folders), key=lambda fetch: fetch.fetched_at)


def replay_competitor_pages(
    team: Team, *, sync: Callable[..., SyncOutcome] = connector_sync
) -> list[SyncOutcome]:
    """Sync each demo competitor account from its saved pages, every fetch not replayed yet
    (a connector whose last success is at or after a fetch has it already)."""
    outcomes = []
    for platform, handle, kind in DEMO_COMPETITOR_SYNCS:
        account = Account.objects.filter(
            team=team, platform=platform, handle__iexact=handle, is_competitor=True
        ).first()
        if account is None:
            continue
        connector, _ = Connector.objects.get_or_create(
            account=account, kind=kind, defaults={"enabled": False, "interval_minutes": 1440}
        )
        for fetch in saved_fetches(platform, handle):
            connector.refresh_from_db()
            if connector.last_success_at and connector.last_success_at >= fetch.fetched_at:
                continue
            outcome = sync(
                connector_id=connector.pk,
                http_options={"transport": fetch.transport()},
                now=fetch.fetched_at,
            )
            if not outcome.ok:
                raise ImproperlyConfigured(
                    f"The demo pages of {account} ({fetch.folder.name}) did not sync: "
                    f"{fetch.misses[0] if fetch.misses else outcome.message or outcome.skipped}"
                )
            outcomes.append(outcome)
    return outcomes
