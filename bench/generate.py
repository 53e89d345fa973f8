"""Synthetic exports in the platforms' real layouts, at benchmark sizes."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

TWITTER_EPOCH_MS = 1288834974657


def daily_series(path: Path, rows: int) -> Path:
    """A Meta Business Suite daily file ("Facebook follows"), UTF-16 with BOM, one row a day.

    A million days do not fit in a realistic calendar, so the series starts in 1900; the
    format and the work per row are the real ones.
    """
    rng = random.Random(1)  # noqa: S311 - reproducible test data
    start = date(1900, 1, 1)
    with path.open("w", encoding="utf-16", newline="") as fh:
        fh.write('sep=,\n"Facebook follows"\n"Date","Primary"\n')
        for i in range(rows):
            day = start + timedelta(days=i)
            fh.write(f'"{day.isoformat()}T00:00:00","{rng.randint(0, 400)}"\n')
    return path


def x_archive(folder: Path, posts: int) -> Path:
    """An X data archive (data/tweets.js + account.js) with `posts` tweets of every kind."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "account.js").write_text(
        "window.YTD.account.part0 = "
        + json.dumps(
            [
                {
                    "account": {
                        "username": "loomwellroast",
                        "accountId": "1503310512521966495",
                        "accountDisplayName": "Loomwell Roasters",
                        "createdVia": "web",
                        "createdAt": "2022-03-14T10:02:11.000Z",
                        "email": "social@loomwell.example",
                    }
                }
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
    rng = random.Random(2)  # noqa: S311 - reproducible test data
    start = datetime(2020, 1, 1, tzinfo=UTC)
    people = [f"person_{i}" for i in range(500)]
    with (data / "tweets.js").open("w", encoding="utf-8") as fh:
        fh.write("window.YTD.tweets.part0 = [\n")
        for i in range(posts):
            when = start + timedelta(minutes=7 * i)
            ms = int(when.timestamp() * 1000) - TWITTER_EPOCH_MS
            tweet_id = str((ms << 22) + i % 4096)
            kind = i % 10
            tweet: dict[str, object] = {
                "retweeted": False,
                "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
                "favorite_count": str(rng.randint(0, 50)),
                "id_str": tweet_id,
                "retweet_count": str(rng.randint(0, 9)),
                "id": tweet_id,
                "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "full_text": f"Post {i}: what are you brewing today?",
                "lang": "en",
            }
            if kind < 3:  # a reply
                who = rng.choice(people)
                tweet["full_text"] = f"@{who} thanks for the tip!"
                tweet["in_reply_to_screen_name"] = who
                tweet["in_reply_to_status_id_str"] = str(int(tweet_id) - 1)
                tweet["entities"] = {
                    "hashtags": [],
                    "symbols": [],
                    "urls": [],
                    "user_mentions": [{"screen_name": who, "indices": ["0", str(len(who) + 1)]}],
                }
            elif kind == 3:  # a plain retweet
                who = rng.choice(people)
                tweet["full_text"] = f"RT @{who}: a great brew guide"
            elif kind == 4:  # a promotional link
                tweet["full_text"] = "New beans in the shop https://t.co/abc"
                tweet["entities"] = {
                    "hashtags": [],
                    "symbols": [],
                    "user_mentions": [],
                    "urls": [
                        {
                            "expanded_url": "https://www.loomwell.example/shop",
                            "url": "https://t.co/abc",
                            "indices": ["22", "38"],
                        }
                    ],
                }
            fh.write(("," if i else "") + json.dumps({"tweet": tweet}, indent=2) + "\n")
        fh.write("]")
    return data
