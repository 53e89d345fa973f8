"""The demo team's listening: a topic, public posts on it from fictional people (built as a
collector would hand them over and written by the same service), and a key result on the
share of voice in the current quarter's plan. Offline: nothing is fetched."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from goals.models import KeyResult, Strategy
from listening import services
from listening.collectors.base import Batch, FoundAuthor, FoundPost
from listening.models import ListeningSettings, Topic
from listening.selectors import Voices
from listening.terms import Matcher
from metrics.models import Post
from teams.models import Team

DAYS = 120
KR_NAME = "Share of voice on home brewing reaches 40%"

_PEOPLE = [
    ("mastodon", "dara@fiber.example", "Dara Brews"),
    ("mastodon", "ines@beans.example", "Inès"),
    ("mastodon", "tomasz@kettle.example", "Tomasz"),
    ("mastodon", "hollis@fiber.example", "Hollis"),
    ("mastodon", "ravi@brew.example", "Ravi at home"),
    ("mastodon", "june@beans.example", "June"),
    ("bluesky", "riley.bsky.social", "Riley"),
    ("bluesky", "moss.bsky.social", "Moss"),
    ("bluesky", "ada-pours.bsky.social", "Ada"),
    ("bluesky", "noor.bsky.social", "Noor"),
    ("bluesky", "kit.bsky.social", "Kit"),
    ("x", "morganmakescoffee", "Morgan"),
    ("x", "latteleo", "Leo"),
    ("x", "grindsize_gwen", "Gwen"),
    ("x", "brewbybea", "Bea"),
    ("x", "espressoeli", "Eli"),
]
_TEXTS = [
    "Finally dialled in espresso at home. 18 g in, 36 g out. #coffee",
    "Which grinder for pour over under 200? #pourover",
    "Slow Sunday pour over with a washed Ethiopian #coffee",
    "Anyone else think the grinder matters more than the kettle? #coffee",
    "My espresso keeps channeling, tips welcome",
    "Pour over ratio question: 1:15 or 1:17? #pourover",
]
_BRAND = [" Trying the Loomwell Roasters autumn blend.", " @loomwellroast beans today."]
_RIVAL = [" Kettle & Crumb had a sale on beans.", " @kettle_and_crumb espresso class was fun."]


def _post(day: date, n: int, who: tuple[str, str, str], text: str, rng: random.Random) -> FoundPost:
    platform, handle, name = who
    at = datetime.combine(day, time(8 + n * 3 % 12, n * 7 % 60), tzinfo=UTC)
    mentions: tuple[str, ...] = ("loomwellroast",) if "@loomwellroast" in text else ()
    mentions += ("kettle_and_crumb",) if "@kettle_and_crumb" in text else ()
    return FoundPost(
        platform=platform,
        platform_id=f"demo-{platform}-{day.isoformat()}-{n}",
        author=FoundAuthor(platform, handle, name, f"https://{platform}.example/{handle}"),
        published_at=at,
        text=text,
        permalink="",
        language="en",
        mentions=mentions if platform == "x" else (),
        likes=rng.randint(0, 40),
        replies=rng.randint(0, 6),
        reshares=rng.randint(0, 4),
    )


@transaction.atomic
def load_listening_demo(*, team: Team, today: date, created: list[str]) -> None:
    """Idempotent: the same day's run adds nothing (post ids are fixed by day and number)."""
    ListeningSettings.objects.get_or_create(team=team)
    topic, new = Topic.objects.get_or_create(
        team=team,
        name="Home brewing",
        defaults={
            "keywords": "pour over, espresso, grinder",
            "hashtags": "coffee, pourover",
            "excluded_words": "giveaway",
            "languages": "en",
        },
    )
    if new:
        created.append(f"topic “{topic}”")
    rng = random.Random(15)  # noqa: S311 - demo content, the same on every run
    posts: list[FoundPost] = []
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        for n in range(rng.randint(1, 4)):
            text = rng.choice(_TEXTS)
            roll = rng.random()
            text += rng.choice(_BRAND) if roll < 0.3 else rng.choice(_RIVAL) if roll < 0.6 else ""
            posts.append(_post(day, n, rng.choice(_PEOPLE), text, rng))
    # People the brand's imported posts talked with also posted on the topic two days before:
    # the page shows them as engaged, and so does topic_people_engaged.
    since = datetime.combine(today - timedelta(days=DAYS), time(), tzinfo=UTC)
    addressed = Post.objects.filter(
        account__team=team,
        account__is_competitor=False,
        account__platform__in=["mastodon", "bluesky", "x"],
        published_at__gte=since,
    ).exclude(addressed=[])
    for number, (platform, handles, at) in enumerate(
        addressed.values_list("account__platform", "addressed", "published_at")[:12]
    ):
        who = (platform, handles[0], "")
        posts.append(
            _post((at - timedelta(days=2)).date(), 10 + number, who, rng.choice(_TEXTS), rng)
        )
    services.topic_batch_write(
        topic=topic,
        batch=Batch(posts),
        matcher=Matcher(topic.terms()),
        voices=Voices.of(team.pk),
        since=since - timedelta(days=7),
    )
    strategy = (
        Strategy.objects.filter(team=team, period_start__lte=today, period_end__gte=today)
        .order_by("-period_start")
        .first()
    )
    objective = strategy.objectives.order_by("-order").first() if strategy else None
    if objective is None or KeyResult.objects.filter(objective=objective, name=KR_NAME).exists():
        return
    kr = KeyResult(
        objective=objective,
        name=KR_NAME,
        metric_key="share_of_voice",
        baseline=Decimal("30"),
        target=Decimal("40"),
        start_date=strategy.period_start if strategy else today,
        due_date=strategy.period_end if strategy else today,
        order=objective.key_results.count() + 1,
    )
    kr.full_clean()
    kr.save()
    created.append(f"key result “{kr}”")
