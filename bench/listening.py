"""`make bench` (listening): a topic collection of many posts from a local Mastodon instance
(real response shapes, real max_id paging, the guarded HTTP client), then the
people-to-engage page with every author ranked, on the database DATABASE_URL names."""

from __future__ import annotations

import os
import time
from datetime import timedelta

POSTS = int(os.environ.get("BENCH_TOPIC_POSTS", "50000"))
PEOPLE = int(os.environ.get("BENCH_TOPIC_PEOPLE", "20000"))


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    import logging

    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and the page's context to read

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from pytest_httpserver import HTTPServer

    from listening import services
    from listening.models import ListeningSettings, Topic, TopicAuthor, TopicPost
    from teams.models import Membership, Role, Team
    from tests.listening.fakes import FakeMastodon, status

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    settings.LISTENING_BLUESKY_APPVIEW = "http://127.0.0.1:9"  # nothing there: no network
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        fake = FakeMastodon(server)
        now = timezone.now().replace(microsecond=0)
        step = timedelta(days=150) / POSTS  # within the 180-day retention
        fake.tags["pourover"] = [
            status(now - step * i, f"fan{i % PEOPLE}", f"Brewing note {i}", likes=i % 17)
            for i in range(POSTS)
        ]
        team = Team.objects.create(name="Listening bench", slug=f"listen-{time.time_ns()}")
        ListeningSettings.objects.create(team=team, mastodon_instances=fake.base_url)
        Topic.objects.create(team=team, name="Pour over", hashtags="pourover")
        # One run walks every page (a schedule would spread them over runs of 20 pages).
        services.MAX_PAGES = POSTS // 40 + 2
        began = time.perf_counter()
        outcome = services.listening_collect(
            team_id=team.pk, http_options={"sleep": lambda _: None}
        )
        seconds = time.perf_counter() - began
        assert outcome.ok, outcome.message
        stored = TopicPost.objects.filter(team=team).count()
        people = TopicAuthor.objects.filter(team=team).count()
        assert stored == POSTS, (stored, outcome.notes)

        user = get_user_model().objects.create_user(f"bench{time.time_ns()}")
        Membership.objects.create(team=team, user=user, role=Role.VIEWER)
        client = Client()
        client.force_login(user)
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            response = client.get("/listening/", {"team": team.pk})
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        ranked = response.context["page"].paginator.count
        print(
            f"  {connection.vendor}: topic collection of {stored:,} posts by {people:,} people "
            f"in {seconds:.2f} s ({stored / seconds:,.0f} records/s, {outcome.requests} "
            f"requests); people-to-engage page with {ranked:,} people ranked: "
            f"{min(timings) * 1000:,.0f} ms (best of 3)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
