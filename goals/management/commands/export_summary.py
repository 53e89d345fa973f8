"""python manage.py export_summary --team SLUG --quarter 2026Q3 --format pdf --output PATH"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goals import periods
from goals.models import Strategy, SummaryFormat, SummaryStatus
from goals.summaries import services
from teams.models import Team


class Command(BaseCommand):
    help = "Generate a team's quarterly summary now and write it to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q3 or 2026-Q3.")
        parser.add_argument("--format", required=True, choices=SummaryFormat.values)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--strategy", type=int, help="Only this strategy (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with slug “{options['team']}”.")
        try:
            quarter = periods.parse(options["quarter"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if "-Q" not in quarter.code:
            raise CommandError(f"“{options['quarter']}” is not a quarter such as 2026Q3.")
        strategy = None
        if options["strategy"]:
            strategy = Strategy.objects.filter(team=team, pk=options["strategy"]).first()
            if strategy is None:
                raise CommandError(f"{team} has no strategy {options['strategy']}.")
        export = services.summary_export_create(
            user=None,
            team=team,
            quarter=quarter,
            fmt=options["format"],
            strategy=strategy,
            enqueue=False,
            limit_rate=False,  # an operator's command, run here and now
        )
        export = services.summary_export_run(export_id=export.pk)
        if export.status != SummaryStatus.READY:
            raise CommandError(export.message or "The summary could not be generated.")
        output: Path = options["output"]
        with export.file.open("rb") as fh:
            output.write_bytes(fh.read())
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output} ({output.stat().st_size:,} bytes; v{export.version})."
            )
        )
