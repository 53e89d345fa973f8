"""Mastodon: the account archive and saved pages of the REST API (README section 4).

* `mastodon_archive`: the archive from Preferences → Import and export (a zip, the unpacked
  folder, or a lone `outbox.json`). `outbox.json` is an ActivityStreams OrderedCollection
  whose `orderedItems` key appears twice (first empty); Python's json keeps the last one,
  which is the real list. `Create` activities carry a Note (HTML content), `Announce`
  activities (boosts) carry only the URI of the boosted post. `actor.json` names the account.
  `likes.json` / `bookmarks.json` list posts the account liked or saved, with no dates and
  no counts received, so they are not imported.
* `mastodon_api_statuses`: the JSON arrays returned by `GET /api/v1/accounts/:id/statuses`,
  one file per page; a folder or zip of pages is one source.

When the archive was made (ExportInfo) is in the name Mastodon gives it,
`archive-<YYYYMMDDHHMMSS>-<32 hex>.zip` (UTC), kept by the folder it unpacks to. Saved API
pages say nothing of when they were fetched.

Handles are always `user@host` (lowercase): local accounts, which Mastodon writes without a
domain, get the host of their profile URL, so the same person has one handle whichever
export or server the post came from.

Visibility: public and unlisted posts are imported; followers-only ("private") posts and
direct messages are skipped, because they are not part of the public conversation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from metrics.importers.accounts import main_account
from metrics.importers.common import Format, ImportFailed, Member, ParseContext, Source
from metrics.importers.exports import latest, names_around, time_in_name
from metrics.importers.jsonutil import load_json, read_items
from metrics.importers.text import head_text, read_text
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence
from metrics.ingest.records import (
    AccountInfo,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
    RowError,
)
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_str, count, dedupe, time
from metrics.platforms.mastodon import (
    PLATFORM,
    account_handle,
    links_in_html,
    qualified_handle,
    status_post,
)
from metrics.platforms.text import html_to_text

_PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})
_POST_TYPES = frozenset({"Note", "Question", "Article", "Page"})
_ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")
# Files that cannot be JSON: media inside an archive are not even opened when sniffing.
_MEDIA_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".heic", ".mp4", ".webm", ".mov",
    ".m4v", ".mp3", ".ogg", ".oga", ".wav", ".flac", ".m4a", ".opus",
)  # fmt: skip


def _uris(value: object) -> list[str]:
    """An ActivityStreams audience or reference: a URI, an object with an id, or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [v for v in (as_str(value.get("id")) or as_str(value.get("href")),) if v]
    if isinstance(value, list):
        return [u for v in value if not isinstance(v, list) for u in _uris(v)]
    return []


def _first_uri(value: object) -> str:
    uris = _uris(value)
    return uris[0] if uris else ""


def _is_candidate(member: Member) -> bool:
    """A file that may be JSON: an archive's photos and videos are not even opened."""
    return not member.basename.lower().endswith(_MEDIA_SUFFIXES)


def _head(member: Member) -> str:
    try:
        return head_text(member).lstrip()
    except Exception:  # sniffing never raises
        return ""


# --- handles -----------------------------------------------------------------------------

_USERS_PATH = re.compile(r"^/(?:users/|@)([A-Za-z0-9_.-]+)(?:/|$)")


def _handle_from_uri(uri: str) -> str:
    """`https://host/users/name[/…]` or `https://host/@name[/…]` -> `name@host`."""
    parts = urlsplit(uri)
    match = _USERS_PATH.match(parts.path)
    if not match or not parts.hostname:
        return ""
    return canonical_handle(PLATFORM, match.group(1), home=parts.hostname)


def _is_public(to: list[str], cc: list[str]) -> bool:
    """Public (Public in `to`) or unlisted (Public in `cc`); followers-only and direct
    posts address no Public collection."""
    return any(a in _PUBLIC for a in to) or any(a in _PUBLIC for a in cc)


