"""YouTube Data API v3: a channel's public videos and its subscriber count.

One API key reads any public channel, so the team's key also serves its competitors. The key
goes in the `key` query parameter of every request (HttpClient never puts query strings in
its messages, so it does not leak into errors).

Requests (https://developers.google.com/youtube/v3/docs):
- GET /channels?part=snippet,statistics,contentDetails with forHandle=@handle, or id=... when
  the stored handle is a channel id (UC + 22 characters): the name, the subscriber count and
  the id of the channel's uploads playlist.
- GET /playlistItems?playlistId=<uploads>&maxResults=50: the uploads, newest first.
- GET /videos?part=snippet,statistics&id=<up to 50 ids>: title, publish time and counts of
  the videos of one playlist page, fetched before that page is yielded.

The walk. Every sync walks the uploads playlist from the newest video down to a threshold:
- first sync: ctx.since;
- later syncs: the older of the newest video already seen and 28 days ago. The counts of
  recent videos keep growing for weeks, and reading them again costs one playlistItems and
  one videos call per 50 videos, so the videos of the last 28 days are refreshed on every
  run and new ones are found on the way.
The walk stops after the first page holding a video older than the threshold, or at the end
of the playlist. Private and deleted entries (no videoPublishedAt) are skipped. The walk
relies on the playlist's newest-first order: a video uploaded long ago but made public only
recently may sit among older entries, below where a later sync stops.

Cursor keys:
- `newest_published`: publish time (ISO 8601, UTC) of the newest video of the last finished
  walk; the next walk reads down to it (or to 28 days ago, whichever is older).
- `pending_token`, `pending_newest`, `pending_until`: a walk that has not finished (stopped
  at ctx.max_pages, or failed between pages): the playlist page token to resume from, the
  newest video that walk has seen, and its threshold. The next run resumes it before
  starting a new one; `newest_published` only moves once a walk is finished, so an
  interruption never makes a later sync skip the videos below it.

Mapping, as the YouTube Studio importer (metrics/importers/youtube.py) does it: platform_id
is the video id, text is the title (the description is not stored, and links are read from
the title only, so an API sync and a file import classify a video alike), the permalink is
https://www.youtube.com/watch?v=<id>, kind is None (YouTube has no replies or reshares
among uploads); viewCount -> video_views, likeCount -> likes, commentCount -> replies (a
count the channel hides is None, not 0). The channel's subscriberCount is the followers
observation of ctx.today, left out when the channel hides it.

Inbound mentions: none. Comments are out of scope for this connector, so ctx.fetch_mentions
is ignored.

Errors: Google's error body names a reason. quotaExceeded means the key's daily quota is used
up until midnight Pacific time, when it resets; rateLimitExceeded is a short-term limit worth
a minute's wait; a key refused as invalid arrives as a 400 and is AuthFailed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

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
from metrics.ingest.records import AccountInfo, ObservationRecord, PostRecord
from metrics.platforms.text import typed_links
from metrics.platforms.youtube import watch_url

DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"
PAGE_SIZE = 50  # the most playlistItems and videos accept per call
REFRESH_DAYS = 28  # recent videos whose counts are read again on every sync

_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
# The daily quota of every Google Cloud project resets at midnight Pacific time.
_QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED"})
_DISABLED_REASONS = frozenset({"accessNotConfigured", "SERVICE_DISABLED"})


def _now() -> datetime:
    """The current time; a function so that tests can pin it."""
    return datetime.now(UTC)


# --- errors ---------------------------------------------------------------------------------


def _next_quota_reset(now: datetime) -> datetime:
    """The next midnight in Pacific time, as aware UTC."""
    tomorrow = now.astimezone(_QUOTA_ZONE).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(), tzinfo=_QUOTA_ZONE).astimezone(UTC)


def _error_reasons(response: httpx.Response) -> tuple[set[str], str]:
    """The reasons a Google error body names (errors[].reason, details[].reason), and its
    message."""
    try:
        body = response.json()
    except ValueError:
        return set(), ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons: set[str] = set()
    for key in ("errors", "details"):
        entries = error.get(key)
        if isinstance(entries, list):
            for entry in entries:
                reason = entry.get("reason") if isinstance(entry, dict) else None
                if isinstance(reason, str):
                    reasons.add(reason)
    message = error.get("message")
    return reasons, message if isinstance(message, str) else ""


def classify_error(response: httpx.Response) -> ConnectorError | None:
    reasons, message = _error_reasons(response)
    if reasons & _QUOTA_REASONS:
        retry_at = _next_quota_reset(_now())
        return RateLimited(
            "The daily YouTube Data API quota of this API key is used up; it resets at "
            f"midnight Pacific time, and syncing resumes after {retry_at:%Y-%m-%d %H:%M} UTC.",
            retry_at=retry_at,
        )
    if reasons & _RATE_REASONS:
        raw = response.headers.get("retry-after", "").strip()
        wait = int(raw) if raw.isdigit() else 60
        retry_at = _now() + timedelta(seconds=wait)
        return RateLimited(
            "YouTube asked to slow down (rate limit); syncing resumes after "
            f"{retry_at:%Y-%m-%d %H:%M} UTC.",
            retry_at=retry_at,
        )
    if reasons & _KEY_REASONS or (
        response.status_code == 400 and message.lower().startswith("api key")
    ):
        return AuthFailed(
            "YouTube refused the API key as invalid or expired. Enter a valid YouTube Data "
            "API v3 key in the connector's settings to resume syncing."
        )
    if reasons & _DISABLED_REASONS:
        return AuthFailed(
            "The YouTube Data API v3 is not enabled for this API key's Google Cloud project. "
            "Enable it in the Google Cloud console, or enter a key of a project where it is "
            "enabled, to resume syncing."
        )
    return None


# --- the channel ----------------------------------------------------------------------------


def _channel(ctx: SyncContext, key: str) -> tuple[Page, str]:
    """The first page's profile and followers, and the id of the uploads playlist."""
    # Not canonical_handle(): a channel id (UC…) is case-sensitive, so the case is kept.
    handle = ctx.handle.strip().lstrip("@").strip()
    params: dict[str, str] = {"part": "snippet,statistics,contentDetails", "key": key}
    if _CHANNEL_ID.match(handle):
        params["id"] = handle
    else:
        params["forHandle"] = f"@{handle}"
    body = ctx.http.get("/channels", params=params)
    if not isinstance(body, dict):
        raise BadResponse("YouTube answered the channel lookup with an unexpected shape.")
    items = body.get("items") or []
    if not isinstance(items, list):
        raise BadResponse("YouTube's channel lookup has “items” in an unexpected form.")
    if not items:
        raise NotFound(
            f"YouTube has no channel @{handle}. Check the account's handle: the @handle shown "
            "on the channel page, or the channel id starting with UC."
        )
    channel = items[0]
    snippet = need(channel, "snippet", dict, what="the channel")
    details = need(channel, "contentDetails", dict, what="the channel")
    playlists = need(details, "relatedPlaylists", dict, what="the channel's contentDetails")
    uploads = need(playlists, "uploads", str, what="the channel's related playlists")
    statistics = channel.get("statistics")
    observations: list[ObservationRecord] = []
    if isinstance(statistics, dict) and statistics.get("hiddenSubscriberCount") is not True:
        subscribers = count(statistics.get("subscriberCount"))
        if subscribers is not None:
            observations.append(
                ObservationRecord(metric="followers", day=ctx.today, value=Decimal(subscribers))
            )
    title = snippet.get("title")
    profile = AccountInfo(
        platform=ctx.platform,
        handle=handle,
        display_name=title.strip() if isinstance(title, str) else "",
    )
    return Page(observations=observations, profile=profile), uploads


