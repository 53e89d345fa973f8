"""`make bench` (part 3): time to generate each summary format, for the demo team and for a
team with 50 key results (on the demo's imported data)."""

from __future__ import annotations

import os
import time
from datetime import date
from decimal import Decimal
from io import StringIO

KINDS = [
    "impressions",
    "engagement_rate",
    "reply_share",
    "followers",
    "people_addressed",
    "promo_posts",
    "with_at_ratio",
    "likes",
    "posts",
    "manual",
]


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategy_tracker.settings")
    django.setup()
    import time_machine
    from django.core.management import call_command

    from goals import periods
    from goals.models import KeyResult, Objective, Strategy
    from goals.summaries import services
    from goals.summaries.snapshot import build_summary
    from teams.models import Team

    with time_machine.travel(date(2026, 11, 25)):
        call_command("load_demo", stdout=StringIO())
    demo = Team.objects.get(slug="demo")
    quarter = periods.parse("2026Q3")
    big = Strategy.objects.create(
        team=demo,
        name="Fifty key results",
        status="active",
        period_start=quarter.start,
        period_end=quarter.end,
    )
    for o in range(5):
        objective = Objective.objects.create(strategy=big, title=f"Objective {o}", order=o)
        for k in range(10):
            KeyResult.objects.create(
                objective=objective,
                name=f"KR {o}.{k}",
                metric_key=KINDS[k],
                baseline=Decimal(0),
                target=Decimal(1000),
                start_date=quarter.start,
                due_date=quarter.end,
            )
    for label, strategy in (("demo team (7 key results)", None), ("50 key results", big)):
        began = time.perf_counter()
        snapshot = build_summary(
            team=demo, quarter=quarter, strategy=strategy, today=date(2026, 11, 25)
        )
        built = (time.perf_counter() - began) * 1000
        timings = []
        for fmt in ("html", "pdf", "xlsx", "csv"):
            began = time.perf_counter()
            content = services.render_summary(snapshot, fmt)
            timings.append(
                f"{fmt} {(time.perf_counter() - began) * 1000:6.0f} ms "
                f"({len(content) / 1024:.0f} KB)"
            )
        print(f"  {label:26} numbers {built:5.0f} ms · " + " · ".join(timings))


if __name__ == "__main__":
    main()
