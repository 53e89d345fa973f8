"""Conversation health and the competitor benchmark: the reads behind both pages.

Each page reads a handful of rows in a fixed number of queries (whatever the amount of
data) and hands them to pure functions, which the tests feed with hand-made posts.

Conversation health is counted from the posts themselves, not from the daily rollup, so
the mix, the weekly ratios, the people addressed and the warnings on one page all come
from the same rows. The weekly numbers follow the rollup's definitions
(metrics.rollup.daily_conversation_metrics): a reply is kind "reply"; a post speaks
*with* people if it is not an original or addresses someone; a broadcast is an original
that addresses nobody.

The competitor benchmark counts each account's Post rows (posts, replies, engagements)
and its daily `followers` observations inside the period; posts per week divide by the
weeks of the period gone so far, so a running quarter is not understated.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum

from goals import periods
from goals.models import Status, Strategy
from metrics.ingest.records import PostKind
from metrics.models import Account, MetricObservation, Post
from teams import access
from teams.models import Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# --- what the pages look at ---------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The team, period, plan and accounts a page covers, resolved from the query string."""

    team: Team
    strategy: Strategy | None
    start: date
    end: date
    accounts: tuple[Account, ...]
    # The accounts one could choose on this page (for the form's checkboxes).
    choices: tuple[Account, ...]

    @property
    def account_ids(self) -> tuple[int, ...]:
        return tuple(a.pk for a in self.accounts)

    @property
    def period(self) -> periods.Period:
        return periods.Period(self.start, self.end)

    @property
    def planned_mix(self) -> dict[str, int] | None:
        return self.strategy.mix if self.strategy is not None else None


def selection_for(
    user: User | AnonymousUser,
    *,
    team: Team | None = None,
    strategy: Strategy | None = None,
    start: date | None = None,
    end: date | None = None,
    accounts: Sequence[Account] = (),
    today: date,
    own_only: bool,
) -> Selection | None:
    """Fill in what the query string left out; None when the user sees no team at all.

    The arguments come from a form whose choices are limited to what the user may see;
    here they are checked against each other (ValidationError keyed by form field).
    Defaults: the strategy's team, else the accounts' team; the team's (else the user's)
    most recent active strategy; its period, else the current quarter without a plan.
    """
    errors: dict[str, str] = {}
    if strategy is not None and team is not None and strategy.team_id != team.pk:
        errors["strategy"] = f"“{strategy}” is a strategy of {strategy.team}, not of {team}."
    if team is None and strategy is not None:
        team = strategy.team
    if team is None and accounts:
        teams = {a.team_id for a in accounts}
        if len(teams) > 1:
            errors["account"] = "Choose accounts of one team."
        team = accounts[0].team
    if errors:
        raise ValidationError(errors)

    if strategy is None:
        active = access.visible_to(
            user, Strategy.objects.select_related("team").filter(status=Status.ACTIVE)
        )
        if team is not None:
            active = active.filter(team=team)
        strategy = active.order_by("-period_start", "-pk").first()
        if team is None and strategy is not None:
            team = strategy.team
    if team is None:
        team = access.visible_teams(user).order_by("name").first()
        if team is None:
            return None

    candidates = access.visible_to(user, Account.objects.filter(team=team))
    if own_only:
        candidates = candidates.filter(is_competitor=False)
    choices = tuple(candidates.order_by("is_competitor", "platform", "handle"))
    for account in accounts:
        if account.team_id != team.pk:
            errors["account"] = f"{account} is not an account of {team}."
        elif own_only and account.is_competitor:
            errors["account"] = (
                f"{account} is a competitor's account; conversation health covers the "
                "team's own accounts."
            )
    base = strategy.period if strategy is not None else periods.quarter_of(today)
    start, end = start or base.start, end or base.end
    if end < start:
        errors["end"] = (
            f"The period cannot end ({end:%-d %b %Y}) before it starts ({start:%-d %b %Y})."
        )
    if errors:
        raise ValidationError(errors)
    wanted = set(accounts)
    chosen = tuple(a for a in choices if a in wanted) if wanted else choices
    return Selection(
        team=team, strategy=strategy, start=start, end=end, accounts=chosen, choices=choices
    )


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
        return bool(self.link_domains) or bool(_URL.search(self.text))


