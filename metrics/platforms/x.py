"""X (Twitter) conventions, the same in its exports, its archive and its API v2:

- a post id is a snowflake, digits only: it carries its creation time,
  ms = (id >> 22) + 1288834974657;
- a plain retweet's text starts with `RT @author:` (the archive has no other marker, and the
  API's text keeps it);
- post text is HTML-escaped (`&amp;`, `&lt;`, `&gt;`) everywhere X writes it;
- every link in a post is wrapped in a t.co short link, which hides where it goes; a link to
  a post on X (https://x.com/<user>/status/<id>) quotes that post rather than linking out;
- a post's address is https://x.com/<user>/status/<id>, or …/i/web/status/<id> when the
  author is not known.

Pure Python: no Django.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle

PLATFORM = Platform.X

SNOWFLAKE_EPOCH_MS = 1288834974657
# X caps new handles at 15 characters, but older (and invented) ones can be longer.
HANDLE = r"[A-Za-z0-9_]+"

_POST_ID_RE = re.compile(r"[0-9]{1,20}")
_RETWEET_RE = re.compile(rf"RT @({HANDLE}):")
_SHORTLINK_RE = re.compile(r"https?://t\.co/", re.IGNORECASE)
# A link to a post: https://twitter.com/<user>/status/<id> (also x.com, mobile., /statuses/).
_STATUS_URL_RE = re.compile(
    rf"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:i/web/|({HANDLE})/)status(?:es)?/(\d+)",
    re.IGNORECASE,
)
# twitter.com/i/web/status/<id> and x.com/i/status/<id> name no author.
_ANONYMOUS_PATH_USERS = frozenset({"i"})


def is_post_id(value: str) -> bool:
    """A post id is digits (at most 20: a 64-bit snowflake)."""
    return _POST_ID_RE.fullmatch(value) is not None


def snowflake_time(post_id: str) -> datetime | None:
    """The exact UTC time a snowflake id encodes, or None for the sequential ids of posts
    from before 2010. ValueError when the id encodes no valid time at all."""
    offset_ms = int(post_id) >> 22
    if offset_ms < 86_400_000:  # within a day of the epoch: an old sequential id
        return None
    try:
        return datetime.fromtimestamp((offset_ms + SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"“{post_id}” is not a post id (it encodes no valid time)") from None


def retweeted_handle(text: str) -> str | None:
    """The author of the post a plain retweet repeats (`RT @author: …`), or None when the
    text is not a retweet."""
    match = _RETWEET_RE.match(text)
    return canonical_handle(PLATFORM, match.group(1)) if match else None


def post_text(raw: str) -> str:
    """A post's text as its author wrote it: X leaves HTML entities (&amp;) in it."""
    return html.unescape(raw or "")


def is_shortlink(url: str) -> bool:
    """A t.co link: it hides the real destination, so it is never counted as a link."""
    return _SHORTLINK_RE.match(url) is not None


def status_link(url: str) -> tuple[str, str] | None:
    """(author handle or '', post id) when the URL points to a post on X, else None."""
    match = _STATUS_URL_RE.match(url.strip())
    if not match:
        return None
    user = match.group(1) or ""
    handle = "" if user.lower() in _ANONYMOUS_PATH_USERS else canonical_handle(PLATFORM, user)
    return handle, match.group(2)


def outbound_links(urls: Iterable[str]) -> tuple[str, ...]:
    """The expanded URLs of a post's entities that lead off X, each once: t.co links hide
    where they go, and a link to a post on X is a quote, not a link out."""
    links: dict[str, None] = {}
    for url in urls:
        if url and not is_shortlink(url) and status_link(url) is None:
            links.setdefault(url, None)
    return tuple(links)


def quoted_author(urls: Iterable[str]) -> str | None:
    """The author of the post a post quotes, from its links to posts on X: None when it
    links to none, '' when the links name no author."""
    authors = [found[0] for url in urls if (found := status_link(url)) is not None]
    if not authors:
        return None
    return next((author for author in authors if author), "")


def post_url(handle: str, post_id: str) -> str:
    """Where a person opens the post."""
    if handle:
        return f"https://x.com/{handle}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"
