"""Derived daily observations: the conversation metrics, computed from posts.

After an import, the days it touched are recomputed for each account. Platform counts
that exist per post (impressions, likes, ...) are summed by publication day too, but a
number imported from a daily file always wins over the sum from posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from metrics.ingest.records import PostKind
from metrics.models import InboundMention, MetricObservation, ObservationSource, Post
from metrics.responses import is_due
from metrics.writer import Row, UpsertCounts, Upserter

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

_FIELDS = [
    "local_date",
    "kind",
    "addressed",
    "is_question",
    "is_promotional",
    "shares_others_link",
    *POST_COUNT_METRICS,
]


def observation_upserter(job_id: int | None = None, *, exclusive: bool = False) -> Upserter:
    def keep_imported(old: Row, new: Row) -> Row | None:
        # (account, metric, date, value, source, job): a derived number never replaces one
        # the platform reported (in a file or through its API).
        if new[4] == ObservationSource.ROLLUP and old[4] != ObservationSource.ROLLUP:
            return None
        return new

    return Upserter(
        MetricObservation._meta.db_table,
        keys=[("account_id", "int"), ("metric", "text"), ("date", "date")],
        values=[("value", "decimal"), ("source", "text"), ("import_job_id", "int")],
        merge=keep_imported,
        not_compared=["import_job_id"],
        exclusive=exclusive,
    )


def daily_conversation_metrics(posts: Iterable[dict[str, Any]]) -> dict[date, dict[str, Decimal]]:
    """Per day: posts by kind, questions, promotion, people addressed, with and at counts."""
    days: dict[date, dict[str, Any]] = defaultdict(
        lambda: {
            "counts": defaultdict(int),
            "people": set(),
            "sums": defaultdict(int),
            "known": set(),
        }
    )
    for post in posts:
        day = days[post["local_date"]]
        counts = day["counts"]
        kind = post["kind"]
        addressed = post["addressed"] or []
        counts["posts"] += 1
        counts[
            {"original": "originals", "reply": "replies", "reshare": "reshares", "quote": "quotes"}[
                kind
            ]
        ] += 1
        counts["questions"] += bool(post["is_question"])
        counts["promo_posts"] += bool(post["is_promotional"])
        counts["others_links"] += bool(post["shares_others_link"])
        speaks_with = kind != PostKind.ORIGINAL or bool(addressed)
        counts["with_posts"] += speaks_with
        counts["broadcast_posts"] += kind == PostKind.ORIGINAL and not addressed
        counts["mention_posts"] += kind != PostKind.RESHARE and bool(addressed)
        day["people"].update(addressed)
        for column, metric in POST_COUNT_METRICS.items():
            if post[column] is not None:
                day["sums"][metric] += post[column]
                day["known"].add(metric)

    result: dict[date, dict[str, Decimal]] = {}
    for when, data in days.items():
        counts = data["counts"]
        metrics = {
            key: Decimal(counts[key])
            for key in (
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
        }
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


def rollup_account_days(
    *, account_id: int, days: Iterable[date], job_id: int | None = None
) -> UpsertCounts:
    """Recompute the derived daily observations of one account for the given days."""
    wanted = sorted(set(days))
    upserter = observation_upserter(job_id)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        posts = Post.objects.filter(account_id=account_id, local_date__in=chunk).values(*_FIELDS)
        for day, metrics in sorted(
            daily_conversation_metrics(posts.iterator(chunk_size=5000)).items()
        ):
            for metric, value in metrics.items():
                upserter.add((account_id, metric, day, value, ObservationSource.ROLLUP, job_id))
    return upserter.flush()


def rollup_mention_days(
    *, account_id: int, days: Iterable[date], now: datetime, limit: timedelta
) -> UpsertCounts:
    """Recompute the inbound conversation's daily numbers of one account for the given
    days (the day a mention came in): received, answered, and due an answer by `now`."""
    wanted = sorted(set(days))
    upserter = observation_upserter()
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
                    (account_id, metric, day, Decimal(value), ObservationSource.ROLLUP, None)
                )
    return upserter.flush()
