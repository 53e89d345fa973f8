"""python manage.py sync_connectors [--team SLUG] [--account PLATFORM:HANDLE] [--all]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.connectors.services import credentials_reencrypt
from metrics.connectors.status import due_connectors
from metrics.connectors.sync import SyncOutcome, connector_sync
from metrics.models import Connector
from metrics.platforms import Platform
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Run the due platform API syncs now, in the foreground (or the named ones, due or "
        "not), with a line per connector. Exits non-zero if any sync failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", help="Only this team's connectors (its slug).")
        parser.add_argument(
            "--account",
            metavar="PLATFORM:HANDLE",
            help="Only this account's connectors, due or not (with --team when several "
            "teams track the same handle).",
        )
        parser.add_argument(
            "--all", action="store_true", help="Every enabled connector, due or not."
        )
        parser.add_argument(
            "--reencrypt-credentials",
            action="store_true",
            help="Re-encrypt stored credentials with the first CONNECTOR_CREDENTIALS_KEYS "
            "key (after a key rotation), then stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reencrypt_credentials"]:
            count = credentials_reencrypt()
            self.stdout.write(f"Re-encrypted the credentials of {count} connector(s).")
            return
        connectors = self._select(options)
        if not connectors:
            self.stdout.write("No connector is due.")
            return
        failed = 0
        for connector in connectors:
            account = connector.account
            label = f"{connector.get_kind_display()} @{account.handle} ({account.team.slug})"
            self.stderr.write(f"{label}: syncing…")

            def progress(outcome: SyncOutcome, label: str = label) -> None:
                self.stderr.write(
                    f"{label}: page {outcome.pages}, {outcome.posts} posts, "
                    f"{outcome.mentions} mentions so far"
                )

            outcome = connector_sync(connector_id=connector.pk, on_page=progress)
            if outcome.skipped:
                self.stdout.write(f"{label}: skipped, {outcome.skipped}.")
            elif outcome.ok:
                notes = f" Note: {' '.join(outcome.notes)}" if outcome.notes else ""
                self.stdout.write(
                    f"{label}: ok, {outcome.pages} page(s), {outcome.posts} posts, "
                    f"{outcome.observations} numbers, {outcome.mentions} mentions, "
                    f"{outcome.requests} requests in {outcome.seconds:.1f} s.{notes}"
                )
            else:
                failed += 1
                self.stdout.write(
                    f"{label}: FAILED after {outcome.pages} page(s): {outcome.message}"
                )
        if failed:
            raise CommandError(f"{failed} of {len(connectors)} sync(s) failed.")

    def _select(self, options: dict[str, Any]) -> list[Connector]:
        query = Connector.objects.select_related("account__team")
        if options["team"]:
            if not Team.objects.filter(slug=options["team"]).exists():
                raise CommandError(f"No team with slug “{options['team']}”.")
            query = query.filter(account__team__slug=options["team"])
        if options["account"]:
            platform, sep, handle = options["account"].partition(":")
            platform = platform.strip().lower()
            handle = handle.strip().lstrip("@")
            if not sep or not handle or platform not in list(Platform):
                raise CommandError(
                    f"“{options['account']}” is not PLATFORM:HANDLE; platforms: "
                    f"{', '.join(Platform)}."
                )
            named = list(query.filter(account__platform=platform, account__handle__iexact=handle))
            if not named:
                raise CommandError(f"No connector for {platform}:{handle}.")
            return named
        if options["all"]:
            return list(query.filter(enabled=True))
        due = {c.pk for c in due_connectors()}
        return [c for c in query if c.pk in due]