# --- the archive -------------------------------------------------------------------------

_ARCHIVE_NAME = re.compile(r"archive-(\d{14})-[0-9a-f]{32}(?:\.zip|\.tar\.gz)?")
_COLLECTION_RE = re.compile(r'"type"\s*:\s*"OrderedCollection"')
_ITEMS_RE = re.compile(r'"orderedItems"\s*:\s*\[')
_ACTIVITY_RE = re.compile(r'"type"\s*:\s*"(?:Create|Announce)"')
_ACTOR_RE = re.compile(r'"type"\s*:\s*"(?:' + "|".join(_ACTOR_TYPES) + r')"')


def _is_outbox(member: Member) -> bool:
    text = _head(member)
    return (
        text.startswith("{")
        and "activitystreams" in text
        and bool(_COLLECTION_RE.search(text))
        and bool(_ITEMS_RE.search(text))
        and bool(_ACTIVITY_RE.search(text))
    )


def _is_actor(member: Member) -> bool:
    text = _head(member)
    return (
        text.startswith("{")
        and '"preferredUsername"' in text
        and bool(_ACTOR_RE.search(text))
        and not _ITEMS_RE.search(text)
    )


def _outboxes(source: Source) -> list[Member]:
    return [m for m in source.members if _is_candidate(m) and _is_outbox(m)]


def sniff_archive(source: Source) -> bool:
    """Exactly one outbox, and no saved API page beside it (that would be two exports)."""
    try:
        return len(_outboxes(source)) == 1 and not any(
            _looks_like_page(m) for m in source.members if _is_candidate(m)
        )
    except Exception:  # sniffing never raises
        return False


