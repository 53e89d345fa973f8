"""The metric catalogue: the single registry of every number a key result can track.

Each metric has a kind that fixes how it aggregates over a window (DESIGN.md):
- stock: a level (followers); value at a date = latest observation on or before it.
- flow: a daily count (impressions); over a window = sum.
- ratio: numerator / denominator, each a flow; over a window = sum(num) / sum(den),
  a ratio of sums, never a mean of daily ratios.
- distinct: distinct handles from posts (people addressed); not additive across days.
- percentile: a percentile of response times of the inbound mentions received in the
  window (median, 90th); computed from the mentions themselves, never from daily rows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    STOCK = "stock"
    FLOW = "flow"
    RATIO = "ratio"
    DISTINCT = "distinct"
    PERCENTILE = "percentile"


class Unit(enum.StrEnum):
    COUNT = "count"
    PERCENT = "%"
    RATIO = "ratio"
    PEOPLE = "people"
    MINUTES = "min"


class Source(enum.StrEnum):
    PLATFORM = "platform"  # reported by the platform (exports, APIs)
    CONVERSATION = "conversation"  # derived from our own posts by the classifier and rollup
    LISTENING = "listening"  # from public topic posts (the listening app computes them)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: Unit
    kind: Kind
    source: Source
    higher_is_better: bool = True
    description: str = ""
    numerator: str | None = None
    denominator: str | None = None
    # Ratios shown as percentages are stored as fractions and multiplied for display.
    scale: int = 1
    percentile: int | None = None  # for Kind.PERCENTILE

    @property
    def aggregation(self) -> str:
        return {
            Kind.STOCK: "latest value on or before the date",
            Kind.FLOW: "sum over the window",
            Kind.RATIO: f"sum({self.numerator}) / sum({self.denominator}) over the window",
            Kind.DISTINCT: "distinct handles in posts over the window",
            Kind.PERCENTILE: f"{self.percentile}th percentile of the response times of "
            "mentions received in the window",
        }[self.kind]

    @property
    def is_derived(self) -> bool:
        """Computed from other numbers or from posts: never sent or imported directly."""
        return self.source is Source.LISTENING or self.kind in (
            Kind.RATIO,
            Kind.DISTINCT,
            Kind.PERCENTILE,
        )


MANUAL = "manual"

_METRICS: tuple[Metric, ...] = (
    # Platform numbers.
    Metric("followers", "Followers", Unit.COUNT, Kind.STOCK, Source.PLATFORM),
    Metric("following", "Following", Unit.COUNT, Kind.STOCK, Source.PLATFORM),
    Metric("impressions", "Impressions", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("reach", "Reach", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("engagements", "Engagements", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("likes", "Likes received", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("replies_received", "Replies received", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("reshares_received", "Reshares received", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("link_clicks", "Link clicks", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("video_views", "Video views", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("saves", "Saves", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric("profile_visits", "Profile visits", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric(
        "new_followers",
        "New followers",
        Unit.COUNT,
        Kind.FLOW,
        Source.PLATFORM,
        description="Follows gained that day (before unfollows).",
    ),
    Metric(
        "unfollows", "Unfollows", Unit.COUNT, Kind.FLOW, Source.PLATFORM, higher_is_better=False
    ),
    Metric(
        "net_followers",
        "Net new followers",
        Unit.COUNT,
        Kind.FLOW,
        Source.PLATFORM,
        description="Followers gained minus lost that day; can be negative.",
    ),
    Metric("watch_time_hours", "Watch time (hours)", Unit.COUNT, Kind.FLOW, Source.PLATFORM),
    Metric(
        "engagement_rate",
        "Engagement rate",
        Unit.PERCENT,
        Kind.RATIO,
        Source.PLATFORM,
        description="Engagements per impression.",
        numerator="engagements",
        denominator="impressions",
        scale=100,
    ),
    # The conversation itself, from the classifier.
    Metric(
        "posts",
        "Posts published",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Everything the account published: originals, replies, reshares, quotes.",
    ),
    Metric("originals", "Original posts", Unit.COUNT, Kind.FLOW, Source.CONVERSATION),
    Metric(
        "replies",
        "Replies sent",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Posts that answer someone else.",
    ),
    Metric(
        "reshares",
        "Reshares of others",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Retweets, boosts, reposts and shares of other accounts' posts.",
    ),
    Metric("quotes", "Quotes of others", Unit.COUNT, Kind.FLOW, Source.CONVERSATION),
    Metric(
        "questions",
        "Questions asked",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Posts whose own text (links left out) contains a question mark.",
    ),
    Metric(
        "promo_posts",
        "Promotional posts",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        higher_is_better=False,
        description="Posts whose links all point to the account's own domains.",
    ),
    Metric(
        "others_links", "Posts sharing others' links", Unit.COUNT, Kind.FLOW, Source.CONVERSATION
    ),
    Metric(
        "mention_posts",
        "Posts mentioning others",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Posts that address or @mention another account in their own text.",
    ),
    Metric(
        "with_posts",
        "Posts speaking with people",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Replies, reshares or quotes of others, and posts mentioning others.",
    ),
    Metric(
        "broadcast_posts",
        "Broadcast posts",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        higher_is_better=False,
        description="Original posts that address nobody.",
    ),
    Metric(
        "people_addressed",
        "People addressed by name",
        Unit.PEOPLE,
        Kind.DISTINCT,
        Source.CONVERSATION,
        description="Distinct other accounts replied to or @mentioned in the brand's own text.",
    ),
    Metric(
        "reply_share",
        "Reply share",
        Unit.PERCENT,
        Kind.RATIO,
        Source.CONVERSATION,
        description="Replies as a share of all posts.",
        numerator="replies",
        denominator="posts",
        scale=100,
    ),
    Metric(
        "with_at_ratio",
        "With:at ratio",
        Unit.RATIO,
        Kind.RATIO,
        Source.CONVERSATION,
        description="Posts speaking with people per broadcast post.",
        numerator="with_posts",
        denominator="broadcast_posts",
    ),
    # The conversation coming in (API connectors): do people who talk to the brand get
    # an answer, and how fast?
    Metric(
        "inbound_mentions",
        "Mentions received",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Posts by others mentioning or replying to the account (from its API).",
    ),
    Metric(
        "answered_mentions",
        "Mentions answered",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Mentions the account replied to, counted on the day the mention came.",
    ),
    Metric(
        "mentions_due",
        "Mentions due an answer",
        Unit.COUNT,
        Kind.FLOW,
        Source.CONVERSATION,
        description="Mentions answered, plus those left unanswered beyond the answer limit "
        "(MENTION_ANSWER_WITHIN_HOURS); newer unanswered ones are not yet due.",
    ),
    Metric(
        "response_rate",
        "Response rate",
        Unit.PERCENT,
        Kind.RATIO,
        Source.CONVERSATION,
        description="Mentions answered as a share of the mentions due an answer.",
        numerator="answered_mentions",
        denominator="mentions_due",
        scale=100,
    ),
    Metric(
        "median_response_minutes",
        "Median response time",
        Unit.MINUTES,
        Kind.PERCENTILE,
        Source.CONVERSATION,
        higher_is_better=False,
        description="Half of the answered mentions got their answer within this many minutes.",
        percentile=50,
    ),
    Metric(
        "p90_response_minutes",
        "Response time, 90th percentile",
        Unit.MINUTES,
        Kind.PERCENTILE,
        Source.CONVERSATION,
        higher_is_better=False,
        description="Nine in ten answered mentions got their answer within this many minutes.",
        percentile=90,
    ),
    # Listening: public posts on the team's topics and the people behind them (listening/).
    Metric(
        "topic_posts",
        "Topic posts",
        Unit.COUNT,
        Kind.FLOW,
        Source.LISTENING,
        description="Public posts collected on the team's topics, by day of publication.",
    ),
    Metric(
        "topic_people_engaged",
        "Topic people engaged",
        Unit.PEOPLE,
        Kind.DISTINCT,
        Source.LISTENING,
        description="Distinct authors of topic posts the brand replied to or addressed within "
        "7 days of one of their topic posts.",
    ),
    Metric(
        "topic_people_followed",
        "Topic people followed",
        Unit.PEOPLE,
        Kind.STOCK,
        Source.LISTENING,
        description="Authors of topic posts the brand's Mastodon and Bluesky accounts follow.",
    ),
    Metric(
        "topic_brand_mentions",
        "Topic posts mentioning the brand",
        Unit.COUNT,
        Kind.FLOW,
        Source.LISTENING,
    ),
    Metric(
        "topic_voice_mentions",
        "Topic posts mentioning the brand or a competitor",
        Unit.COUNT,
        Kind.FLOW,
        Source.LISTENING,
    ),
    Metric(
        "share_of_voice",
        "Share of voice",
        Unit.PERCENT,
        Kind.RATIO,
        Source.LISTENING,
        description="Topic posts mentioning the brand, as a share of those mentioning the brand "
        "or a competitor.",
        numerator="topic_brand_mentions",
        denominator="topic_voice_mentions",
        scale=100,
    ),
)

CATALOG: dict[str, Metric] = {metric.key: metric for metric in _METRICS}


# --- what the platforms call them --------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    """A platform's own name for a catalogue metric (a file title, a column header).

    When a platform renames a number it keeps measuring, both names are aliases of one
    metric, the newer with the date it appeared (as precisely as the platform announced
    it: a year, or a year and month), so a key result that spans the rename reads one
    series."""

    platform: str  # metrics.platforms.Platform value
    name: str  # as the platform writes it, compared in lower case
    metric: str
    since: str = ""  # "2025" or "2024-11": when this name replaced an older one
    note: str = ""


_META = ("facebook", "instagram")
ALIASES: tuple[Alias, ...] = (
    # Meta Business Suite's daily files, by their title line ("Facebook follows").
    *(Alias(p, "follows", "new_followers") for p in _META),
    *(Alias(p, "content interactions", "engagements") for p in _META),
    *(Alias(p, "link clicks", "link_clicks") for p in _META),
    *(Alias(p, "visits", "profile_visits") for p in _META),
    *(Alias(p, "profile visits", "profile_visits") for p in _META),
    *(Alias(p, "impressions", "impressions") for p in _META),
    *(
        Alias(
            p,
            "views",
            "impressions",
            since="2024",
            note="Meta replaced Impressions with Views (every time content is on screen, "
            "repeats included) on Instagram, then on Facebook.",
        )
        for p in _META
    ),
    *(Alias(p, "reach", "reach") for p in _META),
    *(
        Alias(
            p,
            "viewers",
            "reach",
            since="2025",
            note="Meta renamed Reach, the number of unique people who saw the content, to Viewers.",
        )
        for p in _META
    ),
    # TikTok Studio's Viewers.csv: the unique people who watched the account's videos.
    Alias("tiktok", "total viewers", "reach"),
    # YouTube Studio's report columns.
    Alias("youtube", "impressions", "impressions"),
    Alias(
        "youtube",
        "thumbnail impressions",
        "impressions",
        since="2025",
        note="YouTube renamed Impressions to Thumbnail impressions.",
    ),
    # LinkedIn's page exports.
    Alias("linkedin", "shares (total)", "reshares_received"),
    Alias(
        "linkedin",
        "reposts (total)",
        "reshares_received",
        since="2023",
        note="LinkedIn renamed Shares to Reposts.",
    ),
)
_BY_NAME: dict[tuple[str, str], Alias] = {(a.platform, a.name): a for a in ALIASES}


def metric_for(platform: str, name: str) -> str | None:
    """The catalogue metric a platform's name stands for, under any of its names."""
    alias = _BY_NAME.get((platform, " ".join(name.lower().split())))
    return alias.metric if alias is not None else None


