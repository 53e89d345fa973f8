"""CSV exports read as tables, the same way for every platform.

A Table is a CSV file whose header names its columns. It takes what the platforms add
around the data: a UTF-8 BOM or UTF-16 (text.py), Excel's `sep=,` line, title lines above
the header (Meta's daily files name their metric there), and a description row under it
(the legacy Facebook export's definitions, YouTube Studio's Total row). Columns are found by
name, under any of their spellings, in any order among extra columns (Columns).

Table.read() hands each data row to the format's own reader as a Row, and turns what goes
wrong into RowErrors with the row's line and the column's name as the file spells it:
- a row shorter than the header, and a last line that stops inside a quoted value, are
  cut off (a file cut short is reported, never read as smaller numbers);
- Row.count() reads a count with the locale-tolerant number parser (numbers.py): blank is
  unknown (None), a negative or non-numeric value is a problem of that column;
- Row.value() reads a value with any parser that raises ValueError (dates.py), Row.need()
  one the row cannot do without;
- every problem a reader notes becomes a RowError of the row; a reader stops a row with
  Row.check() (once every problem of the row is noted) or by raising RowProblem, and the
  other rows are read on. Read with read_row(), a row of a file that Table cannot split
  (TikTok's Content.csv) is reported the same way.

Pure Python: no Django.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from typing import IO, Protocol, TypeVar

from metrics.importers.common import ImportFailed, Member, Source
from metrics.importers.numbers import parse_decimal, parse_int
from metrics.importers.text import encoding_message, head_text, open_text
from metrics.ingest.records import Record, RowError

csv.field_size_limit(16 * 1024 * 1024)

T = TypeVar("T")
R = TypeVar("R")

# Lines read_columns hands over at a time: large enough that the per-batch work is noise,
# small enough that memory does not grow with the file.
BATCH_LINES = 50_000

CUT_OFF = "the last line stops in the middle of a value; the file looks cut off. Export it again"


# --- headers ---------------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    """A column name as compared: no BOM or quotes, lower case, single spaces."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def header_names(header: Sequence[str]) -> set[str]:
    """The header's names, normalised."""
    return {normalise_header(h) for h in header}


def header_matches(header: Sequence[str], required: Sequence[str]) -> bool:
    """Whether every required name is among the header's (normalised) names."""
    names = header_names(header)
    return all(normalise_header(r) in names for r in required)


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


# --- sniffing ----------------------------------------------------------------------------------


def first_csv_row(member: Member) -> list[str]:
    """The header row of a CSV member, read from its first bytes (for sniffing)."""
    lines = head_text(member).splitlines()
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]  # Excel's separator hint
    if not lines:
        return []
    try:
        return next(csv.reader([lines[0]]))
    except (csv.Error, StopIteration):
        return []


def every_member(source: Source, test: Callable[[Member], bool]) -> bool:
    """Sniff helper: the source has files, and every one passes `test`. Never raises: a
    file that cannot be read is simply not this format."""
    try:
        return bool(source.members) and all(test(m) for m in source.members)
    except Exception:
        return False


def every_csv_header(source: Source, test: Callable[[list[str]], bool]) -> bool:
    """Sniff helper: every file of the source is a CSV whose header passes `test`."""
    return every_member(source, lambda member: test(first_csv_row(member)))


# --- reading ---------------------------------------------------------------------------------


def read_csv(member: Member) -> CsvRecords:
    """The records of a CSV member: (the line each ends on, its cells, whether it ended
    whole). Excel's `sep=,` line is skipped. Only the last record can be not whole: the file
    stops inside one of its quoted values (a download cut short)."""
    return CsvRecords(member)


class _ReadState:
    """What the record-by-record reader and plain_batch share (kept apart from CsvRecords:
    the generator holding it must not hold the object that holds the generator, or the
    file would wait for a garbage collection to be closed)."""

    __slots__ = ("back", "fh", "offset")

    def __init__(self) -> None:
        self.back: list[str] = []  # lines read ahead by plain_batch and given back
        self.offset = 0  # lines plain_batch took past the record-by-record reader
        self.fh: IO[str] | None = None


