"""Meta Graph API: a Facebook Page's posts or an Instagram professional account's media, with
the account's followers and, where the token allows, each post's insights.

One connector serves both platforms; ctx.platform says which one the account is. The token
goes in an `Authorization: Bearer` header, never in a URL we build (Graph accepts both).

Credentials:
- `access_token`: a Page access token (Facebook), or a token with instagram_basic and
  instagram_manage_insights (Instagram).
- `object_id`: the Page ID (Facebook; optional, the Page's username, stored as the handle,
  works as the node id too), or the IG user ID of the Instagram professional account
  (required: Instagram has no lookup by username for one's own account).

Requests (https://developers.facebook.com/docs/graph-api):
- Facebook: GET /{page}?fields=id,name,username,followers_count,fan_count; GET
  /{page}/posts?fields=...&limit=100 (newest first, time-based paging with since/until);
  GET /{post-id}/insights?metric=post_media_view,post_total_media_view_unique,
  post_clicks_by_type. Meta replaced post_impressions and post_impressions_unique by the
  "media view" metrics in 2025 (the deprecated ones now answer "invalid metric").
- Instagram: GET /{ig-user-id}?fields=id,username,name,followers_count,follows_count,
  media_count; GET /{ig-user-id}/media?fields=...&limit=100 (newest first, cursor paging);
  GET /{media-id}/insights?metric=reach,saved,views,shares (impressions and plays were
  removed in 2025; views replaced them).
Pagination follows `paging.next`, an absolute URL (it may carry the token in its query,
which HttpClient never puts in a message).

Insights are read "where the token allows": a permission error (Graph codes 10 and
200-299) or an unsupported metric (#100) on an insights call turns insights off for the rest
of the run, with one sentence in ctx.notes; the posts are written without those counts
(None, not 0), and the sync does not fail. Instagram's "(#10) Not enough viewers for the
media to show insights" only skips that one media.

The walk. Every sync walks the posts from the newest down to a threshold:
- first sync: ctx.since;
- later syncs: three days before the newest post already seen, so the counts of the latest
  posts are refreshed (a few insights calls) while new posts are found.
The walk stops at the first post older than the threshold, or at the end of the list.

Cursor keys:
- `newest_published`: creation time (ISO 8601, UTC) of the newest post of the last finished
  walk; the next walk reads down to three days before it.
- `pending_since`, `pending_until`, `pending_newest`, `pending_after`: a walk that has not
  finished (stopped at ctx.max_pages, or failed between pages): its threshold, the creation
  time just above the oldest post written so far (Facebook resumes with until=), the newest
  post it has seen, and the paging cursor to resume from (Instagram resumes with after=).
  The next run finishes that walk before starting a new one; `newest_published` only moves
  once a walk is finished, so an interruption never makes a later sync skip posts.

Mapping, as the Meta Business Suite importer (metrics/importers/meta.py) does it, with the
rules both share in metrics/platforms/meta.py:
- platform_id: Facebook's Graph id is "<page id>_<post id>"; the content export's "Post ID"
  is the part after the underscore (the legacy export's "<page id>_<post id>" is cut the
  same way by the importer), so the connector keeps that part. Instagram media ids are the
  export's "Post ID" as they are.
- text: the message (Facebook) or caption (Instagram); permalink: permalink_url / permalink.
- kind: Facebook posts with a parent_id are reshares (the export's "Is share"); an Instagram
  caption opening with a credit ("📸 @user", "Repost @user") is a reshare of @user, as the
  importer reads it. Everything else is an original (None).
- mentions: @handles typed in the text; links: URLs in the text, and
  on Facebook the attachments' targets (unshimmed_url preferred), leaving out Facebook's
  own photo and video pages.
- counts: Facebook reactions total -> likes, comments total -> replies, shares.count ->
  reshares (Graph leaves `shares` out of a post nobody shared: 0), their sum -> engagements;
  post_media_view -> impressions, post_total_media_view_unique -> reach, link clicks of
  post_clicks_by_type -> clicks (the export's "Link Clicks"). Instagram like_count -> likes,
  comments_count -> replies, views -> impressions (the export's "Views" column, which the
  importer maps to impressions) and, for videos and reels, also video_views; reach -> reach,
  saved -> saves, shares -> reshares, likes + comments + shares + saves -> engagements when
  all four are known.
- followers: followers_count (Facebook falls back to fan_count); following: Instagram's
  follows_count. Both dated ctx.today.

Facebook's /posts edge does not list Reels (Meta documents that); a Page's reels come in
through the content export only.

Inbound mentions: none in this version. Comments are out of scope, so ctx.fetch_mentions is
ignored.

Errors: Graph's body is {"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}, often with status 400 whatever the cause. Code 190 (and 102) is a token that
expired or was revoked: AuthFailed. Codes 4, 17, 32, 613 and 80001-80014 are rate limits:
RateLimited, retrying after the estimated_time_to_regain_access (minutes) of the
X-Business-Use-Case-Usage or X-App-Usage header, else an hour. Codes 10 and 200-299 are
missing permissions: RequestRefused (the insights call catches it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    TemporaryFailure,
    count,
    need,
    parse_time,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import AccountInfo, ObservationRecord, PostKind, PostRecord
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import dedupe
from metrics.platforms.meta import (
    FACEBOOK,
    INSTAGRAM,
    instagram_caption,
    interactions,
    links_in_text,
    mentions_in_text,
    split_post_id,
)

DEFAULT_BASE_URL = "https://graph.facebook.com/v26.0"
PAGE_SIZE = 100  # the most the /posts and /media edges return per call
REFRESH = timedelta(days=3)  # recent posts whose counts are read again on every sync

FB_PAGE_FIELDS = "id,name,username,followers_count,fan_count"
FB_POST_FIELDS = (
    "id,message,created_time,permalink_url,parent_id,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),"
    "attachments{url,unshimmed_url,type}"
)
FB_INSIGHTS = ("post_media_view", "post_total_media_view_unique", "post_clicks_by_type")
IG_USER_FIELDS = "id,username,name,followers_count,follows_count,media_count"
IG_MEDIA_FIELDS = (
    "id,caption,timestamp,permalink,like_count,comments_count,media_type,media_product_type"
)
IG_INSIGHTS = ("reach", "saved", "views", "shares")

# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling and
# .../overview/rate-limiting).
_TOKEN_CODES = frozenset({190, 102})
_RATE_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
_TRANSIENT_CODES = frozenset({1, 2})
_USAGE_HEADERS = ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage")
# A node id as Graph writes it (digits) or a Page username: nothing that could change the path.
_NODE_ID = re.compile(r"^[A-Za-z0-9._-]+$")
# Hosts of Facebook's own pages: an attachment pointing there is the post's photo or video,
# not a link the post shares.
_OWN_HOSTS = ("facebook.com", "fb.watch")


def _now() -> datetime:
    """The current time; a function so that tests can pin it."""
    return datetime.now(UTC)


# --- errors ---------------------------------------------------------------------------------


class GraphRefused(RequestRefused):
    """A Graph error that is not the token's or the rate limit's; `code` lets the insights
    call tell a missing permission or an unsupported metric from the rest."""

    def __init__(
        self, message: str, *, code: int, subcode: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.detail = detail  # Graph's own message


def _graph_error(response: httpx.Response) -> tuple[int, int | None, str] | None:
    """(code, error_subcode, message) of a Graph error body, or None for any other body."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    subcode = error.get("error_subcode")
    message = error.get("message")
    return (
        code,
        subcode if isinstance(subcode, int) and not isinstance(subcode, bool) else None,
        message.strip()[:200] if isinstance(message, str) else "",
    )