_POST_FIELDS = (
    "pk",
    "account_id",
    "published_at",
    "local_date",
    "kind",
    "addressed",
    "is_question",
    "is_promotional",
    "shares_others_link",
    "link_domains",
    "text",
    "permalink",
)


def _post_rows(account_ids: Sequence[int], start: date, end: date) -> list[PostRow]:
    rows = (
        Post.objects.filter(account_id__in=account_ids, local_date__range=(start, end))
        .order_by("published_at", "pk")
        .values_list(*_POST_FIELDS)
    )
    return [
        PostRow(
            pk=pk,
            account_id=account_id,
            published_at=published_at,
            local_date=local_date,
            kind=kind,
            addressed=tuple(addressed or ()),
            is_question=is_question,
            is_promotional=is_promotional,
            shares_others_link=shares_others_link,
            link_domains=tuple(link_domains or ()),
            text=text,
            permalink=permalink,
        )
        for (
            pk,
            account_id,
            published_at,
            local_date,
            kind,
            addressed,
            is_question,
            is_promotional,
            shares_others_link,
            link_domains,
            text,
            permalink,
        ) in rows.iterator(chunk_size=5000)
    ]


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
    for post in posts:
        monday = post.local_date - timedelta(days=post.local_date.weekday())
        week = weeks.setdefault(monday, Week(monday))
        week.posts += 1
        week.replies += post.kind == PostKind.REPLY
        week.with_posts += post.kind != PostKind.ORIGINAL or bool(post.addressed)
        week.broadcast_posts += post.kind == PostKind.ORIGINAL and not post.addressed
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
        counts.update(set(post.addressed))
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
    for post in posts:
        if post.kind == PostKind.RESHARE:
            continue
        template = text_template(post.text)
        if template:
            by_template[template].append(post)
    found = [TemplateUse(t, ps) for t, ps in by_template.items() if len(ps) >= min_count]
    return sorted(found, key=lambda use: (-use.count, use.template))


@dataclass(frozen=True)
class Burst:
    account_id: int
    posts: list[PostRow]
    account: Account | None = None  # filled in by the selector, for display

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
    for post in posts:
        if post.has_link:
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

    @property
    def questions(self) -> int:
        return sum(1 for p in self.posts if p.is_question)

    @property
    def question_percent(self) -> float | None:
        return self.questions * 100 / len(self.posts) if self.posts else None

    @property
    def latest_questions(self) -> list[PostRow]:
        return [p for p in reversed(self.posts) if p.is_question][:5]

    @property
    def has_warnings(self) -> bool:
        return bool(self.promo_warning or self.templates or self.bursts)


def addressed_before(account_ids: Sequence[int], start: date) -> set[str]:
    """Everyone these accounts addressed before the start (one query)."""
    handles: set[str] = set()
    if not account_ids:
        return handles
    earlier = (
        Post.objects.filter(account_id__in=account_ids, local_date__lt=start)
        .exclude(addressed=[])
        .order_by()  # no ordering column in the SELECT DISTINCT
        .values_list("addressed", flat=True)
        .distinct()
    )
    for addressed in earlier.iterator(chunk_size=5000):
        handles.update(addressed or ())
    return handles


def conversation_health(selection: Selection) -> ConversationHealth:
    """Everything on the conversation health page, in two queries."""
    ids = selection.account_ids
    posts = _post_rows(ids, selection.start, selection.end) if ids else []
    mix = content_mix(posts, selection.planned_mix)
    accounts = {a.pk: a for a in selection.accounts}
    return ConversationHealth(
        posts=posts,
        mix=mix,
        weeks=weekly(posts),
        people=people_addressed(posts, before=addressed_before(ids, selection.start)),
        promo_warning=promo_warning(mix),
        templates=repeated_templates(posts),
        bursts=[replace(b, account=accounts.get(b.account_id)) for b in link_bursts(posts)],
    )


