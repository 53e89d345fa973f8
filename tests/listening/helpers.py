"""Topic posts written through the service, as a collector would hand them over."""

from __future__ import annotations

from datetime import datetime, timedelta

from listening import services
from listening.collectors.base import Batch, FoundAuthor, FoundPost
from listening.selectors import Voices
from listening.terms import Matcher

_ids = iter(range(10**9))


def found(
    platform: str,
    handle: str,
    at: datetime,
    text: str,
    *,
    likes: int = 0,
    mentions: tuple[str, ...] = (),
    platform_id: str = "",
) -> FoundPost:
    return FoundPost(
        platform=platform,
        platform_id=platform_id or f"{platform}-{next(_ids)}",
        author=FoundAuthor(
            platform, handle, handle.title(), f"https://{platform}.example/{handle}"
        ),
        published_at=at,
        text=text,
        permalink=f"https://{platform}.example/{handle}/{next(_ids)}",
        likes=likes,
        mentions=mentions,
    )


def write(topic, *posts: FoundPost, since: datetime | None = None) -> int:
    oldest = min(p.published_at for p in posts) - timedelta(days=1)
    return services.topic_batch_write(
        topic=topic,
        batch=Batch(list(posts)),
        matcher=Matcher(topic.terms()),
        voices=Voices.of(topic.team_id),
        since=since or oldest,
    )
