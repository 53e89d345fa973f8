"""X API v2: the account's profile and follower counts, its posts with their public
metrics, and the posts that mention it.

Endpoints (https://docs.x.com/x-api/users/lookup and
https://docs.x.com/x-api/posts/timelines/introduction):
- GET /2/users/by/username/:username: id, name, username and public_metrics (followers,
  following);
- GET /2/users/:id/tweets: the account's posts, newest first, 100 a page (X serves the
  3,200 most recent);
- GET /2/users/:id/mentions: posts that mention the account, newest first (the 800 most
  recent).

An app-only bearer token reads any public account, so competitors sync with the team's
own token. Non-public and organic metrics need the author's user context: they are not
asked for, so impressions, likes, replies, reposts, quotes and bookmarks are the public
counts.

A 200 answer may carry an `errors` array next to `data` (a replied-to post was deleted, a
quoted author is protected): those are partial and ignored. An answer with `errors` and no
`data` (an unknown or suspended account) is a failure.

Resuming without losing posts
-----------------------------
Both timelines page from newest to oldest, so a run that stops half-way has written the
newest part of the range it was reading, not the oldest. Each stream (`tweets`,
`mentions`) keeps three cursor keys:

- `<stream>_since_id`: the high-water mark. Every post from ctx.since up to this id has
  been written; the next pass reads what is newer (since_id).
- `<stream>_pass_top`: while a pass is unfinished, the newest id it wrote. It becomes the
  high-water mark only when the pass reaches its lower bound.
- `<stream>_pass_until`: while a pass is unfinished, the oldest id it wrote. The next run
  resumes the pass with until_id=<this>, so it reads only the gap left between the
  high-water mark and this id.

Each page's cursor is written with the page, so whatever stops a run (the page limit, an
error, a crash), the stored keys name exactly the gap still to read. The high-water mark
never moves past a gap.

The lower bound of a pass: on a first sync, start_time = ctx.since. Afterwards since_id =
the high-water mark, except for posts whose mark is under two days old: that pass starts
at start_time = two days back instead, so the counts of recent posts, still growing, are
read again. X bills every post read, so the window is kept short.

`user_id` is kept too: when the handle now names another account, its posts are read from
the start instead of after the old account's high-water mark.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    RateLimited,
    RequestRefused,
    SyncContext,
    count,
    days_ago,
    need,
    parse_time,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    MentionRecord,
    ObservationRecord,
    PostKind,
    PostRecord,
)
from metrics.platforms.identity import canonical_handle, people
from metrics.platforms.x import (
    PLATFORM,
    is_post_id,
    outbound_links,
    post_text,
    post_url,
    retweeted_handle,
    snowflake_time,
)

PAGE_SIZE = 100  # the most a timeline page holds
REFRESH_DAYS = 2  # recent posts re-read on each sync to refresh their counts

# entities.mentions.username is not expanded: the entities already carry the username,
# and every expanded user is one more object X sends (and bills).
TWEET_FIELDS = (
    "created_at,public_metrics,referenced_tweets,entities,in_reply_to_user_id,"
    "conversation_id,author_id,note_tweet"
)
EXPANSIONS = "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id"
USER_FIELDS = "username,name"

_HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,50}")


# --- credentials and errors -----------------------------------------------------------------


def _token(credentials: dict[str, str]) -> str:
    token = credentials.get("bearer_token", "").strip()
    # A token pasted together with its scheme would be sent as "Bearer Bearer …".
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    return token


def auth_headers(credentials: dict[str, str]) -> dict[str, str]:
    token = _token(credentials)
    return {"Authorization": f"Bearer {token}"} if token else {}


def classify_error(response: httpx.Response) -> ConnectorError | None:
    """X's problem bodies that mean something other than their status code's default."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    raw_kind, raw_detail = body.get("type"), body.get("detail")
    kind = raw_kind if isinstance(raw_kind, str) else ""
    detail = raw_detail.strip()[:200] if isinstance(raw_detail, str) else ""
    said = f" ({detail})" if detail else ""
    status = response.status_code
    if status == 429 and kind.endswith("/usage-capped"):
        # The project's monthly post cap, not the 15-minute window: the rate-limit reset
        # headers say nothing about it, and retrying within the hour would only fail again.
        return RateLimited(
            f"The X API usage cap of the bearer token's project is used up{said}. Syncing "
            "tries again tomorrow; the cap lifts with the next billing period or a higher "
            "plan.",
            retry_at=datetime.now(UTC) + timedelta(days=1),
        )
    if status == 403 and kind.endswith("/client-forbidden"):
        return AuthFailed(
            f"X refused the bearer token for this endpoint{said}. Its app must be attached "
            "to a project with X API v2 access: fix that in the X developer console, or "
            "enter another bearer token."
        )
    if status == 402:
        return RequestRefused(
            f"X refused the request because the developer account has no API credits "
            f"left{said}. Add credits in the X developer console; the next sync tries again."
        )
    return None