# --- the competitor benchmark -------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    """One account's numbers over the period. None where there is nothing to count from."""

    account: Account
    posts: int = 0
    replies: int = 0
    engagements: int = 0
    engaged_posts: int = 0  # posts whose engagements are known
    levels: tuple[tuple[date, Decimal], ...] = ()  # followers, by day, in the period
    weeks: float | None = None  # how many weeks of the period have passed

    @property
    def first_followers(self) -> Decimal | None:
        return self.levels[0][1] if self.levels else None

    @property
    def last_followers(self) -> Decimal | None:
        return self.levels[-1][1] if self.levels else None

    @property
    def follower_growth(self) -> float | None:
        """(last level − first level) / first level, from two levels at least."""
        if len(self.levels) < 2 or not self.first_followers:
            return None
        first, last = self.levels[0][1], self.levels[-1][1]
        return float((last - first) / first)

    @property
    def posts_per_week(self) -> float | None:
        if not self.posts or not self.weeks:
            return None
        return self.posts / self.weeks

    @property
    def engagement_per_post(self) -> float | None:
        return self.engagements / self.engaged_posts if self.engaged_posts else None

    @property
    def engagement_per_follower(self) -> float | None:
        per_post = self.engagement_per_post
        if per_post is None or not self.last_followers:
            return None
        return per_post / float(self.last_followers)

    @property
    def reply_share(self) -> float | None:
        return self.replies / self.posts if self.posts else None

    # As shown: percentages, and engagement per 1,000 followers (per follower is tiny).
    @property
    def follower_growth_percent(self) -> float | None:
        growth = self.follower_growth
        return None if growth is None else growth * 100

    @property
    def engagement_per_1000_followers(self) -> float | None:
        value = self.engagement_per_follower
        return None if value is None else value * 1000

    @property
    def reply_share_percent(self) -> float | None:
        share = self.reply_share
        return None if share is None else share * 100

    def growth_series(self) -> list[tuple[date, float]]:
        """Followers as % growth since the first level in the period, for the line chart."""
        first = self.first_followers
        if not first:
            return []
        return [(day, float((value - first) / first) * 100) for day, value in self.levels]


def weeks_elapsed(start: date, end: date, today: date) -> float | None:
    """Weeks of the period up to today (a period still running counts its days so far)."""
    days = (min(end, today) - start).days + 1
    return days / 7 if days > 0 else None


def benchmark(selection: Selection, *, today: date) -> list[Benchmark]:
    """Own accounts, then competitors, each with its numbers over the period: two queries
    (posts counted per account; followers levels in the period)."""
    ids = selection.account_ids
    if not ids:
        return []
    counted = {
        row["account_id"]: row
        for row in Post.objects.filter(
            account_id__in=ids, local_date__range=(selection.start, selection.end)
        )
        .order_by()
        .values("account_id")
        .annotate(
            n_posts=Count("pk"),
            n_replies=Count("pk", filter=Q(kind=PostKind.REPLY)),
            engagement_sum=Sum("engagements"),
            n_engaged=Count("engagements"),
        )
    }
    levels: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for account_id, day, value in (
        MetricObservation.objects.filter(
            account_id__in=ids, metric="followers", date__range=(selection.start, selection.end)
        )
        .order_by("account_id", "date")
        .values_list("account_id", "date", "value")
    ):
        levels[account_id].append((day, value))
    weeks = weeks_elapsed(selection.start, selection.end, today)
    rows = []
    for account in sorted(
        selection.accounts, key=lambda a: (a.is_competitor, a.platform, a.handle)
    ):
        found = counted.get(account.pk, {})
        rows.append(
            Benchmark(
                account=account,
                posts=int(found.get("n_posts") or 0),
                replies=int(found.get("n_replies") or 0),
                engagements=int(found.get("engagement_sum") or 0),
                engaged_posts=int(found.get("n_engaged") or 0),
                levels=tuple(levels.get(account.pk, ())),
                weeks=weeks,
            )
        )
    return rows
