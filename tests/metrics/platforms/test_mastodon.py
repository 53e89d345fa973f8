"""Mastodon conventions shared by the importer of saved pages and the connector
(metrics.platforms.mastodon), on the statuses of tests/fixtures/mastodon/api/."""

import json
from datetime import UTC, datetime

from metrics.ingest.records import PostKind
from metrics.platforms.mastodon import (
    account_handle,
    links_in_html,
    qualified_handle,
    status_post,
)
from tests.metrics.importers.helpers import FIXTURES

PAGE1 = FIXTURES / "mastodon/api/GET_api_v1_accounts_110245871234560001_statuses.page1.json"
OWNER_ID = "110245871234560001"


def _statuses():
    return json.loads(PAGE1.read_text())


def _status(status_id):
    return next(s for s in _statuses() if s["id"] == status_id)


def test_a_local_account_takes_the_host_of_its_profile_url():
    assert qualified_handle("Loomwell", "https://mastodon.example/@loomwell") == (
        "loomwell@mastodon.example"
    )
    assert qualified_handle("@dara@pedal.example", "https://mastodon.example/@dara") == (
        "dara@pedal.example"
    )
    assert account_handle(_statuses()[0]["account"]) == "loomwell@mastodon.example"


def test_a_status_is_a_post_with_its_counts_and_its_time():
    post = status_post(_status("117354528768059499"), OWNER_ID, "loomwell@mastodon.example")
    assert post is not None
    assert post.platform_id == "117354528768059499"
    assert post.published_at == datetime(2026, 9, 29, 13, 20, tzinfo=UTC)
    assert post.text.startswith("Festival recap: 2,000 tasting cups poured")
    assert (post.likes, post.reshares, post.replies) == (35, 4, 0)


def test_a_reply_names_the_post_it_answers():
    status = _status("117275453030432840")
    post = status_post(status, OWNER_ID, "loomwell@mastodon.example")
    assert post is not None
    assert post.kind is PostKind.REPLY
    assert post.in_reply_to_id == "117274532905021337"
    assert post.in_reply_to_handle


def test_a_boost_is_a_reshare_without_the_boosted_posts_counts():
    post = status_post(_status("117236328038432801"), OWNER_ID, "loomwell@mastodon.example")
    assert post is not None
    assert post.kind is PostKind.RESHARE
    assert post.reshared_handle
    assert (post.likes, post.reshares, post.replies) == (None, None, None)


def test_a_followers_only_status_is_not_a_post():
    status = {**_statuses()[0], "visibility": "private"}
    assert status_post(status, OWNER_ID, "loomwell@mastodon.example") is None


def test_links_in_post_html_leave_out_mentions_and_hashtags():
    html = (
        '<p><span class="h-card"><a href="https://pedal.example/@dara" class="u-url mention">'
        '@<span>dara</span></a></span> <a href="https://mastodon.example/tags/coffee" '
        'class="mention hashtag" rel="tag">#<span>coffee</span></a> '
        '<a href="https://www.loomwell.example/shop">loomwell.example/shop</a></p>'
    )
    assert links_in_html(html) == ("https://www.loomwell.example/shop",)
