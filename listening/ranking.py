"""How relevant a person is to talk with, from their topic posts. Pure Python.

Each matching post adds to its author's score:

    terms weight × recency × engagement

- terms weight: 1 for one matching term, +0.5 for each further distinct term (a post on
  "pour over" *and* "#coffee" says more than one that brushes a single word);
- recency: halves every HALF_LIFE_DAYS days since the post (a week-old post counts half);
- engagement: 1 + log10(1 + likes + replies + reshares) (others found the post worth
  answering; the logarithm keeps one viral post from drowning steady voices).

A person's score is the sum over their posts: several recent, discussed posts on the topic
rank above one old post. Ties go to the most recent post, then the handle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

HALF_LIFE_DAYS = 7.0


@dataclass(frozen=True)
class PostSignal:
    terms: int  # distinct matching terms
    published_at: datetime
    engagement: int


def post_score(signal: PostSignal, now: datetime) -> float:
    terms = 1.0 + 0.5 * max(signal.terms - 1, 0) if signal.terms > 0 else 0.0
    age_days = max((now - signal.published_at).total_seconds(), 0.0) / 86400
    recency = 0.5 ** (age_days / HALF_LIFE_DAYS)
    engagement = 1.0 + math.log10(1 + max(signal.engagement, 0))
    return float(terms * recency * engagement)


def person_score(signals: Iterable[PostSignal], now: datetime) -> float:
    return sum(post_score(signal, now) for signal in signals)


@dataclass(frozen=True)
class Ranked:
    key: int  # the caller's id for the person
    score: float
    latest: datetime


def rank(people: dict[int, list[PostSignal]], now: datetime) -> list[Ranked]:
    """People by relevance, best first."""
    ranked = [
        Ranked(key, person_score(signals, now), max(s.published_at for s in signals))
        for key, signals in people.items()
        if signals
    ]
    ranked.sort(key=lambda r: (-r.score, -r.latest.timestamp(), r.key))
    return ranked