def _regain_minutes(headers: httpx.Headers) -> float | None:
    """The longest estimated_time_to_regain_access (minutes) of Meta's usage headers."""
    found: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "estimated_time_to_regain_access" and isinstance(inner, int | float):
                    if not isinstance(inner, bool):
                        found.append(float(inner))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for name in _USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            walk(json.loads(raw))
        except ValueError:
            continue
    positive = [minutes for minutes in found if minutes > 0]
    return max(positive) if positive else None


def _rate_limit_retry_at(response: httpx.Response) -> datetime:
    now = _now()
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return now + timedelta(seconds=int(retry_after))
    minutes = _regain_minutes(response.headers)
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    # Meta's throttles are counted over a rolling hour.
    return now + timedelta(hours=1)


def classify_error(response: httpx.Response) -> ConnectorError | None:
    found = _graph_error(response)
    if found is None:
        return None
    code, subcode, message = found
    detail = f" ({message})" if message else ""
    if code in _TOKEN_CODES:
        return AuthFailed(
            f"Meta refused the access token{detail}: it has expired or been revoked. Enter a "
            "new access token in the connector's settings to resume syncing."
        )
    if code in _RATE_CODES:
        retry_at = _rate_limit_retry_at(response)
        return RateLimited(
            f"Meta's rate limit for this app or account was reached{detail}; syncing resumes "
            f"after {retry_at:%Y-%m-%d %H:%M} UTC.",
            retry_at=retry_at,
        )
    if code in _TRANSIENT_CODES:
        return TemporaryFailure(f"Meta had a temporary problem{detail}; trying again later.")
    if code == 10 or 200 <= code <= 299:
        return GraphRefused(
            f"Meta refused the request for lack of a permission{detail}.",
            code=code,
            subcode=subcode,
            detail=message,
        )
    if code == 803 or (code == 100 and subcode == 33):
        return NotFound(
            f"Meta has no such Page or Instagram account, or this token cannot read it{detail}. "
            "Check the account ID in the connector's settings."
        )
    if code == 100:
        return GraphRefused(
            f"Meta refused the request{detail}.", code=code, subcode=subcode, detail=message
        )
    return None