# --- videos ---------------------------------------------------------------------------------


def _video(item: object) -> PostRecord:
    video_id = need(item, "id", str, what="a video")
    snippet = need(item, "snippet", dict, what=f"video {video_id}")
    statistics = item.get("statistics") if isinstance(item, dict) else None
    if not isinstance(statistics, dict):
        statistics = {}
    title = snippet.get("title")
    text = title.strip() if isinstance(title, str) else ""
    return PostRecord(
        platform_id=video_id,
        published_at=parse_time(snippet.get("publishedAt"), field_name="video publish time"),
        text=text,
        permalink=watch_url(video_id),
        links=typed_links(text),
        likes=count(statistics.get("likeCount")),
        replies=count(statistics.get("commentCount")),
        video_views=count(statistics.get("viewCount")),
    )


def _videos(ctx: SyncContext, key: str, video_ids: list[str]) -> list[PostRecord]:
    """The videos in the playlist's order; one the API no longer returns is left out."""
    if not video_ids:
        return []
    body = ctx.http.get(
        "/videos", params={"part": "snippet,statistics", "id": ",".join(video_ids), "key": key}
    )
    if not isinstance(body, dict):
        raise BadResponse("YouTube answered the video lookup with an unexpected shape.")
    items = body.get("items") or []
    if not isinstance(items, list):
        raise BadResponse("YouTube's video lookup has “items” in an unexpected form.")
    found = {post.platform_id: post for post in map(_video, items)}
    return [found[video_id] for video_id in video_ids if video_id in found]


