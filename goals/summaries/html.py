"""The quarterly summary as an HTML document: interactive Plotly charts in the browser, or
PNG images (`goals.summaries.static_charts`) when the page is printed to PDF
(`goals.summaries.pdf`).

Rendered from a snapshot (`goals.summaries.types.Summary`) only: nothing here reads the
database, so a summary downloaded again later is the same document. The snapshot's strings
reach the page through Django's autoescaping only; links only from http(s) permalinks (the
`http_url` filter).

Charts: Plotly figures (the JSON in `<script type="application/json">`, drawn by
plotly.min.js from the static files); for the PDF, `data:` URI images, since no script runs
there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Final, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.template.loader import render_to_string

from goals import charts
from goals.annotations.marks import Mark
from goals.conversation import MIX_LABELS, MIX_RULE
from goals.summaries.static_charts import (
    ProgressRow,
    followers_chart_png,
    mix_chart_png,
    png_uri,
    progress_chart_png,
    reply_share_chart_png,
)
from goals.summaries.types import (
    AnnotationSummary,
    CheckInInfo,
    ConversationNumbers,
    KeyResultSummary,
    Mix,
    PostSummary,
    Summary,
)
from goals.templatetags.tracker import num

TEMPLATE: Final = "goals/summary.html"
_STATUSES: Final = frozenset(
    {"achieved", "on_track", "at_risk", "off_track", "no_data", "stale", "not_started"}
)
_PROGRESS_ROWS_PER_IMAGE: Final = 20  # at most 7.1 in high: fits on an A4 page with a heading
_PLANNED: Final = "#8a94a6"
_QUARTER_COLOURS: Final = ("#2f5bd3", "#b7c5ee")  # this quarter, the previous one


# --- snapshot values as the template shows them ---------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else fraction * 100


def _signed(value: float | None, suffix: str = "") -> str:
    """+12, -3.50, 0 (the `num` format with a sign); None -> '—'."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + num(value) + suffix


def _difference(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else current - previous


def _time_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass
class Forecast:
    at_due: float
    low: float | None
    high: float | None


@dataclass
class KeyResultRow:
    name: str
    metric_label: str
    unit: str
    direction: str
    band: bool
    baseline: float
    target: float | None
    band_low: float | None
    band_high: float | None
    start_date: date | None
    due_date: date | None
    value_at_start: float | None
    value_at_end: float | None
    as_of: date | None
    percent: float | None
    expected: float | None
    expected_percent: float | None
    status: str
    status_label: str
    previous_value: float | None
    change: str
    forecast: Forecast | None
    check_in: CheckInInfo | None
    check_in_date: date | None


@dataclass
class ObjectiveBlock:
    title: str
    owner: str
    weight: float
    percent: float | None
    key_results: list[KeyResultRow]


@dataclass
class StrategyBlock:
    name: str
    status: str
    period_start: date | None
    period_end: date | None
    purpose: str
    percent: float | None
    objectives: list[ObjectiveBlock]
    progress_charts: list[Chart] = field(default_factory=list)


@dataclass
class HealthRow:
    label: str
    current: str
    previous: str
    change: str


@dataclass
class MixRow:
    label: str
    planned: float | None
    current: float | None
    previous: float | None


@dataclass
class PostRow:
    account: str
    published_at: datetime | None
    text: str
    permalink: str
    engagements: float | None
    likes: float | None
    replies: float | None


@dataclass
class Chart:
    """One chart: Plotly figure JSON for the HTML, or a `data:` URI image for the PDF."""

    key: str
    title: str
    description: str
    figure_json: str = ""
    image_uri: str = ""
    height: int = 320


@dataclass
class _Charts:
    mix_groups: dict[str, Sequence[float | None]] = field(default_factory=dict)
    mix_colours: list[str] = field(default_factory=list)
    followers: dict[str, Sequence[tuple[date, float]]] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)  # on the followers chart
    # (account, is competitor, [(week's Monday, reply share %)])
    reply_share: list[tuple[str, bool, Sequence[tuple[date, float]]]] = field(default_factory=list)


