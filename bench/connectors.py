"""`make bench` (part 5): a connector sync end to end against a local Mastodon server
(real response shapes, real paging): a first sync of many posts and mentions, then a sync
with nothing new, on the database DATABASE_URL names."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

POSTS = int(os.environ.get("BENCH_SYNC_POSTS", "4000"))
MENTIONS = int(os.environ.get("BENCH_SYNC_MENTIONS", "2000"))


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    import logging

    from django.db import connection
    from django.utils import timezone
    from pytest_httpserver import HTTPServer

    from metrics.connectors import credentials as vault
    from metrics.connectors.sync import connector_sync
    from metrics.models import Account, Connector, InboundMention, Post
    from metrics.selectors import mentions_waiting
    from teams.models import Team
    from tests.metrics.connectors.fake_mastodon import (
        HANDLE,
        FakeMastodon,
        own_status,
        their_status,
    )

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        fake = FakeMastodon(server)
        now = timezone.now().replace(microsecond=0)
        # Spread over the first sync's reach (90 days), newest first on the server.
        step = timedelta(days=80) / max(POSTS, MENTIONS)
        mentions = [
            their_status(now - timedelta(days=80) + step * i, f"fan{i % 300}", f"Question {i}?")
            for i in range(MENTIONS)
        ]
        statuses = [
            own_status(now - timedelta(days=80) + step * i + timedelta(minutes=20), f"Post {i}")
            for i in range(POSTS - MENTIONS // 2)
        ]
        # Half of the mentions get an answer, 21 minutes later.
        statuses += [
            own_status(
                datetime.fromisoformat(m["created_at"].replace("Z", "+00:00"))
                + timedelta(minutes=21),
                "Thanks!",
                reply_to=m,
            )
            for m in mentions[::2]
        ]
        fake.statuses, fake.mentions = statuses, mentions

        team = Team.objects.create(name="Sync bench", slug=f"sync-{time.time_ns()}")
        account = Account.objects.create(team=team, platform="mastodon", handle=HANDLE)
        connector = Connector.objects.create(
            account=account,
            kind="mastodon",
            base_url=fake.base_url,
            credentials_encrypted=vault.encrypt({"access_token": "test-token"}),
        )
        # A run reads at most 50 pages per stream; a long history takes several runs, as
        # it would on the schedule.
        began = time.perf_counter()
        runs, requests = 0, 0
        while True:
            outcome = connector_sync(connector_id=connector.pk)
            assert outcome.ok, outcome.message
            runs += 1
            requests += outcome.requests
            cursor = Connector.objects.get(pk=connector.pk).cursor
            if not any(key.endswith("backfill_max_id") for key in cursor):
                break
        first_seconds = time.perf_counter() - began
        began = time.perf_counter()
        again = connector_sync(connector_id=connector.pk)
        again_seconds = time.perf_counter() - began
        assert again.ok, again.message
        began = time.perf_counter()
        waiting = list(mentions_waiting([account.pk])[:100])
        waiting_ms = (time.perf_counter() - began) * 1000

        posts = Post.objects.filter(account=account).count()
        stored = InboundMention.objects.filter(account=account)
        answered = stored.filter(answered_at__isnull=False).count()
        print(
            f"  {connection.vendor}: first sync of {posts:,} posts + {stored.count():,} mentions "
            f"({answered:,} answered) in {runs} runs, {first_seconds:.2f} s, {requests} "
            f"requests ({(posts + stored.count()) / first_seconds:,.0f} records/s); "
            f"again with nothing new {again_seconds:.2f} s ({again.requests} requests); "
            f"people waiting, first 100 of {stored.count() - answered:,}: {waiting_ms:.1f} ms "
            f"({len(waiting)} rows)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
