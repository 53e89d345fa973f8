"""Building blocks shared by every parser: sources (files, zips, folders), text decoding,
CSV reading with header mapping, tolerant number parsing, local times, HTML to text.

Pure Python: no Django, no database. Parsers raise ImportFailed for a file that cannot be
read at all, and yield RowError for a single bad row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from metrics.ingest.precedence import NUMBERS_ONLY, SourceProfile
from metrics.ingest.records import Record

# The write path (metrics.mentions) reads HTML mention text with this; it lives with the
# other platform text conventions.
from metrics.platforms.text import html_to_text as html_to_text

csv.field_size_limit(16 * 1024 * 1024)


class ImportFailed(Exception):
    """The file as a whole cannot be imported; the message is shown to the user."""


# --- sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # one uploaded file
    max_uncompressed_bytes: int = 500 * 1024 * 1024  # everything inside an archive
    max_members: int = 10_000
    max_ratio: int = 200  # uncompressed / compressed, per archive member


@dataclass
class Member:
    """One file: on disk, in memory, or inside a zip."""

    name: str  # path inside the source, '/'-separated
    size: int
    _opener: Callable[[], IO[bytes]] = field(repr=False)
    _head: bytes | None = field(default=None, repr=False)

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1]

    def open(self) -> IO[bytes]:
        return self._opener()

    def read(self) -> bytes:
        with self.open() as fh:
            return fh.read()

    def head(self, size: int = 8192) -> bytes:
        if self._head is None:
            with self.open() as fh:
                self._head = fh.read(size)
        return self._head


@dataclass
class Source:
    """What the user gave us: one file, a zip's members, or a folder's files."""

    name: str
    members: list[Member]

    def find(self, basename: str) -> Member | None:
        """The member with this file name (case-insensitive), wherever it sits."""
        wanted = basename.lower()
        for member in self.members:
            if member.basename.lower() == wanted:
                return member
        return None

    def find_all(self, pattern: str) -> list[Member]:
        """Members whose file name matches a regular expression (case-insensitive)."""
        regex = re.compile(pattern, re.IGNORECASE)
        return [m for m in self.members if regex.fullmatch(m.basename)]

    @classmethod
    def from_bytes(cls, name: str, data: bytes, limits: Limits | None = None) -> Source:
        limits = limits or Limits()
        if len(data) > limits.max_bytes:
            raise ImportFailed(
                f"{name} is {_mb(len(data))}, above the limit of {_mb(limits.max_bytes)}."
            )
        if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
            return cls(name, _zip_members(name, lambda: io.BytesIO(data), limits))
        return cls(name, [Member(name, len(data), lambda: io.BytesIO(data))])

    @classmethod
    def from_path(cls, path: Path, limits: Limits | None = None) -> Source:
        limits = limits or Limits()
        if path.is_dir():
            members = []
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                members.extend(_file_members(file, path, limits))
                if len(members) > limits.max_members:
                    raise ImportFailed(f"{path.name} holds more than {limits.max_members} files.")
            if not members:
                raise ImportFailed(f"The folder {path.name} is empty.")
            return cls(path.name, members)
        if not path.exists():
            raise ImportFailed(f"{path} does not exist.")
        return cls(path.name, _file_members(path, path.parent, limits))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _file_members(file: Path, root: Path, limits: Limits) -> list[Member]:
    size = file.stat().st_size
    name = file.relative_to(root).as_posix()
    if size > limits.max_bytes:
        raise ImportFailed(f"{name} is {_mb(size)}, above the limit of {_mb(limits.max_bytes)}.")
    with file.open("rb") as fh:
        magic = fh.read(4)
    if magic in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_members(name, lambda: file.open("rb"), limits)
    return [Member(name, size, lambda: file.open("rb"))]


def _zip_members(
    name: str, opener: Callable[[], IO[bytes]], limits: Limits, depth: int = 0
) -> list[Member]:
    """List a zip's files, refusing bombs before anything is decompressed."""
    try:
        with opener() as fh, zipfile.ZipFile(fh) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"{name} is not a readable zip archive ({exc}).") from None
    if len(infos) > limits.max_members:
        raise ImportFailed(f"{name} holds {len(infos)} files; at most {limits.max_members}.")
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise ImportFailed(
            f"{name} would unpack to {_mb(total)}, above the limit of "
            f"{_mb(limits.max_uncompressed_bytes)}."
        )
    members: list[Member] = []
    for info in infos:
        if info.flag_bits & 0x1:
            raise ImportFailed(f"{name}: {info.filename} is encrypted; export it again.")
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise ImportFailed(
                f"{name}: {info.filename} expands {info.file_size // max(info.compress_size, 1)}"
                " times; refusing what looks like a zip bomb."
            )
        if info.filename.startswith("__MACOSX/") or info.filename.rsplit("/", 1)[-1].startswith(
            "."
        ):
            continue
        member_name = f"{name}/{info.filename}" if depth else info.filename

        def open_member(info: zipfile.ZipInfo = info) -> IO[bytes]:
            return io.BufferedReader(_LimitedZipMember(opener, info))

        if info.filename.lower().endswith(".zip") and depth == 0:
            members.extend(_zip_members(info.filename, open_member, limits, depth + 1))
        else:
            members.append(Member(member_name, info.file_size, open_member))
    return members


