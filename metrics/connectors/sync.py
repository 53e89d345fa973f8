"""The one sync service every connector runs through.

A sync claims the connector (one run at a time), asks the connector's module for pages
and writes each page in its own transaction together with the cursor after it: a run
that stops half-way leaves whole pages and a cursor to resume from, never half a page.
Everything goes through the same write path as file imports (metrics.ingest): one
snapshot per run, observed when the run started.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from metrics import connectors, signals
from metrics.connectors import credentials as vault
from metrics.connectors.base import (
    AuthFailed,
    ConnectorError,
    ConnectorSpec,
    HttpClient,
    Page,
    RateLimited,
    RequestRefused,
    SyncContext,
    days_ago,
)
from metrics.ingest.mentions import mention_days_to_refresh, mentions_rollup
from metrics.ingest.session import IngestSession, RecordRejected
from metrics.ingest.snapshots import SourceRef
from metrics.models import Connector, SnapshotKind
from strategy_tracker import jobs

logger = logging.getLogger(__name__)

# What the connector shows when the worker running its sync died (killed for memory, or
# for the time limit); the reaper writes it.
SYNC_WORKER_STOPPED = (
    "The worker stopped while syncing (it may have run out of memory); the pages written "
    "so far are kept and the next sync resumes after them."
)

PageCallback = Callable[["SyncOutcome"], None]


@dataclass
class SyncOutcome:
    connector_id: int
    ok: bool = False
    skipped: str = ""  # why the run did not start (already running, ...)
    message: str = ""  # the error, for a failed run
    retry: bool = False  # worth trying again soon (5xx, network, rate limit)
    retry_at: datetime | None = None
    pages: int = 0
    posts: int = 0
    observations: int = 0
    mentions: int = 0
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_summary(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "posts": self.posts,
            "observations": self.observations,
            "mentions": self.mentions,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "notes": self.notes,
        }


def _presumed_dead(now: datetime) -> Q:
    """Runs whose heartbeat (written with each page) stopped: their worker died."""
    limit = jobs.stale_before(now)
    return Q(running_since__isnull=False) & (
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, running_since__lt=limit)
    )


def _claim(connector_id: int, now: datetime) -> bool:
    """Mark the connector as running unless another live run holds it (atomic). The run's
    `running_since` is its claim: a run presumed dead and replaced finds out at its next
    page, which it then does not write."""
    claimed = (
        Connector.objects.filter(pk=connector_id)
        .filter(Q(running_since__isnull=True) | _presumed_dead(now))
        .update(running_since=now, heartbeat_at=now)
    )
    return claimed == 1


def public_addresses(host: str) -> list[str]:
    """The addresses to connect to for `host`: resolved once, and refused when any address it
    resolves to is private, loopback or link-local (unless CONNECTOR_ALLOW_PRIVATE_NETWORKS).
    A connector's base URL is typed in by a team member and must not become a way to reach
    the server's own network; the HTTP client connects to the address checked here (never
    resolving the name again), so a resolver answering a public address first and 127.0.0.1
    second (DNS rebinding) gains nothing."""
    try:
        addresses = [str(info[4][0]) for info in socket.getaddrinfo(host, None)]
    except (socket.gaierror, UnicodeError):
        raise RequestRefused(f"{host} could not be found (DNS); check the base URL.") from None
    if not settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise RequestRefused(
                    f"{host} is a private or local address; connectors only reach public hosts."
                )
    return list(dict.fromkeys(addresses))


class _ClaimLost(ConnectorError):
    def __init__(self) -> None:
        super().__init__(
            "This run was presumed dead (no sign of life for too long) and another took "
            "over; it stopped without writing its last page."
        )


def connector_syncs_reap() -> int:
    """Release connectors whose sync's worker died (heartbeat stopped), saying so on the
    connector; the next scheduled sync resumes from the stored cursor. Returns how many."""
    now = timezone.now()
    reaped = Connector.objects.filter(_presumed_dead(now)).update(
        running_since=None,
        heartbeat_at=None,
        last_attempt_at=now,
        last_error=SYNC_WORKER_STOPPED,
        last_error_at=now,
    )
    if reaped:
        logger.warning("Released %s connector(s) whose sync's worker stopped", reaped)
    return reaped


def public_host_guard(host: str) -> None:
    """Refuse a host that resolves to a private or local address (see public_addresses); for
    forms, which check a base URL before anything connects."""
    if settings.CONNECTOR_ALLOW_PRIVATE_NETWORKS:
        return
    try:
        public_addresses(host)
    except RequestRefused as exc:
        if "private or local" in str(exc):
            raise
        # An unknown host: the sync itself reports it.


def base_url_for(connector: Connector, spec: ConnectorSpec) -> str:
    if connector.base_url:
        return connector.base_url
    if spec.base_url_for_handle is not None:
        derived = spec.base_url_for_handle(connector.account.handle)
        if derived:
            return derived
    return spec.default_base_url


def missing_credentials(spec: ConnectorSpec, credentials: dict[str, str]) -> list[str]:
    return [f.label for f in spec.credential_fields if f.required and not credentials.get(f.name)]


def team_credentials(connector: Connector, spec: ConnectorSpec) -> dict[str, str]:
    """The required credentials a competitor's connector may use from the team's own
    connector of the same kind: the team's YouTube API key or X bearer token reads any
    public account, so it need not be entered again for each competitor. Only required
    credentials: optional ones (a Mastodon token, a Bluesky app password) belong to the
    team's own account and read its own inbox."""
    if not connector.account.is_competitor:
        return {}
    required = {f.name for f in spec.credential_fields if f.required}
    if not required:
        return {}
    own = (
        Connector.objects.filter(
            account__team_id=connector.account.team_id,
            account__is_competitor=False,
            kind=connector.kind,
        )
        .exclude(credentials_encrypted="")
        .order_by("pk")
    )
    for candidate in own:
        try:
            stored = vault.decrypt(candidate.credentials_encrypted)
        except vault.CredentialsUnreadable:
            continue
        found = {name: value for name, value in stored.items() if name in required}
        if found:
            return found
    return {}


