from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from goals.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from metrics.management.commands.import_export import counts_text


class Command(BaseCommand):
    help = "Create (or complete) the demo team, its accounts and strategy plan. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if result.changed:
            for line in result.created:
                self.stdout.write(f"  created {line}")
            for job in result.imports:
                self.stdout.write(
                    f"  imported {job.file_name} ({job.format_label}): {counts_text(job)}"
                )
            if result.competitor_syncs:
                self.stdout.write(
                    f"  synced the competitor's saved public API pages "
                    f"({result.competitor_syncs} syncs)"
                )
            self.stdout.write(self.style.SUCCESS(f"Demo team “{result.team}” is ready."))
        else:
            self.stdout.write(f"Demo team “{result.team}” already complete; nothing to add.")
        self.stdout.write(
            f"Admin: http://127.0.0.1:8000/admin/  login: {DEMO_USERNAME} / {DEMO_PASSWORD}"
        )
