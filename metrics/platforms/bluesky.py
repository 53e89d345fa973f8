"""Bluesky conventions, the same in saved AppView pages and in what a sync fetches
(https://docs.bsky.app, lexicons app.bsky.feed.* and app.bsky.actor.*):

- a record's address is an at:// URI, `at://<did>/<collection>/<rkey>`; a person is a DID,
  shown by a handle, and an AppView that cannot verify a handle writes `handle.invalid`;
- a post's address for people is https://bsky.app/profile/<handle>/post/<rkey>;
- in an author feed, a repost is the reposted post with `reason` = #reasonRepost naming the
  reposter (`by`) and the repost's time (`indexedAt`);
- a post that embeds another post (`app.bsky.embed.record` / `recordWithMedia`) quotes it;
- mentions and links are facets over the text's UTF-8 bytes; the text often shows a link
  shortened, the facet has it whole.

feed_post() maps one feed item (a FeedViewPost) to a PostRecord, so that a post imported from
a saved page and the same post synced are one post with one id: the post's at:// URI, and
`repost:<URI of the reposted post>` for a repost (one repost per post and account). Reposts
carry no counts (the post's counts belong to its author). Counts are current totals:
likes = likeCount, replies = replyCount, reshares = repostCount + quoteCount (a quote, like
a repost, shows the post to another audience). Bluesky has no impressions.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from metrics.ingest.records import PostKind, PostRecord
from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_list, as_str, count, dedupe, time

PLATFORM = Platform.BLUESKY

REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
INVALID_HANDLE = "handle.invalid"
_POST_COLLECTION = "app.bsky.feed.post"
_QUOTE_EMBEDS = frozenset({"app.bsky.embed.record", "app.bsky.embed.recordWithMedia"})
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"
_HANDLE_RE = re.compile(r"@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)")


# --- addresses and people --------------------------------------------------------------------


def did_of(at_uri: str) -> str:
    """`at://did:plc:x/app.bsky.feed.post/rkey` -> `did:plc:x`."""
    if not at_uri.startswith("at://"):
        return ""
    return at_uri[5:].split("/", 1)[0]


def collection_of(at_uri: str) -> str:
    """`at://did:plc:x/app.bsky.feed.post/rkey` -> `app.bsky.feed.post`."""
    parts = at_uri[5:].split("/") if at_uri.startswith("at://") else []
    return parts[1] if len(parts) > 2 else ""


def handle_of(view: dict[str, object]) -> str:
    """A profile view's handle, canonical; '' when it has none the AppView could verify."""
    handle = canonical_handle(PLATFORM, as_str(view.get("handle")))
    return "" if handle == INVALID_HANDLE else handle


def handle_or_did(view: dict[str, object]) -> str:
    """Who a profile view is, for people: its handle, else its DID."""
    return handle_of(view) or as_str(view.get("did"))


def post_url(author: dict[str, object], at_uri: str) -> str:
    """`https://bsky.app/profile/<handle>/post/<rkey>` (the DID when the handle is invalid)."""
    rkey = at_uri.rstrip("/").rsplit("/", 1)[-1] if at_uri.startswith("at://") else ""
    who = handle_or_did(author)
    if not rkey or not who:
        return ""
    return f"https://bsky.app/profile/{who}/post/{rkey}"


def profile_views(item: dict[str, object]) -> Iterator[dict[str, object]]:
    """Every profile view a feed item carries (author, reposter, the reply's authors, the
    quoted post's author), for resolving the DIDs that facets mention to handles."""
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


def named_profiles(item: dict[str, object]) -> Iterator[tuple[str, str, str]]:
    """(DID, handle, display name) of every profile view in a feed item that has both a DID
    and a verified handle."""
    for view in profile_views(item):
        did, handle = as_str(view.get("did")), handle_of(view)
        if did and handle:
            yield did, handle, as_str(view.get("displayName")).strip()


def item_owner(item: dict[str, object]) -> str:
    """The DID of the account whose feed item this is: the reposter, else the author."""
    reason = as_dict(item.get("reason"))
    if reason.get("$type") == REASON_REPOST:
        return as_str(as_dict(reason.get("by")).get("did"))
    return as_str(as_dict(as_dict(item.get("post")).get("author")).get("did"))


# --- a feed item as a post -------------------------------------------------------------------


@dataclass
class Account:
    """The account whose feed is read, and the handles the feed gives other DIDs."""

    did: str
    handle: str
    display_name: str = ""
    handles: dict[str, str] = field(default_factory=dict)  # did -> handle

    def learn(self, item: dict[str, object]) -> None:
        """Remember the handles a feed item's profile views give their DIDs."""
        for did, handle, _name in named_profiles(item):
            self.handles.setdefault(did, handle)


def feed_post(item: dict[str, object], account: Account) -> PostRecord | None:
    """A feed item of `account`'s author feed as its post or repost; None for an item of
    another account. BadValue names what cannot be read."""
    post = item.get("post")
    if not isinstance(post, dict):
        raise BadValue("no “post”")
    uri = as_str(post.get("uri"))
    if not uri.startswith("at://"):
        raise BadValue(f"“uri”: “{post.get('uri')}” is not an at:// URI")
    if item_owner(item) != account.did:
        return None
    author = as_dict(post.get("author"))
    reason = as_dict(item.get("reason"))

    if reason.get("$type") == REASON_REPOST:
        return PostRecord(
            platform_id=f"repost:{uri}",
            published_at=time(reason, "indexedAt", "the repost"),
            permalink=post_url(author, uri),
            kind=PostKind.RESHARE,
            reshared_handle=_handle_of(author, did_of(uri), account),
        )

    # A plain post, or one shown again because it is pinned (reasonPin).
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
        reply_to = _handle_of(as_dict(parent_view.get("author")), did_of(parent_uri), account)

    reposts = count(post, "repostCount")
    quotes = count(post, "quoteCount")
    return PostRecord(
        platform_id=uri,
        published_at=published,
        text=text,
        permalink=post_url(author, uri),
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


def _handle_of(view: dict[str, object], did: str, account: Account) -> str:
    """A profile view's handle; else the handle the feed gives this DID elsewhere."""
    return handle_of(view) or account.handles.get(as_str(view.get("did")) or did, "")


def _quoted_uri(embed: dict[str, object]) -> str:
    """The URI of the post a record embeds, when it embeds a post (not a feed or list)."""
    kind = as_str(embed.get("$type"))
    if kind not in _QUOTE_EMBEDS:
        return ""
    ref = as_dict(embed.get("record"))
    if kind == "app.bsky.embed.recordWithMedia":
        ref = as_dict(ref.get("record"))
    uri = as_str(ref.get("uri"))
    return uri if collection_of(uri) == _POST_COLLECTION else ""


def _quoted_author(view: dict[str, object], quoted: str, account: Account) -> str:
    record = as_dict(view.get("record"))
    if as_str(view.get("$type")).startswith("app.bsky.embed.recordWithMedia"):
        record = as_dict(record.get("record"))
    return _handle_of(as_dict(record.get("author")), did_of(quoted), account)


def _mentions(record: dict[str, object], text: str, account: Account) -> tuple[str, ...]:
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
