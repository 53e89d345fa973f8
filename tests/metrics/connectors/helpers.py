"""Running a connector against pytest-httpserver: a context pointed at the local server,
sleeps recorded instead of slept, and the pages a fetch yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from metrics.connectors.base import ConnectorSpec, HttpClient, Page, SyncContext

RESPONSES = Path(__file__).resolve().parent / "responses"


@dataclass
class Run:
    pages: list[Page]
    cursor: dict[str, Any]
    sleeps: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the connector told the user

    @property
    def posts(self):
        return [post for page in self.pages for post in page.posts]

    @property
    def observations(self):
        return [obs for page in self.pages for obs in page.observations]

    @property
    def mentions(self):
        return [mention for page in self.pages for mention in page.mentions]


def context(
    spec: ConnectorSpec,
    base_url: str,
    *,
    handle: str,
    platform: str = "",
    credentials: dict[str, str] | None = None,
    cursor: dict[str, Any] | None = None,
    today: date = date(2026, 11, 20),
    tz: str = "UTC",
    since: datetime = datetime(2026, 8, 1, tzinfo=UTC),
    fetch_mentions: bool = True,
    max_pages: int = 50,
    sleeps: list[float] | None = None,
) -> SyncContext:
    creds = credentials or {}
    recorded = sleeps if sleeps is not None else []
    http = HttpClient(
        base_url,
        platform=spec.label,
        headers=spec.auth_headers(creds),
        classify_error=spec.classify_error,
        sleep=recorded.append,
        max_wait=120,
    )
    return SyncContext(
        platform=platform or spec.platforms[0],
        handle=handle,
        http=http,
        credentials=creds,
        cursor=dict(cursor or {}),
        today=today,
        tz=ZoneInfo(tz),
        since=since,
        fetch_mentions=fetch_mentions,
        max_pages=max_pages,
    )


def run(spec: ConnectorSpec, base_url: str, **kwargs: Any) -> Run:
    """Fetch everything, merging each page's cursor as the sync service does."""
    sleeps: list[float] = []
    ctx = context(spec, base_url, sleeps=sleeps, **kwargs)
    pages: list[Page] = []
    cursor = dict(ctx.cursor)
    try:
        for page in spec.fetch(ctx):
            pages.append(page)
            merge_cursor(cursor, page.cursor)
    finally:
        ctx.http.close()
    return Run(pages, cursor, sleeps, ctx.notes)


def merge_cursor(cursor: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if value is None:
            cursor.pop(key, None)
        else:
            cursor[key] = value


def load(name: str) -> Any:
    """A recorded response body from tests/metrics/connectors/responses/."""
    import json

    return json.loads((RESPONSES / name).read_text(encoding="utf-8"))
