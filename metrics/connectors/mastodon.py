"""Mastodon: any instance's REST API (docs.joinmastodon.org), with or without a token.

Endpoints:
- `GET /api/v1/accounts/lookup?acct=<handle>`: the account id, display name and follower
  counts (public; Mastodon 3.4+).
- `GET /api/v1/accounts/:id/statuses?limit=40`: the account's posts, replies and boosts
  (public statuses without a token; nothing is excluded, replies and boosts are part of
  the conversation measured).
- `GET /api/v1/notifications?types[]=mention&limit=80`: who mentions or answers the
  account (token with `read:notifications`, part of `read`; only for the account itself).

The host is the account's instance (`brand@instance.example` → `https://instance.example`)
unless the connector names another base URL.

Paging, the same for statuses and mention notifications ("streams"). Mastodon answers
newest first; ids grow with time and are compared by (length, text), which orders the
numeric snowflake ids of Mastodon as well as the fixed-length sortable ids other servers
use. Two cursor keys per stream (`statuses_…`, `mentions_…`):

- `<stream>_newest_id`: everything from the newest item fetched down to the backfill
  boundary is stored; only items with a greater id are new.
- `<stream>_backfill_max_id`: set while the first sync's walk back to `ctx.since` is
  unfinished; the items older than this id are still to be fetched.

A first sync (no `_newest_id`) reads the latest page, then pages back with `max_id` until
an item is older than `ctx.since` or a page is empty. Each page moves `_backfill_max_id`
down, so an interrupted walk resumes where it stopped.

A later sync reads the latest page (one request, which also refreshes the counts of the
recent posts). If that page reaches down to `_newest_id`, nothing was missed. If not, more
than a page is new: the gap is walked forward with `min_id` ("the items immediately newer
than this id") from `_newest_id`, each page moving `_newest_id` up, so the stored range
stays contiguous and an interruption loses nothing; once the gap meets the latest page,
that page is written with it. An unfinished backfill then continues with `max_id`.

Handles are `user@host`, lowercase: a local account (an `acct` without a domain) takes the
host of its profile URL, so one person has one handle whichever source a post came from.
Post ids, kinds, counts and links come from the one mapping of a Status entity
(`metrics.platforms.mastodon.status_post`) that the file importer of saved pages uses too,
so importing saved pages and syncing never duplicate a post. Followers-only and direct
posts are skipped, and so are followers-only and direct mentions: they are not part of the
public conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    ConnectorError,
    ConnectorSpec,
    CredentialField,
    NotFound,
    Page,
    SyncContext,
    count,
    need,
    parse_time,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import AccountInfo, MentionRecord, ObservationRecord, PostRecord
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_str
from metrics.platforms.mastodon import (
    PLATFORM,
    PUBLIC_VISIBILITIES,
    account_handle,
    optional_id,
    status_post,
)
from metrics.platforms.text import html_to_text

STATUSES_LIMIT = 40  # the endpoint's maximum
NOTIFICATIONS_LIMIT = 80  # the maximum since 4.1; older servers cap it lower themselves
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


LOOKUP = "/api/v1/accounts/lookup"


class NotMastodon(NotFound):
    """The server answers, but not as a Mastodon server (a web site, another API)."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"Mastodon API not found at {host}: it does not answer as a Mastodon server "
            f"does at {LOOKUP}. Check the account's handle (user@instance.example) or the "
            "connector's base URL. Nothing was written."
        )


# --- the spec's callables ---------------------------------------------------------------


def base_url_for_handle(handle: str) -> str | None:
    """`user@instance.example` (or `@user@instance.example`) → `https://instance.example`."""
    name = canonical_handle(PLATFORM, handle)
    if "@" not in name:
        return None
    host = name.rsplit("@", 1)[1].rstrip(".")
    return f"https://{host}" if _HOST.match(host) else None


