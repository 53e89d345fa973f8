"""Mastodon archive (outbox.json + actor.json) and saved REST API pages.

Numbers below were computed from the raw fixture files, independently of the parser:
- archive: `python3 -c` over outbox.json with the json module (Create/Announce counts,
  `inReplyTo` set, sums of `likes.totalItems` / `shares.totalItems`, first/last
  `published`, Notes whose content links to loomwell.example) and `jq`/`sort | uniq -c`
  over the Announce `cc` actors and the Mention tag names; they match the README
  inventory (52 Create, 11 replies, 7 Announce);
- API: the same one-liner over both pages (40 + 19 statuses, `reblog` set, `in_reply_to_id`
  set, sums of favourites_count / reblogs_count / replies_count / quotes_count, min/max
  created_at).
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

from metrics.importers.common import ImportFailed, ParseContext, Source
from metrics.importers.mastodon import FORMATS
from metrics.ingest.records import AccountInfo, PostKind
from tests.metrics.importers.helpers import FIXTURES, SHARED_EXPORTS, parse

ARCHIVE_FMT, API_FMT = FORMATS
ARCHIVE_NAME = "archive-20261002081530-e47cbf75a1b68cc26b2e988b20be776d"
ARCHIVE = FIXTURES / "mastodon" / ARCHIVE_NAME
OUTBOX = ARCHIVE / "outbox.json"
API = FIXTURES / "mastodon" / "api"
PAGE1 = API / "GET_api_v1_accounts_110245871234560001_statuses.page1.json"
PAGE2 = API / "GET_api_v1_accounts_110245871234560001_statuses.page2.json"


def _kinds(posts):
    return Counter(p.kind for p in posts)


def _run(fmt, path, **kwargs):
    """Parse without the sniff assertion (for files the sniff refuses on purpose)."""
    ctx = ParseContext(tz=ZoneInfo("UTC"), today=date(2026, 10, 2), **kwargs)
    return list(fmt.parse(Source.from_path(path), ctx))


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


# --- archive: the sample ------------------------------------------------------------------


def test_it_reads_every_activity_of_the_sample_archive():
    result = parse(ARCHIVE_FMT, ARCHIVE)

    assert result.errors == []
    assert result.accounts == [
        AccountInfo("mastodon", "loomwell@mastodon.example", "Loomwell Roasters")
    ]
    # README inventory: 52 Create (11 replies) + 7 Announce.
    assert len(result.posts) == 59
    assert _kinds(result.posts) == {None: 41, PostKind.REPLY: 11, PostKind.RESHARE: 7}
    assert len({p.platform_id for p in result.posts}) == 59
    assert result.observations == []  # actor.json has no follower count, likes.json no dates


def test_it_uses_the_last_of_the_two_ordered_items_keys():
    raw = OUTBOX.read_text()
    assert raw.count('"orderedItems"') == 2  # grep -o '"orderedItems"' | wc -l
    assert '"orderedItems":[],"orderedItems":[{' in raw

    assert len(parse(ARCHIVE_FMT, ARCHIVE).posts) == 59


def test_it_takes_the_counts_of_the_likes_and_shares_collections():
    posts = parse(ARCHIVE_FMT, ARCHIVE).posts
    notes = [p for p in posts if p.kind != PostKind.RESHARE]

    # sum of object.likes.totalItems / object.shares.totalItems over the 52 Create.
    assert sum(p.likes for p in notes) == 765
    assert sum(p.reshares for p in notes) == 276
    # The archive never has reply counts or impressions.
    assert {p.replies for p in posts} == {None}
    assert {p.impressions for p in posts} == {None}
    boosts = [p for p in posts if p.kind == PostKind.RESHARE]
    assert {(p.likes, p.reshares) for p in boosts} == {(None, None)}


def test_it_keeps_the_utc_times_whatever_the_team_zone():
    posts = parse(ARCHIVE_FMT, ARCHIVE, tz="Europe/London").posts

    times = sorted(p.published_at for p in posts)
    assert times[0] == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    assert times[-1] == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)


def test_it_reads_a_post_with_a_shop_link():
    post = parse(ARCHIVE_FMT, ARCHIVE).posts[0]

    assert post.platform_id == "116334349516814393"
    assert post.published_at == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    assert post.permalink == "https://mastodon.example/@loomwell/116334349516814393"
    assert post.text == (
        "Spring single-origin is here: a washed Huila lot with red apple & panela notes. "
        "Limited roast run this week.\n\n"
        "https://www.loomwell.example/shop/huila-spring-2026\n\n"
        "#specialtycoffee #coffee"
    )
    # The hashtag anchors are not links.
    assert post.links == ("https://www.loomwell.example/shop/huila-spring-2026",)
    assert post.mentions == ()
    assert post.kind is None
    assert (post.likes, post.reshares, post.replies) == (8, 2, None)
    assert post.row == 1


def test_it_lists_links_but_never_mentions_or_hashtags():
    posts = parse(ARCHIVE_FMT, ARCHIVE).posts

    # 18 Notes link to loomwell.example (python over the raw content).
    assert sum(1 for p in posts if p.links) == 18
    links = [link for p in posts for link in p.links]
    assert all(link.startswith("https://www.loomwell.example/") for link in links)


def test_it_reads_replies_with_the_account_replied_to():
    posts = parse(ARCHIVE_FMT, ARCHIVE).posts
    replies = [p for p in posts if p.kind == PostKind.REPLY]

    # The Mention tag names of the 11 replies (jq … | sort | uniq -c); a local mention
    # (@northgate_deli) gets the host of its href.
    assert Counter(p.in_reply_to_handle for p in replies) == {
        "tova_pours@fedi.example": 3,
        "mara_cuppings@mstdn.example": 3,
        "juniper_lane_bakes@bakers.example": 2,
        "northgate_deli@mastodon.example": 2,
        "kettle_and_crumb@fedi.example": 1,
    }
    local = next(p for p in replies if p.platform_id == "116489315942430916")
    assert local.mentions == ("northgate_deli@mastodon.example",)
    assert local.text.startswith("@northgate_deli thanks for stocking our espresso blend!")
    # Only replies mention anyone in this sample.
    assert all(p.mentions == () for p in posts if p.kind != PostKind.REPLY)


def test_it_reads_boosts_as_reshares_of_the_boosted_author():
    posts = parse(ARCHIVE_FMT, ARCHIVE).posts
    boosts = [p for p in posts if p.kind == PostKind.RESHARE]

    # Announce cc[0] actors (jq … | sort | uniq -c).
    assert Counter(p.reshared_handle for p in boosts) == {
        "juniper_lane_bakes@bakers.example": 1,
        "beanstat_weekly@data.example": 2,
        "kettle_and_crumb@fedi.example": 1,
        "tova_pours@fedi.example": 1,
        "origin_notes_mag@press.example": 2,
    }
    first = boosts[0]
    assert first.platform_id == "116369994547201299"  # the id the REST API gives the boost
    assert first.published_at == datetime(2026, 4, 8, 16, 20, tzinfo=UTC)
    assert first.permalink == (
        "https://mastodon.example/users/loomwell/statuses/116369994547201299/activity"
    )
    assert (first.text, first.mentions, first.links) == ("", (), ())


def test_it_reads_the_zipped_archive(tmp_path):
    path = tmp_path / f"{ARCHIVE_NAME}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(ARCHIVE.iterdir()):
            archive.write(file, file.name)
        archive.writestr("avatar.png", b"\x89PNG\r\n\x1a\n" + bytes(200))
        archive.writestr("media_attachments/files/000/001/original/a.jpg", b"\xff\xd8\xff")

    result = parse(ARCHIVE_FMT, path)

    assert result.errors == []
    assert result.accounts[0].handle == "loomwell@mastodon.example"
    assert _kinds(result.posts) == {None: 41, PostKind.REPLY: 11, PostKind.RESHARE: 7}


def test_it_reads_a_lone_outbox_and_names_the_account_from_its_actor_uri(tmp_path):
    path = tmp_path / "file (1).json"  # a renamed download
    shutil.copy(OUTBOX, path)

    result = parse(ARCHIVE_FMT, path)

    assert result.accounts == [AccountInfo("mastodon", "loomwell@mastodon.example", "")]
    assert len(result.posts) == 59


# --- archive: variants --------------------------------------------------------------------


def _outbox_items():
    return json.loads(OUTBOX.read_text())


def _write_archive(tmp_path, data, *, actor=True):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(data), encoding="utf-8")
    if actor:
        shutil.copy(ARCHIVE / "actor.json", folder / "actor.json")
    return folder


def _note(data, **changes):
    """A copy of the first Create activity, with the Note's fields changed."""
    item = copy.deepcopy(data["orderedItems"][0])
    item["object"].update(changes)
    return item


