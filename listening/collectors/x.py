"""X: recent search (`GET /2/tweets/search/recent`), only with the team's own bearer token
(the one entered on the team's X connector). Reference: docs.x.com/x-api/posts/search.

The query is the topic's terms joined with OR (phrases quoted), minus the excluded words,
without reposts (`-is:retweet`), and with `lang:` when the topic names one language. X caps
a query at 512 characters: longer term lists are split into several queries. Recent search
reaches seven days back. Pages follow `meta.next_token`; the cursor `x:<query number>`
keeps `meta.newest_id` of the first page, asked for as `since_id` on the next run.

A 200 answer may carry `errors` beside `data` (a post deleted between the search and the
answer, a protected author): those posts are simply not there; an answer with `errors` and
no `data` is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from listening.collectors.base import Batch, FoundAuthor, FoundPost, Listen, items, number
from listening.terms import Terms
from metrics.connectors.base import BadResponse, need, parse_time
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import as_dict, as_str
from metrics.platforms.x import post_url

PLATFORM = "x"
SEARCH = "/2/tweets/search/recent"
PAGE_SIZE = 100
MAX_QUERY = 512
RECENT = timedelta(days=7) - timedelta(minutes=5)
TWEET_FIELDS = "created_at,public_metrics,author_id,lang,entities"


def _quoted(term: str) -> str:
    """A term as X's query language reads it: a hashtag or a single word bare, anything
    else as an exact phrase (quotes inside it dropped)."""
    bare = term[1:] if term.startswith("#") else term
    if bare and bare.replace("_", "").isalnum():
        return term
    return '"' + term.replace('"', " ").strip() + '"'


def queries(terms: Terms) -> list[str]:
    """The topic as X queries of at most 512 characters each."""
    suffix = " -is:retweet"
    suffix += "".join(f" -{_quoted(word)}" for word in terms.excluded)
    if len(terms.languages) == 1:
        suffix += f" lang:{terms.languages[0]}"
    if len(suffix) > MAX_QUERY // 2:
        raise BadResponse("The topic's excluded words make X queries too long; keep fewer.")
    chunks: list[list[str]] = [[]]
    for term in terms.search_terms:
        token = _quoted(term)
        trial = [*chunks[-1], token]
        if chunks[-1] and len(f"({' OR '.join(trial)}){suffix}") > MAX_QUERY:
            chunks.append([token])
        else:
            chunks[-1] = trial
    return [f"({' OR '.join(chunk)}){suffix}" for chunk in chunks if chunk]


def collect(ctx: Listen) -> Iterator[Batch]:
    for number_, query in enumerate(queries(ctx.terms)):
        yield from _query(ctx, f"x:{number_}:{query}"[:200], query)


def _query(ctx: Listen, key: str, query: str) -> Iterator[Batch]:
    since_id = ctx.cursor.get(key)
    params: dict[str, Any] = {
        "query": query,
        "max_results": PAGE_SIZE,
        "tweet.fields": TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": "username,name",
    }
    if isinstance(since_id, str) and since_id:
        params["since_id"] = since_id
    else:
        start = max(ctx.since, ctx.now - RECENT)
        params["start_time"] = start.isoformat().replace("+00:00", "Z")
    newest = since_id if isinstance(since_id, str) else ""
    for page in range(1, ctx.max_pages + 1):
        body = ctx.http.get(SEARCH, params=params)
        data = as_dict(body).get("data")
        if data is None and as_dict(body).get("errors"):
            errors = as_dict(body)["errors"]
            detail = as_str(as_dict(errors[0]).get("detail")) if isinstance(errors, list) else ""
            raise BadResponse(f"X refused the search ({detail or 'no detail'}).")
        meta = as_dict(as_dict(body).get("meta"))
        if page == 1 and as_str(meta.get("newest_id")):
            newest = as_str(meta.get("newest_id"))
        users = {
            as_str(u.get("id")): u
            for u in items(as_dict(as_dict(body).get("includes")).get("users"))
            if isinstance(u, dict)
        }
        posts = [
            post
            for item in (data if isinstance(data, list) else [])
            if (post := _post(item, users)) is not None and post.published_at >= ctx.since
        ]
        token = as_str(meta.get("next_token"))
        last = not token or page == ctx.max_pages
        if last and token:
            ctx.notes.append(f"X: stopped after {page} pages of a search; older posts skipped.")
        yield Batch(posts, {key: newest} if last and newest else {})
        if last:
            return
        params["next_token"] = token


def _post(item: object, users: dict[str, dict[str, Any]]) -> FoundPost | None:
    post_id = need(item, "id", str, what="a post")
    author = users.get(as_str(as_dict(item).get("author_id")), {})
    handle = canonical_handle(PLATFORM, as_str(author.get("username")))
    if not handle:
        return None  # its author is not in the answer (suspended, protected): nobody to engage
    metrics = as_dict(as_dict(item).get("public_metrics"))
    entities = as_dict(as_dict(item).get("entities"))
    mentions = tuple(
        h
        for m in items(entities.get("mentions"))
        if isinstance(m, dict) and (h := canonical_handle(PLATFORM, as_str(m.get("username"))))
    )
    tags = tuple(
        as_str(t.get("tag")) for t in items(entities.get("hashtags")) if isinstance(t, dict)
    )
    return FoundPost(
        platform=PLATFORM,
        platform_id=post_id,
        author=FoundAuthor(
            PLATFORM, handle, as_str(author.get("name")).strip(), f"https://x.com/{handle}"
        ),
        published_at=parse_time(as_dict(item).get("created_at"), field_name="post time"),
        text=as_str(as_dict(item).get("text")),
        permalink=post_url(handle, post_id),
        language=as_str(as_dict(item).get("lang")),
        tags=tags,
        mentions=mentions,
        likes=number(metrics.get("like_count")),
        replies=number(metrics.get("reply_count")),
        reshares=number(metrics.get("retweet_count")) + number(metrics.get("quote_count")),
    )
