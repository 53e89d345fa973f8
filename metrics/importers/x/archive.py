"""The X / Twitter account data archive (README section 3 of shared/exports): a folder or
zip with data/tweets.js, account.js, follower.js, following.js, note-tweet.js and
manifest.js, or a lone tweets.js.

Every data file is one JavaScript assignment, `window.YTD.<type>.part<N> = [ … ]`; the items
are read one at a time, so memory does not grow with the archive. Long posts are cut in
tweets.js and whole in note-tweet.js. The archive has likes and retweet counts, but no
impressions and no reply counts; the follower and following lists give the two levels on
the day the archive was generated (manifest.js).

When the archive was made (ExportInfo): manifest.js's generationDate, else the day in the
name X gives the zip, `twitter-<YYYY-MM-DD>-<64 hex>` (that day, 00:00 UTC), kept by the
folder it unpacks to.

Pure Python: no Django, no database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from metrics.importers.common import ImportFailed, Member, ParseContext, Source
from metrics.importers.dates import ctime_with_offset
from metrics.importers.exports import latest, names_around, time_in_name
from metrics.importers.tables import RowProblem
from metrics.importers.text import head_text, open_text, read_text
from metrics.ingest.records import (
    AccountInfo,
    ExportInfo,
    ObservationRecord,
    PostKind,
    PostRecord,
    Record,
    RowError,
)
from metrics.platforms.identity import canonical_handle, people
from metrics.platforms.jsonvalues import BadValue, count, parse_iso_utc
from metrics.platforms.x import (
    PLATFORM,
    is_post_id,
    outbound_links,
    post_text,
    post_url,
    quoted_author,
    retweeted_handle,
)

_YTD_RE = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*\[")
_MANIFEST_RE = re.compile(r"\s*window\.__THAR_CONFIG\s*=\s*\{")
_TWEET_TYPES = frozenset({"tweets", "tweet"})  # 'tweet' in archives from before 2022
_ARCHIVE_NAME = re.compile(r"twitter-(\d{4}-\d{2}-\d{2})-[0-9a-f]{64}(?:\.zip)?")


class _Archive:
    """The archive's data files, recognised by the global each one assigns."""

    def __init__(self, source: Source) -> None:
        self.parts: dict[str, list[tuple[int, Member]]] = {}
        self.manifest: Member | None = None
        members = source.members
        if len(members) > 1:  # an archive: only its .js files hold data
            members = [m for m in members if m.basename.lower().endswith(".js")]
        for member in members:
            head = head_text(member)
            match = _YTD_RE.match(head)
            if match:
                kind = match.group(1).lower()
                self.parts.setdefault(kind, []).append((int(match.group(2)), member))
            elif _MANIFEST_RE.match(head) and self.manifest is None:
                self.manifest = member
        for parts in self.parts.values():
            parts.sort(key=lambda part: (part[0], part[1].name))
        self.source_name = source.name

    def check_single(self) -> None:
        """Two archives given together would mix accounts: refuse, naming the files."""
        for kind, parts in self.parts.items():
            numbers = [number for number, _member in parts]
            if len(set(numbers)) != len(numbers):
                names = ", ".join(member.name for _number, member in parts)
                raise ImportFailed(
                    f"{self.source_name} holds the {kind} data more than once ({names}); "
                    "give one archive at a time."
                )

    def tweet_parts(self) -> list[Member]:
        return [m for kind in sorted(_TWEET_TYPES) for _n, m in self.parts.get(kind, [])]

    def members(self, kind: str) -> list[Member]:
        return [member for _number, member in self.parts.get(kind, [])]


def sniff_archive(source: Source) -> bool:
    try:
        return bool(_Archive(source).tweet_parts())
    except Exception:  # sniffing never raises: an unreadable file is not an archive
        return False


_CHUNK = 1024 * 1024


