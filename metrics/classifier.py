"""The classifier: what kind of post this is and whether it speaks with people.

Pure functions over a PostRecord, written once and used by every importer and connector.

- kind: the source's own word (reply / reshare / quote) where it has one; else a text
  starting with "RT @" is a reshare, a post answering another account is a reply; a reply
  to the account itself (a thread) is an original post, not conversation.
- addressed: the distinct OTHER people the brand replied to or @mentioned in its own
  text — not the "RT @x:" prefix of a retweet, not the author of a reshared post unless
  the brand typed the mention. A plain reshare addresses nobody. People are counted by
  their canonical handle (metrics.platforms.identity): "@dara" in a Mastodon text and the
  mention tag "dara@pedal.example" are one person.
- question: the post's own text, links left out, contains a question mark.
- links: split into the account's own domains (a domain matches itself and its
  sub-domains, never a longer name that merely ends with it) and others'. Shortened links
  (t.co, bit.ly, ...) hide their destination and count as neither.
- promotional: links only to own domains; shares others' link: at least one link elsewhere.
  Plain reshares are neither (they are counted as reshares).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from metrics.ingest.records import PostKind, PostRecord
from metrics.platforms.identity import canonical_handle, home_of, people

SHORTENERS = frozenset(
    {
        "t.co",
        "bit.ly",
        "buff.ly",
        "ow.ly",
        "lnkd.in",
        "tinyurl.com",
        "goo.gl",
        "dlvr.it",
        "ift.tt",
        "trib.al",
        "fb.me",
        "shorturl.at",
        "rebrand.ly",
        "tiny.cc",
        "is.gd",
    }
)

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A bare domain link as clients shorten it in text ("www.example.com/path..."), only used
# to blank links out of the text before looking for a question mark.
_BARE_URL = re.compile(r"\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*", re.IGNORECASE)
# @handle, @user@instance.social, @name.bsky.social — not an e-mail address (no word
# character right before the @).
_MENTION = re.compile(
    r"(?<![\w@/.])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)",
    re.IGNORECASE,
)
_RT_PREFIX = re.compile(r"^\s*RT\s+@[\w.@-]+:?\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Classification:
    kind: PostKind
    addressed: tuple[str, ...]
    is_question: bool
    link_domains: tuple[str, ...]
    own_link_domains: tuple[str, ...]
    other_link_domains: tuple[str, ...]
    is_promotional: bool
    shares_others_link: bool

    @property
    def speaks_with_people(self) -> bool:
        """Counts toward the "with" side of the with:at ratio."""
        return self.kind in (PostKind.REPLY, PostKind.RESHARE, PostKind.QUOTE) or bool(
            self.addressed
        )


def domain_of(url: str) -> str | None:
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def is_own_domain(domain: str, own_domains: Iterable[str]) -> bool:
    return any(domain == own or domain.endswith("." + own) for own in own_domains)


def own_text(record: PostRecord, kind: PostKind) -> str:
    """The words the brand itself wrote: nothing for a plain reshare, no RT prefix."""
    if kind is PostKind.RESHARE:
        return ""
    return _RT_PREFIX.sub("", record.text or "", count=1)


def mentions_in(text: str) -> list[str]:
    """The @handles written in a text, as written (lower case, without the @)."""
    return [m.rstrip(".").lower() for m in _MENTION.findall(text or "")]


def classify(
    record: PostRecord, *, platform: str, own_handle: str, own_domains: Sequence[str]
) -> Classification:
    home = home_of(platform, own_handle)

    def person(raw: str) -> str:
        return canonical_handle(platform, raw, home=home)

    own = person(own_handle)
    reply_to = person(record.in_reply_to_handle)

    kind = PostKind(record.kind) if record.kind else None
    if kind is None:
        if _RT_PREFIX.match(record.text or ""):
            kind = PostKind.RESHARE
        elif reply_to:
            kind = PostKind.REPLY
        else:
            kind = PostKind.ORIGINAL
    if kind is PostKind.REPLY and reply_to and reply_to == own:
        kind = PostKind.ORIGINAL  # the brand continuing its own thread

    text = own_text(record, kind)
    addressed: tuple[str, ...] = ()
    if kind is not PostKind.RESHARE:
        typed = people(platform, record.mentions, home=home)
        written = people(platform, mentions_in(text), home=home, entities=record.mentions)
        reshared = person(record.reshared_handle)
        candidates = [reply_to] if kind is PostKind.REPLY else []
        candidates += typed
        # A quote's text may carry the quoted author put there by the platform ("#stitch
        # with @x"): that is not the brand addressing them, unless the source says it typed it.
        candidates += [m for m in written if not (m == reshared and m not in typed)]
        addressed = tuple(dict.fromkeys(h for h in candidates if h and h != own))

    without_links = _BARE_URL.sub(" ", _URL.sub(" ", text))
    is_question = kind is not PostKind.RESHARE and ("?" in without_links or "？" in without_links)

    urls = list(record.links) + _URL.findall(text)
    domains: list[str] = []
    for url in urls:
        domain = domain_of(url)
        if domain and domain not in SHORTENERS and domain not in domains:
            domains.append(domain)
    own_domains_norm = [d.lower() for d in own_domains]
    own_links = tuple(d for d in domains if is_own_domain(d, own_domains_norm))
    other_links = tuple(d for d in domains if not is_own_domain(d, own_domains_norm))
    sharing = kind is not PostKind.RESHARE
    return Classification(
        kind=kind,
        addressed=addressed,
        is_question=is_question,
        link_domains=tuple(domains),
        own_link_domains=own_links,
        other_link_domains=other_links,
        is_promotional=sharing and bool(own_links) and not other_links,
        shares_others_link=sharing and bool(other_links),
    )


def classify_many(
    records: Sequence[PostRecord], *, platform: str, own_handle: str, own_domains: Sequence[str]
) -> list[Classification]:
    """classify() for a batch of one account's posts, with the same result for every record.

    What classify() works out per call is worked out once per batch (the account's home
    and canonical handle, its own domains) or once per distinct value (a URL's domain and
    whether it is the account's own), and each pattern runs only over texts that can match
    it: no mention without an "@", no link without "://", no question without a question
    mark (blanking links out only removes characters). Alike results share one instance.
    The patterns stay per text: one finditer over the batch's texts joined took twice as
    long as findall per text (mapping matches back to their post), polars' extract_all
    with its to_list() fifteen times as long, and polars' regex engine has no look-behind
    for the mention pattern.
    """
    home = home_of(platform, own_handle)
    own = canonical_handle(platform, own_handle, home=home)
    own_norm = [d.lower() for d in own_domains]
    domain_cache: dict[str, str | None] = {}
    own_cache: dict[str, bool] = {}
    seen: dict[tuple[object, ...], Classification] = {}

    def _own(domain: str) -> bool:
        mine = own_cache.get(domain)
        if mine is None:
            mine = own_cache[domain] = is_own_domain(domain, own_norm)
        return mine

    rt_match = _RT_PREFIX.match
    url_findall = _URL.findall
    results: list[Classification] = []
    append = results.append
    reshare, reply, original = PostKind.RESHARE, PostKind.REPLY, PostKind.ORIGINAL
    for record in records:
        raw_text = record.text or ""
        raw_reply = record.in_reply_to_handle
        reply_to = canonical_handle(platform, raw_reply, home=home) if raw_reply else ""
        rt = rt_match(raw_text)
        kind = PostKind(record.kind) if record.kind else None
        if kind is None:
            if rt is not None:
                kind = reshare
            elif reply_to:
                kind = reply
            else:
                kind = original
        if kind is reply and reply_to and reply_to == own:
            kind = original

        addressed: tuple[str, ...] = ()
        is_question = False
        if kind is reshare:
            text = ""
        else:
            text = raw_text[rt.end() :] if rt is not None else raw_text
            mentions = record.mentions
            typed = people(platform, mentions, home=home) if mentions else ()
            written = (
                people(platform, mentions_in(text), home=home, entities=mentions)
                if "@" in text
                else ()
            )
            if kind is reply or typed or written:
                raw_reshared = record.reshared_handle
                reshared = (
                    canonical_handle(platform, raw_reshared, home=home) if raw_reshared else ""
                )
                candidates = [reply_to] if kind is reply else []
                candidates += typed
                candidates += [m for m in written if not (m == reshared and m not in typed)]
                addressed = tuple(dict.fromkeys(h for h in candidates if h and h != own))
            if "?" in text or "？" in text:
                without_links = _BARE_URL.sub(" ", _URL.sub(" ", text))
                is_question = "?" in without_links or "？" in without_links

        links = record.links
        if links or "://" in text:
            urls = list(links) + url_findall(text) if "://" in text else list(links)
            domains: list[str] = []
            for url in urls:
                if url in domain_cache:
                    domain = domain_cache[url]
                else:
                    domain = domain_cache[url] = domain_of(url)
                if domain and domain not in SHORTENERS and domain not in domains:
                    domains.append(domain)
        else:
            domains = []
        # Many posts classify alike (a reply to one person, a link to the shop): one
        # (immutable) Classification serves them all, built once.
        key = (kind, addressed, is_question, *domains)
        found = seen.get(key)
        if found is None:
            own_links = tuple(d for d in domains if _own(d))
            other_links = tuple(d for d in domains if not _own(d))
            sharing = kind is not reshare
            found = seen[key] = Classification(
                kind=kind,
                addressed=addressed,
                is_question=is_question,
                link_domains=tuple(domains),
                own_link_domains=own_links,
                other_link_domains=other_links,
                is_promotional=sharing and bool(own_links) and not other_links,
                shares_others_link=sharing and bool(other_links),
            )
        append(found)
    return results
