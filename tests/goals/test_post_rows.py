"""selectors.post_rows reads publication times and JSON lists as text and parses them
itself: the rows must hold exactly what the ORM gives for the same posts."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from goals import selectors
from metrics.ingest.records import PostKind
from metrics.models import Post
from metrics.platforms import Platform
from tests.factories import AccountFactory


@pytest.fixture
def posts(team):
    account = AccountFactory(team=team, platform=Platform.X, handle="loomwell")
    other = AccountFactory(team=team, platform=Platform.X, handle="loomwell_help")
    plus_two = timezone(timedelta(hours=2))
    made = []
    for n, (when, fields) in enumerate(
        [
            (datetime(2026, 7, 1, 9, 0, tzinfo=UTC), {}),
            (
                datetime(2026, 7, 1, 9, 0, 0, 250_000, tzinfo=UTC),
                {"kind": PostKind.REPLY, "addressed": ["zoë", "ana_b"], "is_question": True},
            ),
            # Stored as UTC whatever the offset it came with.
            (
                datetime(2026, 7, 2, 23, 59, 59, 999_999, tzinfo=plus_two),
                {"link_domains": ["example.org"], "shares_others_link": True},
            ),
            (
                datetime(2026, 7, 3, 8, 0, tzinfo=UTC),
                {
                    "addressed": ["zoë"],
                    "text": "Hi @zoë “quoted” \\ back",
                    "permalink": "https://x.com/1",
                },
            ),
            (datetime(2026, 7, 3, 8, 0, tzinfo=UTC), {"is_promotional": True, "addressed": []}),
        ]
    ):
        made.append(
            Post.objects.create(
                account=account if n % 2 == 0 else other,
                platform_id=str(n),
                published_at=when,
                local_date=when.astimezone(UTC).date(),
                **fields,
            )
        )
    # Outside the period: not read.
    Post.objects.create(
        account=account,
        platform_id="late",
        published_at=datetime(2026, 8, 1, tzinfo=UTC),
        local_date=date(2026, 8, 1),
    )
    return [account.pk, other.pk]


def test_it_reads_what_the_orm_reads(posts):
    rows = selectors.post_rows(posts, date(2026, 7, 1), date(2026, 7, 31))

    stored = Post.objects.filter(local_date__lte=date(2026, 7, 31)).order_by("published_at", "pk")
    assert [r.pk for r in rows] == [p.pk for p in stored]
    for row, post in zip(rows, stored, strict=True):
        assert row.published_at == post.published_at
        assert row.published_at.tzinfo is UTC
        assert (row.account_id, row.local_date, row.kind) == (
            post.account_id,
            post.local_date,
            post.kind,
        )
        assert row.addressed == tuple(post.addressed)
        assert row.link_domains == tuple(post.link_domains)
        assert (row.is_question, row.is_promotional, row.shares_others_link) == (
            post.is_question,
            post.is_promotional,
            post.shares_others_link,
        )
        assert (row.text, row.permalink) == (post.text, post.permalink)
    assert rows[1].published_at == datetime(2026, 7, 1, 9, 0, 0, 250_000, tzinfo=UTC)
    assert rows[1].addressed == ("zoë", "ana_b")
    assert rows[2].published_at == datetime(2026, 7, 2, 21, 59, 59, 999_999, tzinfo=UTC)


def test_a_period_without_posts_reads_nothing(posts):
    assert selectors.post_rows(posts, date(2026, 6, 1), date(2026, 6, 30)) == []