def test_it_drops_scripts_and_attributes_from_note_html(tmp_path):
    data = _outbox_items()
    item = _note(
        data,
        id="https://mastodon.example/users/loomwell/statuses/999",
        content=(
            '<p onclick="steal()">Hi there<script>alert(1)</script></p>'
            "<p>=cmd|' /C calc'!A0 &lt;b&gt;</p>"
        ),
    )
    data["orderedItems"] = [item]

    post = parse(ARCHIVE_FMT, _write_archive(tmp_path, data)).posts[0]

    assert post.text == "Hi there\n\n=cmd|' /C calc'!A0 <b>"
    assert "alert" not in post.text
    assert "steal" not in post.text


def test_it_imports_unlisted_posts_and_skips_followers_only_and_direct_ones(tmp_path):
    data = _outbox_items()
    public = "https://www.w3.org/ns/activitystreams#Public"
    followers = "https://mastodon.example/users/loomwell/followers"
    audiences = {
        "1": ([followers], [public]),  # unlisted
        "2": ([followers], []),  # followers-only
        "3": (["https://fedi.example/users/tova_pours"], []),  # direct
    }
    items = []
    for status_id, (to, cc) in audiences.items():
        item = _note(data)
        item["object"].update(
            id=f"https://mastodon.example/users/loomwell/statuses/{status_id}", to=to, cc=cc
        )
        item["to"], item["cc"] = to, cc
        items.append(item)
    data["orderedItems"] = items

    posts = parse(ARCHIVE_FMT, _write_archive(tmp_path, data)).posts

    assert [p.platform_id for p in posts] == ["1"]


