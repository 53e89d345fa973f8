"""Meta conventions (Facebook Pages and Instagram), the same in Meta Business Suite exports
and in what the Graph API sends:

- a caption's links are typed, not marked: Instagram makes no caption link clickable, so
  brands write bare hosts ("Link in bio → loomwell.example/shop");
- @handles are typed in the text (letters, digits, `_` and inner dots);
- a brand reposting someone's Instagram post credits them at the very start of the caption
  ("📸 @user", "Repost @user"): such a post is a reshare of @user;
- a Facebook post id is "<page id>_<post id>" in the Graph API and the legacy export, and the
  part after the underscore in the current export;
- a post's interactions are the sum of its reactions (likes), comments, shares (and saves on
  Instagram): known only when every part is.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from metrics.ingest.records import PostKind
from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle

FACEBOOK = Platform.FACEBOOK
INSTAGRAM = Platform.INSTAGRAM

# A URL with a scheme, or a bare `host.tld/path` / `www.host.tld` as Instagram captions write
# them. A bare host needs a path or `www.` so that "e.g." or "v2.0" never count as links.
_URL = re.compile(
    r"https?://[^\s<>\"'`]+"
    r"|(?<![\w@./-])(?:www\.(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"'`]*)?"
    r"|(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"'`]*)",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\"…"
# @handles as typed: letters, digits, `_` and inner dots (Instagram, Facebook usernames); not
# part of an e-mail address or of a longer word.
_MENTION = re.compile(r"(?<![\w@.])@([a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?)", re.IGNORECASE)
# How brands credit a reposted Instagram post at the very start of the caption:
# "📸 @user", "📷: @user", "📸 by @user", "Repost @user", "#repost from @user", "Regram: @user".
_IG_CREDIT = re.compile(
    r"^\s*(?:[\U0001f4f8\U0001f4f7]\ufe0f?\s*(?:(?:by|credit|credits|via)\b\s*)?:?"
    r"|#?(?:repost|regram)(?:ed)?\b\s*(?:(?:from|by|via)\b\s*)?:?)"
    r"\s*@([a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?)",
    re.IGNORECASE,
)


def links_in_text(text: str) -> tuple[str, ...]:
    """The links typed in a caption or message, each once, with a scheme."""
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        if not url.lower().startswith(("http://", "https://")):
            url = "https://" + url
        if url not in found:
            found.append(url)
    return tuple(found)


def mentions_in_text(platform: str, text: str, *, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The @handles typed in a text, each once, leaving out `exclude` (the account itself,
    a credited author)."""
    skip = {canonical_handle(platform, h) for h in exclude if h}
    found: list[str] = []
    for match in _MENTION.finditer(text):
        handle = canonical_handle(platform, match.group(1))
        if handle not in skip and handle not in found:
            found.append(handle)
    return tuple(found)


@dataclass(frozen=True)
class Caption:
    """What an Instagram caption says about its post."""

    kind: PostKind | None  # RESHARE when it opens with a credit, else unknown
    reshared_handle: str
    mentions: tuple[str, ...]
    links: tuple[str, ...]


def instagram_caption(caption: str, account: str) -> Caption:
    """An Instagram caption of `account`'s post: a credit at its start makes the post a
    reshare of the credited person, who is then not also counted as mentioned."""
    credit = _IG_CREDIT.match(caption)
    reshared = canonical_handle(INSTAGRAM, credit.group(1)) if credit else ""
    own_text = caption[credit.end() :] if credit else caption
    return Caption(
        kind=PostKind.RESHARE if credit else None,
        reshared_handle=reshared,
        mentions=mentions_in_text(INSTAGRAM, own_text, exclude=[account, reshared]),
        links=links_in_text(caption),
    )


def split_post_id(raw: str) -> tuple[str, str]:
    """(page id, post id) of a Facebook post id "<page id>_<post id>"; ('', id) for an id
    without a page part."""
    page_id, _, post_id = raw.rpartition("_")
    return page_id, post_id


def interactions(*parts: int | None) -> int | None:
    """The sum when every part is known, else None (never a partial sum)."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)
