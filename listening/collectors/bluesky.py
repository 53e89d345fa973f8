"""Bluesky: post search (`app.bsky.feed.searchPosts`) and whom an account follows
(`app.bsky.graph.getFollows`). Reference: docs.bsky.app (HTTP reference).

- `GET /xrpc/app.bsky.feed.searchPosts?q=<term>&sort=latest&limit=100&since=<time>`
  (`lang` when the topic names exactly one language), paged with `cursor`. The public
  AppView may ask to sign in for search (401/403): with the team's identifier and app
  password, `POST {pds}/xrpc/com.atproto.server.createSession` gives an access token and the
  search goes through the PDS with it; without them, a note says what to enter.
- Cursor per topic: `bluesky:<term>` = the newest `indexedAt` read; the next run asks for
  posts `since` then (the API's lower bound is inclusive; duplicates are merged).
- Only `app.bsky.feed.post` records are kept: a post view whose record is anything else
  (a deleted post's tombstone, a blocked or unknown record) is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from listening.collectors.base import Batch, FoundAuthor, FoundPost, Listen, items, number
from metrics.connectors.base import AuthFailed, BadResponse, HttpClient, need, parse_time
from metrics.platforms.bluesky import handle_or_did, post_url
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import as_dict, as_str

PLATFORM = "bluesky"
PAGE_SIZE = 100
DEFAULT_PDS = "https://bsky.social"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
FOLLOWS = "/xrpc/app.bsky.graph.getFollows"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
_POST_TYPE = "app.bsky.feed.post"
_MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)", re.I)
_TAG_FACET = "app.bsky.richtext.facet#tag"


def sign_in(http: HttpClient, pds: str, identifier: str, app_password: str) -> str:
    """An access token for search through the PDS (createSession)."""
    http.allow_origin(pds)
    try:
        body = http.post(
            f"{pds.rstrip('/')}{CREATE_SESSION}",
            json={"identifier": identifier, "password": app_password},
        )
    except AuthFailed:
        raise AuthFailed(
            "Bluesky refused the identifier or app password of the listening settings; "
            "enter a new app password."
        ) from None
    token: str = need(body, "accessJwt", str, what="the new session")
    return token


def collect(ctx: Listen, *, search_url: str = "", token: str = "") -> Iterator[Batch]:
    """Every search term of the topic; `search_url` is the PDS's searchPosts when signed in."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    for term in ctx.terms.search_terms:
        try:
            yield from _term(ctx, term, search_url or SEARCH, headers)
        except AuthFailed:
            if token:
                raise
            ctx.notes.append(
                "Bluesky asks to sign in for post search: enter a Bluesky handle and app "
                "password in the listening settings to collect Bluesky posts."
            )
            return


def _term(ctx: Listen, term: str, url: str, headers: dict[str, str] | None) -> Iterator[Batch]:
    key = f"bluesky:{term}"
    mark = ctx.cursor.get(key)
    since = max(ctx.since, parse_time(mark)) if isinstance(mark, str) and mark else ctx.since
    params: dict[str, Any] = {
        "q": term,
        "sort": "latest",
        "limit": PAGE_SIZE,
        "since": since.isoformat().replace("+00:00", "Z"),
    }
    if len(ctx.terms.languages) == 1:
        params["lang"] = ctx.terms.languages[0]
    top = since if isinstance(mark, str) and mark else None
    for page in range(1, ctx.max_pages + 1):
        body = ctx.http.get(url, params=params, headers=headers)
        items = need(body, "posts", list, what="the search results")
        posts: list[FoundPost] = []
        for item in items:
            post, indexed = _post(item)
            if indexed is not None and (top is None or indexed > top):
                top = indexed
            if post is not None and post.published_at >= ctx.since:
                posts.append(post)
        cursor = as_str(as_dict(body).get("cursor"))
        last = not cursor or not items or page == ctx.max_pages
        if last and cursor and items:
            ctx.notes.append(f"Bluesky “{term}”: stopped after {page} pages; older posts skipped.")
        yield Batch(posts, {key: top.isoformat()} if last and top else {})
        if last:
            return
        params["cursor"] = cursor


def _post(item: object) -> tuple[FoundPost | None, Any]:
    view = as_dict(item)
    record = as_dict(view.get("record"))
    uri = as_str(view.get("uri"))
    author = as_dict(view.get("author"))
    indexed = None
    if isinstance(view.get("indexedAt"), str):
        indexed = parse_time(view.get("indexedAt"), field_name="indexing time")
    if not uri or record.get("$type") != _POST_TYPE or not author:
        return None, indexed  # not a post any more (deleted, blocked): nothing to keep
    handle = handle_or_did(author)
    if not handle:
        raise BadResponse("Bluesky sent a post without an author handle or DID.")
    text = as_str(record.get("text"))
    created = parse_time(record.get("createdAt") or view.get("indexedAt"), field_name="post time")
    tags = tuple(
        as_str(feature.get("tag"))
        for facet in items(record.get("facets"))
        if isinstance(facet, dict)
        for feature in items(facet.get("features"))
        if isinstance(feature, dict) and feature.get("$type") == _TAG_FACET
    )
    langs = record.get("langs")
    language = as_str(langs[0]) if isinstance(langs, list) and langs else ""
    mentions = tuple(
        dict.fromkeys(canonical_handle(PLATFORM, m) for m in _MENTION_RE.findall(text))
    )
    return (
        FoundPost(
            platform=PLATFORM,
            platform_id=uri,
            author=FoundAuthor(
                PLATFORM,
                handle,
                as_str(author.get("displayName")).strip(),
                f"https://bsky.app/profile/{handle}",
            ),
            published_at=created,
            text=text,
            permalink=post_url(author, uri),
            language=language,
            tags=tags,
            mentions=mentions,
            likes=number(view.get("likeCount")),
            replies=number(view.get("replyCount")),
            reshares=number(view.get("repostCount")) + number(view.get("quoteCount")),
        ),
        indexed,
    )


def follows(http: HttpClient, actor: str, *, max_pages: int = 50) -> set[str]:
    """Canonical handles (or DIDs) `actor` follows: getFollows, paged with `cursor`."""
    found: set[str] = set()
    params: dict[str, Any] = {"actor": actor, "limit": 100}
    for _ in range(max_pages):
        body = http.get(FOLLOWS, params=params)
        for view in need(body, "follows", list, what="the follows"):
            if isinstance(view, dict) and (who := handle_or_did(view)):
                found.add(who)
        cursor = as_str(as_dict(body).get("cursor"))
        if not cursor:
            break
        params["cursor"] = cursor
    return found
