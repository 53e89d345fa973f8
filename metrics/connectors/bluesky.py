"""Bluesky: the account's posts and reposts from the public AppView, and, with an app
password, the mentions, replies and quotes among its notifications.

Endpoints:

* `GET /xrpc/app.bsky.actor.getProfile?actor=<handle>` (public AppView, no credentials): the
  account's DID, handle and name, and its followers / following as levels dated today.
* `GET /xrpc/app.bsky.feed.getAuthorFeed?actor=<did>&limit=100&filter=posts_with_replies`
  (public AppView): posts, replies, quotes and reposts, newest first. Items are mapped by
  metrics.platforms.bluesky.feed_post, as the file importer maps saved pages, so a post
  synced here and the same post imported from a saved page get the same platform id: the
  post's at:// URI, and `repost:<URI of the reposted post>` for a repost. `in_reply_to_id`
  is the at:// URI of the parent post, the id the mentions below carry.
* With `identifier` and `app_password`: `POST {pds_url}/xrpc/com.atproto.server.createSession`
  for an access token, then `GET {pds_url}/xrpc/app.bsky.notification.listNotifications`
  (reasons mention, reply and quote), newest first. The session is opened only when mentions
  are wanted, after the posts: refused credentials never hold back the posts.

Paging. Both lists page backward in time only, with an opaque cursor, so each stream is read
in *walks*: a walk starts at the newest item and pages down to a floor time. Its state is
stored with every page it yields, so a run that stops mid-walk (a crash, a rate limit, or
`max_pages`) is resumed by the next run from the page after the last one written:

* `<stream>_walk` = `{"cursor": <the API cursor of the next page>, "top": <newest item time
  the walk has seen>, "floor": <where it stops>}` while a walk is under way; removed by the
  page that ends it.
* `<stream>_mark` = the newest item time of the last completed walk ("top"), written by the
  page that ends the walk.

A run first finishes a walk left under way, then starts one new walk from the newest item.
A new walk's floor is `ctx.since` on the first sync, else the mark minus an overlap (a day
for posts, which also refreshes the counts of the latest posts; an hour for mentions). The
walk ends at the first page whose oldest item lies below its floor (items below it are not
yielded), on an empty page, or when the API gives no further cursor. Items already seen are
yielded again only inside the overlap (writing them twice is harmless; the writer upserts).
Should the API refuse a stored cursor, the walk starts again from the newest item, down to
the same floor.
The time of a feed item is the one the AppView sorts by: the repost's `indexedAt` for a
repost, else the earlier of the post's `createdAt` and `indexedAt` (a backdated post sorts by
its `createdAt`); of a notification, its `indexedAt`. Streams: `feed`, `mentions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    RequestRefused,
    SyncContext,
    count,
    need,
    parse_time,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import AccountInfo, MentionRecord, ObservationRecord, PostRecord
from metrics.platforms.bluesky import (
    PLATFORM,
    REASON_REPOST,
    Account,
    did_of,
    feed_post,
    handle_of,
    handle_or_did,
    post_url,
)
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_str

DEFAULT_PDS = "https://bsky.social"
PAGE_SIZE = 100
FEED_OVERLAP = timedelta(days=1)
MENTIONS_OVERLAP = timedelta(hours=1)
MENTION_REASONS = ("mention", "reply", "quote")

_PROFILE = "/xrpc/app.bsky.actor.getProfile"
_AUTHOR_FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
_CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
_NOTIFICATIONS = "/xrpc/app.bsky.notification.listNotifications"


# --- errors ------------------------------------------------------------------------------


def classify_error(response: httpx.Response) -> ConnectorError | None:
    """XRPC errors arrive as `{"error": <name>, "message": ...}`; some need another meaning
    than their status code gives them (an expired token is a 400, for instance)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error, message = as_str(body.get("error")), as_str(body.get("message")).strip()
    try:
        path = response.request.url.path
    except RuntimeError:  # a response built without a request
        path = ""
    status = response.status_code
    if path.endswith(_CREATE_SESSION):
        if error == "AuthFactorTokenRequired":
            return AuthFailed(
                "Bluesky asks for a sign-in code: the password entered is the account "
                "password. Create an app password (Settings → Privacy and security → App "
                "passwords) and enter it instead."
            )
        if status == 401:
            return AuthFailed(
                "Bluesky refused the identifier or app password"
                f"{' (' + message + ')' if message else ''}. Check the handle, and enter a new "
                "app password if this one was revoked."
            )
    if error in ("ExpiredToken", "InvalidToken"):
        return AuthFailed(
            f"Bluesky no longer accepts the session ({error}"
            f"{': ' + message if message else ''}). Sync again; if this keeps happening, "
            "enter a new app password."
        )
    if status == 400 and error == "InvalidRequest" and "not found" in message.lower():
        return NotFound(
            f"Bluesky has no such account ({message}). Check the handle, e.g. brand.bsky.social."
        )
    return None


