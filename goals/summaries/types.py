"""The shape of a quarterly summary snapshot: the numbers a summary was made from.

A snapshot is stored (JSON) with each generated document, so a summary downloaded again
later is the same document even if the data changed since. Every format is rendered from
a snapshot only: no format reads the database. Dates are ISO strings ("2026-09-30"),
datetimes ISO with offset, numbers floats (None when unknown); fractions (progress,
shares) are 0..1 floats, never percents.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class QuarterInfo(TypedDict):
    code: str  # "2026-Q3"
    label: str  # "2026 Q3"
    start: str
    end: str


class Freshness(TypedDict):
    account: str  # "X (Twitter) @loomwellroast"
    platform: str
    competitor: bool
    data_up_to: str | None  # last day with an observation or a post


class CheckInInfo(TypedDict):
    date: str
    value: float | None
    confidence: str
    note: str


class KeyResultSummary(TypedDict):
    id: int
    name: str
    metric_key: str
    metric_label: str  # "Reply share" or "Manual"
    unit: str
    direction: str  # increase | decrease | band
    baseline: float
    target: float | None
    band_low: float | None
    band_high: float | None
    start_date: str
    due_date: str
    weight: float
    value_at_start: float | None  # at the quarter's start (or the key result's, if later)
    value_at_end: float | None  # at the quarter's end (or the as-of day, if earlier)
    as_of: str | None  # the last day with data used for value_at_end
    previous_value: float | None  # the same measure at the previous quarter's end
    change_vs_previous: float | None  # value_at_end - previous_value
    progress: float | None  # fraction, unclamped
    expected_at_end: float | None  # the pacing value at the quarter's end
    status: str  # achieved | on_track | at_risk | off_track | no_data | stale | not_started
    status_label: str
    forecast_at_due: float | None  # only when the key result runs past the quarter
    forecast_low: float | None
    forecast_high: float | None
    latest_check_in: CheckInInfo | None
    series: list[tuple[str, float]]  # (day, value) for charts


class ObjectiveSummary(TypedDict):
    title: str
    owner: str
    weight: float
    progress: float | None
    key_results: list[KeyResultSummary]


class StrategySummary(TypedDict):
    name: str
    status: str
    period_start: str
    period_end: str
    purpose: str
    progress: float | None
    objectives: list[ObjectiveSummary]


class Mix(TypedDict):
    conversation: float | None  # share of posts, 0..1 (planned: the strategy's share)
    sharing: float | None
    helpful: float | None
    promotional: float | None


class ConversationNumbers(TypedDict):
    posts: int
    mix: Mix
    reply_share: float | None
    with_at_ratio: float | None
    people_addressed: int
    new_people: int
    questions: int


class ConversationSummary(TypedDict):
    planned_mix: Mix | None
    current: ConversationNumbers
    previous: ConversationNumbers


class PostSummary(TypedDict):
    account: str
    published_at: str
    text: str
    permalink: str  # may be "" ; only http(s) links are rendered as links
    engagements: float | None
    likes: float | None
    replies: float | None


class CompetitorRow(TypedDict):
    account: str
    competitor: bool
    follower_growth: float | None  # fraction
    posts_per_week: float | None
    engagement_per_post: float | None
    # Since the public competitor sync; snapshots stored before it lack these.
    reply_share: NotRequired[float | None]  # fraction
    with_at: NotRequired[float | None]  # posts with people per broadcast
    top_post: NotRequired[PostSummary | None]  # the most engaging post of the quarter


class AnnotationSummary(TypedDict):
    date: str
    end_date: str | None  # the last day of a range
    title: str
    note: str
    scope: str  # "Team-wide", "Account: …", "Key result: …"
    account: str | None
    key_result: str | None


class Summary(TypedDict):
    version: int
    team: str
    team_slug: str
    time_zone: str
    quarter: QuarterInfo
    previous_quarter: QuarterInfo
    strategy_filter: str | None  # the one strategy asked for, else None (all active in quarter)
    generated_at: str
    generated_by: str
    freshness: list[Freshness]
    strategies: list[StrategySummary]
    conversation: ConversationSummary
    top_posts: list[PostSummary]
    threads: list[PostSummary]  # the posts that drew the most replies
    competitors: list[CompetitorRow]
    follower_series: dict[str, list[tuple[str, float]]]  # account -> (day, followers)
    # The team's annotations that touch the quarter. Snapshots stored before annotations
    # existed have none: read with .get("annotations", []).
    annotations: NotRequired[list[AnnotationSummary]]
    # account -> (week's Monday, reply share in %); absent from older snapshots.
    reply_share_weeks: NotRequired[dict[str, list[tuple[str, float]]]]
