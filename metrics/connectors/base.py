"""What every platform connector shares: the records a sync yields page by page, the
errors that decide what happens next, and the HTTP client that applies the retry rules.

Pure Python and httpx: no Django, no database. A connector module turns the platform's
JSON into the same PostRecord / ObservationRecord the file importers produce (plus
MentionRecord for the conversation coming in); the shared sync service writes them.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpcore
import httpx

from metrics.ingest.precedence import SourceProfile
from metrics.ingest.records import AccountInfo, MentionRecord, ObservationRecord, PostRecord

# --- what a sync produces -----------------------------------------------------------------


@dataclass
class Page:
    """One unit the sync service writes atomically, together with the cursor after it.

    A connector fetches everything a page needs (expansions, statistics) before it yields
    the page: what is yielded is complete, so nothing half-synced is ever written.
    """

    posts: list[PostRecord] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    mentions: list[MentionRecord] = field(default_factory=list)
    # Keys to store in the connector's cursor once the page is written (merged into what
    # is there; a key set to None is removed).
    cursor: dict[str, Any] = field(default_factory=dict)
    profile: AccountInfo | None = None  # the account as the platform names it


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    required: bool = True
    secret: bool = True  # never shown back once stored
    help_text: str = ""


@dataclass
class SyncContext:
    """Everything a connector's fetch() may use; it touches nothing else."""

    platform: str  # metrics.models.Platform value of the account
    handle: str  # the account's handle as stored (without @)
    http: HttpClient  # already pointed at the connector's base URL
    credentials: dict[str, str]  # decrypted; empty values removed
    cursor: dict[str, Any]  # what earlier pages stored (empty on the first sync)
    today: date  # the team's calendar day: the date of levels read now (followers)
    tz: ZoneInfo  # the team's time zone
    since: datetime  # how far back a first sync reaches (aware, UTC)
    fetch_mentions: bool = True  # False for competitors' accounts: their inbox is not ours
    max_pages: int = 50  # per stream and run; the rest follows on the next run
    notes: list[str] = field(default_factory=list)  # things the user should know


@dataclass(frozen=True)
class ConnectorSpec:
    """One platform API: how to reach it and how to read it."""

    key: str  # metrics.models.ConnectorKind value
    label: str
    # What this API can know about a post (metrics.ingest.precedence).
    profile: SourceProfile
    platforms: tuple[str, ...]  # metrics.models.Platform values it serves
    default_base_url: str
    credential_fields: tuple[CredentialField, ...]
    fetch: Callable[[SyncContext], Iterator[Page]]
    # Builds the HTTP client's default headers from the credentials (e.g. a bearer token).
    auth_headers: Callable[[dict[str, str]], dict[str, str]] = lambda credentials: {}
    # Maps a platform-specific error body to one of the errors below (Meta's OAuth code 190
    # arrives as a 400, for instance); None leaves the status code's default.
    classify_error: Callable[[httpx.Response], ConnectorError | None] | None = None
    works_without_credentials: bool = False  # public data (competitors) without a token
    # The API host when the connector names none, from the handle (Mastodon: the instance
    # in user@instance); None means default_base_url.
    base_url_for_handle: Callable[[str], str | None] | None = None


# --- errors: each says what the user should do, and decides whether to retry ---------------


class ConnectorError(Exception):
    """The sync cannot go on; the message is shown to the user as the last error."""

    retry: bool = False


class AuthFailed(ConnectorError):
    """401/403: the credentials were refused. No retry until they are changed."""


class RateLimited(ConnectorError):
    """The platform asked us to wait longer than is worth waiting in-process."""

    retry = True

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class TemporaryFailure(ConnectorError):
    """5xx or network errors that outlasted the in-process retries: try again later."""

    retry = True


class BadResponse(ConnectorError):
    """The platform answered something we cannot read (not JSON, an unexpected shape)."""


class NotFound(ConnectorError):
    """The account (or another thing asked for) does not exist on the platform."""


class RequestRefused(ConnectorError):
    """A 4xx other than the above: our request is wrong for this platform or account."""


# --- the HTTP client -------------------------------------------------------------------------

USER_AGENT = "StrategyTracker/1.0 (+https://github.com/strategy-tracker)"

# Rate-limit headers as the platforms send them: (remaining, reset).
_RATE_HEADERS = (
    ("x-rate-limit-remaining", "x-rate-limit-reset"),  # X: reset = epoch seconds
    ("x-ratelimit-remaining", "x-ratelimit-reset"),  # Mastodon: reset = ISO 8601
    ("ratelimit-remaining", "ratelimit-reset"),  # Bluesky: reset = epoch seconds
)


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return (parsed.scheme, parsed.host, parsed.port)


