"""The rules of the conversation coming in: when a mention is due an answer, how long the
answer took, and percentiles of those times (pure functions), and the answer limit they
use (the one setting read here).

A mention is *due* once it is answered, or once it has waited longer than the answer limit
(MENTION_ANSWER_WITHIN_HOURS) without an answer: a mention that came in an hour ago is not
yet a failure, one that waited three days is. The response rate is answered / due, as a
ratio of sums over the window; response times are percentiles of the answered mentions'
waits, computed from the mentions themselves (a median is not additive across days).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings


def response_minutes(published_at: datetime, answered_at: datetime) -> int:
    """Whole minutes from the mention to the answer (an answer is never negative)."""
    return max(0, int((answered_at - published_at).total_seconds() // 60))


def is_due(
    *, published_at: datetime, answered_at: datetime | None, now: datetime, limit: timedelta
) -> bool:
    return answered_at is not None or now - published_at > limit


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The pct-th percentile by linear interpolation between closest ranks (as numpy's
    default and Excel's PERCENTILE.INC); None for no values. `values` must be sorted."""
    if not values:
        return None
    if not 0 <= pct <= 100:
        raise ValueError(f"A percentile is between 0 and 100, not {pct}.")
    position = (len(values) - 1) * pct / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return float(values[lower])
    return float(values[lower] + (values[upper] - values[lower]) * (position - lower))


def answer_limit() -> timedelta:
    """How long a mention may wait before it counts as unanswered (the one setting read
    here: MENTION_ANSWER_WITHIN_HOURS)."""
    return timedelta(hours=settings.MENTION_ANSWER_WITHIN_HOURS)
