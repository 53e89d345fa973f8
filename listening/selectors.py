"""Reads that join or aggregate: the people to engage, ranked, and the listening metrics of
the catalogue (topic_posts, topic_people_engaged, topic_people_followed, share_of_voice)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from listening import ranking
from listening import terms as topic_terms
from listening.models import TopicAuthor, TopicMatch, TopicPost
from metrics import catalog
from metrics.models import Account, Post
from metrics.platforms.identity import canonical_handle
from metrics.selectors import WINDOW_DAYS, Series, SeriesRequest
from teams.models import Team

ENGAGED_WITHIN = timedelta(days=7)


class State:
    NEW = "new"
    ENGAGED = "engaged"
    FOLLOWED = "followed"
    DISMISSED = "dismissed"

    CHOICES = (
        (NEW, "Not yet engaged"),
        (ENGAGED, "Engaged"),
        (FOLLOWED, "Followed"),
        (DISMISSED, "Dismissed"),
    )


@dataclass
class Voices:
    """The brand's and the competitors' handles (per platform) and names: who is not a
    person to engage, and whom a topic post mentions (share of voice)."""

    own_handles: dict[str, set[str]] = field(default_factory=dict)
    rival_handles: dict[str, set[str]] = field(default_factory=dict)
    own_names: list[str] = field(default_factory=list)
    rival_names: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, team_id: int) -> Voices:
        voices = cls()
        for platform, handle, name, rival in Account.objects.filter(team_id=team_id).values_list(
            "platform", "handle", "display_name", "is_competitor"
        ):
            handles = voices.rival_handles if rival else voices.own_handles
            names = voices.rival_names if rival else voices.own_names
            handles.setdefault(platform, set()).add(canonical_handle(platform, handle))
            name = topic_terms.normalise(name.strip())
            if len(name) >= 4 and name not in names:
                names.append(name)
        return voices

    def is_own_or_rival(self, platform: str, handle: str) -> bool:
        return handle in self.own_handles.get(platform, ()) or handle in self.rival_handles.get(
            platform, ()
        )

    @staticmethod
    def _names(
        platform: str, text: str, mentions: Iterable[str], handles: set[str], names: list[str]
    ) -> bool:
        if handles.intersection(mentions):
            return True
        folded = topic_terms.normalise(text)
        return any(name in folded for name in names)

    def mentions_brand(self, platform: str, text: str, mentions: Iterable[str]) -> bool:
        return self._names(
            platform, text, mentions, self.own_handles.get(platform, set()), self.own_names
        )

    def mentions_rival(self, platform: str, text: str, mentions: Iterable[str]) -> bool:
        return self._names(
            platform, text, mentions, self.rival_handles.get(platform, set()), self.rival_names
        )


# --- people to engage ------------------------------------------------------------------------


@dataclass
class PersonRow:
    author_id: int
    team_id: int
    platform: str
    handle: str
    display_name: str
    profile_url: str
    score: float
    latest: datetime
    posts: int
    engaged_at: datetime | None
    followed: bool
    dismissed: bool
    matching: list[TopicPost] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.dismissed:
            return State.DISMISSED
        if self.engaged_at is not None:
            return State.ENGAGED
        if self.followed:
            return State.FOLLOWED
        return State.NEW


def engaged_people(
    team_ids: Iterable[int], *, account_ids: Iterable[int] | None = None
) -> dict[tuple[int, str, str], datetime]:
    """(team, platform, handle) → when the team's own posts last replied to or addressed
    them (Post.addressed, filled by the classifier from imports and connectors alike)."""
    posts = Post.objects.filter(
        account__team_id__in=list(team_ids), account__is_competitor=False
    ).exclude(addressed=[])
    if account_ids is not None:
        posts = posts.filter(account_id__in=list(account_ids))
    found: dict[tuple[int, str, str], datetime] = {}
    for team_id, platform, addressed, published in posts.values_list(
        "account__team_id", "account__platform", "addressed", "published_at"
    ):
        for handle in addressed or ():
            key = (team_id, platform, handle)
            if key not in found or found[key] < published:
                found[key] = published
    return found


def people_to_engage(
    *,
    team_ids: Sequence[int],
    now: datetime,
    topic_id: int | None = None,
    platform: str = "",
    state: str = "",
) -> list[PersonRow]:
    """Authors of topic posts, best first (listening.ranking), without the brand's own and
    competitors' accounts. `state` keeps one state; '' keeps all but the dismissed.
    Four queries whatever the number of people."""
    posts = TopicPost.objects.filter(team_id__in=list(team_ids))
    if topic_id is not None:
        posts = posts.filter(matches__topic_id=topic_id)
    if platform:
        posts = posts.filter(platform=platform)
    signals: dict[int, list[ranking.PostSignal]] = defaultdict(list)
    for author_id, terms, published, likes, replies, reshares in posts.values_list(
        "author_id", "term_count", "published_at", "likes", "replies", "reshares"
    ):
        signals[author_id].append(ranking.PostSignal(terms, published, likes + replies + reshares))
    # By team, not by a list of 20,000 ids: one indexed range, the same rows.
    authors = {
        row["pk"]: row
        for row in TopicAuthor.objects.filter(team_id__in=list(team_ids)).values(
            "pk",
            "team_id",
            "platform",
            "handle",
            "display_name",
            "profile_url",
            "followed_at",
            "unfollowed_at",
            "dismissed_at",
        )
        if row["pk"] in signals
    }
    voices = {team_id: Voices.of(team_id) for team_id in team_ids}
    engaged = engaged_people(team_ids)
    rows: list[PersonRow] = []
    for ranked in ranking.rank(signals, now):
        author = authors.get(ranked.key)
        if author is None:
            continue
        team_voices = voices.get(author["team_id"])
        if team_voices is not None and team_voices.is_own_or_rival(
            author["platform"], author["handle"]
        ):
            continue
        row = PersonRow(
            author_id=ranked.key,
            team_id=author["team_id"],
            platform=author["platform"],
            handle=author["handle"],
            display_name=author["display_name"],
            profile_url=author["profile_url"],
            score=ranked.score,
            latest=ranked.latest,
            posts=len(signals[ranked.key]),
            engaged_at=engaged.get((author["team_id"], author["platform"], author["handle"])),
            followed=author["followed_at"] is not None and author["unfollowed_at"] is None,
            dismissed=author["dismissed_at"] is not None,
        )
        if (state and row.state != state) or (not state and row.dismissed):
            continue
        rows.append(row)
    return rows


def attach_matching_posts(
    rows: Sequence[PersonRow], *, topic_id: int | None = None, per_person: int = 3
) -> None:
    """The latest matching posts of each row's person (one query for the page)."""
    posts = TopicPost.objects.filter(author_id__in=[r.author_id for r in rows]).order_by(
        "-published_at"
    )
    if topic_id is not None:
        posts = posts.filter(matches__topic_id=topic_id)
    by_author: dict[int, list[TopicPost]] = defaultdict(list)
    for post in posts.prefetch_related("matches"):
        if len(by_author[post.author_id]) < per_person:
            by_author[post.author_id].append(post)
    for row in rows:
        row.matching = by_author.get(row.author_id, [])


