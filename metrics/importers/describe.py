"""What a file that no format reads actually is, and which supported format it comes
closest to: the words of "not an export we can read", so that the user sees at once
whether they picked the wrong file (a screenshot, a PDF report) or the right kind of file
with columns renamed or missing.

Pure Python: no Django. Never raises: a file that cannot be looked into is described as
what little is known of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from metrics.importers.common import Format, Member, Source
from metrics.importers.tables import first_csv_row, normalise_header
from metrics.importers.text import head_text

SHOWN = 6  # names listed before "and N more"
JSON_READ_LIMIT = 5 * 1024 * 1024  # a larger JSON file is described from its first bytes

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office document (.xls or .doc)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def listing(names: Sequence[str], shown: int = SHOWN) -> str:
    """'A, B, C' or 'A, B, C and 4 more'."""
    names = list(names)
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


def describe(source: Source) -> str:
    """What the source is, as a phrase that follows 'it is': 'a PNG image', 'a zip archive
    of 3 files: …', 'a CSV whose columns are Date, Foo, Bar'."""
    members = source.members
    if not members or all(m.size == 0 for m in members):
        return "an empty file" if len(members) <= 1 else f"{len(members)} empty files"
    if len(members) == 1 and members[0].name == source.name:
        return describe_member(members[0])
    container = "a zip archive" if source.name.lower().endswith(".zip") else "a folder"
    if _is_office(members):
        return "an Excel workbook or other Office document, not one of the exports read here"
    files = "1 file" if len(members) == 1 else f"{len(members)} files"
    return f"{container} of {files}: " + listing(
        [f"{m.name} ({describe_member(m)})" for m in members], shown=4
    )


def _is_office(members: Sequence[Member]) -> bool:
    names = {m.name for m in members}
    return "[Content_Types].xml" in names


def describe_member(member: Member) -> str:
    try:
        head = member.head()
    except Exception:
        return "a file that cannot be read"
    if member.size == 0 or not head.strip():
        return "an empty file"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "a zip archive"
    try:
        text = head_text(member)
    except Exception:
        return "a binary file, not text"
    if "\x00" in text:
        return "a binary file, not text"
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return _describe_json(member, stripped)
    header = _csv_header(member)
    if header:
        return "a CSV whose columns are " + listing(header)
    return "text that is not a table"


def _describe_json(member: Member, head: str) -> str:
    value: object
    try:
        value = json.loads(member.read() if member.size <= JSON_READ_LIMIT else head)
    except Exception:
        return "a JSON object" if head.startswith("{") else "a JSON list"
    if isinstance(value, dict):
        if not value:
            return "an empty JSON object"
        return "a JSON object with keys " + listing([str(k) for k in value])
    if isinstance(value, list):
        items = "1 item" if len(value) == 1 else f"{len(value)} items"
        return f"a JSON list of {items}"
    return "a JSON value that is neither an object nor a list"


def _csv_header(member: Member) -> list[str]:
    """The first row as a header, when it looks like one: at least two non-blank names."""
    try:
        header = [h.strip() for h in first_csv_row(member)]
    except Exception:
        return []
    names = [h for h in header if h]
    return names if len(names) >= 2 else []


# --- the closest format ------------------------------------------------------------------


@dataclass(frozen=True)
class Closest:
    format: Format
    missing: list[str]  # the format's columns the file lacks, as the format spells them
    unexpected: list[str]  # the file's columns the format does not have, as the file does

    def __str__(self) -> str:
        differences = []
        if self.missing:
            differences.append("columns missing: " + listing(self.missing))
        if self.unexpected:
            differences.append("unexpected: " + listing(self.unexpected))
        return f"closest: {self.format.label}" + (
            f" ({'; '.join(differences)})" if differences else ""
        )


def closest_format(source: Source, formats: Sequence[Format]) -> Closest | None:
    """The format whose columns overlap most with a CSV header of the source (by the share
    of names the two have in common); None when the source has no CSV header or shares no
    two columns with any format."""
    best: tuple[float, Closest] | None = None
    for member in source.members:
        header = _csv_header(member) if member.size else []
        if not header:
            continue
        names = {normalise_header(h): h for h in header}
        for fmt in formats:
            if not fmt.columns:
                continue
            wanted = {normalise_header(c): c for c in fmt.columns}
            common = names.keys() & wanted.keys()
            if len(common) < 2:
                continue  # one shared name (a Date column) says nothing
            score = len(common) / len(names.keys() | wanted.keys())
            if best is None or score > best[0]:
                best = (
                    score,
                    Closest(
                        format=fmt,
                        missing=[c for key, c in wanted.items() if key not in names],
                        unexpected=[h for key, h in names.items() if key not in wanted],
                    ),
                )
    return best[1] if best else None


def unreadable_message(source: Source, formats: Sequence[Format]) -> str:
    """'<name> is not an export Strategy Tracker can read: it is <what>. <closest>.'"""
    message = f"{source.name} is not an export Strategy Tracker can read: it is {describe(source)}."
    near = closest_format(source, formats)
    if near is not None:
        text = str(near)
        message += f" {text[:1].upper()}{text[1:]}."
    return message
