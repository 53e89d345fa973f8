"""Mastodon conventions, the same in saved REST API pages and in what a sync fetches:

- a person is user@host; an `acct` without a domain is a local account of the server that
  wrote it, and takes the host of its profile URL;
- a post's content is HTML: mentions and hashtags are links too, marked by their class;
- a boost is a wrapper status whose `reblog` holds the boosted post (with that post's own
  counts), and a quote (Mastodon 4.4+) carries the quoted status in `quote.quoted_status`;
- followers-only and direct posts are not part of the public conversation.

status_post() maps one Status entity (https://docs.joinmastodon.org/entities/Status) to a
PostRecord, so that a post imported from a saved page and the same post synced through the
API are one post with one id.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

from metrics.ingest.records import PostKind, PostRecord
from metrics.platforms import Platform
from metrics.platforms.identity import canonical_handle
from metrics.platforms.jsonvalues import BadValue, as_dict, as_str, count, dedupe, time
from metrics.platforms.text import html_to_text

PLATFORM = Platform.MASTODON

PUBLIC_VISIBILITIES = frozenset({"public", "unlisted"})
PRIVATE_VISIBILITIES = frozenset({"private", "direct", "limited"})


# --- handles -------------------------------------------------------------------------------


def qualified_handle(acct: str, profile_url: str) -> str:
    """`user@domain` as it is; a local `user` gets the host of its profile URL."""
    return canonical_handle(PLATFORM, acct, home=urlsplit(profile_url).hostname or "")


def account_handle(account: dict[str, object]) -> str:
    """The handle of an Account entity (`acct`, qualified by its `url` or `uri`)."""
    return qualified_handle(
        as_str(account.get("acct")), as_str(account.get("url")) or as_str(account.get("uri"))
    )


# --- links in post HTML ----------------------------------------------------------------------


class _LinkCollector(HTMLParser):
    """The hrefs of <a> elements that are links, not @mentions or #hashtags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self._open: dict[str, str] | None = None  # the <a> being read
        self._first_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        self._close()
        values = {name: value or "" for name, value in attrs}
        self._open = values
        self._first_text = ""

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._first_text:
            self._first_text = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._close()

    def close(self) -> None:
        super().close()
        self._close()

    def _close(self) -> None:
        anchor, self._open = self._open, None
        if anchor is None:
            return
        href = anchor.get("href", "").strip()
        classes = anchor.get("class", "").lower().split()
        rels = anchor.get("rel", "").lower().split()
        if not href.lower().startswith(("http://", "https://")):
            return
        if "mention" in classes or "hashtag" in classes or "tag" in rels:
            return
        if self._first_text.startswith(("@", "#")):
            return  # a mention or hashtag written by software that adds no class
        self.links.append(href)


def links_in_html(markup: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The links a post's HTML content carries, each once, leaving out mentions, hashtags
    and the URLs in `exclude` (the quoted post's own address)."""
    collector = _LinkCollector()
    collector.feed(markup or "")
    collector.close()
    skip = {e for e in exclude if e}
    return dedupe(link for link in collector.links if link not in skip)


# --- the Status entity -----------------------------------------------------------------------


def status_post(status: dict[str, object], owner_id: str, owner_handle: str) -> PostRecord | None:
    """One status of the account `owner_id` (whose handle is `owner_handle`) as a post;
    None for a followers-only or direct one. BadValue names what cannot be read."""
    status_id = status.get("id")
    if isinstance(status_id, int) and not isinstance(status_id, bool):
        status_id = str(status_id)
    if not isinstance(status_id, str) or not status_id:
        raise BadValue("no “id”")
    visibility = status.get("visibility")
    if visibility in PRIVATE_VISIBILITIES:
        return None
    if visibility is not None and visibility not in PUBLIC_VISIBILITIES:
        raise BadValue(f"“visibility”: unknown value “{visibility}”")
    published = time(status, "created_at")
    permalink = as_str(status.get("url")) or as_str(status.get("uri"))

    reblog = status.get("reblog")
    if isinstance(reblog, dict):
        # A boost: a wrapper with empty content and zero counts; the numbers inside
        # `reblog` belong to someone else's post.
        return PostRecord(
            platform_id=status_id,
            published_at=published,
            permalink=permalink,
            kind=PostKind.RESHARE,
            reshared_handle=account_handle(as_dict(reblog.get("account"))),
        )

    content = as_str(status.get("content"))
    mentions_raw = status.get("mentions")
    mention_list = (
        [m for m in mentions_raw if isinstance(m, dict)] if isinstance(mentions_raw, list) else []
    )
    mentions = dedupe(account_handle(m) for m in mention_list)

    kind: PostKind | None = None
    reply_to = ""
    reshared = ""
    quoted_urls: list[str] = []
    quote = status.get("quote")
    if isinstance(quote, dict):
        kind = PostKind.QUOTE
        quoted = as_dict(quote.get("quoted_status"))
        reshared = account_handle(as_dict(quoted.get("account")))
        quoted_urls = [as_str(quoted.get("url")), as_str(quoted.get("uri"))]
    parent_id = optional_id(status.get("in_reply_to_id"))
    if parent_id:
        kind = PostKind.REPLY
        parent_account = status.get("in_reply_to_account_id")
        parent_key = str(parent_account) if parent_account is not None else ""
        if parent_key and parent_key == owner_id:
            reply_to = owner_handle
        else:
            reply_to = next(
                (
                    account_handle(m)
                    for m in mention_list
                    if parent_key and str(m.get("id")) == parent_key
                ),
                "",
            )

    reblogs = count(status, "reblogs_count")
    quotes = count(status, "quotes_count")
    return PostRecord(
        platform_id=status_id,
        published_at=published,
        text=html_to_text(content),
        permalink=permalink,
        kind=kind,
        in_reply_to_handle=reply_to,
        # The id of the post answered: links the reply to the mention it answers.
        in_reply_to_id=parent_id,
        reshared_handle=reshared,
        mentions=mentions,
        links=links_in_html(content, exclude=quoted_urls),
        likes=count(status, "favourites_count"),
        replies=count(status, "replies_count"),
        # Quotes also put the post in front of another audience: counted as reshares.
        reshares=None if reblogs is None else reblogs + (quotes or 0),
    )


def optional_id(raw: object) -> str:
    """A nullable id (in_reply_to_id) as text: '' when absent. Mastodon documents ids as
    strings; some servers send integers."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return raw.strip() if isinstance(raw, str) else ""