# --- the walk -------------------------------------------------------------------------------


def _stored_time(raw: object) -> datetime | None:
    """A time this connector stored in the cursor; anything unreadable counts as absent."""
    if not isinstance(raw, str):
        return None
    try:
        return parse_time(raw)
    except BadResponse:
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _playlist_page(
    ctx: SyncContext, key: str, uploads: str, token: str | None
) -> dict[str, Any] | None:
    """One page of the uploads playlist; None when YouTube has no such playlist."""
    params = {
        "part": "contentDetails,snippet",
        "playlistId": uploads,
        "maxResults": str(PAGE_SIZE),
        "key": key,
    }
    if token:
        params["pageToken"] = token
    try:
        body = ctx.http.get("/playlistItems", params=params)
    except NotFound:
        # A channel that never uploaded a public video has an uploads playlist id that
        # playlistItems does not know (404 playlistNotFound): nothing to read.
        if token:
            raise
        return None
    if not isinstance(body, dict):
        raise BadResponse("YouTube answered the uploads list with an unexpected shape.")
    return body


def fetch(ctx: SyncContext) -> Iterator[Page]:
    key = ctx.credentials.get("api_key", "").strip()
    if not key:
        raise AuthFailed(
            "No YouTube API key is stored. Enter a YouTube Data API v3 key in the connector's "
            "settings to sync."
        )
    page, uploads = _channel(ctx, key)

    cursor = ctx.cursor
    newest_published = _stored_time(cursor.get("newest_published"))
    token = cursor.get("pending_token") if isinstance(cursor.get("pending_token"), str) else None
    pending_newest = _stored_time(cursor.get("pending_newest"))
    until = _stored_time(cursor.get("pending_until")) if token else None
    if until is None:
        if newest_published is None:
            until = ctx.since
        else:
            until = min(newest_published, days_ago(ctx.today, REFRESH_DAYS, ctx.tz))
    if not token:
        pending_newest = None

    pages = 0
    while True:
        try:
            body = _playlist_page(ctx, key, uploads, token)
        except RequestRefused:
            if not token or pages:
                raise
            # A stored page token YouTube no longer accepts: walk again from the top,
            # down to the same threshold.
            ctx.notes.append(
                "YouTube no longer accepted where the last sync stopped; the uploads were read "
                "again from the newest."
            )
            token = None
            continue
        pages += 1
        items: list[Any] = []
        next_token: str | None = None
        if body is not None:
            raw_items = body.get("items") or []
            if not isinstance(raw_items, list):
                raise BadResponse("YouTube's uploads list has “items” in an unexpected form.")
            items = raw_items
            raw_next = body.get("nextPageToken")
            next_token = raw_next if isinstance(raw_next, str) and raw_next else None

        wanted: list[str] = []
        reached_threshold = False
        for item in items:
            details = need(item, "contentDetails", dict, what="an uploads list entry")
            video_id = need(details, "videoId", str, what="an uploads list entry")
            raw_published = details.get("videoPublishedAt")
            if raw_published is None:
                continue  # a private or deleted video: nothing public to read
            published = parse_time(raw_published, field_name="video publish time")
            pending_newest = _latest(pending_newest, published)
            if published < until:
                reached_threshold = True
            elif video_id not in wanted:
                wanted.append(video_id)
        page.posts = _videos(ctx, key, wanted)

        finished = reached_threshold or next_token is None
        if finished:
            latest = _latest(newest_published, pending_newest)
            page.cursor = {
                "newest_published": _iso(latest) if latest else None,
                "pending_token": None,
                "pending_newest": None,
                "pending_until": None,
            }
        else:
            page.cursor = {
                "pending_token": next_token,
                "pending_newest": _iso(pending_newest) if pending_newest else None,
                "pending_until": _iso(until),
            }
        yield page
        if finished:
            return
        if pages >= ctx.max_pages:
            ctx.notes.append(
                f"YouTube: {pages} pages of uploads were read in this run; the older videos "
                "follow on the next sync."
            )
            return
        token = next_token
        page = Page()


SPEC = ConnectorSpec(
    key="youtube",
    profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL),
    label="YouTube Data API v3",
    platforms=("youtube",),
    default_base_url=DEFAULT_BASE_URL,
    credential_fields=(
        CredentialField(
            name="api_key",
            label="API key",
            help_text="A Google Cloud API key with the YouTube Data API v3 enabled. It reads "
            "any public channel, so it also serves competitors' channels: a competitor's "
            "connector left without one uses the key of the team's own YouTube connector.",
        ),
    ),
    fetch=fetch,
    classify_error=classify_error,
    works_without_credentials=False,
)