def auth_headers(credentials: dict[str, str]) -> dict[str, str]:
    token = credentials.get("access_token", "").strip()
    return {"Authorization": f"Bearer {token}"} if token else {}


# --- small readers --------------------------------------------------------------------------


def _text(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _summary_total(edge: object) -> int | None:
    """reactions / comments with summary(total_count): {"data": [], "summary": {...}}."""
    if not isinstance(edge, dict):
        return None
    summary = edge.get("summary")
    return count(summary.get("total_count")) if isinstance(summary, dict) else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _stored_time(value: object) -> datetime | None:
    """A time this connector stored in the cursor; anything unreadable counts as absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unshim(url: str) -> str:
    """l.facebook.com/l.php?u=<target>: the target (Graph's unshimmed_url is preferred)."""
    parts = urlsplit(url)
    if (parts.hostname or "").endswith("l.facebook.com") and parts.path == "/l.php":
        targets = parse_qs(parts.query).get("u")
        if targets:
            return targets[0]
    return url


def _is_own_page(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == own or host.endswith("." + own) for own in _OWN_HOSTS)


def _attachment_links(post: dict[str, Any]) -> list[str]:
    attachments = post.get("attachments")
    data = attachments.get("data") if isinstance(attachments, dict) else None
    if not isinstance(data, list):
        return []
    found: list[str] = []
    for attachment in data:
        if not isinstance(attachment, dict):
            continue
        url = _text(attachment, "unshimmed_url") or _unshim(_text(attachment, "url"))
        if url.startswith(("http://", "https://")) and not _is_own_page(url):
            found.append(url)
    return found


def _paging(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(paging.next, paging.cursors.after) of a Graph list."""
    paging = body.get("paging")
    if not isinstance(paging, dict):
        return None, None
    next_url = paging.get("next")
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return (
        next_url if isinstance(next_url, str) and next_url.startswith("http") else None,
        after if isinstance(after, str) and after else None,
    )


# --- insights ---------------------------------------------------------------------------------


@dataclass
class _Insights:
    """Per-post insights while the token allows them; off for the rest of the run once
    Meta refuses them."""

    ctx: SyncContext
    metrics: tuple[str, ...]
    left_empty: str  # the counts that stay empty, for the note
    permission: str  # what the token needs to read them
    enabled: bool = True

    def read(self, object_id: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:
            body = self.ctx.http.get(
                f"/{object_id}/insights", params={"metric": ",".join(self.metrics)}
            )
        except NotFound:
            return None  # deleted between the list and this call: the post keeps its counts
        except RequestRefused as exc:
            graph = exc if isinstance(exc, GraphRefused) else None
            if graph is not None and "not enough viewers" in graph.detail.lower():
                return None  # Instagram hides insights of a media few people saw
            self.enabled = False
            self.ctx.notes.append(self._refused(graph, exc))
            return None
        data = need(body, "data", list, what="the post's insights")
        values: dict[str, Any] = {}
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            points = entry.get("values")
            total = entry.get("total_value")
            if isinstance(points, list) and points and isinstance(points[0], dict):
                values[entry["name"]] = points[0].get("value")
            elif isinstance(total, dict):
                values[entry["name"]] = total.get("value")
        return values

    def _refused(self, graph: GraphRefused | None, exc: RequestRefused) -> str:
        """The one sentence for ctx.notes when insights are turned off."""
        reason = f"“{graph.detail}”" if graph is not None and graph.detail else str(exc)
        if graph is not None and graph.code == 100:
            return (
                f"Meta refused the post insights this connector asks for ({reason}), so "
                f"{self.left_empty} were left empty in this sync; Meta may have renamed these "
                "metrics again, and the connector needs updating."
            )
        return (
            f"Meta did not let this access token read post insights ({reason}), so "
            f"{self.left_empty} were left empty in this sync; a token with {self.permission} "
            "fills them in."
        )


# --- the two platforms --------------------------------------------------------------------------


@dataclass
class _Source:
    """What differs between a Facebook Page and an Instagram account."""

    ctx: SyncContext
    node: str
    handle: str = ""
    insights: _Insights = field(init=False)

    stream = ""  # for notes: "Facebook posts", "Instagram posts"

    def __post_init__(self) -> None:
        self.insights = self.make_insights()

    def make_insights(self) -> _Insights:
        raise NotImplementedError

    def profile(self) -> Page:
        raise NotImplementedError

    def list_request(
        self, since: datetime, until: datetime | None, after: str | None
    ) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def record(self, item: dict[str, Any]) -> PostRecord:
        raise NotImplementedError

    def add_insights(self, record: PostRecord, item: dict[str, Any]) -> None:
        raise NotImplementedError


class _Facebook(_Source):
    stream = "Facebook posts"

    def make_insights(self) -> _Insights:
        return _Insights(
            self.ctx,
            FB_INSIGHTS,
            left_empty="impressions, reach and link clicks",
            permission="the read_insights and pages_read_engagement permissions",
        )

    def profile(self) -> Page:
        body = self.ctx.http.get(f"/{self.node}", params={"fields": FB_PAGE_FIELDS})
        need(body, "id", str, what="the Facebook Page")
        username = canonical_handle(FACEBOOK, _text(body, "username"))
        self.handle = username or canonical_handle(FACEBOOK, self.ctx.handle) or body["id"]
        followers = count(body.get("followers_count"))
        if followers is None:
            followers = count(body.get("fan_count"))
        observations = []
        if followers is not None:
            observations.append(ObservationRecord("followers", self.ctx.today, Decimal(followers)))
        return Page(
            observations=observations,
            profile=AccountInfo(FACEBOOK, self.handle, _text(body, "name")),
        )

    def list_request(
        self, since: datetime, until: datetime | None, after: str | None
    ) -> tuple[str, dict[str, str]]:
        params = {
            "fields": FB_POST_FIELDS,
            "limit": str(PAGE_SIZE),
            "since": str(int(since.timestamp())),
        }
        if until is not None:
            params["until"] = str(int(until.timestamp()))
        return f"/{self.node}/posts", params

    def record(self, item: dict[str, Any]) -> PostRecord:
        graph_id = need(item, "id", str, what="a Facebook post")
        published = parse_time(
            need(item, "created_time", str, what=f"Facebook post {graph_id}"),
            field_name="post creation time",
        )
        text = _text(item, "message")
        likes = _summary_total(item.get("reactions"))
        replies = _summary_total(item.get("comments"))
        shares = item.get("shares")
        # Graph leaves `shares` out of a post nobody has shared.
        reshares = count(shares.get("count")) if isinstance(shares, dict) else None
        if "shares" not in item:
            reshares = 0
        return PostRecord(
            platform_id=split_post_id(graph_id)[1] or graph_id,
            published_at=published,
            text=text,
            permalink=_text(item, "permalink_url"),
            kind=PostKind.RESHARE if _text(item, "parent_id") else None,
            mentions=mentions_in_text(FACEBOOK, text, exclude=[self.handle]),
            links=dedupe([*links_in_text(text), *_attachment_links(item)]),
            engagements=interactions(likes, replies, reshares),
            likes=likes,
            replies=replies,
            reshares=reshares,
        )

    def add_insights(self, record: PostRecord, item: dict[str, Any]) -> None:
        values = self.insights.read(item["id"])
        if values is None:
            return
        record.impressions = count(values.get("post_media_view"))
        record.reach = count(values.get("post_total_media_view_unique"))
        clicks = values.get("post_clicks_by_type")
        if isinstance(clicks, dict):
            # Breakdowns list only the types that are not zero.
            record.clicks = count(clicks.get("link clicks", 0))


class _Instagram(_Source):
    stream = "Instagram posts"

    def make_insights(self) -> _Insights:
        return _Insights(
            self.ctx,
            IG_INSIGHTS,
            left_empty="views, reach, saves and shares",
            permission="the instagram_manage_insights permission",
        )

    def profile(self) -> Page:
        body = self.ctx.http.get(f"/{self.node}", params={"fields": IG_USER_FIELDS})
        need(body, "id", str, what="the Instagram account")
        username = need(body, "username", str, what="the Instagram account")
        self.handle = canonical_handle(INSTAGRAM, username)
        observations = []
        for metric, key in (("followers", "followers_count"), ("following", "follows_count")):
            value = count(body.get(key))
            if value is not None:
                observations.append(ObservationRecord(metric, self.ctx.today, Decimal(value)))
        return Page(
            observations=observations,
            profile=AccountInfo(INSTAGRAM, self.handle, _text(body, "name")),
        )

    def list_request(
        self, since: datetime, until: datetime | None, after: str | None
    ) -> tuple[str, dict[str, str]]:
        # The media edge pages by cursor; the walk itself stops at the threshold.
        params = {"fields": IG_MEDIA_FIELDS, "limit": str(PAGE_SIZE)}
        if after:
            params["after"] = after
        return f"/{self.node}/media", params

    def record(self, item: dict[str, Any]) -> PostRecord:
        media_id = need(item, "id", str, what="an Instagram media")
        published = parse_time(
            need(item, "timestamp", str, what=f"Instagram media {media_id}"),
            field_name="media timestamp",
        )
        text = _text(item, "caption")
        caption = instagram_caption(text, self.handle)
        return PostRecord(
            platform_id=media_id,
            published_at=published,
            text=text,
            permalink=_text(item, "permalink"),
            kind=caption.kind,
            reshared_handle=caption.reshared_handle,
            mentions=caption.mentions,
            links=caption.links,
            likes=count(item.get("like_count")),
            replies=count(item.get("comments_count")),
        )

    def add_insights(self, record: PostRecord, item: dict[str, Any]) -> None:
        values = self.insights.read(item["id"])
        if values is None:
            return
        views = count(values.get("views"))
        record.impressions = views
        if item.get("media_type") == "VIDEO" or item.get("media_product_type") == "REELS":
            record.video_views = views
        record.reach = count(values.get("reach"))
        record.saves = count(values.get("saved"))
        record.reshares = count(values.get("shares"))
        record.engagements = interactions(
            record.likes, record.replies, record.reshares, record.saves
        )


# --- the walk ---------------------------------------------------------------------------------


@dataclass
class _Budget:
    left: int


def _walk(
    ctx: SyncContext,
    source: _Source,
    budget: _Budget,
    *,
    since: datetime,
    until: datetime | None = None,
    newest: datetime | None = None,
    after: str | None = None,
    finished_newest: datetime | None = None,
) -> Generator[Page, None, bool]:
    """One walk from the newest post (or `until`/`after`) down to `since`, a page at a time.
    Returns whether it reached the end."""
    path, params = source.list_request(since, until, after)
    url: str = path
    query: dict[str, str] | None = params
    while True:
        if budget.left <= 0:
            pages = f"{ctx.max_pages} page{'' if ctx.max_pages == 1 else 's'}"
            ctx.notes.append(
                f"Stopped after {pages} of {source.stream} in this sync; the next sync "
                "continues with older ones."
            )
            return False
        budget.left -= 1
        try:
            body = ctx.http.get(url, params=query)
        except GraphRefused:
            if not query or "after" not in query:
                raise
            # A stored paging cursor Meta no longer accepts: walk down from the newest post
            # instead; those above `until` are skipped below.
            query = {key: value for key, value in query.items() if key != "after"}
            body = ctx.http.get(url, params=query)
        items = need(body, "data", list, what=f"the list of {source.stream}")
        records: list[tuple[PostRecord, dict[str, Any]]] = []
        reached_since = False
        oldest: datetime | None = None
        for item in items:
            if not isinstance(item, dict):
                raise BadResponse(f"Meta listed one of the {source.stream} in an unexpected form.")
            record = source.record(item)
            if record.published_at < since:
                reached_since = True
                continue
            if until is not None and record.published_at > until:
                continue  # already written by the part of this walk before the interruption
            records.append((record, item))
            newest = max(newest, record.published_at) if newest else record.published_at
            oldest = min(oldest, record.published_at) if oldest else record.published_at
        for record, item in records:
            source.add_insights(record, item)
        next_url, after = _paging(body)
        done = reached_since or next_url is None or not items
        cursor: dict[str, Any]
        if done:
            top = max((t for t in (newest, finished_newest) if t is not None), default=None)
            cursor = {
                "pending_since": None,
                "pending_until": None,
                "pending_newest": None,
                "pending_after": None,
            }
            if top is not None:
                cursor["newest_published"] = _iso(top)
        else:
            # One second above the oldest post: `until` may be exclusive, and a post read
            # twice is harmless.
            if oldest is not None:
                until = oldest + timedelta(seconds=1)
            cursor = {
                "pending_since": _iso(since),
                "pending_until": _iso(until) if until is not None else None,
                "pending_newest": _iso(newest) if newest is not None else None,
                "pending_after": after,
            }
        yield Page(posts=[record for record, _ in records], cursor=cursor)
        if done or next_url is None:
            return True
        url, query = next_url, None  # the next link carries every parameter


def _walks(ctx: SyncContext, source: _Source) -> Iterator[Page]:
    budget = _Budget(ctx.max_pages)
    newest = _stored_time(ctx.cursor.get("newest_published"))
    pending_since = _stored_time(ctx.cursor.get("pending_since"))
    pending_until = _stored_time(ctx.cursor.get("pending_until"))
    if pending_since is not None and pending_until is not None:
        pending_newest = _stored_time(ctx.cursor.get("pending_newest"))
        after = ctx.cursor.get("pending_after")
        finished = yield from _walk(
            ctx,
            source,
            budget,
            since=pending_since,
            until=pending_until,
            newest=pending_newest,
            after=after if isinstance(after, str) else None,
            finished_newest=newest,
        )
        if not finished:
            return
        newest = max((t for t in (newest, pending_newest) if t is not None), default=None)
    since = newest - REFRESH if newest is not None else ctx.since
    yield from _walk(ctx, source, budget, since=since, finished_newest=newest)


# --- the connector ------------------------------------------------------------------------------


def fetch(ctx: SyncContext) -> Iterator[Page]:
    if not ctx.credentials.get("access_token", "").strip():
        raise AuthFailed(
            "Enter a Meta access token (a Page access token for a Facebook Page, or a token "
            "with instagram_basic and instagram_manage_insights for Instagram) to sync this "
            "account."
        )
    object_id = ctx.credentials.get("object_id", "").strip()
    source: _Source
    if ctx.platform == INSTAGRAM:
        if not object_id:
            raise AuthFailed(
                "Enter the Instagram account ID (the professional account's IG user ID, a "
                "number like 17841400000000000) to sync this Instagram account."
            )
        node = object_id
        source = _Instagram(ctx, node)
    elif ctx.platform == FACEBOOK:
        node = object_id or canonical_handle(FACEBOOK, ctx.handle)
        if not node:
            raise AuthFailed("Enter the Facebook Page ID to sync this Page.")
        source = _Facebook(ctx, node)
    else:
        raise RequestRefused(
            f"The Meta Graph API connector syncs Facebook Pages and Instagram accounts, not "
            f"{ctx.platform or 'this platform'}."
        )
    if not _NODE_ID.match(node):
        raise AuthFailed(
            f"“{node}” is not a Page or Instagram account ID (digits, or a Page's username). "
            "Correct the account ID in the connector's settings."
        )
    first: Page | None = source.profile()
    for page in _walks(ctx, source):
        if first is not None:
            page.profile = first.profile
            page.observations = [*first.observations, *page.observations]
            first = None
        yield page
    if first is not None:
        yield first  # no walk ran (max_pages 0): the profile and followers still count


SPEC = ConnectorSpec(
    key="meta",
    profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL),
    label="Meta Graph API",
    platforms=(FACEBOOK, INSTAGRAM),
    default_base_url=DEFAULT_BASE_URL,
    credential_fields=(
        CredentialField(
            name="access_token",
            label="Access token",
            help_text=(
                "Facebook: a Page access token of the Page. Instagram: a token with the "
                "instagram_basic and instagram_manage_insights permissions (the token of the "
                "Page linked to the Instagram account works)."
            ),
        ),
        CredentialField(
            name="object_id",
            label="Page or Instagram account ID",
            required=False,
            secret=False,
            help_text=(
                "Facebook: the Page ID (optional; the Page's username, the account's handle, "
                "works too). Instagram: the IG user ID of the professional account (required)."
            ),
        ),
    ),
    fetch=fetch,
    auth_headers=auth_headers,
    classify_error=classify_error,
)