# --- small readers -----------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _stored_time(raw: object) -> datetime | None:
    """A time this connector stored in the cursor; None when absent or unreadable."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return parse_time(raw)
    except BadResponse:
        return None


def _next_cursor(body: dict[str, Any]) -> str | None:
    raw = body.get("cursor")
    return raw if isinstance(raw, str) and raw else None


def _mapped(item: dict[str, Any], account: Account) -> PostRecord | None:
    """The shared mapping of a feed item, its BadValue read as a BadResponse."""
    try:
        return feed_post(item, account)  # in_reply_to_id included: the parent's at:// URI
    except BadValue as exc:
        raise BadResponse(f"Bluesky sent a feed item that cannot be read: {exc}.") from None


def _item_time(item: object) -> datetime:
    """When the AppView sorts the item: the repost's time, else the earlier of the post's
    creation and indexing (a backdated post sorts by its createdAt)."""
    what = "a feed item"
    post = need(item, "post", dict, what=what)
    reason = as_dict(as_dict(item).get("reason"))
    if reason.get("$type") == REASON_REPOST:
        return parse_time(reason.get("indexedAt"), field_name="repost time")
    need(post, "uri", str, what=what)
    record = need(post, "record", dict, what=what)
    created = parse_time(record.get("createdAt"), field_name="post time")
    indexed_raw = post.get("indexedAt")
    if isinstance(indexed_raw, str) and indexed_raw:
        return min(created, parse_time(indexed_raw, field_name="indexing time"))
    return created


# --- walks -------------------------------------------------------------------------------


@dataclass
class _Walk:
    floor: datetime
    cursor: str | None = None  # None: start at the newest item
    top: datetime | None = None

    def stored(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "top": _iso(self.top) if self.top else None,
            "floor": _iso(self.floor),
        }

    @classmethod
    def load(cls, raw: object) -> _Walk | None:
        """A walk a previous run left under way; None when there is none (or it is unusable:
        a new walk then starts, which repeats items but loses none)."""
        if not isinstance(raw, dict):
            return None
        floor = _stored_time(raw.get("floor"))
        cursor = raw.get("cursor")
        if floor is None or not isinstance(cursor, str) or not cursor:
            return None
        return cls(floor=floor, cursor=cursor, top=_stored_time(raw.get("top")))


@dataclass
class _Batch:
    """One API page, read: what to write, and the times that steer the walk."""

    posts: list[PostRecord] = field(default_factory=list)
    mentions: list[MentionRecord] = field(default_factory=list)
    newest: datetime | None = None
    oldest: datetime | None = None
    next_cursor: str | None = None

    def saw(self, moment: datetime) -> None:
        self.newest = moment if self.newest is None else max(self.newest, moment)
        self.oldest = moment if self.oldest is None else min(self.oldest, moment)


def _walk_stream(
    ctx: SyncContext,
    stream: str,
    what: str,
    overlap: timedelta,
    read: Callable[[str | None, datetime], _Batch],
) -> Iterator[Page]:
    """Finish the walk left under way, then walk once from the newest item (see the module
    docstring); at most ctx.max_pages API pages."""
    mark_key, walk_key = f"{stream}_mark", f"{stream}_walk"
    walk = _Walk.load(ctx.cursor.get(walk_key))
    stored_cursor = walk is not None  # its first request uses a cursor from an earlier run
    mark = _stored_time(ctx.cursor.get(mark_key))
    started_new = False
    pages = 0
    while True:
        if walk is None:
            if started_new:
                return
            started_new = True
            walk = _Walk(floor=mark - overlap if mark else ctx.since)
        if pages >= ctx.max_pages:
            ctx.notes.append(
                f"Bluesky: stopped after {pages} page{'' if pages == 1 else 's'} of {what}; "
                "the next sync continues where this one stopped."
            )
            return
        try:
            batch = read(walk.cursor, walk.floor)
        except RequestRefused:
            if not stored_cursor:
                raise
            # The API no longer takes the stored cursor: walk again from the newest item
            # down to the same floor (re-reading, but losing nothing); that is this run's
            # new walk too.
            stored_cursor, started_new = False, True
            walk = _Walk(floor=walk.floor)
            continue
        stored_cursor = False
        pages += 1
        if batch.newest is not None and (walk.top is None or batch.newest > walk.top):
            walk.top = batch.newest
        ended = batch.next_cursor is None or batch.oldest is None or batch.oldest < walk.floor
        if ended:
            mark = max((t for t in (mark, walk.top) if t is not None), default=None)
            cursor: dict[str, Any] = {walk_key: None, mark_key: _iso(mark) if mark else None}
            walk = None
        else:
            walk.cursor = batch.next_cursor
            cursor = {walk_key: walk.stored()}
        yield Page(posts=batch.posts, mentions=batch.mentions, cursor=cursor)


# --- the account and its posts -----------------------------------------------------------


def _profile(ctx: SyncContext) -> tuple[Account, AccountInfo, list[ObservationRecord]]:
    actor = canonical_handle(PLATFORM, ctx.handle)
    if not actor:
        raise NotFound("The account has no Bluesky handle: enter it, e.g. brand.bsky.social.")
    body = ctx.http.get(_PROFILE, params={"actor": actor})
    what = "the profile"
    did = need(body, "did", str, what=what)
    need(body, "handle", str, what=what)
    handle = handle_of(body)  # '' when the AppView could not verify it
    name = as_str(body.get("displayName")).strip()
    observations = [
        ObservationRecord(metric, ctx.today, Decimal(value))
        for metric, key in (("followers", "followersCount"), ("following", "followsCount"))
        if (value := count(body.get(key))) is not None
    ]
    account = Account(did, handle, name, {did: handle} if handle else {})
    return account, AccountInfo(ctx.platform, handle or actor, name), observations


def _feed_reader(ctx: SyncContext, account: Account) -> Callable[[str | None, datetime], _Batch]:
    seen: set[str] = set()  # a post twice in one run (pages shifting under new posts)

    def read(api_cursor: str | None, floor: datetime) -> _Batch:
        params: dict[str, Any] = {
            "actor": account.did,
            "limit": PAGE_SIZE,
            "filter": "posts_with_replies",
        }
        if api_cursor:
            params["cursor"] = api_cursor
        body = ctx.http.get(_AUTHOR_FEED, params=params)
        feed = need(body, "feed", list, what="the author feed")
        batch = _Batch(next_cursor=_next_cursor(body))
        for item in feed:
            moment = _item_time(item)
            batch.saw(moment)
            # Profile views anywhere in the item name DIDs the facets mention.
            account.learn(item)
            if moment < floor:
                continue
            post = _mapped(item, account)
            if post is None or post.platform_id in seen:
                continue
            seen.add(post.platform_id)
            batch.posts.append(post)
        return batch

    return read


# --- mentions ----------------------------------------------------------------------------


def _login(ctx: SyncContext) -> tuple[str, str] | None:
    """The PDS and the identifier / app password, when mentions can be read."""
    identifier = ctx.credentials.get("identifier", "").strip()
    password = ctx.credentials.get("app_password", "").strip()
    if identifier and not password:
        raise AuthFailed(
            "Enter the app password that goes with the Bluesky identifier, or remove the "
            "identifier to sync posts only."
        )
    if password and not identifier:
        raise AuthFailed(
            "Enter the Bluesky identifier (handle or email) that goes with the app password, "
            "or remove the app password to sync posts only."
        )
    if not identifier:
        return None
    pds = ctx.credentials.get("pds_url", "").strip() or DEFAULT_PDS
    if "://" not in pds:
        pds = f"https://{pds}"
    return pds.rstrip("/"), identifier


def _session(ctx: SyncContext, pds: str, identifier: str, account: Account) -> str:
    """An access token for the account's own notifications."""
    body = ctx.http.post(
        f"{pds}{_CREATE_SESSION}",
        json={"identifier": identifier, "password": ctx.credentials["app_password"].strip()},
    )
    token: str = need(body, "accessJwt", str, what="the new session")
    did = need(body, "did", str, what="the new session")
    if did != account.did:
        owner = as_str(body.get("handle")) or did
        raise AuthFailed(
            f"The Bluesky identifier and app password sign in as {owner}, not as "
            f"{account.handle or account.did}: enter the identifier and an app password of "
            f"{account.handle or account.did}."
        )
    return token


