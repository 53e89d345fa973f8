"""Shared helpers for parser tests: where fixtures live, and running a format on a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from metrics.importers.common import Format, ParseContext, Source
from metrics.ingest.records import (
    AccountInfo,
    ActivityRecord,
    ExportInfo,
    ObservationRecord,
    PostRecord,
    RowError,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# The shared exports folder sits next to the project checkout (../shared/exports).
SHARED_EXPORTS = Path(__file__).resolve().parents[3].parent / "shared" / "exports"


@dataclass
class Parsed:
    accounts: list[AccountInfo] = field(default_factory=list)
    posts: list[PostRecord] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    exports: list[ExportInfo] = field(default_factory=list)
    activity: list[ActivityRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the parser returned

    def series(self, metric: str) -> dict[date, object]:
        return {o.day: o.value for o in self.observations if o.metric == metric}


def parse(
    fmt: Format,
    path: Path,
    *,
    tz: str = "UTC",
    today: date = date(2026, 10, 2),
    handle: str = "",
) -> Parsed:
    source = Source.from_path(path)
    assert fmt.sniff(source), f"{fmt.key} does not recognise {path.name}"
    result = Parsed()
    records = fmt.parse(source, ParseContext(tz=ZoneInfo(tz), today=today, handle=handle))
    while True:
        try:
            record = next(records)
        except StopIteration as stop:
            result.notes = list(getattr(stop.value, "notes", []))
            break
        if isinstance(record, AccountInfo):
            result.accounts.append(record)
        elif isinstance(record, PostRecord):
            result.posts.append(record)
        elif isinstance(record, ObservationRecord):
            result.observations.append(record)
        elif isinstance(record, ExportInfo):
            result.exports.append(record)
        elif isinstance(record, ActivityRecord):
            result.activity.append(record)
        else:
            result.errors.append(record)
    return result


def real_export(relative: str) -> Path:
    """A file from shared/exports/real that may not be copied into the project (no licence):
    tests read it in place and skip, saying why, where the folder is absent."""
    path = SHARED_EXPORTS / "real" / relative
    if not path.exists():
        pytest.skip(f"{path} is not here (shared/exports/real is read in place, never copied)")
    return path