class CsvRecords:
    """read_csv's records, one at a time, or (plain_batch) thousands of one-line records
    at a time for a reader that takes them in columns."""

    def __init__(self, member: Member) -> None:
        self.member = member
        self._state = _ReadState()
        self._records = _read_records(member, self._state)

    def __iter__(self) -> CsvRecords:
        return self

    def __next__(self) -> tuple[int, list[str], bool]:
        return next(self._records)

    def close(self) -> None:
        self._records.close()

    def plain_batch(self, size: int) -> list[list[str]] | None:
        """The next `size` lines (fewer at the end) as records, when each is one whole
        record: what the record-by-record reader would give, without a call per record.
        [] at the end of the file. None when the lines are not all one-line records (a
        quoted value spans lines, or the CSV is not valid): nothing was taken, and the
        record-by-record reader reads them, saying what it says of them."""
        state = self._state
        fh = state.fh
        if fh is None or state.back:
            return None
        try:
            chunk = list(islice(fh, size))
        except UnicodeDecodeError as exc:
            raise ImportFailed(encoding_message(self.member, exc)) from None
        if not chunk:
            return []
        try:
            rows = list(csv.reader(chunk, strict=True))
        except csv.Error:
            rows = []
        if len(rows) != len(chunk):
            state.back.extend(reversed(chunk))
            return None
        state.offset += len(chunk)
        return rows


def _read_records(member: Member, state: _ReadState) -> Generator[tuple[int, list[str], bool]]:
    with open_text(member) as fh:
        state.fh = fh
        ended = False
        back = state.back

        def lines(text: IO[str]) -> Iterator[str]:
            nonlocal ended
            for line in text:
                while back:
                    yield back.pop()
                yield line
            while back:
                yield back.pop()
            ended = True

        # strict: a stray quote is an error, not a silently merged value.
        reader = csv.reader(lines(fh), strict=True)
        first = True
        try:
            for cells in reader:
                if first:
                    first = False
                    if cells and cells[0].startswith("\ufeff"):
                        cells[0] = cells[0][1:]
                    if _is_sep_line(cells):
                        continue
                yield reader.line_num + state.offset, cells, True
        except UnicodeDecodeError as exc:
            raise ImportFailed(encoding_message(member, exc)) from None
        except csv.Error as exc:
            if ended:  # the file ends inside a quoted value
                yield reader.line_num + state.offset, [], False
                return
            raise ImportFailed(
                f"{member.name}, line {reader.line_num + state.offset}: not valid CSV ({exc})."
            ) from None


def iter_csv(member: Member) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV member with the line each ends on; a file that stops inside a quoted
    value is refused as a whole."""
    for line, cells, whole in read_csv(member):
        if not whole:
            raise ImportFailed(f"{member.name}, line {line}: {CUT_OFF}.")
        yield line, cells


def _is_sep_line(row: list[str]) -> bool:
    """Excel's `sep=,` hint, which csv reads as ['sep=', '']."""
    return bool(row) and row[0].strip().lower().startswith("sep=") and not any(row[1:])


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in cells)


class RowProblem(Exception):
    """A row cannot be read: it becomes a RowError, and the other rows are read on."""


class Header(Protocol):
    """What a row is read against: its file and the columns of its header (a Table, or a
    format's own reader for files no CSV reader can split)."""

    member: Member
    columns: Columns

    def label(self, key: str) -> str: ...


class Row:
    """One data row: its cells read by column, and the problems found in it."""

    __slots__ = ("cells", "line", "problems", "table", "whole")

    def __init__(self, table: Header, line: int, cells: list[str], *, whole: bool = True):
        self.table = table
        self.line = line  # where the row starts (a quoted value may span lines)
        self.cells = cells
        self.whole = whole
        self.problems: list[str] = []

    def label(self, key: str) -> str:
        return self.table.label(key)

    def text(self, key: str, *, required: bool = False) -> str:
        """The cell, stripped; '' when the file has no such column. A blank cell is a
        problem when the value is required."""
        value = self.table.columns.get(self.cells, key)
        if required and not value:
            self.fail(f"column “{self.label(key)}” is empty")
        return value

    def count(self, key: str) -> int | None:
        """A count: None when the column is absent or the cell blank; a problem when it is
        not a whole number, or negative."""
        if key not in self.table.columns:
            return None
        raw = self.text(key)
        try:
            value = parse_int(raw)
        except ValueError as exc:
            self.fail_column(key, str(exc))
            return None
        if value is not None and value < 0:
            self.fail_column(key, f"“{raw}” is negative")
            return None
        return value

    def number(self, key: str) -> Decimal | None:
        """Any number (negative, with decimals); None when absent or blank."""
        return self.value(key, parse_decimal)

    def value(
        self, key: str, parse: Callable[[str], T | None], *, required: bool = False
    ) -> T | None:
        """The cell read by `parse`; its ValueError becomes a problem of the column. A blank
        cell is None, or a problem when the value is required."""
        raw = self.text(key, required=required)
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError as exc:
            self.fail_column(key, str(exc))
            return None

    def need(self, key: str, parse: Callable[[str], T]) -> T:
        """The cell read by `parse`, which the row cannot do without: a blank or bad cell
        stops the row here (with every problem noted so far)."""
        value = self.value(key, parse, required=True)
        if value is None:
            raise RowProblem()
        return value

    def fail(self, message: str) -> None:
        """Note a problem of this row: it becomes a RowError."""
        self.problems.append(message)

    def fail_column(self, key: str, message: str) -> None:
        self.fail(f"column “{self.label(key)}”: {message}")

    def check(self) -> None:
        """Stop reading the row when a problem was noted: its problems become RowErrors."""
        if self.problems:
            raise RowProblem()


