"""python manage.py import_export PATH [PATH…] --team SLUG [--account PLATFORM:HANDLE] [--json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics import services
from metrics.importers.common import ImportFailed
from metrics.models import Account, ImportJob, ImportStatus
from teams.models import Team


class Command(BaseCommand):
    help = (
        "Import platform export files (a file, a zip or a folder each) into a team. The format "
        "is detected from the content. Exits non-zero if any file fails; a failed file "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--team", required=True, help="The team's slug.")
        parser.add_argument(
            "--account",
            metavar="PLATFORM:HANDLE",
            help="The account the files belong to (created in the team if missing). "
            "Without it, the account named in the file is used.",
        )
        parser.add_argument("--json", action="store_true", help="One JSON object per file.")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with slug “{options['team']}”.")
        account: Account | None = None
        if options["account"]:
            try:
                account = services.account_get_or_create(team=team, spec=options["account"])
            except ImportFailed as exc:
                raise CommandError(str(exc)) from exc
        as_json = options["json"]
        failures = 0
        for path in options["paths"]:
            result = self._import_one(team, path, account, as_json)
            failures += result["status"] != "succeeded"
            if as_json:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
        if failures:
            raise CommandError(f"{failures} of {len(options['paths'])} file(s) failed.")

    def _import_one(
        self, team: Team, path: Path, account: Account | None, as_json: bool
    ) -> dict[str, Any]:
        bar = _ProgressBar(self.stderr, path.name, enabled=not as_json, tty=sys.stderr.isatty())
        try:
            job = services.import_path(team=team, path=path, account=account, progress=bar.update)
        except ImportFailed as exc:
            bar.close()
            if not as_json:
                self.stderr.write(self.style.ERROR(f"✗ {path}: {exc}"))
            return {"file": str(path), "status": "failed", "message": str(exc), "errors": []}
        bar.close()
        result = job_as_dict(job)
        result["file"] = str(path)
        if as_json:
            return result
        if job.status == ImportStatus.SUCCEEDED:
            s = job.summary
            self.stdout.write(
                self.style.SUCCESS(
                    f"✓ {path.name}: {job.format_label} for {result['account']}: "
                    f"{job.rows_read} rows read: {counts_text(job)}; "
                    f"{s['posts']} posts ({s['posts_by_kind']['reply']} replies, "
                    f"{s['questions']} questions, {s['people_addressed']} people addressed), "
                    f"{len(s['metric_totals'])} daily metrics "
                    f"[import #{job.pk}, {job.duration_seconds or 0:.2f} s]"
                )
            )
        else:
            self.stderr.write(self.style.ERROR(f"✗ {path}: {job.message}"))
            for error in job.errors[:10]:
                where = f"{error['member']}, " if error.get("member") else ""
                self.stderr.write(f"    {where}row {error['row']}: {error['message']}")
        return result


def counts_text(job: ImportJob) -> str:
    """'3 created, 24 updated, 0 unchanged': a file that only updates what an earlier
    import stored is not a file that did nothing (load_demo says it the same way)."""
    text = f"{job.rows_created} created, {job.rows_updated} updated, {job.rows_unchanged} unchanged"
    return text + (f", {job.rows_skipped} skipped" if job.rows_skipped else "")


def job_as_dict(job: ImportJob) -> dict[str, Any]:
    """What --json prints for one file: the job's counts, its summary and its errors."""
    account = job.account
    return {
        "import_job": job.pk,
        "format": job.format_key or None,
        "account": f"{account.platform}:{account.handle}" if account else None,
        "status": job.status,
        "message": job.message,
        "rows_read": job.rows_read,
        "rows_created": job.rows_created,
        "rows_updated": job.rows_updated,
        "rows_unchanged": job.rows_unchanged,
        "rows_skipped": job.rows_skipped,
        "rows_failed": job.rows_failed,
        **job.summary,
        "seconds": job.duration_seconds,
        "errors": job.errors,
    }


class _ProgressBar:
    """A bar redrawn in place on a terminal; a line per quarter in a log."""

    def __init__(self, stream: Any, label: str, *, enabled: bool, tty: bool) -> None:
        self.stream = stream
        self.label = label[:30]
        self.enabled = enabled
        self.tty = tty
        self.drawn = False
        self.quarter = -1

    def update(self, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        share = min(done / total, 1.0)
        if not self.tty:
            quarter = int(share * 4)
            if quarter > self.quarter:
                self.quarter = quarter
                self.stream.write(f"{self.label}: {share:4.0%} ({done:,}/{total:,} rows)")
            return
        width = 30
        filled = int(width * share)
        self.stream.write(
            f"\r{self.label:30} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows",
            ending="",
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("")