def _problem(body: dict[str, Any]) -> tuple[str, str]:
    """(type, detail) of the first problem in a body's `errors` array."""
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return "", ""
    kind = first.get("type")
    detail = first.get("detail") or first.get("message") or first.get("title")
    return (
        kind if isinstance(kind, str) else "",
        detail.strip()[:200] if isinstance(detail, str) else "",
    )


# --- reading X's answers --------------------------------------------------------------------


@dataclass
class _Includes:
    """The expanded objects of one answer, by id."""

    users: dict[str, dict[str, Any]]
    tweets: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, raw: object) -> _Includes:
        section = raw if isinstance(raw, dict) else {}
        return cls(_by_id(section.get("users")), _by_id(section.get("tweets")))

    def username(self, user_id: object) -> str:
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        name = user.get("username") if user is not None else None
        return name if isinstance(name, str) else ""

    def name(self, user_id: object) -> str:
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        name = user.get("name") if user is not None else None
        return name if isinstance(name, str) else ""

    def author_of(self, tweet_id: str) -> str:
        """The username of a referenced post's author, or '' (deleted, not expanded)."""
        tweet = self.tweets.get(tweet_id)
        return self.username(tweet.get("author_id")) if tweet is not None else ""


def _by_id(items: object) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found[item["id"]] = item
    return found


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _read_timeline(body: Any, what: str) -> tuple[list[dict[str, Any]], _Includes, dict[str, Any]]:
    """(posts, includes, meta) of a timeline page; a page without posts has only meta."""
    if not isinstance(body, dict):
        raise BadResponse(f"X sent the {what} in an unexpected shape; nothing was written.")
    meta = body.get("meta")
    data = body.get("data")
    if data is None:
        if not isinstance(meta, dict):
            _fail(body, what)
        data = []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise BadResponse(f"X sent the {what} in an unexpected shape; nothing was written.")
    return data, _Includes.read(body.get("includes")), meta if isinstance(meta, dict) else {}


def _fail(body: dict[str, Any], what: str) -> None:
    """An answer with problems and no data: say why X sent nothing."""
    kind, detail = _problem(body)
    said = f" ({detail})" if detail else ""
    if kind.endswith("/resource-not-found"):
        raise NotFound(f"X could not find the {what}{said}.")
    if kind.endswith("/not-authorized-for-resource"):
        raise RequestRefused(
            f"X does not let this bearer token read the {what}{said}; the account may be "
            "protected or suspended."
        )
    if kind or detail:
        raise RequestRefused(f"X refused to send the {what}{said}.")
    raise BadResponse(f"X's answer for the {what} has no “data”; nothing was written.")


def _tweet_id(tweet: dict[str, Any]) -> str:
    post_id: str = need(tweet, "id", what="a post")
    if not is_post_id(post_id):
        raise BadResponse(f"X sent a post id that is not a number: {post_id[:30]!r}.")
    return post_id


def _published(tweet: dict[str, Any]) -> datetime:
    return parse_time(tweet.get("created_at"), field_name="post time (created_at)")


