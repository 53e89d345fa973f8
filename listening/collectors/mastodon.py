"""Mastodon: hashtag timelines of the instances a team lists.

Endpoints (docs.joinmastodon.org):
- `GET /api/v1/instance`: checked first; a server that does not answer with an Instance
  entity is not a Mastodon server, and is skipped with a note.
- `GET /api/v1/timelines/tag/:hashtag?limit=40`: public statuses with the hashtag that the
  instance knows, newest first. Older pages with `max_id` (the id of the oldest status of
  the page, which is what the `Link: <...>; rel="next"` header carries).

A server may refuse timelines to visitors (Mastodon 4's "timeline_preview" switched off:
401, or 422 "This method requires an authenticated user"): a note, and the other servers
go on. Keywords alone cannot be collected here (Mastodon's full-text search needs a signed
in account); posts are found by the topic's hashtags and then matched against all its terms.

Cursor per topic: `mastodon:<host>:<tag>` = the newest status id read. A run reads from the
newest status down to that id (or to `since`), at most `max_pages` pages.
The post id kept is the status `uri` (the same on every instance), so a post seen through
two instances is one post.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from listening.collectors.base import Batch, FoundAuthor, FoundPost, Listen, number
from metrics.connectors.base import (
    AuthFailed,
    BadResponse,
    ConnectorError,
    HttpClient,
    NotFound,
    RequestRefused,
    parse_time,
)
from metrics.platforms.jsonvalues import as_dict, as_str
from metrics.platforms.mastodon import PUBLIC_VISIBILITIES, account_handle, qualified_handle
from metrics.platforms.text import html_to_text

PLATFORM = "mastodon"
PAGE_SIZE = 40


def _order(item_id: str) -> tuple[int, str]:
    return (len(item_id), item_id)


def check_instance(ctx: Listen, host: str) -> bool:
    """Whether the server answers as Mastodon does; a note says why not."""
    try:
        body = ctx.http.get("/api/v1/instance")
    except (NotFound, BadResponse, RequestRefused, AuthFailed):
        body = None
    except ConnectorError as exc:
        ctx.notes.append(f"Mastodon {host}: could not be reached ({exc}); tried again next run.")
        return False
    if not isinstance(body, dict) or not (
        isinstance(body.get("uri"), str) or isinstance(body.get("domain"), str)
    ):
        ctx.notes.append(
            f"{host} is not a Mastodon server (its /api/v1/instance does not answer as "
            "Mastodon does); check the address in the listening settings."
        )
        return False
    return True


def collect(ctx: Listen, instance: str) -> Iterator[Batch]:
    host = urlsplit(instance).hostname or instance
    if not ctx.terms.hashtags:
        ctx.notes.append(
            "Mastodon: the topic has no hashtags; Mastodon timelines are read by hashtag, so "
            "add hashtags to collect Mastodon posts."
        )
        return
    if not check_instance(ctx, host):
        return
    for tag in ctx.terms.hashtags:
        try:
            yield from _tag(ctx, host, tag)
        except (AuthFailed, RequestRefused) as exc:
            ctx.notes.append(
                f"Mastodon {host} shows hashtag timelines only to signed-in users ({exc}); "
                "nothing was collected there. List another instance."
            )
            return


def _tag(ctx: Listen, host: str, tag: str) -> Iterator[Batch]:
    key = f"mastodon:{host}:{tag}"
    newest = ctx.cursor.get(key)
    newest = newest if isinstance(newest, str) else ""
    top = newest
    max_id = ""
    for page in range(1, ctx.max_pages + 1):
        params: list[tuple[str, str]] = [("limit", str(PAGE_SIZE))]
        if max_id:
            params.append(("max_id", max_id))
        body = ctx.http.get(f"/api/v1/timelines/tag/{quote(tag)}", params=params)
        if not isinstance(body, list):
            raise BadResponse(f"Mastodon {host} answered the #{tag} timeline with no list.")
        items = [item for item in body if isinstance(item, dict) and as_str(item.get("id"))]
        ids = [as_str(item.get("id")) for item in items]
        posts: list[FoundPost] = []
        reached = not items
        for item, item_id in zip(items, ids, strict=True):
            if newest and _order(item_id) <= _order(newest):
                reached = True
                continue
            post = _post(item, host)
            if post is None:
                continue
            if post.published_at < ctx.since:
                reached = True
                continue
            posts.append(post)
        if ids:
            page_top = max(ids, key=_order)
            top = page_top if not top or _order(page_top) > _order(top) else top
            max_id = min(ids, key=_order)
        last = reached or page == ctx.max_pages
        if last and not reached:
            ctx.notes.append(
                f"Mastodon {host} #{tag}: stopped after {page} pages; older posts were skipped."
            )
        yield Batch(posts, {key: top} if last and top else {})
        if last:
            return


def _post(status: dict[str, Any], host: str) -> FoundPost | None:
    """A status as a topic post; None for one that is not public or whose author is gone."""
    if status.get("visibility") not in (None, *PUBLIC_VISIBILITIES):
        return None
    account = as_dict(status.get("account"))
    handle = account_handle(account)
    uri = as_str(status.get("uri")) or as_str(status.get("url"))
    if not handle or not uri:
        return None  # a deleted status or account leaves no author to talk to
    published = parse_time(status.get("created_at"), field_name="“created_at” time")
    mentions = tuple(
        h
        for m in status.get("mentions") or []
        if isinstance(m, dict)
        and (h := qualified_handle(as_str(m.get("acct")), as_str(m.get("url"))))
    )
    tags = tuple(as_str(t.get("name")) for t in status.get("tags") or [] if isinstance(t, dict))
    text = html_to_text(as_str(status.get("content")))
    spoiler = as_str(status.get("spoiler_text")).strip()
    return FoundPost(
        platform=PLATFORM,
        platform_id=uri,
        author=FoundAuthor(
            PLATFORM,
            handle,
            as_str(account.get("display_name")).strip(),
            as_str(account.get("url")),
        ),
        published_at=published,
        text=f"{spoiler}\n{text}".strip() if spoiler else text,
        permalink=as_str(status.get("url")) or uri,
        language=as_str(status.get("language")),
        tags=tags,
        mentions=mentions,
        likes=number(status.get("favourites_count")),
        replies=number(status.get("replies_count")),
        reshares=number(status.get("reblogs_count")),
    )


def next_link(http: HttpClient) -> str:
    """The `rel="next"` URL of the last answer's Link header ('' when there is none)."""
    raw = str(http.last_headers.get("link", ""))
    for part in raw.split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")].strip()
    return ""


def following(http: HttpClient, handle: str, *, max_pages: int = 50) -> set[str]:
    """The canonical handles that `handle` (user@instance, on this instance) follows:
    `GET /api/v1/accounts/lookup`, then `GET /api/v1/accounts/:id/following?limit=80`,
    following the Link header's next page (its max_id is the follow's id, not an account's).
    An account that hides its follows answers an empty list."""
    body = http.get("/api/v1/accounts/lookup", params={"acct": handle})
    raw_id = as_dict(body).get("id")
    account_id = str(raw_id) if isinstance(raw_id, str | int) and raw_id != "" else ""
    if not account_id:
        raise BadResponse("Mastodon sent an account without an id.")
    found: set[str] = set()
    url = f"/api/v1/accounts/{quote(account_id)}/following"
    params: dict[str, str] | None = {"limit": "80"}
    for _ in range(max_pages):
        page = http.get(url, params=params)
        if not isinstance(page, list) or not page:
            break
        for account in page:
            if isinstance(account, dict) and (h := account_handle(account)):
                found.add(h)
        url, params = next_link(http), None
        if not url:
            break
    return found
