"""Batched, idempotent upserts straight to the database's own bulk paths.

No model instance per row: rows are tuples (named tuples, rows.py). For each batch the
writer reads the rows that already exist (one query per key prefix), merges each with its
stored row through the caller's merge function (the precedence rules), counts what is new,
changed and unchanged, and writes only what differs, with one executemany of
INSERT … ON CONFLICT DO UPDATE (SQLite), or COPY (PostgreSQL).

A merge may not be decidable yet (the snapshot time of the file being imported is only
known at its end): it raises MergeDeferred, the row waits, and flush_deferred() decides
it once the caller knows. A row whose numbers are the same but whose provenance changed
(a later snapshot confirming a value) is written and counted as unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, connection, transaction

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


def _identity(value: Any) -> Any:
    return value


def _adapters(kinds: Sequence[ColumnKind]) -> list[Callable[[Any], Any]]:
    """One function per column turning a Python value into what the driver wants, chosen
    once per writer (looking the backend up per value costs more than the write)."""
    postgres = connection.vendor == "postgresql"

    def none_safe(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        return lambda value: None if value is None else fn(value)

    table: dict[ColumnKind, Callable[[Any], Any]] = {
        "int": _identity,
        "text": _identity,
        "bool": _identity,
        "decimal": _identity,
        "date": _identity if postgres else none_safe(date.isoformat),
        "datetime": _identity if postgres else _sqlite_datetime(),
        "json": _json_text(),
    }
    return [table[kind] for kind in kinds]


def _sqlite_datetime() -> Callable[[Any], Any]:
    """What SQLite's adapt_datetimefield_value makes of a datetime (an aware one naive in
    the connection's zone, then str()), without its per-value look-ups."""
    fallback = connection.ops.adapt_datetimefield_value
    use_tz = settings.USE_TZ
    db_tz = connection.timezone

    def sqlite_datetime(value: Any) -> Any:
        if value is None:
            return None
        if use_tz and type(value) is datetime and value.utcoffset() is not None:
            return str(value.astimezone(db_tz).replace(tzinfo=None))
        return fallback(value)

    return sqlite_datetime


def _json_text() -> Callable[[Any], Any]:
    """JSON text for both databases: PostgreSQL casts a text parameter (sent with no type)
    and a COPY field to jsonb itself, cheaper than a Jsonb wrapper per value.

    A writer's JSON values repeat (every post of an import has the same evidence and
    sources, many the same mentions): each distinct value is encoded once. A value is
    known again by its items and their types, so 1, 1.0 and True stay apart."""
    memo: dict[tuple[Any, ...], str] = {}

    def json_value(value: Any) -> Any:
        if value is None:
            return None
        if not value:  # most lists of a post (mentions, links) are empty
            return "[]" if isinstance(value, list) else "{}"
        kind = type(value)
        if kind is list:
            key: tuple[Any, ...] = (list, *value, *map(type, value))
        elif kind is dict:
            key = (dict, *value.items(), *map(type, value), *map(type, value.values()))
        else:
            return json.dumps(value)
        try:
            text = memo.get(key)
        except TypeError:  # an item that cannot be a key (a list in the list)
            return json.dumps(value)
        if text is None:
            if len(memo) >= _JSON_MEMO_SIZE:
                memo.clear()
            text = memo[key] = json.dumps(value)
        return text

    return json_value


_JSON_MEMO_SIZE = 10_000

Merge = Callable[[Row, Row], Row | None]


class MergeDeferred(Exception):
    """Raised by a merge function that cannot decide yet; the row waits for flush_deferred."""


class _NewRowsConflicted(Exception):
    """A batch written as all new met a stored key; nothing of it was written."""


# Times a batch whose new rows met stored ones is read and merged again before the write
# that needs no assumption (ON CONFLICT) takes over.
_CONFLICT_ATTEMPTS = 2


