"""When an export was made, as the export itself says it.

The numbers of an export (lifetime totals, follower levels) are a snapshot of the moment it
was made; between two exports of the same numbers the later one wins, whatever order they
are imported in. A parser therefore yields ExportInfo as its first record when the export
says when it was made: in its content first (a manifest, a column), else in the name the
platform gives its files (`account_analytics_content_<from>_<to>.csv`,
`archive-<YYYYMMDDHHMMSS>-<hex>.zip`, …). A name counts only when it follows the platform's
pattern exactly: a renamed file (`file (1).csv`) says nothing, and the import day is never
taken for the export's time. A source of several files made at different times is as
recent as its latest file.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from metrics.importers.common import Member, Source
from metrics.ingest.records import ExportInfo


def latest(times: Iterable[datetime | None]) -> Iterator[ExportInfo]:
    """ExportInfo with the latest of the times found, when any was found."""
    found = [moment for moment in times if moment is not None]
    if found:
        yield ExportInfo(exported_at=max(found))


def names_around(source: Source, member: Member) -> list[str]:
    """The names that may be the export's own when it is a zip or a folder: the folders the
    member sits in, innermost first, then what the user gave (the zip or the folder)."""
    folders = member.name.replace("\\", "/").split("/")[:-1]
    return [*reversed(folders), source.name.replace("\\", "/").rsplit("/", 1)[-1]]


def time_in_name(
    names: Iterable[str], pattern: re.Pattern[str], read: Callable[[re.Match[str]], datetime]
) -> datetime | None:
    """The time `read` takes from the first name that follows the platform's `pattern`
    exactly; None when no name does, or when its date does not exist."""
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            try:
                return read(match)
            except (ValueError, OverflowError, OSError):
                return None
    return None
