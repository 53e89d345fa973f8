"""Bluesky conventions shared by the importer of saved pages and the connector
(metrics.platforms.bluesky), on the feed of tests/fixtures/bluesky/api/."""

import json

from metrics.ingest.records import PostKind
from metrics.platforms.bluesky import (
    Account,
    did_of,
    feed_post,
    handle_of,
    handle_or_did,
    item_owner,
    post_url,
)
from tests.metrics.importers.helpers import FIXTURES

PAGE1 = FIXTURES / "bluesky/api/app.bsky.feed.getAuthorFeed.page1.json"
OWN_DID = "did:plc:wcyiiwnwwciftoalujwaj6nh"


def _feed():
    return json.loads(PAGE1.read_text())["feed"]


def test_a_handle_the_appview_could_not_verify_is_no_handle():
    assert handle_of({"did": "did:plc:x", "handle": "Tova.BSKY.social"}) == "tova.bsky.social"
    assert handle_of({"did": "did:plc:x", "handle": "handle.invalid"}) == ""
    assert handle_or_did({"did": "did:plc:x", "handle": "handle.invalid"}) == "did:plc:x"


def test_a_post_has_an_address_for_people():
    author = {"did": OWN_DID, "handle": "loomwellroasters.bsky.social"}
    uri = f"at://{OWN_DID}/app.bsky.feed.post/3mwnw74dk22oy"
    assert did_of(uri) == OWN_DID
    assert post_url(author, uri) == (
        "https://bsky.app/profile/loomwellroasters.bsky.social/post/3mwnw74dk22oy"
    )


def test_a_repost_belongs_to_the_reposter_and_is_a_reshare_of_the_author():
    repost = _feed()[6]
    account = Account(OWN_DID, "loomwellroasters.bsky.social")
    assert item_owner(repost) == OWN_DID
    post = feed_post(repost, account)
    assert post is not None
    assert post.platform_id == f"repost:{repost['post']['uri']}"
    assert post.kind is PostKind.RESHARE
    assert post.reshared_handle == "originnotesmag.bsky.social"
    assert post.likes is None


def test_a_reply_names_the_post_and_the_person_it_answers():
    reply = _feed()[4]
    account = Account(OWN_DID, "loomwellroasters.bsky.social")
    account.learn(reply)
    post = feed_post(reply, account)
    assert post is not None
    assert post.kind is PostKind.REPLY
    assert post.in_reply_to_handle == "tovapours.bsky.social"
    assert post.in_reply_to_id == reply["post"]["record"]["reply"]["parent"]["uri"]


def test_an_item_of_another_account_is_not_the_accounts_post():
    assert feed_post(_feed()[0], Account("did:plc:someoneelse", "")) is None