def names_for(platform: str, metric: str) -> list[str]:
    """Every name a platform has given a metric, the newest first (for header lookups)."""
    found = [a for a in ALIASES if a.platform == platform and a.metric == metric]
    return [a.name for a in sorted(found, key=lambda a: a.since, reverse=True)]


def renames() -> list[Alias]:
    """The aliases that replaced an older name, for the documentation and the admin."""
    return [a for a in ALIASES if a.since]


# --- metrics computed outside metrics/ ------------------------------------------------------

# A source whose metrics another app computes registers its series function here (from its
# AppConfig.ready), so metrics.selectors serves every key result without importing that app.
# The function takes metrics.selectors.SeriesRequest objects, returns {key: Series}.
SeriesProvider = Callable[[Sequence[Any]], dict[int, Any]]
SERIES_PROVIDERS: dict[Source, SeriesProvider] = {}


def register_series_provider(source: Source, provider: SeriesProvider) -> None:
    SERIES_PROVIDERS[source] = provider


def get(key: str) -> Metric:
    try:
        return CATALOG[key]
    except KeyError:
        raise KeyError(f"Unknown metric {key!r}; known: {', '.join(CATALOG)}.") from None


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for forms: platform metrics, conversation metrics, manual."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for source, title in (
        (Source.PLATFORM, "Platform"),
        (Source.CONVERSATION, "Conversation"),
        (Source.LISTENING, "Listening"),
    ):
        groups.append(
            (
                title,
                [
                    (m.key, f"{m.label} ({m.kind}, {m.unit})")
                    for m in _METRICS
                    if m.source is source
                ],
            )
        )
    groups.append(("Other", [(MANUAL, "Manual (entered as check-ins)")]))
    return groups


def flat_keys() -> list[str]:
    return [*CATALOG, MANUAL]


def unit_for(key: str) -> str:
    return "" if key == MANUAL else str(get(key).unit)