def expected_percent(kr: KeyResultSummary) -> float | None:
    """The progress the key result should have at the quarter's end, in percent: where the
    pacing value sits on the way from baseline to target. None for a band (no target)."""
    target, expected = kr["target"], kr["expected_at_end"]
    if kr["direction"] == "band" or target is None or expected is None:
        return None
    if target == kr["baseline"]:
        return None
    return (expected - kr["baseline"]) / (target - kr["baseline"]) * 100


def _key_result_row(kr: KeyResultSummary) -> KeyResultRow:
    forecast = None
    if kr["forecast_at_due"] is not None:
        forecast = Forecast(kr["forecast_at_due"], kr["forecast_low"], kr["forecast_high"])
    check_in = kr["latest_check_in"]
    return KeyResultRow(
        name=kr["name"],
        metric_label=kr["metric_label"],
        unit=kr["unit"],
        direction=kr["direction"],
        band=kr["direction"] == "band",
        baseline=kr["baseline"],
        target=kr["target"],
        band_low=kr["band_low"],
        band_high=kr["band_high"],
        start_date=_day(kr["start_date"]),
        due_date=_day(kr["due_date"]),
        value_at_start=kr["value_at_start"],
        value_at_end=kr["value_at_end"],
        as_of=_day(kr["as_of"]),
        percent=_percent(kr["progress"]),
        expected=kr["expected_at_end"],
        expected_percent=expected_percent(kr),
        status=kr["status"] if kr["status"] in _STATUSES else "no_data",
        status_label=kr["status_label"],
        previous_value=kr["previous_value"],
        change=_signed(kr["change_vs_previous"]),
        forecast=forecast,
        check_in=check_in,
        check_in_date=_day(check_in["date"]) if check_in else None,
    )


def _strategies(summary: Summary) -> list[StrategyBlock]:
    return [
        StrategyBlock(
            name=s["name"],
            status=s["status"],
            period_start=_day(s["period_start"]),
            period_end=_day(s["period_end"]),
            purpose=s["purpose"],
            percent=_percent(s["progress"]),
            objectives=[
                ObjectiveBlock(
                    title=o["title"],
                    owner=o["owner"],
                    weight=o["weight"],
                    percent=_percent(o["progress"]),
                    key_results=[_key_result_row(kr) for kr in o["key_results"]],
                )
                for o in s["objectives"]
            ],
        )
        for s in summary["strategies"]
    ]


def _pct_text(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.0f}%"


def _health_rows(current: ConversationNumbers, previous: ConversationNumbers) -> list[HealthRow]:
    def share_change(a: float | None, b: float | None) -> str:
        d = _difference(a, b)
        return "—" if d is None else _signed(round(d * 100), " pts")

    return [
        HealthRow(
            "Posts",
            num(current["posts"]),
            num(previous["posts"]),
            _signed(current["posts"] - previous["posts"]),
        ),
        HealthRow(
            "Reply share",
            _pct_text(current["reply_share"]),
            _pct_text(previous["reply_share"]),
            share_change(current["reply_share"], previous["reply_share"]),
        ),
        HealthRow(
            "With:at ratio",
            num(current["with_at_ratio"]),
            num(previous["with_at_ratio"]),
            _signed(_difference(current["with_at_ratio"], previous["with_at_ratio"])),
        ),
        HealthRow(
            "People addressed (new)",
            f"{num(current['people_addressed'])} ({num(current['new_people'])} new)",
            f"{num(previous['people_addressed'])} ({num(previous['new_people'])} new)",
            _signed(current["people_addressed"] - previous["people_addressed"]),
        ),
        HealthRow(
            "Questions asked",
            num(current["questions"]),
            num(previous["questions"]),
            _signed(current["questions"] - previous["questions"]),
        ),
    ]