def _mention(note: object, account: Account) -> MentionRecord | None:
    what = "a notification"
    reason = need(note, "reason", str, what=what)
    if reason not in MENTION_REASONS:
        return None
    author = need(note, "author", dict, what=what)
    if as_str(author.get("did")) == account.did:
        return None
    uri = need(note, "uri", str, what=what)
    record = as_dict(as_dict(note).get("record"))
    try:
        published = parse_time(record.get("createdAt"), field_name="post time")
    except BadResponse:
        published = parse_time(as_dict(note).get("indexedAt"), field_name="notification time")
    parent = as_str(as_dict(as_dict(record.get("reply")).get("parent")).get("uri"))
    return MentionRecord(
        platform_id=uri,
        published_at=published,
        author_handle=handle_or_did(author),
        author_name=as_str(author.get("displayName")).strip(),
        text=as_str(record.get("text")),
        permalink=post_url(author, uri),
        in_reply_to_id=parent,
        # A "reply" notification also reaches the author of the thread's root; a "mention"
        # may sit right under one of the account's posts: both answer the account.
        is_reply=reason == "reply" or (bool(parent) and did_of(parent) == account.did),
    )


def _mentions_reader(
    ctx: SyncContext, pds: str, token: str, account: Account
) -> Callable[[str | None, datetime], _Batch]:
    headers = {"Authorization": f"Bearer {token}"}

    def read(api_cursor: str | None, floor: datetime) -> _Batch:
        params: dict[str, Any] = {"limit": PAGE_SIZE, "reasons": list(MENTION_REASONS)}
        if api_cursor:
            params["cursor"] = api_cursor
        body = ctx.http.get(f"{pds}{_NOTIFICATIONS}", params=params, headers=headers)
        notes = need(body, "notifications", list, what="the notifications")
        batch = _Batch(next_cursor=_next_cursor(body))
        found: dict[str, MentionRecord] = {}
        for note in notes:
            moment = parse_time(as_dict(note).get("indexedAt"), field_name="notification time")
            batch.saw(moment)
            if moment < floor:
                continue
            mention = _mention(note, account)
            if mention is None:
                continue
            if mention.platform_id in found:  # a reply that also names the account
                found[mention.platform_id].is_reply |= mention.is_reply
            else:
                found[mention.platform_id] = mention
        batch.mentions = list(found.values())
        return batch

    return read


