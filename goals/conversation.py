"""Conversation health: what the team's own accounts actually do, next to what it planned.

Pure functions over `PostRow`s (the selectors read them: goals.selectors.conversation_health),
which the tests feed with hand-made posts.

Conversation health is counted from the posts themselves, not from the daily rollup, so
the mix, the weekly ratios, the people addressed and the warnings on one page all come
from the same rows. The weekly numbers follow the rollup's definitions
(metrics.ingest.rollup.daily_conversation_metrics): a reply is kind "reply"; a post speaks
*with* people if it is not an original or addresses someone; a broadcast is an original
that addresses nobody.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from metrics.ingest.records import PostKind

if TYPE_CHECKING:
    from metrics.models import Account

# --- posts, as the pure functions see them ------------------------------------------------

_URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"@[\w.@-]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class PostRow:
    pk: int
    account_id: int
    published_at: datetime
    local_date: date
    kind: str = PostKind.ORIGINAL
    addressed: tuple[str, ...] = ()
    is_question: bool = False
    is_promotional: bool = False
    shares_others_link: bool = False
    link_domains: tuple[str, ...] = ()
    text: str = ""
    permalink: str = ""

    @property
    def has_link(self) -> bool:
        # Shortened links (t.co, ...) are left out of link_domains: look at the text too.
        return bool(self.link_domains) or _has_url(self.text)


def _has_url(text: str) -> bool:
    return bool(_URL.search(text))


# --- the content mix ----------------------------------------------------------------------

MIX_LABELS = {
    "conversation": "Conversation",
    "sharing": "Sharing others",
    "helpful": "Helpful",
    "promotional": "Promotional",
}
MIX_RULE = (
    "Conversation is replies and original posts that address someone by name; sharing others "
    "is reshares, quotes and other posts linking to other people's sites; promotional is the "
    "remaining posts that link only to our own sites; helpful is every other original post."
)


def mix_category(post: PostRow) -> str:
    """Which part of the planned content mix a post belongs to; each post has exactly one."""
    if post.kind == PostKind.REPLY or (post.kind == PostKind.ORIGINAL and post.addressed):
        return "conversation"
    if post.kind in (PostKind.RESHARE, PostKind.QUOTE) or post.shares_others_link:
        return "sharing"
    if post.is_promotional:
        return "promotional"
    return "helpful"


@dataclass(frozen=True)
class MixShare:
    key: str
    count: int
    total: int
    planned: int | None  # percent of posts, from the strategy

    @property
    def label(self) -> str:
        return MIX_LABELS[self.key]

    @property
    def percent(self) -> float | None:
        return self.count * 100 / self.total if self.total else None

    @property
    def above_plan(self) -> bool:
        return (
            self.planned is not None
            and self.total > 0
            and self.count * 100 > self.planned * self.total
        )


def content_mix(posts: Iterable[PostRow], planned: dict[str, int] | None) -> list[MixShare]:
    counts = Counter(mix_category(p) for p in posts)
    total = sum(counts.values())
    return [
        MixShare(key, counts[key], total, planned[key] if planned is not None else None)
        for key in MIX_LABELS
    ]


# --- reply share and with:at, week by week ------------------------------------------------


@dataclass
class Week:
    start: date  # the Monday of the ISO week
    posts: int = 0
    replies: int = 0
    with_posts: int = 0
    broadcast_posts: int = 0

    @property
    def reply_share(self) -> float | None:
        return self.replies / self.posts if self.posts else None

    @property
    def with_at(self) -> float | None:
        return self.with_posts / self.broadcast_posts if self.broadcast_posts else None


def weekly(posts: Iterable[PostRow]) -> list[Week]:
    """ISO weeks (Monday to Sunday) by the team's calendar day; weeks without posts left out."""
    weeks: dict[date, Week] = {}
    by_day: dict[date, Week] = {}  # a quarter has thousands of posts on a few dozen days
    reply, original = PostKind.REPLY, PostKind.ORIGINAL
    for post in posts:
        week = by_day.get(post.local_date)
        if week is None:
            monday = post.local_date - timedelta(days=post.local_date.weekday())
            week = by_day[post.local_date] = weeks.setdefault(monday, Week(monday))
        week.posts += 1
        if post.kind == reply:
            week.replies += 1
        # Every post is either one speaking with people or a broadcast (an original
        # addressing nobody).
        if post.kind != original or post.addressed:
            week.with_posts += 1
        else:
            week.broadcast_posts += 1
    return [weeks[monday] for monday in sorted(weeks)]


# --- people addressed ---------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    handle: str
    posts: int
    is_new: bool


@dataclass(frozen=True)
class People:
    total: int
    new: int
    returning: int
    most_talked_with: list[Person]


def people_addressed(posts: Iterable[PostRow], *, before: set[str], top: int = 10) -> People:
    """Distinct handles addressed; "new" if these accounts had not addressed them before."""
    counts: Counter[str] = Counter()
    for post in posts:
        if post.addressed:
            for handle in set(post.addressed):
                counts[handle] += 1
    returning = sum(1 for handle in counts if handle in before)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return People(
        total=len(counts),
        new=len(counts) - returning,
        returning=returning,
        most_talked_with=[Person(h, n, h not in before) for h, n in ranked],
    )