class Upserter:
    """Upsert rows of (key columns..., value columns...) into one table.

    Key values must be given as the Python types of their kind (int, str, date, aware
    datetime): they identify rows within a batch as they are.
    """

    def __init__(
        self,
        table: str,
        keys: Sequence[tuple[str, ColumnKind]],
        values: Sequence[tuple[str, ColumnKind]],
        *,
        merge: Merge | None = None,
        not_compared: Sequence[str] = (),
        batch_size: int | None = None,
        exclusive: bool = False,
        prepare: Callable[[Iterable[Row]], None] | None = None,
        on_stored: Callable[[Row], None] | None = None,
    ) -> None:
        self.table = table
        self.keys = list(keys)
        self.values = list(values)
        self.merge = merge
        # Columns that say where a row came from (its snapshot): a row whose other values
        # are the same counts as unchanged (and is still written when they differ).
        self._compared = [
            (i, kind) for i, (name, kind) in enumerate(self.values) if name not in not_compared
        ]
        self._compared_at = [i for i, _ in self._compared]
        self._provenance_at = [
            i for i, (name, _kind) in enumerate(self.values) if name in not_compared
        ]
        self._postgres = connection.vendor == "postgresql"
        # Larger batches suit COPY; SQLite's executemany gains nothing past a few thousand.
        self.batch_size = batch_size or (20000 if self._postgres else 5000)
        # True when the caller holds a lock that keeps other writers of these keys away
        # (imports lock their account), which lets new rows skip the conflict handling.
        self.exclusive = exclusive
        # Called with a batch's stored rows before they are merged (to load what the merge
        # needs in one query), and with every row as it is stored after a flush (new,
        # merged, or the stored one kept).
        self.prepare = prepare
        self.on_stored = on_stored
        self.counts = UpsertCounts()
        self._pending: dict[tuple[Any, ...], Row] = {}
        self.deferred: dict[tuple[Any, ...], Row] = {}
        self._n_keys = len(self.keys)
        self._key_adapters = _adapters([kind for _, kind in self.keys])
        self._row_adapters = _adapters([kind for _, kind in self.keys + self.values])
        self._driver_dates: set[int] = (
            set()
            if self._postgres
            else {i for i, (_, kind) in enumerate(self.keys + self.values) if kind == "date"}
        )
        qn = connection.ops.quote_name
        key_names = [k for k, _ in self.keys]
        all_names = key_names + [v for v, _ in self.values]
        self._qtable = qn(table)
        self._cols = ", ".join(qn(c) for c in all_names)
        self._key_cols = [qn(k) for k in key_names]
        marks = ", ".join(["%s"] * len(all_names))
        self._conflict = f"ON CONFLICT ({', '.join(self._key_cols)}) DO UPDATE SET " + ", ".join(
            f"{qn(v)} = excluded.{qn(v)}" for v, _ in self.values
        )
        # Table and column names come from model metadata, never from input.
        self._insert_sql = (
            f"INSERT INTO {self._qtable} ({self._cols}) VALUES ({marks}) {self._conflict}"  # noqa: S608
        )
        self._insert_new_sql = (
            f"INSERT INTO {self._qtable} ({self._cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({', '.join(self._key_cols)}) DO NOTHING"
        )
        self._staging = qn(f"staging_{table}")

    def add(self, row: Row) -> None:
        key = row[: self._n_keys]
        waiting = self.deferred.get(key) if self.deferred else None
        if waiting is not None:
            # The same key again (a file that repeats a row) while its first row waits for
            # the snapshot time: the two merge now, as rows of one snapshot always can.
            self.deferred[key] = self._merge_pending(waiting, row)
            return
        previous = self._pending.get(key)
        if previous is not None:
            row = self._merge_pending(previous, row)
        self._pending[key] = row
        if len(self._pending) >= self.batch_size:
            self.flush()

    def _merge_pending(self, previous: Row, row: Row) -> Row:
        if self.merge is None:
            return row
        merged = self.merge(previous, row)
        return merged if merged is not None else previous

    def add_many(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def add_rows(
        self,
        keys: Sequence[tuple[Any, ...]],
        rows: Sequence[Row],
        written: Sequence[Row] | None = None,
    ) -> None:
        """add() for each row in order, with each row's key given (a batch's rows come as
        columns, and their keys are cheaper to zip than to slice). `written` may give the
        same rows as the driver takes them (text a columnar reader already has, where the
        adapters would make it one value at a time); they are written as they are when
        none of their keys is stored.

        A part of the rows whose keys are all new to what is pending is decided at once;
        anything else (a key repeated, a row waiting for the snapshot's time) takes add()'s
        way, row by row."""
        size = self.batch_size
        start, n = 0, len(rows)
        while start < n:
            # As many rows as fill the pending batch: batches end where add() ends them
            # (which rows meet in a batch decides what a repeated key counts as).
            end = start + size - len(self._pending)
            part = rows[start:end]
            batch = dict(zip(keys[start:end], part, strict=True))
            if (
                self.deferred
                or len(batch) != len(part)
                or (self._pending and not self._pending.keys().isdisjoint(batch))
            ):
                for row in part:
                    self.add(row)
            elif not self._pending and len(batch) == size:
                self._flush(batch, None if written is None else written[start:end])
            else:
                self._pending.update(batch)
                if len(self._pending) >= size:
                    self.flush()
            start = end

    def flush(self) -> UpsertCounts:
        if not self._pending:
            return self.counts
        batch = self._pending
        self._pending = {}
        self._flush(batch)
        return self.counts

    def _flush(
        self, batch: dict[tuple[Any, ...], Row], written: Sequence[Row] | None = None
    ) -> None:
        for _attempt in range(_CONFLICT_ATTEMPTS):
            try:
                self._flush_batch(batch, written=written)
                return
            except _NewRowsConflicted:
                # Rows thought new were stored meanwhile by a writer that did not hold our
                # lock: nothing of the batch was written; it is read again and merged.
                continue
        # Still conflicting: the write that knows no shortcut (ON CONFLICT) decides.
        self._flush_batch(batch, shortcut=False)

    def _flush_batch(
        self,
        batch: dict[tuple[Any, ...], Row],
        *,
        shortcut: bool = True,
        written: Sequence[Row] | None = None,
    ) -> None:
        """Decide and write one batch (`written`: its rows as the driver takes them, in
        the batch's order). Counts, waiting rows and callbacks only take effect once it is
        written, so a batch that meets a conflict can be done again."""
        existing = self._existing(batch)
        if not existing:
            # Nothing of the batch is stored (a first import): every row is new.
            rows = list(batch.values())
            self._write(rows, all_new=shortcut, written=written)
            self.counts.created += len(rows)
            if self.on_stored is not None:
                for row in rows:
                    self.on_stored(row)
            return
        if self.prepare is not None:
            self.prepare(existing.values())
        counts = UpsertCounts()
        deferred: dict[tuple[Any, ...], Row] = {}
        to_write: list[Row] = []
        stored: list[Row] = []
        n_keys = self._n_keys
        for key, row in batch.items():
            old = existing.get(key)
            if old is None:
                to_write.append(row)
                stored.append(row)
                counts.created += 1
                continue
            try:
                new = row if self.merge is None else self.merge(old, row)
            except MergeDeferred:
                deferred[key] = row
                continue
            if new is None:  # the merge keeps the stored row
                counts.unchanged += 1
                stored.append(old)
                continue
            stored.append(new)
            # Stored values were decoded to Python types, so plain equality compares them
            # (Decimal("5") == Decimal("5.0000"), aware datetimes across zones, lists).
            if all(new[n_keys + i] == old[n_keys + i] for i in self._compared_at):
                counts.unchanged += 1
                if any(new[n_keys + i] != old[n_keys + i] for i in self._provenance_at):
                    to_write.append(new)  # only its provenance changed
            else:
                to_write.append(new)
                counts.updated += 1
        if to_write:
            self._write(to_write, all_new=shortcut and not existing)
        self.counts.add(counts)
        self.deferred.update(deferred)
        if self.on_stored is not None:
            for row in stored:
                self.on_stored(row)

    def flush_deferred(self) -> UpsertCounts:
        """Decide the rows whose merge waited (the caller now knows what it needed)."""
        self.flush()
        while self.deferred:
            self._pending, self.deferred = self.deferred, {}
            waiting = len(self._pending)
            self.flush()
            if len(self.deferred) >= waiting:
                raise RuntimeError("a merge deferred again after the snapshot time was known")
        return self.counts

    def _write(
        self, rows: list[Row], *, all_new: bool, written: Sequence[Row] | None = None
    ) -> None:
        params = self._adapt_rows(rows) if written is None else written
        with connection.cursor() as cursor:
            if not self._postgres:
                if all_new and self.exclusive:
                    # As for COPY below: rows thought new that another writer stored
                    # meanwhile are not overwritten unmerged; the batch is done again.
                    with transaction.atomic():
                        cursor.executemany(self._insert_new_sql, params)
                        if cursor.rowcount != len(params):
                            raise _NewRowsConflicted
                    return
                cursor.executemany(self._insert_sql, params)
                return
            if all_new and self.exclusive:
                # Nothing of this batch is stored, and the caller holds the lock that keeps
                # other writers of these keys out: COPY straight into the table. Should a
                # writer without that lock have stored one of the keys meanwhile, the COPY
                # is undone (its savepoint) and the batch done again, not the import failed.
                try:
                    with (
                        transaction.atomic(),
                        connection.wrap_database_errors,  # the driver's error as Django's
                        cursor.cursor.copy(
                            f"COPY {self._qtable} ({self._cols}) FROM STDIN"
                        ) as copy,
                    ):
                        for row in params:
                            copy.write_row(row)
                except IntegrityError as exc:
                    raise _NewRowsConflicted from exc
                return
            # PostgreSQL: COPY into a staging table, then one INSERT … ON CONFLICT.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {self._staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {self._cols} FROM {self._qtable} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {self._staging} ({self._cols}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
            # In the order of the key: two writers of overlapping keys lock the rows in
            # the same order, so one waits for the other instead of both deadlocking.
            cursor.execute(
                f"INSERT INTO {self._qtable} ({self._cols}) "  # noqa: S608
                f"SELECT {self._cols} FROM {self._staging} "
                f"ORDER BY {', '.join(self._key_cols)} {self._conflict}"
            )
            cursor.execute(f"TRUNCATE {self._staging}")

    def _adapt_rows(self, rows: list[Row]) -> list[Row]:
        """Rows as the driver wants them; only the columns that need it are touched."""
        todo = [(i, fn) for i, fn in enumerate(self._row_adapters) if fn is not _identity]
        if todo and self._driver_dates:
            # Days as they are: Django's SQLite backend registers the same isoformat for
            # a date with the driver, which calls it in C (no tuple rebuilt per row). Only
            # for exact dates: a datetime would be written with its time.
            todo = [
                (i, fn)
                for i, fn in todo
                if i not in self._driver_dates or set(map(type, map(itemgetter(i), rows))) != {date}
            ]
        if not todo or not rows:
            return rows
        # Column by column: a map per column instead of a list and a tuple per row.
        columns = list(zip(*rows, strict=True))
        for i, fn in todo:
            columns[i] = tuple(map(fn, columns[i]))
        return list(zip(*columns, strict=True))

    def _existing(self, batch: dict[tuple[Any, ...], Row]) -> dict[tuple[Any, ...], Row]:
        """The stored rows with the batch's keys: per key prefix (e.g. account and metric)
        one range scan of the unique index over the batch's dates, or an IN list for text
        keys (whose order depends on the database's collation, so no range is safe)."""
        groups: dict[tuple[Any, ...], list[Any]] = {}
        heads = set(map(_HEAD, batch))
        if len(heads) == 1:  # one account and metric: the common case, without a loop
            groups[heads.pop()] = list(map(_LAST, batch))
        else:
            for key in batch:
                groups.setdefault(key[:-1], []).append(key[-1])
        key_kinds = [kind for _, kind in self.keys]
        decoded = [
            (i, kind) for i, (_name, kind) in enumerate(self.values) if kind not in ("int", "text")
        ]
        n = self._n_keys
        by_range = key_kinds[-1] in ("date", "datetime")
        prefix = [f"{col} = %s" for col in self._key_cols[:-1]]
        last_adapter = self._key_adapters[-1]
        found: dict[tuple[Any, ...], Row] = {}
        with connection.cursor() as cursor:
            for head, lasts in groups.items():
                params = [fn(v) for fn, v in zip(self._key_adapters, head, strict=False)]
                chunks = (
                    [lasts] if by_range else [lasts[i : i + 900] for i in range(0, len(lasts), 900)]
                )
                for chunk in chunks:
                    if by_range:
                        last_sql = f"{self._key_cols[-1]} BETWEEN %s AND %s"
                        last_params = [last_adapter(min(chunk)), last_adapter(max(chunk))]
                    else:
                        last_sql = f"{self._key_cols[-1]} IN ({', '.join(['%s'] * len(chunk))})"
                        last_params = [last_adapter(v) for v in chunk]
                    where = " AND ".join([*prefix, last_sql])
                    cursor.execute(
                        f"SELECT {self._cols} FROM {self._qtable} WHERE {where}",  # noqa: S608
                        params + last_params,
                    )
                    for db_row in cursor.fetchall():
                        key = tuple(_decode(k, db_row[i]) for i, k in enumerate(key_kinds))
                        if key in batch:
                            # Only the columns the driver does not already return as the
                            # Python value are decoded (a call per value adds up).
                            values = list(db_row[n:])
                            for i, kind in decoded:
                                values[i] = _decode(kind, values[i])
                            found[key] = key + tuple(values)
        return found


_HEAD = itemgetter(slice(None, -1))
_LAST = itemgetter(-1)


def _decode(kind: ColumnKind, value: Any) -> Any:
    """Stored values back into Python types, so merges can reuse them as they are."""
    if value is None:
        return None
    if kind == "json" and isinstance(value, str):
        if value == "[]":  # most of a post's lists (mentions, links) are empty
            return []
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