# --- the connector -----------------------------------------------------------------------


def fetch(ctx: SyncContext) -> Iterator[Page]:
    login = _login(ctx)  # a half-entered login is refused before any request
    account, profile, observations = _profile(ctx)

    first = True
    for page in _walk_stream(ctx, "feed", "posts", FEED_OVERLAP, _feed_reader(ctx, account)):
        if first:
            page.profile, page.observations, first = profile, observations, False
        yield page
    if first:
        yield Page(profile=profile, observations=observations)

    if not ctx.fetch_mentions or login is None:
        return
    pds, identifier = login
    ctx.http.allow_origin(pds)  # the PDS is a host of the account's own choosing
    token = _session(ctx, pds, identifier, account)
    yield from _walk_stream(
        ctx, "mentions", "mentions", MENTIONS_OVERLAP, _mentions_reader(ctx, pds, token, account)
    )


SPEC = ConnectorSpec(
    key="bluesky",
    profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    label="Bluesky",
    platforms=("bluesky",),
    default_base_url="https://public.api.bsky.app",
    credential_fields=(
        CredentialField(
            "identifier",
            "Handle or email",
            required=False,
            secret=False,
            help_text="Only to read mentions and replies: the account's handle "
            "(brand.bsky.social) or sign-in email. Posts sync without it.",
        ),
        CredentialField(
            "app_password",
            "App password",
            required=False,
            help_text="Only to read mentions and replies: create one under Settings → Privacy "
            "and security → App passwords. Never the account password.",
        ),
        CredentialField(
            "pds_url",
            "PDS host",
            required=False,
            secret=False,
            help_text=f"The server that hosts the account; leave empty for {DEFAULT_PDS} "
            "(accounts created on bsky.app).",
        ),
    ),
    fetch=fetch,
    classify_error=classify_error,
    works_without_credentials=True,
)
