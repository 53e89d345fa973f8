"""Derived daily observations: the conversation metrics, computed from posts, and the
inbound conversation's daily numbers, computed from mentions.

After each ingest the days it touched are recomputed for its account. Platform counts
that exist per post (impressions, likes, ...) are summed by publication day too, but a
number imported from a daily file always wins over the sum from posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q

from metrics.ingest.records import PostKind
from metrics.ingest.rows import ObservationRow, observation_upserter
from metrics.ingest.writer import Row, UpsertCounts, Upserter
from metrics.models import InboundMention, MetricObservation, ObservationSource, Post
from metrics.responses import is_due

# Per-post count column -> catalogue metric.
POST_COUNT_METRICS = {
    "impressions": "impressions",
    "reach": "reach",
    "engagements": "engagements",
    "likes": "likes",
    "replies": "replies_received",
    "reshares": "reshares_received",
    "clicks": "link_clicks",
    "saves": "saves",
    "video_views": "video_views",
}

# The posts of a day counted by what they are.
_POST_COUNTS = (
    "posts",
    "originals",
    "replies",
    "reshares",
    "quotes",
    "questions",
    "promo_posts",
    "others_links",
    "with_posts",
    "broadcast_posts",
    "mention_posts",
)
# Every metric the rollup derives from posts (the mention metrics come from mentions).
DERIVED_FROM_POSTS = [
    *_POST_COUNTS,
    "people_addressed",
    "reply_share",
    "with_at_ratio",
    *POST_COUNT_METRICS.values(),
]

_FIELDS = [
    "local_date",
    "kind",
    "addressed",
    "is_question",
    "is_promotional",
    "shares_others_link",
    *POST_COUNT_METRICS,
]


def _derived_upserter() -> Upserter:
    def keep_reported(old: Row, new: Row) -> Row | None:
        # A derived number never replaces one the platform reported (file, API, bulk).
        return new if ObservationRow._make(old).source == ObservationSource.ROLLUP else None

    return observation_upserter(merge=keep_reported)


_KIND_COUNT = {
    PostKind.ORIGINAL: "originals",
    PostKind.REPLY: "replies",
    PostKind.RESHARE: "reshares",
    PostKind.QUOTE: "quotes",
}
_SUMMED = list(enumerate(POST_COUNT_METRICS.values(), start=len(_FIELDS) - len(POST_COUNT_METRICS)))


def daily_conversation_metrics(
    posts: Iterable[Sequence[Any]],
) -> dict[date, dict[str, Decimal]]:
    """Per day: posts by kind, questions, promotion, people addressed, with and at counts.

    `posts` are rows of _FIELDS, in that order (a values_list: imports read them by the
    hundred thousand)."""
    days: dict[date, dict[str, Any]] = defaultdict(
        lambda: {
            "counts": defaultdict(int),
            "people": set(),
            "sums": defaultdict(int),
            "known": set(),
        }
    )
    for post in posts:
        local_date, kind, addressed, is_question, is_promotional, shares_others_link = post[:6]
        day = days[local_date]
        counts = day["counts"]
        counts["posts"] += 1
        counts[_KIND_COUNT[kind]] += 1
        counts["questions"] += bool(is_question)
        counts["promo_posts"] += bool(is_promotional)
        counts["others_links"] += bool(shares_others_link)
        original = kind == PostKind.ORIGINAL
        counts["with_posts"] += not original or bool(addressed)
        counts["broadcast_posts"] += original and not addressed
        counts["mention_posts"] += kind != PostKind.RESHARE and bool(addressed)
        if addressed:
            day["people"].update(addressed)
        for position, metric in _SUMMED:
            value = post[position]
            if value is not None:
                day["sums"][metric] += value
                day["known"].add(metric)

    result: dict[date, dict[str, Decimal]] = {}
    for when, data in days.items():
        counts = data["counts"]
        metrics = {key: Decimal(counts[key]) for key in _POST_COUNTS}
        metrics["people_addressed"] = Decimal(len(data["people"]))
        metrics["reply_share"] = (Decimal(counts["replies"]) / counts["posts"]).quantize(
            Decimal("0.0001")
        )
        if counts["broadcast_posts"]:
            metrics["with_at_ratio"] = (
                Decimal(counts["with_posts"]) / counts["broadcast_posts"]
            ).quantize(Decimal("0.0001"))
        for metric in data["known"]:
            metrics[metric] = Decimal(data["sums"][metric])
        result[when] = metrics
    return result


def rollup_account_days(*, account_id: int, days: Iterable[date]) -> UpsertCounts:
    """Recompute the derived daily observations of one account for the given days.

    A derived number that no longer follows from the posts (a ratio for a day left without
    broadcasts, any number for a day left without posts) is removed, so the rollup of a day
    depends on its posts only, never on what was derived before.
    """
    wanted = sorted(set(days))
    upserter = _derived_upserter()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        posts = Post.objects.filter(account_id=account_id, local_date__in=chunk).values_list(
            *_FIELDS
        )
        derived = daily_conversation_metrics(posts.iterator(chunk_size=5000))
        for day, metrics in sorted(derived.items()):
            for metric, value in metrics.items():
                upserter.add(
                    ObservationRow(account_id, metric, day, value, ObservationSource.ROLLUP, None)
                )
        stale = Q()
        for day in chunk:
            stale |= Q(date=day) & ~Q(metric__in=list(derived.get(day, {})))
        MetricObservation.objects.filter(
            stale,
            account_id=account_id,
            source=ObservationSource.ROLLUP,
            metric__in=DERIVED_FROM_POSTS,
        ).delete()
    return upserter.flush()


def rollup_mention_days(
    *, account_id: int, days: Iterable[date], now: datetime, limit: timedelta
) -> UpsertCounts:
    """Recompute the inbound conversation's daily numbers of one account for the given
    days (the day a mention came in): received, answered, and due an answer by `now`."""
    wanted = sorted(set(days))
    upserter = _derived_upserter()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        totals: dict[date, dict[str, int]] = {
            day: {"inbound_mentions": 0, "answered_mentions": 0, "mentions_due": 0} for day in chunk
        }
        mentions = InboundMention.objects.filter(
            account_id=account_id, local_date__in=chunk, needs_answer=True
        ).values_list("local_date", "published_at", "answered_at")
        for day, published_at, answered_at in mentions.iterator(chunk_size=5000):
            counts = totals[day]
            counts["inbound_mentions"] += 1
            counts["answered_mentions"] += answered_at is not None
            counts["mentions_due"] += is_due(
                published_at=published_at, answered_at=answered_at, now=now, limit=limit
            )
        for day, counts in totals.items():
            for metric, value in counts.items():
                upserter.add(
                    ObservationRow(
                        account_id, metric, day, Decimal(value), ObservationSource.ROLLUP, None
                    )
                )
    return upserter.flush()
