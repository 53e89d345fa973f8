"""Daily files read in columns (metrics/importers/columnar.py, Table.read_columns, the
formats' parse_batches) give what the row-by-row parser gives: the same records, errors
and values, in the same order, for plain rows and for every tolerance rule around them.

The oracle is the row reader itself (Format.parse, midnight_day, parse_decimal): each test
compares the two readings of the same generated file, so nothing here is hard-coded."""

from __future__ import annotations

import codecs
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.importers import columnar, tables
from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.dates import midnight_day
from metrics.importers.meta import FORMATS
from metrics.importers.numbers import parse_decimal
from metrics.ingest.records import ObservationBatch

DAILY = {fmt.key: fmt for fmt in FORMATS}["facebook_daily"]

# Cells as files write them, plain ones most often, with the forms around them that only
# the row reader takes (or refuses): locale numbers, blanks, spaces, other digits, days
# that do not exist, days without the time, year 0.
PLAIN_DAYS = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(
    lambda d: f"{d.isoformat()}T00:00:00"
)
ODD_DAYS = st.sampled_from(
    [
        "2026-02-30T00:00:00",
        "0000-01-01T00:00:00",
        "2026-04-01",
        " 2026-04-01T00:00:00",
        "2026-04-01T07:00:00",
        "04/01/2026",
        "２０２６-04-01T00:00:00",
        "2026-4-01T00:00:00",
        "",
        "20260401T00:00:00X",
    ]
)
PLAIN_COUNTS = st.integers(min_value=0, max_value=10**15 - 1).map(str) | st.sampled_from(
    ["007", "0", "000000000000000"]
)
ODD_COUNTS = st.sampled_from(
    ["1,520", "1.520,5", "1 520", "-3", "", "-", "12.0", "1e3", "٣", "²", "1234567890123456", " 5"]
)
DAY_CELLS = st.one_of(PLAIN_DAYS, PLAIN_DAYS, PLAIN_DAYS, ODD_DAYS)
COUNT_CELLS = st.one_of(PLAIN_COUNTS, PLAIN_COUNTS, PLAIN_COUNTS, ODD_COUNTS)


def _row_reading(day: str, count: str) -> tuple[date, Decimal | None] | None:
    """What the row reader's fast path makes of the cells, or None where it gives up."""
    try:
        return midnight_day(day), parse_decimal(count)
    except (ValueError, ArithmeticError):
        return None


def _check_taken(days: list[str], counts: list[str]) -> None:
    taken = columnar.midnight_days_and_counts(days, counts)
    assert len(taken.flags) == len(days)
    picked = [i for i, ok in enumerate(taken.flags) if ok]
    assert len(taken.days) == len(taken.counts) == len(picked)
    for k, i in enumerate(picked):
        expected = _row_reading(days[i], counts[i])
        assert expected is not None, (days[i], counts[i])
        assert (taken.days[k], taken.counts[k]) == expected
        assert str(taken.counts[k]) == str(expected[1])  # the same Decimal, not just equal
    if taken.texts is not None:
        day_texts, count_texts = taken.texts
        assert day_texts == [d.isoformat() for d in taken.days]
        assert count_texts == [str(c) for c in taken.counts]
    for i, ok in enumerate(taken.flags):
        # The plain form, as platforms write it a million times, is always taken.
        if _is_plain(days[i], counts[i]):
            assert ok, (days[i], counts[i])


def _is_plain(day: str, count: str) -> bool:
    try:
        real = date.fromisoformat(day[:10])
    except ValueError:
        return False
    return (
        day == f"{real.isoformat()}T00:00:00"
        and count.isascii()
        and count.isdigit()
        and len(count) <= 15
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(DAY_CELLS, COUNT_CELLS), min_size=1, max_size=40))
def test_it_takes_only_cells_the_row_reader_reads_the_same_in_a_small_batch(rows):
    _check_taken([d for d, _ in rows], [c for _, c in rows])


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(DAY_CELLS, COUNT_CELLS), min_size=1, max_size=60))
def test_it_takes_only_cells_the_row_reader_reads_the_same_in_columns(rows):
    # Repeated up to the size where polars reads the batch.
    times = columnar.COLUMNAR_FROM // len(rows) + 1
    rows = rows * times
    _check_taken([d for d, _ in rows], [c for _, c in rows])


def test_it_takes_a_plain_series_whole_in_columns():
    days = [f"{date.fromordinal(730000 + i).isoformat()}T00:00:00" for i in range(5000)]
    counts = [str(i * 7919 % 1000) for i in range(5000)]
    taken = columnar.midnight_days_and_counts(days, counts)
    assert all(taken.flags) and taken.texts is not None
    assert taken.days[0] == date.fromordinal(730000)
    assert sum(taken.counts) == sum(Decimal(c) for c in counts)


