"""Writes the demo competitor's saved public API pages (tests/fixtures/competitors/).

Kettle & Crumb, a fictional café-roaster competing with the demo brand, on Mastodon
(kettleandcrumb@mastodon.example) and Bluesky (kettleandcrumb.bsky.social). Each folder is
one sync as the public APIs would have answered it at that time (no token): the account
lookup / profile, then the pages of posts the connector asks for, each saved as the JSON
body the API returns, with a `requests.json` naming the request each file answers.
goals.demo_competitors replays them through the real connectors and the one ingest path.

Deterministic (a fixed seed): run it again and the files come out the same.
    .venv/bin/python scripts/make_demo_competitor_pages.py
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "competitors"
FIRST_SYNC_DAYS = 90  # settings.CONNECTOR_FIRST_SYNC_DAYS by default; the demo team is UTC
HISTORY_START = datetime(2026, 3, 30, tzinfo=UTC)
FETCHES = [
    datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
    datetime(2026, 8, 1, 8, 0, tzinfo=UTC),
    datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
    datetime(2026, 9, 30, 20, 0, tzinfo=UTC),
]
DOMAIN = "kettleandcrumb.example"

PROMO = [
    "The autumn blend is back: cinnamon, dark cherry, a heavy body. Order now https://{d}/shop/autumn",
    "Free shipping on every bag this weekend only. https://{d}/shop",
    "Our new ceramic dripper is in stock. Limited run! https://{d}/shop/dripper",
    "Subscribe and save 15% on fresh beans every month https://{d}/subscribe",
    "Pastry box + two bags of beans = the perfect Sunday. https://{d}/shop/bundles",
    "Last chance: the Ethiopia Guji lot sells out tonight https://{d}/shop/guji",
    "Gift cards, delivered in minutes https://{d}/gift",
    "New café opening on Harbour Street next week. Come for the croissants. https://{d}/cafes",
]
HELPFUL = [
    "Tip: rinse your paper filter with hot water before brewing. It takes the papery taste away.",
    "Grind size cheat sheet: coarse for French press, medium for drip, fine for espresso.",
    "Store beans in an airtight tin, away from light. Never in the fridge.",
    "Bloom your pour-over for 30 seconds: fresh coffee releases CO2 that blocks extraction.",
    "Water matters: 92–96 °C is the sweet spot for most filter coffee.",
    "Behind the counter: this week we cupped six new lots from Huila.",
    "Our bakers start at 4 am. The sourdough needs 36 hours from start to shelf.",
]
QUESTIONS = [
    "French press or moka pot for a slow Sunday?",
    "Which pastry should we bring back for autumn: cardamom bun or almond croissant?",
    "What do you want to learn at our next latte art evening?",
]
PEOPLE_MASTODON = [
    ("maren_bakes", "fedi.example", "Maren Holt"),
    ("juno_brews", "social.example", "Juno Achterberg"),
    ("tomasz_espresso", "fedi.example", "Tomasz W."),
    ("beanlog", "coffee.example", "Bean Log"),
]
PEOPLE_BLUESKY = [
    ("marenbakes.bsky.social", "did:plc:m4r3nh0ltb4k3sxq2z7k9w1a", "Maren Holt"),
    ("junobrews.bsky.social", "did:plc:jun0br3wsx8k2q9w4e7r1t5y", "Juno Achterberg"),
    ("beanlog.bsky.social", "did:plc:b34nl0gq2w3e4r5t6y7u8i9o", "Bean Log"),
]
REPLIES = [
    "thank you for stopping by! The almond croissant is back on Friday.",
    "glad you liked the Guji! Try it a little coarser for the press.",
    "we ship to the islands too, yes.",
    "sorry about the wait on Saturday, we're adding a second grinder.",
]
SHARED = [
    ("origin_notes_mag", "press.example", "Origin Notes Magazine",
     "Why washed coffees from Huila taste brighter than ever this year."),
    ("cafe_culture", "social.example", "Café Culture Weekly",
     "The ten best small bakeries on the coast, 2026 edition."),
]  # fmt: skip


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def grown(final: int, age: timedelta) -> int:
    """A count as seen `age` after publication: most of it comes in the first day."""
    hours = max(age.total_seconds() / 3600, 0)
    return round(final * (1 - 0.6 * math.exp(-hours / 24)))


# --- the posting history -------------------------------------------------------------------


def history(
    rng: random.Random, per_week: float, reply_share: float, share_share: float
) -> list[dict[str, Any]]:
    """Posts (time, kind, text, final counts, number) from HISTORY_START to the last fetch."""
    posts: list[dict[str, Any]] = []
    moment = HISTORY_START
    end = FETCHES[-1] - timedelta(hours=2)
    while True:
        moment += timedelta(hours=rng.expovariate(per_week / (7 * 24)))
        moment = moment.replace(second=0, microsecond=0)
        if moment.hour < 7:
            moment += timedelta(hours=8)
        if moment >= end:
            return posts
        roll = rng.random()
        if roll < reply_share:
            kind, text = "reply", rng.choice(REPLIES)
            counts = (rng.randint(0, 2), rng.randint(0, 1), rng.randint(1, 6))
        elif roll < reply_share + share_share:
            kind, text = "share", ""
            counts = (0, 0, 0)
        else:
            choice = rng.random()
            if choice < 0.5:
                kind, text = "promo", rng.choice(PROMO).format(d=DOMAIN)
                counts = (rng.randint(0, 3), rng.randint(1, 6), rng.randint(6, 22))
            elif choice < 0.85:
                kind, text = "helpful", rng.choice(HELPFUL)
                counts = (rng.randint(1, 5), rng.randint(3, 14), rng.randint(15, 55))
            else:
                kind, text = "question", rng.choice(QUESTIONS)
                counts = (rng.randint(5, 16), rng.randint(1, 4), rng.randint(8, 30))
        posts.append({"at": moment, "kind": kind, "text": text, "counts": counts, "n": len(posts)})


# --- Mastodon ------------------------------------------------------------------------------

M_HOST = "mastodon.example"
M_ID = "110987654321098765"
M_ACCT = f"kettleandcrumb@{M_HOST}"


def snowflake(at: datetime, n: int) -> str:
    return str((int(at.timestamp() * 1000) << 16) + (n * 7919) % 65536)


def m_account(followers: int, statuses: int, last: datetime) -> dict[str, Any]:
    return {
        "id": M_ID,
        "username": "kettleandcrumb",
        "acct": "kettleandcrumb",
        "display_name": "Kettle & Crumb",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": "2022-06-14T00:00:00.000Z",
        "note": "<p>Coffee roasters and bakers. Fresh beans, warm bread, six cafés.</p>",
        "url": f"https://{M_HOST}/@kettleandcrumb",
        "uri": f"https://{M_HOST}/users/kettleandcrumb",
        "avatar": f"https://{M_HOST}/system/accounts/avatars/110/987/original/avatar.png",
        "avatar_static": f"https://{M_HOST}/system/accounts/avatars/110/987/original/avatar.png",
        "header": f"https://{M_HOST}/system/accounts/headers/110/987/original/header.jpg",
        "header_static": f"https://{M_HOST}/system/accounts/headers/110/987/original/header.jpg",
        "followers_count": followers,
        "following_count": 96,
        "statuses_count": statuses,
        "last_status_at": last.date().isoformat(),
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [
            {
                "name": "Shop",
                "value": f'<a href="https://{DOMAIN}" target="_blank" rel="nofollow noopener me" '
                f'translate="no"><span class="invisible">https://</span><span class="">{DOMAIN}'
                '</span><span class="invisible"></span></a>',
                "verified_at": "2023-01-09T10:00:00.000+00:00",
            }
        ],
    }


def m_status(post: dict[str, Any], fetched: datetime, rng: random.Random) -> dict[str, Any]:
    at, n = post["at"], post["n"]
    status_id = snowflake(at, n)
    replies, reblogs, favourites = (grown(c, fetched - at) for c in post["counts"])
    account = m_account(0, 0, at)
    for key in ("followers_count", "statuses_count", "last_status_at"):
        account.pop(key)  # an embedded account is the same entity; kept short here
    base: dict[str, Any] = {
        "id": status_id,
        "created_at": iso(at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{M_HOST}/users/kettleandcrumb/statuses/{status_id}",
        "url": f"https://{M_HOST}/@kettleandcrumb/{status_id}",
        "replies_count": replies,
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "quotes_count": 0,
        "edited_at": None,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "content": "",
        "filtered": [],
        "reblog": None,
        "application": {"name": "Buffer", "website": "https://buffer.example"},
        "account": account,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "quote": None,
        "card": None,
        "poll": None,
    }
    kind = post["kind"]
    if kind == "reply":
        user, host, _name = PEOPLE_MASTODON[n % len(PEOPLE_MASTODON)]
        person_id = str(150000000000000000 + n % len(PEOPLE_MASTODON))
        parent = snowflake(at - timedelta(hours=2), n + 1)
        base.update(
            in_reply_to_id=parent,
            in_reply_to_account_id=person_id,
            application={"name": "Web", "website": None},
            content=f'<p><span class="h-card" translate="no"><a href="https://{host}/@{user}" '
            f'class="u-url mention" rel="nofollow noopener" target="_blank">@<span>{user}'
            f"</span></a></span> {_html(post['text'])}</p>",
            mentions=[
                {
                    "id": person_id,
                    "username": user,
                    "url": f"https://{host}/@{user}",
                    "acct": f"{user}@{host}",
                }
            ],
        )
    elif kind == "share":
        user, host, name, text = SHARED[n % len(SHARED)]
        original_at = at - timedelta(hours=5)
        original_id = snowflake(original_at, n + 2)
        base.update(
            uri=f"https://{M_HOST}/users/kettleandcrumb/statuses/{status_id}/activity",
            url=None,
            language=None,
            reblogged=True,
            application=None,
            reblog={
                **{k: v for k, v in base.items() if k not in ("account", "reblog")},
                "id": original_id,
                "created_at": iso(original_at),
                "uri": f"https://{host}/users/{user}/statuses/{original_id}",
                "url": f"https://{host}/@{user}/{original_id}",
                "replies_count": 3,
                "reblogs_count": 11,
                "favourites_count": 24,
                "reblogged": True,
                "content": f"<p>{text}</p>",
                "application": None,
                "reblog": None,
                "account": {
                    "id": str(160000000000000000 + n % len(SHARED)),
                    "username": user,
                    "acct": f"{user}@{host}",
                    "display_name": name,
                    "locked": False,
                    "bot": False,
                    "group": False,
                    "created_at": "2021-05-01T00:00:00.000Z",
                    "note": "",
                    "url": f"https://{host}/@{user}",
                    "uri": f"https://{host}/users/{user}",
                    "emojis": [],
                    "fields": [],
                },
            },
            replies_count=0,
            reblogs_count=0,
            favourites_count=0,
        )
    else:
        text = post["text"]
        if "https://" in text:
            head, url = text.rsplit(" ", 1)
            shown = url.removeprefix("https://")
            text = (
                f'{head} <a href="{url}" target="_blank" rel="nofollow noopener" translate="no">'
                f'<span class="invisible">https://</span><span class="">{shown}</span>'
                '<span class="invisible"></span></a>'
            )
        base["content"] = f"<p>{_html(text) if '<a ' not in text else text}</p>"
    return base


def mastodon(rng: random.Random) -> None:
    posts = history(rng, per_week=5.0, reply_share=0.12, share_share=0.08)
    followers = [1630, 1688, 1741, 1779]
    root = OUT / "mastodon" / M_ACCT
    newest: str | None = None
    for number, fetched in enumerate(FETCHES):
        folder = root / fetched.strftime("%Y-%m-%dT%H-%M-%SZ")
        folder.mkdir(parents=True, exist_ok=True)
        seen = [p for p in posts if p["at"] <= fetched - timedelta(minutes=5)]
        statuses = [m_status(p, fetched, rng) for p in reversed(seen)]
        responses = []
        lookup = m_account(followers[number], 1180 + len(seen), seen[-1]["at"])
        _write(folder / "GET_api_v1_accounts_lookup.json", lookup)
        responses.append(
            _entry(
                f"https://{M_HOST}/api/v1/accounts/lookup",
                {"acct": M_ACCT},
                "GET_api_v1_accounts_lookup.json",
            )
        )
        path = f"https://{M_HOST}/api/v1/accounts/{M_ID}/statuses"
        if newest is None:  # the first sync walks back to its reach with max_id
            since = datetime.combine(
                (fetched - timedelta(days=FIRST_SYNC_DAYS)).date(), datetime.min.time(), UTC
            )
            max_id = None
            page = 1
            while True:
                chunk = _older(statuses, max_id)[:40]
                params = [("limit", "40"), *([("max_id", max_id)] if max_id else [])]
                name = f"GET_api_v1_accounts_{M_ID}_statuses.page{page}.json"
                _write(folder / name, chunk)
                responses.append(_entry(path, params, name, link=_link(path, chunk)))
                if not chunk or any(s["created_at"] < iso(since) for s in chunk):
                    break
                max_id = chunk[-1]["id"]
                page += 1
        else:  # later syncs read the latest page (fewer than 40 new posts a month)
            chunk = statuses[:40]
            if int(chunk[-1]["id"]) > int(newest):
                raise SystemExit("More than a page is new: the connector would walk with min_id.")
            name = f"GET_api_v1_accounts_{M_ID}_statuses.json"
            _write(folder / name, chunk)
            responses.append(_entry(path, [("limit", "40")], name, link=_link(path, chunk)))
        newest = statuses[0]["id"]
        _write(folder / "requests.json", {"fetched_at": iso(fetched), "responses": responses})


def _older(statuses: list[dict[str, Any]], max_id: str | None) -> list[dict[str, Any]]:
    if max_id is None:
        return statuses
    return [s for s in statuses if int(s["id"]) < int(max_id)]


def _link(path: str, chunk: list[dict[str, Any]]) -> str:
    """The Link header Mastodon sends with a page (next: older, prev: newer)."""
    if not chunk:
        return ""
    return (
        f'<{path}?limit=40&max_id={chunk[-1]["id"]}>; rel="next", '
        f'<{path}?limit=40&min_id={chunk[0]["id"]}>; rel="prev"'
    )


# --- Bluesky -------------------------------------------------------------------------------

B_HANDLE = "kettleandcrumb.bsky.social"
B_DID = "did:plc:k3ttl3cr4mbq7w2e9r4t6y1u"
B_API = "https://public.api.bsky.app/xrpc"
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def tid(at: datetime, n: int) -> str:
    """A record key as atproto makes them: microseconds and a clock id, base32-sortable."""
    value = (int(at.timestamp() * 1_000_000) << 10) | (n % 1024)
    out = ""
    for _ in range(13):
        out = _TID_CHARS[value & 31] + out
        value >>= 5
    return out


def cid(rng: random.Random) -> str:
    return "bafyrei" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(52))


def b_author(handle: str, did: str, name: str) -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreiavatar@jpeg",
        "labels": [],
        "createdAt": "2023-04-02T09:00:00.000Z",
    }


ME = b_author(B_HANDLE, B_DID, "Kettle & Crumb")


def b_item(post: dict[str, Any], fetched: datetime, rng: random.Random) -> dict[str, Any]:
    at, n = post["at"], post["n"]
    replies, reposts, likes = (grown(c, fetched - at) for c in post["counts"])
    uri = f"at://{B_DID}/app.bsky.feed.post/{tid(at, n)}"
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso(at),
        "langs": ["en"],
        "text": post["text"],
    }
    view: dict[str, Any] = {
        "uri": uri,
        "cid": cid(rng),
        "author": ME,
        "record": record,
        "bookmarkCount": 0,
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": 0,
        "indexedAt": iso(at + timedelta(seconds=2)),
        "labels": [],
    }
    kind = post["kind"]
    if kind == "reply":
        handle, did, name = PEOPLE_BLUESKY[n % len(PEOPLE_BLUESKY)]
        record["text"] = f"@{handle} {post['text']}"
        record["facets"] = [
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": 0, "byteEnd": len(handle.encode()) + 1},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        ]
        parent_at = at - timedelta(hours=2)
        parent_uri = f"at://{did}/app.bsky.feed.post/{tid(parent_at, n + 1)}"
        parent_ref = {"cid": cid(rng), "uri": parent_uri}
        record["reply"] = {"parent": parent_ref, "root": parent_ref}
        parent_view = {
            "$type": "app.bsky.feed.defs#postView",
            **parent_ref,
            "author": b_author(handle, did, name),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(parent_at),
                "langs": ["en"],
                "text": "Lovely morning at Kettle & Crumb on Harbour Street.",
            },
            "bookmarkCount": 0,
            "replyCount": 1,
            "repostCount": 0,
            "likeCount": 5,
            "quoteCount": 0,
            "indexedAt": iso(parent_at + timedelta(seconds=1)),
            "labels": [],
        }
        return {"post": view, "reply": {"root": parent_view, "parent": parent_view}}
    if kind == "share":
        user, _host, name, text = SHARED[n % len(SHARED)]
        handle = f"{user.replace('_', '')}.bsky.social"
        did = f"did:plc:{user.replace('_', '')[:12]:x<24}"
        original_at = at - timedelta(hours=5)
        original_uri = f"at://{did}/app.bsky.feed.post/{tid(original_at, n + 2)}"
        original = {
            "uri": original_uri,
            "cid": cid(rng),
            "author": b_author(handle, did, name),
            "record": {
                "$type": "app.bsky.feed.post",
                "createdAt": iso(original_at),
                "langs": ["en"],
                "text": text,
            },
            "bookmarkCount": 0,
            "replyCount": 2,
            "repostCount": 9,
            "likeCount": 31,
            "quoteCount": 0,
            "indexedAt": iso(original_at + timedelta(seconds=2)),
            "labels": [],
        }
        repost_uri = f"at://{B_DID}/app.bsky.feed.repost/{tid(at, n)}"
        return {
            "post": original,
            "reason": {
                "$type": "app.bsky.feed.defs#reasonRepost",
                "by": ME,
                "uri": repost_uri,
                "cid": cid(rng),
                "indexedAt": iso(at + timedelta(seconds=2)),
            },
        }
    if "https://" in post["text"]:
        url = post["text"].rsplit(" ", 1)[1]
        start = len(post["text"].encode()) - len(url.encode())
        record["facets"] = [
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": len(post["text"].encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        ]
    return {"post": view}


def bluesky(rng: random.Random) -> None:
    posts = history(rng, per_week=3.5, reply_share=0.06, share_share=0.05)
    followers = [2410, 2532, 2618, 2705]
    root = OUT / "bluesky" / B_HANDLE
    first = True
    for number, fetched in enumerate(FETCHES):
        folder = root / fetched.strftime("%Y-%m-%dT%H-%M-%SZ")
        folder.mkdir(parents=True, exist_ok=True)
        seen = [p for p in posts if p["at"] <= fetched - timedelta(minutes=5)]
        items = [b_item(p, fetched, rng) for p in reversed(seen)]
        profile = {
            **{k: v for k, v in ME.items() if k != "labels"},
            "description": f"Coffee roasters and bakers. Fresh beans, warm bread. {DOMAIN}",
            "followersCount": followers[number],
            "followsCount": 143,
            "postsCount": 640 + len(seen),
            "indexedAt": iso(fetched - timedelta(hours=3)),
            "labels": [],
        }
        responses = []
        _write(folder / "app.bsky.actor.getProfile.json", profile)
        responses.append(
            _entry(
                f"{B_API}/app.bsky.actor.getProfile",
                {"actor": B_HANDLE},
                "app.bsky.actor.getProfile.json",
            )
        )
        since = datetime.combine(
            (fetched - timedelta(days=FIRST_SYNC_DAYS)).date(), datetime.min.time(), UTC
        )
        cursor = None
        page = 1
        while True:
            start = 0 if cursor is None else int(cursor.split("::")[1])
            chunk = items[start : start + 100]
            more = start + 100 < len(items)
            next_cursor = f"{chunk[-1]['post']['indexedAt']}::{start + 100}" if more else None
            body: dict[str, Any] = {"feed": chunk}
            if next_cursor:
                body["cursor"] = next_cursor
            params = [("actor", B_DID), ("limit", "100"), ("filter", "posts_with_replies")]
            if cursor:
                params.append(("cursor", cursor))
            name = f"app.bsky.feed.getAuthorFeed.page{page}.json"
            _write(folder / name, body)
            responses.append(_entry(f"{B_API}/app.bsky.feed.getAuthorFeed", params, name))
            newest_first = list(reversed(seen))
            oldest = iso(newest_first[start + len(chunk) - 1]["at"]) if chunk else None
            # The first sync reads down to its reach; later ones stop below the last mark.
            if not more or (oldest is not None and (not first or oldest < iso(since))):
                break
            cursor = next_cursor
            page += 1
        first = False
        _write(folder / "requests.json", {"fetched_at": iso(fetched), "responses": responses})


# --- files ---------------------------------------------------------------------------------


def _write(path: Path, body: Any) -> None:
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _entry(url: str, params: Any, name: str, *, link: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {"request": f"GET {url}?{urlencode(params)}", "file": name}
    if link:
        entry["headers"] = {"Link": link}
    return entry


def main() -> None:
    # Fixed seeds: the same files every run (fictional content, not a secret).
    mastodon(random.Random(20260701))  # noqa: S311
    bluesky(random.Random(20260702))  # noqa: S311


if __name__ == "__main__":
    main()
