"""The conversation coming in, as the ingest path writes it: storing inbound mentions
(authors by their canonical handle), linking the brand's answers to them, and the daily
numbers they make (received, answered, due)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from metrics.ingest.records import MentionRecord
from metrics.ingest.rollup import rollup_mention_days
from metrics.models import Account, InboundMention, Post
from metrics.platforms.identity import canonical_handle, home_of
from metrics.platforms.text import html_to_text
from metrics.responses import answer_limit, response_minutes


def mentions_upsert(
    *, account: Account, records: Sequence[MentionRecord], tz: ZoneInfo
) -> set[date]:
    """Store (or refresh) mentions of the account; returns the days they came in.

    Mentions by the team's own accounts on the same platform need no answer; a person's
    choice that one needs no answer, and a found answer, are never overwritten.
    """
    if not records:
        return set()
    home = home_of(account.platform, account.handle)

    def person(raw: str) -> str:
        return canonical_handle(account.platform, raw, home=home)

    own = {
        person(handle)
        for handle in Account.objects.filter(
            team_id=account.team_id, platform=account.platform, is_competitor=False
        ).values_list("handle", flat=True)
    }
    rows: dict[str, InboundMention] = {}
    for record in records:
        author = person(record.author_handle)
        if author == person(account.handle):
            continue  # the account talking to itself is not the conversation coming in
        rows[record.platform_id] = InboundMention(
            account=account,
            platform_id=record.platform_id[:300],
            published_at=record.published_at,
            local_date=record.published_at.astimezone(tz).date(),
            author_handle=author[:200],
            author_name=record.author_name[:200],
            # Connectors hand over plain text; strip any markup that slipped through so
            # the text is safe to show anywhere (templates escape it as well).
            text=html_to_text(record.text) if "<" in record.text else record.text,
            permalink=record.permalink[:500] if record.permalink.startswith("http") else "",
            in_reply_to_id=record.in_reply_to_id[:300],
            is_reply=record.is_reply,
            needs_answer=author not in own,
        )
    existing = list(
        InboundMention.objects.filter(account=account, platform_id__in=list(rows)).only(
            "pk", "platform_id", "author_handle", "author_name", "text", "permalink"
        )
    )
    known = {mention.platform_id for mention in existing}
    InboundMention.objects.bulk_create(
        [row for key, row in rows.items() if key not in known], batch_size=500
    )
    for mention in existing:  # an edited post: its words, not a person's choices
        row = rows[mention.platform_id]
        mention.author_handle, mention.author_name, mention.text, mention.permalink = (
            row.author_handle,
            row.author_name,
            row.text,
            row.permalink,
        )
    InboundMention.objects.bulk_update(
        existing, ["author_handle", "author_name", "text", "permalink"], batch_size=500
    )
    return {row.local_date for row in rows.values()}


def mentions_link_answers(
    *, account: Account, platform_ids: Iterable[str] | None = None
) -> set[date]:
    """Find the account's replies to its unanswered mentions (all of them, or those with
    these ids): the first reply after the mention answers it. Returns the days of the
    mentions that got an answer."""
    unanswered = InboundMention.objects.filter(account=account, answered_at__isnull=True)
    wanted = None if platform_ids is None else set(platform_ids)
    if wanted is not None and len(wanted) <= 500:
        unanswered = unanswered.filter(platform_id__in=list(wanted))
    # Else (an archive's replies name tens of thousands of posts) the few mentions still
    # waiting are read and matched here, rather than sent back in an enormous IN list.
    waiting = {
        mention.platform_id: mention
        for mention in unanswered.only("pk", "platform_id", "published_at", "local_date")
        if wanted is None or mention.platform_id in wanted
    }
    if not waiting:
        return set()
    answers: dict[str, tuple[datetime, int]] = {}
    ids = list(waiting)
    for start in range(0, len(ids), 500):
        replies = Post.objects.filter(
            account=account, in_reply_to_id__in=ids[start : start + 500]
        ).values_list("in_reply_to_id", "published_at", "pk")
        for reply_to, published_at, post_id in replies:
            if published_at < waiting[reply_to].published_at:
                continue
            if reply_to not in answers or published_at < answers[reply_to][0]:
                answers[reply_to] = (published_at, post_id)
    days: set[date] = set()
    for platform_id, (answered_at, post_id) in answers.items():
        mention = waiting[platform_id]
        mention.answered_at = answered_at
        mention.answered_by_id = post_id
        mention.response_minutes = response_minutes(mention.published_at, answered_at)
        days.add(mention.local_date)
    InboundMention.objects.bulk_update(
        [waiting[key] for key in answers],
        ["answered_at", "answered_by", "response_minutes"],
        batch_size=500,
    )
    return days


def mention_days_to_refresh(*, account: Account, now: datetime) -> set[date]:
    """Days whose 'due' count may have changed since the last rollup: those with a
    mention that was still within the answer limit a little while ago."""
    recent = now - answer_limit() - timedelta(days=2)
    return set(
        InboundMention.objects.filter(
            account=account, answered_at__isnull=True, published_at__gte=recent
        ).values_list("local_date", flat=True)
    )


def mentions_rollup(*, account: Account, days: Iterable[date]) -> None:
    rollup_mention_days(account_id=account.pk, days=days, now=timezone.now(), limit=answer_limit())
