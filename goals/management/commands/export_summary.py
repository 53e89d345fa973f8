"""python manage.py export_summary --team SLUG --quarter 2026Q3 --format pdf --output PATH"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goals import periods
from goals.models import Strategy, SummaryFormat, SummaryOrigin, SummaryStatus
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
        output: Path = options["output"]
        # Checked before anything is generated: a path that cannot be written must not
        # leave a new stored version behind, and a traceback after the work is no answer.
        problem = output_problem(output)
        if problem:
            raise CommandError(f"Cannot write {output}: {problem}. Nothing was generated.")
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
            origin=SummaryOrigin.COMMAND,
        )
        export = services.summary_export_run(export_id=export.pk)
        if export.status != SummaryStatus.READY:
            raise CommandError(export.message or "The summary could not be generated.")
        with export.file.open("rb") as fh:
            output.write_bytes(fh.read())
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output} ({output.stat().st_size:,} bytes; v{export.version})."
            )
        )


def output_problem(output: Path) -> str:
    """Why the file cannot be written there, or '' when it can."""
    if output.is_dir():
        return "it is a directory; give a file name such as q3.pdf"
    parent = output.parent
    if not parent.exists():
        return f"the directory {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if output.exists() and not os.access(output, os.W_OK):
        return "the file exists and is not writable"
    if not output.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return f"the directory {parent} is not writable"
    return ""