# --- whole files: parse_batches, expanded, is parse ------------------------------------------


def _daily_text(rows: list[str], title: str = "Facebook follows") -> str:
    return f'sep=,\n"{title}"\n"Date","Primary"\n' + "".join(rows)


def _write(tmp_path: Path, text: str, encoding: str = "utf-16") -> Path:
    path = tmp_path / "Follows.csv"
    if encoding == "utf-16":
        path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    else:
        path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


def _both(path: Path, size: int | None = None) -> tuple[list[object], list[object]]:
    """(parse's records, parse_batches' records with each batch expanded), or the message
    each raised."""
    ctx = ParseContext()
    source = Source.from_path(path)
    assert DAILY.parse_batches is not None

    def run(parse, expand):
        out: list[object] = []
        try:
            for record in parse(source, ctx):
                if isinstance(record, ObservationBatch):
                    assert expand, "the row parser never hands over batches"
                    assert record.days, "a batch is never empty"
                    out.extend(record.records())
                else:
                    out.append(record)
        except ImportFailed as exc:
            out.append(("ImportFailed", str(exc)))
        return out

    return run(DAILY.parse, False), run(DAILY.parse_batches, True)


def _plain_row(i: int) -> str:
    return f'"{date.fromordinal(700000 + i).isoformat()}T00:00:00","{i % 401}"\n'


ODD_LINES = [
    "\n",  # a blank line
    '"",""\n',  # a blank row
    '"2026-04-01T00:00:00","1,520"\n',  # a locale number
    '"2026-04-01T00:00:00",""\n',  # no number that day
    '"2026-04-01T00:00:00","-3"\n',  # negative: the session refuses it, the parser takes it
    '"2026-02-30T00:00:00","4"\n',  # no such day
    '"04/01/2026","4"\n',  # not Meta's form
    '"2026-04-01T00:00:00"\n',  # a short row
    '"2026-04-01T00:00:00","5","extra"\n',  # an extra column
    '"2026-04-01T00:00:00","multi\nline"\n',  # a quoted value across lines
    '"2026-04-01T00:00:00","x"y"\n',  # a stray quote: not valid CSV
    '"1900-01-02T00:00:00","9"\n',  # a day repeated (the later row wins at the writer)
]


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    plain=st.integers(min_value=0, max_value=9000),
    odd=st.lists(
        st.tuples(st.integers(min_value=0, max_value=9000), st.sampled_from(ODD_LINES)),
        max_size=6,
    ),
    cut=st.booleans(),
    encoding=st.sampled_from(["utf-16", "utf-8"]),
)
def test_batches_expanded_are_the_row_parsers_records(tmp_path_factory, plain, odd, cut, encoding):
    lines = [_plain_row(i) for i in range(plain)]
    for at, line in sorted(odd, reverse=True):
        lines.insert(min(at, len(lines)), line)
    if cut:
        lines.append('"2026-04-01T00:00:00","12')  # the download stops inside a value
    path = _write(tmp_path_factory.mktemp("daily"), _daily_text(lines), encoding)
    rows, batched = _both(path)
    assert batched == rows


def test_a_large_plain_file_comes_in_batches_with_its_lines(tmp_path):
    lines = [_plain_row(i) for i in range(12000)]
    lines.insert(7000, '"2026-04-01T00:00:00","1,520"\n')
    path = _write(tmp_path, _daily_text(lines))
    assert DAILY.parse_batches is not None
    records = list(DAILY.parse_batches(Source.from_path(path), ParseContext()))
    batches = [r for r in records if isinstance(r, ObservationBatch)]
    # The locale number splits the plain run in two; it comes between them, as a record.
    assert [len(b.days) for b in batches] == [7000, 5000]
    assert batches[0].rows[0] == 4 and batches[1].rows[0] == 4 + 7001
    assert batches[0].texts is not None
    rows, batched = _both(path)
    assert batched == rows


@pytest.mark.parametrize("line", ODD_LINES)
def test_each_tolerance_rule_reads_the_same_in_a_large_file(tmp_path, monkeypatch, line):
    # Batches of 1,000 lines: the odd line falls inside the third, and batches follow it.
    monkeypatch.setattr(tables, "BATCH_LINES", 1000)
    lines = [_plain_row(i) for i in range(6000)]
    lines.insert(2500, line)
    path = _write(tmp_path, _daily_text(lines))
    rows, batched = _both(path)
    assert batched == rows