def _parse_reset(raw: str, now: float) -> float | None:
    """A reset header as an epoch time: epoch seconds, seconds from now, or ISO 8601."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return number if number > 1_000_000_000 else now + number


def _parse_retry_after(raw: str, now: float) -> float | None:
    """Retry-After: seconds, or an HTTP date. Returns the epoch time to wait until."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit():
        return now + int(raw)
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _error_detail(response: httpx.Response) -> str:
    """A short reason from an error body, whatever the platform's shape."""
    try:
        body = response.json()
    except ValueError:
        return ""
    candidates: list[Any] = []
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            candidates += [error.get("message"), error.get("error_user_msg")]
        candidates += [
            error,
            body.get("error_description"),
            body.get("message"),
            body.get("detail"),
            body.get("title"),
        ]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            candidates += [errors[0].get("message"), errors[0].get("detail")]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:200]
    return ""


class _PinnedBackend(httpcore.SyncBackend):
    """Opens every TCP connection to the address `resolve` returns for the host (checked
    once, then used): the name is never resolved a second time by the connection itself.
    TLS still verifies the certificate against the host name, and the Host header keeps it."""

    def __init__(self, resolve: Callable[[str], list[str]]) -> None:
        self._resolve = resolve

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self._resolve(host)
        for address in addresses[:-1]:  # as the system does: the next address if one fails
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue
        return super().connect_tcp(addresses[-1], port, timeout, local_address, socket_options)