def _mix_percents(mix: Mix | None) -> list[float | None]:
    if mix is None:
        return [None] * len(MIX_LABELS)
    shares = cast(dict[str, float | None], mix)
    return [_percent(shares.get(key)) for key in MIX_LABELS]


def _posts(posts: Sequence[PostSummary]) -> list[PostRow]:
    return [
        PostRow(
            account=p["account"],
            published_at=_moment(p["published_at"]),
            text=p["text"],
            permalink=p["permalink"],
            engagements=p["engagements"],
            likes=p["likes"],
            replies=p["replies"],
        )
        for p in posts
    ]


def annotation_marks(annotations: Sequence[AnnotationSummary]) -> list[Mark]:
    return [
        Mark(
            day=date.fromisoformat(a["date"]),
            end=_day(a["end_date"]),
            title=a["title"],
            note=a["note"],
            scope=a["scope"],
        )
        for a in annotations
    ]


def _chart_data(summary: Summary) -> _Charts:
    data = _Charts()
    conversation = summary["conversation"]
    if conversation["planned_mix"] is not None:
        data.mix_groups["Planned"] = _mix_percents(conversation["planned_mix"])
        data.mix_colours.append(_PLANNED)
    data.mix_groups[summary["quarter"]["label"]] = _mix_percents(conversation["current"]["mix"])
    data.mix_groups[summary["previous_quarter"]["label"]] = _mix_percents(
        conversation["previous"]["mix"]
    )
    data.mix_colours.extend(_QUARTER_COLOURS)
    for account, points in summary["follower_series"].items():
        if points:
            data.followers[account] = [(date.fromisoformat(d), float(v)) for d, v in points]
    # The followers chart covers accounts, not one key result: team-wide and account ones.
    data.marks = annotation_marks(
        [a for a in summary.get("annotations", []) if a["key_result"] is None]
    )
    competitor = {c["account"]: c["competitor"] for c in summary["competitors"]}
    for account, weeks in summary.get("reply_share_weeks", {}).items():
        data.reply_share.append(
            (
                account,
                competitor.get(account, False),
                [(date.fromisoformat(d), float(v)) for d, v in weeks],
            )
        )
    return data