def test_it_skips_activities_and_notes_of_other_accounts(tmp_path):
    data = _outbox_items()
    items = data["orderedItems"]
    items[0]["actor"] = "https://fedi.example/users/tova_pours"
    items[1]["object"]["attributedTo"] = "https://fedi.example/users/tova_pours"

    result = parse(ARCHIVE_FMT, _write_archive(tmp_path, data))

    assert result.errors == []
    assert len(result.posts) == 57


def test_it_names_the_account_a_self_reply_answers(tmp_path):
    data = _outbox_items()
    data["orderedItems"][1]["object"]["inReplyTo"] = (
        "https://mastodon.example/users/loomwell/statuses/116334349516814393"
    )

    post = parse(ARCHIVE_FMT, _write_archive(tmp_path, data)).posts[1]

    assert post.kind == PostKind.REPLY
    assert post.in_reply_to_handle == "loomwell@mastodon.example"


def test_it_reads_a_quote_post_and_leaves_the_quoted_url_out_of_its_links(tmp_path):
    data = _outbox_items()
    quoted = "https://fedi.example/users/tova_pours/statuses/117"
    data["orderedItems"][1]["object"].update(
        quote=quoted,
        content=f'<p>So true.</p><p class="quote-inline">RE: <a href="{quoted}">{quoted}</a></p>',
    )

    post = parse(ARCHIVE_FMT, _write_archive(tmp_path, data)).posts[1]

    assert post.kind == PostKind.QUOTE
    assert post.reshared_handle == "tova_pours@fedi.example"
    assert post.links == ()


def test_it_reads_activities_with_reordered_and_extra_fields(tmp_path):
    data = _outbox_items()
    for item in data["orderedItems"]:
        if isinstance(item["object"], dict):
            item["object"] = dict(reversed(list(item["object"].items()))) | {"x-extra": 1}
    data["orderedItems"] = [
        dict(reversed(list(item.items()))) | {"x-extra": {"a": 1}} for item in data["orderedItems"]
    ]

    result = parse(ARCHIVE_FMT, _write_archive(tmp_path, data))

    assert result.errors == []
    assert _kinds(result.posts) == {None: 41, PostKind.REPLY: 11, PostKind.RESHARE: 7}


def test_it_reports_a_bad_count_with_its_item_number_and_reads_the_rest(tmp_path):
    data = _outbox_items()
    data["orderedItems"][4]["object"]["likes"]["totalItems"] = "12x"

    result = parse(ARCHIVE_FMT, _write_archive(tmp_path, data))

    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row == 5
    assert error.member == "outbox.json"
    assert "“likes” “totalItems”: “12x” is not a number" in error.message
    assert len(result.posts) == 58


