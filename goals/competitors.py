"""The competitor benchmark: each account's numbers over a period, own accounts and
competitors alike.

Pure functions over what the selectors counted (goals.selectors.benchmark): each account's
posts, replies, posts with and at people and engagements in the period, its daily
`followers` levels, its top posts and how fresh its data is. Posts per week divide by the
weeks of the period gone so far, so a running quarter is not understated.

Conversation posture (reply share, with:at) uses the definitions of the rollup and of the
conversation health page (goals.conversation.weekly), over the kinds and addressed people
the one classifier (metrics.classifier) gave each post when it was written: a competitor's
posts are read exactly as the team's own. Engagements are the platform's own number where
it gives one, else the public interactions it shows (likes + replies + reshares), so
accounts synced from public APIs compare with the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metrics.models import Account


@dataclass(frozen=True)
class PostCounts:
    """One account's posts in the period, as counted in the database."""

    posts: int = 0
    replies: int = 0
    engagements: int = 0  # the sum over the posts whose engagements are known
    engaged_posts: int = 0  # posts whose engagements are known
    with_posts: int = 0  # replies, reshares, quotes, and originals addressing someone
    broadcast_posts: int = 0  # originals addressing nobody


@dataclass(frozen=True)
class TopPost:
    account_id: int
    published_at: datetime
    text: str
    permalink: str
    engagements: int


@dataclass(frozen=True)
class Freshness:
    """How old an account's data is: its latest post or level, and its connector's state."""

    data_up_to: date | None = None
    sync_label: str = ""  # the connector's status, "" without a connector
    needs_attention: bool = False  # stale, failing, refused or rate limited


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
    with_posts: int = 0
    broadcast_posts: int = 0
    top_posts: tuple[TopPost, ...] = ()
    freshness: Freshness = Freshness()

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

    @property
    def with_at(self) -> float | None:
        """Posts with people ÷ broadcasts (the rollup's with_at_ratio over the period)."""
        return self.with_posts / self.broadcast_posts if self.broadcast_posts else None

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


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_reply_share(
    daily: Iterable[tuple[int, date, int, int]],
) -> dict[int, list[tuple[date, float]]]:
    """(account id, day, posts, replies) → each account's reply share per ISO week (the
    week's Monday, by the team's calendar day), as a percentage; weeks without posts are
    left out, as on the conversation health page."""
    weeks: dict[int, dict[date, list[int]]] = defaultdict(dict)
    for account_id, day, posts, replies in daily:
        counted = weeks[account_id].setdefault(monday(day), [0, 0])
        counted[0] += posts
        counted[1] += replies
    return {
        account_id: [
            (start, replies * 100 / posts)
            for start, (posts, replies) in sorted(by_week.items())
            if posts
        ]
        for account_id, by_week in weeks.items()
    }


def benchmark(
    accounts: Iterable[Account],
    *,
    counts: Mapping[int, PostCounts],
    levels: Mapping[int, Sequence[tuple[date, Decimal]]],
    weeks: float | None,
    top_posts: Mapping[int, Sequence[TopPost]] | None = None,
    freshness: Mapping[int, Freshness] | None = None,
) -> list[Benchmark]:
    """Own accounts, then competitors, each with its numbers over the period. `counts`,
    `levels`, `top_posts` and `freshness` are by account id; an account missing from them
    has nothing to count."""
    rows = []
    for account in sorted(accounts, key=lambda a: (a.is_competitor, a.platform, a.handle)):
        found = counts.get(account.pk, PostCounts())
        rows.append(
            Benchmark(
                account=account,
                posts=found.posts,
                replies=found.replies,
                engagements=found.engagements,
                engaged_posts=found.engaged_posts,
                levels=tuple(levels.get(account.pk, ())),
                weeks=weeks,
                with_posts=found.with_posts,
                broadcast_posts=found.broadcast_posts,
                top_posts=tuple((top_posts or {}).get(account.pk, ())),
                freshness=(freshness or {}).get(account.pk, Freshness()),
            )
        )
    return rows