def _references(tweet: dict[str, Any]) -> dict[str, str]:
    """referenced_tweets as {type: id}: retweeted, quoted, replied_to."""
    found: dict[str, str] = {}
    for ref in _dicts(tweet.get("referenced_tweets")):
        kind, ref_id = ref.get("type"), ref.get("id")
        if isinstance(kind, str) and isinstance(ref_id, str):
            found.setdefault(kind, ref_id)
    return found


def _text_and_entities(tweet: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[str]]:
    """(plain text, URL entities, mentioned usernames). A long post's `text` is cut at 280
    characters; its full text and entities are in `note_tweet`, as in the archive."""
    text: str = need(tweet, "text", what="a post")
    sections = [tweet.get("entities")]
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
        text = note["text"]
        sections.append(note.get("entities"))
    urls: list[dict[str, Any]] = []
    mentions: list[str] = []
    for section in sections:
        if not isinstance(section, dict):
            continue
        urls += _dicts(section.get("urls"))
        mentions += [
            m["username"]
            for m in _dicts(section.get("mentions"))
            if isinstance(m.get("username"), str)
        ]
    return post_text(text), urls, mentions


def _links(urls: list[dict[str, Any]]) -> tuple[str, ...]:
    """Expanded URLs that lead off X, as for the archive; the t.co link of the post's own
    photo or video (it has a media_key, and points back at the post) is left out too."""
    expanded = [entity.get("expanded_url") for entity in urls if not entity.get("media_key")]
    return outbound_links(url.strip() for url in expanded if isinstance(url, str))


# --- mapping -----------------------------------------------------------------------------------


def _post(tweet: dict[str, Any], includes: _Includes, username: str) -> PostRecord:
    post_id = _tweet_id(tweet)
    text, urls, typed = _text_and_entities(tweet)
    refs = _references(tweet)
    kind: PostKind | None = None
    reply_to = reply_id = reshared = ""
    if "retweeted" in refs:
        kind = PostKind.RESHARE
        reshared = includes.author_of(refs["retweeted"])
        if not reshared:
            reshared = retweeted_handle(text) or ""
        typed = []  # the "RT @author:" prefix is X's, not a mention the account wrote
    else:
        if "replied_to" in refs:
            kind = PostKind.REPLY
            reply_id = refs["replied_to"]
            reply_to = includes.username(tweet.get("in_reply_to_user_id")) or includes.author_of(
                reply_id
            )
            typed = [reply_to, *typed]
        if "quoted" in refs:
            # A reply that also quotes stays a reply and keeps the quoted author.
            kind = kind or PostKind.QUOTE
            reshared = includes.author_of(refs["quoted"])

    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    if kind is PostKind.RESHARE:
        # The numbers X shows on a repost are the original post's: counting them would
        # credit the account with someone else's audience.
        metrics = {}
    reposts, quotes = count(metrics.get("retweet_count")), count(metrics.get("quote_count"))
    return PostRecord(
        platform_id=post_id,
        published_at=_published(tweet),
        text=text,
        permalink=post_url(username, post_id),
        kind=kind,
        in_reply_to_handle=canonical_handle(PLATFORM, reply_to),
        in_reply_to_id=reply_id,
        reshared_handle=canonical_handle(PLATFORM, reshared),
        mentions=people(PLATFORM, typed),
        links=_links(urls),
        impressions=count(metrics.get("impression_count")),
        likes=count(metrics.get("like_count")),
        replies=count(metrics.get("reply_count")),
        # A quote, like a repost, carries the post to another audience (as for Bluesky).
        reshares=None if reposts is None else reposts + (quotes or 0),
        saves=count(metrics.get("bookmark_count")),
    )


def _mention(tweet: dict[str, Any], includes: _Includes, account_id: str) -> MentionRecord | None:
    """A post that mentions the account, or None for the account's own posts and for
    reposts (a repost of the account's post names it, but says nothing to it)."""
    post_id = _tweet_id(tweet)
    refs = _references(tweet)
    author_id = tweet.get("author_id")
    if "retweeted" in refs or author_id == account_id:
        return None
    text, _urls, _typed = _text_and_entities(tweet)
    username = includes.username(author_id)
    return MentionRecord(
        platform_id=post_id,
        published_at=_published(tweet),
        author_handle=canonical_handle(PLATFORM, username),
        author_name=includes.name(author_id),
        text=text,
        permalink=post_url(username, post_id),
        in_reply_to_id=refs.get("replied_to", ""),
        is_reply=tweet.get("in_reply_to_user_id") == account_id,
    )


