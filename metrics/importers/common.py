"""What every parser takes, gives and raises: the Source it reads (one file, a zip's
members or a folder's files, within Limits that refuse oversized files and zip bombs), the
ParseContext, the Format that names a parser, and ImportFailed.

Pure Python: no Django, no database. Parsers raise ImportFailed for a file that cannot be
read at all, and yield RowError for a single bad row.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, cast
from zoneinfo import ZoneInfo

from metrics.ingest.precedence import NUMBERS_ONLY, SourceProfile
from metrics.ingest.records import ObservationBatch, Record


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
            # Hidden files (.DS_Store) are not the user's export, as in a zip.
            files = (p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            for file in sorted(files):
                members.extend(_file_members(file, path, limits, in_folder=True))
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


def _file_members(
    file: Path, root: Path, limits: Limits, *, in_folder: bool = False
) -> list[Member]:
    size = file.stat().st_size
    name = file.relative_to(root).as_posix()
    if size > limits.max_bytes:
        raise ImportFailed(f"{name} is {_mb(size)}, above the limit of {_mb(limits.max_bytes)}.")
    with file.open("rb") as fh:
        magic = fh.read(4)
    if magic in (b"PK\x03\x04", b"PK\x05\x06"):
        # A zip in a folder keeps its name in its members' names, as one in a zip does: a
        # name such as TikTok's Overview_<date>_<time>_<handle>.zip says what it holds.
        return _zip_members(name, lambda: file.open("rb"), limits, named=in_folder)
    return [Member(name, size, lambda: file.open("rb"))]


def _zip_members(
    name: str,
    opener: Callable[[], IO[bytes]],
    limits: Limits,
    depth: int = 0,
    *,
    named: bool = False,
    budget: list[int] | None = None,
) -> list[Member]:
    """List a zip's files, refusing bombs before anything is decompressed. A zip inside
    (TikTok hands out one zip per section; users zip them together) is read one level deep
    through a seekable copy, and the uncompressed-size limit applies to the total."""
    budget = [limits.max_uncompressed_bytes] if budget is None else budget
    try:
        with opener() as fh, zipfile.ZipFile(fh) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise ImportFailed(f"{name} is not a readable zip archive ({exc}).") from None
    if len(infos) > limits.max_members:
        raise ImportFailed(f"{name} holds {len(infos)} files; at most {limits.max_members}.")
    total = sum(i.file_size for i in infos)
    budget[0] -= total
    if total > limits.max_uncompressed_bytes or budget[0] < 0:
        raise ImportFailed(
            f"{name} would unpack to {_mb(total)}"
            + (" with the archive around it" if depth else "")
            + f", above the limit of {_mb(limits.max_uncompressed_bytes)}."
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
        member_name = f"{name}/{info.filename}" if depth or named else info.filename

        def open_member(info: zipfile.ZipInfo = info) -> IO[bytes]:
            return io.BufferedReader(_LimitedZipMember(opener, info))

        if info.filename.lower().endswith(".zip") and depth == 0:

            def open_copy(open_member: Callable[[], IO[bytes]] = open_member) -> IO[bytes]:
                # zipfile needs to seek; a member's stream cannot.
                copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
                with open_member() as fh:
                    shutil.copyfileobj(fh, copy)
                copy.seek(0)
                return cast(IO[bytes], copy)

            members.extend(_zip_members(info.filename, open_copy, limits, depth + 1, budget=budget))
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


# --- the parser interface ---------------------------------------------------------------


_UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class ParseContext:
    """What a parser knows besides the file."""

    tz: ZoneInfo = _UTC_ZONE  # the team's zone, for local times without an offset
    # The import day: the date of lifetime counts, and the anchor for dates without a year.
    today: date = field(default_factory=date.today)
    handle: str = ""  # the account the user named, if any


@dataclass(frozen=True)
class Format:
    """One export format: how to recognise it from its content, and its parser."""

    key: str  # stable id, stored on the import job
    label: str  # shown to users
    platform: str  # metrics.models.Platform value
    sniff: Callable[[Source], bool]
    parse: Callable[[Source, ParseContext], Iterator[Record]]
    # What this format can know about a post (metrics.ingest.precedence): how its word on
    # a post's kind, text and time ranks against other sources' when they disagree.
    profile: SourceProfile = NUMBERS_ONLY
    # A CSV format's header as the platform writes it (or the columns the parser reads):
    # how a file that is not quite this format is told what differs (describe.py).
    columns: tuple[str, ...] = ()
    # The same parse with runs of plain daily numbers handed over as ObservationBatches
    # (columnar.py): what the import uses for formats that come by the million. Expanded,
    # its records are parse's, in the same order.
    parse_batches: Callable[[Source, ParseContext], Iterator[Record | ObservationBatch]] | None = (
        None
    )