def _progress_charts(number: int, strategy: StrategyBlock, *, for_pdf: bool) -> list[Chart]:
    """The strategy's progress chart: one Plotly figure in the HTML; in the PDF as few images
    of at most _PROGRESS_ROWS_PER_IMAGE key results as needed, so that each fits on a page."""
    rows: list[ProgressRow] = [
        (kr.name, kr.percent, kr.expected_percent, kr.status)
        for o in strategy.objectives
        for kr in o.key_results
    ]
    if not rows:
        return []
    title = "Progress per key result"
    description = (
        "Bars: progress toward each target at the quarter's end (status colour); "
        "black mark: where it was expected to be. Bands have no bar."
    )
    if not for_pdf:
        figure = charts.progress_bars_figure(rows)
        height = 110 + 30 * len(rows)
        return [
            Chart(f"progress-{number}", title, description, charts.to_json(figure), height=height)
        ]
    count = -(-len(rows) // _PROGRESS_ROWS_PER_IMAGE)  # as few images as fit, evenly filled
    size = -(-len(rows) // count)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    return [
        Chart(
            f"progress-{number}-{i}",
            title if len(chunks) == 1 else f"{title} ({i} of {len(chunks)})",
            description,
            image_uri=png_uri(progress_chart_png(chunk)),
        )
        for i, chunk in enumerate(chunks, start=1)
    ]


def _charts(data: _Charts, *, for_pdf: bool) -> dict[str, Chart]:
    mix = Chart(
        "mix",
        "Content mix: planned and actual",
        "Share of posts in each part of the mix, in percent.",
    )
    followers = Chart("followers", "Follower growth", "Followers per account, day by day.")
    reply_share = Chart(
        "reply-share",
        "Reply share per week",
        "Replies ÷ posts per week (Monday to Sunday), own accounts and competitors; "
        "competitors dashed.",
        height=340,
    )
    categories = list(MIX_LABELS.values())
    if for_pdf:
        mix.image_uri = png_uri(mix_chart_png(categories, data.mix_groups, data.mix_colours))
        followers.image_uri = png_uri(followers_chart_png(data.followers, data.marks))
        reply_share.image_uri = png_uri(reply_share_chart_png(data.reply_share))
    else:
        nan = float("nan")  # Plotly writes NaN as null: no bar, rather than a zero
        groups: dict[str, Sequence[float]] = {
            name: [nan if v is None else v for v in values]
            for name, values in data.mix_groups.items()
        }
        # Coloured as in the PDF: planned grey, the quarters blue.
        mix_figure = charts.bars_figure(
            categories, groups, unit="% of posts", colours=data.mix_colours
        )
        mix.figure_json = charts.to_json(mix_figure)
        followers.figure_json = charts.to_json(
            charts.add_annotations(
                charts.accounts_lines_figure(data.followers, unit="followers"), data.marks
            )
        )
        reply_share.figure_json = charts.to_json(charts.reply_share_weeks_figure(data.reply_share))
    return {"mix": mix, "followers": followers, "reply_share": reply_share}


def summary_context(summary: Summary, *, for_pdf: bool = False) -> dict[str, Any]:
    strategies = _strategies(summary)
    for number, strategy in enumerate(strategies, start=1):
        strategy.progress_charts = _progress_charts(number, strategy, for_pdf=for_pdf)
    conversation = summary["conversation"]
    current, previous = conversation["current"], conversation["previous"]
    return {
        "for_pdf": for_pdf,
        "summary": summary,
        "time_zone": _time_zone(summary["time_zone"]),
        "quarter_start": _day(summary["quarter"]["start"]),
        "quarter_end": _day(summary["quarter"]["end"]),
        "previous_start": _day(summary["previous_quarter"]["start"]),
        "previous_end": _day(summary["previous_quarter"]["end"]),
        "generated_at": _moment(summary["generated_at"]),
        "freshness": [{**f, "day": _day(f["data_up_to"])} for f in summary["freshness"]],
        "strategies": strategies,
        "health": _health_rows(current, previous),
        "has_planned_mix": conversation["planned_mix"] is not None,
        "mix": [
            MixRow(label, planned, now, before)
            for label, planned, now, before in zip(
                MIX_LABELS.values(),
                _mix_percents(conversation["planned_mix"]),
                _mix_percents(current["mix"]),
                _mix_percents(previous["mix"]),
                strict=True,
            )
        ],
        "mix_rule": MIX_RULE,
        "top_posts": _posts(summary["top_posts"]),
        "threads": _posts(summary["threads"]),
        "competitors": [
            {
                **c,
                "follower_growth_percent": _percent(c["follower_growth"]),
                "reply_share_percent": _percent(c.get("reply_share")),
                "top": _posts([top])[0] if (top := c.get("top_post")) else None,
            }
            for c in summary["competitors"]
        ],
        "has_posture": any("reply_share" in c for c in summary["competitors"]),
        "charts": _charts(_chart_data(summary), for_pdf=for_pdf),
        "annotations": [
            {**a, "day": _day(a["date"]), "last_day": _day(a["end_date"])}
            for a in summary.get("annotations", [])
        ],
    }


def summary_html(summary: Summary, *, for_pdf: bool = False) -> str:
    """The summary as a standalone, printable HTML document (A4 print CSS).

    for_pdf=False: interactive Plotly charts (plotly.min.js from the static files);
    for_pdf=True: the charts as PNG `data:` URIs and no script, for WeasyPrint.
    """
    return render_to_string(TEMPLATE, summary_context(summary, for_pdf=for_pdf))
