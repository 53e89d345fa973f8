"""Bluesky: saved AppView responses (README section 5).

* `bluesky_author_feed`: pages of `app.bsky.feed.getAuthorFeed` (`{"feed": [...], "cursor"?}`);
  a folder or zip of pages is one source. A `getProfile` response saved next to the pages
  is read too (the account and its follower numbers).
* `bluesky_profile`: a saved `app.bsky.actor.getProfile` response: the account, and its
  followers / following as levels on the import day (the response carries no snapshot
  time; its `indexedAt` is when the AppView last indexed the profile, not when it was fetched).

Each feed item is read by metrics.platforms.bluesky.feed_post, the mapping the API connector
uses too: reposts (`reason` = `#reasonRepost`) are the account's reshares, a post embedding
another post is a quote, and a reply that also quotes stays a reply and keeps the quoted
author.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from metrics.importers.accounts import main_account
from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.jsonutil import load_json, read_items
from metrics.importers.text import head_text, read_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    Record,
    RowError,
)
from metrics.platforms.bluesky import PLATFORM, Account, feed_post, item_owner, named_profiles
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_str, count

_PROFILE_MAX_BYTES = 1024 * 1024


# --- sniffing ----------------------------------------------------------------------------

_FEED_RE = re.compile(r'"feed"\s*:\s*\[')
_POST_RE = re.compile(r'"post"\s*:\s*\{')
_AT_URI_RE = re.compile(r'"uri"\s*:\s*"at://')
_EMPTY_FEED_RE = re.compile(r'"feed"\s*:\s*\[\s*\]')
_SNIFF_MAX_BYTES = 8 * 1024 * 1024
_DID_RE = re.compile(r'"did"\s*:\s*"did:')


def _head(member: Member) -> str:
    try:
        return head_text(member).lstrip()
    except Exception:  # sniffing never raises
        return ""


def _looks_like_feed(member: Member) -> bool:
    """Cheap first look: a JSON object with a `feed` array (of FeedViewPosts, or empty)."""
    text = _head(member)
    return (
        text.startswith("{")
        and bool(_FEED_RE.search(text))
        and (
            bool(_POST_RE.search(text) and _AT_URI_RE.search(text))
            or bool(_EMPTY_FEED_RE.search(text))
        )
    )


def _feed_owner(member: Member) -> str | None:
    """The DID whose author feed a page is ('' for an empty page); None when the file is not
    one account's feed (a timeline, a custom feed, likes… mix many authors)."""
    if not _looks_like_feed(member) or member.size > _SNIFF_MAX_BYTES:
        return None
    data = json.loads(read_text(member))
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, list):
        return None
    owners = set()
    for item in feed:
        if not isinstance(item, dict) or not isinstance(item.get("post"), dict):
            return None
        owners.add(item_owner(item))
    if not owners:
        return ""
    return owners.pop() if len(owners) == 1 and "" not in owners else None


def _profile_of(data: object) -> dict[str, object] | None:
    """The profile when the JSON is a getProfile response (profileViewDetailed)."""
    if not isinstance(data, dict) or "feed" in data:
        return None
    if not as_str(data.get("did")).startswith("did:") or not as_str(data.get("handle")):
        return None
    if "followersCount" not in data:
        return None
    return data


def _is_profile(member: Member) -> bool:
    try:
        head = _head(member)
        if member.size > _PROFILE_MAX_BYTES or not head.startswith("{"):
            return False
        if '"followersCount"' not in head or not _DID_RE.search(head):
            return False  # cheap first look before reading the whole file
        return _profile_of(json.loads(read_text(member))) is not None
    except Exception:  # sniffing never raises
        return False


def sniff_feed(source: Source) -> bool:
    """getAuthorFeed pages of one account; anything else in the source must be a profile."""
    try:
        owners: set[str | None] = set()
        for member in source.members:
            if _looks_like_feed(member):
                owners.add(_feed_owner(member))
            elif not _is_profile(member):
                return False
    except Exception:  # sniffing never raises
        return False
    owners.discard("")
    return len(owners) == 1 and None not in owners


def sniff_profile(source: Source) -> bool:
    try:
        members = source.members
        return bool(members) and all(_is_profile(m) for m in members)
    except Exception:  # sniffing never raises
        return False


# --- profile -----------------------------------------------------------------------------