class _LimitedZipMember(io.RawIOBase):
    """A zip member stream that stops at its declared size (a lying header cannot inflate)."""

    def __init__(self, opener: Callable[[], IO[bytes]], info: zipfile.ZipInfo) -> None:
        self._outer = opener()
        self._archive = zipfile.ZipFile(self._outer)
        self._stream = self._archive.open(info)
        self._left = info.file_size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        chunk = self._stream.read(min(len(buffer), self._left))
        buffer[: len(chunk)] = chunk
        self._left -= len(chunk)
        return len(chunk)

    def close(self) -> None:
        self._stream.close()
        self._archive.close()
        self._outer.close()
        super().close()


# --- text ------------------------------------------------------------------------------


def sniff_encoding(head: bytes) -> str:
    """The codec for a file, from its first bytes: a BOM decides, else UTF-8.

    UTF-16 without a BOM is recognised by its zero bytes (ASCII text in UTF-16 LE has a
    NUL after every character).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return "utf-8"


def head_text(member: Member, size: int = 8192) -> str:
    """The start of a member as text, for format detection (undecodable bytes replaced)."""
    head = member.head(size)
    encoding = sniff_encoding(head)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]
    return head.decode(encoding, errors="replace").lstrip("\ufeff")


def open_text(member: Member) -> IO[str]:
    encoding = sniff_encoding(member.head())
    return io.TextIOWrapper(member.open(), encoding=encoding, newline="", errors="strict")


def read_text(member: Member) -> str:
    with open_text(member) as fh:
        try:
            return fh.read().lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise ImportFailed(_encoding_message(member, exc)) from None


def _encoding_message(member: Member, exc: UnicodeDecodeError) -> str:
    return (
        f"{member.name} is not valid {exc.encoding.upper()} text (byte {exc.start}); the platform "
        "exports UTF-8 or UTF-16, so the file was probably re-saved in another encoding. "
        "Export it again, or save it as UTF-8."
    )


def iter_csv(member: Member, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV member with their line numbers; skips an Excel `sep=,` line."""
    with open_text(member) as fh:
        # strict: a file cut inside a quoted field is an error, not a shortened value.
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        first = True
        try:
            for row in reader:
                if first:
                    first = False
                    if row and row[0].startswith("\ufeff"):
                        row[0] = row[0][1:]
                    if _is_sep_line(row):
                        continue
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise ImportFailed(_encoding_message(member, exc)) from None
        except csv.Error as exc:
            raise ImportFailed(
                f"{member.name}, line {reader.line_num}: not valid CSV ({exc})."
            ) from None


def _is_sep_line(row: list[str]) -> bool:
    """Excel's `sep=,` hint, which csv reads as ['sep=', '']."""
    return bool(row) and row[0].strip().lower().startswith("sep=") and not any(row[1:])


def normalise_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