class Table:
    """A CSV member with its header mapped to the columns a format reads.

    `title_rows` rows above the header are kept in `titles`, with their lines;
    `description` tells the row right under the header that describes the columns rather
    than holding data.
    """

    def __init__(
        self,
        member: Member,
        wanted: dict[str, Sequence[str]],
        *,
        required: Sequence[str],
        title_rows: int = 0,
        description: Callable[[Row], bool] | None = None,
    ) -> None:
        self.member = member
        self._records: Iterator[tuple[int, list[str], bool]] = read_csv(member)
        self.titles: list[tuple[int, list[str]]] = []
        header: tuple[int, list[str], bool] | None = None
        for record in self._records:
            if _is_blank(record[1]) and record[2]:
                continue
            if len(self.titles) < title_rows:
                self.titles.append((record[0], record[1]))
                continue
            header = record
            break
        if header is None or not header[2]:
            raise ImportFailed(f"{member.name}: the file is empty.")
        self._header_line, self.header, _whole = header
        self.columns = Columns(self.header, wanted, required=required, where=member.name)
        self._description = description

    def label(self, key: str) -> str:
        """The column's name as the file spells it, for messages."""
        return self.header[self.columns.index[key]].replace("\ufeff", "").strip()

    def __contains__(self, key: str) -> bool:
        return key in self.columns

    def rows(self) -> Iterator[Row]:
        """The data rows, blank ones left out, each with the line it starts on."""
        for line, cells, whole in self._records_after_header():
            if not (whole and _is_blank(cells)):
                yield Row(self, line, cells, whole=whole)

    def _records_after_header(self) -> Iterator[tuple[int, list[str], bool]]:
        """The records under the header with the line each starts on (a quoted value may
        span lines), the description row left out."""
        previous_end = self._header_line
        described = self._description is None
        for end, cells, whole in self._records:
            line, previous_end = previous_end + 1, end
            if not described and whole and not _is_blank(cells):
                described = True
                if self._description is not None and self._description(Row(self, line, cells)):
                    continue
            yield line, cells, whole

    def read(
        self,
        reader: Callable[[Row], Iterable[Record]],
        *,
        fast: Callable[[list[str], int], Sequence[Record]] | None = None,
    ) -> Iterator[Record]:
        """What `reader` makes of each data row, and a RowError per problem of a row: cut
        off, or whatever the reader noted or raised.

        `fast` reads a plain, whole row from its cells and line without a Row (files of a
        million daily numbers pay for every call per row); it raises ValueError or
        IndexError for anything it cannot read, and that row goes through `reader`, which
        says what is wrong with it.
        """
        if fast is not None:
            yield from self._read_fast(reader, fast)
            return
        for row in self.rows():
            yield from self._checked(row, reader)

    def _checked(self, row: Row, reader: Callable[[Row], Iterable[Record]]) -> Iterator[Record]:
        if not row.whole:
            yield RowError(row.line, CUT_OFF, self.member.name)
        elif len(row.cells) < len(self.header):
            yield RowError(
                row.line,
                f"the row has {len(row.cells)} columns where the header has "
                f"{len(self.header)}; the file looks cut off or damaged. Export it again",
                self.member.name,
            )
        else:
            yield from read_row(row, reader)

    def read_columns(
        self,
        reader: Callable[[Row], Iterable[Record]],
        *,
        fast: Callable[[list[str], int], Sequence[Record]],
        keys: Sequence[str],
        take: Callable[[list[int], list[list[str]]], tuple[list[bool], Callable[[int, int], R]]],
        size: int | None = None,
    ) -> Iterator[Record | R]:
        """What read(reader, fast=fast) gives, with the file's plain rows read in batches
        of up to `size` lines and handed to `take` as columns (the cells of `keys`, as the
        file writes them, and each row's line). `take` says which rows it takes and makes
        one record of each run of them (make(i, j): its i-th to j-th taken rows); every
        other row is read as read() reads it, in its place: records come in the order of
        the file's rows."""
        records = self._records
        if self._description is not None or not isinstance(records, CsvRecords):
            yield from self.read(reader, fast=fast)
            return
        size = size or BATCH_LINES
        width = len(self.header)
        at = [self.columns.index[key] for key in keys]
        previous_end = self._header_line  # the line the last record ended on
        while True:
            batch = records.plain_batch(size)
            if batch == []:
                return
            if batch is None:
                # Lines that are not one record each: read as read() reads them.
                left = size
                for end, cells, whole in records:
                    line, previous_end = previous_end + 1, end
                    yield from self._one_row(reader, fast, line, cells, whole, width)
                    left -= 1
                    if left == 0:
                        break
                else:
                    return
                continue
            first = previous_end + 1
            previous_end += len(batch)
            yield from self._take(batch, first, at, width, take, reader, fast)

    def _take(
        self,
        batch: list[list[str]],
        first: int,
        at: list[int],
        width: int,
        take: Callable[[list[int], list[list[str]]], tuple[list[bool], Callable[[int, int], R]]],
        reader: Callable[[Row], Iterable[Record]],
        fast: Callable[[list[str], int], Sequence[Record]],
    ) -> Iterator[Record | R]:
        """One batch of one-line records, starting on line `first`."""
        lines = list(range(first, first + len(batch)))
        if min(map(len, batch)) < width:  # a blank or short row: those are read one by one
            wide = [i for i, cells in enumerate(batch) if len(cells) >= width]
        else:
            wide = lines
        rows = batch if wide is lines else [batch[i] for i in wide]
        row_lines = lines if wide is lines else [lines[i] for i in wide]
        columns = [list(map(itemgetter(i), rows)) for i in at]
        taken, make = take(row_lines, columns)
        if wide is not lines:
            # Back to one flag per line of the batch: the narrow rows are not taken.
            flags = [False] * len(batch)
            for i, ok in zip(wide, taken, strict=True):
                flags[i] = ok
            taken = flags
        done = 0  # taken rows made into records so far
        start = None  # the taken index that begins the current run
        for i, ok in enumerate(taken):
            if ok:
                if start is None:
                    start = done
                done += 1
                continue
            if start is not None:
                yield make(start, done)
                start = None
            yield from self._one_row(reader, fast, lines[i], batch[i], True, width)
        if start is not None:
            yield make(start, done)

    def _one_row(
        self,
        reader: Callable[[Row], Iterable[Record]],
        fast: Callable[[list[str], int], Sequence[Record]],
        line: int,
        cells: list[str],
        whole: bool,
        width: int,
    ) -> Iterator[Record]:
        """One row as _read_fast reads it."""
        if whole and len(cells) >= width:
            try:
                records = fast(cells, line)
            except (ValueError, IndexError):
                pass  # the full reader says what is wrong with it
            else:
                yield from records
                return
        if not (whole and _is_blank(cells)):
            yield from self._checked(Row(self, line, cells, whole=whole), reader)

    def _read_fast(
        self,
        reader: Callable[[Row], Iterable[Record]],
        fast: Callable[[list[str], int], Sequence[Record]],
    ) -> Iterator[Record]:
        width = len(self.header)
        for line, cells, whole in self._records_after_header():
            if whole and len(cells) >= width:
                try:
                    records = fast(cells, line)
                except (ValueError, IndexError):
                    pass  # the full reader says what is wrong with it
                else:
                    yield from records
                    continue
            if not (whole and _is_blank(cells)):
                yield from self._checked(Row(self, line, cells, whole=whole), reader)


def read_row(row: Row, reader: Callable[[Row], Iterable[Record]]) -> Iterator[Record]:
    """What `reader` makes of a row, and a RowError for each problem it noted or raised."""
    records: list[Record] = []
    try:
        records.extend(reader(row))
    except RowProblem as exc:
        if str(exc):
            row.fail(str(exc))
    for problem in row.problems:
        yield RowError(row.line, problem, row.table.member.name)
    yield from records