def test_it_reports_a_time_without_zone_with_its_item_number(tmp_path):
    data = _outbox_items()
    data["orderedItems"][2]["object"]["published"] = "2026-04-06 11:05"

    result = parse(ARCHIVE_FMT, _write_archive(tmp_path, data))

    assert [(e.row, e.message) for e in result.errors] == [
        (
            3,
            "item 3 (https://mastodon.example/users/loomwell/statuses/116357431296017276/"
            "activity): “published”: “2026-04-06 11:05” is not a date and time with a "
            "time zone.",
        )
    ]
    assert len(result.posts) == 58


def test_it_refuses_an_outbox_whose_ordered_items_is_not_a_list(tmp_path):
    path = tmp_path / "outbox.json"
    path.write_text(
        '{"@context":"https://www.w3.org/ns/activitystreams","id":"outbox.json",'
        '"type":"OrderedCollection","orderedItems":[],"orderedItems":{"type":"Create"}}'
    )
    assert ARCHIVE_FMT.sniff(Source.from_path(path))

    with pytest.raises(ImportFailed, match="“orderedItems”"):
        _run(ARCHIVE_FMT, path)


def test_it_refuses_an_actor_file_from_another_archive(tmp_path):
    folder = _write_archive(tmp_path, _outbox_items(), actor=False)
    actor = json.loads((ARCHIVE / "actor.json").read_text())
    actor["id"] = "https://fedi.example/users/tova_pours"
    (folder / "actor.json").write_text(json.dumps(actor))

    with pytest.raises(ImportFailed, match="different archives"):
        _run(ARCHIVE_FMT, folder)


def test_it_refuses_an_empty_outbox(tmp_path):
    path = tmp_path / "outbox.json"
    path.write_bytes(b"")

    assert not ARCHIVE_FMT.sniff(Source.from_path(path))