def _iter_js_items(member: Member) -> Iterator[tuple[int, Any]]:
    """The items of a `window.YTD.<type>.partN = [ … ]` file, one at a time, with the line
    each starts on. The file is read in chunks, so memory does not grow with the archive.
    A cut-off or edited file raises ImportFailed where it breaks."""
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"\s*")
    with open_text(member) as fh:
        buf = ""
        eof = False

        def more() -> bool:
            nonlocal buf, eof
            if eof:
                return False
            try:
                chunk = fh.read(_CHUNK)
            except UnicodeDecodeError as exc:
                raise ImportFailed(
                    f"{member.name} is not valid UTF-8 text; extract it from the archive again."
                ) from exc
            if not chunk:
                eof = True
                return False
            buf += chunk
            return True

        while (match := _YTD_RE.match(buf.lstrip("\ufeff"))) is None:
            if not more() or len(buf) > _CHUNK * 2:
                raise ImportFailed(
                    f"{member.name}: not an X archive data file (no “window.YTD…= [”)."
                )
        buf = buf.lstrip("\ufeff")
        pos = match.end()
        line = 1 + buf.count("\n", 0, pos)
        first = True

        def skip_space() -> None:
            nonlocal pos, line
            while True:
                end = whitespace.match(buf, pos).end()  # type: ignore[union-attr]
                line += buf.count("\n", pos, end)
                pos = end
                if pos < len(buf) or not more():
                    return

        while True:
            # Drop what has been read, keeping memory to about one chunk.
            if pos > _CHUNK:
                buf, pos = buf[pos:], 0
            skip_space()
            if pos >= len(buf):
                raise ImportFailed(
                    f"{member.name}: the file ends at line {line} before its list is closed; "
                    "it is probably cut off. Extract it from the archive again."
                )
            if buf[pos] == "]":
                while more():
                    pass
                rest = buf[pos + 1 :].strip()
                if rest not in ("", ";"):
                    raise ImportFailed(
                        f"{member.name}, line {line}: unexpected text after the list."
                    )
                return
            if not first:
                if buf[pos] != ",":
                    raise ImportFailed(
                        f"{member.name}, line {line}: expected “,” or “]” between items; "
                        "the file is not valid JSON."
                    )
                pos += 1
                skip_space()
            while True:
                try:
                    item, end = decoder.raw_decode(buf, pos)
                    break
                except json.JSONDecodeError as exc:
                    if more():
                        continue  # the item runs on into the next chunk
                    raise ImportFailed(
                        f"{member.name}, line {line + buf.count(chr(10), pos, exc.pos)}: not "
                        f"valid JSON ({exc.msg}); the file is probably cut off or was edited."
                    ) from None
            yield line, item
            line += buf.count("\n", pos, end)
            pos = end
            first = False


def _wrapped(item: Any, key: str, member: Member, line: int) -> dict[str, Any]:
    """`{"<key>": {…}}` -> the inner object; anything else is not the expected shape."""
    if isinstance(item, dict):
        inner = item.get(key)
        if isinstance(inner, dict):
            return inner
    raise ImportFailed(f"{member.name}, line {line}: expected an item {{“{key}”: {{…}}}}.")


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _list_of_dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


class _Note:
    __slots__ = ("created", "links", "mentions", "text")

    def __init__(self, core: dict[str, Any], created: datetime | None) -> None:
        self.text = _str(core.get("text"))
        self.created = created
        self.links = tuple(_str(u.get("expandedUrl")) for u in _list_of_dicts(core.get("urls")))
        self.mentions = tuple(
            _str(m.get("screenName")) for m in _list_of_dicts(core.get("mentions"))
        )


def _squash(text: str) -> str:
    return " ".join(text.split())


class _Notes:
    """Long posts' full text (note-tweet.js). tweets.js cuts such posts with '…'; the note
    is found by the post's id, else by the cut text being the start of exactly one note
    (the creation second breaks a tie)."""

    def __init__(self) -> None:
        self.by_id: dict[str, _Note] = {}
        self.all: list[_Note] = []

    def add(self, note_id: str, note: _Note) -> None:
        if note_id:
            self.by_id[note_id] = note
        self.all.append(note)

    def find(self, post_id: str, text: str, created: datetime) -> _Note | None:
        if not self.all:
            return None  # an archive without long posts (most): no regex per post
        note = self.by_id.get(post_id)
        if note is not None:
            return note
        shown = _SHORTLINK_TAIL_RE.sub("", text).rstrip()
        if not shown.endswith("…"):
            return None
        prefix = _squash(shown[:-1])
        if not prefix:
            return None
        candidates = [n for n in self.all if _squash(n.text).startswith(prefix)]
        if len(candidates) > 1:
            candidates = [n for n in candidates if n.created == created]
        return candidates[0] if len(candidates) == 1 else None


_SHORTLINK_TAIL_RE = re.compile(r"(\s*https?://t\.co/\S+)+\s*$", re.IGNORECASE)


def _load_notes(archive: _Archive) -> _Notes:
    notes = _Notes()
    for member in archive.members("note_tweet"):
        for line, item in _iter_js_items(member):
            note = _wrapped(item, "noteTweet", member, line)
            core = note.get("core")
            if not isinstance(core, dict):
                raise ImportFailed(f"{member.name}, line {line}: a note without “core”.")
            created: datetime | None
            try:
                created = parse_iso_utc(_str(note.get("createdAt")))
            except ValueError:
                created = None
            notes.add(_str(note.get("noteTweetId")), _Note(core, created))
    return notes