def sync_credentials(connector: Connector, spec: ConnectorSpec) -> dict[str, str]:
    """The connector's own credentials; for a competitor's account, the required ones it
    lacks come from the team's own connector of the same kind (team_credentials)."""
    credentials = vault.decrypt(connector.credentials_encrypted)
    if missing_credentials(spec, credentials):
        credentials = {**team_credentials(connector, spec), **credentials}
    return credentials


def connector_sync(
    *,
    connector_id: int,
    on_page: PageCallback | None = None,
    http_options: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> SyncOutcome:
    """Run one connector now, in the foreground. Never raises for the platform's sake:
    a failure is recorded on the connector and returned in the outcome.

    `now` is when the run counts as fetched (its snapshot time, its day for the levels read,
    its last success): the clock unless given. Only a replay of saved API pages (the demo)
    gives it, so those pages count as fetched when they were saved."""
    outcome = SyncOutcome(connector_id=connector_id)
    started = time.monotonic()
    replayed_at = now
    now = now or timezone.now()
    if not _claim(connector_id, now):
        outcome.skipped = "another sync of this connector is running"
        return outcome
    connector = Connector.objects.select_related("account__team").get(pk=connector_id)
    refused = False
    try:
        _run(connector, outcome, on_page, http_options or {}, now)
    except ConnectorError as exc:
        outcome.message = str(exc)
        outcome.retry = exc.retry
        refused = isinstance(exc, AuthFailed)
        if isinstance(exc, RateLimited):
            outcome.retry_at = exc.retry_at
    except vault.CredentialsUnreadable as exc:
        outcome.message = str(exc)
        refused = True
    except Exception:
        logger.exception("Sync of connector %s crashed", connector_id)
        outcome.message = (
            "The sync stopped on an internal error; the pages written so far are kept and "
            "the next run resumes after them. The team running Strategy Tracker has the "
            "details in its logs."
        )
    else:
        outcome.ok = True
    outcome.seconds = time.monotonic() - started
    finished: dict[str, Any] = {
        "last_attempt_at": now,
        "running_since": None,
        "last_summary": outcome.as_summary(),
        "retry_after": outcome.retry_at,
        "credentials_refused": refused,
    }
    if outcome.ok:
        finished.update(last_success_at=replayed_at or timezone.now(), last_error="")
    else:
        finished.update(last_error=outcome.message, last_error_at=replayed_at or timezone.now())
    # Only while the claim is still this run's: a run that took over owns the record.
    with transaction.atomic():  # the alert (failures in a row, key results) commits with it
        if Connector.objects.filter(pk=connector_id, running_since=now).update(
            heartbeat_at=None, **finished
        ):
            signals.connector_sync_finished.send(
                sender=Connector, connector_id=connector_id, ok=outcome.ok
            )
    return outcome


def _run(
    connector: Connector,
    outcome: SyncOutcome,
    on_page: PageCallback | None,
    http_options: dict[str, Any],
    now: datetime,
) -> None:
    account = connector.account
    spec = connectors.get(connector.kind)
    credentials = sync_credentials(connector, spec)
    missing = missing_credentials(spec, credentials)
    if missing:
        what = " and ".join(missing)
        if account.is_competitor:
            raise AuthFailed(
                f"{spec.label} publishes nothing without the team's own {what}: enter it on "
                "this connector or on a connector of the team's own account of this kind "
                "(a competitor's credentials are never needed)."
            )
        raise AuthFailed(f"Enter the {what} to sync this connector.")
    base_url = base_url_for(connector, spec)
    if not base_url.startswith(("https://", "http://")):
        raise ConnectorError("Enter the API base URL (for Mastodon: your instance).")
    team = account.team
    today = timezone.localdate(now, timezone=team.tzinfo)
    with HttpClient(
        base_url,
        platform=spec.label,
        headers=spec.auth_headers(credentials),
        classify_error=spec.classify_error,
        resolve=public_addresses,
        **http_options,
    ) as http:
        ctx = SyncContext(
            platform=account.platform,
            handle=account.handle,
            http=http,
            credentials=credentials,
            cursor=dict(connector.cursor),
            today=today,
            tz=team.tzinfo,
            since=days_ago(today, settings.CONNECTOR_FIRST_SYNC_DAYS, team.tzinfo),
            fetch_mentions=not account.is_competitor,
            notes=outcome.notes,
        )
        # One snapshot per run: every page of it was fetched from `now` on.
        source = SourceRef(
            kind=SnapshotKind.API,
            format_key=f"api:{spec.key}",
            key=f"run-{now.isoformat()}",
            profile=spec.profile,
            label=f"{spec.label} sync",
            observed_at=now,
            connector_id=connector.pk,
        )
        try:
            for page in spec.fetch(ctx):
                _write_page(connector, page, ctx, outcome, source)
                outcome.pages += 1
                outcome.requests = http.requests
                if on_page is not None:
                    on_page(outcome)
        finally:
            outcome.requests = http.requests
    with transaction.atomic():
        # Mentions still waiting become due as time passes, without any new page.
        mentions_rollup(account=account, days=mention_days_to_refresh(account=account, now=now))


def _write_page(
    connector: Connector, page: Page, ctx: SyncContext, outcome: SyncOutcome, source: SourceRef
) -> None:
    """One page, with the cursor after it, in one transaction (whole pages or nothing)."""
    with transaction.atomic():
        session = IngestSession(account=connector.account, source=source)
        if page.profile is not None:
            session.add_profile(page.profile)
        for post in page.posts:
            try:
                session.add_post(post)
            except RecordRejected as exc:  # one odd post must not stop the account's sync
                logger.warning("Skipped post %s of %s: %s", post.platform_id, connector, exc)
        for observation in page.observations:
            try:
                session.add_observation(observation)
            except RecordRejected as exc:
                raise ConnectorError(
                    f"The connector produced a number it should not: {exc}."
                ) from None
        for mention in page.mentions:
            session.add_mention(mention)
        session.finish()
        cursor = dict(ctx.cursor)  # what the last page stored (the run holds the lease)
        for key, value in page.cursor.items():
            if value is None:
                cursor.pop(key, None)
            else:
                cursor[key] = value
        # The cursor, and a sign of life, only while the run still holds the connector.
        held = Connector.objects.filter(pk=connector.pk, running_since=source.observed_at)
        if not held.update(cursor=cursor, heartbeat_at=timezone.now()):
            raise _ClaimLost
        ctx.cursor = cursor
    outcome.posts += len(page.posts)
    outcome.observations += len(page.observations)
    outcome.mentions += len(page.mentions)
