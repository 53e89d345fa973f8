"""Bluesky: saved getAuthorFeed pages and a saved getProfile response.

Numbers below were computed from the raw fixture files, independently of the parser, with a
`python3 -c` one-liner using the json module over both pages: 50 + 9 feed items, 4 with a
`reason` (reposts), 11 with `record.reply`, 3 with an `app.bsky.embed.record` embed (the
README inventory), sums of likeCount / repostCount / quoteCount / replyCount over the 55
items without a reason, min/max `record.createdAt`, items with a #link facet and with an
external embed; `jq -r` over the reposts' `reason.indexedAt` / `post.author.handle`, the
quotes' `post.embed.record.author.handle` and the replies' `reply.parent.author.handle`
(`| sort | uniq -c`). The profile numbers are read off the file.
"""

from __future__ import annotations

import copy
import json
import shutil
import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from metrics.importers.bluesky import FORMATS
from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.ingest.records import AccountInfo, PostKind
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

FEED_FMT, PROFILE_FMT = FORMATS
API = FIXTURES / "bluesky" / "api"
PAGE1 = API / "app.bsky.feed.getAuthorFeed.page1.json"
PAGE2 = API / "app.bsky.feed.getAuthorFeed.page2.json"
PROFILE = API / "app.bsky.actor.getProfile.json"
OWN_DID = "did:plc:wcyiiwnwwciftoalujwaj6nh"
ACCOUNT = AccountInfo("bluesky", "loomwellroasters.bsky.social", "Loomwell Roasters")


def _kinds(posts):
    return Counter(p.kind for p in posts)


def _run(fmt, path, **kwargs):
    """Parse without the sniff assertion (for files the sniff refuses on purpose)."""
    ctx = ParseContext(tz=ZoneInfo("UTC"), today=date(2026, 10, 2), **kwargs)
    return list(fmt.parse(Source.from_path(path), ctx))