def pinned_transport(resolve: Callable[[str], list[str]]) -> httpx.HTTPTransport:
    """An httpx transport whose connections go to the checked address of each host."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx (pinned) builds its httpcore pool without a way to pass the network backend.
    transport._pool._network_backend = _PinnedBackend(resolve)
    return transport


class HttpClient:
    """GET/POST JSON with the sync's rules:

    - 5xx and network errors: retried with exponential backoff (1 s, 2 s, 4 s, ...), then
      TemporaryFailure (the task retries later, from the stored cursor);
    - 429: waits for Retry-After (or the rate-limit reset) when that is short, else
      RateLimited with the time to come back;
    - a rate-limit header saying nothing is left: the next request waits for the reset;
    - 401/403: AuthFailed at once, never retried;
    - a body that is not JSON: BadResponse.

    Messages name the path, never the query string: an API key may be in it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        platform: str,
        headers: dict[str, str] | None = None,
        classify_error: Callable[[httpx.Response], ConnectorError | None] | None = None,
        timeout: float = 20.0,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        resolve: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.platform = platform
        self.classify_error = classify_error
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.requests = 0  # made, retries included (for the sync's summary)
        # The headers of the last answer read (paging by Link header: Mastodon's follows).
        self.last_headers: httpx.Headers = httpx.Headers()
        self._blocked_until: float | None = None
        # Absolute URLs (paging links, a second host) are followed only to these origins,
        # so the default headers (a bearer token) never reach a host named in a response.
        self._origins = {_origin(base_url)}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            timeout=timeout,
            follow_redirects=True,
            # Every connection, redirects included, goes to the address `resolve` checked
            # (it refuses private addresses in production: a base URL is typed in by a user).
            transport=transport or (pinned_transport(resolve) if resolve is not None else None),
        )

    @property
    def host(self) -> str:
        """The host of the base URL (for messages)."""
        return str(self._client.base_url.host)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_header(self, name: str, value: str) -> None:
        self._client.headers[name] = value

    def allow_origin(self, url: str) -> None:
        """Let absolute URLs on this URL's scheme, host and port be requested too."""
        self._origins.add(_origin(url))

    def get(self, path: str, *, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.request("POST", path, json=json, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        where = f"{self.platform} {method} {path.split('?', 1)[0]}"
        if "://" in path and _origin(path) not in self._origins:
            raise BadResponse(
                f"{self.platform} pointed to another host ({httpx.URL(path).host}); the "
                "request was not sent."
            )
        attempt = 0
        while True:
            attempt += 1
            self._wait_for_rate_limit(where)
            try:
                self.requests += 1
                response = self._client.request(
                    method, path, params=params, json=json, headers=headers
                )
            except httpx.TransportError as exc:
                if attempt >= self.max_attempts:
                    raise TemporaryFailure(
                        f"{where}: no answer after {attempt} attempts ({type(exc).__name__})."
                    ) from None
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            self._note_rate_limit(response)
            status = response.status_code
            special = (
                self.classify_error(response) if self.classify_error and status >= 400 else None
            )
            if special is not None:
                if (
                    isinstance(special, TemporaryFailure | RateLimited)
                    and attempt < self.max_attempts
                ):
                    self._pause(special, attempt)
                    continue
                raise special
            if status == 429:
                wait_until = self._retry_at(response)
                delay = wait_until - self.clock()
                if delay <= self.max_wait and attempt < self.max_attempts:
                    self._wait(delay)
                    continue
                raise RateLimited(
                    f"{where}: rate limited by {self.platform}; syncing again after "
                    f"{datetime.fromtimestamp(wait_until, UTC):%Y-%m-%d %H:%M} UTC.",
                    retry_at=datetime.fromtimestamp(wait_until, UTC),
                )
            if status >= 500:
                if attempt >= self.max_attempts:
                    raise TemporaryFailure(
                        f"{where}: {self.platform} answered {status} {attempt} times; "
                        "trying again later."
                    )
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if status in (401, 403):
                detail = _error_detail(response)
                raise AuthFailed(
                    f"{where}: {self.platform} refused the credentials ({status}"
                    f"{': ' + detail if detail else ''}). The token may have expired or "
                    "been revoked: enter new credentials to resume syncing."
                )
            if status == 404:
                detail = _error_detail(response)
                raise NotFound(f"{where}: not found (404{': ' + detail if detail else ''}).")
            if status >= 400:
                detail = _error_detail(response)
                raise RequestRefused(
                    f"{where}: {self.platform} refused the request ({status}"
                    f"{': ' + detail if detail else ''})."
                )
            self.last_headers = response.headers
            try:
                return response.json()
            except ValueError:
                raise BadResponse(
                    f"{where}: {self.platform} answered {status} with something that is not "
                    "JSON; nothing from this page was written."
                ) from None

    def _wait(self, delay: float) -> None:
        """Wait out a rate limit; the wait covers the limit's reset too, so the next request
        does not wait for it a second time."""
        self.sleep(max(delay, 0.0))
        self._blocked_until = None

    def _pause(self, error: ConnectorError, attempt: int) -> None:
        if isinstance(error, RateLimited):
            delay = error.retry_at.timestamp() - self.clock()
            if delay > self.max_wait:
                raise error
            self._wait(delay)
        else:
            self.sleep(self.backoff * 2 ** (attempt - 1))

    def _retry_at(self, response: httpx.Response) -> float:
        now = self.clock()
        retry_at = _parse_retry_after(response.headers.get("retry-after", ""), now)
        if retry_at is None:
            for _remaining, reset in _RATE_HEADERS:
                retry_at = _parse_reset(response.headers.get(reset, ""), now)
                if retry_at is not None:
                    break
        return retry_at if retry_at is not None else now + 60

    def _note_rate_limit(self, response: httpx.Response) -> None:
        now = self.clock()
        for remaining, reset in _RATE_HEADERS:
            left = response.headers.get(remaining)
            if left is None:
                continue
            if left.strip() == "0":
                until = _parse_reset(response.headers.get(reset, ""), now)
                if until is not None and until > now:
                    self._blocked_until = until
            return

    def _wait_for_rate_limit(self, where: str) -> None:
        if self._blocked_until is None:
            return
        delay = self._blocked_until - self.clock()
        if delay > self.max_wait:
            retry_at = datetime.fromtimestamp(self._blocked_until, UTC)
            raise RateLimited(
                f"{where}: the {self.platform} rate limit is used up until "
                f"{retry_at:%Y-%m-%d %H:%M} UTC; syncing again then.",
                retry_at=retry_at,
            )
        if delay > 0:
            self.sleep(delay)
        self._blocked_until = None


# --- small helpers the connectors share ------------------------------------------------------


def parse_time(raw: object, *, field_name: str = "time") -> datetime:
    """An API timestamp (ISO 8601, 'Z' or offset) as an aware UTC datetime, or BadResponse."""
    if not isinstance(raw, str) or not raw:
        raise BadResponse(f"The platform sent a {field_name} that is missing or not text.")
    text = raw.strip().replace("Z", "+00:00")
    # Meta writes +0000 without the colon.
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadResponse(
            f"The platform sent a {field_name} that is not a date: {raw[:40]!r}."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def need(mapping: object, key: str, kind: type | tuple[type, ...] = str, *, what: str = "") -> Any:
    """mapping[key], checked: a missing key or a wrong type is a BadResponse, not a crash."""
    if not isinstance(mapping, dict):
        raise BadResponse(
            f"The platform's answer has an unexpected shape{' in ' + what if what else ''}."
        )
    value = mapping.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadResponse(
            f"The platform's answer lacks “{key}”{' in ' + what if what else ''} "
            "or has it in an unexpected form."
        )
    return value


def count(value: object) -> int | None:
    """A per-post count: an int (or a numeric string, as YouTube sends) or None if unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def days_ago(today: date, days: int, tz: ZoneInfo) -> datetime:
    """The start of the team's day N days before today, as aware UTC."""
    start = datetime.combine(today - timedelta(days=days), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC)