class Columns:
    """Find columns by name, in any order, among extra columns.

    `wanted` maps a canonical name to the header spellings accepted for it (compared after
    normalise_header); a spelling ending in '*' matches by prefix.
    """

    def __init__(
        self,
        header: Sequence[str],
        wanted: dict[str, Sequence[str]],
        *,
        required: Sequence[str],
        where: str,
    ) -> None:
        self.header = [normalise_header(h) for h in header]
        self.index: dict[str, int] = {}
        for canonical, spellings in wanted.items():
            for spelling in spellings:
                spelling = normalise_header(spelling)
                for i, name in enumerate(self.header):
                    if name == spelling or (
                        spelling.endswith("*") and name.startswith(spelling[:-1])
                    ):
                        self.index.setdefault(canonical, i)
        missing = [c for c in required if c not in self.index]
        if missing:
            names = ", ".join(f"“{wanted[c][0]}”" for c in missing)
            raise ImportFailed(f"{where}: missing column(s) {names}.")

    def __contains__(self, canonical: str) -> bool:
        return canonical in self.index

    def get(self, row: Sequence[str], canonical: str) -> str:
        i = self.index.get(canonical)
        if i is None or i >= len(row):
            return ""
        return row[i].strip()


def header_matches(header: Sequence[str], required: Sequence[str]) -> bool:
    """Whether every required name is among the header's (normalised) names."""
    names = {normalise_header(h) for h in header}
    return all(normalise_header(r) in names for r in required)


def first_csv_row(member: Member, *, skip_lines: int = 0) -> list[str]:
    """The header row of a CSV member, read from its first bytes (for sniffing)."""
    text = head_text(member)
    lines = text.splitlines()
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]  # Excel's separator hint
    lines = lines[skip_lines:]
    if not lines:
        return []
    try:
        return next(csv.reader([lines[0]]))
    except (csv.Error, StopIteration):
        return []


# --- numbers -----------------------------------------------------------------------------

NULLS = frozenset({"", "-", "—", "–", "undefined", "n/a", "na", "null", "none", "nan"})
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)$")
_THOUSANDS_SPACE = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_decimal(raw: str | None) -> Decimal | None:
    """'1777.0', '1,520', '1.520,5', '1 520', '-3' -> Decimal; blanks and '-' -> None.

    A lone decimal comma ('1,5') is ambiguous between locales and is refused.
    """
    if raw is None:
        return None
    if raw.isdigit():  # the common case, first: a plain count
        return Decimal(raw)
    value = raw.strip().strip('"').strip()
    if value.lower() in NULLS:
        return None
    if _PLAIN.match(value):
        text = value
    elif _THOUSANDS_COMMA.match(value):
        text = value.replace(",", "")
    elif _THOUSANDS_DOT.match(value):
        text = value.replace(".", "").replace(",", ".")
    elif _THOUSANDS_SPACE.match(value):
        text = re.sub(r"[ \u00a0\u202f]", "", value).replace(",", ".")
    else:
        raise ValueError(f"“{raw}” is not a number")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{raw}” is not a number") from None


def parse_int(raw: str | None) -> int | None:
    """A count: '12', '12.0', '1,520' -> int; '12.5' is refused."""
    number = parse_decimal(raw)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"“{raw}” is not a whole number")
    return int(number)


def parse_percent(raw: str | None, *, fraction: bool) -> Decimal | None:
    """A share as a fraction (0.034). '3.4%' is always a percent; a bare number is a
    fraction when the format writes fractions (fraction=True), else a percent."""
    if raw is None:
        return None
    value = raw.strip()
    if value.endswith("%"):
        number = parse_decimal(value[:-1])
        return None if number is None else number / 100
    number = parse_decimal(value)
    if number is None:
        return None
    return number if fraction else number / 100


# --- time --------------------------------------------------------------------------------


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time without offset, read in `tz`, as an aware UTC datetime.

    In the autumn overlap the first occurrence is taken (fold=0); a time in the spring
    gap, which no clock showed, is read with the offset before the change.
    """
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


# --- the parser interface ---------------------------------------------------------------


_UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class ParseContext:
    tz: ZoneInfo = _UTC_ZONE  # the team's zone, for local times without an offset
    # The import day: the date of lifetime counts, and the anchor for dates without a year.
    today: date = field(default_factory=date.today)
    handle: str = ""  # the account the user named, if any


@dataclass(frozen=True)
class Format:
    key: str  # stable id, stored on the import job
    label: str  # shown to users
    platform: str  # metrics.models.Platform value
    sniff: Callable[[Source], bool]
    parse: Callable[[Source, ParseContext], Iterator[Record]]
    # What this format can know about a post (metrics.ingest.precedence): how its word on
    # a post's kind, text and time ranks against other sources' when they disagree.
    profile: SourceProfile = NUMBERS_ONLY