def _archive_post(tweet: dict[str, Any], handle: str, notes: _Notes, line: int) -> PostRecord:
    post_id = _str(tweet.get("id_str") or tweet.get("id")).strip()
    if not is_post_id(post_id):
        shown = post_id or "(empty)"
        raise RowProblem(f"field “id_str”: “{shown}” is not a post id (digits only)")
    try:
        published = ctime_with_offset(_str(tweet.get("created_at")))
    except ValueError as exc:
        raise RowProblem(f"field “created_at”: {exc}") from None
    text = post_text(_str(tweet.get("full_text") or tweet.get("text")))
    entities = tweet.get("entities")
    entities = entities if isinstance(entities, dict) else {}
    typed = [_str(m.get("screen_name")) for m in _list_of_dicts(entities.get("user_mentions"))]
    # expanded_url only: a t.co `url` hides where the link goes.
    urls = [_str(u.get("expanded_url")) for u in _list_of_dicts(entities.get("urls"))]

    kind: PostKind | None = None
    reply_to = reply_id = reshared = ""
    retweeted = retweeted_handle(text)
    if retweeted is not None:
        kind, reshared, typed = PostKind.RESHARE, retweeted, []
    else:
        note = notes.find(post_id, text, published)
        if note is not None:
            text = note.text
            typed += note.mentions
            urls += [u for u in note.links if u not in urls]
        reply_to = canonical_handle(PLATFORM, _str(tweet.get("in_reply_to_screen_name")))
        reply_id = _str(
            tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
        )
        if reply_to or reply_id:
            kind = PostKind.REPLY
            typed = [reply_to, *typed]
    quoted = quoted_author(urls)
    if quoted is not None and retweeted is None:
        # A link to a post makes a quote; it names the quoted post, it is not a link out.
        kind = kind or PostKind.QUOTE
        reshared = reshared or quoted
    return PostRecord(
        platform_id=post_id,
        published_at=published,
        text=text,
        permalink=post_url(handle, post_id),
        kind=kind,
        in_reply_to_handle=reply_to,
        # The archive's id of the post answered: links the reply to an inbound mention.
        in_reply_to_id=reply_id,
        reshared_handle=reshared,
        mentions=people(PLATFORM, typed),
        links=outbound_links(urls),
        likes=_count(tweet, "favorite_count"),
        reshares=_count(tweet, "retweet_count"),
        row=line,
    )


def _count(tweet: dict[str, Any], key: str) -> int | None:
    """A count the archive writes as a string ("2")."""
    try:
        return count(tweet, key)
    except BadValue as exc:
        raise RowProblem(f"field {exc}") from None


def _read_manifest(archive: _Archive) -> dict[str, Any]:
    if archive.manifest is None:
        return {}
    text = read_text(archive.manifest)
    start = text.find("{")
    try:
        manifest = json.loads(text[start:].strip().rstrip(";"))
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{archive.manifest.name}, line {exc.lineno}: not valid JSON ({exc.msg}); the file "
            "is probably cut off."
        ) from None
    if not isinstance(manifest, dict):
        raise ImportFailed(f"{archive.manifest.name}: expected an object.")
    return manifest


def _named_day(member: Member, source: Source) -> datetime | None:
    """The day in the archive's own name (`twitter-2026-10-02-<64 hex>`), 00:00 UTC."""
    return time_in_name(
        names_around(source, member),
        _ARCHIVE_NAME,
        lambda match: datetime.fromisoformat(match[1]).replace(tzinfo=UTC),
    )


def _section(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, dict) else {}


def parse_archive(source: Source, ctx: ParseContext) -> Iterator[Record]:
    archive = _Archive(source)
    archive.check_single()
    tweet_parts = archive.tweet_parts()
    if not tweet_parts:
        raise ImportFailed(f"{source.name}: no data/tweets.js in this X archive.")
    manifest = _read_manifest(archive)

    generated = _str(_section(manifest, "archiveInfo").get("generationDate"))
    snapshot_day = ctx.today
    exported: datetime | None = None
    if generated:
        try:
            exported = parse_iso_utc(generated)
        except ValueError:
            raise ImportFailed(
                f"{archive.manifest.name if archive.manifest else source.name}: "
                f"“generationDate” “{generated}” is not a date and time."
            ) from None
        snapshot_day = exported.astimezone(ctx.tz).date()
    if exported is None:
        yield from latest(_named_day(member, source) for member in tweet_parts)
    else:
        yield ExportInfo(exported)

    handle, display_name = "", ""
    for member in archive.members("account"):
        for line, item in _iter_js_items(member):
            account = _wrapped(item, "account", member, line)
            handle = canonical_handle(PLATFORM, _str(account.get("username")))
            display_name = _str(account.get("accountDisplayName"))
    if not handle:
        user = _section(manifest, "userInfo")
        handle = canonical_handle(PLATFORM, _str(user.get("userName")))
        display_name = display_name or _str(user.get("displayName"))
    if handle:
        yield AccountInfo(platform=PLATFORM, handle=handle, display_name=display_name)
    else:
        # A lone tweets.js: links use the named account.
        handle = canonical_handle(PLATFORM, ctx.handle)

    notes = _load_notes(archive)
    for member in tweet_parts:
        for line, item in _iter_js_items(member):
            tweet = _wrapped(item, "tweet", member, line)
            try:
                yield _archive_post(tweet, handle, notes, line)
            except RowProblem as exc:
                yield RowError(row=line, message=str(exc), member=member.name)

    for kind, metric in (("follower", "followers"), ("following", "following")):
        members = archive.members(kind)
        if not members:
            continue
        total = 0
        for member in members:
            for line, item in _iter_js_items(member):
                _wrapped(item, kind, member, line)
                total += 1
        yield ObservationRecord(metric=metric, day=snapshot_day, value=Decimal(total))
