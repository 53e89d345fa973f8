"""Posts classified a batch at a time (classifier.classify_many) and encoded for the
writer once per distinct value store exactly what the post-by-post path stored: the same
files are imported both ways, into the same database state, and every stored post row (as
the database returns it), every daily number and every outcome is compared."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from metrics.classifier import classify
from metrics.importers.common import ImportFailed, Source
from metrics.ingest import session as session_module
from metrics.ingest import writer as writer_module
from metrics.models import MetricObservation, Post, Snapshot
from metrics.platforms import Platform
from metrics.services import import_source
from tests.factories import AccountFactory
from tests.metrics.importers.helpers import FIXTURES

X = FIXTURES / "x"
ARCHIVE = next((X / "archive").iterdir())
CONTENT_CSVS = sorted((X / "analytics").glob("account_analytics_content_*.csv"))
TWEET_ACTIVITY = sorted((X / "analytics_legacy").glob("*.csv"))
TWITTER_EPOCH_MS = 1288834974657


@pytest.fixture
def x_account(team):
    return AccountFactory(
        team=team,
        platform=Platform.X,
        handle="loomwellroast",
        own_domains="loomwell.example",
    )


def _tweet(i: int, when: datetime) -> dict[str, Any]:
    """One tweet as tweets.js holds it, of one of many kinds."""
    ms = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
    tweet_id = str((ms << 22) + i % 4096)
    who = f"person_{i % 37}"
    mentions: list[dict[str, Any]] = []
    urls: list[dict[str, Any]] = []
    tweet: dict[str, Any] = {"id_str": tweet_id, "id": tweet_id}
    kind = i % 12
    if kind == 0:
        text = f"@{who} thanks for the tip! Which grinder? ☕"
        tweet["in_reply_to_screen_name"] = who
        tweet["in_reply_to_status_id_str"] = str(int(tweet_id) - 1)
        mentions = [{"screen_name": who}]
    elif kind == 1:
        text = f"RT @{who}: a great brew guide? cc @tova_pours"
    elif kind == 2:
        text = "New beans in the shop https://t.co/abc"
        urls = [
            {"expanded_url": "https://www.loomwell.example/shop?ref=x", "url": "https://t.co/abc"}
        ]
    elif kind == 3:
        text = f"So true https://t.co/q{i}"
        urls = [{"expanded_url": f"https://twitter.com/{who}/status/{i + 1000}"}]
    elif kind == 4:
        text = "Read this https://t.co/o and ours https://t.co/p"
        urls = [
            {"expanded_url": "https://origin-notes.example/a?b=1"},
            {"expanded_url": "https://shop.loomwell.example/b"},
        ]
    elif kind == 5:
        text = "2/ and more from us"
        tweet["in_reply_to_screen_name"] = "LoomwellRoast"
        tweet["in_reply_to_status_id_str"] = str(int(tweet_id) - 5)
    elif kind == 6:
        text = f"Ça va, @{who}? Café naïve 日本語 ¿qué tal？ www.loomwell.example/faq?x=1"
        mentions = [{"screen_name": who}, {"screen_name": "mara_cuppings"}]
    elif kind == 7:
        text = "write to hello@loomwell.example &amp; see https://bit.ly/x"
        urls = [{"expanded_url": "https://bit.ly/x"}]
    else:
        text = f"Post {i}: what are you brewing today?"
    tweet.update(
        {
            "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "full_text": text,
            "favorite_count": str(i % 50),
            "retweet_count": str(i % 7),
            "entities": {"hashtags": [], "user_mentions": mentions, "urls": urls},
        }
    )
    return tweet


def _archive(folder: Path, posts: int, changed: dict[int, dict[str, Any]] | None = None) -> Path:
    data = folder / "data"
    data.mkdir(parents=True)
    (data / "account.js").write_text(
        "window.YTD.account.part0 = "
        + json.dumps([{"account": {"username": "loomwellroast", "accountDisplayName": "L"}}]),
        encoding="utf-8",
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    changed = changed or {}
    items = [
        {"tweet": {**_tweet(i, start + timedelta(minutes=37 * i)), **changed.get(i, {})}}
        for i in range(posts)
    ]
    (data / "tweets.js").write_text(
        "window.YTD.tweets.part0 = " + json.dumps(items, indent=1), encoding="utf-8"
    )
    return data


def _post_by_post(monkeypatch) -> None:
    """The write path as it was: each post classified alone when added, every JSON value
    and time encoded by itself."""

    def one_at_a_time(records, *, platform, own_handle, own_domains):
        return [
            classify(r, platform=platform, own_handle=own_handle, own_domains=own_domains)
            for r in records
        ]

    def json_value(value):
        if value is None:
            return None
        if not value:
            return "[]" if isinstance(value, list) else "{}"
        return json.dumps(value)

    def adapt_datetime():
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value is None else adapt(value)

    monkeypatch.setattr(session_module, "POST_BATCH", 1)
    monkeypatch.setattr(session_module, "classify_many", one_at_a_time)
    monkeypatch.setattr(writer_module, "_json_text", lambda: json_value)
    monkeypatch.setattr(writer_module, "_sqlite_datetime", adapt_datetime)


def _stored(account) -> tuple[list[tuple], list[tuple]]:
    """Every post row as the database holds it, each column as text (snapshot ids named
    by their file's key: ids differ between the two ways), and every daily number."""
    keys = dict(Snapshot.objects.filter(account=account).values_list("pk", "key"))
    qn = connection.ops.quote_name
    names = [f.column for f in Post._meta.concrete_fields if f.column != "id"]
    columns = ", ".join(f"CAST({qn(name)} AS TEXT)" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {qn(Post._meta.db_table)} "  # noqa: S608
            f"WHERE account_id = %s ORDER BY platform_id",
            [account.pk],
        )
        posts = []
        for raw in cursor.fetchall():
            row = dict(zip(names, raw, strict=True))
            row["evidence"] = {g: keys[int(sid)] for g, sid in json.loads(row["evidence"]).items()}
            row["sources"] = [keys[int(sid)] for sid in json.loads(row["sources"])]
            posts.append(tuple(sorted(row.items())))
    stored = (
        MetricObservation.objects.filter(account=account)
        .order_by("metric", "date")
        .values_list("metric", "date", "value", "source", "snapshot_id")
    )
    numbers = [(m, d, v, s, keys.get(sid) if sid else None) for m, d, v, s, sid in stored]
    return posts, numbers


def _import_both_ways(team, account, paths, monkeypatch):
    results = {}
    for way in ("batches", "one by one"):
        if way == "one by one":
            _post_by_post(monkeypatch)
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
    return results["batches"], results["one by one"]


def test_an_archive_post_csvs_and_a_reimport_store_the_same_rows_both_ways(
    team, x_account, tmp_path, monkeypatch
):
    generated = _archive(tmp_path / "twitter-archive", 2600)  # several batches of posts
    paths = [ARCHIVE, generated, *CONTENT_CSVS, *TWEET_ACTIVITY, generated, ARCHIVE]
    batches, one_by_one = _import_both_ways(team, x_account, paths, monkeypatch)
    assert batches[1][1] == 2600  # created: the generated archive is there
    posts, _numbers = batches[-1][-1]
    kinds = {dict(row)["kind"] for row in posts}
    assert kinds == {"original", "reply", "reshare", "quote"}
    assert any(dict(row)["is_promotional"] in ("1", "true") for row in posts)
    assert batches == one_by_one


def test_a_bad_post_in_a_batch_is_refused_with_its_row_both_ways(
    team, x_account, tmp_path, monkeypatch
):
    # A post dated far beyond the accepted window, in the middle of the second batch.
    late = {"created_at": "Tue Sep 29 13:20:00 +0000 2099"}
    data = _archive(tmp_path / "twitter-archive", 1500, changed={1300: late})
    batches, one_by_one = _import_both_ways(team, x_account, [data], monkeypatch)
    assert batches == one_by_one
    assert batches[0][0] == "refused" and "2099-09-29 is outside" in batches[0][1]
    assert batches[0][2] == ([], [])  # nothing written