def topic_post_counts(topic_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        TopicMatch.objects.filter(topic_id__in=list(topic_ids))
        .values_list("topic_id")
        .annotate(n=Count("pk"))
        .values_list("topic_id", "n")
    )


def topic_posts(qs: QuerySet[TopicPost], *, topic_id: int | None = None) -> QuerySet[TopicPost]:
    if topic_id is not None:
        qs = qs.filter(matches__topic_id=topic_id)
    return qs.select_related("author")


# --- the listening metrics of the catalogue -----------------------------------------------------


def _window_start(request: SeriesRequest) -> date:
    days = WINDOW_DAYS.get(request.window)
    return request.start - timedelta(days=days - 1) if days else request.start


def _each_day(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _running(
    request: SeriesRequest, by_day: dict[date, Decimal], *, until: date | None = None
) -> list[tuple[date, Decimal]]:
    """Sums since the start ("period") or over the last N days, up to the last day with data
    (or `until`)."""
    last = until or max((d for d in by_day if request.start <= d <= request.end), default=None)
    if last is None:
        return []
    days = WINDOW_DAYS.get(request.window)
    points, running = [], Decimal(0)
    for day in _each_day(request.start, last):
        if days:
            running = sum(
                (by_day.get(day - timedelta(days=k), Decimal(0)) for k in range(days)), Decimal(0)
            )
        else:
            running += by_day.get(day, Decimal(0))
        points.append((day, running))
    return points


def _teams_of(requests: Sequence[SeriesRequest]) -> dict[int, set[int]]:
    """Each request's teams: those of its accounts (the team's own accounts by default)."""
    account_team = dict(
        Account.objects.filter(pk__in={a for r in requests for a in r.account_ids}).values_list(
            "pk", "team_id"
        )
    )
    return {r.key: {account_team[a] for a in r.account_ids if a in account_team} for r in requests}


def _daily_post_counts(
    team_ids: set[int], start: date, end: date, condition: Q
) -> dict[date, Decimal]:
    rows = (
        TopicPost.objects.filter(condition, team_id__in=team_ids, local_date__range=(start, end))
        .values_list("local_date")
        .annotate(n=Count("pk"))
        .values_list("local_date", "n")
    )
    return {day: Decimal(n) for day, n in rows}


_FLOW_CONDITIONS = {
    "topic_posts": Q(),
    "topic_brand_mentions": Q(mentions_brand=True),
    "topic_voice_mentions": Q(mentions_brand=True) | Q(mentions_competitor=True),
}


def listening_series(requests: Sequence[SeriesRequest]) -> dict[int, Series]:
    """The series of key results on listening metrics (registered with the catalogue)."""
    teams = _teams_of(requests)
    result: dict[int, Series] = {}
    for request in requests:
        team_ids = teams.get(request.key, set())
        if not team_ids or request.end < request.start:
            result[request.key] = Series()
            continue
        metric = catalog.get(request.metric)
        if request.metric in _FLOW_CONDITIONS:
            counts = _daily_post_counts(
                team_ids, _window_start(request), request.end, _FLOW_CONDITIONS[request.metric]
            )
            points = _running(request, counts)
            result[request.key] = Series(
                [(d, float(v)) for d, v in points], points[-1][0] if points else None
            )
        elif metric.kind is catalog.Kind.RATIO:
            first, last = _window_start(request), request.end
            den = _running(
                request,
                _daily_post_counts(
                    team_ids, first, last, _FLOW_CONDITIONS[str(metric.denominator)]
                ),
            )
            # The numerator over the same days, carried to the denominator's last one.
            num = dict(
                _running(
                    request,
                    _daily_post_counts(
                        team_ids, first, last, _FLOW_CONDITIONS[str(metric.numerator)]
                    ),
                    until=den[-1][0] if den else None,
                )
            )
            ratio = [(d, float(num.get(d, Decimal(0)) / v) * metric.scale) for d, v in den if v]
            result[request.key] = Series(ratio, ratio[-1][0] if ratio else None)
        elif request.metric == "topic_people_engaged":
            result[request.key] = _engaged_series(request, team_ids)
        elif request.metric == "topic_people_followed":
            result[request.key] = _followed_series(request, team_ids)
        else:
            result[request.key] = Series()
    return result


def _engaged_series(request: SeriesRequest, team_ids: set[int]) -> Series:
    """Distinct topic authors whom the request's accounts replied to or addressed within
    ENGAGED_WITHIN of one of their topic posts, counted on the day of the brand's post."""
    first = _window_start(request)
    topic_times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    excluded = {team_id: Voices.of(team_id) for team_id in team_ids}
    earliest = datetime.combine(first - ENGAGED_WITHIN - timedelta(days=1), datetime.min.time())
    for team_id, platform, handle, published in TopicPost.objects.filter(
        team_id__in=team_ids, local_date__gte=earliest.date(), local_date__lte=request.end
    ).values_list("team_id", "platform", "author__handle", "published_at"):
        if not excluded[team_id].is_own_or_rival(platform, handle):
            topic_times[(platform, handle)].append(published)
    by_day: dict[date, set[tuple[str, str]]] = defaultdict(set)
    own_posts = (
        Post.objects.filter(
            account_id__in=request.account_ids,
            account__is_competitor=False,
            local_date__range=(first, request.end),
        )
        .exclude(addressed=[])
        .values_list("account__platform", "addressed", "published_at", "local_date")
    )
    for platform, addressed, published, day in own_posts:
        for handle in addressed or ():
            times = topic_times.get((platform, handle))
            if times and any(t <= published <= t + ENGAGED_WITHIN for t in times):
                by_day[day].add((platform, handle))
    last = max((d for d in by_day if request.start <= d <= request.end), default=None)
    if last is None:
        return Series()
    days = WINDOW_DAYS.get(request.window)
    points, seen = [], set()
    for day in _each_day(request.start, last):
        if days:
            seen = set().union(*(by_day.get(day - timedelta(days=k), set()) for k in range(days)))
        else:
            seen |= by_day.get(day, set())
        points.append((day, float(len(seen))))
    return Series(points, last)


def _followed_series(request: SeriesRequest, team_ids: set[int]) -> Series:
    """Topic authors the brand follows, as a level on each day a follow check changed it."""
    spans: list[tuple[date, date | None]] = []
    # Days as each team counts them.
    tz_of = {team.pk: team.tzinfo for team in Team.objects.filter(pk__in=team_ids)}
    for team_id, followed, unfollowed in TopicAuthor.objects.filter(
        team_id__in=team_ids, followed_at__isnull=False
    ).values_list("team_id", "followed_at", "unfollowed_at"):
        tz = tz_of[team_id]
        if followed is None:
            continue
        spans.append(
            (
                followed.astimezone(tz).date(),
                unfollowed.astimezone(tz).date() if unfollowed else None,
            )
        )
    changes = sorted({d for span in spans for d in span if d is not None})
    points = []
    for day in changes:
        if request.start <= day <= request.end:
            level = sum(1 for f, u in spans if f <= day and (u is None or u > day))
            points.append((day, float(level)))
    before = [d for d in changes if d < request.start]
    if before and (not points or points[0][0] > request.start):
        level = sum(1 for f, u in spans if f <= request.start and (u is None or u > request.start))
        points.insert(0, (request.start, float(level)))
    return Series(points, points[-1][0] if points else None)