def _load_profile(member: Member) -> dict[str, object]:
    profile = _profile_of(load_json(member))
    if profile is None:
        raise ImportFailed(
            f"{member.name}: not a Bluesky profile (app.bsky.actor.getProfile): "
            "“did”, “handle” or “followersCount” is missing."
        )
    return profile


def _profile_levels(
    profile: dict[str, object], member: Member, ctx: ParseContext
) -> Iterator[Record]:
    for metric, key in (("followers", "followersCount"), ("following", "followsCount")):
        try:
            value = count(profile, key)
        except BadValue as exc:
            yield RowError(1, f"profile: {exc}.", member.name)
            continue
        if value is not None:
            yield ObservationRecord(metric, ctx.today, Decimal(value))


def parse_profile(source: Source, ctx: ParseContext) -> Iterator[Record]:
    members = source.members
    if not members:
        raise ImportFailed(f"{source.name}: no profile file.")
    profiles = [(m, _load_profile(m)) for m in members]
    dids = {as_str(p.get("did")) for _, p in profiles}
    if len(dids) > 1:
        raise ImportFailed(
            f"{source.name}: profiles of several accounts; import one profile at a time."
        )
    # Several saves of the same profile carry no time either: they would all be today's
    # level, so only one (the first) is used.
    member, profile = profiles[0]
    yield AccountInfo(
        PLATFORM,
        canonical_handle(PLATFORM, as_str(profile.get("handle"))),
        as_str(profile.get("displayName")).strip(),
    )
    yield from _profile_levels(profile, member, ctx)


# --- author feed -------------------------------------------------------------------------


def _pages(source: Source) -> Iterator[tuple[Member, list[object]]]:
    for member in source.members:
        if _is_profile(member):
            continue
        data = load_json(member)
        if not isinstance(data, dict):
            raise ImportFailed(f"{member.name}: not a Bluesky feed page (expected a JSON object).")
        feed = data.get("feed")
        if not isinstance(feed, list):
            raise ImportFailed(f"{member.name}: the “feed” list is missing.")
        yield member, feed


def _feed_account(source: Source, ctx: ParseContext) -> Account:
    owners: Counter[str] = Counter()
    handles: dict[str, str] = {}
    names: dict[str, str] = {}
    for _member, feed in _pages(source):
        for item in feed:
            if not isinstance(item, dict):
                continue
            for did, handle, name in named_profiles(item):
                handles.setdefault(did, handle)
                names.setdefault(did, name)
            if owner := item_owner(item):
                owners[owner] += 1
    if not owners:
        raise ImportFailed(f"{source.name}: the feed holds no posts.")
    wanted = canonical_handle(PLATFORM, ctx.handle)
    chosen = next((did for did in owners if wanted and handles.get(did) == wanted), "")
    if not chosen:
        chosen = main_account(
            owners,
            lambda first, second: (
                f"{source.name}: the pages mix the feeds of {handles.get(first)} and "
                f"{handles.get(second)}; import each account separately."
            ),
        )
    return Account(chosen, handles.get(chosen, ""), names.get(chosen, ""), handles)


def parse_feed(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _feed_account(source, ctx)
    if account.handle:
        yield AccountInfo(PLATFORM, account.handle, account.display_name)
    for member in source.members:
        if _is_profile(member):
            profile = _load_profile(member)
            if as_str(profile.get("did")) != account.did:
                raise ImportFailed(
                    f"{member.name} is the profile of {as_str(profile.get('handle'))}, but the "
                    f"feed pages are {account.handle or account.did}'s."
                )
            yield from _profile_levels(profile, member, ctx)

    seen: set[str] = set()
    for member, feed in _pages(source):
        yield from read_items(
            feed,
            lambda item: feed_post(item, account),
            member=member.name,
            seen=seen,
            name=lambda item: as_str(as_dict(item.get("post")).get("uri")),
        )


FORMATS: list[Format] = [
    Format(
        key="bluesky_author_feed",
        label="Bluesky author feed (app.bsky.feed.getAuthorFeed, saved JSON pages)",
        platform=PLATFORM,
        sniff=sniff_feed,
        parse=parse_feed,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    ),
    Format(
        key="bluesky_profile",
        label="Bluesky profile (app.bsky.actor.getProfile, saved JSON)",
        platform=PLATFORM,
        sniff=sniff_profile,
        parse=parse_profile,
    ),
]