def _archive_time(source: Source, outbox: Member) -> datetime | None:
    """The time in the archive's own name (`archive-20261002081530-<32 hex>`), UTC."""
    return time_in_name(
        names_around(source, outbox),
        _ARCHIVE_NAME,
        lambda match: datetime.strptime(match[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC),
    )


class _Owner:
    """The account whose archive this is."""

    def __init__(self, actor_id: str, handle: str, display_name: str) -> None:
        self.actor_id = actor_id
        self.handle = handle
        self.display_name = display_name

    def owns(self, uri: str) -> bool:
        return uri == self.actor_id or uri.startswith(self.actor_id.rstrip("/") + "/")


def _archive_owner(source: Source, outbox: Member, items: list[object]) -> _Owner:
    actors = [m for m in source.members if m is not outbox and _is_candidate(m) and _is_actor(m)]
    if len(actors) > 1:
        names = ", ".join(m.name for m in actors)
        raise ImportFailed(
            f"{source.name}: more than one account file ({names}); import one archive at a time."
        )
    # Who wrote the outbox's activities: every activity of an archive is the account's own.
    counts = Counter(_first_uri(item.get("actor")) for item in items if isinstance(item, dict))
    counts.pop("", None)
    if actors:
        actor = as_dict(load_json(actors[0]))
        actor_id = as_str(actor.get("id"))
        if not actor_id:
            raise ImportFailed(f"{actors[0].name}: the account file has no “id”.")
        username = as_str(actor.get("preferredUsername"))
        host = urlsplit(actor_id).hostname or ""
        handle = canonical_handle(PLATFORM, username, home=host) if username and host else ""
        if counts and actor_id not in counts:
            raise ImportFailed(
                f"{actors[0].name} describes {handle or actor_id}, but {outbox.name} holds "
                f"the activities of {counts.most_common(1)[0][0]}; these files come from "
                "different archives."
            )
        return _Owner(actor_id, handle, as_str(actor.get("name")).strip())
    if not counts:
        raise ImportFailed(f"{outbox.name}: the outbox holds no activities to import.")
    actor_id = main_account(
        counts,
        lambda first, second: (
            f"{outbox.name}: the outbox mixes the activities of {first} and {second}; it is "
            "not one account's archive."
        ),
    )
    return _Owner(actor_id, _handle_from_uri(actor_id), "")


def parse_archive(source: Source, ctx: ParseContext) -> Iterator[Record]:
    outboxes = _outboxes(source)
    if not outboxes:
        raise ImportFailed(f"{source.name}: no Mastodon outbox (outbox.json) found.")
    if len(outboxes) > 1:
        names = ", ".join(m.name for m in outboxes)
        raise ImportFailed(f"{source.name}: more than one outbox ({names}); import one at a time.")
    outbox = outboxes[0]
    yield from latest([_archive_time(source, outbox)])
    data = load_json(outbox)
    if not isinstance(data, dict) or data.get("type") != "OrderedCollection":
        raise ImportFailed(f"{outbox.name}: not a Mastodon outbox (no OrderedCollection).")
    # The key appears twice in real files, first as []; json keeps the last, the real list.
    items = data.get("orderedItems")
    if not isinstance(items, list):
        raise ImportFailed(f"{outbox.name}: the “orderedItems” list is missing.")
    owner = _archive_owner(source, outbox, items)
    if owner.handle:
        yield AccountInfo(PLATFORM, owner.handle, owner.display_name)

    yield from read_items(
        items,
        lambda item: _archive_item(item, owner),
        member=outbox.name,
        seen=set(),
        expected="an activity",
        name=lambda item: as_str(item.get("id")),
    )


def _archive_item(item: dict[str, object], owner: _Owner) -> PostRecord | None:
    kind = item.get("type")
    if kind not in ("Create", "Announce"):
        return None  # Update, Delete, Like…: not posts
    if _first_uri(item.get("actor")) != owner.actor_id:
        return None  # not the account's own activity
    if kind == "Announce":
        return _archive_boost(item, owner)
    return _archive_note(item, owner)


def _status_id(uri: str, *, activity: bool = False) -> str:
    """The status id at the end of a Mastodon URI (`…/statuses/<id>[/activity]`), which is
    also the id the REST API uses; other servers' URIs are kept whole."""
    pattern = r"/statuses/([^/?#]+)/activity$" if activity else r"/statuses/([^/?#]+)$"
    match = re.search(pattern, uri)
    return match.group(1) if match else uri


def _archive_boost(item: dict[str, object], owner: _Owner) -> PostRecord | None:
    if not _is_public(_uris(item.get("to")), _uris(item.get("cc"))):
        return None
    activity_id = as_str(item.get("id"))
    if not activity_id:
        raise BadValue("the boost has no “id”")
    target = _first_uri(item.get("object"))
    if not target:
        raise BadValue("the boost does not say which post it boosts (no “object”)")
    return PostRecord(
        platform_id=_status_id(activity_id, activity=True),
        published_at=time(item, "published"),
        permalink=activity_id,
        kind=PostKind.RESHARE,
        reshared_handle=_boosted_author(target, _uris(item.get("cc")), owner),
    )


def _boosted_author(target: str, cc: list[str], owner: _Owner) -> str:
    """The author of a boosted post, from its URI (`…/users/<name>/statuses/<id>`), or from
    the actor in `cc` whose URI the post's URI starts with; '' when neither says."""
    if owner.owns(target):
        return owner.handle
    handle = _handle_from_uri(target) if "/statuses/" in target else ""
    if handle:
        return handle
    for actor in cc:
        if actor in _PUBLIC or actor.endswith("/followers"):
            continue
        if target.startswith(actor.rstrip("/") + "/"):
            return _handle_from_uri(actor)
    return ""


def _archive_note(item: dict[str, object], owner: _Owner) -> PostRecord | None:
    note = item.get("object")
    if not isinstance(note, dict):
        raise BadValue("the activity holds no post object")
    note_type = as_str(note.get("type"))
    if note_type not in _POST_TYPES:
        raise BadValue(f"unknown post type “{note.get('type')}”")
    author = _first_uri(note.get("attributedTo")) or owner.actor_id
    if author != owner.actor_id:
        return None
    to = _uris(note.get("to")) or _uris(item.get("to"))
    cc = _uris(note.get("cc")) or _uris(item.get("cc"))
    if not _is_public(to, cc):
        return None  # followers-only or direct
    note_id = as_str(note.get("id"))
    if not note_id:
        raise BadValue("the post has no “id”")
    published = time(note, "published") if note.get("published") else time(item, "published")

    content = as_str(note.get("content"))
    if not content:
        content = next(iter(as_str(v) for v in as_dict(note.get("contentMap")).values()), "")
    tag_field = note.get("tag")
    tags = [t for t in tag_field if isinstance(t, dict)] if isinstance(tag_field, list) else []
    mention_tags = [
        (qualified_handle(as_str(t.get("name")), as_str(t.get("href"))), as_str(t.get("href")))
        for t in tags
        if t.get("type") == "Mention" and as_str(t.get("name"))
    ]
    mentions = dedupe(handle for handle, _ in mention_tags)

    parent = _first_uri(note.get("inReplyTo"))
    quoted = (
        _first_uri(note.get("quote"))
        or _first_uri(note.get("quoteUri"))
        or _first_uri(note.get("quoteUrl"))
        or _first_uri(note.get("_misskey_quote"))
    )
    kind: PostKind | None = None
    reply_to = ""
    reshared = ""
    if quoted:
        kind = PostKind.QUOTE
        reshared = _boosted_author(quoted, [href for _, href in mention_tags], owner)
    if parent:
        kind = PostKind.REPLY
        reply_to = _parent_author(parent, mention_tags, cc, owner)

    return PostRecord(
        platform_id=_status_id(note_id),
        published_at=published,
        text=html_to_text(content),
        permalink=_first_uri(note.get("url")) or note_id,
        kind=kind,
        in_reply_to_handle=reply_to,
        reshared_handle=reshared,
        mentions=mentions,
        links=links_in_html(content, exclude=[quoted]),
        likes=_total(note, "likes"),
        reshares=_total(note, "shares"),
    )


def _parent_author(
    parent: str, mention_tags: list[tuple[str, str]], cc: list[str], owner: _Owner
) -> str:
    """Who a reply answers: the account itself for a thread, else the mentioned actor whose
    URI the parent's URI starts with, else the first mention."""
    if owner.owns(parent):
        return owner.handle
    for handle, href in mention_tags:
        if href and parent.startswith(href.rstrip("/") + "/"):
            return handle
    for actor in cc:
        if actor not in _PUBLIC and parent.startswith(actor.rstrip("/") + "/"):
            handle = _handle_from_uri(actor)
            if handle:
                return handle
    return mention_tags[0][0] if mention_tags else ""


def _total(note: dict[str, object], key: str) -> int | None:
    """`likes{totalItems}` / `shares{totalItems}` (Mastodon 4.3+); None when absent."""
    collection = note.get(key)
    if not isinstance(collection, dict):
        return None
    try:
        return count(collection, "totalItems")
    except BadValue as exc:
        raise BadValue(f"“{key}” {exc}") from None


# --- REST API pages ----------------------------------------------------------------------

_STATUS_KEYS = ("created_at", "in_reply_to_account_id", "reblogs_count", "favourites_count")
_EMPTY_ARRAY = re.compile(r"^\[\s*\]\s*$")
_SNIFF_MAX_BYTES = 8 * 1024 * 1024


def _looks_like_page(member: Member) -> bool:
    """Cheap first look: a JSON array whose first object has Status keys."""
    text = _head(member)
    return (
        text.startswith("[")
        and text[1:].lstrip().startswith("{")
        and all(f'"{k}"' in text for k in _STATUS_KEYS)
    )


def _page_owner(member: Member) -> str | None:
    """The account id of a statuses page ('' for an empty page); None when the file is not
    one account's statuses (a home timeline, notifications, followers…)."""
    if _EMPTY_ARRAY.match(_head(member)):
        return ""
    if not _looks_like_page(member) or member.size > _SNIFF_MAX_BYTES:
        return None
    data = json.loads(read_text(member))
    if not isinstance(data, list):
        return None
    owners = set()
    for status in data:
        # A status has an account and a visibility (a notification wraps one in `status`).
        if not isinstance(status, dict) or not isinstance(status.get("account"), dict):
            return None
        if "visibility" not in status or "status" in status:
            return None
        owners.add(_account_key(status))
    return owners.pop() if len(owners) == 1 and "" not in owners else None


def sniff_api(source: Source) -> bool:
    """Every file is a page of statuses (or an empty page), all from one account."""
    try:
        owners = {_page_owner(m) for m in source.members}
    except Exception:  # sniffing never raises
        return False
    owners.discard("")
    return len(owners) == 1 and None not in owners


def _pages(source: Source) -> Iterator[tuple[Member, list[object]]]:
    for member in source.members:
        data = load_json(member)
        if not isinstance(data, list):
            raise ImportFailed(
                f"{member.name}: not a page of Mastodon statuses (expected a JSON array)."
            )
        yield member, data


def _status_name(status: dict[str, object]) -> str:
    status_id = as_str(status.get("id"))
    return f"id {status_id}" if status_id else ""


def _account_key(status: dict[str, object]) -> str:
    account = as_dict(status.get("account"))
    return as_str(account.get("id")) or as_str(account.get("url"))


def parse_api(source: Source, ctx: ParseContext) -> Iterator[Record]:
    # First pass: whose statuses these are (every status of /accounts/:id/statuses, boosts
    # included, carries that account), and its latest profile numbers.
    owners: Counter[str] = Counter()
    profiles: dict[str, dict[str, object]] = {}
    for _member, statuses in _pages(source):
        for status in statuses:
            if isinstance(status, dict) and (key := _account_key(status)):
                owners[key] += 1
                profiles.setdefault(key, as_dict(status.get("account")))
    if not owners:
        raise ImportFailed(f"{source.name}: the pages hold no statuses.")
    owner_key = main_account(
        owners,
        lambda first, second: (
            f"{source.name}: the pages mix the statuses of two accounts "
            f"({account_handle(profiles[first])}, {account_handle(profiles[second])}); "
            "import each account separately."
        ),
    )
    account = profiles[owner_key]
    handle = account_handle(account)
    if handle:
        yield AccountInfo(PLATFORM, handle, as_str(account.get("display_name")).strip())
    # The Account in each status is a snapshot taken when the page was fetched: a lifetime
    # level, stored on the import day.
    for metric, key in (("followers", "followers_count"), ("following", "following_count")):
        try:
            value = count(account, key)
        except BadValue as exc:
            yield RowError(1, f"account: {exc}.", "")
            continue
        if value is not None:
            yield ObservationRecord(metric, ctx.today, Decimal(value))

    def read(status: dict[str, object]) -> PostRecord | None:
        if _account_key(status) != owner_key:
            return None
        return status_post(status, owner_key, handle)

    seen: set[str] = set()
    for member, statuses in _pages(source):
        yield from read_items(
            statuses,
            read,
            member=member.name,
            seen=seen,
            noun="status",
            name=_status_name,
        )


FORMATS: list[Format] = [
    Format(
        key="mastodon_archive",
        label="Mastodon account archive (outbox.json, zip or folder)",
        platform=PLATFORM,
        sniff=sniff_archive,
        parse=parse_archive,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    ),
    Format(
        key="mastodon_api_statuses",
        label="Mastodon API statuses (GET /api/v1/accounts/:id/statuses, saved JSON pages)",
        platform=PLATFORM,
        sniff=sniff_api,
        parse=parse_api,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    ),
]
