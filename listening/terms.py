"""A topic's terms and how a post matches them. Pure Python: no Django, no network.

A topic has keywords (words or phrases), hashtags, excluded words and languages. Lists are
typed one per line or separated by commas. A post matches a topic when its text holds at
least one keyword (as whole words, case and accents as written are compared in lower case)
or one of its hashtags, holds none of the excluded words, and is in one of the languages
(when the topic names any and the platform tells the post's language).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERMS = 100  # keywords + hashtags + excluded words of one topic
MAX_TERM_LENGTH = 100
MAX_LANGUAGES = 20
_SPLIT = re.compile(r"[\n,]+")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_HASHTAG = re.compile(r"^[\w]+$", re.UNICODE)
_TAG_IN_TEXT = re.compile(r"(?<![\w#])#(\w+)", re.UNICODE)


class TermsInvalid(ValueError):
    """A term list that cannot be used; the message says which and why."""


def split_terms(raw: str) -> list[str]:
    """'coffee, pour over\\nespresso' → ['coffee', 'pour over', 'espresso'] (distinct,
    white space squeezed, in the order typed)."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(raw or ""):
        term = " ".join(part.split())
        if term:
            seen.setdefault(term, None)
    return list(seen)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def hashtag(raw: str) -> str:
    """'#PourOver' → 'pourover'; TermsInvalid when it cannot be a hashtag."""
    tag = normalise(raw.strip()).lstrip("#")
    if not tag or not _HASHTAG.match(tag):
        raise TermsInvalid(
            f"“{raw[:40]}” cannot be a hashtag: use letters, digits and underscores only."
        )
    return tag


@dataclass(frozen=True)
class Terms:
    keywords: tuple[str, ...]
    hashtags: tuple[str, ...]  # without '#', lower case
    excluded: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def search_terms(self) -> tuple[str, ...]:
        """What a search API is asked for: the keywords and the hashtags with their '#'."""
        return (*self.keywords, *(f"#{tag}" for tag in self.hashtags))


def parse(*, keywords: str, hashtags: str, excluded: str, languages: str) -> Terms:
    """The topic's lists, checked. TermsInvalid names the first problem."""
    words = split_terms(keywords)
    tags = list(dict.fromkeys(hashtag(t) for t in split_terms(hashtags)))
    without = split_terms(excluded)
    langs = [normalise(code) for code in split_terms(languages)]
    if not words and not tags:
        raise TermsInvalid("Give the topic at least one keyword or hashtag.")
    total = len(words) + len(tags) + len(without)
    if total > MAX_TERMS:
        raise TermsInvalid(
            f"The topic has {total:,} terms; at most {MAX_TERMS} are allowed (keywords, "
            "hashtags and excluded words together). Split it into several topics."
        )
    for term in (*words, *without):
        if len(term) > MAX_TERM_LENGTH:
            raise TermsInvalid(
                f"“{term[:40]}…” is longer than {MAX_TERM_LENGTH} characters; use a shorter phrase."
            )
    if len(langs) > MAX_LANGUAGES:
        raise TermsInvalid(f"At most {MAX_LANGUAGES} languages per topic.")
    for code in langs:
        if not _LANGUAGE.match(code):
            raise TermsInvalid(
                f"“{code[:20]}” is not a language code; use ISO 639-1 codes such as en, de, fr."
            )
    return Terms(tuple(words), tuple(tags), tuple(without), tuple(langs))


def _word_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(normalise(term)) + r"(?!\w)", re.UNICODE)


class Matcher:
    """Compiled once per topic and sync; `match` is called for every post."""

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self._keywords = [(k, _word_pattern(k)) for k in terms.keywords]
        self._excluded = [_word_pattern(k) for k in terms.excluded]
        self._tags = set(terms.hashtags)
        self._languages = set(terms.languages)

    def match(self, text: str, *, tags: Iterable[str] = (), language: str = "") -> list[str]:
        """The topic's terms the post holds ('#tag' for hashtags); [] when it does not match
        (no term, an excluded word, or another language)."""
        if self._languages and language:
            base = normalise(language).split("-", 1)[0]
            if normalise(language) not in self._languages and base not in self._languages:
                return []
        folded = normalise(text)
        if any(p.search(folded) for p in self._excluded):
            return []
        found = [k for k, p in self._keywords if p.search(folded)]
        post_tags = {normalise(t).lstrip("#") for t in tags} | {
            m.group(1) for m in _TAG_IN_TEXT.finditer(folded)
        }
        found += [f"#{tag}" for tag in self.terms.hashtags if tag in post_tags]
        return found
