"""One person, one handle: the canonical form of a person's handle on each platform.

Everything that stores or compares people goes through canonical_handle(): the
classifier's "people addressed", the importers, the connectors, inbound mentions' authors
and the matching of a file to an account. A person written two ways is one person.

The rules:
- Everywhere: surrounding white space, a leading "@" and trailing punctuation ("@dara,")
  are not part of a handle, and handles are compared in lower case: X, Instagram, TikTok,
  Bluesky and Mastodon all treat "Dara" and "dara" as the same account.
- A profile link names its person: https://host/@dara and https://host/users/dara on
  Mastodon, https://bsky.app/profile/dara.bsky.social on Bluesky, https://x.com/dara and
  https://twitter.com/dara on X, https://www.instagram.com/dara/, https://www.tiktok.com/@dara.
- Mastodon: a person is user@host. A bare "user" is an account of the instance the data
  comes from (`home`: the host of the account being imported or synced) and takes its
  host, because that is how Mastodon itself writes local accounts (acct = "user"). Within
  one post, a bare name that the post's own entities name in full ("@dara" in the text,
  "dara@pedal.example" in its mention tags) is that person, wherever they live.
- Bluesky: a handle (dara.bsky.social) or a DID (did:plc:...). Parsers replace a DID by the
  handle the same data gives for it; a DID nobody names stands as it is.
- Other platforms: the lower-case name without "@".

Pure Python: no Django.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import urlsplit

MASTODON = "mastodon"
BLUESKY = "bluesky"

_TRAILING = ".,:;!?)]}'\"…"

# Profile paths per platform: the first path segment(s) that name the person.
_PROFILE_HOSTS = {
    "x": ("x.com", "twitter.com", "mobile.twitter.com"),
    "instagram": ("instagram.com",),
    "tiktok": ("tiktok.com",),
    BLUESKY: ("bsky.app",),
}


@functools.lru_cache(maxsize=65536)  # pure, and called for every handle of every post
def canonical_handle(platform: str, raw: str, *, home: str = "") -> str:
    """The one way Strategy Tracker writes this person's handle (see the module's rules).

    `home` is the Mastodon instance the data comes from; without it a bare Mastodon name
    stays bare. The function is idempotent: canonical(canonical(x)) == canonical(x).
    """
    value = (raw or "").strip()
    if value.lower().startswith(("https://", "http://")):
        value = _from_profile_link(platform, value)
    value = value.lstrip("@").rstrip(_TRAILING).strip().lower()
    if not value:
        return ""
    if platform == MASTODON:
        user, _, host = value.partition("@")
        host = host.strip("@")
        if not host:
            host = home.strip().lower()
        return f"{user}@{host}" if host else user
    return value


def home_of(platform: str, account_handle: str) -> str:
    """The instance a Mastodon account lives on ("loomwell@mastodon.example" ->
    "mastodon.example"); empty for other platforms or a handle without one."""
    if platform != MASTODON:
        return ""
    _, _, host = canonical_handle(platform, account_handle).partition("@")
    return host


def same_person(platform: str, a: str, b: str) -> bool:
    """Whether two handles name the same person. On Mastodon a name given without its
    instance matches that name on any instance (the other side says where it lives)."""
    first, second = canonical_handle(platform, a), canonical_handle(platform, b)
    if not first or not second:
        return False
    if first == second:
        return True
    if platform != MASTODON or ("@" in first) == ("@" in second):
        return False
    return first.partition("@")[0] == second.partition("@")[0]


def people(
    platform: str, handles: Iterable[str], *, home: str = "", entities: Iterable[str] = ()
) -> tuple[str, ...]:
    """Distinct canonical handles, in first-seen order.

    `entities` are the handles the post's own structured data names (mention tags,
    facets); on Mastodon a bare name in the text that matches one of them by user name is
    that person, not a local account of `home`.
    """
    full_names: dict[str, str] = {}
    if platform == MASTODON:
        for entity in entities:
            handle = canonical_handle(platform, entity)  # without home: only full names count
            user, _, host = handle.partition("@")
            if host:
                full_names.setdefault(user, handle)
    seen: dict[str, None] = {}
    for raw in handles:
        handle = ""
        if platform == MASTODON:
            bare = (raw or "").strip().lstrip("@").rstrip(_TRAILING).lower()
            if bare and "@" not in bare and "/" not in bare and bare in full_names:
                handle = full_names[bare]
        handle = handle or canonical_handle(platform, raw, home=home)
        if handle:
            seen.setdefault(handle, None)
    return tuple(seen)


def _from_profile_link(platform: str, url: str) -> str:
    """The handle a profile link names, or the link itself when it names nobody."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if not host or not segments:
        return url
    if platform == MASTODON:
        if segments[0].startswith("@"):
            return f"{segments[0][1:]}@{host}"
        if segments[0] == "users" and len(segments) > 1:
            return f"{segments[1]}@{host}"
        return url
    if host in _PROFILE_HOSTS.get(platform, ()):
        if platform == BLUESKY:
            return segments[1] if segments[0] == "profile" and len(segments) > 1 else url
        return segments[0]
    return url