# --- warnings -----------------------------------------------------------------------------


def text_template(text: str) -> str:
    """The text with links, @handles and digits taken out: what a scheduling tool repeats."""
    text = _URL.sub(" ", text or "")
    text = _HANDLE.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class TemplateUse:
    template: str
    posts: list[PostRow]

    @property
    def count(self) -> int:
        return len(self.posts)

    @property
    def account_ids(self) -> set[int]:
        return {p.account_id for p in self.posts}


def repeated_templates(posts: Iterable[PostRow], *, min_count: int = 3) -> list[TemplateUse]:
    """Text templates used `min_count` times or more, across the accounts, most used first.

    Plain reshares are left out: their text is somebody else's.
    """
    by_template: dict[str, list[PostRow]] = defaultdict(list)
    templates: dict[str, str] = {}  # by text: scheduled posts repeat theirs
    for post in posts:
        if post.kind == PostKind.RESHARE:
            continue
        template = templates.get(post.text)
        if template is None:
            template = templates[post.text] = text_template(post.text)
        if template:
            by_template[template].append(post)
    found = [TemplateUse(t, ps) for t, ps in by_template.items() if len(ps) >= min_count]
    return sorted(found, key=lambda use: (-use.count, use.template))


@dataclass(frozen=True)
class Burst:
    account_id: int
    posts: list[PostRow]
    account: Account | None = None  # filled in by report(), for display

    @property
    def count(self) -> int:
        return len(self.posts)

    @property
    def first(self) -> datetime:
        return self.posts[0].published_at

    @property
    def last(self) -> datetime:
        return self.posts[-1].published_at

    @property
    def minutes(self) -> float:
        return (self.last - self.first).total_seconds() / 60


def link_bursts(
    posts: Iterable[PostRow], *, min_posts: int = 3, within: timedelta = timedelta(minutes=10)
) -> list[Burst]:
    """Runs of `min_posts` or more posts with links by one account, each run's posts no
    more than `within` apart from first to last (overlapping runs are merged)."""
    by_account: dict[int, list[PostRow]] = defaultdict(list)
    has_url: dict[str, bool] = {}  # by text, as PostRow.has_link looks
    for post in posts:
        if not post.link_domains:
            found = has_url.get(post.text)
            if found is None:
                found = has_url[post.text] = _has_url(post.text)
            if not found:
                continue
        by_account[post.account_id].append(post)
    bursts: list[Burst] = []
    for account_id, linked in by_account.items():
        linked.sort(key=lambda p: (p.published_at, p.pk))
        spans: list[list[int]] = []
        first = 0
        for last, post in enumerate(linked):
            while post.published_at - linked[first].published_at > within:
                first += 1
            if last - first + 1 < min_posts:
                continue
            if spans and first <= spans[-1][1]:
                spans[-1][1] = last
            else:
                spans.append([first, last])
        bursts.extend(Burst(account_id, linked[a : b + 1]) for a, b in spans)
    return sorted(bursts, key=lambda b: (b.first, b.account_id))


@dataclass(frozen=True)
class PromoWarning:
    actual: float  # percent of posts
    planned: int


def promo_warning(mix: Sequence[MixShare]) -> PromoWarning | None:
    for share in mix:
        if share.key == "promotional" and share.above_plan and share.planned is not None:
            return PromoWarning(actual=share.percent or 0.0, planned=share.planned)
    return None


# --- the conversation health page ---------------------------------------------------------


@dataclass
class ConversationHealth:
    posts: list[PostRow]
    mix: list[MixShare]
    weeks: list[Week]
    people: People
    promo_warning: PromoWarning | None
    templates: list[TemplateUse]
    bursts: list[Burst]

    @property
    def post_count(self) -> int:
        return len(self.posts)

    # Cached: the page reads each more than once, over every post of the period.
    @cached_property
    def questions(self) -> int:
        return sum(1 for p in self.posts if p.is_question)

    @property
    def question_percent(self) -> float | None:
        return self.questions * 100 / len(self.posts) if self.posts else None

    @cached_property
    def latest_questions(self) -> list[PostRow]:
        return list(itertools.islice((p for p in reversed(self.posts) if p.is_question), 5))

    @property
    def has_warnings(self) -> bool:
        return bool(self.promo_warning or self.templates or self.bursts)


def report(
    posts: list[PostRow],
    *,
    planned_mix: dict[str, int] | None,
    addressed_before: set[str],
    accounts: Mapping[int, Account],
) -> ConversationHealth:
    """Everything on the conversation health page, from the period's posts (in publication
    order), the plan's mix, the handles addressed before the period and the accounts by id."""
    mix = content_mix(posts, planned_mix)
    return ConversationHealth(
        posts=posts,
        mix=mix,
        weeks=weekly(posts),
        people=people_addressed(posts, before=addressed_before),
        promo_warning=promo_warning(mix),
        templates=repeated_templates(posts),
        bursts=[replace(b, account=accounts.get(b.account_id)) for b in link_bursts(posts)],
    )
