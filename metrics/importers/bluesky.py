"""Bluesky: saved AppView responses (README section 5).

* `bluesky_author_feed`: pages of `app.bsky.feed.getAuthorFeed` (`{"feed": [...], "cursor"?}`);
  a folder or zip of pages is one source. A `getProfile` response saved next to the pages
  is read too (the account and its follower numbers).
* `bluesky_profile`: a saved `app.bsky.actor.getProfile` response: the account, and its
  followers / following as levels on the import day (the response carries no snapshot
  time; its `indexedAt` is when the AppView last indexed the profile, not when it was fetched).

Reposts (`reason` = `#reasonRepost`) are the account's reshares: their platform id is
`repost:<uri of the reposted post>` (one repost per post and account), their time the
repost's `indexedAt`, and they carry no counts (the post's counts belong to its author).
A post that embeds another post (`app.bsky.embed.record` / `recordWithMedia` pointing at an
`app.bsky.feed.post`) is a quote; a reply that also quotes stays a reply and keeps the quoted
author. Counts are current totals: likes = likeCount, replies = replyCount, reshares =
repostCount + quoteCount (a quote, like a repost, shows the post to another audience).
Bluesky has no impressions.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from metrics.importers.common import (
    Format,
    ImportFailed,
    Member,
    ParseContext,
    Source,
    head_text,
    normalise_handle,
    read_text,
)
from metrics.importers.jsonutil import (
    BadValue,
    as_dict,
    as_list,
    as_str,
    count,
    dedupe,
    load_json,
    time,
)
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
    RowError,
)

PLATFORM = "bluesky"

REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
_POST_COLLECTION = "app.bsky.feed.post"
_QUOTE_EMBEDS = frozenset({"app.bsky.embed.record", "app.bsky.embed.recordWithMedia"})
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"
_HANDLE_RE = re.compile(r"@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)")
_PROFILE_MAX_BYTES = 1024 * 1024


def _did_of(at_uri: str) -> str:
    """`at://did:plc:x/app.bsky.feed.post/rkey` -> `did:plc:x`."""
    if not at_uri.startswith("at://"):
        return ""
    return at_uri[5:].split("/", 1)[0]


def _collection_of(at_uri: str) -> str:
    parts = at_uri[5:].split("/") if at_uri.startswith("at://") else []
    return parts[1] if len(parts) > 2 else ""


def _permalink(author: dict[str, object], at_uri: str) -> str:
    """`https://bsky.app/profile/<handle>/post/<rkey>` (the DID when the handle is invalid)."""
    rkey = at_uri.rstrip("/").rsplit("/", 1)[-1] if at_uri.startswith("at://") else ""
    handle = normalise_handle(as_str(author.get("handle")))
    who = handle if handle and handle != "handle.invalid" else as_str(author.get("did"))
    if not rkey or not who:
        return ""
    return f"https://bsky.app/profile/{who}/post/{rkey}"


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
        owners.add(_item_owner(item))
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


def _members(source: Source) -> list[Member]:
    return [m for m in source.members if not m.basename.startswith(".")]


def sniff_feed(source: Source) -> bool:
    """getAuthorFeed pages of one account; anything else in the source must be a profile."""
    try:
        owners: set[str | None] = set()
        for member in _members(source):
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
        members = _members(source)
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
    members = _members(source)
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
        normalise_handle(as_str(profile.get("handle"))),
        as_str(profile.get("displayName")).strip(),
    )
    yield from _profile_levels(profile, member, ctx)


# --- author feed -------------------------------------------------------------------------


def _pages(source: Source) -> Iterator[tuple[Member, list[object]]]:
    for member in _members(source):
        if _is_profile(member):
            continue
        data = load_json(member)
        if not isinstance(data, dict):
            raise ImportFailed(f"{member.name}: not a Bluesky feed page (expected a JSON object).")
        feed = data.get("feed")
        if not isinstance(feed, list):
            raise ImportFailed(f"{member.name}: the “feed” list is missing.")
        yield member, feed


def _authors(item: dict[str, object]) -> Iterator[dict[str, object]]:
    """Every profile view an item carries, for resolving DIDs to handles."""
    post = as_dict(item.get("post"))
    yield as_dict(post.get("author"))
    yield as_dict(as_dict(item.get("reason")).get("by"))
    reply = as_dict(item.get("reply"))
    for key in ("root", "parent"):
        yield as_dict(as_dict(reply.get(key)).get("author"))
    yield as_dict(reply.get("grandparentAuthor"))
    view = as_dict(post.get("embed"))
    for record in (as_dict(view.get("record")), as_dict(as_dict(view.get("record")).get("record"))):
        yield as_dict(record.get("author"))


def _item_owner(item: dict[str, object]) -> str:
    """The DID of the account whose feed item this is: the reposter, else the author."""
    reason = as_dict(item.get("reason"))
    if reason.get("$type") == REASON_REPOST:
        return as_str(as_dict(reason.get("by")).get("did"))
    return as_str(as_dict(as_dict(item.get("post")).get("author")).get("did"))


class _Account:
    def __init__(self, did: str, handle: str, display_name: str, handles: dict[str, str]) -> None:
        self.did = did
        self.handle = handle
        self.display_name = display_name
        self.handles = handles  # did -> handle, from every profile view in the feed


def _feed_account(source: Source, ctx: ParseContext) -> _Account:
    owners: Counter[str] = Counter()
    handles: dict[str, str] = {}
    names: dict[str, str] = {}
    for _member, feed in _pages(source):
        for item in feed:
            if not isinstance(item, dict):
                continue
            for author in _authors(item):
                did, handle = (
                    as_str(author.get("did")),
                    normalise_handle(as_str(author.get("handle"))),
                )
                if did and handle and handle != "handle.invalid":
                    handles.setdefault(did, handle)
                    names.setdefault(did, as_str(author.get("displayName")).strip())
            if owner := _item_owner(item):
                owners[owner] += 1
    if not owners:
        raise ImportFailed(f"{source.name}: the feed holds no posts.")
    wanted = normalise_handle(ctx.handle)
    chosen = next((did for did in owners if wanted and handles.get(did) == wanted), "")
    if not chosen:
        ranked = owners.most_common(2)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            raise ImportFailed(
                f"{source.name}: the pages mix the feeds of {handles.get(ranked[0][0])} and "
                f"{handles.get(ranked[1][0])}; import each account separately."
            )
        chosen = ranked[0][0]
    return _Account(chosen, handles.get(chosen, ""), names.get(chosen, ""), handles)


def parse_feed(source: Source, ctx: ParseContext) -> Iterator[Record]:
    account = _feed_account(source, ctx)
    if account.handle:
        yield AccountInfo(PLATFORM, account.handle, account.display_name)
    for member in _members(source):
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
        for row, item in enumerate(feed, start=1):
            if not isinstance(item, dict):
                yield RowError(row, f"item {row} is not an object.", member.name)
                continue
            try:
                post = _feed_item(item, account)
            except BadValue as exc:
                uri = as_str(as_dict(item.get("post")).get("uri"))
                where = f"item {row} ({uri})" if uri else f"item {row}"
                yield RowError(row, f"{where}: {exc}.", member.name)
                continue
            # Pages saved twice, or a pinned post shown again at the top, repeat a post.
            if post is None or post.platform_id in seen:
                continue
            seen.add(post.platform_id)
            post.row = row
            yield post


def _feed_item(item: dict[str, object], account: _Account) -> PostRecord | None:
    post = item.get("post")
    if not isinstance(post, dict):
        raise BadValue("no “post”")
    uri = as_str(post.get("uri"))
    if not uri.startswith("at://"):
        raise BadValue(f"“uri”: “{post.get('uri')}” is not an at:// URI")
    author = as_dict(post.get("author"))
    reason = as_dict(item.get("reason"))

    if reason.get("$type") == REASON_REPOST:
        if as_str(as_dict(reason.get("by")).get("did")) != account.did:
            return None
        return PostRecord(
            platform_id=f"repost:{uri}",
            published_at=time(reason, "indexedAt", "the repost"),
            permalink=_permalink(author, uri),
            kind=PostKind.RESHARE,
            reshared_handle=_handle_of(author, _did_of(uri), account),
        )

    # A plain post, or one shown again because it is pinned (reasonPin).
    if as_str(author.get("did")) != account.did:
        return None
    record = post.get("record")
    if not isinstance(record, dict):
        raise BadValue("no “record”")
    text = as_str(record.get("text"))
    published = time(record, "createdAt", "the post")

    kind: PostKind | None = None
    reply_to = ""
    parent_uri = ""
    reshared = ""
    quoted = _quoted_uri(as_dict(record.get("embed")))
    if quoted:
        kind = PostKind.QUOTE
        reshared = _quoted_author(as_dict(post.get("embed")), quoted, account)
    reply = record.get("reply")
    if isinstance(reply, dict):
        kind = PostKind.REPLY
        parent_view = as_dict(as_dict(item.get("reply")).get("parent"))
        parent_uri = as_str(as_dict(reply.get("parent")).get("uri"))
        reply_to = _handle_of(as_dict(parent_view.get("author")), _did_of(parent_uri), account)

    reposts = count(post, "repostCount")
    quotes = count(post, "quoteCount")
    return PostRecord(
        platform_id=uri,
        published_at=published,
        text=text,
        permalink=_permalink(author, uri),
        kind=kind,
        in_reply_to_handle=reply_to,
        in_reply_to_id=parent_uri,
        reshared_handle=reshared,
        mentions=_mentions(record, text, account),
        links=_links(record),
        likes=count(post, "likeCount"),
        replies=count(post, "replyCount"),
        reshares=None if reposts is None else reposts + (quotes or 0),
    )


def _handle_of(view: dict[str, object], did: str, account: _Account) -> str:
    """A profile view's handle; else the handle the feed gives this DID elsewhere."""
    handle = normalise_handle(as_str(view.get("handle")))
    if handle and handle != "handle.invalid":
        return handle
    return account.handles.get(as_str(view.get("did")) or did, "")


