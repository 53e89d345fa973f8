"""Batched, idempotent upserts straight to the database's own bulk paths.

No model instance per row: rows are tuples. For each batch the writer reads the rows
that already exist (one query), merges in Python (a known count is never replaced by an
unknown one; rows derived from posts never replace imported ones), counts what is new,
changed and unchanged, and writes only new and changed rows with one executemany of
INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.db import connection

ColumnKind = Literal["int", "decimal", "text", "date", "datetime", "json", "bool"]
Row = tuple[Any, ...]


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _canon(kind: ColumnKind, value: Any) -> Any:
    """One comparable form for a value as Python holds it and as the database returns it."""
    if value is None:
        return None
    if kind in ("int", "decimal"):
        return Decimal(str(value)).normalize()
    if kind == "bool":
        return bool(value)
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind == "datetime":
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    if kind == "json":
        if isinstance(value, str):
            value = json.loads(value)
        return json.dumps(value, sort_keys=True)
    return str(value)


def _adapt(kind: ColumnKind, value: Any) -> Any:
    """A Python value as the database driver wants it."""
    if value is None:
        return None
    ops = connection.ops
    if kind == "date":
        return ops.adapt_datefield_value(value)
    if kind == "datetime":
        return ops.adapt_datetimefield_value(value)
    if kind == "decimal":
        return ops.adapt_decimalfield_value(value)
    if kind == "json":
        return json.dumps(value) if connection.vendor != "postgresql" else _jsonb(value)
    return value


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


Merge = Callable[[Row, Row], Row | None]


class Upserter:
    """Upsert rows of (key columns..., value columns...) into one table."""

    def __init__(
        self,
        table: str,
        keys: Sequence[tuple[str, ColumnKind]],
        values: Sequence[tuple[str, ColumnKind]],
        *,
        merge: Merge | None = None,
        not_compared: Sequence[str] = (),
        batch_size: int = 2000,
    ) -> None:
        self.table = table
        self.keys = list(keys)
        self.values = list(values)
        self.merge = merge
        # Columns that say where a row came from (the job) change on every run; a row whose
        # numbers are the same is left alone and counted as unchanged.
        self._compared = [
            (i, kind) for i, (name, kind) in enumerate(self.values) if name not in not_compared
        ]
        self.batch_size = batch_size
        self.counts = UpsertCounts()
        self._pending: dict[tuple[Any, ...], Row] = {}
        key_names = [k for k, _ in self.keys]
        all_names = key_names + [v for v, _ in self.values]
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in all_names)
        marks = ", ".join(["%s"] * len(all_names))
        updates = ", ".join(f"{qn(v)} = excluded.{qn(v)}" for v, _ in self.values)
        # Table and column names come from model metadata, never from input.
        self._insert_sql = (
            f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({', '.join(qn(k) for k in key_names)}) DO UPDATE SET {updates}"
        )
        self._select_cols = cols
        self._key_cols = ", ".join(qn(k) for k in key_names)

    def add(self, row: Row) -> None:
        key = tuple(_canon(kind, row[i]) for i, (_, kind) in enumerate(self.keys))
        previous = self._pending.get(key)
        if previous is not None and self.merge is not None:
            merged = self.merge(previous, row)
            row = merged if merged is not None else previous
        self._pending[key] = row
        if len(self._pending) >= self.batch_size:
            self.flush()

    def add_many(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> UpsertCounts:
        if not self._pending:
            return self.counts
        batch = self._pending
        self._pending = {}
        existing = self._existing(batch)
        to_write: list[Row] = []
        n_keys = len(self.keys)
        for key, row in batch.items():
            old = existing.get(key)
            if old is None:
                to_write.append(row)
                self.counts.created += 1
                continue
            new = row if self.merge is None else self.merge(old, row)
            if new is None:  # the merge keeps the stored row
                self.counts.unchanged += 1
                continue
            same = all(
                _canon(kind, new[n_keys + i]) == _canon(kind, old[n_keys + i])
                for i, kind in self._compared
            )
            if same:
                self.counts.unchanged += 1
            else:
                to_write.append(new)
                self.counts.updated += 1
        if to_write:
            kinds = [kind for _, kind in self.keys + self.values]
            params = [
                tuple(_adapt(k, v) for k, v in zip(kinds, row, strict=True)) for row in to_write
            ]
            with connection.cursor() as cursor:
                cursor.executemany(self._insert_sql, params)
        return self.counts

    def _existing(self, batch: dict[tuple[Any, ...], Row]) -> dict[tuple[Any, ...], Row]:
        key_kinds = [kind for _, kind in self.keys]
        value_kinds = [kind for _, kind in self.values]
        rows = list(batch.values())
        found: dict[tuple[Any, ...], Row] = {}
        qn = connection.ops.quote_name
        # Row-value IN (VALUES …) works on SQLite 3.15+ and PostgreSQL; chunks stay under
        # SQLite's variable limit.
        chunk = max(1, 30000 // len(self.keys) // 2)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                tuple_marks = "(" + ", ".join(["%s"] * len(self.keys)) + ")"
                values_sql = ", ".join([tuple_marks] * len(part))
                params: list[Any] = []
                for row in part:
                    params.extend(_adapt(k, row[i]) for i, k in enumerate(key_kinds))
                cursor.execute(  # names from model metadata; values are parameters
                    f"SELECT {self._select_cols} FROM {qn(self.table)} "  # noqa: S608
                    f"WHERE ({self._key_cols}) IN (VALUES {values_sql})",
                    params,
                )
                for db_row in cursor.fetchall():
                    key = tuple(_canon(k, db_row[i]) for i, k in enumerate(key_kinds))
                    n = len(key_kinds)
                    values = tuple(_decode(k, db_row[n + i]) for i, k in enumerate(value_kinds))
                    found[key] = tuple(db_row[:n]) + values
        return found


def _decode(kind: ColumnKind, value: Any) -> Any:
    """Stored values back into Python types, so merges can reuse them as they are."""
    if value is None:
        return None
    if kind == "json" and isinstance(value, str):
        return json.loads(value)
    if kind == "datetime":
        return _canon("datetime", value)
    if kind == "date":
        return _canon("date", value)
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "bool":
        return bool(value)
    return value
