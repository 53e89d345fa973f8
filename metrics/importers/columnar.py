"""Cells of a large export coerced a column at a time (polars), not a Python call per cell.

A daily file holds a million rows of two cells each. The csv module splits the rows (it
keeps every tolerance rule of tables.py: BOM, `sep=,`, title and description rows, cut-off
lines, rows shorter than the header) and is not where the time goes; reading each cell with
its own parser call and building a record per row is. Here a batch of cells is checked
against the one plain form a platform writes a million times ("2026-04-01T00:00:00", "412")
and converted in one pass. Only what the plain form covers is taken: a cell in any other
form (a locale number, a blank, a day that does not exist) is reported back untaken, and
the caller reads that row with the row reader, which accepts it or says what is wrong with
it exactly as before. Taken rows give the values the row reader would have given them
(tests/metrics/importers/test_columnar.py proves it over generated cells).

polars is imported on the first large batch only: a small file pays nothing for it.

Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

# Below this many rows a batch is coerced cell by cell: starting polars and building its
# frames costs more than it saves (a 1,000-row file is not slower than before).
COLUMNAR_FROM = 4096

# What midnight_day's and parse_decimal's fast paths take, and nothing more: an ISO day
# at midnight, and a plain count of at most 15 ASCII digits.
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00$"
_COUNT = r"^[0-9]{1,15}$"

_polars: Any = None


def _pl() -> Any:
    global _polars
    if _polars is None:
        import polars

        _polars = polars
    return _polars


def _plain_day(raw: str) -> date | None:
    if len(raw) == 19 and raw.endswith("T00:00:00") and raw[4] == "-" and raw[7] == "-":
        head = raw[:10]
        if head[:4].isascii() and head.replace("-", "").isdigit():
            try:
                return date.fromisoformat(head)
            except ValueError:
                return None
    return None


def _plain_count(raw: str) -> Decimal | None:
    if 0 < len(raw) < 16 and raw.isascii() and raw.isdigit():
        return Decimal(raw)
    return None


class Taken:
    """What midnight_days_and_counts takes of a batch: a flag per row, and for the rows
    taken, in order, their days and counts, and both as ISO text ("2026-04-01", "412") when
    the batch was large enough to be read in columns."""

    __slots__ = ("counts", "days", "flags", "texts")

    def __init__(
        self,
        flags: list[bool],
        days: list[date],
        counts: list[Decimal],
        texts: tuple[list[str], list[str]] | None = None,
    ) -> None:
        self.flags, self.days, self.counts, self.texts = flags, days, counts, texts


def midnight_days_and_counts(days: Sequence[str], counts: Sequence[str]) -> Taken:
    """For each row (a day cell and a count cell): whether it is in the plain form, and for
    the rows that are, in order, the day and the count (as midnight_day and parse_decimal
    read them)."""
    if len(days) < COLUMNAR_FROM:
        taken: list[bool] = []
        out_days: list[date] = []
        out_counts: list[Decimal] = []
        for raw_day, raw_count in zip(days, counts, strict=True):
            day, count = _plain_day(raw_day), _plain_count(raw_count)
            if day is None or count is None:
                taken.append(False)
                continue
            taken.append(True)
            out_days.append(day)
            out_counts.append(count)
        return Taken(taken, out_days, out_counts)
    pl = _pl()
    frame = pl.DataFrame(
        {"day": days, "count": counts}, schema={"day": pl.String, "count": pl.String}
    )
    parsed = frame.select(
        day=pl.when(pl.col("day").str.contains(_DAY))
        .then(pl.col("day").str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .otherwise(None),
        count=pl.when(pl.col("count").str.contains(_COUNT))
        .then(pl.col("count").cast(pl.Int64, strict=False))
        .otherwise(None),
    )
    # Year 0 parses in polars but is no date in Python: the row reader says so.
    ok = parsed.select(
        ok=pl.col("day").is_not_null()
        & pl.col("count").is_not_null()
        & (pl.col("day").dt.year() >= 1)
    )["ok"]
    good = parsed.filter(ok)
    # The day's text is the cell's first ten characters (checked as a real ISO day); the
    # count's is the number without leading zeros, as str(Decimal) writes it.
    day_texts = frame["day"].filter(ok).str.slice(0, 10).to_list()
    count_texts = good["count"].cast(pl.String).to_list()
    return Taken(
        ok.to_list(),
        good["day"].to_list(),
        list(map(Decimal, count_texts)),
        (day_texts, count_texts),
    )