def _quoted_uri(embed: dict[str, object]) -> str:
    """The URI of the post a record embeds, when it embeds a post (not a feed or list)."""
    kind = as_str(embed.get("$type"))
    if kind not in _QUOTE_EMBEDS:
        return ""
    ref = as_dict(embed.get("record"))
    if kind == "app.bsky.embed.recordWithMedia":
        ref = as_dict(ref.get("record"))
    uri = as_str(ref.get("uri"))
    return uri if _collection_of(uri) == _POST_COLLECTION else ""


def _quoted_author(view: dict[str, object], quoted: str, account: _Account) -> str:
    record = as_dict(view.get("record"))
    if as_str(view.get("$type")).startswith("app.bsky.embed.recordWithMedia"):
        record = as_dict(record.get("record"))
    return _handle_of(as_dict(record.get("author")), _did_of(quoted), account)


def _mentions(record: dict[str, object], text: str, account: _Account) -> tuple[str, ...]:
    """Handles of the #mention facets: the handle the feed gives the DID, else the @handle
    the text shows at the facet's UTF-8 byte range; a mention neither names is left out."""
    encoded = text.encode("utf-8")
    handles: list[str] = []
    for facet in as_list(record.get("facets")):
        facet = as_dict(facet)
        for feature in as_list(facet.get("features")):
            feature = as_dict(feature)
            if feature.get("$type") != _MENTION:
                continue
            handle = account.handles.get(as_str(feature.get("did")), "")
            if not handle:
                handle = _handle_in_text(encoded, as_dict(facet.get("index")))
            handles.append(handle)
    return dedupe(handles)


def _handle_in_text(encoded: bytes, index: dict[str, object]) -> str:
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
        return ""
    try:
        shown = encoded[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return ""  # offsets that cut a character: the facet does not match the text
    match = _HANDLE_RE.fullmatch(shown.strip().lower())
    return match.group(1) if match else ""


def _links(record: dict[str, object]) -> tuple[str, ...]:
    """Full URLs from #link facets (the text often shows them shortened) and link cards."""
    links: list[str] = []
    for facet in as_list(record.get("facets")):
        for feature in as_list(as_dict(facet).get("features")):
            feature = as_dict(feature)
            if feature.get("$type") == _LINK:
                links.append(as_str(feature.get("uri")).strip())
    embed = as_dict(record.get("embed"))
    for candidate in (embed, as_dict(embed.get("media"))):
        if as_str(candidate.get("$type")) == "app.bsky.embed.external":
            links.append(as_str(as_dict(candidate.get("external")).get("uri")).strip())
    return dedupe(link for link in links if link.lower().startswith(("http://", "https://")))


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