# --- the streams -------------------------------------------------------------------------------


def _stored_id(value: object) -> str | None:
    return value if isinstance(value, str) and is_post_id(value) else None


def _newest(a: str | None, b: str) -> str:
    return b if a is None or int(b) > int(a) else a


def _oldest(a: str | None, b: str) -> str:
    return b if a is None or int(b) < int(a) else a


def _iso(moment: datetime) -> str:
    # X takes whole seconds only (YYYY-MM-DDTHH:mm:ssZ).
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _posts_lower_bound(ctx: SyncContext, since_id: str | None) -> dict[str, str]:
    if since_id is None:
        return {"start_time": _iso(ctx.since)}
    refresh_from = max(ctx.since, days_ago(ctx.today, REFRESH_DAYS, ctx.tz))
    try:
        newest = snowflake_time(since_id)
    except ValueError:
        newest = None  # a mark that is no real post id: read from it, not from a time
    if newest is not None and newest >= refresh_from:
        # start_time is at or before the mark, so everything newer is read as well.
        return {"start_time": _iso(refresh_from)}
    return {"since_id": since_id}


def _mentions_lower_bound(ctx: SyncContext, since_id: str | None) -> dict[str, str]:
    return {"since_id": since_id} if since_id is not None else {"start_time": _iso(ctx.since)}


_Batch = tuple[list[dict[str, Any]], _Includes, dict[str, Any]]


def _timeline(
    ctx: SyncContext,
    cursor: dict[str, Any],
    *,
    stream: str,
    path: str,
    lower: Callable[[SyncContext, str | None], dict[str, str]],
    what: str,
) -> Iterator[_Batch]:
    """One pass over a timeline (see the module docstring): (posts, includes, cursor keys)
    per page, newest page first."""
    since_key, top_key, until_key = (
        f"{stream}_since_id",
        f"{stream}_pass_top",
        f"{stream}_pass_until",
    )
    since_id = _stored_id(cursor.get(since_key))
    top = _stored_id(cursor.get(top_key))
    until = _stored_id(cursor.get(until_key))
    params: dict[str, Any] = {
        "max_results": PAGE_SIZE,
        "tweet.fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user.fields": USER_FIELDS,
        **lower(ctx, since_id),
    }
    if top is not None and until is not None:
        params["until_id"] = until  # resume the unfinished pass below what it wrote
    else:
        top = until = None
    token: str | None = None
    pages = 0
    while True:
        query = params if token is None else {**params, "pagination_token": token}
        tweets, includes, meta = _read_timeline(ctx.http.get(path, params=query), what)
        pages += 1
        kept: list[dict[str, Any]] = []
        reached_since = False
        for tweet in tweets:
            post_id = _tweet_id(tweet)
            # start_time already keeps older posts out; this guards the first sync's floor
            # if X ever sends them anyway.
            if _published(tweet) < ctx.since:
                reached_since = True
                continue
            kept.append(tweet)
            top, until = _newest(top, post_id), _oldest(until, post_id)
        next_token = meta.get("next_token")
        token = next_token if isinstance(next_token, str) and next_token else None
        if token is None or reached_since:
            finished: dict[str, Any] = {top_key: None, until_key: None}
            if top is not None:
                finished[since_key] = top if since_id is None else _newest(since_id, top)
            yield kept, includes, finished
            return
        yield (
            kept,
            includes,
            ({top_key: top, until_key: until} if top is not None and until is not None else {}),
        )
        if pages >= ctx.max_pages:
            ctx.notes.append(
                f"X: this sync stopped after {pages} pages of {what}; the next sync "
                "continues with the older ones."
            )
            return


# --- the connector ---------------------------------------------------------------------------

_STREAM_KEYS = tuple(
    f"{stream}_{key}"
    for stream in ("tweets", "mentions")
    for key in ("since_id", "pass_top", "pass_until")
)


