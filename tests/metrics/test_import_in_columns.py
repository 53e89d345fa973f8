"""A large daily file imported in columns (the format's parse_batches) writes, counts and
refuses exactly what the row-by-row import does: each test imports the same file both ways,
into the same database state, and compares."""

from __future__ import annotations

import codecs
import dataclasses
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction

from metrics.importers import meta, registry
from metrics.importers.common import ImportFailed, Source
from metrics.models import MetricObservation, Snapshot
from metrics.platforms import Platform
from metrics.services import import_source
from tests.factories import AccountFactory


@pytest.fixture
def fb_account(team):
    return AccountFactory(team=team, platform=Platform.FACEBOOK, handle="loomwellroasters")


def _daily(path: Path, rows: list[str], title: str = "Facebook follows") -> Path:
    text = f'sep=,\n"{title}"\n"Date","Primary"\n' + "".join(rows)
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    return path


def _series(n: int, start: date = date(2001, 1, 1), value=lambda i: i % 97) -> list[str]:
    return [
        f'"{date.fromordinal(start.toordinal() + i).isoformat()}T00:00:00","{value(i)}"\n'
        for i in range(n)
    ]


def _stored(account) -> list[tuple]:
    """The account's daily numbers, each with the key of the file (snapshot) it names."""
    keys = dict(Snapshot.objects.filter(account=account).values_list("pk", "key"))
    return [
        (metric, day, value, source, keys.get(sid) if sid is not None else None)
        for metric, day, value, source, sid in MetricObservation.objects.filter(account=account)
        .order_by("metric", "date")
        .values_list("metric", "date", "value", "source", "snapshot_id")
    ]


def _row_by_row(monkeypatch) -> None:
    """The formats as they were: no parse_batches, every row a record."""
    formats = [dataclasses.replace(fmt, parse_batches=None) for fmt in registry.FORMATS]
    monkeypatch.setattr(registry, "FORMATS", formats)


def _import_both_ways(team, account, paths, monkeypatch):
    """Import the files in order in columns, undo, then row by row: the outcomes and the
    rows stored after each file, both ways."""
    results = {}
    for way in ("columns", "rows"):
        if way == "rows":
            _row_by_row(monkeypatch)
        seen = []
        sid = transaction.savepoint()
        for path in paths:
            try:
                outcome = import_source(team=team, source=Source.from_path(path), account=account)
                seen.append(
                    (
                        outcome.rows_read,
                        outcome.created,
                        outcome.updated,
                        outcome.unchanged,
                        outcome.skipped,
                        outcome.summary,
                        _stored(account),
                    )
                )
            except ImportFailed as exc:
                seen.append(("refused", str(exc), _stored(account)))
        transaction.savepoint_rollback(sid)
        Snapshot.objects.filter(account=account).delete()
        results[way] = seen
    return results["columns"], results["rows"]


def test_a_large_series_and_its_reimport_store_and_count_the_same(
    team, fb_account, tmp_path, monkeypatch, settings
):
    settings.INGEST_FIRST_DAY = date(1990, 1, 1)
    first = _daily(tmp_path / "a.csv", _series(9000))
    # A later export overlapping the first: repeats, changes, a locale number, a repeated day.
    rows = _series(7000, start=date(2015, 1, 1), value=lambda i: i % 89)
    rows.insert(4000, '"2016-01-01T00:00:00","1,520"\n')
    rows.insert(6000, '"2015-01-05T00:00:00","7"\n')
    second = _daily(tmp_path / "b.csv", rows)
    columns, by_row = _import_both_ways(team, fb_account, [first, second, first], monkeypatch)
    assert columns[0][1] == 9000  # created: the series is there
    assert columns == by_row


def test_a_bad_value_in_a_large_series_is_refused_with_its_row(
    team, fb_account, tmp_path, monkeypatch, settings
):
    settings.INGEST_FIRST_DAY = date(1990, 1, 1)
    rows = _series(10000)
    rows[7000] = '"2020-02-29T00:00:00","-4"\n'  # negative: the parser reads it, ingest refuses
    bad = _daily(tmp_path / "bad.csv", rows)
    columns, by_row = _import_both_ways(team, fb_account, [bad], monkeypatch)
    assert columns == by_row
    assert columns[0][0] == "refused" and "row 7004" in columns[0][1]
    assert columns[0][2] == []  # nothing written


def test_a_day_outside_the_window_in_a_large_series_is_refused_with_its_row(
    team, fb_account, tmp_path, monkeypatch, settings
):
    settings.INGEST_FIRST_DAY = date(2001, 1, 2)  # the first row's day is one too early
    bad = _daily(tmp_path / "early.csv", _series(8000))
    columns, by_row = _import_both_ways(team, fb_account, [bad], monkeypatch)
    assert columns == by_row
    assert columns[0][0] == "refused" and "row 4" in columns[0][1]


def test_the_daily_formats_read_in_columns():
    # The formats the import reads in columns; every other format keeps the row path.
    batched = {fmt.key for fmt in registry.FORMATS if fmt.parse_batches is not None}
    assert batched == {"facebook_daily", "instagram_daily"}
    assert {fmt.key for fmt in meta.FORMATS} >= batched
