"""`make bench` (part 4): bulk observation ingestion over the API (10,000-row requests)
next to the direct service call, on the database DATABASE_URL names."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

REQUESTS = int(os.environ.get("BENCH_BULK_REQUESTS", "10"))
ROWS = 10_000


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIClient

    from metrics import services
    from metrics.models import Account
    from teams.models import Membership, Role, Team

    team = Team.objects.create(name="Bulk", slug=f"bulk-{time.time_ns()}")
    user = get_user_model().objects.create_user(f"bulk-{team.slug}")
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    accounts = [Account.objects.create(team=team, platform="x", handle=f"a{i}") for i in range(10)]
    start = date(2000, 1, 1)

    def batch(n: int, metric: str) -> list[dict[str, object]]:
        rows = []
        for i in range(ROWS):
            account = accounts[i % len(accounts)]
            day = start + timedelta(days=n * ROWS // len(accounts) + i // len(accounts))
            rows.append(
                {"account": account.pk, "metric": metric, "date": day.isoformat(), "value": i % 500}
            )
        return rows

    client = APIClient()
    client.force_authenticate(user)
    began = time.perf_counter()
    for n in range(REQUESTS):
        response = client.post(
            "/api/v1/observations/bulk/", {"rows": batch(n, "impressions")}, format="json"
        )
        assert response.status_code == 200, response.content[:500]
    api_seconds = time.perf_counter() - began

    from datetime import date as date_type

    began = time.perf_counter()
    for n in range(REQUESTS):
        rows = [{**r, "date": date_type.fromisoformat(str(r["date"]))} for r in batch(n, "likes")]
        services.observations_bulk_upsert(user=user, rows=rows)
    direct_seconds = time.perf_counter() - began
    total = REQUESTS * ROWS
    print(
        f"  {connection.vendor:10} API {total / api_seconds:>9,.0f} rows/s "
        f"({api_seconds / REQUESTS * 1000:.0f} ms per 10,000-row request) · direct service "
        f"{total / direct_seconds:>9,.0f} rows/s · API = {api_seconds / direct_seconds:.2f}x"
    )


if __name__ == "__main__":
    main()
