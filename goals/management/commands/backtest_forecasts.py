"""python manage.py backtest_forecasts [--series 300] [--seed N]

Back-tests the progress engine's forecast on seeded synthetic series against "last value" and
"drift from the start" (goals/backtest.py) and prints the error and interval coverage per
horizon. Reads and writes nothing in the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goals import backtest


class Command(BaseCommand):
    help = "Back-test the forecast against naive methods on seeded synthetic series."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--series", type=int, default=300, help="How many series (300).")
        parser.add_argument("--seed", type=int, default=20261207, help="The random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["series"]
        if count < 6:
            raise CommandError("Use at least 6 series (one of each kind and a few shapes).")
        results = backtest.run(backtest.cases(count, options["seed"]))
        self.stdout.write(backtest.report(results, count))