def _handle(raw: str) -> str:
    """The handle to look up, in the case the account stores it (X matches usernames in
    any case); the people a sync names are canonical_handle()'s."""
    handle = raw.strip().lstrip("@").strip()
    if not _HANDLE_RE.fullmatch(handle):
        raise NotFound(
            f"“{raw}” is not an X handle (letters, digits and underscores only); correct the "
            "account's handle."
        )
    return handle


def _profile(ctx: SyncContext, handle: str) -> tuple[str, str, Page]:
    """(user id, username, the first page: profile, followers, following)."""
    body = ctx.http.get(
        f"/2/users/by/username/{handle}", params={"user.fields": "public_metrics,name,username,id"}
    )
    if isinstance(body, dict) and body.get("data") is None and body.get("errors"):
        _kind, detail = _problem(body)
        raise NotFound(
            f"X cannot find the account @{handle}{' (' + detail + ')' if detail else ''}. "
            "Check the account's handle."
        )
    user = need(body, "data", dict, what="the X account lookup")
    user_id: str = need(user, "id", what="the X account")
    username: str = need(user, "username", what="the X account")
    if not is_post_id(user_id):  # user ids are snowflakes too
        raise BadResponse(f"X sent an account id that is not a number: {user_id[:30]!r}.")
    name = user.get("name") if isinstance(user.get("name"), str) else ""
    metrics = user.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    observations = [
        ObservationRecord(metric=metric, day=ctx.today, value=Decimal(value))
        for metric, key in (("followers", "followers_count"), ("following", "following_count"))
        if (value := count(metrics.get(key))) is not None
    ]
    page = Page(
        profile=AccountInfo(
            platform=ctx.platform,
            handle=canonical_handle(PLATFORM, username),
            display_name=name,
        ),
        observations=observations,
        cursor={"user_id": user_id},
    )
    return user_id, username, page


def fetch(ctx: SyncContext) -> Iterator[Page]:
    if not _token(ctx.credentials):
        raise AuthFailed(
            "Enter the X API bearer token (the app's “Bearer Token” from the X developer "
            "console) to sync this account."
        )
    handle = _handle(ctx.handle)
    user_id, username, first = _profile(ctx, handle)
    cursor = ctx.cursor
    if cursor.get("user_id") not in (None, user_id):
        # Another account behind the handle: the old account's marks would skip its posts.
        cursor = {}
        first.cursor.update(dict.fromkeys(_STREAM_KEYS))
        ctx.notes.append(
            f"X: @{username} is not the account synced before under this handle; its posts "
            "are read from the start."
        )
    yield first

    for tweets, includes, keys in _timeline(
        ctx,
        cursor,
        stream="tweets",
        path=f"/2/users/{user_id}/tweets",
        lower=_posts_lower_bound,
        what="posts",
    ):
        yield Page(posts=[_post(tweet, includes, username) for tweet in tweets], cursor=keys)

    if not ctx.fetch_mentions:
        return
    for tweets, includes, keys in _timeline(
        ctx,
        cursor,
        stream="mentions",
        path=f"/2/users/{user_id}/mentions",
        lower=_mentions_lower_bound,
        what="mentions",
    ):
        mentions = [m for tweet in tweets if (m := _mention(tweet, includes, user_id)) is not None]
        yield Page(mentions=mentions, cursor=keys)


SPEC = ConnectorSpec(
    key="x",
    profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    label="X API v2",
    platforms=("x",),
    default_base_url="https://api.x.com",
    credential_fields=(
        CredentialField(
            name="bearer_token",
            label="Bearer token",
            required=True,
            secret=True,
            help_text=(
                "The team's own app Bearer Token from the X developer console (Keys and "
                "tokens). X publishes nothing without one: competitors' accounts sync only "
                "with the team's token, entered here or on the team's own X connector (never "
                "the competitor's credentials)."
            ),
        ),
    ),
    fetch=fetch,
    auth_headers=auth_headers,
    classify_error=classify_error,
    works_without_credentials=False,
)