def auth_headers(credentials: dict[str, str]) -> dict[str, str]:
    token = credentials.get("access_token", "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


def classify_error(response: httpx.Response) -> ConnectorError | None:
    """Mastodon's `{"error": "..."}` bodies that need a clearer word than the status code."""
    status = response.status_code
    if status == 404 and response.url.path.endswith(LOOKUP):
        try:
            mastodon_like = isinstance(response.json(), dict)
        except ValueError:
            mastodon_like = False
        if not mastodon_like:  # a web page's "Not Found", not Mastodon's {"error": ...}
            return NotMastodon(response.url.host)
    if status not in (401, 403, 410, 422):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = as_str(body.get("error")) if isinstance(body, dict) else ""
    try:
        signed = "authorization" in response.request.headers
    except RuntimeError:  # a response built without a request
        signed = True
    if status == 401 and not signed:
        return AuthFailed(
            "This Mastodon server shows profiles and posts only to signed-in apps. Enter an "
            "access token (read scope) in the connector's credentials to sync this account."
        )
    if status == 403 and "scope" in detail.lower():
        return AuthFailed(
            "The Mastodon access token lacks a permission this sync needs "
            f"({detail}). Create a token with the read scope and enter it in the credentials."
        )
    if status == 422 and "authenticated user" in detail.lower():
        return AuthFailed(
            "The Mastodon access token belongs to an app, not to a user account. Create a "
            "token from the account's Preferences → Development page and enter it instead."
        )
    if status == 410:
        return NotFound("The Mastodon account is suspended or gone; there is nothing to sync.")
    return None


# --- fetching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stream:
    key: str  # cursor key prefix
    path: str
    params: tuple[tuple[str, str], ...]
    what: str  # for messages: "posts", "mentions"


@dataclass
class _Account:
    id: str
    handle: str


def fetch(ctx: SyncContext) -> Iterator[Page]:
    account, profile, observations = _lookup(ctx)
    first = True

    def page(**fields: Any) -> Page:
        nonlocal first
        built = Page(**fields)
        if first:
            built.profile, built.observations, first = profile, observations, False
        return built

    statuses = _Stream(
        "statuses",
        f"/api/v1/accounts/{account.id}/statuses",
        (("limit", str(STATUSES_LIMIT)),),
        "posts",
    )
    for items, cursor in _walk(ctx, statuses):
        yield page(posts=_posts(ctx, items, account), cursor=cursor)

    if first:  # no statuses request answered a page: still write the profile
        yield page()

    if not ctx.fetch_mentions or not ctx.credentials.get("access_token", "").strip():
        return
    mentions = _Stream(
        "mentions",
        "/api/v1/notifications",
        (("types[]", "mention"), ("limit", str(NOTIFICATIONS_LIMIT))),
        "mentions",
    )
    foreign = 0
    for items, cursor in _walk(ctx, mentions):
        records, skipped = _mentions(ctx, items, account)
        foreign += skipped
        yield page(mentions=records, cursor=cursor)
    if foreign:
        ctx.notes.append(
            f"{foreign} Mastodon mention notification(s) did not mention @{account.handle} and "
            "were left out: the access token seems to belong to another account. Enter a "
            "token created by this account."
        )


def _lookup(ctx: SyncContext) -> tuple[_Account, AccountInfo, list[ObservationRecord]]:
    acct = canonical_handle(PLATFORM, ctx.handle)
    if not acct:
        raise NotFound("The account has no Mastodon handle; enter it as user@instance.example.")
    try:
        body = ctx.http.get(LOOKUP, params={"acct": acct})
    except NotMastodon:
        raise
    except NotFound:
        raise NotFound(
            f"Mastodon knows no account @{acct} on this server; check the handle "
            "(user@instance.example) and the server address."
        ) from None
    except BadResponse:  # a web page where the API should be
        raise NotMastodon(ctx.http.host) from None
    if not isinstance(body, dict) or not ("acct" in body or "username" in body):
        raise NotMastodon(ctx.http.host)
    account_id = _id(need(body, "id", (str, int), what="the account"), "the account")
    handle = account_handle(body) or acct
    if body.get("suspended") is True:
        raise NotFound(f"The Mastodon account @{handle} is suspended; there is nothing to sync.")
    moved = body.get("moved")
    if isinstance(moved, dict) and (new_handle := account_handle(moved)):
        ctx.notes.append(
            f"The Mastodon account @{handle} has moved to @{new_handle}; add the new account "
            "to keep following its posts."
        )
    profile = AccountInfo(PLATFORM, handle, as_str(body.get("display_name")).strip())
    observations = [
        ObservationRecord(metric, ctx.today, Decimal(value))
        for metric, key in (("followers", "followers_count"), ("following", "following_count"))
        if (value := count(body.get(key))) is not None
    ]
    return _Account(account_id, handle), profile, observations


def _id(raw: object, what: str) -> str:
    """An id as Mastodon documents it (a string), tolerating servers that send integers."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    raise BadResponse(f"Mastodon sent {what} without a usable “id”.")


def _order(item_id: str) -> tuple[int, str]:
    return (len(item_id), item_id)


def _newest(items: list[dict[str, Any]]) -> str:
    return max((_id(i.get("id"), "an item") for i in items), key=_order)


def _oldest(items: list[dict[str, Any]]) -> str:
    return min((_id(i.get("id"), "an item") for i in items), key=_order)


def _get(ctx: SyncContext, stream: _Stream, *extra: tuple[str, str]) -> list[dict[str, Any]]:
    body = ctx.http.get(stream.path, params=[*stream.params, *extra])
    if not isinstance(body, list):
        raise BadResponse(f"Mastodon answered the {stream.what} request with something not a list.")
    items: list[dict[str, Any]] = []
    for item in body:
        if not isinstance(item, dict):
            raise BadResponse(f"Mastodon sent one of the {stream.what} in an unexpected form.")
        _id(item.get("id"), f"one of the {stream.what}")
        items.append(item)
    return items


def _walk(
    ctx: SyncContext, stream: _Stream
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Pages of raw items with the cursor keys to store after each (see the docstring)."""
    newest = ctx.cursor.get(f"{stream.key}_newest_id")
    backfill = ctx.cursor.get(f"{stream.key}_backfill_max_id")
    if not isinstance(newest, str) or not newest:
        yield from _walk_back(ctx, stream, None)
        return
    yield from _walk_forward(ctx, stream, newest)
    if isinstance(backfill, str) and backfill:
        yield from _walk_back(ctx, stream, backfill)


def _walk_back(
    ctx: SyncContext, stream: _Stream, max_id: str | None
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    newest_key, backfill_key = f"{stream.key}_newest_id", f"{stream.key}_backfill_max_id"
    first_sync = max_id is None
    for number in range(1, ctx.max_pages + 1):
        items = _get(ctx, stream, *([("max_id", max_id)] if max_id else []))
        cursor: dict[str, Any] = {}
        if first_sync and number == 1 and items:
            cursor[newest_key] = _newest(items)
        done = not items or any(_created(i) < ctx.since for i in items)
        max_id = None if done else _oldest(items)
        cursor[backfill_key] = max_id
        yield items, cursor
        if done:
            return
    ctx.notes.append(
        f"Mastodon: older {stream.what} remain after {ctx.max_pages} pages; the next sync "
        "continues further back."
    )


def _walk_forward(
    ctx: SyncContext, stream: _Stream, newest: str
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    newest_key = f"{stream.key}_newest_id"
    latest = _get(ctx, stream)
    if not latest or _order(_oldest(latest)) <= _order(newest):
        top = _newest(latest) if latest else newest
        yield latest, ({newest_key: top} if _order(top) > _order(newest) else {})
        return
    # More than a page is new. The latest page is held back until the gap below it is
    # walked: written first, its newer id would hide the gap from the next run.
    floor, top = _oldest(latest), _newest(latest)
    for _ in range(ctx.max_pages):
        items = _get(ctx, stream, ("min_id", newest))
        if not items or _order(_newest(items)) >= _order(floor):
            ids = {_id(i.get("id"), "an item") for i in items}
            rest = [i for i in latest if _id(i.get("id"), "an item") not in ids]
            yield items + rest, {newest_key: top}
            return
        newest = _newest(items)
        yield items, {newest_key: newest}
    ctx.notes.append(
        f"Mastodon: more new {stream.what} remain after {ctx.max_pages} pages; the next sync "
        "continues from there."
    )


def _created(item: dict[str, Any]) -> datetime:
    return parse_time(item.get("created_at"), field_name="“created_at” time")


# --- mapping ----------------------------------------------------------------------------


def _posts(ctx: SyncContext, items: list[dict[str, Any]], account: _Account) -> list[PostRecord]:
    posts: list[PostRecord] = []
    seen: set[str] = set()
    for status in items:
        visibility = status.get("visibility")
        if visibility is not None and visibility not in PUBLIC_VISIBILITIES:
            continue  # followers-only, direct, or a server's own private kind
        author = as_str(as_dict(status.get("account")).get("id"))
        if author and author != account.id:
            continue
        try:
            post = status_post(status, account.id, account.handle)
        except BadValue as exc:
            raise BadResponse(
                f"Mastodon sent a status that cannot be read (id {status.get('id')}): {exc}."
            ) from None
        if post is None or post.platform_id in seen or post.published_at < ctx.since:
            continue
        seen.add(post.platform_id)
        posts.append(post)
    return posts


def _mentions(
    ctx: SyncContext, items: list[dict[str, Any]], account: _Account
) -> tuple[list[MentionRecord], int]:
    """Mention records, and how many notifications were about another account."""
    records: list[MentionRecord] = []
    foreign = 0
    for notification in items:
        if notification.get("type") != "mention":
            continue
        status = notification.get("status")
        if status is None:
            continue  # the post was deleted
        if not isinstance(status, dict):
            raise BadResponse("Mastodon sent a mention notification whose status is unreadable.")
        if status.get("visibility") not in (None, *PUBLIC_VISIBILITIES):
            continue
        author = need(status, "account", dict, what="a mentioning post")
        need(author, "acct", str, what="the author of a mentioning post")
        if as_str(author.get("id")) == account.id:
            continue  # the account talking to itself
        reply_to_account = status.get("in_reply_to_account_id")
        is_reply = reply_to_account is not None and str(reply_to_account) == account.id
        mentioned = status.get("mentions")
        if (
            isinstance(mentioned, list)
            and not is_reply
            and not any(isinstance(m, dict) and str(m.get("id")) == account.id for m in mentioned)
        ):
            foreign += 1
            continue
        published = parse_time(status.get("created_at"), field_name="mention time")
        if published < ctx.since:
            continue
        records.append(
            MentionRecord(
                platform_id=_id(status.get("id"), "a mentioning post"),
                published_at=published,
                author_handle=account_handle(author),
                author_name=as_str(author.get("display_name")).strip(),
                text=html_to_text(as_str(status.get("content"))),
                permalink=as_str(status.get("url")) or as_str(status.get("uri")),
                in_reply_to_id=optional_id(status.get("in_reply_to_id")),
                is_reply=is_reply,
            )
        )
    return records, foreign


SPEC = ConnectorSpec(
    key="mastodon",
    profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    label="Mastodon",
    platforms=(PLATFORM,),
    default_base_url="",
    credential_fields=(
        CredentialField(
            name="access_token",
            label="Access token",
            required=False,
            secret=True,
            help_text=(
                "Optional. A token of this account with the read scope (Preferences → "
                "Development → New application). Without it, public posts and counts are "
                "synced, but not the mentions the account receives."
            ),
        ),
    ),
    fetch=fetch,
    auth_headers=auth_headers,
    classify_error=classify_error,
    works_without_credentials=True,
    base_url_for_handle=base_url_for_handle,
)