def _pages_only(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(PAGE1, folder / PAGE1.name)
    shutil.copy(PAGE2, folder / PAGE2.name)
    return folder


def _other_samples(*own: str):
    """Every file and folder of shared/exports that is not (and does not hold) our own."""
    if not SHARED_EXPORTS.exists():
        pytest.skip(f"{SHARED_EXPORTS} is not here")
    owned = [Path(o) for o in own]
    for path in sorted(SHARED_EXPORTS.rglob("*")):
        rel = path.relative_to(SHARED_EXPORTS)
        if any(rel == o or o in rel.parents or rel in o.parents for o in owned):
            continue
        yield path


def _sniffed(fmt, path):
    try:
        source = Source.from_path(path)
    except ImportFailed:
        return False
    return fmt.sniff(source)


# --- the sample feed ----------------------------------------------------------------------


def test_it_reads_both_feed_pages_as_one_source(tmp_path):
    result = parse(FEED_FMT, _pages_only(tmp_path))

    assert result.errors == []
    assert result.accounts == [ACCOUNT]
    # README inventory: 50 + 9 items: 11 replies, 4 reposts, 3 quotes.
    assert len(result.posts) == 59
    assert _kinds(result.posts) == {
        None: 41,
        PostKind.REPLY: 11,
        PostKind.RESHARE: 4,
        PostKind.QUOTE: 3,
    }
    assert len({p.platform_id for p in result.posts}) == 59
    assert result.observations == []  # no profile among the pages


def test_it_reads_the_profile_saved_next_to_the_pages():
    result = parse(FEED_FMT, API, today=date(2026, 10, 2))

    assert result.accounts == [ACCOUNT]
    assert len(result.posts) == 59
    # followersCount / followsCount of getProfile.json, on the import day.
    assert result.series("followers") == {date(2026, 10, 2): Decimal(2318)}
    assert result.series("following") == {date(2026, 10, 2): Decimal(187)}


def test_it_takes_the_counts_of_the_accounts_own_posts(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts
    own = [p for p in posts if p.kind != PostKind.RESHARE]

    # Over the 55 items without a reason: likeCount 1126, replyCount 103,
    # repostCount 233 + quoteCount 14.
    assert sum(p.likes for p in own) == 1126
    assert sum(p.replies for p in own) == 103
    assert sum(p.reshares for p in own) == 233 + 14
    assert {p.impressions for p in posts} == {None}  # Bluesky has none
    reposts = [p for p in posts if p.kind == PostKind.RESHARE]
    assert {(p.likes, p.replies, p.reshares) for p in reposts} == {(None, None, None)}


def test_it_reads_the_first_and_last_post_times(tmp_path):
    times = sorted(p.published_at for p in parse(FEED_FMT, _pages_only(tmp_path)).posts)

    assert times[0] == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    assert times[-1] == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)


def test_it_reads_a_post_with_a_shortened_link(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts
    post = next(p for p in posts if p.platform_id.endswith("/3mlnnwpapc2eu"))

    assert post.platform_id == f"at://{OWN_DID}/app.bsky.feed.post/3mlnnwpapc2eu"
    assert post.published_at == datetime(2026, 5, 12, 11, 15, tzinfo=UTC)
    assert post.permalink == (
        "https://bsky.app/profile/loomwellroasters.bsky.social/post/3mlnnwpapc2eu"
    )
    assert post.text.startswith("Opening a café? Our wholesale plan")
    assert post.text.endswith("www.loomwell.example/wholesale")
    # The link facet's full URI (the card points at the same page).
    assert post.links == ("https://www.loomwell.example/wholesale",)
    assert post.mentions == ()
    assert post.kind is None
    assert (post.likes, post.replies, post.reshares) == (6, 0, 3)


def test_it_takes_links_from_facets_and_link_cards(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts

    # 18 own posts have a #link facet, and the same 18 an external embed.
    assert sum(1 for p in posts if p.links) == 18
    assert all(len(p.links) == 1 for p in posts if p.links)


def test_it_reads_reposts_as_reshares_of_the_original_author(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts
    reposts = [p for p in posts if p.kind == PostKind.RESHARE]

    # reason.indexedAt and post.author.handle of the 4 reposts (jq -r).
    assert [(p.published_at, p.reshared_handle) for p in reposts] == [
        (datetime(2026, 9, 8, 16, 20, 2, 274000, tzinfo=UTC), "originnotesmag.bsky.social"),
        (datetime(2026, 7, 10, 11, 30, 3, 535000, tzinfo=UTC), "tovapours.bsky.social"),
        (datetime(2026, 5, 14, 14, 0, 2, 512000, tzinfo=UTC), "kettleandcrumb.bsky.social"),
        (datetime(2026, 4, 8, 16, 20, 1, 930000, tzinfo=UTC), "juniperlanebakes.bsky.social"),
    ]
    first = reposts[0]
    original = "at://did:plc:sbpi5ajggybqw5unmsh7kyop/app.bsky.feed.post/3muy6a6mb22ix"
    assert first.platform_id == f"repost:{original}"
    assert first.permalink == (
        "https://bsky.app/profile/originnotesmag.bsky.social/post/3muy6a6mb22ix"
    )
    assert (first.text, first.mentions, first.links) == ("", (), ())


def test_it_reads_quotes_with_the_quoted_author(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts
    quotes = [p for p in posts if p.kind == PostKind.QUOTE]

    # post.embed.record.author.handle of the 3 record embeds (jq -r), newest first.
    assert [p.reshared_handle for p in quotes] == [
        "beanstatweekly.bsky.social",
        "originnotesmag.bsky.social",
        "beanstatweekly.bsky.social",
    ]
    assert quotes[0].text == "Interesting data on how cafés priced filter coffee this summer."
    assert quotes[0].links == ()  # the quoted post is not a link


def test_it_reads_replies_with_the_parent_author_and_the_mention(tmp_path):
    posts = parse(FEED_FMT, _pages_only(tmp_path)).posts
    replies = [p for p in posts if p.kind == PostKind.REPLY]

    # reply.parent.author.handle (jq -r … | sort | uniq -c).
    assert Counter(p.in_reply_to_handle for p in replies) == {
        "tovapours.bsky.social": 3,
        "maracuppings.bsky.social": 3,
        "juniperlanebakes.bsky.social": 2,
        "northgatedeli.bsky.social": 2,
        "kettleandcrumb.bsky.social": 1,
    }
    # Each reply opens with a #mention facet of the account it answers.
    assert all(p.mentions == (p.in_reply_to_handle,) for p in replies)
    assert all(p.mentions == () for p in posts if p.kind != PostKind.REPLY)
    reply = next(p for p in replies if p.platform_id.endswith("/3mvkshmvrk27h"))
    assert reply.text == (
        "@tovapours.bsky.social see you at the regional barista championship! "
        "We'll bring the Kenya."
    )
    assert (reply.likes, reply.replies, reply.reshares) == (9, 0, 2)


def test_it_reads_a_zip_of_pages(tmp_path):
    path = tmp_path / "bluesky.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in (PAGE1, PAGE2, PROFILE):
            archive.write(file, f"api/{file.name}")

    result = parse(FEED_FMT, path)

    assert result.errors == []
    assert len(result.posts) == 59
    assert len(result.observations) == 2


def test_it_reads_one_page_alone():
    result = parse(FEED_FMT, PAGE2)

    assert result.accounts == [ACCOUNT]
    assert len(result.posts) == 9


# --- variants -----------------------------------------------------------------------------


def _page():
    return json.loads(PAGE1.read_text())


def _write(tmp_path, data, name="page.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _facet(text: str, shown: str, feature: dict) -> dict:
    """A facet over `shown` inside `text`, with UTF-8 byte offsets."""
    start = len(text[: text.index(shown)].encode("utf-8"))
    end = start + len(shown.encode("utf-8"))
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


def test_it_reads_mentions_at_their_utf8_byte_offsets(tmp_path):
    data = _page()
    record = data["feed"][0]["post"]["record"]
    text = "Café ☕ crawl with @mara.example.com and 🫘 @ghost!"
    record["text"] = text
    record["facets"] = [
        # An account the feed does not show: the text at the byte range names it.
        _facet(text, "@mara.example.com", {
            "$type": "app.bsky.richtext.facet#mention", "did": "did:plc:unknown1"}),
        # A range that shows no handle: left out, not guessed.
        _facet(text, "@ghost", {
            "$type": "app.bsky.richtext.facet#mention", "did": "did:plc:unknown2"}),
        # An account the feed shows elsewhere: its current handle.
        _facet(text, "crawl", {
            "$type": "app.bsky.richtext.facet#mention", "did": "did:plc:rr4tjmbuscb7uvpvfrtijsn4"}),
    ]  # fmt: skip
    # Character offsets would point elsewhere: the emoji are 3 and 4 bytes long.
    assert record["facets"][0]["index"]["byteStart"] != text.index("@mara")

    post = parse(FEED_FMT, _write(tmp_path, data)).posts[0]

    assert post.mentions == ("mara.example.com", "tovapours.bsky.social")


def test_it_reads_a_post_time_with_an_offset_as_utc(tmp_path):
    data = _page()
    data["feed"][0]["post"]["record"]["createdAt"] = "2026-09-29T14:20:00.000+01:00"

    post = parse(FEED_FMT, _write(tmp_path, data), tz="Europe/London").posts[0]

    assert post.published_at == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)


def test_it_reports_a_bad_count_with_its_item_number_and_reads_the_rest(tmp_path):
    data = _page()
    data["feed"][2]["post"]["likeCount"] = "12x"

    result = parse(FEED_FMT, _write(tmp_path, data))

    assert [(e.row, e.member) for e in result.errors] == [(3, "page.json")]
    assert result.errors[0].message == (
        f"item 3 (at://{OWN_DID}/app.bsky.feed.post/3mw4iji5r22qg): "
        "“likeCount”: “12x” is not a number."
    )
    assert len(result.posts) == 49


def test_it_reports_a_post_without_its_time(tmp_path):
    data = _page()
    del data["feed"][0]["post"]["record"]["createdAt"]
    data["feed"][6]["reason"]["indexedAt"] = "yesterday"

    result = parse(FEED_FMT, _write(tmp_path, data))

    assert [(e.row, e.message.split(": ", 1)[1]) for e in result.errors] == [
        (1, "the post has no “createdAt” time."),
        (7, "the repost “indexedAt”: “yesterday” is not a date and time with a time zone."),
    ]
    assert len(result.posts) == 48


def test_it_reads_items_with_reordered_and_extra_fields(tmp_path):
    data = _page()
    data["feed"] = [
        dict(reversed(list(item.items()))) | {"feedContext": "x"} for item in data["feed"]
    ]
    data = dict(reversed(list(data.items()))) | {"extra": True}  # cursor first

    result = parse(FEED_FMT, _write(tmp_path, data))

    assert result.errors == []
    assert len(result.posts) == 50


def test_it_keeps_one_record_for_a_pinned_post_shown_twice(tmp_path):
    data = _page()
    pinned = copy.deepcopy(data["feed"][3])
    pinned["reason"] = {"$type": "app.bsky.feed.defs#reasonPin"}
    data["feed"].insert(0, pinned)

    posts = parse(FEED_FMT, _write(tmp_path, data)).posts

    assert len(posts) == 50


def test_it_skips_posts_by_other_accounts(tmp_path):
    data = _page()
    stranger = copy.deepcopy(data["feed"][1])
    stranger["post"]["author"] = {"did": "did:plc:stranger", "handle": "stranger.example"}
    stranger["post"]["uri"] = "at://did:plc:stranger/app.bsky.feed.post/3aaaaaaaaaaaa"
    data["feed"].append(stranger)
    path = _write(tmp_path, data)

    # A page that mixes authors is not an author feed…
    assert not FEED_FMT.sniff(Source.from_path(path))
    # …and if it is parsed anyway, only the account's own posts come out.
    records = _run(FEED_FMT, path)
    assert sum(1 for r in records if hasattr(r, "platform_id")) == 50


def test_it_names_the_account_replied_to_when_the_parent_is_not_shown(tmp_path):
    data = _page()
    item = data["feed"][4]  # a reply to tovapours
    del item["reply"]

    post = parse(FEED_FMT, _write(tmp_path, data)).posts[4]

    assert post.kind == PostKind.REPLY
    # Resolved from the parent URI's DID, which the feed shows elsewhere (another reply).
    assert post.in_reply_to_handle == "tovapours.bsky.social"


def test_it_reads_a_quote_with_media(tmp_path):
    data = _page()
    item = data["feed"][15]  # the quote of beanstatweekly
    record_embed = item["post"]["record"]["embed"]
    view = item["post"]["embed"]
    item["post"]["record"]["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": record_embed,
        "media": {"$type": "app.bsky.embed.external",
                  "external": {"uri": "https://news.example/prices", "title": "t"}},
    }  # fmt: skip
    item["post"]["embed"] = {"$type": "app.bsky.embed.recordWithMedia#view", "record": view}

    post = parse(FEED_FMT, _write(tmp_path, data)).posts[15]

    assert post.kind == PostKind.QUOTE
    assert post.reshared_handle == "beanstatweekly.bsky.social"
    assert post.links == ("https://news.example/prices",)


def test_it_keeps_script_text_inert(tmp_path):
    data = _page()
    data["feed"][0]["post"]["record"]["text"] = "<script>alert(1)</script> =cmd|' /C calc'!A0"

    post = parse(FEED_FMT, _write(tmp_path, data)).posts[0]

    # Bluesky text is plain text: stored as written, never interpreted.
    assert post.text == "<script>alert(1)</script> =cmd|' /C calc'!A0"


def test_it_refuses_a_page_without_its_feed_list(tmp_path):
    path = _write(tmp_path, {"cursor": "x", "posts": []})

    assert not FEED_FMT.sniff(Source.from_path(path))
    with pytest.raises(ImportFailed, match="“feed”"):
        _run(FEED_FMT, path)


def test_it_fails_cleanly_on_a_truncated_or_empty_page(tmp_path):
    raw = PAGE1.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(raw[: len(raw) // 2])
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")

    assert not FEED_FMT.sniff(Source.from_path(cut))
    assert not FEED_FMT.sniff(Source.from_path(empty))
    with pytest.raises(ImportFailed, match="cut off"):
        _run(FEED_FMT, cut)
    with pytest.raises(ImportFailed, match="empty"):
        _run(FEED_FMT, empty)


def test_the_feed_sniff_rejects_timelines_threads_and_empty_pages(tmp_path):
    data = _page()
    timeline = copy.deepcopy(data)
    for item in timeline["feed"][::2]:
        item.pop("reason", None)
        item["post"]["author"] = {"did": "did:plc:someone", "handle": "someone.example"}
    near_misses = {
        "timeline.json": timeline,
        "empty.json": {"feed": []},
        "thread.json": {"thread": {"$type": "app.bsky.feed.defs#threadViewPost",
                                   "post": data["feed"][0]["post"]}},
        "posts.json": {"posts": [data["feed"][0]["post"]]},
    }  # fmt: skip
    for name, content in near_misses.items():
        assert not FEED_FMT.sniff(Source.from_path(_write(tmp_path, content, name))), name
    assert not FEED_FMT.sniff(Source.from_path(PROFILE))


def test_the_feed_sniff_rejects_every_other_sample():
    own = [f"bluesky/api/{PAGE1.name}", f"bluesky/api/{PAGE2.name}"]
    accepted = [str(p) for p in _other_samples(*own) if _sniffed(FEED_FMT, p)]
    assert accepted == []


def test_it_refuses_a_profile_of_another_account_beside_the_pages(tmp_path):
    folder = _pages_only(tmp_path)
    profile = json.loads(PROFILE.read_text())
    profile["did"], profile["handle"] = "did:plc:someone", "someone.example"
    (folder / "profile.json").write_text(json.dumps(profile))

    with pytest.raises(ImportFailed, match=r"profile of someone\.example"):
        _run(FEED_FMT, folder)


# --- profile ------------------------------------------------------------------------------


def test_it_reads_the_profile_as_levels_on_the_import_day():
    result = parse(PROFILE_FMT, PROFILE, today=date(2026, 10, 2))

    assert result.accounts == [ACCOUNT]
    assert result.posts == []
    assert result.errors == []
    # followersCount 2318, followsCount 187; indexedAt (2026-09-30) is not the day.
    assert result.series("followers") == {date(2026, 10, 2): Decimal(2318)}
    assert result.series("following") == {date(2026, 10, 2): Decimal(187)}
    assert len(result.observations) == 2


def test_it_reports_a_bad_follower_count(tmp_path):
    profile = json.loads(PROFILE.read_text())
    profile["followersCount"] = "lots"

    result = parse(PROFILE_FMT, _write(tmp_path, profile, "profile.json"))

    assert [(e.row, e.message) for e in result.errors] == [
        (1, "profile: “followersCount”: “lots” is not a number.")
    ]
    assert result.series("following") == {date(2026, 10, 2): Decimal(187)}


def test_the_profile_sniff_rejects_near_misses(tmp_path):
    profile = json.loads(PROFILE.read_text())
    without_counts = {k: v for k, v in profile.items() if k != "followersCount"}
    basic = {"did": profile["did"], "handle": profile["handle"]}  # profileViewBasic
    for name, content in {"no_counts.json": without_counts, "basic.json": basic}.items():
        assert not PROFILE_FMT.sniff(Source.from_path(_write(tmp_path, content, name))), name
    cut = tmp_path / "cut.json"
    cut.write_bytes(PROFILE.read_bytes()[:500])
    assert not PROFILE_FMT.sniff(Source.from_path(cut))
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert not PROFILE_FMT.sniff(Source.from_path(empty))
    with pytest.raises(ImportFailed):
        _run(PROFILE_FMT, cut)
    assert not PROFILE_FMT.sniff(Source.from_path(PAGE1))
    assert not PROFILE_FMT.sniff(Source.from_path(API))


def test_the_profile_sniff_rejects_every_other_sample():
    own = f"bluesky/api/{PROFILE.name}"
    accepted = [str(p) for p in _other_samples(own) if _sniffed(PROFILE_FMT, p)]
    assert accepted == []


def test_both_formats_are_bluesky():
    assert [(f.key, f.platform) for f in FORMATS] == [
        ("bluesky_author_feed", "bluesky"),
        ("bluesky_profile", "bluesky"),
    ]