def test_it_fails_cleanly_on_a_truncated_outbox(tmp_path):
    raw = OUTBOX.read_bytes()
    path = tmp_path / "outbox.json"
    path.write_bytes(raw[: len(raw) // 2])

    assert ARCHIVE_FMT.sniff(Source.from_path(path))  # the start is intact
    with pytest.raises(ImportFailed, match="cut off"):
        _run(ARCHIVE_FMT, path)


def test_it_does_not_take_the_other_archive_files_for_an_outbox():
    for name in ("actor.json", "likes.json", "bookmarks.json"):
        assert not ARCHIVE_FMT.sniff(Source.from_path(ARCHIVE / name)), name


def test_the_archive_sniff_rejects_every_other_sample():
    accepted = [
        str(p) for p in _other_samples(f"mastodon/{ARCHIVE_NAME}") if _sniffed(ARCHIVE_FMT, p)
    ]
    assert accepted == []


def test_the_archive_sniff_rejects_a_folder_that_also_holds_api_pages(tmp_path):
    shutil.copytree(ARCHIVE, tmp_path / "archive")
    shutil.copy(PAGE1, tmp_path / "archive" / PAGE1.name)

    assert not ARCHIVE_FMT.sniff(Source.from_path(tmp_path / "archive"))


# --- REST API pages -------------------------------------------------------------------------


def test_it_reads_both_api_pages_as_one_source():
    result = parse(API_FMT, API)

    assert result.errors == []
    assert result.accounts == [
        AccountInfo("mastodon", "loomwell@mastodon.example", "Loomwell Roasters")
    ]
    # README inventory: 40 + 19 statuses; 7 have `reblog`, 11 `in_reply_to_id`.
    assert len(result.posts) == 59
    assert _kinds(result.posts) == {None: 41, PostKind.REPLY: 11, PostKind.RESHARE: 7}


def test_it_records_the_account_numbers_of_the_pages_on_the_import_day():
    result = parse(API_FMT, API, today=date(2026, 10, 2))

    # account.followers_count / following_count in every status of the pages.
    assert result.series("followers") == {date(2026, 10, 2): Decimal(1842)}
    assert result.series("following") == {date(2026, 10, 2): Decimal(233)}
    assert len(result.observations) == 2


def test_it_takes_the_counts_of_each_status():
    posts = parse(API_FMT, API).posts
    own = [p for p in posts if p.kind != PostKind.RESHARE]

    # Sums over all 59 statuses (boost wrappers hold 0): favourites 765, reblogs 276,
    # replies 100, quotes 0.
    assert sum(p.likes for p in own) == 765
    assert sum(p.reshares for p in own) == 276
    assert sum(p.replies for p in own) == 100
    boosts = [p for p in posts if p.kind == PostKind.RESHARE]
    assert {(p.likes, p.replies, p.reshares) for p in boosts} == {(None, None, None)}


def test_it_reads_the_first_and_last_status_times():
    times = sorted(p.published_at for p in parse(API_FMT, API).posts)

    assert times[0] == datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    assert times[-1] == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)


def test_it_reads_a_status_with_a_link():
    post = next(p for p in parse(API_FMT, API).posts if p.platform_id == "117315285811202341")

    assert post.published_at == datetime(2026, 9, 22, 15, 0, tzinfo=UTC)
    assert post.permalink == "https://mastodon.example/@loomwell/117315285811202341"
    assert post.text == (
        "Last chance for the Kenya Nyeri AA, only a few bags left.\n\n"
        "https://www.loomwell.example/shop/kenya-nyeri-aa\n\n#coffee"
    )
    assert post.links == ("https://www.loomwell.example/shop/kenya-nyeri-aa",)
    assert (post.likes, post.replies, post.reshares) == (14, 1, 2)
    assert post.row == 3


def test_it_reads_api_replies_with_the_mentioned_parent_author():
    posts = parse(API_FMT, API).posts
    replies = [p for p in posts if p.kind == PostKind.REPLY]

    assert Counter(p.in_reply_to_handle for p in replies) == {
        "tova_pours@fedi.example": 3,
        "mara_cuppings@mstdn.example": 3,
        "juniper_lane_bakes@bakers.example": 2,
        "northgate_deli@mastodon.example": 2,  # acct "northgate_deli" + host of its url
        "kettle_and_crumb@fedi.example": 1,
    }
    assert sum(1 for p in posts if p.links) == 18


def test_it_reads_api_boosts_from_the_wrapper():
    posts = parse(API_FMT, API).posts
    boost = next(p for p in posts if p.platform_id == "117236328038432801")

    assert boost.kind == PostKind.RESHARE
    assert boost.reshared_handle == "origin_notes_mag@press.example"
    # The wrapper's time, not the boosted post's (05:20).
    assert boost.published_at == datetime(2026, 9, 8, 16, 20, tzinfo=UTC)
    # The wrapper has no url; its uri is the Announce activity.
    assert boost.permalink == (
        "https://mastodon.example/users/loomwell/statuses/117236328038432801/activity"
    )
    assert boost.text == ""
    # The archive and the API give a boost the same id.
    archive_ids = {p.platform_id for p in parse(ARCHIVE_FMT, ARCHIVE).posts}
    assert {p.platform_id for p in posts if p.kind == PostKind.RESHARE} <= archive_ids


def test_it_reads_one_page_alone():
    result = parse(API_FMT, PAGE2)

    assert len(result.posts) == 19
    assert _kinds(result.posts) == {None: 12, PostKind.REPLY: 4, PostKind.RESHARE: 3}


def test_it_reads_a_zip_of_pages_and_ignores_a_page_saved_twice(tmp_path):
    path = tmp_path / "pages.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(PAGE1, PAGE1.name)
        archive.write(PAGE2, PAGE2.name)
        archive.write(PAGE2, "copy of page2.json")
        archive.writestr("page3.json", "[]")  # the empty page after the last

    result = parse(API_FMT, path)

    assert result.errors == []
    assert len(result.posts) == 59


def _api_variant(tmp_path, change):
    statuses = json.loads(PAGE1.read_text())
    change(statuses)
    path = tmp_path / "page.json"
    path.write_text(json.dumps(statuses, indent=2), encoding="utf-8")
    return path


def test_it_reports_a_bad_api_count_with_its_status_number(tmp_path):
    def change(statuses):
        statuses[2]["favourites_count"] = "12x"

    result = parse(API_FMT, _api_variant(tmp_path, change))

    assert [(e.row, e.member) for e in result.errors] == [(3, "page.json")]
    assert result.errors[0].message == (
        "status 3 (id 117315285811202341): “favourites_count”: “12x” is not a number."
    )
    assert len(result.posts) == 39


def test_it_reports_a_status_without_its_time(tmp_path):
    def change(statuses):
        del statuses[0]["created_at"]

    path = _api_variant(tmp_path, change)
    result = parse(API_FMT, path)

    assert [(e.row, e.message) for e in result.errors] == [
        (1, "status 1 (id 117354528768059499): no “created_at” time.")
    ]
    assert len(result.posts) == 39


def test_it_skips_private_and_direct_api_statuses(tmp_path):
    def change(statuses):
        statuses[0]["visibility"] = "private"
        statuses[1]["visibility"] = "direct"
        statuses[2]["visibility"] = "unlisted"

    posts = parse(API_FMT, _api_variant(tmp_path, change)).posts

    assert len(posts) == 38
    assert posts[0].platform_id == "117315285811202341"


def test_it_leaves_the_parent_author_blank_when_no_mention_matches(tmp_path):
    def change(statuses):
        statuses[4]["in_reply_to_account_id"] = "42"

    posts = parse(API_FMT, _api_variant(tmp_path, change)).posts
    reply = next(p for p in posts if p.platform_id == "117275453030432840")

    assert reply.kind == PostKind.REPLY
    assert reply.in_reply_to_handle == ""
    assert reply.mentions == ("tova_pours@fedi.example",)


def test_it_reads_a_quote_post_of_mastodon_4_4(tmp_path):
    def change(statuses):
        quoted = copy.deepcopy(statuses[6]["reblog"])
        statuses[1]["quote"] = {"state": "accepted", "quoted_status": quoted}
        statuses[1]["quotes_count"] = 2

    posts = parse(API_FMT, _api_variant(tmp_path, change)).posts
    quote = posts[1]

    assert quote.kind == PostKind.QUOTE
    assert quote.reshared_handle == "origin_notes_mag@press.example"
    assert quote.reshares == 7 + 2  # reblogs_count + quotes_count


def test_it_drops_scripts_from_api_content(tmp_path):
    def change(statuses):
        statuses[0]["content"] = (
            '<p>Hello<script>alert(1)</script> <a href="https://x.example/a" '
            'onclick="steal()">x.example/a</a></p>'
        )

    post = parse(API_FMT, _api_variant(tmp_path, change)).posts[0]

    assert post.text == "Hello x.example/a"
    assert post.links == ("https://x.example/a",)


def test_the_api_sniff_rejects_timelines_notifications_and_accounts(tmp_path):
    statuses = json.loads(PAGE1.read_text())
    other = copy.deepcopy(statuses[0])
    other["account"]["id"] = "1"
    near_misses = {
        "timeline.json": [statuses[0], other],  # two accounts: a home timeline
        "notifications.json": [
            {
                "id": "9",
                "type": "mention",
                "created_at": "2026-09-01T00:00:00.000Z",
                "account": statuses[0]["account"],
                "status": statuses[0],
            }
        ],
        "followers.json": [statuses[0]["account"]],
        "empty.json": [],
        "object.json": statuses[0],
    }
    for name, data in near_misses.items():
        path = tmp_path / name
        path.write_text(json.dumps(data))
        assert not API_FMT.sniff(Source.from_path(path)), name


def test_it_fails_cleanly_on_a_truncated_or_empty_page(tmp_path):
    raw = PAGE1.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(raw[: len(raw) // 2])
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")

    assert not API_FMT.sniff(Source.from_path(cut))
    assert not API_FMT.sniff(Source.from_path(empty))
    with pytest.raises(ImportFailed, match="cut off"):
        _run(API_FMT, cut)
    with pytest.raises(ImportFailed, match="empty"):
        _run(API_FMT, empty)


def test_it_refuses_a_page_that_is_not_an_array(tmp_path):
    path = tmp_path / "page.json"
    path.write_text('{"error": "Record not found"}')

    assert not API_FMT.sniff(Source.from_path(path))
    with pytest.raises(ImportFailed, match="expected a JSON array"):
        _run(API_FMT, path)


def test_the_api_sniff_rejects_every_other_sample():
    accepted = [str(p) for p in _other_samples("mastodon/api") if _sniffed(API_FMT, p)]
    assert accepted == []


def test_both_formats_are_mastodon():
    assert [(f.key, f.platform) for f in FORMATS] == [
        ("mastodon_archive", "mastodon"),
        ("mastodon_api_statuses", "mastodon"),
    ]
